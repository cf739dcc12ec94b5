"""The validation set of a fit, and how each epoch is scored on it."""

import numpy as np

from ._losses import LOSSES
from ._network import predict_logits


class ValidationSet:
    """Validation data, already validated and encoded, with the score to record on it.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_val, n_features)
    Y : ndarray of shape (n_val, n_outputs)
        Encoded like the training targets.
    sample_weight : ndarray of shape (n_val,) or None
        The weights of the validation loss, class weights included.
    score_weight : ndarray of shape (n_val,) or None
        The weights of the score: the user's, without class weights, so that the
        score is the metric the user would compute on the same data.
    scorer : callable or None
        A scikit-learn scorer, ``scorer(estimator, X, y)``, given
        ``sample_weight=score_weight`` too when there are weights; None scores accuracy.
    labels : ndarray of shape (n_val,), optional
        The labels the scorer compares predictions with; needed with a scorer.
    as_estimator : callable, optional
        ``as_estimator(coefs, intercepts)`` returns an object the scorer can call
        (``predict``, ``predict_proba``, ...) on the network as it stands; needed
        with a scorer.
    """

    def __init__(
        self, X, Y, sample_weight, score_weight=None, scorer=None, labels=None, as_estimator=None
    ):
        self.X, self.Y, self.sample_weight, self.score_weight = X, Y, sample_weight, score_weight
        self.scorer, self.labels, self.as_estimator = scorer, labels, as_estimator

    def evaluate(self, coefs, intercepts, activation, output_activation):
        """The weighted cross-entropy (without the L2 term) and the score of the network.

        Returns
        -------
        loss : float
        score : float
            The scorer's value, or the accuracy without a scorer; higher is better.
        """
        Z = predict_logits(self.X, coefs, intercepts, activation)
        if self.scorer is None:
            if Z.shape[1] == 1:
                correct = (Z[:, 0] > 0) == (self.Y[:, 0] > 0.5)
            else:
                correct = Z.argmax(axis=1) == self.Y.argmax(axis=1)
            score = float(np.average(correct, weights=self.score_weight))
        else:
            weights = {} if self.score_weight is None else {"sample_weight": self.score_weight}
            estimator = self.as_estimator(coefs, intercepts)
            score = float(self.scorer(estimator, self.X, self.labels, **weights))
        with np.errstate(over="ignore", invalid="ignore"):
            loss = LOSSES[output_activation](Z, self.Y, self.sample_weight)  # overwrites Z
        return loss, score
