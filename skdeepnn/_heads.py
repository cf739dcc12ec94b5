r"""Output heads: what differs between kinds of target, in one small object each.

A head knows how ``y`` becomes the network's targets ``Y`` (encode) and back
(decode), which output activation and loss the last layer has (and so ``dZ[L]``),
the default score of a validation set, how logits become predictions, and the
fitted attributes that describe the targets. The training engine sees only
``Y`` and the head's ``loss``; an estimator shell picks its head and holds no
matrix calculus.

=====================  ====================  ===================================  ==========
head                   output activation     loss                                 score
=====================  ====================  ===================================  ==========
``ClassificationHead`` sigmoid (2 classes),  binary or categorical cross-entropy  accuracy
                       softmax (more)
``MultilabelHead``     one sigmoid a label   binary cross-entropy, summed over    subset
                                             the labels                           accuracy
``RegressionHead``     identity, or exp for  half squared error, Huber, or half   R²
                       "poisson" (log link)  Poisson deviance, summed over the
                                             outputs
``QuantileHead``       identity, one unit    pinball loss, summed over the        D² pinball
                       per target and        targets and quantiles
                       quantile
=====================  ====================  ===================================  ==========
"""

import functools
from numbers import Real

import numpy as np
from scipy import sparse
from scipy.special import expit
from sklearn.metrics import d2_pinball_score, r2_score

from ._activations import softmax
from ._losses import LOSSES, huber_loss_and_gradient, pinball_loss_and_gradient

#: Labels that ``ClassificationHead`` looks up or counts at a time (512 KiB of 64-bit
#: indices): its targets are 32-bit, and NumPy's searchsorted and bincount work in 64.
LABEL_BLOCK_ROWS = 2**16


