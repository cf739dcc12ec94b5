r"""The network: its layers run forward then back, over one packed parameter vector.

This module is the NumPy reference of the training step, the code that reads like
the course (week 4):

.. math::
    J = \frac{1}{m} \sum_i w_i\, \mathcal{L}(a^{(i)}, y^{(i)})
        + \frac{\alpha}{2m} \sum_l \|W^{[l]}\|_F^2, \quad m = \sum_i w_i

``Network.cost_and_gradient`` propagates a batch forward through the layers of
``_layers``, lets the output head's loss turn the logits ``Z[L]`` into ``dZ[L]``,
and propagates that back; ``Step`` adds the optimizer's update. ``NumpyBackend``
builds both; numba's fused kernels (``_kernels.FusedBackend``) are another
backend of the same interface, chosen once per fit.

Fitted weights are stored as scikit-learn's MLP stores them: ``coefs[l-1]`` has
shape ``(n_{l-1}, n_l)``, one sample per row, so ``Z = A_prev @ W + b``.
"""

import math
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from ._blas import add_scaled
from ._layers import Activation, Batch, Dropout, Linear, Normalization
from ._losses import l2_penalty
from ._namespace import to_numpy, xp_of


@dataclass(frozen=True)
class Layout:
    """The layers an estimator asks for, as values (read from its parameters).

    Attributes
    ----------
    hidden_sizes : tuple of int
        ``n_1 .. n_{L-1}``; empty for a linear model.
    activation : str
        The hidden layers' activation, a key of ``ACTIVATIONS``.
    init, output_init : str
        The initializers (keys of ``INITIALIZERS``) of the hidden and output layers.
    fits_intercepts : bool
        False keeps every bias at zero, untrained.
    output_bias : {"prior", "zeros"}
        Where the output layer's bias starts: at the head's prior (the class
        frequencies, the mean target), or at zero.
    keep_probs : tuple of float or None
        Dropout's keep probability per hidden layer; None without dropout.
    batch_norm_momentum : float or None
        The running statistics' momentum; None without batch normalization.
    """

    hidden_sizes: tuple = ()
    activation: str = "identity"
    init: str = "zeros"
    output_init: str = "zeros"
    fits_intercepts: bool = True
    output_bias: str = "prior"
    keep_probs: tuple = None
    batch_norm_momentum: float = None

    def sizes(self, n_features, n_outputs):
        """``[n_x, n_1, ..., n_L]``."""
        return [n_features, *self.hidden_sizes, n_outputs]


class Parameters:
    """Every trainable array as a view of one vector, and every gradient of another.

    Keeping the parameters in one vector lets an optimizer update them all with one
    NumPy call per operation, instead of one call per layer and per operation. The
    biases are trainable unless ``fits_intercepts`` is False or batch normalization
    replaces them (in the hidden layers, by ``beta``); such a bias keeps its value
    and has no gradient (None in ``db``).

    Parameters
    ----------
    coefs, intercepts : lists of L ndarrays
        The starting weights; copied into the vector.
    batch_norm : BatchNorm or None
        Its ``gammas`` and ``betas`` (and their gradients) become views too.
    fits_intercepts : bool
    dtype : numpy dtype
    on : Namespace, optional
        Where the vectors live: NumPy (None), or an Array API namespace and device
        (``_namespace``), to which the starting values are copied.

    Attributes
    ----------
    coefs, intercepts, dW, db : lists of L ndarrays (``db[l]`` None if not trained)
    dtype : numpy dtype
        Theirs, named as NumPy names it (whatever their namespace).
    params, param_grads : ndarray
        The packed vectors; the weights are their first ``n_weights`` entries.
    batch_norm : BatchNorm or None
    """

    def __init__(self, coefs, intercepts, batch_norm, fits_intercepts, dtype, on=None):
        n_layers = len(coefs)
        biased = trained_bias_layers(n_layers, fits_intercepts, batch_norm is not None)
        trainable = coefs + [intercepts[l] for l in biased]
        if batch_norm is not None:
            trainable += batch_norm.gammas + batch_norm.betas
        self.params, views = pack(trainable, dtype, on)
        self.param_grads, grad_views = pack(trainable, dtype, on)
        self.coefs, self.dW = views[:n_layers], grad_views[:n_layers]
        # An untrained bias (fit_intercept=False) is still added to Z: in Z's namespace.
        self.intercepts = [b if on is None else on.asarray(b, dtype) for b in intercepts]
        self.db = [None] * n_layers
        for position, l in enumerate(biased, start=n_layers):
            self.intercepts[l], self.db[l] = views[position], grad_views[position]
        if batch_norm is not None:
            n_hidden, start = n_layers - 1, n_layers + len(biased)
            batch_norm.gammas = views[start : start + n_hidden]
            batch_norm.betas = views[start + n_hidden :]
            batch_norm.dgammas = grad_views[start : start + n_hidden]
            batch_norm.dbetas = grad_views[start + n_hidden :]
        self.batch_norm = batch_norm
        self.n_weights = sum(W.size for W in coefs)
        self.dtype = np.dtype(dtype)


