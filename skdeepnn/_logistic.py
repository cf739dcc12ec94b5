"""LogisticRegressionGD: the course's logistic regression, a network with no hidden layer."""

from ._base import NetworkEstimator
from ._classifier import CLASS_WEIGHT, NetworkClassifier
from ._namespace import transposed
from ._network import Layout
from ._params import Boolean, Options


class LinearArrays:
    """Where LogisticRegressionGD keeps its fitted network: ``coef_`` and ``intercept_``.

    ``coef_`` stores one row per output unit, as scikit-learn's linear models do; the
    core wants one column per unit.
    """

    def read(self, estimator):
        """The fitted ``(coefs, intercepts, batch_norm)``: one layer, no batch norm."""
        return [estimator.coef_.T], [estimator.intercept_], None

    def inference(self, estimator):
        """The fitted ``(coefs, intercepts, activation)`` for prediction."""
        return [estimator.coef_.T], [estimator.intercept_], "identity"

    def attributes(self, coefs, intercepts, batch_norm=None):
        """The fitted attributes that hold the network: a dict."""
        return {"coef_": transposed(coefs[0]), "intercept_": intercepts[0]}


LINEAR_ARRAYS = LinearArrays()


class LogisticRegressionGD(NetworkClassifier):
    r"""Logistic regression trained by gradient descent, as in the course's week 2.

    Read more in the :ref:`User Guide <forward>`.

    The model is :math:`\hat y = \sigma(x^T w + b)` for two classes and
    :math:`\mathrm{softmax}(x^T W + b)` (multinomial) for more: the L-layer network
    with no hidden layer, trained by the same core as ``DeepNNClassifier``. A
    label indicator matrix ``y`` (multilabel targets) gets one sigmoid unit per
    label: a logistic regression for each label, trained together.
    As in the course, the weights and the bias start at zero (the cost is convex, so
    no randomness is needed to break symmetry): the first prediction is 1/2 for every
    sample and the first cost :math:`\log 2 = 0.693`, so that the course's week-2 runs
    come out as published. ``intercept_init="prior"`` starts the bias at the logits
    of the class frequencies instead (with ``class_weight``, of their weighted
    shares), as ``DeepNNClassifier`` does: the first prediction is then the prior.

    Parameters
    ----------
    learning_rate : float, default=0.1
        The step size.
    max_iter : int, default=1000
        The most iterations ("gd") or epochs (mini-batch solvers).
    tol : float, default=1e-4
        The least decrease of the training loss that counts as an improvement.
    n_iter_no_change : int or inf, default=10
        Training stops after this many iterations in a row without improvement
        (``np.inf``: never, it trains for ``max_iter``).
        With ``solver="gd"`` (or "sgd" whose batch holds every sample; without
        early stopping), each of those
        iterations must also change the loss by at most ``tol``: "gd" records the
        exact cost, and a loss that still rises and falls is oscillating (steps too
        large for the inputs' scale), not converged.
    alpha : float, default=0.0
        L2 regularization strength: the cost gains ``alpha / (2 m) * ||w||^2``.
    fit_intercept : bool, default=True
        Learn the bias ``b``; if False it stays at zero.
    intercept_init : {"zeros", "prior"}, default="zeros"
        Where the bias starts: at zero, as the course's logistic regression, or at
        the logits of the (weighted) class frequencies, which saves the first
        iterations the climb from an even guess to the prior. Ignored without
        ``fit_intercept``.
    solver : {"gd", "sgd", "momentum", "rmsprop", "adam", "lbfgs"}, default="gd"
        "gd" steps once per iteration on the whole training set; "lbfgs"
        minimizes the same cost with SciPy's L-BFGS-B.
    batch_size : int or "auto", default="auto"
        Mini-batch size for the other solvers; "auto" is ``min(200, n_samples)``.
    beta_1, beta_2, epsilon : float, default=0.9, 0.999, 1e-8
        The momentum, RMSProp and Adam constants.
    nesterov : bool, default=False
        With ``solver="momentum"``, take Nesterov's look-ahead step.
    max_grad_norm : float or None, default=None
        Rescale each step's gradient (L2 term included) to at most this L2 norm;
        see ``DeepNNClassifier``. Ignored by "lbfgs".
    lr_schedule : str, default="constant"
        "constant", "invscaling", "inverse_time", "exponential", "step",
        "cosine" or "adaptive"; see ``DeepNNClassifier``.
    decay_rate : float, default=1.0
    decay_steps : int, default=10
    power_t : float, default=0.5
    restart_period : int, default=10
    restart_multiplier : int, default=1
        The schedules' constants; see ``DeepNNClassifier``.
    early_stopping : bool, default=False
        Stop on the validation loss and keep the best weights; see ``DeepNNClassifier``.
    validation_fraction : float, default=0.1
    scoring : str, callable or None, default=None
        The validation set's score, recorded and (with ``early_stopping``)
        monitored; see ``DeepNNClassifier``.
    max_fun : int, default=15000
        For "lbfgs": the most cost evaluations.
    shuffle : bool, default=True
        Shuffle the samples before each epoch of mini-batches.
    class_weight : dict, "balanced" or None, default=None
        Weights of the classes, ``{label: weight}``, multiplied with
        ``sample_weight`` in the training and the validation loss; "balanced"
        weighs each class by ``n_samples / (n_classes * count)`` (with
        ``sample_weight``, by the sums of the weights). Labels absent from the dict
        weigh 1.
    random_state : int, RandomState instance or None, default=None
        Seeds the shuffling of mini-batches.
    verbose : int, default=0
        1 prints the cost every 100 iterations ("gd") or every epoch, with the
        iteration out of ``max_iter``, the time elapsed and the time left.
    warm_start : bool, default=False
        Continue from the fitted weights when ``fit`` is called again;
        ``loss_curve_`` and ``n_iter_`` go on from the previous fit.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels; for multilabel targets, ``0 .. n_labels - 1``.
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
        One row for two classes (the weights of ``classes_[1]``), else one per class
        (or label).
    intercept_ : ndarray of shape (1,) or (n_classes,)
    n_outputs_ : int
        Output units: 1 for two classes, else the number of classes (or labels).
    out_activation_ : str
        "sigmoid" (two classes, or one per label) or "softmax".
    n_iter_ : int
        Iterations (or epochs) run.
    loss_ : float
        The last training loss.
    loss_curve_ : list of float
        The training cost at each iteration (the course's ``costs``).
    learning_rate_curve_ : list of float
        The learning rate used at each iteration.
    validation_loss_curve_, validation_scores_ : list of float or None
        Validation loss and score (accuracy, or ``scoring``'s) per iteration, when
        there is a validation set.
    best_loss_ : float
    best_iteration_ : int
    best_validation_score_ : float or None
        The best monitored iteration, and the loss and validation score there;
        see ``DeepNNClassifier``.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Defined when X has string column names.

    See Also
    --------
    DeepNNClassifier : the same model with hidden layers.
    sklearn.linear_model.LogisticRegression : scikit-learn's, solved to optimality.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skdeepnn import LogisticRegressionGD
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> clf = make_pipeline(StandardScaler(), LogisticRegressionGD()).fit(X, y)
    >>> clf[-1].coef_.shape
    (1, 30)
    >>> clf.score(X, y) > 0.95
    True
    """

    _parameter_constraints = {
        **NetworkEstimator._parameter_constraints,
        "fit_intercept": [Boolean()],
        "intercept_init": [Options("zeros", "prior")],
        "class_weight": CLASS_WEIGHT,
    }

    def __init__(
        self,
        *,
        learning_rate=0.1,
        max_iter=1000,
        tol=1e-4,
        n_iter_no_change=10,
        alpha=0.0,
        fit_intercept=True,
        intercept_init="zeros",
        solver="gd",
        batch_size="auto",
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
        class_weight=None,
        random_state=None,
        verbose=0,
        warm_start=False,
    ):
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.intercept_init = intercept_init
        self.solver = solver
        self.batch_size = batch_size
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
        self.class_weight = class_weight
        self.random_state = random_state
        self.verbose = verbose
        self.warm_start = warm_start

    _arrays = LINEAR_ARRAYS

    def _layout(self):
        # No hidden layer: the weights start at zero, the cost being convex.
        return Layout(fits_intercepts=self.fit_intercept, output_bias=self.intercept_init)

    def decision_function(self, X):
        """The logits ``x^T w + b``: confidence scores, positive for ``classes_[1]`` when binary.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
        """
        return self._predicted(X, "decision_function")  # checks that the model is fitted first
