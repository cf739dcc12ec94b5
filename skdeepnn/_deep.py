"""The hidden layers that DeepNNClassifier and DeepNNRegressor share, as values.

Their parameters (sizes, activation, initialization, dropout, batch normalization)
become a ``Layout`` (``deep_layout``), and their fitted network lives in
``coefs_``, ``intercepts_`` and batch norm's ``gammas_`` ... (``DEEP_ARRAYS``). The
two estimators differ only in their output head.
"""

from numbers import Integral, Real

from ._activations import ACTIVATIONS
from ._batch_norm import BatchNorm
from ._network import Layout
from ._params import Boolean, DropoutRates, Interval, LayerSizes, Options

#: The parameters of the hidden layers, and their constraints.
DEEP_CONSTRAINTS = {
    "hidden_layer_sizes": [LayerSizes()],
    "dropout": [DropoutRates()],
    "batch_norm": [Boolean()],
    "batch_norm_momentum": [Interval(Real, 0, 1, closed="left")],
    "activation": [Options(*(name for name in ACTIVATIONS if name != "softmax"))],
    "init": [Options("auto", "he", "xavier", "glorot_uniform", "small_random", "zeros")],
}


def deep_layout(estimator, linear_output=False):
    """The ``Layout`` of a DeepNN estimator's parameters.

    ``linear_output``: the output unit predicts a number (the regressor), and starts
    at the target's scale under "auto" (Xavier's weights after He's hidden layers).
    """
    sizes = _hidden_layer_sizes(estimator.hidden_layer_sizes)
    init = _initializer(estimator.init, estimator.activation, sizes, estimator.solver)
    output_init = init
    if linear_output and estimator.init == "auto" and init == "he":
        # He's factor 2 makes up for the half of its inputs that a ReLU zeroes, so
        # every pre-activation keeps a variance of about 2 from standardized inputs
        # on. A linear output unit would then start predicting with twice the
        # variance of a standardized target (through Poisson's exp(), far more):
        # Xavier's 1 / n_{L-1} starts it at the target's scale.
        output_init = "xavier"
    momentum = None
    if estimator.batch_norm and sizes:
        momentum = float(estimator.batch_norm_momentum)
    return Layout(
        hidden_sizes=tuple(sizes),
        activation=estimator.activation,
        init=init,
        output_init=output_init,
        fits_intercepts=True,
        keep_probs=_keep_probs(estimator.dropout, len(sizes)),
        batch_norm_momentum=momentum,
    )


def _hidden_layer_sizes(sizes):
    if isinstance(sizes, Integral):
        return [int(sizes)]
    return [int(n) for n in sizes]


def _keep_probs(dropout, n_hidden):
    """Each hidden layer's probability of keeping a unit, or None without dropout."""
    if isinstance(dropout, Real):
        rates = [float(dropout)] * n_hidden
    else:
        rates = [float(rate) for rate in dropout]
        if len(rates) != n_hidden:
            raise ValueError(
                f"dropout has {len(rates)} rates but hidden_layer_sizes has "
                f"{n_hidden} hidden layers: give one rate per hidden layer, or one float."
            )
    if not any(rates):
        return None
    return tuple(1 - rate for rate in rates)


#: The solvers whose steps are the gradient times a rate: "auto" starts their ReLU
#: networks with He's larger weights, whose gradients are larger too.
PLAIN_GRADIENT_SOLVERS = ("gd", "sgd", "momentum")


def _initializer(init, activation, sizes, solver):
    if init != "auto":
        return init
    if not sizes:
        # A linear model's cost is convex, with no symmetry between hidden
        # units to break: start at zero, as the course's logistic regression.
        return "zeros"
    if activation not in ("relu", "leaky_relu"):
        return "xavier"
    # For ReLU with Adam (the default), RMSProp and L-BFGS, scikit-learn's MLP's
    # Glorot-uniform weights and biases, every layer, rather than He's: on small
    # tabular data (few features) He's first-layer weights are large (variance
    # 2 / n_x), and its first loss on iris (1.38) sat above the uniform guess's log 3.
    # In 5-fold CV over 3 seeds on iris, digits, breast cancer, wine, diabetes and
    # generated sets, Glorot's scored higher with Adam, and its random biases (kinks
    # off the origin) mattered most on iris' 4 features (benchmarks/bench_defaults.py).
    # Plain gradient steps are proportional to the gradient, which Glorot's smaller
    # weights shrink: at the default rate they fell short of scikit-learn's
    # check_classifiers_train bar from Glorot's start, and keep He's.
    return "he" if solver in PLAIN_GRADIENT_SOLVERS else "glorot_uniform"


class DeepArrays:
    """Where a DeepNN estimator keeps its fitted network: ``coefs_``, ``intercepts_``,
    and with batch normalization ``gammas_``, ``betas_``, ``running_means_`` and
    ``running_vars_``."""

    def read(self, estimator):
        """The fitted ``(coefs, intercepts, batch_norm)``; batch_norm None without it."""
        batch_norm = None
        if getattr(estimator, "gammas_", None) is not None:
            # No momentum: the statistics only move in training, which sets its own.
            batch_norm = BatchNorm(
                estimator.gammas_,
                estimator.betas_,
                estimator.running_means_,
                estimator.running_vars_,
                momentum=None,
                n_updates=estimator._batch_norm_updates,
            )
        return estimator.coefs_, estimator.intercepts_, batch_norm

    def inference(self, estimator):
        """The fitted ``(coefs, intercepts, activation)`` for prediction, batch
        normalization folded in: what prediction needs, and no other parameter."""
        coefs, intercepts, batch_norm = self.read(estimator)
        if batch_norm is not None:
            coefs, intercepts = batch_norm.fold(coefs, intercepts)
        return coefs, intercepts, estimator.activation

    def attributes(self, coefs, intercepts, batch_norm=None):
        """The fitted attributes that hold the network: a dict."""
        normalized = batch_norm is not None
        return {
            "coefs_": coefs,
            "intercepts_": intercepts,
            "n_layers_": len(coefs) + 1,
            "gammas_": batch_norm.gammas if normalized else None,
            "betas_": batch_norm.betas if normalized else None,
            "running_means_": batch_norm.running_means if normalized else None,
            "running_vars_": batch_norm.running_vars if normalized else None,
            "_batch_norm_updates": batch_norm.n_updates if normalized else 0,
        }


DEEP_ARRAYS = DeepArrays()
