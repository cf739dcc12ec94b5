"""What the training loop works with: the network it trains, its batches, the record of a run."""

import numpy as np
from scipy import sparse

from ._initializers import INITIALIZERS
from ._network import (
    Workspace,
    cost_and_gradients,
    draw_dropout_masks,
    forward_propagation,
    logit_bound,
    pack,
    predict_logits,
)
from ._stopping import raise_diverged
from ._warnings import warn_fit_caller


def initial_network(layer_sizes, initializer, output_initializer, rng, dtype):
    """Weights from the initializers, zero biases: ``(coefs, intercepts)``.

    Parameters
    ----------
    layer_sizes : list of int
        ``[n_x, n_1, ..., n_L]``.
    initializer, output_initializer : str
        Keys of ``INITIALIZERS``: for the hidden layers, and for the output layer.
    rng : numpy.random.Generator
    dtype : numpy dtype
    """
    if initializer == "zeros" and len(layer_sizes) > 2:
        warn_fit_caller(
            "init='zeros' starts every unit of a hidden layer with the same weights, "
            "so they receive the same gradients and stay identical: the network "
            "cannot break symmetry. Use it only to see why random initialization "
            "is needed.",
            UserWarning,
        )
    names = [initializer] * (len(layer_sizes) - 2) + [output_initializer]
    coefs = [
        INITIALIZERS[name](fan_in, fan_out, rng, dtype)
        for name, fan_in, fan_out in zip(names, layer_sizes[:-1], layer_sizes[1:], strict=True)
    ]
    intercepts = [np.zeros(n, dtype=dtype) for n in layer_sizes[1:]]
    return coefs, intercepts


def check_continuable(coefs, batch_norm, layer_sizes, momentum):
    """Raise ValueError unless training can go on from the fitted ``coefs`` and ``batch_norm``
    with the layer sizes and batch-norm momentum the parameters now ask for."""
    fitted = [coefs[0].shape[0]] + [W.shape[1] for W in coefs]
    if layer_sizes != fitted:
        raise ValueError(
            f"Training continues from the fitted layer sizes {fitted}, but the "
            f"parameters now ask for {layer_sizes}. Set warm_start=False (or refit "
            "instead of partial_fit) to train a new network."
        )
    if (batch_norm is None) != (momentum is None):
        raise ValueError(
            "Training continues from a network fitted "
            f"{'without' if batch_norm is None else 'with'} batch normalization, but "
            f"batch_norm is now {momentum is not None}. Set warm_start=False (or refit "
            "instead of partial_fit) to train a new network."
        )


def check_finite_outputs(training, activation, head, datasets, n_epochs, learning_rate):
    """Raise if the trained network's outputs on its data are not finite.

    Finite weights can still overflow on large inputs, and the last step is taken
    after the last cost was measured. A cheap bound (``logit_bound``) rules that out
    for almost every fit; only when it cannot are the data propagated.

    Parameters
    ----------
    training : Training
    activation : str
    head : output head
        Its ``largest_safe_logit`` and ``finite_outputs``.
    datasets : list of arrays
        The training data, and the validation data if any.
    n_epochs : int
        The iteration the error names.
    learning_rate : float or None
        For the error's advice (None for L-BFGS).
    """
    coefs, intercepts = training.coefs, training.intercepts
    if training.batch_norm is not None:
        coefs, intercepts = training.batch_norm.fold(coefs, intercepts)
    for X in datasets:
        if logit_bound(X, coefs, intercepts, activation) <= head.largest_safe_logit(X.dtype):
            continue
        with np.errstate(over="ignore", invalid="ignore"):
            finite = head.finite_outputs(predict_logits(X, coefs, intercepts, activation))
        if not finite:
            raise_diverged(n_epochs, "the network's outputs on its data overflowed", learning_rate)


