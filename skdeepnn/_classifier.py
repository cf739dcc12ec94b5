"""DeepNNClassifier, and the classification behaviour it shares with LogisticRegressionGD."""

import numpy as np
from scipy import sparse
from sklearn.base import ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import column_or_1d

from ._base import BaseNetwork
from ._callbacks import with_callbacks
from ._deep import DeepNetwork
from ._heads import (
    ClassificationHead,
    MultilabelHead,
    balanced_class_weights,
    check_indicator_matrix,
    class_weights_from_dict,
)
from ._network import predict_logits
from ._params import InstanceOf, Options

#: The ``class_weight`` parameter's constraints, for the estimators that have one.
CLASS_WEIGHT = [
    InstanceOf(type(None), "None"),
    Options("balanced"),
    InstanceOf(dict, "a dict {label: weight}"),
]


class BaseNetworkClassifier(ClassifierMixin, BaseNetwork):
    """Labels in, labels out: one sigmoid unit for two classes, softmax for more, and one
    sigmoid per label for a multilabel indicator matrix."""

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags

    @with_callbacks
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Train for one epoch on ``(X, y)``, going on from the current state.

        The weights, the optimizer's state (momentum and Adam averages, step
        count), ``n_iter_`` and the curves all carry over from call to call, so a
        data set too large for memory can be fed in chunks.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Labels, or a label indicator matrix (multilabel) with the same columns
            in every call.
        classes : array-like of shape (n_classes,), default=None
            Every class the model will see. Required on the first call, when a
            chunk may hold only some of them; optional afterwards, and for a
            multilabel y, whose columns are the labels.
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : object
        """
        if getattr(self, "class_weight", None) == "balanced":
            raise ValueError(
                "class_weight='balanced' is not supported by partial_fit: each chunk "
                "would weigh the classes differently. Pass a dict of class weights."
            )
        return self._fit_or_restore(X, y, sample_weight, incremental=True, classes=classes)

    def _check_targets(self, y, name="y"):
        """A column vector of labels becomes 1-D, with scikit-learn's DataConversionWarning."""
        if not sparse.issparse(y) and np.ndim(y) == 2 and np.shape(y)[1] == 1:
            return column_or_1d(y, warn=True)
        return y

    def _target_head(self, y, sample_weight, *, fitted, incremental, classes):
        if y.ndim == 2:
            return self._multilabel_head(y, fitted)
        if fitted and self._fitted_head().output_activation == "sigmoid" and self.n_outputs_ > 1:
            raise ValueError(
                "y is 1-D, but the model was fitted on a multilabel indicator matrix; refit "
                "(warm_start=False) to train on other targets."
            )
        check_classification_targets(y)
        classes = self._classes(y, fitted, incremental, classes)
        seen = np.unique(y)
        if not incremental and len(seen) < 2:
            raise ValueError(
                f"{type(self).__name__} needs samples of at least 2 classes; "
                f"got 1 class: {seen.tolist()}."
            )
        class_weights = self._class_weights(y, classes, sample_weight)
        head = ClassificationHead(classes, class_weights)
        if not incremental and (sample_weight is not None or class_weights is not None):
            _, weights = head.encode(y, sample_weight, np.float64)
            weighted_classes = np.unique(np.asarray(y)[weights > 0])
            if len(weighted_classes) < 2:
                raise ValueError(
                    f"{type(self).__name__} needs at least 2 classes with non-zero "
                    f"sample_weight; only class {weighted_classes.tolist()} has any."
                )
        return head

    def _classes(self, y, fitted, incremental, classes):
        """The sorted classes of the model: given to partial_fit, fitted, or those of ``y``."""
        if classes is not None:
            if np.ndim(classes) != 1:
                raise ValueError(f"classes must be a 1-D array-like of labels; got {classes!r}.")
            classes = np.unique(classes)
            if fitted and not np.array_equal(classes, self.classes_):
                raise ValueError(
                    f"classes={classes.tolist()} differs from the classes "
                    f"{self.classes_.tolist()} of the first call to partial_fit."
                )
        elif fitted:
            classes = self.classes_
        elif incremental:
            raise ValueError("classes must be passed on the first call to partial_fit.")
        else:
            classes = np.unique(y)
        if len(classes) < 2:
            raise ValueError(
                f"{type(self).__name__} needs samples of at least 2 classes; "
                f"got 1 class: {classes.tolist()}."
            )
        return classes

    def _class_weights(self, y, classes, sample_weight):
        """The weight of each class from ``class_weight``, an array of shape (n_classes,),
        or None without class weights."""
        class_weight = getattr(self, "class_weight", None)
        if class_weight is None:
            return None
        if class_weight == "balanced":
            return balanced_class_weights(y, classes, sample_weight)
        return class_weights_from_dict(class_weight, classes)

    def _multilabel_head(self, y, fitted):
        """One sigmoid per column of the indicator matrix ``y``."""
        check_indicator_matrix(y)
        if getattr(self, "class_weight", None) is not None:
            raise ValueError(
                "class_weight is not supported for multilabel y: each label is a yes/no "
                "question of its own, with no single class per sample to weigh. Weigh the "
                "samples with sample_weight instead."
            )
        if fitted:
            head = self._fitted_head()
            if not isinstance(head, MultilabelHead):
                raise ValueError(
                    "y is a multilabel indicator matrix, but the model was fitted on "
                    "1-D labels; refit (warm_start=False) to train on other targets."
                )
            return MultilabelHead(head.n_labels, sparse.issparse(y))
        return MultilabelHead(y.shape[1], sparse.issparse(y))

    def _fitted_head(self):
        if self.out_activation_ == "sigmoid" and self.n_outputs_ > 1:
            return MultilabelHead(self.n_outputs_, self._sparse_output)
        return ClassificationHead(self.classes_)

    def _as_estimator(self, coefs, intercepts, head):
        return _NetworkAsClassifier(coefs, intercepts, self._hidden_activation(), head)

    def predict(self, X):
        """Predict the class of each sample (the labels of each sample, if multilabel).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,), or (n_samples, n_labels) if multilabel
            Labels from ``classes_``; for multilabel targets, an indicator matrix,
            sparse if ``y`` was.
        """
        Z = self._forward_logits(X)  # checks that the model is fitted first
        return self._fitted_head().predict(Z)

    def predict_proba(self, X):
        """Probability of each class for each sample.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes) or (n_samples, n_labels)
            Columns follow ``classes_``; rows sum to 1, except for multilabel
            targets, where each column is the probability of its label.
        """
        Z = self._forward_logits(X)  # checks that the model is fitted first
        return self._fitted_head().predict_proba(Z)

    def predict_log_proba(self, X):
        """Log-probability of each class, computed from the logits without ``log(0)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes) or (n_samples, n_labels)
        """
        Z = self._forward_logits(X)  # checks that the model is fitted first
        return self._fitted_head().predict_log_proba(Z)