def pack(arrays, dtype, on=None):
    """One contiguous vector for all ``arrays``, and views of it shaped like each.

    Parameters
    ----------
    arrays : list of ndarray
        Their values are copied into the vector.
    dtype : numpy dtype
    on : Namespace, optional
        The namespace and device of the vector; NumPy's by default.

    Returns
    -------
    flat : ndarray of shape (sum of sizes,)
    views : list of ndarray
        ``views[i]`` has the shape of ``arrays[i]`` and shares ``flat``'s memory.
    """
    sizes = [math.prod(a.shape) for a in arrays]  # a tensor's size is a method
    n_values = sum(sizes)
    flat = np.empty(n_values, dtype=dtype) if on is None else on.empty(n_values, dtype)
    views, offset = [], 0
    for array, size in zip(arrays, sizes, strict=True):
        part = flat[offset : offset + size]
        if on is None:
            view = part.reshape(array.shape)
            view[...] = array
        else:  # the standard's reshape, which views a contiguous slice too
            view = on.xp.reshape(part, array.shape)
            view[...] = on.asarray(array, dtype)
        views.append(view)
        offset += size
    return flat, views


def trained_bias_layers(n_layers, fits_intercepts, normalized):
    """The layers (counted from 0) whose bias is trained: all of them, none without
    intercepts, and only the output layer's with batch normalization (``beta`` replaces
    the hidden biases)."""
    if not fits_intercepts:
        return []
    return [n_layers - 1] if normalized else list(range(n_layers))


def n_trainable(coefs, fits_intercepts, normalized):
    """The size of the packed parameter vector (and of an optimizer's state over it)."""
    n_params = sum(W.size for W in coefs)
    for l in trained_bias_layers(len(coefs), fits_intercepts, normalized):
        n_params += coefs[l].shape[1]
    if normalized:  # each hidden unit's gamma and beta
        n_params += 2 * sum(W.shape[1] for W in coefs[:-1])
    return n_params


