"""DeepNNRegressor: the course's L-layer network with a linear output, for real-valued targets."""

from numbers import Real

import numpy as np
from scipy import sparse
from sklearn.base import RegressorMixin

from ._base import NetworkEstimator
from ._callbacks import with_callbacks
from ._deep import DEEP_ARRAYS, DEEP_CONSTRAINTS, deep_layout
from ._docs import (
    BATCH_NORM_ATTRIBUTES,
    NETWORK_ATTRIBUTES,
    NETWORK_PARAMETERS,
    RUN_PARAMETERS,
    TRAINING_ATTRIBUTES,
    TRAINING_PARAMETERS,
)
from ._heads import QuantileHead, RegressionHead
from ._namespace import host_copy
from ._params import (
    Interval,
    Options,
    QuantileLevels,
    offered_when,
    partial_fit_unavailable,
)


class DeepNNRegressor(RegressorMixin, NetworkEstimator):
    __doc__ = (
        """The course's L-layer neural network, with a linear output unit per target.

    ``[LINEAR -> g] x (L-1) -> LINEAR``, with ``g`` the hidden activation: the
    network of ``DeepNNClassifier`` whose output unit predicts a number, as the
    course's house-price example has it. It is trained on the half squared error
    (or the Huber loss, or the Poisson deviance through a log link) by gradient
    descent or one of its mini-batch forms. ``y`` may have several columns: one
    output unit each, their losses summed.

    Read more in the :ref:`User Guide <user_guide>`: the :ref:`network <forward>`, its
    :ref:`outputs and losses <regression-outputs>` and its :ref:`training <training>`.

    Parameters
    ----------
"""
        + NETWORK_PARAMETERS
        + """\
    loss : {"squared_error", "huber", "poisson", "quantile"}, default="squared_error"
        The loss of each output, summed over the outputs and averaged over the
        samples. "squared_error" is ``(z - y)^2 / 2``, MLPRegressor's.
        "huber" is that within ``huber_delta`` of the target and grows linearly
        beyond it, so that outliers pull on the fit with a bounded force.
        "poisson" predicts ``exp(z)`` (a log link) and minimizes half the Poisson
        deviance, for counts and rates: ``y`` must be non-negative.
        "quantile" predicts the ``quantile`` of each target given ``X``,
        minimizing the pinball loss ``max(tau r, (tau - 1) r)`` of the residual
        ``r = y - z`` (scikit-learn's ``mean_pinball_loss``); its default
        score is ``d2_pinball_score`` (averaged over the quantiles), and early
        stopping monitors the validation pinball loss.
    huber_delta : float, default=1.0
        With ``loss="huber"``, the residual beyond which the loss grows
        linearly, in the units of ``y``: 1.0 suits a standardized ``y`` (for
        instance with ``TransformedTargetRegressor`` and ``StandardScaler``).
    quantile : float or sequence of float, default=0.5
        With ``loss="quantile"``, the quantile ``tau`` to predict, in (0, 1), or a
        strictly increasing sequence of them, predicted together by one network
        (one output unit per target and quantile, e.g. ``(0.05, 0.5, 0.95)`` for a
        90% interval and the median). A float gives predictions of ``y``'s
        shape; a sequence adds a last axis of quantiles: ``(n_samples,
        n_quantiles)`` for a 1-D ``y``, ``(n_samples, n_targets, n_quantiles)``
        for a 2-D one. The predicted quantiles of a row never cross: they are
        sorted along that axis (a repair that never raises the summed pinball
        loss). Ignored by the other losses.
"""
        + TRAINING_PARAMETERS
        + RUN_PARAMETERS
        + """
    Attributes
    ----------
"""
        + NETWORK_ATTRIBUTES
        + """\
    n_outputs_ : int
        Output units: the number of columns of ``y`` (1 for a 1-D ``y``), times
        the number of quantiles with ``loss="quantile"``.
    out_activation_ : str
        "identity", or "exp" with ``loss="poisson"``.
    quantiles_ : ndarray of shape (n_quantiles,) or None
        With ``loss="quantile"``, the quantiles predicted (None otherwise); ``n_outputs_`` is then
        ``n_targets * n_quantiles``, output ``t * n_quantiles + j`` predicting
        quantile ``j`` of target ``t``.
"""
        + BATCH_NORM_ATTRIBUTES
        + TRAINING_ATTRIBUTES
        + """\
    See Also
    --------
    DeepNNClassifier : the same network for class labels.
    sklearn.neural_network.MLPRegressor : scikit-learn's multi-layer perceptron.

    Examples
    --------
    >>> from sklearn.datasets import make_regression
    >>> from skdeepnn import DeepNNRegressor
    >>> X, y = make_regression(n_samples=200, n_features=5, noise=1.0, random_state=0)
    >>> reg = DeepNNRegressor(hidden_layer_sizes=(20,), solver="lbfgs",
    ...                       random_state=0).fit(X, y / y.std())
    >>> reg.predict(X[:2]).shape
    (2,)
    >>> reg.score(X, y / y.std()) > 0.99
    True
    """
    )

    _parameter_constraints = {
        **NetworkEstimator._parameter_constraints,
        **DEEP_CONSTRAINTS,
        "loss": [Options("squared_error", "huber", "poisson", "quantile")],
        "huber_delta": [Interval(Real, 0, None, closed="neither")],
        "quantile": [QuantileLevels()],
    }
    _arrays = DEEP_ARRAYS

    def __init__(
        self,
        *,
        hidden_layer_sizes=(100,),
        activation="relu",
        init="auto",
        dropout=0.0,
        batch_norm=False,
        batch_norm_momentum=0.9,
        loss="squared_error",
        huber_delta=1.0,
        quantile=0.5,
        solver="adam",
        learning_rate=0.001,
        batch_size="auto",
        max_iter=200,
        alpha=0.0001,
        tol=1e-4,
        n_iter_no_change=10,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        nesterov=False,
        max_grad_norm=None,
        lr_schedule="constant",
        decay_rate=1.0,
        decay_steps=10,
        power_t=0.5,
        restart_period=10,
        restart_multiplier=1,
        early_stopping=False,
        validation_fraction=0.1,
        scoring=None,
        max_fun=15000,
        shuffle=True,
        random_state=None,
        verbose=0,
        warm_start=False,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.init = init
        self.dropout = dropout
        self.batch_norm = batch_norm
        self.batch_norm_momentum = batch_norm_momentum
        self.loss = loss
        self.huber_delta = huber_delta
        self.quantile = quantile
        self.solver = solver
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.alpha = alpha
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.nesterov = nesterov
        self.max_grad_norm = max_grad_norm
        self.lr_schedule = lr_schedule
        self.decay_rate = decay_rate
        self.decay_steps = decay_steps
        self.power_t = power_t
        self.restart_period = restart_period
        self.restart_multiplier = restart_multiplier
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.scoring = scoring
        self.max_fun = max_fun
        self.shuffle = shuffle
        self.random_state = random_state
        self.verbose = verbose
        self.warm_start = warm_start

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        tags.target_tags.positive_only = self.loss == "poisson"
        return tags

    @offered_when(partial_fit_unavailable)
    @with_callbacks
    def partial_fit(self, X, y, sample_weight=None):
        """Train for one epoch on ``(X, y)``, going on from the current state.

        The weights, the optimizer's state (momentum and Adam averages, step
        count), ``n_iter_`` and the curves all carry over from call to call, so a
        data set too large for memory can be fed in chunks. Not available with
        ``solver="lbfgs"`` or ``early_stopping=True``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            The same number of outputs in every call.
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : object
        """
        return self._fit_or_restore(X, y, sample_weight, incremental=True)

    def _check_targets(self, y, name="y"):
        """``y`` as a float64 array; ValueError for sparse or non-numeric targets."""
        if sparse.issparse(y):
            raise ValueError(f"{type(self).__name__} needs a dense {name}; got a sparse matrix.")
        try:
            y = np.asarray(y, dtype=np.float64)
        except (TypeError, ValueError) as error:
            raise ValueError(
                f"{type(self).__name__} predicts numbers: {name} must be numeric ({error}). "
                "For class labels, use DeepNNClassifier."
            ) from error
        if not np.isfinite(y).all():
            raise ValueError(f"Input {name} contains NaN or infinity.")
        return y

    def _target_head(self, y, sample_weight, *, fitted, incremental, classes):
        n_targets = 1 if y.ndim == 1 else y.shape[1]
        if self.loss == "quantile":
            several = not isinstance(self.quantile, Real)
            quantiles = list(self.quantile) if several else [self.quantile]
            head = QuantileHead(n_targets, quantiles, y.ndim == 1, quantile_axis=several)
        else:
            head = RegressionHead(n_targets, self.loss, self.huber_delta, y.ndim == 1)
        if fitted and head.n_outputs != self.n_outputs_:
            raise ValueError(
                f"y has {n_targets} outputs, but the model was fitted on {self.n_outputs_} "
                "output units; refit (warm_start=False) to change them."
            )
        return head

    def _fitted_head(self):
        # Prediction needs only the output activation and the quantiles: rebuilt from the
        # fitted attributes, it ignores a loss changed by set_params after the fit.
        quantiles = host_copy(getattr(self, "quantiles_", None))  # NumPy's, if on a device
        if quantiles is not None:
            n_targets = self.n_outputs_ // len(quantiles)
            return QuantileHead(n_targets, quantiles, self._one_dimensional_y, self._quantile_axis)
        loss = "poisson" if self.out_activation_ == "exp" else "squared_error"
        return RegressionHead(self.n_outputs_, loss, one_dimensional=self._one_dimensional_y)

    def _layout(self):
        return deep_layout(self, linear_output=True)

    def predict(self, X):
        """Predict the target of each sample.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            The shape ``y`` had in ``fit``, in the dtype of ``X`` (float32 or float64).
            With ``loss="quantile"`` and a sequence of quantiles, a last axis of
            quantiles, sorted: (n_samples, n_quantiles) or (n_samples, n_targets,
            n_quantiles).
        """
        return self._predicted(X, "predict")  # checks that the model is fitted first

    def score(self, X, y, sample_weight=None):
        """The default score of the predictions of ``X``: R², or with
        ``loss="quantile"`` scikit-learn's ``d2_pinball_score`` averaged over the
        quantiles.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        score : float
        """
        y_pred = self.predict(X)  # checks that the model is fitted first
        # On the host: a score is one number, and its arrays have one value a sample.
        y, y_pred, sample_weight = host_copy(y), host_copy(y_pred), host_copy(sample_weight)
        return self._fitted_head().score_targets(y, y_pred, sample_weight)
