r"""The array-API backend: the training step on the namespace and device of ``X``.

The same network as the NumPy reference (``_network``, ``_layers``), the same
losses and the same optimizers, written once against the Array API standard, so
that PyTorch, CuPy or array-api-strict run them on ``X``'s device. What the
reference does with ``out=`` buffers, this code writes as plain expressions: the
standard has no ``out=``, and the libraries it runs on reuse freed device memory.

It keeps to three rules that make a device fast:

- the parameters, their gradients and the optimizer's state live on the device, in
  one packed vector each (``Parameters`` with a ``Namespace``), updated in place;
- the targets and sample weights move to the device once per fit, and a shuffle's
  permutation once per epoch; a batch is gathered there;
- no batch reads a value back: the costs are added up on the device and read once
  per epoch (``DeviceCosts``).

The starting weights are drawn by the fit's NumPy generator and copied to the
device, and the shuffles are NumPy's: a fit on a PyTorch tensor trains on the
batches a NumPy fit of the same seed trains on, and ends at the same weights up to
the rounding of the library's arithmetic.
"""

import dataclasses
import functools

import numpy as np

from . import _layers, _losses
from ._activations import LEAKY_RELU_SLOPE
from ._batch_norm import EPSILON, WHOLE_SET_UPDATES, BatchNorm
from ._config import get_config
from ._loop import weight_sum
from ._namespace import namespace_of, numpy_dtype, take_rows, to_numpy
from ._network import (
    EpochCosts,
    Network,
    NonFiniteCost,
    NumpyBackend,
    Parameters,
    Step,
    predict_logits,
)
from ._optimizers import Adam, GradientDescent, Momentum, RMSProp

# -- layers ----------------------------------------------------------------------------


