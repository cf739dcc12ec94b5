r"""Forward and backward propagation through an L-layer network (pure NumPy).

The network is ``[LINEAR -> g] x (L-1) -> LINEAR`` followed by the output
activation (sigmoid or softmax) that ``_losses`` applies together with the loss.

Notation (course, week 4), with **one sample per row** as in scikit-learn:

=====================  =====================================  ======================
course                 here                                   shape
=====================  =====================================  ======================
``X`` (n_x, m)         ``X``                                  (m, n_x)
``W[l]`` (n_l, n_l-1)  ``coefs[l-1]``                         (n_l-1, n_l)
``b[l]`` (n_l, 1)      ``intercepts[l-1]``                    (n_l,)
``Z[l] = W A + b``     ``Z = A_prev @ W + b``                 (m, n_l)
``dW[l] = dZ A^T / m`` ``A_prev.T @ dZ`` (``dZ`` holds 1/m)   (n_l-1, n_l)
``db[l]``              ``dZ.sum(axis=0)``                     (n_l,)
``dA[l-1] = W^T dZ``   ``dZ @ W.T``                           (m, n_l-1)
=====================  =====================================  ======================

``caches[l]`` holds ``A[l]`` for ``l = 0 .. L-1`` (``A[0]`` is ``X``) and
``caches[L]`` holds the logits ``Z[L]``. Every function accepts preallocated
arrays so that the training loop allocates nothing per mini-batch.
"""

import numpy as np
from scipy import sparse

from ._activations import ACTIVATIONS, DERIVATIVES
from ._blas import add_scaled
from ._losses import LOSSES, l2_penalty


def allocate_buffers(n_samples, layer_sizes, dtype):
    """Empty arrays for ``A[1] .. A[L-1]`` and ``Z[L]``: one of shape (n_samples, n_l) per layer.

    The training loop allocates them once per fit and reuses them for every batch.

    Parameters
    ----------
    n_samples : int
    layer_sizes : sequence of int
        ``[n_x, n_1, ..., n_L]``; the input needs no buffer.
    dtype : numpy dtype
    """
    return [np.empty((n_samples, n), dtype=dtype) for n in layer_sizes[1:]]


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


def pack(arrays, dtype):
    """One contiguous vector for all ``arrays``, and views of it shaped like each.

    Keeping every trainable parameter (and every gradient) in one vector lets an
    optimizer update them all with one NumPy call per operation, instead of one
    call per layer and per operation.

    Parameters
    ----------
    arrays : list of ndarray
        Their values are copied into the vector.
    dtype : numpy dtype

    Returns
    -------
    flat : ndarray of shape (sum of sizes,)
    views : list of ndarray
        ``views[i]`` has the shape of ``arrays[i]`` and shares ``flat``'s memory.
    """
    flat = np.empty(sum(a.size for a in arrays), dtype=dtype)
    views, offset = [], 0
    for array in arrays:
        view = flat[offset : offset + array.size].reshape(array.shape)
        view[...] = array
        views.append(view)
        offset += array.size
    return flat, views


def draw_dropout_masks(rng, n_rows, hidden_sizes, keep_probs, dtype, workspace=None):
    """Inverted-dropout masks ``D[l] / keep_prob[l]`` for the hidden layers (course 2, week 1).

    Each entry is 0 with probability ``1 - keep_prob`` (the unit is dropped for
    that sample) and ``1 / keep_prob`` otherwise, so that ``A * mask`` keeps the
    expected value of ``A`` and nothing needs rescaling at prediction time.

    Parameters
    ----------
    rng : numpy.random.Generator
    n_rows : int
    hidden_sizes : list of int
    keep_probs : list of float
        One per hidden layer; a layer with ``keep_prob == 1`` gets no mask (None).
    dtype : numpy dtype
    workspace : Workspace, optional
        Its ``masks`` buffers are reused; allocated if None.

    Returns
    -------
    masks : list of (ndarray of shape (n_rows, n_l) or None)
    """
    masks = []
    for l, (n_units, keep) in enumerate(zip(hidden_sizes, keep_probs, strict=True)):
        if keep >= 1:
            masks.append(None)
            continue
        mask = np.empty((n_rows, n_units), dtype) if workspace is None else workspace.masks[l]
        mask = mask[:n_rows]
        rng.random(dtype=mask.dtype, out=mask)
        np.less(mask, keep, out=mask)  # 1.0 where the unit is kept
        mask *= 1 / keep
        masks.append(mask)
    return masks


