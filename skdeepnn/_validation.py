"""The validation set of a fit: a split of the training data or the user's, and how each
epoch is scored on it."""

import inspect

import numpy as np
from scipy import sparse
from sklearn.model_selection import train_test_split

from ._array_api import host_logits
from ._namespace import namespace_of, take_rows


class ValidationSet:
    """Validation data, already validated and encoded, with the score to record on it.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_val, n_features)
        The validation data; or, with ``rows``, data of which those rows validate.
    Y : ndarray of shape (n_val, n_outputs) or (n_val, 1)
        Encoded like the training targets (a softmax's as int32 class indices).
    sample_weight : ndarray of shape (n_val,) or None
        The weights of the validation loss and score, class weights included: the
        validation set is judged by what training optimizes, as scikit-learn's
        HistGradientBoostingClassifier does.
    head : output head
        Its ``loss`` and default ``score`` (accuracy, or R² for regression).
    rows : ndarray of shape (n_val,), optional
        The rows of ``X`` that validate (early stopping's split of the training data):
        each evaluation gathers them a chunk at a time, rather than keeping a copy.

    Attributes
    ----------
    scorer : callable or None
        Set by :meth:`score_with`; None scores with the head's default score.
    """

    def __init__(self, X, Y, sample_weight, head, rows=None):
        if rows is not None and namespace_of(X) is not None:
            X, rows = take_rows(X, rows), None  # on a device: gathered there, once
        self.X, self.Y, self.sample_weight, self.head = X, Y, sample_weight, head
        self.rows = rows
        # The score's weights in float64 (training's are in X's dtype): a float32
        # weighted sum of squares overflows long before float64's.
        self._score_weight = None if sample_weight is None else sample_weight.astype(np.float64)
        self.scorer = self.labels = self.as_estimator = None
        self._scorer_weights = {}

    def score_with(self, scorer, labels, as_estimator):
        """Score each epoch with a scikit-learn scorer rather than the head's score.

        Parameters
        ----------
        scorer : callable
            ``scorer(estimator, X, y)``, given ``sample_weight=`` too when there are
            weights and it takes them (see :func:`takes_sample_weight`).
        labels : ndarray of shape (n_val,) or (n_val, n_outputs)
            The targets as the user's ``y`` holds them (decoded from ``Y``), which
            the scorer compares predictions with.
        as_estimator : callable
            ``as_estimator(coefs, intercepts)`` returns an object the scorer can call
            (``predict``, ``predict_proba``, ...) on the network as it stands.

        Returns
        -------
        drops_weights : bool
            True when there are weights that the scorer cannot take.
        """
        self.scorer, self.labels, self.as_estimator = scorer, labels, as_estimator
        if self._score_weight is None:
            return False
        if not takes_sample_weight(scorer):  # asked once, not every epoch
            return True
        self._scorer_weights = {"sample_weight": self._score_weight}
        return False

    def evaluate(self, coefs, intercepts, activation):
        """The weighted loss (without the L2 term) and the score of the network.

        Returns
        -------
        loss : float
        score : float
            The scorer's value, or the head's default score; higher is better.
        """
        Z = host_logits(self.X, coefs, intercepts, activation, rows=self.rows)
        if self.scorer is None:
            score = self.head.score(Z, self.Y, self._score_weight)
        else:
            if self.rows is not None:  # a scorer takes the rows as an array: copied once
                self.X, self.rows = self.X[self.rows], None
            estimator = self.as_estimator(coefs, intercepts)
            score = float(self.scorer(estimator, self.X, self.labels, **self._scorer_weights))
        with np.errstate(over="ignore", invalid="ignore"):
            loss = self.head.loss(Z, self.Y, self.sample_weight)  # overwrites Z
        return loss, score