class TrainableNetwork:
    """The network being trained: its parameters packed in one vector, and its cost.

    Every trainable array (``W[l]``, the trained ``b[l]``, batch norm's ``gamma``
    and ``beta``) becomes a view of one vector ``params``, and every gradient a
    view of ``param_grads``, so an optimizer updates them all in one pass. The
    arrays a training step writes are allocated once, here.

    Parameters
    ----------
    coefs, intercepts : lists of L ndarrays
        The starting weights; copied into the packed vector.
    activation : str
        The hidden layers' activation.
    loss : callable
        ``loss(Z, Y, sample_weight)``, from the output head: the cost of the logits,
        which it overwrites with ``dZ[L]``.
    alpha : float
        L2 strength.
    batch_size : int
        The most rows of a batch.
    dtype : numpy dtype
    batch_norm : BatchNorm or None
    fits_intercepts : bool
        False keeps every bias at zero, untrained.
    keep_probs : list of float or None
        Dropout's keep probability per hidden layer.
    kernels : FusedKernels or None
        numba's fused loops for the step's element-wise work (``_kernels``); None
        trains with the NumPy reference.
    """

    def __init__(
        self,
        coefs,
        intercepts,
        activation,
        loss,
        alpha,
        batch_size,
        dtype,
        *,
        batch_norm=None,
        fits_intercepts=True,
        keep_probs=None,
        kernels=None,
    ):
        self.activation, self.alpha = activation, alpha
        self.loss = loss if kernels is None else kernels.loss(loss)
        self.batch_norm, self.keep_probs, self.kernels = batch_norm, keep_probs, kernels
        self.layer_sizes = [coefs[0].shape[0]] + [W.shape[1] for W in coefs]
        # Batch norm's last batch can take one row more (see MiniBatches).
        rows = batch_size + (batch_norm is not None)
        self.workspace = Workspace(rows, self.layer_sizes, dtype, keep_probs is not None)
        self.coefs, self.intercepts, self.params, self.param_grads, self.grads = _pack_trainable(
            coefs, intercepts, batch_norm, fits_intercepts, dtype
        )
        # _pack_trainable puts the weights first: they are the first n_weights entries.
        self.n_weights = sum(W.size for W in coefs)

    def cost_and_gradient(self, X, Y, sample_weight=None, rng=None, l2_gradient=True):
        """The regularized cost of a batch; its gradient goes to ``param_grads``.

        With dropout, ``rng`` draws the batch's masks. ``l2_gradient=False`` leaves
        the L2 term out of the gradient, for a fused optimizer step that adds it.
        """
        masks = self.keep_probs and draw_dropout_masks(
            rng, X.shape[0], self.layer_sizes[1:-1], self.keep_probs, X.dtype, self.workspace
        )
        cost, _ = cost_and_gradients(
            X,
            Y,
            self.coefs,
            self.intercepts,
            self.activation,
            self.loss,
            self.alpha,
            sample_weight,
            self.grads,
            self.workspace,
            masks,
            self.keep_probs,
            self.batch_norm,
            self.kernels,
            l2_gradient,
        )
        return cost

    def inference(self):
        """The network as prediction sees it: ``(coefs, intercepts)``, batch norm folded in."""
        if self.batch_norm is None:
            return self.coefs, self.intercepts
        return self.batch_norm.fold(self.coefs, self.intercepts)

    def take_full_batch_statistics(self, X, sample_weight, batch_norm=None):
        """Set the running statistics to those of the whole ``X`` at the current weights.

        ``batch_norm`` defaults to the network's own; a snapshot's can be given.
        """
        batch_norm = batch_norm or self.batch_norm
        batch_norm.take_statistics_of(
            lambda: forward_propagation(
                X,
                self.coefs,
                self.intercepts,
                self.activation,
                self.workspace.buffers,
                batch_norm=batch_norm,
                sample_weight=sample_weight,
            )
        )

    def snapshot(self):
        """Copies of ``(coefs, intercepts, batch_norm)``, safe from later updates."""
        batch_norm = None if self.batch_norm is None else self.batch_norm.copy()
        return [W.copy() for W in self.coefs], [b.copy() for b in self.intercepts], batch_norm


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