def forward_propagation(
    X,
    coefs,
    intercepts,
    activation,
    buffers=None,
    masks=None,
    batch_norm=None,
    sample_weight=None,
    kernels=None,
):
    """Compute every layer's activation, keeping them as the caches for backward propagation.

    For ``l = 1 .. L``: ``Z[l] = A[l-1] @ W[l] + b[l]``, then ``A[l] = g(Z[l])``
    for the hidden layers (times the dropout mask, if any); the output layer
    keeps its logits ``Z[L]``. With batch normalization, a hidden layer's
    ``Z[l] = A[l-1] @ W[l]`` is normalized over the batch, then scaled and shifted
    (its ``b[l]`` is not used).

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (m, n_x)
    coefs : list of L ndarrays, ``coefs[l-1]`` of shape (n_l-1, n_l)
    intercepts : list of L ndarrays, ``intercepts[l-1]`` of shape (n_l,)
    activation : str
        The hidden layers' activation, a key of ``ACTIVATIONS``.
    buffers : list of L ndarrays, optional
        From ``allocate_buffers``, with at least ``m`` rows; the caches are written
        into their first ``m`` rows. Allocated if None.
    masks : list of L - 1 (ndarray or None), optional
        Dropout masks from ``draw_dropout_masks``; None for no dropout.
    batch_norm : BatchNorm, optional
        Normalizes every hidden layer with the batch's statistics.
    sample_weight : ndarray of shape (m,), optional
        Weighs the rows in the batch's statistics.
    kernels : FusedKernels, optional
        Adds the bias and applies the activation in one pass where it can
        (``_kernels``); None for the NumPy reference.

    Returns
    -------
    caches : list of L + 1 ndarrays
        ``[X, A[1], ..., A[L-1], Z[L]]``, each with ``m`` rows.
    """
    m = X.shape[0]
    if buffers is None:
        buffers = allocate_buffers(m, [X.shape[1]] + [W.shape[1] for W in coefs], X.dtype)
    g = ACTIVATIONS[activation]
    layers = [X]
    n_layers = len(coefs)
    for l, (W, b, buffer) in enumerate(zip(coefs, intercepts, buffers, strict=True), start=1):
        Z = _product_into(layers[-1], W, out=buffer[:m])
        if l == n_layers:  # the output layer keeps its logits
            Z += b
        elif batch_norm is not None:  # normalizes, scales and shifts instead of adding b
            batch_norm.forward(l - 1, Z, sample_weight)
            g(Z)
        elif kernels is not None and activation in kernels.activations:
            kernels.bias_activation(Z, b, activation)
        else:
            Z += b
            g(Z)
        if l < n_layers and masks is not None and masks[l - 1] is not None:
            Z *= masks[l - 1]
        layers.append(Z)
    return layers


def _product_into(A, B, out):
    """Write ``A @ B`` into ``out`` and return it.

    Only ``X``, the input layer, can be sparse; SciPy's product cannot write into
    ``out``, so its result is copied there.
    """
    if sparse.issparse(A):
        out[...] = A @ B
        return out
    return np.matmul(A, B, out=out)


class Workspace:
    """The arrays that one training step writes, allocated once per fit.

    Reusing them for every mini-batch keeps allocations (and, for large arrays,
    the page faults of fresh memory) out of the training loop.

    Parameters
    ----------
    batch_size : int
        The most rows a batch will have.
    layer_sizes : sequence of int
        ``[n_x, n_1, ..., n_L]``.
    dtype : numpy dtype

    Attributes
    ----------
    buffers : list of L ndarrays of shape (batch_size, n_l)
        For the caches ``A[1] .. A[L-1]`` and ``Z[L]`` (see ``forward_propagation``).
    deltas : list of L - 1 ndarrays of shape (batch_size, n_l)
        For ``dZ[1] .. dZ[L-1]``.
    ones : ndarray of shape (batch_size,)
        ``db = ones @ dZ``: BLAS sums a batch's rows several times faster than ``sum``.
    masks : list of L - 1 ndarrays of shape (batch_size, n_l)
        For the dropout masks, when ``dropout`` is True.
    """

    def __init__(self, batch_size, layer_sizes, dtype, dropout=False):
        self.buffers = allocate_buffers(batch_size, layer_sizes, dtype)
        self.deltas = allocate_buffers(batch_size, layer_sizes[:-1], dtype)
        self.ones = np.ones(batch_size, dtype=dtype)
        self.masks = allocate_buffers(batch_size, layer_sizes[:-1], dtype) if dropout else []


