"""Helpers shared by the test modules."""

import tracemalloc
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning


def fit_quietly(estimator, *args, **kwargs):
    """Fit ``estimator``, where stopping at ``max_iter`` is the test's intent, not a fault.

    Returns the fitted estimator.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(*args, **kwargs)


def fit_memory_per_row(make_model, n_features, n_classes, small, large):
    """Bytes a fit's peak memory beyond its data grows by, per row.

    The tracemalloc peaks of ``fit_quietly(make_model(), X, y)`` on ``small`` and on
    ``large`` random rows (float32, ``n_features`` wide, ``n_classes`` labels; X and y
    are made before tracing starts), after an untimed fit on 1,000 rows: a process's
    first calls allocate once (NumPy's caches, numba's kernels). Skips the test when
    tracemalloc is already tracing: ``start`` would not reset another's trace.
    """
    if tracemalloc.is_tracing():
        pytest.skip("tracemalloc is already tracing")
    rng = np.random.default_rng(0)

    def peak(m):
        X = rng.standard_normal((m, n_features), dtype=np.float32)
        y = rng.integers(0, n_classes, m)
        tracemalloc.start()
        try:
            fit_quietly(make_model(), X, y)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    peak(1_000)
    return (peak(large) - peak(small)) / (large - small)


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
