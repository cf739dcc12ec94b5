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

from . import _layers
from ._config import get_config
from ._device_layers import Activation, DeviceBatchNorm, Dropout, Linear, activations, uniform_draws
from ._device_losses import loss_in
from ._loop import weight_sum
from ._namespace import namespace_of, take_rows, to_numpy
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
        n_weights = parameters.n_weights
        self.weights, self.weight_grads = self.params[:n_weights], self.param_grads[:n_weights]
        self.batch = _layers.Batch(None, None, None)

    def cost_and_gradient(self, X, Y, sample_weight=None, rng=None, l2_gradient=True):
        """The batch's regularized cost, a 0-d array left on the device; the gradient
        goes to ``param_grads``."""
        xp = self.on.xp
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
        if self.alpha:
            cost = cost + self.alpha / (2 * m) * xp.sum(self.weights * self.weights)
        dA = dZ
        for layer in reversed(self.layers):
            dA = layer.backward(dA, self.batch)
        if self.alpha and l2_gradient:  # as the reference: over all the weights at once
            self.weight_grads[...] = self.weight_grads + (self.alpha / m) * self.weights
        return cost

    def all_finite(self):
        xp = self.on.xp
        return bool(xp.all(xp.isfinite(self.params)))

    def vector(self):
        return to_numpy(self.params).astype(np.float64)

    def gradient_vector(self):
        return to_numpy(self.param_grads).astype(np.float64)

    def load_vector(self, theta):  # L-BFGS: one copy to the device an evaluation
        xp = self.on.xp
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
        xp = self.on.xp
        copy = functools.partial(xp.asarray, copy=True)
        batch_norm = None if self.batch_norm is None else self.batch_norm.copy()
        return [copy(W) for W in self.coefs], [copy(b) for b in self.intercepts], batch_norm


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
        xp = self.network.on.xp
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
    parameters do; numba's kernels (``kernels="numba"``) run on NumPy only; and only
    with array-api-compat installed (the ``[array-api]`` extra), which finds an
    array's namespace and device. Without it, a fit on a tensor raises ImportError,
    and a tag that claimed support would send scikit-learn's ``check_estimator``
    (whose array API checks run wherever PyTorch is installed) into that error."""
    return get_config()["kernels"] != "numba" and array_api_compat_installed()


@functools.cache
def array_api_compat_installed():
    """Whether array-api-compat imports; asked once a process, since ``validate_data``
    reads the tags at every ``fit`` and ``predict``, and a failed import is not cached
    by Python (it costs tens of microseconds each time)."""
    try:
        import array_api_compat  # noqa: F401
    except ImportError:
        return False
    return True


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
