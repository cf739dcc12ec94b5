"""Helpers shared by the test modules."""

import warnings

from sklearn.exceptions import ConvergenceWarning


def fit_quietly(estimator, *args, **kwargs):
    """Fit ``estimator``, where stopping at ``max_iter`` is the test's intent, not a fault.

    Returns the fitted estimator.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(*args, **kwargs)