class ClassificationHead:
    """Labels of two or more classes: one sigmoid unit for two, a softmax for more.

    Parameters
    ----------
    classes : ndarray of shape (n_classes,)
        The sorted labels; two classes give one output unit, for ``classes[1]``.
    class_weights : ndarray of shape (n_classes,) or None
        Multiplied into each sample's weight, in training and validation losses.
    """

    def __init__(self, classes, class_weights=None):
        self.classes, self.class_weights = classes, class_weights
        self.n_outputs = 1 if len(classes) == 2 else len(classes)
        self.output_activation = "sigmoid" if len(classes) == 2 else "softmax"
        self.loss = LOSSES[self.output_activation]

    score_name = "accuracy"

    def largest_safe_logit(self, dtype):
        """Logits up to this size give finite predictions: softmax subtracts each row's
        maximum, which needs room for twice it."""
        return float(np.finfo(dtype).max) / 4

    def finite_outputs(self, Z):
        """Whether the logits give finite predictions (probabilities from finite logits are)."""
        return bool(np.isfinite(Z).all())

    def encode(self, y, sample_weight, dtype, name="y"):
        """``Y`` and the weights times the class weights.

        Two classes give a 0/1 column in ``dtype``, 1 for ``classes[1]``: the sigmoid
        unit's target. More give a column of class indices, int32, not one-hot rows:
        the softmax loss reads each row's true class by its index, and the targets
        take 4 bytes a row instead of a one-hot row's 4 or 8 a class.

        Returns
        -------
        Y : ndarray of shape (n_samples, 1)
        sample_weight : ndarray of shape (n_samples,) or None

        Raises ValueError for labels outside ``classes``, or a matrix of labels.
        """
        y_index = self.label_index(y, name)
        sample_weight = self.weigh(y_index, sample_weight, dtype)
        if self.n_outputs == 1:
            return y_index.astype(dtype)[:, None], sample_weight
        return y_index[:, None], sample_weight

    def label_index(self, y, name="y"):
        """The index in ``classes`` of each label of the 1-D ``y``, int32."""
        if np.ndim(y) != 1:
            raise ValueError(
                f"{name} of shape {np.shape(y)} is a label matrix, but the model was fitted "
                "on 1-D labels."
            )
        unknown = np.setdiff1d(np.unique(y), self.classes)
        if unknown.size:
            fix = (
                "of y."
                if name != "y"
                else "the model was fitted on or given; refit (warm_start=False) to learn "
                "new classes."
            )
            raise ValueError(
                f"{name} has labels {unknown.tolist()} that are not among the classes "
                f"{self.classes.tolist()} {fix}"
            )
        return class_indices(y, self.classes)

    def weigh(self, y_index, sample_weight, dtype):
        """The sample weights times the class weights (None if there are neither)."""
        if self.class_weights is None:
            return sample_weight
        # Cast before indexing: the row-sized array is then made once, in dtype.
        per_sample = self.class_weights.astype(dtype)[y_index]
        return per_sample if sample_weight is None else sample_weight * per_sample

    def initial_output_bias(self, Y, sample_weight=None):
        """``b[L]`` before training: the logits of the weighted class frequencies.

        The network then starts by predicting how often each class occurs (with
        ``class_weight``, its weighted share), rather than every class alike: the
        first epochs need not climb from an even guess to the prior, and where the
        data leave a region of the input space empty the prior, not the random
        start, decides. See :func:`prior_logits`.
        """
        total = len(Y) if sample_weight is None else sample_weight.sum(dtype=np.float64)
        if self.output_activation == "softmax":  # Y holds class indices
            yes = class_totals(Y[:, 0], sample_weight, self.n_outputs)
            return prior_logits(yes, total, softmax=True)
        return prior_logits(weighted_column_sums(Y, sample_weight), total, softmax=False)

    def strata(self, Y):
        """The label of each row: what a validation split stratifies on (and names)."""
        return self.decode(Y)

    def decode(self, Y):
        """The labels of encoded targets."""
        if self.n_outputs == 1:
            return self.classes[(Y[:, 0] > 0.5).astype(np.intp)]
        return self.classes[Y[:, 0]]

    def predict(self, Z):
        if Z.shape[1] == 1:
            return self.classes[(Z[:, 0] > 0).astype(np.intp)]  # sigmoid(z) > 0.5
        return self.classes[Z.argmax(axis=1)]

    def predict_proba(self, Z):
        if Z.shape[1] == 1:
            # expit(-z) rather than 1 - expit(z): exact even when expit(z) rounds to 1.
            return _at_least_tiny(np.hstack([expit(-Z), expit(Z)]))
        return _at_least_tiny(softmax(Z.copy()))  # softmax works in place

    def predict_log_proba(self, Z):
        return np.log(self.predict_proba(Z))

    def decision_function(self, Z):
        return Z[:, 0] if Z.shape[1] == 1 else Z

    def score(self, Z, Y, sample_weight=None):
        """The accuracy of the logits ``Z`` against the encoded targets ``Y``."""
        if Z.shape[1] == 1:
            correct = (Z[:, 0] > 0) == (Y[:, 0] > 0.5)
        else:
            correct = Z.argmax(axis=1) == Y[:, 0]
        return float(np.average(correct, weights=sample_weight))

    def attributes(self):
        return {
            "classes_": self.classes,
            "n_outputs_": self.n_outputs,
            "out_activation_": self.output_activation,
        }