def split_validation(n_samples, validation_fraction, strata, sample_weight, seed):
    """Rows for training and for validation: a split stratified on ``strata``, if given.

    Parameters
    ----------
    n_samples : int
    validation_fraction : float
    strata : ndarray of shape (n_samples,) or None
        The class of each row, when every class must be in both parts.
    sample_weight : ndarray of shape (n_samples,) or None
    seed : int

    Returns
    -------
    train, val : ndarrays of row indices

    Raises
    ------
    ValueError
        When a part would lack a class, or hold only zero weights, or the validation
        part would hold a single sample.
    """
    fix = "Use more data, or a validation set of your own (X_val, y_val)"
    try:
        train, val = train_test_split(
            np.arange(n_samples), test_size=validation_fraction, stratify=strata, random_state=seed
        )
    except ValueError as error:
        parts, reason = "two parts", str(error)
        if strata is not None:
            parts = "two parts that both hold every class"
            labels, counts = np.unique(strata, return_counts=True)
            n_val = int(np.ceil(validation_fraction * n_samples))
            if (counts < 2).any():
                reason = f"the class(es) {labels[counts < 2].tolist()} have a single sample"
            elif n_val < len(labels):
                fix = f"Use a larger validation_fraction, at least {len(labels) / n_samples:.3g}"
            elif n_samples - n_val < len(labels):
                fix = "Use a smaller validation_fraction"
        raise ValueError(
            f"validation_fraction={validation_fraction} cannot split the training data into "
            f"{parts} ({reason}). {fix}."
        ) from error
    if len(val) < 2:  # R^2, for one, is not defined on a single sample
        raise ValueError(
            f"validation_fraction={validation_fraction} of {n_samples} samples leaves "
            f"{len(val)} to validate on, too few to score. {fix}, or a larger "
            "validation_fraction."
        )
    for part, rows in (("training", train), ("validation", val)):
        if strata is not None:
            missing = np.setdiff1d(np.unique(strata), np.unique(strata[rows]))
            if missing.size:
                raise ValueError(
                    f"validation_fraction={validation_fraction} leaves the {part} part "
                    f"without samples of the class(es) {missing.tolist()}. Use another "
                    "validation_fraction, more data, or a validation set of your own."
                )
        if sample_weight is not None and not sample_weight[rows].any():
            raise ValueError(
                f"validation_fraction={validation_fraction} leaves the {part} part with only "
                "zero sample_weight. Use another validation_fraction or random_state, or a "
                "validation set of your own (X_val, y_val)."
            )
    return train, val


def split_off_validation(X, Y, sample_weight, validation_fraction, head, seed):
    """Set ``validation_fraction`` of the training data aside as the validation set.

    ``sample_weight`` includes the class weights, and weighs the validation loss
    and score like the training cost. The split is stratified on the head's
    classes, if any.

    Neither part of ``X`` is copied: training gathers its batches from ``X`` by the
    indices of its rows, and the validation set a chunk of its rows at a time. A CSC
    matrix's validation rows are copied out once, since picking rows out of its
    columns costs a pass over all its entries.

    Returns
    -------
    train : ndarray of shape (n_train,)
        The rows of ``X`` that train, in their training order (32-bit where they fit).
    Y, sample_weight : arrays
        The training part's targets and weights: ``Y[i]`` is that of ``X[train[i]]``.
    validation : ValidationSet
    """
    train, val = split_validation(
        X.shape[0], validation_fraction, head.strata(Y), sample_weight, seed
    )
    weights = (None, None)
    if sample_weight is not None:
        weights = (sample_weight[train], sample_weight[val])
    if X.shape[0] <= np.iinfo(np.int32).max:
        train, val = train.astype(np.int32), val.astype(np.int32)
    if sparse.issparse(X) and X.format != "csr":
        validation = ValidationSet(X[val], Y[val], weights[1], head)
    else:
        validation = ValidationSet(X, Y[val], weights[1], head, rows=val)
    return train, Y[train], weights[0], validation


def takes_sample_weight(scorer):
    """Whether ``scorer`` can be called with ``sample_weight=``: scikit-learn's scorers
    can; a bare function ``scorer(estimator, X, y)`` cannot, and scores unweighted."""
    try:
        parameters = inspect.signature(scorer).parameters.values()
    except (TypeError, ValueError):  # no signature to read: assume scikit-learn's protocol
        return True
    return any(p.name == "sample_weight" or p.kind is p.VAR_KEYWORD for p in parameters)
