"""DeepNNClassifier, and the classification behaviour it shares with LogisticRegressionGD."""

import numpy as np
from scipy import sparse
from sklearn.base import ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import column_or_1d

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
from ._heads import (
    ClassificationHead,
    MultilabelHead,
    balanced_class_weights,
    check_indicator_matrix,
    class_totals,
    class_weights_from_dict,
)
from ._params import InstanceOf, Options, offered_when, partial_fit_unavailable

#: The ``class_weight`` parameter's constraints, for the estimators that have one.
CLASS_WEIGHT = [
    InstanceOf(type(None), "None"),
    Options("balanced"),
    InstanceOf(dict, "a dict {label: weight}"),
]


class NetworkClassifier(ClassifierMixin, NetworkEstimator):
    """Labels in, labels out: one sigmoid unit for two classes, softmax for more, and one
    sigmoid per label for a multilabel indicator matrix."""

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # Class weights need one class per sample: multilabel targets refuse them.
        tags.classifier_tags.multi_label = getattr(self, "class_weight", None) is None
        return tags

    @offered_when(partial_fit_unavailable)
    @with_callbacks
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Train for one epoch on ``(X, y)``, going on from the current state.

        The weights, the optimizer's state (momentum and Adam averages, step
        count), ``n_iter_`` and the curves all carry over from call to call, so a
        data set too large for memory can be fed in chunks. Not available with
        ``solver="lbfgs"``, ``early_stopping=True`` or ``class_weight="balanced"``.

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
        return self._fit_or_restore(X, y, sample_weight, incremental=True, classes=classes)

    def _check_targets(self, y, name="y"):
        """A column vector of labels becomes 1-D, with scikit-learn's DataConversionWarning."""
        if not sparse.issparse(y) and np.ndim(y) == 2 and np.shape(y)[1] == 1:
            return column_or_1d(y, warn=True)
        return y

    def _check_raw_targets(self, y, name="y"):
        """Refuse labels that mix strings and numbers: NumPy cannot sort them, and a
        list of them becomes strings (the label 1 would come back as "1")."""
        if isinstance(y, (list, tuple)):
            if len(y) and np.ndim(y[0]) > 0:
                return  # the rows of a label indicator matrix
            values = y
        elif getattr(getattr(y, "dtype", None), "kind", None) == "O":
            values = np.asarray(y).ravel()
        else:
            return
        if any(_is_missing(value) for value in values):
            raise ValueError(f"{name} has missing labels (None or NaN): every sample needs one.")
        strings = [isinstance(value, str) for value in values]
        if any(strings) and not all(strings):
            examples = [values[strings.index(True)], values[strings.index(False)]]
            raise ValueError(
                f"{name} mixes string and non-string labels (e.g. {examples[0]!r} and "
                f"{examples[1]!r}): give every label the same type."
            )

    def _target_head(self, y, sample_weight, *, fitted, incremental, classes):
        if y.ndim == 2:
            return self._multilabel_head(y, fitted)
        if fitted and self._fitted_head().output_activation == "sigmoid" and self.n_outputs_ > 1:
            raise ValueError(
                "y is 1-D, but the model was fitted on a multilabel indicator matrix; refit "
                "(warm_start=False) to train on other targets."
            )
        check_classification_targets(y)
        seen = np.unique(y)
        classes = self._classes(seen, fitted, incremental, classes)
        if not incremental and len(seen) < 2:
            raise ValueError(
                f"{type(self).__name__} needs samples of at least 2 classes; "
                f"got 1 class: {seen.tolist()}."
            )
        # partial_fit refuses class_weight="balanced", the one class weight that needs
        # counts: a fit's counts are those of all the data, not of one chunk.
        weighted = not incremental and (
            sample_weight is not None or getattr(self, "class_weight", None) is not None
        )
        totals = None
        if weighted:
            # Per class, its samples' count or weight: in blocks, with no array of y's
            # size beyond the int32 indices (label_index names labels outside the classes).
            totals = class_totals(
                ClassificationHead(classes).label_index(y), sample_weight, len(classes)
            )
        class_weights = self._class_weights(totals, classes)
        if weighted:
            # The weights are non-negative: a class has weighted samples where its total,
            # times its class weight, is > 0.
            if class_weights is not None:
                totals = totals * class_weights
            weighted_classes = classes[totals > 0]
            if len(weighted_classes) < 2:
                raise ValueError(
                    f"{type(self).__name__} needs at least 2 classes with non-zero "
                    f"sample_weight; only class {weighted_classes.tolist()} has any."
                )
        return ClassificationHead(classes, class_weights)

    def _classes(self, seen, fitted, incremental, classes):
        """The sorted classes of the model: given to partial_fit, fitted, or ``seen``, the
        sorted labels of ``y``."""
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
            # (Unknown labels get their own error, from the head.)
            if not incremental and np.isin(seen, classes).all() and len(seen) < len(classes):
                raise ValueError(
                    "warm_start=True goes on training the fitted classes: y must have the "
                    f"classes {classes.tolist()} of the previous fit, and has "
                    f"{seen.tolist()}. Set warm_start=False to train on other classes."
                )
        elif incremental:
            raise ValueError("classes must be passed on the first call to partial_fit.")
        else:
            classes = seen
        if len(classes) < 2:
            raise ValueError(
                f"{type(self).__name__} needs samples of at least 2 classes; "
                f"got 1 class: {classes.tolist()}."
            )
        return classes

    def _class_weights(self, totals, classes):
        """The weight of each class from ``class_weight``, an array of shape (n_classes,),
        or None without class weights. ``totals``: each class's count or weight, which
        "balanced" needs."""
        class_weight = getattr(self, "class_weight", None)
        if class_weight is None:
            return None
        if class_weight == "balanced":
            return balanced_class_weights(totals)
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
        # A model pickled before multilabel targets existed has no out_activation_.
        if getattr(self, "out_activation_", None) == "sigmoid" and self.n_outputs_ > 1:
            return MultilabelHead(self.n_outputs_, self._sparse_output)
        return ClassificationHead(self.classes_)

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
        return self._predicted(X, "predict")  # checks that the model is fitted first

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
        return self._predicted(X, "predict_proba")  # checks that the model is fitted first

    def predict_log_proba(self, X):
        """Log-probability of each class: the log of ``predict_proba``, always finite.

        Probabilities stop at the smallest normal float instead of underflowing to
        0, so no log-probability is -inf.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes) or (n_samples, n_labels)
        """
        return self._predicted(X, "predict_log_proba")  # checks that the model is fitted first