class MultilabelHead:
    """Several yes/no labels per sample: one sigmoid unit per label.

    The loss is the binary cross-entropy summed over the labels: each unit
    answers its own question, and ``dZ[L] = (A[L] - Y) / m`` holds column by column.

    Parameters
    ----------
    n_labels : int
    sparse_output : bool
        Whether ``predict`` returns a sparse indicator matrix, as ``y`` was.
    """

    output_activation = "sigmoid"
    loss = staticmethod(LOSSES["sigmoid"])
    score_name = "subset accuracy"
    largest_safe_logit = ClassificationHead.largest_safe_logit
    finite_outputs = ClassificationHead.finite_outputs

    def __init__(self, n_labels, sparse_output=False):
        self.n_labels, self.sparse_output = n_labels, sparse_output
        self.n_outputs = n_labels
        self.classes = np.arange(n_labels)

    def encode(self, y, sample_weight, dtype, name="y"):
        """``Y``: the indicator matrix, dense, in ``dtype``. Raises ValueError unless ``y``
        is a 0/1 matrix with ``n_labels`` columns."""
        if y.ndim != 2:
            raise ValueError(
                f"{name} is 1-D, but the model has {self.n_labels} labels: pass an indicator "
                "matrix with one column per label."
            )
        check_indicator_matrix(y, name)
        if y.shape[1] != self.n_labels:
            raise ValueError(
                f"{name} has {y.shape[1]} label columns, but the model has {self.n_labels} "
                "labels; every call must use the same columns."
            )
        Y = y.toarray() if sparse.issparse(y) else np.asarray(y)
        return Y.astype(dtype), sample_weight

    initial_output_bias = ClassificationHead.initial_output_bias

    def strata(self, Y):
        return None  # a random split: combinations of labels are too many to stratify on

    def decode(self, Y):
        """The indicator matrix of encoded targets, dense: what scorers compare with."""
        return (Y > 0.5).astype(np.int64)

    def predict(self, Z):
        indicator = (Z > 0).astype(np.int64)
        return sparse.csr_matrix(indicator) if self.sparse_output else indicator

    def predict_proba(self, Z):
        # Strictly between 0 and 1: a label's probability is never certain.
        proba = _at_least_tiny(expit(Z))
        return np.minimum(proba, np.nextafter(proba.dtype.type(1), 0), out=proba)

    def predict_log_proba(self, Z):
        return np.log(self.predict_proba(Z))

    def decision_function(self, Z):
        return Z

    def score(self, Z, Y, sample_weight=None):
        """Subset accuracy, as scikit-learn's ``accuracy_score``: every label right."""
        correct = ((Z > 0) == (Y > 0.5)).all(axis=1)
        return float(np.average(correct, weights=sample_weight))

    def attributes(self):
        return {**ClassificationHead.attributes(self), "_sparse_output": self.sparse_output}


def _at_least_tiny(proba):
    """Probabilities no smaller than the dtype's smallest normal number, in place.

    A probability below it would underflow to 0 and its log to -inf: stopping at
    ``tiny`` (about 1e-308 in float64, 1e-38 in float32) keeps ``predict_log_proba``,
    the log of these probabilities, finite and in agreement with them.
    """
    return np.maximum(proba, np.finfo(proba.dtype).tiny, out=proba)


def check_indicator_matrix(y, name="y"):
    """Raise ValueError unless ``y`` is a 2-D 0/1 matrix of at least two columns."""
    if y.shape[1] < 2:
        raise ValueError(
            f"{name} is a label matrix with a single column: pass a 1-D {name} for one "
            "yes/no label, or an indicator matrix with one column per label."
        )
    values = y.data if sparse.issparse(y) else np.asarray(y)
    # Checked value by value: scikit-learn's type_of_target calls any matrix of two
    # distinct integers (0 and 2, -1 and 1) an indicator matrix.
    other = ~np.isin(values, (0, 1))
    if other.any():
        raise ValueError(
            f"{name} of shape {y.shape} is read as multilabel targets, and must then be a "
            "binary indicator matrix (0 or 1 in each column, one column per label); "
            f"it holds other values, e.g. {values[other][:3].tolist()}."
        )