def backward_propagation(
    caches,
    dZ,
    coefs,
    activation,
    alpha,
    m,
    grads,
    workspace=None,
    masks=None,
    keep_probs=None,
    batch_norm=None,
    kernels=None,
):
    r"""Gradients of the cost with respect to every ``W[l]`` and ``b[l]``.

    Starting from the output's ``dZ[L]`` (which already carries the ``1/m`` of the
    mean), for ``l = L .. 1``:

    .. math::
        dW^{[l]} = A^{[l-1]T} dZ^{[l]} + \frac{\alpha}{m} W^{[l]}, \quad
        db^{[l]} = \textstyle\sum_i dZ^{[l]}_i, \quad
        dZ^{[l-1]} = dZ^{[l]} W^{[l]T} * g'(Z^{[l-1]})

    Parameters
    ----------
    caches : list of L + 1 ndarrays
        From ``forward_propagation``.
    dZ : ndarray of shape (m, n_L)
        ``dZ[L]``, from one of ``_losses.LOSSES``.
    coefs : list of L ndarrays
    activation : str
        The hidden layers' activation.
    alpha : float
        L2 strength.
    m : float
        The number of samples, or the sum of their weights, that ``alpha / m`` divides.
    grads : tuple (dW, db) of lists of L ndarrays
        Written in place: ``dW[l-1]`` has the shape of ``coefs[l-1]``. A ``db[l-1]``
        that is None is skipped: that bias is not trained.
    workspace : Workspace, optional
        Preallocated arrays with at least as many rows as ``dZ``; without it,
        the temporaries are allocated.
    masks, keep_probs : lists of L - 1, optional
        The dropout masks the forward pass applied, and the keep probabilities.
        A dropped unit passes no gradient back: ``dA[l] *= mask[l]``.
    batch_norm : BatchNorm, optional
        The normalization the forward pass applied to the hidden layers; its
        ``dgammas`` and ``dbetas`` are written too.
    kernels : FusedKernels, optional
        Applies ``g'`` in one pass where it can (``_kernels``); None for NumPy.
    """
    dW, db = grads
    derivative = DERIVATIVES[activation]
    n_rows = dZ.shape[0]
    ones = np.ones(n_rows, dZ.dtype) if workspace is None else workspace.ones[:n_rows]
    for l in range(len(coefs), 0, -1):
        W, A_prev = coefs[l - 1], caches[l - 1]
        _product_into(A_prev.T, dZ, out=dW[l - 1])
        if alpha:
            add_scaled(W, dW[l - 1], alpha / m)
        if db[l - 1] is not None:
            np.matmul(ones, dZ, out=db[l - 1])
        if l > 1:
            dA_prev = (
                np.empty_like(A_prev) if workspace is None else workspace.deltas[l - 2][:n_rows]
            )
            np.matmul(dZ, W.T, out=dA_prev)
            mask = None if masks is None else masks[l - 2]
            if mask is not None:
                dA_prev *= mask
                # tanh's and sigmoid's g'(Z) is read from the value of A, which
                # dropout scaled by 1 / keep_prob on the kept units (the dropped ones
                # have dA = 0 whatever g' says); the others only read A's sign.
                if activation in ("tanh", "sigmoid"):
                    A_prev = A_prev * keep_probs[l - 2]
            if kernels is not None and activation in kernels.activations:
                dZ = kernels.activation_backward(A_prev, dA_prev, activation)
            else:
                dZ = derivative(A_prev, dA_prev)
            if batch_norm is not None:
                dZ = batch_norm.backward(l - 2, dZ)
    return grads