class DeepNNClassifier(BaseNetworkClassifier, DeepNetwork):
    """The course's L-layer neural network classifier.

    ``[LINEAR -> g] x (L-1) -> LINEAR -> SIGMOID`` for two classes, or ``-> SOFTMAX``
    for more, with ``g`` the hidden activation, trained on the cross-entropy cost
    by gradient descent or one of its mini-batch forms (momentum, RMSProp, Adam).

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(100,)
        Units in each hidden layer, ``n_1 .. n_{L-1}``. An empty tuple gives
        logistic regression.
    activation : {"relu", "leaky_relu", "tanh", "sigmoid", "identity"}, default="relu"
        Activation of the hidden layers (``leaky_relu`` has slope 0.01).
    init : {"auto", "he", "xavier", "small_random", "zeros"}, default="auto"
        Weight initialization: "he" draws ``N(0, 2/n_{l-1})``, "xavier"
        ``N(0, 1/n_{l-1})``, "small_random" ``0.01 N(0, 1)``. "auto" picks "he" for
        relu and leaky_relu and "xavier" otherwise. Biases start at zero.
        "zeros" is there for the course's lesson: it cannot break the symmetry
        between hidden units, and fitting with it warns.
    dropout : float or tuple of float, default=0.0
        Inverted dropout (course 2, week 1): the probability of dropping each
        hidden unit for each sample of a training batch (``keep_prob = 1 -
        dropout``), one float for every hidden layer or one per layer. Kept
        units are scaled by ``1 / keep_prob``, so prediction uses every unit as is.
    batch_norm : bool, default=False
        Batch normalization (course 2, week 3): each hidden layer normalizes
        ``Z = A_prev W`` over the samples of the batch (weighted by
        ``sample_weight``), then scales and shifts it by the learned ``gamma`` and
        ``beta`` before the activation; ``beta`` replaces the layer's bias ``b``,
        which stays at zero. Prediction normalizes with running averages of the
        batches' means and variances. Full-batch L-BFGS takes the whole training
        set's statistics instead. It lets larger learning rates train deep networks.
    batch_norm_momentum : float, default=0.9
        The weight of the old value in each update of the running averages (the
        course's beta): ``running = momentum * running + (1 - momentum) * batch``,
        with the batch's unbiased variance. The first updates average the batches
        seen so far evenly, so nothing is pulled towards the initial mean 0 and
        variance 1. When every step uses the whole training set ("gd", "lbfgs",
        or a ``batch_size`` at least the training set's), there is nothing to
        average: the statistics are the whole set's, at the final weights (with
        early stopping, those its best validation loss was measured with).
    solver : {"adam", "gd", "sgd", "momentum", "rmsprop", "lbfgs"}, default="adam"
        "gd" takes one step per iteration on the whole training set; "sgd",
        "momentum", "rmsprop" and "adam" step once per mini-batch of
        ``batch_size`` samples. "lbfgs" minimizes the full-batch cost with SciPy's
        L-BFGS-B (often the best choice on small data); it takes no learning rate,
        dropout, early stopping or partial_fit.
    learning_rate : float, default=0.001
        The step size (the course's alpha).
    batch_size : int or "auto", default="auto"
        Mini-batch size; "auto" is ``min(200, n_samples)``. Ignored by "gd".
    max_iter : int, default=200
        The most epochs (for "gd", iterations) to train for.
    alpha : float, default=0.0001
        L2 regularization strength (the course's lambda): the cost gains
        ``alpha / (2 m) * sum_l ||W[l]||^2``, with ``m`` the samples (or the sum of
        their weights) in the batch the step is computed on. As in scikit-learn's
        MLP, smaller mini-batches therefore regularize more per sample.
    tol : float, default=1e-4
        The least decrease of the training loss that counts as an improvement.
        With "gd" each iteration is one small step, and from small initial
        weights the loss can creep along a plateau: use ``tol=0`` to train for
        ``max_iter`` iterations as the course does.
    n_iter_no_change : int, default=10
        Training stops after this many epochs in a row without improvement.
        With ``solver="gd"`` (and no dropout or early stopping), each of those
        iterations must also change the loss by at most ``tol``: "gd" records the
        exact cost, and a loss that still rises and falls is oscillating (steps too
        large for the inputs' scale), not converged.
    beta_1 : float, default=0.9
        Momentum's beta, and Adam's beta1.
    beta_2 : float, default=0.999
        RMSProp's beta, and Adam's beta2.
    epsilon : float, default=1e-8
        RMSProp's and Adam's guard against division by zero.
    nesterov : bool, default=False
        With ``solver="momentum"``, take Nesterov's look-ahead step.
    lr_schedule : {"constant", "invscaling", "inverse_time", "exponential", "step", \
            "adaptive"}, default="constant"
        How the learning rate changes from epoch ``t`` to epoch (for "gd",
        iteration): "invscaling" ``lr / (t + 1) ** power_t``; "inverse_time"
        ``lr / (1 + decay_rate t)``; "exponential" ``lr decay_rate ** t``; "step"
        ``lr / (1 + decay_rate floor(t / decay_steps))``, the course's staircase;
        "adaptive" divides it by 5 each time the loss has not improved by ``tol``
        for ``n_iter_no_change`` epochs, and stops below 1e-6.
    decay_rate : float, default=1.0
        For "inverse_time", "exponential" (at most 1) and "step".
    decay_steps : int, default=10
        For "step": epochs between two decreases.
    power_t : float, default=0.5
        For "invscaling".
    early_stopping : bool, default=False
        Stop when the validation loss has not improved by ``tol`` for
        ``n_iter_no_change`` epochs, and keep the weights of its best epoch. The
        validation set is ``fit``'s ``X_val, y_val`` if given, else a stratified
        ``validation_fraction`` of the training data drawn from ``random_state``.
    validation_fraction : float, default=0.1
        The share of the training data set aside for early stopping.
    scoring : str, callable or None, default=None
        What the validation set is scored with after each epoch
        (``validation_scores_``) and, with ``early_stopping``, what is monitored.
        None records the accuracy and monitors the validation loss. A scorer's
        name ("roc_auc", "f1_macro", ...; see ``sklearn.metrics.get_scorer_names()``)
        or a callable ``scorer(estimator, X, y)`` is recorded and monitored
        instead: higher is better, and ``tol`` is the least gain that counts. A
        callable is given ``sample_weight=`` too when the validation set has
        weights (``sample_weight_val``, or the split part of ``sample_weight``;
        never ``class_weight``); its ``estimator`` is the network as it stands,
        with ``predict``, ``predict_proba``, ``decision_function`` and ``classes_``.
    max_fun : int, default=15000
        For "lbfgs": the most cost evaluations (``max_iter`` bounds its iterations
        and ``tol`` the norm of the gradient at which it stops).
    shuffle : bool, default=True
        Shuffle the samples before each epoch of mini-batches.
    class_weight : dict, "balanced" or None, default=None
        Weights of the classes, ``{label: weight}``, multiplied with
        ``sample_weight``; "balanced" weighs each class by
        ``n_samples / (n_classes * count)`` (with ``sample_weight``, by the sums of
        the weights). Labels absent from the dict weigh 1.
    random_state : int, RandomState instance or None, default=None
        Seeds the weight initialization and the shuffling; an int makes fits
        reproducible bit for bit.
    verbose : int, default=0
        1 prints the training loss after every epoch (every 100 iterations for
        "gd"); 2 prints it after every iteration.
    warm_start : bool, default=False
        Continue from the fitted weights when ``fit`` is called again;
        ``loss_curve_``, ``n_iter_``, the learning-rate schedule and the
        optimizer's state (momentum and Adam averages) go on from the previous fit.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels; for multilabel targets, ``0 .. n_labels - 1``, the
        columns of ``y``.
    coefs_ : list of ndarray
        ``coefs_[l-1]`` is the course's ``W[l]`` transposed: shape (n_{l-1}, n_l).
    intercepts_ : list of ndarray
        ``intercepts_[l-1]`` is ``b[l]``, of shape (n_l,).
    n_layers_ : int
        Number of layers counting the input: ``len(hidden_layer_sizes) + 2``.
    n_outputs_ : int
        Output units: 1 for two classes, else the number of classes (or of labels).
    out_activation_ : str
        "sigmoid" (two classes, or one per label for multilabel targets) or "softmax".
    gammas_, betas_ : list of ndarray or None
        With ``batch_norm``, the learned scale and shift of each hidden layer,
        of shape (n_l,); None without it.
    running_means_, running_vars_ : list of ndarray or None
        With ``batch_norm``, the running averages of each hidden layer's batch
        mean and variance, used at prediction; None without it.
    n_iter_ : int
        Epochs (or "gd" iterations) run.
    loss_ : float
        The last epoch's training loss.
    loss_curve_ : list of float
        The training loss of each epoch: the mean cost over its mini-batches,
        each taken before that batch's update.
    learning_rate_curve_ : list of float
        The learning rate used in each epoch.
    validation_loss_curve_ : list of float or None
        The validation loss (weighted cross-entropy, without the L2 term) after
        each epoch, when there is a validation set.
    validation_scores_ : list of float or None
        The validation score (``scoring``'s, else the accuracy) after each epoch,
        when there is a validation set.
    best_iteration_ : int
        The epoch (counted from 1) where the monitored quantity was best: the
        training loss, or with ``early_stopping`` the validation loss (the
        validation score with ``scoring``). With ``early_stopping`` the weights
        are those at the end of that epoch.
    best_loss_ : float
        The training loss at ``best_iteration_``, or with ``early_stopping`` the
        validation loss.
    best_validation_score_ : float or None
        With ``early_stopping``, the validation score at ``best_iteration_``.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the features seen during fit, when X has string column names.

    See Also
    --------
    LogisticRegressionGD : the same model without hidden layers.
    sklearn.neural_network.MLPClassifier : scikit-learn's multi-layer perceptron.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from skdeepnn import DeepNNClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = DeepNNClassifier(hidden_layer_sizes=(20,), learning_rate=0.01,
    ...                        random_state=0).fit(X, y)
    >>> clf.predict(X[:3])
    array([0, 0, 0])
    >>> [W.shape for W in clf.coefs_]
    [(4, 20), (20, 3)]
    >>> clf.score(X, y) > 0.95
    True
    """

    _parameter_constraints = {**DeepNetwork._parameter_constraints, "class_weight": CLASS_WEIGHT}

    def __init__(
        self,
        *,
        hidden_layer_sizes=(100,),
        activation="relu",
        init="auto",
        dropout=0.0,
        batch_norm=False,
        batch_norm_momentum=0.9,
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
        lr_schedule="constant",
        decay_rate=1.0,
        decay_steps=10,
        power_t=0.5,
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
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.init = init
        self.dropout = dropout
        self.batch_norm = batch_norm
        self.batch_norm_momentum = batch_norm_momentum
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
        self.lr_schedule = lr_schedule
        self.decay_rate = decay_rate
        self.decay_steps = decay_steps
        self.power_t = power_t
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.scoring = scoring
        self.max_fun = max_fun
        self.shuffle = shuffle
        self.class_weight = class_weight
        self.random_state = random_state
        self.verbose = verbose
        self.warm_start = warm_start


class _NetworkAsClassifier(BaseNetworkClassifier):
    """A network during training, as a classifier that scikit-learn's scorers can call.

    Scoring the validation set after each epoch needs an object with ``predict``,
    ``predict_proba`` and ``decision_function``. Its input is the validation set,
    already validated, so its predictions come straight from the core, with the
    weights as they stand (not copied).

    Parameters
    ----------
    coefs, intercepts : lists of L ndarrays
    activation : str
    head : ClassificationHead or MultilabelHead
    """

    def __init__(self, coefs, intercepts, activation, head):
        self.coefs = coefs
        self.intercepts = intercepts
        self.activation = activation
        self.head = head
        self.classes_ = head.classes  # what scorers read

    def _forward_logits(self, X):
        return predict_logits(X, self.coefs, self.intercepts, self.activation)

    def _fitted_head(self):
        return self.head

    def decision_function(self, X):
        """The logits: one column for two classes (positive for ``classes_[1]``), else one
        per class (or label)."""
        return self.head.decision_function(self._forward_logits(X))
