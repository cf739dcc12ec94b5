r"""The layers of ``_layers`` in the namespace of ``X``, for the array-API backend.

Each is the reference layer with its forward and backward written as plain
expressions of the Array API standard (which has no ``out=``): ``Linear``,
``Activation``, ``Dropout`` (masks drawn by the device's own generator) and
``DeviceBatchNorm``. The equations are the reference's, in ``_layers`` and
``_batch_norm``.
"""

import functools

import numpy as np

from . import _layers
from ._activations import LEAKY_RELU_SLOPE
from ._batch_norm import EPSILON, WHOLE_SET_UPDATES, BatchNorm
from ._namespace import numpy_dtype


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
        self.dW[...] = self.A_prev.T @ dZ
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
