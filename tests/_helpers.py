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




def patch_training_step(monkeypatch, replacement):
    """Put ``replacement(real, *args, **kwargs)`` in place of the NumPy network's
    ``cost_and_gradient``, which every training step (and L-BFGS evaluation) calls."""
    from skdeepnn._network import Network

    real = Network.cost_and_gradient

    def patched(self, *args, **kwargs):
        return replacement(lambda: real(self, *args, **kwargs))

    monkeypatch.setattr(Network, "cost_and_gradient", patched)


def interrupt_after(monkeypatch, n_batches):
    """Press Ctrl-C during training: the batch after the first ``n_batches`` raises
    KeyboardInterrupt from inside its cost computation."""
    calls = {"n": 0}

    def interrupted(step):
        calls["n"] += 1
        if calls["n"] > n_batches:
            raise KeyboardInterrupt
        return step()

    patch_training_step(monkeypatch, interrupted)


def reference_network(coefs, intercepts, activation, loss, alpha=0.0, **options):
    """The core's NumPy network over copies of ``(coefs, intercepts)``.

    ``loss``: an output activation ("sigmoid", "softmax", "identity", "exp"), whose
    matched loss it trains on, or a loss function. ``options``: ``n_rows`` (required:
    the most rows of a batch, which its buffers hold), ``batch_norm`` (a ``BatchNorm``,
    whose parameters become views of the packed vector), ``keep_probs``,
    ``fits_intercepts``.
    """
    from skdeepnn._losses import LOSSES
    from skdeepnn._network import Layout, NumpyBackend, Parameters

    batch_norm = options.get("batch_norm")
    layout = Layout(
        hidden_sizes=tuple(W.shape[1] for W in coefs[:-1]),
        activation=activation,
        fits_intercepts=options.get("fits_intercepts", True),
        keep_probs=options.get("keep_probs"),
        batch_norm_momentum=None if batch_norm is None else batch_norm.momentum,
    )
    parameters = Parameters(
        list(coefs), list(intercepts), batch_norm, layout.fits_intercepts, coefs[0].dtype
    )
    loss = LOSSES[loss] if isinstance(loss, str) else loss
    return NumpyBackend().network(parameters, layout, loss, alpha, options["n_rows"])


def cost_and_gradients(X, Y, coefs, intercepts, activation, loss, alpha, sample_weight=None,
                       **options):
    """The cost of one batch through ``reference_network``, and copies of its gradient:
    ``(cost, (dW, db))``, shaped like ``coefs`` and ``intercepts`` (``db[l]`` None for
    a bias that is not trained). ``options`` as ``reference_network``'s, and ``rng``
    for dropout's masks."""
    rng = options.pop("rng", None)
    options.setdefault("n_rows", X.shape[0])
    network = reference_network(coefs, intercepts, activation, loss, alpha, **options)
    cost = network.cost_and_gradient(X, Y, sample_weight, rng)
    dW = [g.copy() for g in network.parameters.dW]
    db = [None if g is None else g.copy() for g in network.parameters.db]
    return cost, (dW, db)


def forward_propagation(X, coefs, intercepts, activation, **options):
    """The caches of one forward pass: ``[X, A[1], ..., A[L-1], Z[L]]`` (``options`` as
    ``reference_network``'s, and ``sample_weight`` for batch norm's statistics)."""
    from skdeepnn._layers import Linear

    sample_weight = options.pop("sample_weight", None)
    options.setdefault("n_rows", X.shape[0])
    network = reference_network(coefs, intercepts, activation, "identity", **options)
    Z = network.forward_propagation(X, sample_weight)
    return [layer.A_prev for layer in network.layers if isinstance(layer, Linear)] + [Z]
