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


def interrupt_after(monkeypatch, n_batches):
    """Press Ctrl-C during training: the batch after the first ``n_batches`` raises
    KeyboardInterrupt from inside its cost computation."""
    import skdeepnn._training

    real = skdeepnn._training.cost_and_gradients
    calls = {"n": 0}

    def interrupted(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] > n_batches:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(skdeepnn._training, "cost_and_gradients", interrupted)