class Network:
    """The layers of ``_layers`` over packed ``Parameters``, with the output's loss.

    Parameters
    ----------
    parameters : Parameters
    layers : list of layers
        ``forward`` runs them in order, ``backward`` in reverse.
    loss : callable
        ``loss(Z, Y, sample_weight)``, from the output head: the cost of the logits
        ``Z``, which it overwrites with ``dZ[L]``.
    alpha : float
        L2 strength.
    n_rows : int
        The most rows of a batch: every buffer is allocated for that many, once.
    activation : str
        The hidden layers' activation, for predictions from ``inference()``'s weights.
    """

    def __init__(self, parameters, layers, loss, alpha, n_rows, activation):
        self.parameters, self.layers, self.loss, self.alpha = parameters, layers, loss, alpha
        self.activation = activation
        self.params, self.param_grads = parameters.params, parameters.param_grads
        self.coefs, self.intercepts = parameters.coefs, parameters.intercepts
        self.batch_norm = parameters.batch_norm
        self.dtype = dtype = parameters.dtype
        for layer in layers:
            layer.allocate(n_rows, dtype)
        n_weights = parameters.n_weights
        self.weights, self.weight_grads = self.params[:n_weights], self.param_grads[:n_weights]
        self.ones = np.ones(n_rows, dtype)
        self.batch = Batch(None, None, self.ones)

    def forward_propagation(self, X, sample_weight=None, rng=None):
        """The logits ``Z[L]`` of the rows of ``X``, layer by layer (course, week 4); each
        layer keeps its cache, what its backward needs.

        ``sample_weight`` weighs the rows in batch normalization's statistics; ``rng``
        draws dropout's masks.
        """
        batch = self.batch
        batch.sample_weight, batch.rng, batch.ones = sample_weight, rng, self.ones[: X.shape[0]]
        A = X
        for layer in self.layers:
            A = layer.forward(A, batch)
        return A

    def backward_propagation(self, dZ):
        """The gradient of every parameter, from the output's ``dZ[L]``, into
        ``param_grads``: the layers' backward steps, last layer first (without the L2
        term, which ``cost_and_gradient`` adds)."""
        dA = dZ
        for layer in reversed(self.layers):
            dA = layer.backward(dA, self.batch)

    def cost_and_gradient(self, X, Y, sample_weight=None, rng=None, l2_gradient=True):
        r"""The regularized cost ``J`` of a batch; its gradient goes to ``param_grads``.

        The L2 term :math:`\frac{\alpha}{m} W` is added to every ``dW`` at once: the
        weights are the packed vector's first ``n_weights`` entries, so one BLAS pass
        over them does what one pass per layer would. ``l2_gradient=False`` leaves it
        out of the gradient (not out of the cost), for an optimizer step that adds it
        itself (``_kernels``).
        """
        m = X.shape[0] if sample_weight is None else float(sample_weight.sum(dtype=np.float64))
        Z = self.forward_propagation(X, sample_weight, rng)
        cost = self.loss(Z, Y, sample_weight)  # Z becomes dZ[L]
        cost += l2_penalty([self.weights], self.alpha, m)
        self.backward_propagation(Z)
        if self.alpha and l2_gradient:
            add_scaled(self.weights, self.weight_grads, self.alpha / m)
        return cost

    def all_finite(self):
        """Whether every parameter is finite (the last step can overflow them)."""
        return bool(np.isfinite(self.params).all())

    def vector(self):
        """The packed parameters as a new float64 NumPy vector: what SciPy minimizes."""
        return self.params.astype(np.float64)

    def gradient_vector(self):
        """The packed gradient as a new float64 NumPy vector."""
        return self.param_grads.astype(np.float64)

    def load_vector(self, theta):
        """Set the packed parameters to the NumPy vector ``theta`` (cast to their dtype)."""
        np.copyto(self.params, theta)

    def inference(self):
        """The network as prediction sees it: ``(coefs, intercepts)``, batch norm folded in."""
        if self.batch_norm is None:
            return self.coefs, self.intercepts
        return self.batch_norm.fold(self.coefs, self.intercepts)

    def take_full_batch_statistics(self, X, sample_weight, batch_norm=None):
        """Set the running statistics to those of the whole ``X`` at the current weights.

        ``batch_norm`` defaults to the network's own; a snapshot's can be given, and
        its statistics are then taken with the network's weights.
        """
        own = self.batch_norm
        batch_norm = batch_norm or own
        for layer in self.layers:
            if isinstance(layer, Normalization):
                layer.batch_norm = batch_norm
        try:
            batch_norm.take_statistics_of(lambda: self.forward_propagation(X, sample_weight))
        finally:
            for layer in self.layers:
                if isinstance(layer, Normalization):
                    layer.batch_norm = own

    def snapshot(self):
        """Copies of ``(coefs, intercepts, batch_norm)``, safe from later updates."""
        batch_norm = None if self.batch_norm is None else self.batch_norm.copy()
        return [W.copy() for W in self.coefs], [b.copy() for b in self.intercepts], batch_norm