class RegressionHead:
    """Real-valued targets, one output unit per target.

    Parameters
    ----------
    n_outputs : int
    loss : {"squared_error", "huber", "poisson"}
        "squared_error" and "huber" have an identity output; "poisson" predicts
        ``exp(z)`` (a log link) and needs ``y >= 0``.
    huber_delta : float
        The residual beyond which the Huber loss grows linearly.
    one_dimensional : bool
        Whether ``y`` was 1-D: ``predict`` then returns a 1-D array too.
    """

    score_name = "R²"

    def largest_safe_logit(self, dtype):
        """Logits up to this size give finite predictions: ``exp(z)`` overflows beyond
        ``log(max)``, and R² squares the identity's errors."""
        if self.output_activation == "exp":
            return float(np.log(np.finfo(dtype).max)) - 1
        return float(np.sqrt(np.finfo(dtype).max)) / 4

    def finite_outputs(self, Z):
        """Whether the logits give finite predictions."""
        return bool(np.isfinite(self.predict(Z)).all())

    def __init__(self, n_outputs, loss="squared_error", huber_delta=1.0, one_dimensional=True):
        self.n_outputs, self.loss_name = n_outputs, loss
        self.one_dimensional = one_dimensional
        self.output_activation = "exp" if loss == "poisson" else "identity"
        if loss == "huber":
            self.loss = functools.partial(huber_loss_and_gradient, delta=float(huber_delta))
        else:
            self.loss = LOSSES[self.output_activation]

    def encode(self, y, sample_weight, dtype, name="y"):
        """``Y`` of shape (n_samples, n_outputs) in ``dtype``; ValueError for a wrong
        number of outputs or, with "poisson", negative targets."""
        Y = np.asarray(y, dtype=dtype).reshape(len(y), -1)
        if Y.shape[1] != self.n_outputs:
            raise ValueError(
                f"{name} has {Y.shape[1]} outputs, but the model was fitted on "
                f"{self.n_outputs}; refit (warm_start=False) to change them."
            )
        if not np.isfinite(Y).all():
            raise ValueError(f"{name} has values too large for {np.dtype(dtype).name}.")
        if self.loss_name == "poisson" and (Y < 0).any():
            raise ValueError(
                f"loss='poisson' models counts and rates: {name} must be non-negative, "
                f"and has {int((Y < 0).sum())} negative values."
            )
        return Y, sample_weight

    def initial_output_bias(self, Y, sample_weight=None):
        """``b[L]`` before training: the output's link of the weighted mean of ``Y``.

        The network then starts by predicting the mean of each target, whatever
        its scale or offset, instead of 0 (or ``exp(0) = 1``): the hidden layers
        learn the variation around it rather than first climbing to it.
        """
        mean = np.average(Y, axis=0, weights=sample_weight).astype(np.float64)
        if self.output_activation == "exp":
            return np.log(np.maximum(mean, np.finfo(Y.dtype).tiny))
        return mean

    def strata(self, Y):
        return None

    def decode(self, Y):
        return Y[:, 0] if self.one_dimensional else Y

    def predict(self, Z):
        if self.output_activation == "exp":
            with np.errstate(over="ignore"):
                Z = np.exp(Z)
        return self.decode(Z)

    def score_targets(self, y, y_pred, sample_weight=None):
        """The coefficient of determination R² of the predictions ``y_pred`` of ``y``."""
        return float(r2_score(y, y_pred, sample_weight=sample_weight))

    def score(self, Z, Y, sample_weight=None):
        """The coefficient of determination R² of the predictions from the logits ``Z``."""
        return float(r2_score(Y, self.predict(Z).reshape(Y.shape), sample_weight=sample_weight))

    def attributes(self):
        return {
            "n_outputs_": self.n_outputs,
            "out_activation_": self.output_activation,
            "_one_dimensional_y": self.one_dimensional,
            "quantiles_": None,  # a refit without quantiles drops those of a fit before
            "_quantile_axis": False,
        }