class Linear(_layers.Linear):
    """``_layers.Linear`` in the namespace ``xp``: :math:`Z = A_{prev} W + b`."""

    def __init__(self, xp, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.xp = xp

    def allocate(self, n_rows, dtype):
        pass  # the namespace's operators allocate; its memory pool reuses

    def forward(self, A_prev, batch):
        if self.dW is not None:  # training keeps the input for backward
            self.A_prev = A_prev
        Z = A_prev @ self.W
        return Z + self.b if self.adds_bias else Z

    def backward(self, dZ, batch):
        dW = self.A_prev.T @ dZ
        if batch.l2_scale is not None:
            dW = dW + batch.l2_scale * self.W
        self.dW[...] = dW
        if self.db is not None:
            self.db[...] = self.xp.sum(dZ, axis=0)
        if self.first:
            return None
        return dZ @ self.W.T


def activations(xp):
    r"""``{name: (g, derivative)}`` in the namespace ``xp``; as in ``_activations``, each
    derivative turns ``dA`` into :math:`dZ = dA \odot g'(Z)` reading ``A = g(Z)``."""
    slope = LEAKY_RELU_SLOPE

    def sigmoid(Z):  # exp(-Z) overflows to inf for very negative Z: then exactly 0
        return 1 / (1 + xp.exp(-Z))

    return {
        "identity": (lambda Z: Z, lambda A, dA: dA),
        "relu": (lambda Z: xp.maximum(Z, 0.0), lambda A, dA: xp.where(A > 0, dA, 0.0)),
        "leaky_relu": (
            lambda Z: xp.where(Z > 0, Z, slope * Z),
            lambda A, dA: xp.where(A > 0, dA, slope * dA),
        ),
        "tanh": (xp.tanh, lambda A, dA: dA * (1 - A * A)),
        "sigmoid": (sigmoid, lambda A, dA: dA * A * (1 - A)),
    }


class Activation(_layers.Activation):
    """``_layers.Activation`` in the namespace ``xp``."""

    def __init__(self, xp, name):
        self.name = name
        self.g, self.derivative = activations(xp)[name]
        self.A = None


class Dropout(_layers.Dropout):
    r"""``_layers.Dropout`` on the device: :math:`A \odot D / p`, ``D`` drawn there.

    ``batch.rng`` is the device's draw (``uniform_draws``), not NumPy's generator.
    """

    def __init__(self, xp, keep_prob, n_units):
        super().__init__(keep_prob, n_units)
        self.xp = xp

    def allocate(self, n_rows, dtype):
        pass

    def forward(self, A, batch):
        if batch.rng is None:  # a pass at the fitted weights, without dropout
            self.mask = None
            return A
        kept = batch.rng(A.shape, A.dtype) < self.keep_prob
        self.mask = self.xp.astype(kept, A.dtype) / self.keep_prob
        return A * self.mask

    def backward(self, dA, batch):
        return dA * self.mask


def uniform_draws(on, rng):
    """``draw(shape, dtype)``: uniform values in [0, 1) on the device ``on``, from a
    generator of the device's own seeded by NumPy's ``rng``: reproducible from
    ``random_state``, and no mask crosses from the host (PyTorch, CuPy). A library
    with no generator of its own (array-api-strict) draws on the host, its device."""
    seed = int(rng.integers(2**63 - 1))
    if on.name == "torch":
        import torch

        generator = torch.Generator(device=on.device).manual_seed(seed)
        return lambda shape, dtype: torch.rand(
            shape, generator=generator, device=on.device, dtype=dtype
        )
    if on.name == "cupy":
        import cupy

        generator = cupy.random.default_rng(seed)
        return lambda shape, dtype: generator.random(shape, dtype=dtype)
    host = np.random.default_rng(seed)
    return lambda shape, dtype: on.asarray(host.random(shape, dtype=numpy_dtype_of(dtype)))


def numpy_dtype_of(dtype):
    """NumPy's dtype of the same name as another namespace's float ``dtype``."""
    return np.float32 if "32" in str(dtype) else np.float64


class DeviceBatchNorm(BatchNorm):
    """``BatchNorm`` with its parameters and running statistics on the device.

    The same formulas (see ``_batch_norm``); the sums accumulate in the arrays' own
    dtype, and a weighted batch's effective size stays on the device, so that no
    batch reads a value back.

    Parameters
    ----------
    batch_norm : BatchNorm
        The starting values, NumPy's, copied to ``on``.
    on : Namespace
    """

    def __init__(self, batch_norm, on):
        def moved(arrays):
            return [on.asarray(a) for a in arrays]

        super().__init__(
            moved(batch_norm.gammas),
            moved(batch_norm.betas),
            moved(batch_norm.running_means),
            moved(batch_norm.running_vars),
            batch_norm.momentum,
            batch_norm.n_updates,
        )
        self.on, self.dtype = on, numpy_dtype(batch_norm.gammas[0])

    def copy(self, dtype=None):
        copied = DeviceBatchNorm(self, self.on)  # asarray copies nothing: copy here
        for arrays in (copied.gammas, copied.betas, copied.running_means, copied.running_vars):
            arrays[:] = [self.on.xp.asarray(a, copy=True) for a in arrays]
        return copied

    def copy_running(self):
        copy = functools.partial(self.on.xp.asarray, copy=True)
        means = [copy(mean) for mean in self.running_means]
        return means, [copy(var) for var in self.running_vars], self.n_updates

    def restore_running(self, running):
        means, variances, self.n_updates = running
        for kept, saved in zip(
            self.running_means + self.running_vars, means + variances, strict=True
        ):
            kept[...] = saved

    def forward(self, l, Z, sample_weight=None):
        xp, m = self.on.xp, Z.shape[0]
        if sample_weight is None:
            self._p = None
            mean = xp.mean(Z, axis=0)
            Z = Z - mean
            var = xp.mean(Z * Z, axis=0)
            effective_m = m
        else:
            if self._p_of is not sample_weight:  # once per batch, not per layer
                self._p, self._p_of = sample_weight / xp.sum(sample_weight), sample_weight
            mean = self._p @ Z
            Z = Z - mean
            var = self._p @ (Z * Z)
            effective_m = 1 / xp.sum(self._p * self._p)
        inv_std = 1 / xp.sqrt(var + EPSILON)
        self._normalized[l] = Z * inv_std
        self._inv_stds[l] = inv_std
        if self.update_running:
            self._update_running(l, mean, var, effective_m)
        return self.gammas[l] * self._normalized[l] + self.betas[l]

    def _update_running(self, l, mean, var, effective_m):
        if self._exact:
            self.running_means[l][...] = mean
            self.running_vars[l][...] = var
            self.n_updates = max(self.n_updates, WHOLE_SET_UPDATES)
            return
        # Bessel's correction; a batch of one (weighted) row has no spread and leaves
        # the statistics as they are, decided on the device.
        xp, as_array = self.on.xp, functools.partial(self.on.asarray, dtype=self.dtype)
        keep = as_array(min(self.momentum, self.n_updates / (self.n_updates + 1)))
        effective_m = as_array(effective_m) if isinstance(effective_m, int) else effective_m
        spread = effective_m > 1 + 1e-9
        keep = xp.where(spread, keep, 1.0)
        bessel = xp.where(spread, effective_m / xp.where(spread, effective_m - 1, 1.0), 0.0)
        self.running_means[l][...] = keep * self.running_means[l] + (1 - keep) * mean
        self.running_vars[l][...] = keep * self.running_vars[l] + (1 - keep) * bessel * var
        if l == len(self.gammas) - 1:  # every layer has had this batch
            self.n_updates += 1

    def backward(self, l, dZ_tilde):
        xp, m = self.on.xp, dZ_tilde.shape[0]
        Z_hat = self._normalized[l]
        self.dbetas[l][...] = dbeta = xp.sum(dZ_tilde, axis=0)
        self.dgammas[l][...] = dgamma = xp.sum(dZ_tilde * Z_hat, axis=0)
        p = 1 / m if self._p is None else self._p[:, None]
        dZ = dZ_tilde - p * (Z_hat * dgamma + dbeta)
        return dZ * (self.gammas[l] * self._inv_stds[l])


# -- losses ------------------------------------------------------------------------------


def _row_weights(xp, m, sample_weight):
    """Each sample's factor in the mean: ``1/m``, or ``w_i / sum(w)`` as a column."""
    if sample_weight is None:
        return 1.0 / m
    return (sample_weight / xp.sum(sample_weight))[:, None]


def binary_log_loss(xp, Z, Y, sample_weight):
    """``_losses.binary_log_loss_and_gradient``: ``(J, dZ)``, J a 0-d array."""
    weights = _row_weights(xp, Z.shape[0], sample_weight)
    per_element = xp.logaddexp(xp.zeros_like(Z), Z) - Y * Z
    cost = xp.sum(per_element * weights)
    return cost, (1 / (1 + xp.exp(-Z)) - Y) * weights


def categorical_log_loss(xp, Z, Y, sample_weight):
    """``_losses.categorical_log_loss_and_gradient``: ``(J, dZ)``; ``Y`` one-hot, or a
    column of class indices."""
    if Y.shape[1] == 1 and Z.shape[1] > 1:  # the head's integer class indices
        classes = xp.arange(Z.shape[1], dtype=Y.dtype, device=Y.device)
        Y = xp.astype(Y == classes[None, :], Z.dtype)  # one-hot, on the device
    weights = _row_weights(xp, Z.shape[0], sample_weight)
    Z = Z - xp.max(Z, axis=1, keepdims=True)  # exp() cannot overflow
    exp_Z = xp.exp(Z)
    row_sums = xp.sum(exp_Z, axis=1, keepdims=True)
    per_sample = xp.log(row_sums) - xp.sum(Y * Z, axis=1, keepdims=True)
    cost = xp.sum(per_sample * weights)
    return cost, (exp_Z / row_sums - Y) * weights


def squared_error_loss(xp, Z, Y, sample_weight):
    """``_losses.squared_error_loss_and_gradient``: ``(J, dZ)``."""
    weights = _row_weights(xp, Z.shape[0], sample_weight)
    residual = Z - Y
    cost = 0.5 * xp.sum(xp.sum(residual * residual, axis=1, keepdims=True) * weights)
    return cost, residual * weights


def poisson_loss(xp, Z, Y, sample_weight):
    """``_losses.poisson_loss_and_gradient``: ``(J, dZ)``, with :math:`0 \\log 0 = 0`."""
    weights = _row_weights(xp, Z.shape[0], sample_weight)
    mu = xp.exp(Z)
    y_log_y = xp.where(Y > 0, Y * xp.log(xp.where(Y > 0, Y, 1.0)), 0.0)
    per_element = mu - Y * Z + y_log_y - Y
    cost = xp.sum(xp.sum(per_element, axis=1, keepdims=True) * weights)
    return cost, (mu - Y) * weights


def huber_loss(xp, Z, Y, sample_weight, *, delta=1.0):
    """``_losses.huber_loss_and_gradient``: ``(J, dZ)``."""
    weights = _row_weights(xp, Z.shape[0], sample_weight)
    residual = Z - Y
    clipped = xp.clip(residual, min=-delta, max=delta)
    per_element = 0.5 * clipped * clipped + delta * (xp.abs(residual) - xp.abs(clipped))
    cost = xp.sum(xp.sum(per_element, axis=1, keepdims=True) * weights)
    return cost, clipped * weights


def pinball_loss(xp, Z, Y, sample_weight, *, quantiles):
    """``_losses.pinball_loss_and_gradient``: ``(J, dZ)``."""
    weights = _row_weights(xp, Z.shape[0], sample_weight)
    taus = xp.asarray(np.asarray(quantiles), dtype=Z.dtype, device=Z.device)
    residual = Z - Y  # z - y
    slope = xp.astype(residual > 0, Z.dtype) - taus[None, :]
    cost = xp.sum(xp.sum(residual * slope, axis=1, keepdims=True) * weights)
    return cost, slope * weights


#: The reference loss each of these computes.
LOSSES = {
    _losses.binary_log_loss_and_gradient: binary_log_loss,
    _losses.categorical_log_loss_and_gradient: categorical_log_loss,
    _losses.squared_error_loss_and_gradient: squared_error_loss,
    _losses.poisson_loss_and_gradient: poisson_loss,
    _losses.huber_loss_and_gradient: huber_loss,
    _losses.pinball_loss_and_gradient: pinball_loss,
}


def loss_in(xp, loss):
    """The namespace's form of the head's ``loss`` (a function of ``_losses``, or a
    ``functools.partial`` of one): ``loss(Z, Y, sample_weight) -> (J, dZ)``."""
    keywords = getattr(loss, "keywords", {})
    function = getattr(loss, "func", loss)
    return functools.partial(LOSSES[function], xp, **keywords)


# -- the network and its step ----------------------------------------------------------


class DeviceNetwork(Network):
    """``Network`` on a device: the same layers, with the namespace's loss; ``on`` (a
    ``Namespace``) takes the place of the reference's ``n_rows``, since nothing here
    is allocated ahead."""

    def __init__(self, parameters, layers, loss, alpha, on, activation):
        self.parameters, self.layers, self.loss, self.alpha = parameters, layers, loss, alpha
        self.on, self.draws = on, None
        self.drops_units = any(isinstance(layer, Dropout) for layer in layers)
        self.activation = activation
        self.params, self.param_grads = parameters.params, parameters.param_grads
        self.coefs, self.intercepts = parameters.coefs, parameters.intercepts
        self.batch_norm, self.dtype = parameters.batch_norm, parameters.dtype
        self.batch = _layers.Batch(None, None, None, None)

    def cost_and_gradient(self, X, Y, sample_weight=None, rng=None, l2_gradient=True):
        """The batch's regularized cost, a 0-d array left on the device; the gradient
        goes to ``param_grads``."""
        xp = _namespace_of_params(self)
        m = X.shape[0] if sample_weight is None else xp.sum(sample_weight)
        self.batch.sample_weight = sample_weight
        self.batch.rng = None
        if rng is not None and self.drops_units:
            if self.draws is None:  # seeded once a fit, from the fit's generator
                self.draws = uniform_draws(self.on, rng)
            self.batch.rng = self.draws
        A = X
        for layer in self.layers:
            A = layer.forward(A, self.batch)
        cost, dZ = self.loss(A, Y, sample_weight)
        self.batch.l2_scale = None
        if self.alpha:
            cost = cost + self.alpha / (2 * m) * sum(xp.sum(W * W) for W in self.coefs)
            self.batch.l2_scale = self.alpha / m
        dA = dZ
        for layer in reversed(self.layers):
            dA = layer.backward(dA, self.batch)
        return cost

    def all_finite(self):
        xp = _namespace_of_params(self)
        return bool(xp.all(xp.isfinite(self.params)))

    def vector(self):
        return to_numpy(self.params).astype(np.float64)

    def gradient_vector(self):
        return to_numpy(self.param_grads).astype(np.float64)

    def load_vector(self, theta):  # L-BFGS: one copy to the device an evaluation
        xp = _namespace_of_params(self)
        self.params[...] = xp.asarray(
            np.asarray(theta, dtype=self.dtype), device=self.params.device
        )

    def forward_propagation(self, X, sample_weight=None, rng=None):
        """The logits of ``X`` at the current weights, without dropout (batch norm's
        whole-set statistics); ``sample_weight`` may be the host's."""
        if isinstance(sample_weight, np.ndarray):
            sample_weight = self.on.asarray(sample_weight)
        self.batch.sample_weight, self.batch.rng = sample_weight, None
        A = X
        for layer in self.layers:
            A = layer.forward(A, self.batch)
        return A

    def snapshot(self):
        xp = _namespace_of_params(self)
        copy = functools.partial(xp.asarray, copy=True)
        batch_norm = None if self.batch_norm is None else self.batch_norm.copy()
        return [copy(W) for W in self.coefs], [copy(b) for b in self.intercepts], batch_norm


def _namespace_of_params(network):
    import array_api_compat

    return array_api_compat.array_namespace(network.params)


class DeviceCosts(EpochCosts):
    """The epoch's costs, added up on the device and read back once, by ``mean``."""

    def __init__(self):
        super().__init__()
        self.first_cost = self.weighted = None

    def add(self, cost, batch_weight):
        if self.first_cost is None:
            self.first_cost, self.weighted = cost, cost * batch_weight
        else:
            self.weighted = self.weighted + cost * batch_weight
        self.weight += batch_weight

    def mean(self, total_weight):
        if self.first_cost is None:
            return np.nan
        import array_api_compat

        xp = array_api_compat.array_namespace(self.first_cost)
        # One transfer of two values: the epoch's only read from the device.
        first, total = to_numpy(xp.stack([self.first_cost, self.weighted])).tolist()
        if not np.isfinite(total):
            raise NonFiniteCost(total / total_weight)
        self.first = first
        return total / total_weight


def _gradient_descent(optimizer, param, grad):
    param -= optimizer.learning_rate * grad


def _momentum(optimizer, param, grad):
    beta_1, v = optimizer.beta_1, optimizer.velocities[0]
    v *= beta_1
    v += (1 - beta_1) * grad
    if optimizer.nesterov:  # along beta_1 v + (1 - beta_1) g, v already updated
        param -= optimizer.learning_rate * (beta_1 * v + (1 - beta_1) * grad)
    else:
        param -= optimizer.learning_rate * v


def _rmsprop(optimizer, param, grad, xp):
    s = optimizer.squared_averages[0]
    s *= optimizer.beta_2
    s += (1 - optimizer.beta_2) * grad * grad
    param -= optimizer.learning_rate * grad / (xp.sqrt(s) + optimizer.epsilon)


def _adam(optimizer, param, grad, xp):
    epsilon, step_size = optimizer.next_step()  # the bias corrections folded in
    v, s = optimizer.velocities[0], optimizer.squared_averages[0]
    v *= optimizer.beta_1
    v += (1 - optimizer.beta_1) * grad
    s *= optimizer.beta_2
    s += (1 - optimizer.beta_2) * grad * grad
    param -= step_size * v / (xp.sqrt(s) + epsilon)


#: Each optimizer's update (``_optimizers``), written against the namespace.
UPDATES = {
    GradientDescent: lambda optimizer, param, grad, xp: _gradient_descent(optimizer, param, grad),
    Momentum: lambda optimizer, param, grad, xp: _momentum(optimizer, param, grad),
    RMSProp: _rmsprop,
    Adam: _adam,
}


class DeviceStep(Step):
    r"""``Step`` on a device: the cost and gradient, clipping, the optimizer's update,
    with no value read back. Clipping scales by :math:`\min(1, c / \|g\|_2)` on the
    device (a non-finite norm leaves the gradient as it is, as the reference does)."""

    def update(self, batch_weight):
        xp = _namespace_of_params(self.network)
        grads = self.network.param_grads
        if self.max_grad_norm is not None:
            norm = xp.linalg.vector_norm(grads)
            factor = xp.where(
                xp.isfinite(norm) & (norm > self.max_grad_norm), self.max_grad_norm / norm, 1.0
            )
            grads *= xp.astype(factor, grads.dtype)
        UPDATES[type(self.optimizer)](self.optimizer, self.network.params, grads, xp)

    def epoch_costs(self):
        return DeviceCosts()


# -- the batches -------------------------------------------------------------------------


class DeviceBatches:
    """The mini-batches of ``X`` on its device, with the NumPy reference's shuffles.

    The targets and weights are copied to the device once; each epoch's permutation,
    drawn on the host as ``MiniBatches`` draws it, is copied once, and every batch is
    gathered on the device. The batches' weights are summed on the host, from its
    copy of ``sample_weight``, so that skipping an all-zero batch reads nothing back.

    Parameters
    ----------
    X : array of the namespace, of shape (n_samples, n_features)
    Y : ndarray of shape (n_samples, n_outputs)
    sample_weight : ndarray of shape (n_samples,) or None
    batch_size : int
    rng : numpy.random.Generator or None
    on : Namespace
    rows : ndarray of shape (n_samples,), optional
        The rows of ``X`` that train (early stopping's split), as ``MiniBatches`` takes them.
    """

    def __init__(self, X, Y, sample_weight, batch_size, rng, on, rows=None):
        n_samples = Y.shape[0]
        if rows is not None and batch_size >= n_samples:
            X, rows = take_rows(X, rows), None  # the one full batch, gathered once
        self.X, self.on, self.batch_size, self.rows = X, on, batch_size, rows
        self.Y = on.asarray(Y)
        self.sample_weight = sample_weight  # the host's copy, which the loop sums
        self.device_weight = None if sample_weight is None else on.asarray(sample_weight)
        starts = range(0, n_samples, batch_size)
        self.bounds = [(start, min(start + batch_size, n_samples)) for start in starts]
        self.shuffle = rng is not None and batch_size < n_samples
        self.rng, self.order, self.min_rows = rng, None, 1
        index_dtype = np.int32 if n_samples <= np.iinfo(np.int32).max else np.intp
        self.indices = np.arange(n_samples, dtype=index_dtype)  # the same draws as NumPy's

    def with_min_rows(self, min_rows):
        """Batch norm's ``min_rows=2``, as ``MiniBatches`` takes it: a last batch of one
        row joins the one before, and a batch with fewer samples of non-zero weight is
        skipped (decided on the host's weights)."""
        self.min_rows = min_rows
        if len(self.bounds) > 1 and self.bounds[-1][1] - self.bounds[-1][0] < min_rows:
            (start, _), (_, stop) = self.bounds[-2:]
            self.bounds[-2:] = [(start, stop)]
        return self

    def _orders_on_device(self):
        """This epoch's order of the samples (rows of ``Y``) and of their rows of ``X``,
        on the device: copied once an epoch when shuffled, once a fit otherwise."""
        if self.shuffle:
            self.rng.shuffle(self.indices)
        if self.shuffle or self.order is None:
            samples = self.on.asarray(self.indices.astype(np.int64))
            rows = (
                samples
                if self.rows is None
                else self.on.asarray(self.rows[self.indices].astype(np.int64))
            )
            self.order = samples, rows
        return self.order

    def epoch(self):
        """Yield ``(X_batch, Y_batch, w_batch, batch_weight)``, as ``MiniBatches`` does."""
        xp = self.on.xp
        gather = self.shuffle or self.rows is not None
        samples, rows = self._orders_on_device() if gather else (None, None)
        for start, stop in self.bounds:
            if self.sample_weight is None:
                batch_weight = stop - start
            else:
                w_host = self.sample_weight[self.indices[start:stop]]
                batch_weight = weight_sum(w_host)
                enough = self.min_rows == 1 or np.count_nonzero(w_host) >= self.min_rows
                if batch_weight == 0 or not enough:
                    continue
            if gather:
                batch_samples = samples[start:stop]
                X_batch = xp.take(self.X, rows[start:stop], axis=0)
                Y_batch = xp.take(self.Y, batch_samples, axis=0)
                weights = self.device_weight
                w_batch = None if weights is None else xp.take(weights, batch_samples)
            else:
                X_batch, Y_batch = self.X[start:stop, ...], self.Y[start:stop, ...]
                w_batch = None if self.device_weight is None else self.device_weight[start:stop]
            yield X_batch, Y_batch, w_batch, batch_weight


# -- the backend -------------------------------------------------------------------------


def runs_on_array_api(estimator):
    """Whether the estimator trains on the array API (its tag says so): all its
    parameters do; numba's kernels (``kernels="numba"``) run on NumPy only."""
    return get_config()["kernels"] != "numba"


def device_logits(X, coefs, intercepts, activation):
    """The logits ``Z[L]`` of every row of ``X``, computed in ``X``'s namespace."""
    import array_api_compat

    g = activations(array_api_compat.array_namespace(X))[activation][0]
    A = X
    for l, (W, b) in enumerate(zip(coefs, intercepts, strict=True)):
        A = A @ W + b
        if l < len(coefs) - 1:
            A = g(A)
    return A


def host_logits(X, coefs, intercepts, activation, rows=None):
    """``predict_logits`` for an ``X`` of any namespace, as a NumPy array: computed on
    ``X``'s device, then read back (the logits of the validation set, once an epoch)."""
    if namespace_of(X) is None:
        return predict_logits(X, coefs, intercepts, activation, rows=rows)
    if rows is not None:
        X = take_rows(X, rows)
    return to_numpy(device_logits(X, coefs, intercepts, activation))


class ArrayAPIBackend(NumpyBackend):
    """The training step on the namespace and device ``on`` of ``X``.

    Parameters
    ----------
    on : Namespace
    """

    name = "array_api"

    def __init__(self, on):
        self.on = on

    def network(self, parameters, layout, loss, alpha, n_rows):
        xp, coefs, n_layers = self.on.xp, parameters.coefs, len(parameters.coefs)
        layers = []
        for l in range(n_layers):
            W, b, dW, db = coefs[l], parameters.intercepts[l], parameters.dW[l], parameters.db[l]
            normalized = parameters.batch_norm is not None and l < n_layers - 1
            layers.append(Linear(xp, W, b, dW, db, adds_bias=not normalized, first=l == 0))
            if l == n_layers - 1:
                break
            if normalized:  # beta takes the place of the bias
                layers.append(_layers.Normalization(parameters.batch_norm, l))
            layers.append(Activation(xp, layout.activation))
            keep = 1.0 if layout.keep_probs is None else layout.keep_probs[l]
            if keep < 1:
                layers.append(Dropout(xp, keep, W.shape[1]))
        return DeviceNetwork(parameters, layers, self.loss(loss), alpha, self.on, layout.activation)

    def loss(self, loss):
        return loss_in(self.on.xp, loss)

    def step(self, network, optimizer, max_grad_norm=None):
        return DeviceStep(network, optimizer, max_grad_norm)

    def parameters(self, coefs, intercepts, batch_norm, fits_intercepts, dtype):
        if batch_norm is not None:  # its running statistics to the device too
            batch_norm = DeviceBatchNorm(batch_norm, self.on)
        return Parameters(coefs, intercepts, batch_norm, fits_intercepts, dtype, on=self.on)

    def batches(self, X, Y, sample_weight, batch_size, rng, min_rows=1, rows=None):
        batches = DeviceBatches(X, Y, sample_weight, batch_size, rng, self.on, rows)
        return batches.with_min_rows(min_rows)

    def full_batch(self, data):
        """``data`` with its targets and weights on the device, for L-BFGS's one batch."""
        on = self.on
        X = data.X if data.rows is None else take_rows(data.X, data.rows)
        weight = None if data.sample_weight is None else on.asarray(data.sample_weight)
        return dataclasses.replace(data, X=X, Y=on.asarray(data.Y), sample_weight=weight, rows=None)

    def logits(self, X, coefs, intercepts, activation, rows=None):
        return host_logits(X, coefs, intercepts, activation, rows)