def _pack_trainable(coefs, intercepts, batch_norm, fits_intercepts, dtype):
    """Put every trainable parameter in one vector, and every gradient in another.

    The biases are trainable unless ``fits_intercepts`` is False or batch
    normalization replaces them (in the hidden layers, by ``beta``); such a bias
    keeps its value and gets no gradient (None in ``db``). With batch
    normalization, its ``gammas`` and ``betas`` (and their gradients) become views too.

    Returns
    -------
    coefs, intercepts : lists of L ndarrays
    params, param_grads : ndarray
        The packed vectors.
    grads : tuple (dW, db)
        For ``cost_and_gradients``.
    """
    n_layers = len(coefs)
    normalized = batch_norm is not None
    biased = trained_bias_layers(n_layers, fits_intercepts, normalized)
    trainable = coefs + [intercepts[l] for l in biased]
    if normalized:
        trainable += batch_norm.gammas + batch_norm.betas
    params, views = pack(trainable, dtype)
    param_grads, grad_views = pack(trainable, dtype)
    coefs, dW = views[:n_layers], grad_views[:n_layers]
    intercepts, db = list(intercepts), [None] * n_layers
    for position, l in enumerate(biased, start=n_layers):
        intercepts[l], db[l] = views[position], grad_views[position]
    if normalized:
        n_hidden, start = n_layers - 1, n_layers + len(biased)
        batch_norm.gammas = views[start : start + n_hidden]
        batch_norm.betas = views[start + n_hidden :]
        batch_norm.dgammas = grad_views[start : start + n_hidden]
        batch_norm.dbetas = grad_views[start + n_hidden :]
    return coefs, intercepts, params, param_grads, (dW, db)


class Training:
    """What a run of the training loop produced: the weights, the curves, the optimizer."""

    def __init__(self, coefs, intercepts, optimizer, batch_norm=None):
        self.coefs, self.intercepts, self.optimizer = coefs, intercepts, optimizer
        self.batch_norm = batch_norm
        self.loss_curve, self.learning_rate_curve = [], []
        self.validation_loss_curve, self.validation_scores = [], []
        self.best_loss, self.best_iteration = np.inf, 0
        # The validation score at best_iteration, when early stopping monitors one.
        self.best_validation_score = None

    def record(self, loss, learning_rate=None):
        """Record an epoch; L-BFGS has no learning rate to record."""
        self.loss_curve.append(loss)
        if learning_rate is not None:
            self.learning_rate_curve.append(learning_rate)

    def record_validation(self, loss, score):
        self.validation_loss_curve.append(loss)
        self.validation_scores.append(score)