class QuantileHead(RegressionHead):
    r"""Quantiles of real-valued targets: one identity output per target and quantile.

    Output ``t * n_quantiles + j`` predicts the quantile ``quantiles[j]`` of target
    ``t``, trained on the pinball loss (``_losses.pinball_loss_and_gradient``), so that
    all the quantiles share the hidden layers and are predicted together.

    Quantiles never cross in ``predict``: each row's predictions of one target are
    sorted along the quantile axis (a monotone rearrangement, Chernozhukov et al.
    2010), which never increases the pinball loss summed over the quantiles.

    Parameters
    ----------
    n_targets : int
        The columns of ``y``.
    quantiles : ndarray of shape (n_quantiles,)
        Strictly increasing, in (0, 1).
    one_dimensional : bool
        Whether ``y`` was 1-D.
    quantile_axis : bool
        Whether ``predict`` has a last axis of quantiles (``quantile`` was a
        sequence); without it (one float), predictions have ``y``'s shape.
    """

    score_name = "D² pinball"

    def __init__(self, n_targets, quantiles, one_dimensional=True, quantile_axis=False):
        self.quantiles = np.asarray(quantiles, dtype=np.float64)
        self.n_targets, self.n_quantiles = n_targets, len(self.quantiles)
        self.n_outputs, self.loss_name = n_targets * self.n_quantiles, "quantile"
        self.one_dimensional, self.quantile_axis = one_dimensional, quantile_axis
        self.output_activation = "identity"
        self.taus = np.tile(self.quantiles, n_targets)  # the quantile of each output
        self.loss = functools.partial(pinball_loss_and_gradient, quantiles=self.taus)

    def encode(self, y, sample_weight, dtype, name="y"):
        """``Y`` of shape (n_samples, n_outputs): each target repeated once per quantile."""
        Y = np.asarray(y, dtype=dtype).reshape(len(y), -1)
        if Y.shape[1] != self.n_targets:
            raise ValueError(
                f"{name} has {Y.shape[1]} outputs, but the model was fitted on "
                f"{self.n_targets}; refit (warm_start=False) to change them."
            )
        return RegressionHead.encode(
            self, np.repeat(Y, self.n_quantiles, axis=1), sample_weight, dtype, name
        )

    def initial_output_bias(self, Y, sample_weight=None):
        """``b[L]`` before training: the weighted quantile of each output's target, so
        that the network starts at the best constant prediction of its loss."""
        return np.array(
            [weighted_quantile(Y[:, k], sample_weight, tau) for k, tau in enumerate(self.taus)]
        )

    def decode(self, Y):
        Y = Y[:, :: self.n_quantiles]
        return Y[:, 0] if self.one_dimensional else Y

    def predict(self, Z):
        """Predictions of shape (n, n_quantiles) or (n, n_targets, n_quantiles) with a
        quantile axis, else ``y``'s: each row's quantiles sorted, so they never cross."""
        Q = np.sort(Z.reshape(len(Z), self.n_targets, self.n_quantiles), axis=2)
        if not self.quantile_axis:
            Q = Q[:, :, 0]
        return Q[:, 0] if self.one_dimensional else Q

    def score_targets(self, y, y_pred, sample_weight=None):
        """scikit-learn's ``d2_pinball_score`` of each quantile (averaged over the
        targets), averaged over the quantiles: 1 is perfect, 0 the best constant."""
        y = np.asarray(y).reshape(len(y), -1)
        Q = np.asarray(y_pred).reshape(len(y), self.n_targets, self.n_quantiles)
        return float(
            np.mean(
                [
                    d2_pinball_score(y, Q[:, :, j], alpha=tau, sample_weight=sample_weight)
                    for j, tau in enumerate(self.quantiles)
                ]
            )
        )

    def score(self, Z, Y, sample_weight=None):
        """``score_targets`` of the predictions from the logits ``Z``."""
        return self.score_targets(self.decode(Y), self.predict(Z), sample_weight)

    def attributes(self):
        return {
            **RegressionHead.attributes(self),
            "quantiles_": self.quantiles.copy(),
            "_quantile_axis": self.quantile_axis,
        }


def weighted_quantile(y, sample_weight, quantile):
    r"""The ``quantile`` of the values ``y`` weighted by ``sample_weight``: the smallest
    :math:`y_{(i)}` whose cumulative weight reaches :math:`\tau \sum_j w_j` (the inverse of
    the weighted empirical distribution function). Unweighted for zero total weight."""
    order = np.argsort(y, kind="stable")
    weights = np.ones(len(y)) if sample_weight is None else sample_weight[order]
    cumulative = np.cumsum(weights, dtype=np.float64)
    if cumulative[-1] <= 0:
        return weighted_quantile(y, None, quantile)
    index = np.searchsorted(cumulative, quantile * cumulative[-1])
    return float(y[order[min(index, len(y) - 1)]])


def class_indices(y, classes):
    """The index in the sorted ``classes`` of each label of ``y`` (all among them), int32.

    A block of labels at a time: searchsorted's 64-bit indices for all of ``y`` would
    take twice the memory of the 32-bit ones kept.
    """
    index = np.empty(len(y), dtype=np.int32)
    for start in range(0, len(y), LABEL_BLOCK_ROWS):
        rows = slice(start, start + LABEL_BLOCK_ROWS)
        index[rows] = np.searchsorted(classes, y[rows])
    return index


def class_totals(y_index, sample_weight, n_classes):
    """Each class's total: the number of its samples, or the sum of their weights, in
    float64.

    Counted a block of rows at a time: bincount converts the whole of its input to
    64-bit integers, and of its weights to float64.

    Parameters
    ----------
    y_index : ndarray of shape (m,), integer
        Class indices, from 0 to ``n_classes - 1``.
    sample_weight : ndarray of shape (m,) or None
    n_classes : int

    Returns
    -------
    totals : ndarray of shape (n_classes,), float64
    """
    totals = np.zeros(n_classes)
    for start in range(0, len(y_index), LABEL_BLOCK_ROWS):
        rows = slice(start, start + LABEL_BLOCK_ROWS)
        weights = None if sample_weight is None else sample_weight[rows]
        totals += np.bincount(y_index[rows], weights=weights, minlength=n_classes)
    return totals


