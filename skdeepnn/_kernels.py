"""Which backend trains a network: NumPy's reference code, or numba's fused loops.

``backend_for_fit()`` reads the ``kernels`` setting (``_config``) once per fit and
returns the NumPy reference (``_network.NumpyBackend``) or a ``FusedBackend``, which
builds the same network with these steps fused:

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
reference layers, which cost little beside them.
"""

import numpy as np

from ._activations import relu
from ._array_api import ArrayAPIBackend
from ._blas import add_scaled
from ._config import get_config
from ._losses import (
    _row_weights,
    binary_log_loss_and_gradient,
    categorical_log_loss_and_gradient,
    holds_class_indices,
)
from ._namespace import namespace_of
from ._network import NumpyBackend, Step, clip_gradient
from ._optimizers import Adam, Momentum, RMSProp

_loaded = {}

#: The fused losses' ``weights`` when every row has the same factor: empty, made once
#: rather than on every batch.
_NO_WEIGHTS = {np.dtype(dtype): np.empty(0, dtype) for dtype in (np.float32, np.float64)}


def backend_for_fit(X=None):
    """The backend a fit on ``X`` starting now trains with: ``NumpyBackend`` or
    ``FusedBackend``; ``ArrayAPIBackend`` for an ``X`` of another namespace (array API
    dispatch on), whatever the kernels.

    Raises
    ------
    ValueError
        The environment variable ``SKDEEPNN_KERNELS`` names no kernels.
    ImportError
        ``kernels="numba"`` and numba does not import.
    """
    on = None if X is None else namespace_of(X)
    if on is not None:
        if get_config()["kernels"] == "numba":
            raise ValueError(
                f"kernels='numba' runs on NumPy arrays only; X is a {on.name} array. "
                "Set kernels='numpy' (skdeepnn.set_config) to train on X's device."
            )
        return ArrayAPIBackend(on)
    if get_config()["kernels"] == "numpy":
        return NumpyBackend()
    if "module" not in _loaded:
        try:
            from . import _numba_kernels
        except ImportError as error:  # not installed, or older than the installed NumPy
            raise ImportError(
                "kernels='numba' needs numba: install skdeepnn with its [fast] extra, "
                f"pip install '.[fast]' from a clone ({error})."
            ) from error
        _loaded["module"] = _numba_kernels
    return FusedBackend(_loaded["module"])


class FusedBackend(NumpyBackend):
    """numba's fused loops, in the layers, the loss and the step they take the place of.

    Parameters
    ----------
    module : module
        ``_numba_kernels``.
    """

    name = "numba"

    def __init__(self, module):
        self.module = module
        # reference loss: (its fused loop, whether the loop reads these targets)
        self._losses = {
            categorical_log_loss_and_gradient: (module.softmax_log_loss, holds_class_indices),
            binary_log_loss_and_gradient: (
                module.sigmoid_log_loss,
                lambda Z, Y: Y.dtype.kind == "f",
            ),
        }

    def hidden_layer(self, linear, normalization, activation):
        if activation != "relu":
            return super().hidden_layer(linear, normalization, activation)
        if normalization is not None:  # batch norm's beta replaces the bias
            return [linear, normalization, FusedReLU(self.module)]
        linear.adds_bias = False  # the fused ReLU adds it
        return [linear, FusedReLU(self.module, linear.b)]

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

    def step(self, network, optimizer, max_grad_norm=None):
        """The optimizer's update fused with the L2 term, where the optimizer has a fused
        form; gradient descent is one BLAS pass already, and keeps the reference step."""
        kinds = {Adam: self._adam, RMSProp: self._rmsprop, Momentum: self._momentum}
        fused = kinds.get(type(optimizer))
        if fused is None:
            return Step(network, optimizer, max_grad_norm)
        return FusedStep(network, optimizer, fused, max_grad_norm)

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


class FusedReLU:
    """A ReLU layer in one compiled pass each way: ``Z = max(0, Z + b)`` forward (the bias
    added here, when given), ``dZ = dA * 1{A > 0}`` backward.

    Parameters
    ----------
    module : module
        ``_numba_kernels``.
    b : ndarray of shape (n_l,) or None
        The linear layer's bias, which it adds; None when batch norm replaced it.
    """

    def __init__(self, module, b=None):
        self.module, self.b = module, b
        self.A = None

    def allocate(self, n_rows, dtype):
        pass  # it works in its input's buffer

    def forward(self, Z, batch):
        if self.b is None:
            self.A = relu(Z)
        else:
            self.module.bias_relu(Z, self.b)
            self.A = Z
        return self.A

    def backward(self, dA, batch):
        self.module.relu_backward(self.A, dA)
        return dA


class FusedStep(Step):
    """The training step whose update adds the L2 term in the optimizer's fused pass.

    The gradient leaves that term out (``l2_gradient=False``); the update adds
    ``decay * W`` to the weights' gradient, ``decay`` being ``alpha / m`` of the batch,
    as ``Linear.backward`` would have.

    With ``max_grad_norm``, what is clipped is the reference's gradient, the L2 term
    included: the update adds that term to the gradient first (one BLAS pass, as
    ``Linear.backward`` does), clips it with the reference's ``clip_gradient``, and
    gives the fused pass no term to add. Both backends clip the same vector.

    Parameters
    ----------
    network : Network
    optimizer : optimizer of ``_optimizers``
    fused : callable
        ``fused(optimizer, params, grads, n_weights, decay)``, one of ``FusedBackend``'s.
    max_grad_norm : float or None, default=None
    """

    def __init__(self, network, optimizer, fused, max_grad_norm=None):
        super().__init__(network, optimizer, max_grad_norm)
        self.fused = fused

    def gradient(self, X, Y, sample_weight=None, rng=None):
        return self.network.cost_and_gradient(X, Y, sample_weight, rng, l2_gradient=False)

    def update(self, batch_weight):
        network = self.network
        decay = network.alpha / batch_weight
        # With alpha = 0 the reference adds no L2 term at all, not a term of 0.
        n_weights = network.parameters.n_weights if decay else 0
        params, grads = network.params, network.param_grads
        if self.max_grad_norm is not None:
            if n_weights:  # the reference's gradient, L2 term included, is what is clipped
                add_scaled(params[:n_weights], grads[:n_weights], decay)
                n_weights = 0
            clip_gradient(grads, self.max_grad_norm)
        self.fused(self.optimizer, params, grads, n_weights, params.dtype.type(decay))
