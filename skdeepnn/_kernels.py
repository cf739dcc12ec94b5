"""Which kernels train a network: NumPy's reference code, or numba's fused loops.

``training_kernels()`` reads the ``kernels`` setting (``_config``) once per fit and
returns None for the NumPy reference, or a ``FusedKernels`` whose methods take the
place of the reference's element-wise steps:

==========================  ==============================================  ===========
step                        NumPy reference                                 fused
==========================  ==============================================  ===========
ReLU layer, forward         ``Z += b``, then ``relu(Z)``                    ``bias_relu``
ReLU layer, backward        ``relu_derivative(A, dA)``                      one pass
output loss and ``dZ[L]``   ``categorical_`` / ``binary_log_loss_and_...``  one pass
L2 term and optimizer step  ``dW += alpha / m W``, then Adam's 9 passes     one pass
                            (RMSProp 7, momentum 3, Nesterov 4)
==========================  ==============================================  ===========

Only ReLU hidden layers (the default) and the cross-entropy outputs are fused; other
activations, dropout's masks, batch normalization and the regression losses keep the
reference code, which costs little beside them.
"""

import numpy as np

from ._config import get_config
from ._losses import (
    _row_weights,
    binary_log_loss_and_gradient,
    categorical_log_loss_and_gradient,
    holds_class_indices,
)
from ._optimizers import Adam, Momentum, RMSProp

_loaded = {}

#: The fused losses' ``weights`` when every row has the same factor: empty, made once
#: rather than on every batch.
_NO_WEIGHTS = {np.dtype(dtype): np.empty(0, dtype) for dtype in (np.float32, np.float64)}


def training_kernels():
    """The kernels a fit starting now trains with: None (NumPy) or a ``FusedKernels``.

    Raises
    ------
    ValueError
        The environment variable ``SKDEEPNN_KERNELS`` names no kernels.
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
                "kernels='numba' needs numba: install skdeepnn with its [fast] extra, "
                f"pip install '.[fast]' from a clone ({error})."
            ) from error
        _loaded["module"] = _numba_kernels
    return FusedKernels(_loaded["module"])


class FusedKernels:
    """numba's fused loops, behind the calls the training step makes.

    Parameters
    ----------
    module : module
        ``_numba_kernels``.

    Attributes
    ----------
    activations : set of str
        The hidden activations with fused loops; the others keep the reference.
    """

    def __init__(self, module):
        self.module = module
        # activation: (its forward pass with the bias, its backward pass)
        self._activations = {"relu": (module.bias_relu, module.relu_backward)}
        self.activations = set(self._activations)
        # reference loss: (its fused loop, whether the loop reads these targets)
        self._losses = {
            categorical_log_loss_and_gradient: (module.softmax_log_loss, holds_class_indices),
            binary_log_loss_and_gradient: (
                module.sigmoid_log_loss,
                lambda Z, Y: Y.dtype.kind == "f",
            ),
        }

    def bias_activation(self, Z, b, activation):
        """``Z += b``, then ``Z = g(Z)``, in one pass, in place. ``Z``: (m, n_l)."""
        self._activations[activation][0](Z, b)

    def activation_backward(self, A, dA, activation):
        """``dZ = dA * g'(Z)`` in one pass, written into ``dA`` and returned."""
        self._activations[activation][1](A, dA)
        return dA

    def loss(self, reference):
        """The fused version of the loss function ``reference``, or ``reference`` itself.

        The fused function takes and returns what ``reference`` does:
        ``loss(Z, Y, sample_weight)`` overwrites the logits ``Z`` with ``dZ[L]`` and
        returns the weighted mean loss. The softmax's fused loop reads class indices,
        as the classification head encodes them; one-hot rows go to the reference.
        """
        if reference not in self._losses:
            return reference
        fused, reads = self._losses[reference]

        def loss_and_gradient(Z, Y, sample_weight=None):
            if not reads(Z, Y):  # one-hot rows, or integer 0/1 labels: the reference's
                return reference(Z, Y, sample_weight)
            # The reference's factor of each row: 1 / m, or w_i / sum(w) as a column.
            weights = _row_weights(Z.shape[0], sample_weight, Z.dtype)
            if sample_weight is None:
                return float(fused(Z, Y, _NO_WEIGHTS[Z.dtype], Z.dtype.type(weights)))
            return float(fused(Z, Y, weights[:, 0], Z.dtype.type(0)))

        return loss_and_gradient

    def optimizer_step(self, optimizer, n_weights):
        """``step(params, grads, decay)``: ``optimizer``'s update of the packed
        parameter vector, fused with the L2 term; None if it has no fused form
        (gradient descent is one BLAS pass already).

        The step adds ``decay * W`` (``decay`` is alpha / m of the batch) to the
        gradient of the first ``n_weights`` entries, the weights: the gradient it is
        given must leave that term out (``cost_and_gradients(..., l2_gradient=False)``).
        """
        kinds = {Adam: self._adam, RMSProp: self._rmsprop, Momentum: self._momentum}
        fused = kinds.get(type(optimizer))
        if fused is None:
            return None

        def step(params, grads, decay):
            # With alpha = 0 the reference adds no L2 term at all, not a term of 0.
            fused(optimizer, params, grads, n_weights if decay else 0, params.dtype.type(decay))

        return step

    def _adam(self, optimizer, param, grad, n_weights, decay):
        epsilon, step_size = optimizer.next_step()
        (v,), (s,), to = optimizer.velocities, optimizer.squared_averages, param.dtype.type
        self.module.adam_step(
            param, grad, v, s,
            to(optimizer.beta_1), to(1 - optimizer.beta_1),
            to(optimizer.beta_2), to(1 - optimizer.beta_2),
            to(epsilon), to(step_size),
            n_weights, decay,
        )  # fmt: skip

    def _rmsprop(self, optimizer, param, grad, n_weights, decay):
        (s,), to = optimizer.squared_averages, param.dtype.type
        self.module.rmsprop_step(
            param, grad, s,
            to(optimizer.beta_2), to(1 - optimizer.beta_2),
            to(optimizer.epsilon), to(optimizer.learning_rate),
            n_weights, decay,
        )  # fmt: skip

    def _momentum(self, optimizer, param, grad, n_weights, decay):
        (v,), to = optimizer.velocities, param.dtype.type
        self.module.momentum_step(
            param, grad, v,
            to(optimizer.beta_1), to(1 - optimizer.beta_1), to(optimizer.learning_rate),
            optimizer.nesterov, n_weights, decay,
        )  # fmt: skip