def balanced_class_weights(totals):
    """``n / (n_classes * count_k)`` for each class ``k``, from the counts (or the sums
    of the sample weights) of ``class_totals``.

    As scikit-learn's ``compute_class_weight`` from version 1.7 (1.6 takes no sample
    weights). A class whose samples all weigh 0 gets weight 1: theirs stay 0 anyway.
    """
    n_classes = len(totals)
    return np.divide(totals.sum(), n_classes * totals, out=np.ones(n_classes), where=totals > 0)


def class_weights_from_dict(class_weight, classes):
    """The weights of ``classes`` from ``{label: weight}``; absent labels weigh 1."""
    for label, weight in class_weight.items():
        if not (isinstance(weight, Real) and np.isfinite(weight) and weight >= 0):
            raise ValueError(
                "class_weight values must be finite non-negative numbers; got "
                f"{weight!r} for class {label!r}."
            )
    index = {label: k for k, label in enumerate(classes.tolist())}
    unknown = [label for label in class_weight if label not in index]
    if unknown:
        raise ValueError(
            f"class_weight has labels {unknown} that are not among the classes "
            f"{classes.tolist()} of y."
        )
    weights = np.ones(len(classes))
    for label, weight in class_weight.items():
        weights[index[label]] = weight
    return weights


#: Values of ``Y`` that ``weighted_column_sums`` converts to float64 at a time (8 MiB).
PRIOR_BLOCK_VALUES = 2**20


def weighted_column_sums(Y, sample_weight):
    """The sum of each column of the 0/1 targets ``Y`` over the rows, weighted, in float64.

    Parameters
    ----------
    Y : ndarray of shape (m, n_outputs)
    sample_weight : ndarray of shape (m,) or None

    Returns
    -------
    yes : ndarray of shape (n_outputs,), float64
        The weight of the rows whose column holds 1.
    """
    if sample_weight is None:
        return Y.sum(axis=0, dtype=np.float64)  # NumPy converts in buffered chunks
    # In float64, a block of rows at a time: a float64 copy of a float32 Y would take
    # twice Y's memory for a moment.
    yes = np.zeros(Y.shape[1])
    block_rows = max(1, PRIOR_BLOCK_VALUES // Y.shape[1])
    for start in range(0, len(Y), block_rows):
        rows = slice(start, start + block_rows)
        yes += sample_weight[rows].astype(np.float64) @ Y[rows].astype(np.float64, copy=False)
    return yes


def prior_logits(yes, total, softmax, floor_share=0.1):
    r"""The output bias whose predictions are the weighted frequencies ``yes / total``.

    Each outcome's share of the weight is floored at ``floor_share`` of an even
    share, :math:`p_k = \max(W_k / W, \text{floor\_share} / K)`, so that no class
    starts out of reach: one with no weight yet (which a later ``partial_fit``
    brings) or very little starts a few logits down, not at minus infinity. Only
    ratios of weights enter, so weights of 2 and repeated rows give the same start.

    A sigmoid unit (its outcomes "no" and "yes", :math:`K = 2`) gets
    :math:`\log(p_1 / p_0)`; a softmax (:math:`K` classes) gets :math:`\log p_k`
    less its mean (softmax ignores a shift).

    Parameters
    ----------
    yes : ndarray of shape (n_outputs,), float64
        The weight of each class (softmax), or of each unit's "yes" rows (sigmoid).
    total : float
        The weight of all the rows.
    softmax : bool
    floor_share : float, default=0.1

    Returns
    -------
    b : ndarray of shape (n_outputs,), float64
    """
    if total == 0:  # nothing to learn a prior from
        return np.zeros(len(yes))
    share = yes / total
    if softmax:
        log_p = np.log(np.maximum(share, floor_share / len(yes)))
        return log_p - log_p.mean()
    floor = floor_share / 2
    return np.log(np.maximum(share, floor)) - np.log(np.maximum(1 - share, floor))