class Step:
    r"""One training step of the NumPy reference: a batch's cost and gradient, then the
    optimizer's update of the packed parameters.

    With ``max_grad_norm`` = :math:`c`, the gradient :math:`g` (every weight's and
    bias's, the L2 term included) is clipped to at most that L2 norm before the update:

    .. math:: g \leftarrow g \min\left(1, \frac{c}{\|g\|_2}\right)

    Parameters
    ----------
    network : Network
    optimizer : optimizer of ``_optimizers``
        Over ``[network.params]``.
    max_grad_norm : float or None, default=None
        :math:`c`; None clips nothing.
    """

    def __init__(self, network, optimizer, max_grad_norm=None):
        self.network, self.optimizer = network, optimizer
        self.max_grad_norm = max_grad_norm

    def gradient(self, X, Y, sample_weight=None, rng=None):
        """The batch's cost; its gradient, as ``update`` takes it, goes to ``param_grads``."""
        return self.network.cost_and_gradient(X, Y, sample_weight, rng)

    def epoch_costs(self):
        """What adds up the costs ``gradient`` returns over one epoch: ``EpochCosts``."""
        return EpochCosts()

    def update(self, batch_weight):
        """Step the parameters along the last gradient; ``batch_weight`` is the batch's
        number of samples or sum of weights (the ``m`` of its cost)."""
        grads = self.network.param_grads
        if self.max_grad_norm is not None:
            clip_gradient(grads, self.max_grad_norm)
        self.optimizer.update([self.network.params], [grads])


class NonFiniteCost(ArithmeticError):
    """A batch's cost overflowed or became NaN: training diverged. ``cost`` is its value."""

    def __init__(self, cost):
        super().__init__(cost)
        self.cost = cost


class EpochCosts:
    """The costs of one epoch's batches, added up as Python floats, each checked as it
    comes: a non-finite cost raises ``NonFiniteCost`` at once.

    Attributes
    ----------
    first : float or None
        The first batch's cost.
    """

    def __init__(self):
        self.first, self.total, self.weight = None, 0.0, 0.0

    def add(self, cost, batch_weight):
        """Count a batch's ``cost``, the mean over its ``batch_weight`` samples."""
        if not np.isfinite(cost):
            raise NonFiniteCost(cost)
        if self.first is None:
            self.first = cost
        self.total += cost * batch_weight
        self.weight += batch_weight

    def mean(self, total_weight):
        """The epoch's mean cost over all ``total_weight`` samples (its own batches'
        weight, 0, when every batch was skipped)."""
        return self.total / total_weight


def clip_gradient(grads, max_norm):
    r"""Rescale ``grads`` in place to at most the L2 norm ``max_norm`` = :math:`c`:
    :math:`g \leftarrow g \min(1, c / \|g\|_2)`. Returns the factor applied.

    A gradient with an infinite or NaN entry is left as it is: the step then makes the
    parameters non-finite, which the divergence guard reports, rather than hiding it.
    """
    norm = l2_norm(grads)
    if not norm > max_norm or not np.isfinite(norm):
        return 1.0
    factor = max_norm / norm
    grads *= grads.dtype.type(factor)
    return factor


def l2_norm(vector):
    """The L2 norm of ``vector``, a float; without overflow when its squares overflow."""
    with np.errstate(over="ignore"):  # then taken again on the scaled vector
        squared = float(np.dot(vector, vector))
    if np.isfinite(squared):
        return float(np.sqrt(squared))
    largest = float(np.max(np.abs(vector)))
    if not np.isfinite(largest):
        return largest
    scaled = vector / largest
    return largest * float(np.sqrt(np.dot(scaled, scaled)))


