"""A network during training, seen as an estimator that scikit-learn's scorers can call.

Scoring the validation set after each epoch with ``scoring=`` needs an object with
``predict`` (and, for a classifier, ``predict_proba``, ``decision_function`` and
``classes_``). Its input is the validation set, already validated, so these views
predict straight from the core with the weights as they stand (not copied).
"""

from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin

from ._array_api import host_logits
from ._heads import MultilabelHead, RegressionHead


class _NetworkView(BaseEstimator):
    """The network ``(coefs, intercepts)`` with its hidden ``activation`` and output head.

    Parameters
    ----------
    coefs, intercepts : lists of L ndarrays
    activation : str
    head : output head
    """

    def __init__(self, coefs, intercepts, activation, head):
        self.coefs = coefs
        self.intercepts = intercepts
        self.activation = activation
        self.head = head

    def _logits(self, X):
        return host_logits(X, self.coefs, self.intercepts, self.activation)

    def predict(self, X):
        """The head's prediction from the network's logits on validated ``X``."""
        return self.head.predict(self._logits(X))


class ClassifierView(ClassifierMixin, _NetworkView):
    """A classifier's network as it stands, for a scorer."""

    def __init__(self, coefs, intercepts, activation, head):
        if isinstance(head, MultilabelHead):  # dense, as the labels scorers are given
            head = MultilabelHead(head.n_labels)
        super().__init__(coefs, intercepts, activation, head)
        self.classes_ = head.classes  # what scorers read

    def predict_proba(self, X):
        """The probability of each class (or label)."""
        return self.head.predict_proba(self._logits(X))

    def predict_log_proba(self, X):
        """The log of ``predict_proba``, always finite."""
        return self.head.predict_log_proba(self._logits(X))

    def decision_function(self, X):
        """The logits: one column for two classes (positive for ``classes_[1]``), else one
        per class (or label)."""
        return self.head.decision_function(self._logits(X))


class RegressorView(RegressorMixin, _NetworkView):
    """A regressor's network as it stands, for a scorer."""


def view_of(coefs, intercepts, *, head, activation):
    """The view of the network that suits ``head``: a classifier's or a regressor's."""
    kind = RegressorView if isinstance(head, RegressionHead) else ClassifierView
    return kind(coefs, intercepts, activation, head)