def cost_and_gradients(
    X,
    Y,
    coefs,
    intercepts,
    activation,
    loss,
    alpha,
    sample_weight=None,
    grads=None,
    workspace=None,
    masks=None,
    keep_probs=None,
    batch_norm=None,
    kernels=None,
    l2_gradient=True,
):
    r"""The regularized cost ``J`` at the given parameters and its gradient.

    .. math::
        J = \frac{1}{m} \sum_i w_i\, \mathcal{L}(a^{(i)}, y^{(i)})
            + \frac{\alpha}{2m} \sum_l \|W^{[l]}\|_F^2, \quad m = \sum_i w_i

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (m, n_x)
    Y : ndarray of shape (m, n_L) or (m, 1)
        Targets, encoded as the loss expects them: a 0/1 column (or one per label)
        for a sigmoid output, one-hot rows or a column of class indices for softmax,
        numbers for regression.
    coefs, intercepts : lists of L ndarrays
    activation : str
    loss : str or callable
        The output's loss: an output activation, whose matched loss ``LOSSES`` holds
        ("sigmoid", "softmax", "identity", "exp"), or a callable ``loss(Z, Y,
        sample_weight)`` that returns the cost of the logits ``Z`` and overwrites
        them with ``dZ[L]`` (an output head's).
    alpha : float
    sample_weight : ndarray of shape (m,), default=None
    grads : tuple (dW, db) of lists of L ndarrays, optional
        Where to write the gradient; allocated if None.
    workspace : Workspace, optional
        Preallocated arrays for the step; allocated as needed if None.
    masks, keep_probs : lists, optional
        Dropout: the masks from ``draw_dropout_masks`` and the keep probabilities.
    batch_norm : BatchNorm, optional
        Batch normalization of the hidden layers, with this batch's statistics;
        its ``dgammas`` and ``dbetas`` receive their part of the gradient.
    kernels : FusedKernels, optional
        numba's fused loops for the hidden layers' activations (``_kernels``); None
        for the NumPy reference. The loss is the one given: ``kernels.loss`` fuses it.
    l2_gradient : bool, default=True
        False leaves the L2 term out of ``dW`` (not out of the cost), for an
        optimizer step that adds it itself (``_kernels.FusedKernels.optimizer_step``).

    Returns
    -------
    cost : float
    grads : tuple (dW, db) of lists of ndarrays
    """
    m = X.shape[0] if sample_weight is None else float(sample_weight.sum(dtype=np.float64))
    buffers = None if workspace is None else workspace.buffers
    layers = forward_propagation(
        X, coefs, intercepts, activation, buffers, masks, batch_norm, sample_weight, kernels
    )
    # The loss turns the logits Z[L] into dZ[L] in place.
    loss = LOSSES[loss] if isinstance(loss, str) else loss
    cost = loss(layers[-1], Y, sample_weight)
    cost += l2_penalty(coefs, alpha, m)
    if grads is None:
        n_hidden = len(coefs) - 1
        db = [
            None if batch_norm is not None and l < n_hidden else np.empty_like(b)
            for l, b in enumerate(intercepts)
        ]
        grads = ([np.empty_like(W) for W in coefs], db)
    backward_propagation(
        layers,
        layers[-1],
        coefs,
        activation,
        alpha if l2_gradient else 0.0,
        m,
        grads,
        workspace,
        masks,
        keep_probs,
        batch_norm,
        kernels,
    )
    return cost, grads


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
    dtype = X.dtype  # as in one pass, whose buffers forward_propagation allocates
    if chunk_size is None:
        stored_input = [0] if sparse.issparse(X) else layer_sizes[:1]
        chunk_size = rows_per_chunk(stored_input + layer_sizes[1:], dtype.itemsize)
    if n_samples <= chunk_size:
        return forward_propagation(_rows_of(X, rows), coefs, intercepts, activation)[-1]
    Z = np.empty((n_samples, layer_sizes[-1]), dtype=dtype)
    hidden_buffers = allocate_buffers(chunk_size, layer_sizes[:-1], dtype)
    for start in range(0, n_samples, chunk_size):
        chunk = slice(start, start + chunk_size)
        # The output layer writes its logits straight into their rows of Z.
        buffers = hidden_buffers + [Z[start:]]
        forward_propagation(_rows_of(X, rows, chunk), coefs, intercepts, activation, buffers)
    return Z


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
        if sparse.issparse(X):
            bound = float(np.abs(X.data).max()) if X.nnz else 0.0
        else:
            # In chunks of rows: |X| would otherwise be a copy of the whole input.
            bound = 0.0
            for start in range(0, X.shape[0], MIN_CHUNK_ROWS):
                bound = max(bound, float(np.abs(X[start : start + MIN_CHUNK_ROWS]).max()))
        for l, (W, b) in enumerate(zip(coefs, intercepts, strict=True)):
            if l > 0 and activation == "sigmoid":
                bound = 1.0
            elif l > 0 and activation == "tanh":
                bound = min(bound, 1.0)
            into_a_unit = float(np.abs(W).sum(axis=0, dtype=np.float64).max())
            bound = into_a_unit * bound + float(np.abs(b).max())
    return bound if np.isfinite(bound) else np.inf