class NumpyBackend:
    """The NumPy reference: builds the network of layers and its training step.

    A backend is chosen once per fit (``_kernels.backend_for_fit``); numba's
    ``FusedBackend`` overrides the parts it fuses.
    """

    name = "numpy"

    def network(self, parameters, layout, loss, alpha, n_rows):
        """The ``Network`` of ``layout`` over ``parameters``, training on ``loss``."""
        coefs, n_layers = parameters.coefs, len(parameters.coefs)
        batch_norm = parameters.batch_norm
        layers = []
        for l in range(n_layers):
            W, b, dW, db = coefs[l], parameters.intercepts[l], parameters.dW[l], parameters.db[l]
            if l == n_layers - 1:  # the output layer keeps its logits
                layers.append(Linear(W, b, dW, db, first=l == 0))
                break
            linear = Linear(W, b, dW, db, adds_bias=batch_norm is None, first=l == 0)
            normalization = None if batch_norm is None else Normalization(batch_norm, l)
            layers += self.hidden_layer(linear, normalization, layout.activation)
            keep = 1.0 if layout.keep_probs is None else layout.keep_probs[l]
            if keep < 1:
                layers.append(Dropout(keep, W.shape[1]))
        return Network(parameters, layers, self.loss(loss), alpha, n_rows, layout.activation)

    def hidden_layer(self, linear, normalization, activation):
        """A hidden layer's layers: linear, batch normalization (if any), activation."""
        return [linear, *([normalization] if normalization else []), Activation(activation)]

    def loss(self, loss):
        """The loss the network trains on: the head's, as it is."""
        return loss

    def step(self, network, optimizer, max_grad_norm=None):
        """The training step of ``network`` with ``optimizer``, clipping the gradient to
        ``max_grad_norm``."""
        return Step(network, optimizer, max_grad_norm)

    def parameters(self, coefs, intercepts, batch_norm, fits_intercepts, dtype):
        """The packed ``Parameters`` the network trains, from the starting arrays."""
        return Parameters(coefs, intercepts, batch_norm, fits_intercepts, dtype)

    def batches(self, X, Y, sample_weight, batch_size, rng, min_rows=1, rows=None):
        """The training data's ``MiniBatches`` (``_loop``)."""
        from ._loop import MiniBatches  # the loop's, which imports this module

        return MiniBatches(X, Y, sample_weight, batch_size, rng, min_rows, rows)

    def logits(self, X, coefs, intercepts, activation, rows=None):
        """``predict_logits`` of the trained network, as a NumPy array."""
        return predict_logits(X, coefs, intercepts, activation, rows=rows)

    def full_batch(self, data):
        """The ``TrainingData`` as L-BFGS reads them, whole: as they are."""
        return data


# -- prediction ----------------------------------------------------------------------

#: A chunk of rows at prediction holds about this many bytes of input and
#: activations: within the L3 cache of this project's machines (8 MiB), so that
#: each layer reads from cache what the layer before it wrote.
CHUNK_BYTES = 4 * 2**20

#: The fewest rows of a chunk, as far as ``MAX_CHUNK_VALUES`` allows: smaller matrix
#: products lose speed.
MIN_CHUNK_ROWS = 512

#: The most values a chunk's activations may hold in any one layer: what bounds the
#: memory of prediction when the layers are too wide for ``CHUNK_BYTES``.
MAX_CHUNK_VALUES = 2**22


