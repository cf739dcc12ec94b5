"""Which kernels train a network: NumPy's reference code, or numba's fused loops.

``training_kernels()`` reads the ``kernels`` setting (``_config``) once per fit and
returns None for the NumPy reference, or a ``FusedKernels`` whose methods take the
place of the reference's element-wise steps:

=============================  ===============================================  =========
step                           NumPy reference                                  fused
=============================  ===============================================  =========
hidden layer, forward          ``Z += b``, then ``relu(Z)``                     one pass
hidden layer, backward         ``relu_derivative(A, dA)``                       one pass
output loss and ``dZ[L]``      ``categorical_`` / ``binary_log_loss_and_...``   one pass
L2 term and optimizer step     ``dW += alpha / m W``, then Adam's 9 passes      one pass
                               (RMSProp 7, momentum 3)
=============================  ===============================================  =========

Only the ReLU hidden layers (the default) and the cross-entropy outputs are fused;
other activations, dropout's masks, batch normalization and the regression losses
keep the reference code, which costs little beside them.
"""

import numpy as np

from ._activations import ACTIVATIONS, DERIVATIVES
from ._config import get_config
from ._losses import binary_log_loss_and_gradient, categorical_log_loss_and_gradient
from ._optimizers import Adam, Momentum, RMSProp

_loaded = {}


def training_kernels():
    """The kernels a fit starting now trains with: None (NumPy) or a ``FusedKernels``.

    Raises
    ------
    ImportError
        ``kernels="numba"`` and numba does not import.
    """
    if get_config()["kernels"] == "numpy":
        return None
    if "module" not in _loaded:
        try:
            from . import _numba_kernels
        except ImportError as error:  # not installed, or older than the installed NumPy
            raise ImportError(
                f"kernels='numba' needs numba: pip install 'skdeepnn[fast]' ({error})."
            ) from error
        _loaded["module"] = _numba_kernels
    return FusedKernels(_loaded["module"])


class FusedKernels:
    """numba's fused loops, behind the same calls the training step makes.

    Parameters
    ----------
    module : module
        ``_numba_kernels``.
    """

    def __init__(self, module):
        self.module = module
        self._losses = {
            categorical_log_loss_and_gradient: module.softmax_log_loss,
            binary_log_loss_and_gradient: module.sigmoid_log_loss,
        }

    def forward_activation(self, Z, b, activation):
        """``Z += b``, then ``Z = g(Z)``, in place: in one pass when ``g`` is ReLU."""
        if activation == "relu":
            self.module.bias_relu(Z, b)
        else:
            Z += b
            ACTIVATIONS[activation](Z)
        return Z

    def backward_activation(self, A, dA, activation):
        """``dZ = dA * g'(Z)``, written into ``dA``: in one pass when ``g`` is ReLU."""
        if activation == "relu":
            self.module.relu_backward(A, dA)
            return dA
        return DERIVATIVES[activation](A, dA)

    def loss(self, reference):
        """The fused version of the loss function ``reference``, or ``reference`` itself."""
        fused = self._losses.get(reference)
        if fused is None:
            return reference

        def loss_and_gradient(Z, Y, sample_weight=None):
            weights, weight = _row_weights(Z.shape[0], sample_weight, Z.dtype)
            return float(fused(Z, Y, weights, weight))

        return loss_and_gradient

    def optimizer_step(self, optimizer, n_weights):
        """``step(params, grads, decay)``: ``optimizer``'s update fused with the L2 term,
        or None if it has no fused form (gradient descent is one BLAS pass already).

        The step adds ``decay * W`` (``decay`` = alpha / m of the batch) to the
        gradient of the first ``n_weights`` entries, the weights: the gradient it is
        given must leave that term out (``cost_and_gradients(..., l2_gradient=False)``).
        """
        kinds = {Adam: self._adam, RMSProp: self._rmsprop, Momentum: self._momentum}
        fused = kinds.get(type(optimizer))
        if fused is None:
            return None
        return lambda params, grads, decay: fused(optimizer, params, grads, n_weights, decay)

    def _adam(self, optimizer, params, grads, n_weights, decay):
        optimizer.t += 1
        v_correction = 1 - optimizer.beta_1**optimizer.t
        s_root_correction = np.sqrt(1 - optimizer.beta_2**optimizer.t)
        for param, grad, v, s in zip(
            params, grads, optimizer.velocities, optimizer.squared_averages, strict=True
        ):
            to = param.dtype.type
            self.module.adam_step(
                param,
                grad,
                v,
                s,
                to(optimizer.beta_1),
                to(1 - optimizer.beta_1),
                to(optimizer.beta_2),
                to(1 - optimizer.beta_2),
                to(optimizer.epsilon * s_root_correction),
                to(optimizer.learning_rate * s_root_correction / v_correction),
                n_weights,
                to(decay),
            )

    def _rmsprop(self, optimizer, params, grads, n_weights, decay):
        for param, grad, s in zip(params, grads, optimizer.squared_averages, strict=True):
            to = param.dtype.type
            self.module.rmsprop_step(
                param,
                grad,
                s,
                to(optimizer.beta_2),
                to(1 - optimizer.beta_2),
                to(optimizer.epsilon),
                to(optimizer.learning_rate),
                n_weights,
                to(decay),
            )

    def _momentum(self, optimizer, params, grads, n_weights, decay):
        rate, beta_1 = optimizer.learning_rate, optimizer.beta_1
        on_v, on_grad = (rate * beta_1, rate * (1 - beta_1)) if optimizer.nesterov else (rate, 0.0)
        for param, grad, v in zip(params, grads, optimizer.velocities, strict=True):
            to = param.dtype.type
            self.module.momentum_step(
                param, grad, v, to(beta_1), to(1 - beta_1), to(on_v), to(on_grad),
                n_weights, to(decay),
            )  # fmt: skip


_NO_WEIGHTS = {}


def _row_weights(m, sample_weight, dtype):
    """``(weights, weight)`` for the fused losses: ``w_i / sum(w)`` as an array, or an
    empty array and the scalar ``1 / m`` (as ``_losses._row_weights`` computes them)."""
    if sample_weight is None:
        if dtype not in _NO_WEIGHTS:
            _NO_WEIGHTS[dtype] = np.empty(0, dtype)
        return _NO_WEIGHTS[dtype], dtype.type(1.0 / m)
    total = sample_weight.sum(dtype=np.float64)
    return (sample_weight / total).astype(dtype, copy=False), dtype.type(0)