class DeepNNClassifier(NetworkClassifier):
    __doc__ = (
        """The course's L-layer neural network classifier.

    ``[LINEAR -> g] x (L-1) -> LINEAR -> SIGMOID`` for two classes, or ``-> SOFTMAX``
    for more, with ``g`` the hidden activation, trained on the cross-entropy cost
    by gradient descent or one of its mini-batch forms (momentum, RMSProp, Adam).
    A label indicator matrix ``y`` (multilabel targets) gets one sigmoid unit per
    label, trained on the binary cross-entropy summed over the labels.

    Read more in the :ref:`User Guide <user_guide>`: the :ref:`network and its cost
    <forward>`, its :ref:`outputs <output_layers>` and its :ref:`training <training>`.

    Parameters
    ----------
"""
        + NETWORK_PARAMETERS
        + TRAINING_PARAMETERS
        + """\
    class_weight : dict, "balanced" or None, default=None
        Weights of the classes, ``{label: weight}``, multiplied with
        ``sample_weight``; "balanced" weighs each class by
        ``n_samples / (n_classes * count)`` (with ``sample_weight``, by the sums of
        the weights). Labels absent from the dict weigh 1.
"""
        + RUN_PARAMETERS
        + """
    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels; for multilabel targets, ``0 .. n_labels - 1``, the
        columns of ``y``.
"""
        + NETWORK_ATTRIBUTES
        + """\
    n_outputs_ : int
        Output units: 1 for two classes, else the number of classes (or of labels).
    out_activation_ : str
        "sigmoid" (two classes, or one per label for multilabel targets) or "softmax".
"""
        + BATCH_NORM_ATTRIBUTES
        + TRAINING_ATTRIBUTES
        + """\
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
    )

    _parameter_constraints = {
        **NetworkEstimator._parameter_constraints,
        **DEEP_CONSTRAINTS,
        "class_weight": CLASS_WEIGHT,
    }
    _arrays = DEEP_ARRAYS

    def _layout(self):
        return deep_layout(self)

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


def _is_missing(label):
    """Whether ``label`` is None, NaN or pandas' NA (which is not even unequal to itself)."""
    if label is None:
        return True
    try:
        return bool(label != label)
    except TypeError:
        return True
