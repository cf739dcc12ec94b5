"""DeepNNClassifier, and the classification behaviour it shares with LogisticRegressionGD."""

from numbers import Integral, Real

import numpy as np
from scipy.special import expit, log_expit, log_softmax
from sklearn.base import ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import column_or_1d

from ._activations import ACTIVATIONS, softmax
from ._base import BaseNetwork
from ._batch_norm import BatchNorm
from ._callbacks import with_callbacks
from ._network import predict_logits
from ._params import Boolean, DropoutRates, InstanceOf, Interval, LayerSizes, Options


def _targets(y_index, n_classes, dtype):
    """The network's targets: a 0/1 column for two classes, one-hot rows for more."""
    if n_classes == 2:
        return y_index.astype(dtype)[:, None]
    Y = np.zeros((len(y_index), n_classes), dtype=dtype)
    Y[np.arange(len(y_index)), y_index] = 1
    return Y


class BaseNetworkClassifier(ClassifierMixin, BaseNetwork):
    """Labels in, labels out: one sigmoid unit for two classes, softmax for more."""

    def _class_weight(self):
        """The ``class_weight`` parameter, for the estimators that have one."""
        return None

    @with_callbacks
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Train for one epoch on ``(X, y)``, going on from the current state.

        The weights, the optimizer's state (momentum and Adam averages, step
        count), ``n_iter_`` and the curves all carry over from call to call, so a
        data set too large for memory can be fed in chunks.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        classes : array-like of shape (n_classes,), default=None
            Every class the model will see. Required on the first call, when a
            chunk may hold only some of them; optional afterwards.
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : object
        """
        if self._class_weight() == "balanced":
            raise ValueError(
                "class_weight='balanced' is not supported by partial_fit: each chunk "
                "would weigh the classes differently. Pass a dict of class weights."
            )
        if classes is None and not hasattr(self, "classes_"):
            raise ValueError("classes must be passed on the first call to partial_fit.")
        return self._fit_or_restore(X, y, sample_weight, incremental=True, classes=classes)

    def _encode_targets(self, y, sample_weight, dtype, reset, incremental, classes):
        """Encode labels as the network's targets ``Y``, and weigh the classes.

        Two classes give a column of 0/1 (for ``classes_[1]``) and a sigmoid
        output; more give one-hot rows and a softmax output. ``class_weight``
        multiplies each sample's weight by its class's.
        """
        check_classification_targets(y)
        if classes is not None:
            if np.ndim(classes) != 1:
                raise ValueError(f"classes must be a 1-D array-like of labels; got {classes!r}.")
            classes = np.unique(classes)
            if not reset and not np.array_equal(classes, self.classes_):
                raise ValueError(
                    f"classes={classes.tolist()} differs from the classes "
                    f"{self.classes_.tolist()} of the first call to partial_fit."
                )
        elif not reset:
            classes = self.classes_
        else:
            classes = np.unique(y)
        seen = np.unique(y)
        unknown = seen[~np.isin(seen, classes)]
        if unknown.size:
            raise ValueError(
                f"y has labels {unknown.tolist()} that are not among the classes "
                f"{classes.tolist()} the model was fitted on or given; refit "
                "(warm_start=False) to learn new classes."
            )
        y_index = np.searchsorted(classes, y)
        if len(classes) < 2:
            raise ValueError(
                f"{type(self).__name__} needs samples of at least 2 classes; "
                f"got 1 class: {classes.tolist()}."
            )
        if not incremental and len(seen) < 2:
            raise ValueError(
                f"{type(self).__name__} needs samples of at least 2 classes; "
                f"got 1 class: {seen.tolist()}."
            )
        class_weights = None
        if self._class_weight() is not None:
            class_weights = self._class_weights(y, classes, sample_weight)
            per_sample = class_weights[y_index].astype(dtype)
            sample_weight = per_sample if sample_weight is None else sample_weight * per_sample
        if sample_weight is not None and not incremental:
            weighted_classes = np.unique(y_index[sample_weight > 0])
            if len(weighted_classes) < 2:
                raise ValueError(
                    f"{type(self).__name__} needs at least 2 classes with non-zero "
                    f"sample_weight; only class {classes[weighted_classes].tolist()} has any."
                )
        output_activation = "sigmoid" if len(classes) == 2 else "softmax"
        attributes = {"classes_": classes, "_class_weights_of_fit": class_weights}
        return _targets(y_index, len(classes), dtype), sample_weight, output_activation, attributes

    def _encode_validation_targets(self, y_val, sample_weight_val, dtype, attributes):
        """Encode ``y_val`` like the training targets, and weigh its classes the same way."""
        classes = attributes["classes_"]
        y_val = column_or_1d(y_val, warn=True)
        unknown = np.setdiff1d(np.unique(y_val), classes)
        if unknown.size:
            raise ValueError(
                f"y_val has labels {unknown.tolist()} that are not among the classes "
                f"{classes.tolist()} of y."
            )
        y_index = np.searchsorted(classes, y_val)
        class_weights = attributes["_class_weights_of_fit"]
        if class_weights is not None:
            per_sample = class_weights[y_index].astype(dtype)
            sample_weight_val = (
                per_sample if sample_weight_val is None else sample_weight_val * per_sample
            )
        return _targets(y_index, len(classes), dtype), sample_weight_val

    def _decode_targets(self, Y, target_attributes):
        classes = target_attributes["classes_"]
        if Y.shape[1] == 1:
            return classes[(Y[:, 0] > 0.5).astype(np.intp)]
        return classes[Y.argmax(axis=1)]

    def _as_estimator(self, coefs, intercepts, target_attributes):
        return _NetworkAsClassifier(
            coefs, intercepts, self._hidden_activation(), target_attributes["classes_"]
        )

    def _class_weights(self, y, classes, sample_weight):
        """The weight of each class, from ``class_weight``: an array of shape (n_classes,).

        "balanced" gives class ``k`` the weight ``total / (n_classes * count_k)``, with
        counts that sum the samples' weights, as scikit-learn's
        ``compute_class_weight`` does from version 1.7 (1.6 takes no sample weights).
        """
        class_weight = self._class_weight()
        if class_weight == "balanced":
            counts = np.bincount(
                np.searchsorted(classes, y), weights=sample_weight, minlength=len(classes)
            )
            # A class whose samples all weigh 0 needs no weight: theirs stay 0 anyway.
            return np.divide(
                counts.sum(),
                len(classes) * counts,
                out=np.ones(len(classes)),
                where=counts > 0,
            )
        if isinstance(class_weight, dict):
            for label, weight in class_weight.items():
                if not (isinstance(weight, Real) and np.isfinite(weight) and weight >= 0):
                    raise ValueError(
                        "class_weight values must be finite non-negative numbers; got "
                        f"{weight!r} for class {label!r}."
                    )
            unknown = [label for label in class_weight if label not in set(classes.tolist())]
            if unknown:
                raise ValueError(
                    f"class_weight has labels {unknown} that are not among the classes "
                    f"{classes.tolist()} of y."
                )
        index = {label: k for k, label in enumerate(classes.tolist())}
        weights = np.ones(len(classes))
        for label, weight in class_weight.items():
            weights[index[label]] = weight
        return weights

    def predict(self, X):
        """Predict the class of each sample.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,)
            Labels from ``classes_``.
        """
        Z = self._forward_logits(X)
        if Z.shape[1] == 1:
            # sigmoid(z) > 0.5 exactly when z > 0.
            return self.classes_[(Z[:, 0] > 0).astype(np.intp)]
        return self.classes_[Z.argmax(axis=1)]

    def predict_proba(self, X):
        """Probability of each class for each sample.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Columns follow ``classes_``; rows sum to 1.
        """
        Z = self._forward_logits(X)
        if Z.shape[1] == 1:
            # expit(-z) rather than 1 - expit(z): exact even when expit(z) rounds to 1.
            return np.hstack([expit(-Z), expit(Z)])
        return softmax(Z)

    def predict_log_proba(self, X):
        """Log-probability of each class, computed from the logits without ``log(0)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
        """
        Z = self._forward_logits(X)
        if Z.shape[1] == 1:
            return np.hstack([log_expit(-Z), log_expit(Z)])
        return log_softmax(Z, axis=1)


class DeepNNClassifier(BaseNetworkClassifier):
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
        The class labels.
    coefs_ : list of ndarray
        ``coefs_[l-1]`` is the course's ``W[l]`` transposed: shape (n_{l-1}, n_l).
    intercepts_ : list of ndarray
        ``intercepts_[l-1]`` is ``b[l]``, of shape (n_l,).
    n_layers_ : int
        Number of layers counting the input: ``len(hidden_layer_sizes) + 2``.
    n_outputs_ : int
        Output units: 1 for two classes, else the number of classes.
    out_activation_ : str
        "sigmoid" or "softmax".
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

    _parameter_constraints = {
        **BaseNetwork._parameter_constraints,
        "hidden_layer_sizes": [LayerSizes()],
        "class_weight": [
            InstanceOf(type(None), "None"),
            Options("balanced"),
            InstanceOf(dict, "a dict {label: weight}"),
        ],
        "dropout": [DropoutRates()],
        "batch_norm": [Boolean()],
        "batch_norm_momentum": [Interval(Real, 0, 1, closed="left")],
        "activation": [Options(*(name for name in ACTIVATIONS if name != "softmax"))],
        "init": [Options("auto", "he", "xavier", "small_random", "zeros")],
    }

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

    def _hidden_layer_sizes(self):
        sizes = self.hidden_layer_sizes
        if isinstance(sizes, Integral):
            return [int(sizes)]
        return [int(n) for n in sizes]

    def _hidden_activation(self):
        return self.activation

    def _class_weight(self):
        return self.class_weight

    def _keep_probs(self):
        n_hidden = len(self._hidden_layer_sizes())
        if isinstance(self.dropout, Real):
            rates = [float(self.dropout)] * n_hidden
        else:
            rates = [float(rate) for rate in self.dropout]
            if len(rates) != n_hidden:
                raise ValueError(
                    f"dropout has {len(rates)} rates but hidden_layer_sizes has "
                    f"{n_hidden} hidden layers: give one rate per hidden layer, or one float."
                )
        if not any(rates):
            return None
        return [1 - rate for rate in rates]

    def _batch_norm_momentum(self):
        if not self.batch_norm or not self._hidden_layer_sizes():
            return None
        return float(self.batch_norm_momentum)

    def _fitted_batch_norm(self):
        if getattr(self, "gammas_", None) is None:
            return None
        # No momentum: the statistics only move in training, which sets its own.
        return BatchNorm(
            self.gammas_,
            self.betas_,
            self.running_means_,
            self.running_vars_,
            momentum=None,
            n_updates=self._batch_norm_updates,
        )

    def _initializer(self):
        if self.init != "auto":
            return self.init
        return "he" if self.activation in ("relu", "leaky_relu") else "xavier"

    def _get_network(self):
        return self.coefs_, self.intercepts_

    def _network_attributes(self, coefs, intercepts, batch_norm=None):
        n_outputs = coefs[-1].shape[1]
        normalized = batch_norm is not None
        return {
            "coefs_": coefs,
            "intercepts_": intercepts,
            "n_layers_": len(coefs) + 1,
            "n_outputs_": n_outputs,
            "out_activation_": "sigmoid" if n_outputs == 1 else "softmax",
            "gammas_": batch_norm.gammas if normalized else None,
            "betas_": batch_norm.betas if normalized else None,
            "running_means_": batch_norm.running_means if normalized else None,
            "running_vars_": batch_norm.running_vars if normalized else None,
            "_batch_norm_updates": batch_norm.n_updates if normalized else 0,
        }


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
    classes : ndarray of shape (n_classes,)
    """

    def __init__(self, coefs, intercepts, activation, classes):
        self.coefs = coefs
        self.intercepts = intercepts
        self.activation = activation
        self.classes = classes
        self.classes_ = classes  # what scorers read

    def _forward_logits(self, X):
        return predict_logits(X, self.coefs, self.intercepts, self.activation)

    def decision_function(self, X):
        """The logits: one column for two classes (positive for ``classes_[1]``), else one
        per class."""
        Z = self._forward_logits(X)
        return Z[:, 0] if Z.shape[1] == 1 else Z