def rows_per_chunk(layer_sizes, itemsize):
    """The rows of a chunk when a large input is propagated a chunk at a time.

    About ``CHUNK_BYTES`` of input and activations, and at least ``MIN_CHUNK_ROWS``
    rows unless a layer would then hold more than ``MAX_CHUNK_VALUES`` values.

    Parameters
    ----------
    layer_sizes : sequence of int
        ``[n_x, n_1, ..., n_L]``; ``n_x`` counts the input's stored values per row
        (0 for a sparse input, whose chunks are small).
    itemsize : int
        Bytes per value.
    """
    rows = max(MIN_CHUNK_ROWS, CHUNK_BYTES // (itemsize * sum(layer_sizes)))
    return max(1, min(rows, MAX_CHUNK_VALUES // max(layer_sizes[1:])))


def inference_layers(coefs, intercepts, activation):
    """The layers of prediction: ``[Linear, Activation] x (L-1), Linear``, no gradients."""
    layers = []
    for l, (W, b) in enumerate(zip(coefs, intercepts, strict=True)):
        layers.append(Linear(W, b, first=l == 0))
        if l < len(coefs) - 1:
            layers.append(Activation(activation))
    return layers


def predict_logits(X, coefs, intercepts, activation, chunk_size=None, rows=None):
    """The logits ``Z[L]`` for every row of ``X`` (or for ``rows``), computed in chunks of rows.

    Working in chunks bounds the memory of the hidden activations on large inputs,
    and keeps them in cache between one layer and the next.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_rows, n_x)
    coefs, intercepts : lists of L ndarrays
    activation : str
    chunk_size : int, optional
        Rows per chunk; by default ``rows_per_chunk`` of the network.
    rows : ndarray of shape (n_samples,), optional
        Only these rows of ``X``, in this order, each chunk of them gathered as it is
        propagated (early stopping's validation rows, which are not copied out).

    Returns
    -------
    Z : ndarray of shape (n_samples, n_L)
    """
    n_samples = X.shape[0] if rows is None else rows.shape[0]
    layer_sizes = [X.shape[1]] + [W.shape[1] for W in coefs]
    dtype = X.dtype
    if chunk_size is None:
        stored_input = [0] if sparse.issparse(X) else layer_sizes[:1]
        chunk_size = rows_per_chunk(stored_input + layer_sizes[1:], dtype.itemsize)
    layers = inference_layers(coefs, intercepts, activation)
    for layer in layers:
        layer.allocate(min(n_samples, chunk_size), dtype)
    if n_samples <= chunk_size:
        return _propagate(layers, _rows_of(X, rows))
    Z = np.empty((n_samples, layer_sizes[-1]), dtype=dtype)
    for start in range(0, n_samples, chunk_size):
        chunk = slice(start, start + chunk_size)
        layers[-1].Z_buffer = Z[chunk]  # the output layer writes its logits into place
        _propagate(layers, _rows_of(X, rows, chunk))
    return Z


def _propagate(layers, X):
    A = X
    for layer in layers:
        A = layer.forward(A, None)
    return A


def _rows_of(X, rows, chunk=slice(None)):
    """``X[chunk]``, or the rows ``rows[chunk]`` of ``X``, gathered."""
    return X[chunk] if rows is None else X[rows[chunk]]


def logit_bound(X, coefs, intercepts, activation):
    r"""An upper bound on ``|Z[L]|`` over the rows of ``X``, without propagating them.

    With :math:`\|W\|` the largest sum of absolute weights into one unit, and every
    hidden activation at most as large as its input in absolute value (tanh's and
    sigmoid's also at most 1), layer by layer from the largest ``|x|``:

    .. math::
        \max_i |z^{[l]}_i| \le \|W^{[l]}\| \max_i |a^{[l-1]}_i| + \max |b^{[l]}|

    One pass over ``X`` and the weights, no matrix product: cheap enough to tell,
    after every fit, whether the network's outputs on its data can overflow at all.

    Returns
    -------
    float
        ``inf`` when the bound itself overflows.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        bound = largest_magnitude(X)
        # The weights on the host (a device's are read back: they are small).
        coefs, intercepts = [to_numpy(W) for W in coefs], [to_numpy(b) for b in intercepts]
        for l, (W, b) in enumerate(zip(coefs, intercepts, strict=True)):
            if l > 0 and activation == "sigmoid":
                bound = 1.0
            elif l > 0 and activation == "tanh":
                bound = min(bound, 1.0)
            into_a_unit = float(np.abs(W).sum(axis=0, dtype=np.float64).max())
            bound = into_a_unit * bound + float(np.abs(b).max())
    return bound if np.isfinite(bound) else np.inf


def largest_magnitude(X):
    """``max |x|`` over the entries of ``X`` (NumPy, sparse, or of another namespace)."""
    if sparse.issparse(X):
        return float(np.abs(X.data).max()) if X.nnz else 0.0
    if not isinstance(X, np.ndarray):  # on a device: two reductions, two values read
        xp = xp_of(X)
        return max(float(xp.max(X)), -float(xp.min(X))) if X.shape[0] else 0.0
    # In chunks of rows: |X| would otherwise be a copy of the whole input.
    bound = 0.0
    for start in range(0, X.shape[0], MIN_CHUNK_ROWS):
        bound = max(bound, float(np.abs(X[start : start + MIN_CHUNK_ROWS]).max()))
    return bound
