"""Which backend trains a network: NumPy's reference code, or numba's fused loops.

``backend_for_fit(work)`` reads the ``kernels`` setting (``_config``) once per fit and
returns the NumPy reference (``_network.NumpyBackend``) or a ``FusedBackend``; with
"auto" (the default), the fused one when numba is installed and the fit's ``work``
(``fit_work``: the element-wise work the kernels fuse) reaches ``AUTO_NUMBA_WORK``. The
``FusedBackend`` builds the same network with these steps fused:

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

import importlib.util

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


#: The work (``fit_work``) from which ``kernels="auto"`` trains with numba's kernels:
#: the break-even of a new process's first fit. Measured on 2 cores (medians of
#: interleaved rounds, numba's disk cache filled): numba's start-up in a new process
#: (import, kernels loaded) costs 0.83 s, and its kernels save 5 to 6 ns per unit of
#: work in float64 once loaded (0.17 s on 20,000 x 64 rows, (100,), 10 epochs; 0.15 s
#: on 10,000 x 784, (256, 128), 2 epochs; 0.07 s on 5,000 x 20, (100,), 20 epochs),
#: less in float32: 0.83 s / 5.5 ns is 1.5e8. ``benchmarks/bench_defaults.py``'s section
#: ``auto`` times new processes on either side of it.
AUTO_NUMBA_WORK = 1.5e8


def fit_work(data, model, batch_rows, settings):
    """The element-wise work that numba's kernels fuse, over a fit at most (``max_iter``
    epochs): what decides ``kernels="auto"``.

    Per epoch, each batch's optimizer step passes over every parameter, and each
    row's activations and loss over every unit: ``n_batches * n_parameters + n_rows *
    n_units``. The matrix products, which BLAS computes whatever the kernels, are
    left out.

    Parameters
    ----------
    data : TrainingData
        The training rows (``Y``'s) and ``X``'s features.
    model : ModelSpec
        Its layout and its head's outputs: the layer sizes.
    batch_rows : int
        The rows of a batch.
    settings : Settings
        The engine's: ``max_iter``, and ``incremental`` (one epoch).
    """
    n_rows = data.Y.shape[0]
    layer_sizes = model.layout.sizes(data.X.shape[1], model.head.n_outputs)
    n_parameters = sum((a + 1) * b for a, b in zip(layer_sizes[:-1], layer_sizes[1:], strict=False))
    n_batches = -(-n_rows // max(batch_rows, 1))
    epochs = 1 if settings.incremental else settings.max_iter
    return float(epochs) * (n_batches * n_parameters + n_rows * sum(layer_sizes[1:]))


def backend_for_fit(work=np.inf, X=None):
    """The backend a fit on ``X`` starting now trains with: ``NumpyBackend`` or
    ``FusedBackend``; ``ArrayAPIBackend`` for an ``X`` of another namespace (array API
    dispatch on), whatever the size.

    Parameters
    ----------
    work : float, default=inf
        The fit's ``fit_work``: with ``kernels="auto"``, numba's kernels train it if
        numba is installed and ``work >= AUTO_NUMBA_WORK``.
    X : array, optional
        The training data: one of another namespace trains on its device.

    Raises
    ------
    ValueError
        The environment variable ``SKDEEPNN_KERNELS`` names no kernels.
    ImportError
        ``kernels="numba"`` and numba does not import.
    """
    kernels = get_config()["kernels"]
    on = None if X is None else namespace_of(X)
    if on is not None:
        if kernels == "numba":
            raise ValueError(
                f"kernels='numba' runs on NumPy arrays only; X is a {on.name} array. "
                "Set kernels='auto' or 'numpy' (skdeepnn.set_config) to train on X's device."
            )
        return ArrayAPIBackend(on)
    if kernels == "auto":
        if work < AUTO_NUMBA_WORK or importlib.util.find_spec("numba") is None:
            return NumpyBackend()
        try:
            return FusedBackend(_numba_module())
        except ImportError:  # installed but broken (older than NumPy, say): the reference
            return NumpyBackend()
    if kernels == "numpy":
        return NumpyBackend()
    return FusedBackend(_numba_module())


def _numba_module():
    """``_numba_kernels``, imported on first use (numba takes about 0.4 s to import)."""
    if "module" not in _loaded:
        try:
            from . import _numba_kernels
        except ImportError as error:  # not installed, or older than the installed NumPy
            raise ImportError(
                "kernels='numba' needs numba: install skdeepnn with its [fast] extra, "
                f"pip install '.[fast]' from a clone ({error})."
            ) from error
        _loaded["module"] = _numba_kernels
    return _loaded["module"]


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
    as the reference's ``Network.cost_and_gradient`` would have.

    With ``max_grad_norm``, what is clipped is the reference's gradient, the L2 term
    included: the update adds that term to the gradient first (one BLAS pass, as
    the reference does), clips it with the reference's ``clip_gradient``, and
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