class MiniBatches:
    """The mini-batches of one training set, epoch after epoch, without copying ``X``.

    A single full batch is ``X`` itself; without shuffling, each batch is a view
    of ``X``. With shuffling, each epoch permutes an index and gathers every batch
    into buffers allocated once, so a yielded batch is valid only until the next.
    Sparse batches are gathered by SciPy, from CSR: a CSC ``X`` is converted once,
    since picking rows out of columns is slow.

    With ``rows``, only those rows of ``X`` train (early stopping's split of the
    data): each batch is gathered from them, so the training part of ``X`` is
    never copied out whole, except as the one batch of a full-batch fit.

    ``min_rows=2`` (batch normalization, which a single sample would normalize to
    zero) joins a last batch of one row to the batch before it, which then has
    ``batch_size + 1`` rows, and skips a batch with fewer than two samples of
    non-zero weight.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_rows, n_features)
    Y : ndarray of shape (n_samples, n_outputs)
        The training targets: ``Y[i]`` belongs to ``X[rows[i]]`` (to ``X[i]`` without
        ``rows``). So does ``sample_weight``, of shape (n_samples,) or None.
    batch_size : int
    shuffle : bool
    rng : numpy.random.Generator
    min_rows : int, default=1
    rows : ndarray of shape (n_samples,), optional
        The rows of ``X`` that train, in their training order.

    Attributes
    ----------
    X : ndarray or sparse matrix
        What the batches come from: the training rows alone, for a full batch.
    """

    def __init__(self, X, Y, sample_weight, batch_size, shuffle, rng, min_rows=1, rows=None):
        self.Y, self.sample_weight = Y, sample_weight
        self.batch_size, self.min_rows = batch_size, min_rows
        self.rng, self.shuffle = rng, shuffle
        n_samples = Y.shape[0]
        starts = list(range(0, n_samples, batch_size))
        if len(starts) > 1 and n_samples - starts[-1] < min_rows:
            starts.pop()
        self.bounds = list(zip(starts, starts[1:] + [n_samples], strict=True))
        max_rows = max(stop - start for start, stop in self.bounds)
        if rows is not None and batch_size >= n_samples:
            X, rows = X[rows], None  # the one full batch
        if sparse.issparse(X) and batch_size < n_samples:
            X = X.tocsr()  # rows of a CSC matrix cost a pass over all its entries
        self.rows = rows
        # Shuffling a single full batch would only reorder the sum over samples.
        self.gather = (shuffle or rows is not None) and batch_size < n_samples
        if self.gather:
            # 32-bit indices halve the one array of the rows' size that training adds;
            # the shuffle draws the same permutation whatever their dtype.
            index_dtype = np.int32 if n_samples <= np.iinfo(np.int32).max else np.intp
            self.indices = np.arange(n_samples, dtype=index_dtype)
            self.Y_buffer = np.empty((max_rows, Y.shape[1]), dtype=Y.dtype)
            if rows is not None:
                self.rows_buffer = np.empty(max_rows, dtype=rows.dtype)
            if not sparse.issparse(X):
                self.X_buffer = np.empty((max_rows, X.shape[1]), dtype=X.dtype)
        self.X = X

    def epoch(self):
        """Yield ``(X_batch, Y_batch, w_batch, batch_weight)``; skip zero-weight batches.

        ``w_batch`` is None without sample weights; ``batch_weight`` is the batch's
        number of samples or the sum of its weights.
        """
        if self.batch_size >= self.Y.shape[0]:
            yield from self._weighted(self.X, self.Y, slice(None))
            return
        if self.gather and self.shuffle:
            self.rng.shuffle(self.indices)
        for start, stop in self.bounds:
            if not self.gather:
                batch = slice(start, stop)
                yield from self._weighted(self.X[batch], self.Y[batch], batch)
                continue
            batch = self.indices[start:stop]  # the batch's samples
            n_rows = stop - start
            # mode="clip" skips a bounds check that would buffer the output.
            Y_batch = np.take(self.Y, batch, axis=0, out=self.Y_buffer[:n_rows], mode="clip")
            rows = batch
            if self.rows is not None:  # the samples' rows of X
                rows = np.take(self.rows, batch, out=self.rows_buffer[:n_rows], mode="clip")
            if sparse.issparse(self.X):
                X_batch = self.X[rows]
            else:
                X_batch = np.take(self.X, rows, axis=0, out=self.X_buffer[:n_rows], mode="clip")
            yield from self._weighted(X_batch, Y_batch, batch)

    def _weighted(self, X_batch, Y_batch, batch):
        """Yield the batch with its weights (those of the samples ``batch``), unless they
        are all zero."""
        if self.sample_weight is None:
            yield X_batch, Y_batch, None, X_batch.shape[0]
            return
        w_batch = self.sample_weight[batch]
        batch_weight = weight_sum(w_batch)
        # Zero-weight samples carry no gradient; batch norm also needs min_rows of
        # them with weight, or it normalizes one sample to zero.
        enough = self.min_rows == 1 or np.count_nonzero(w_batch) >= self.min_rows
        if batch_weight > 0 and enough:
            yield X_batch, Y_batch, w_batch, batch_weight


def weight_sum(sample_weight):
    """The sum of the weights, in float64: a float32 sum can overflow."""
    return float(sample_weight.sum(dtype=np.float64))
