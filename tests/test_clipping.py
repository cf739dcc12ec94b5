"""Gradient clipping (``max_grad_norm``): against a hand computation of the step, and on
a run that diverges without it."""

import warnings

import numpy as np
import pytest
from _helpers import fit_quietly
from numpy.testing import assert_allclose
from sklearn.datasets import make_regression

from skdeepnn import DeepNNRegressor
from skdeepnn._network import clip_gradient, l2_norm


def test_clip_gradient_by_hand():
    g = np.array([3.0, 4.0])  # norm 5
    assert clip_gradient(g, 10.0) == 1.0 and g.tolist() == [3.0, 4.0]
    assert clip_gradient(g, 1.0) == pytest.approx(0.2)
    assert_allclose(g, [0.6, 0.8])
    big = np.full(4, 1e200)  # squares overflow: the norm does not
    assert l2_norm(big) == pytest.approx(2e200)
    clip_gradient(big, 2.0)
    assert_allclose(big, np.ones(4))
    g32 = np.full(4, 1e30, dtype=np.float32)
    clip_gradient(g32, 1.0)
    assert g32.dtype == np.float32
    assert_allclose(g32, 0.5, rtol=1e-6)


def _linear_gradient(X, y, w, b, alpha):
    """The half squared error's gradient of ``X w + b``, with the L2 term, by hand:
    dw = X^T (X w + b - y) / m + alpha / m w, db = mean(X w + b - y)."""
    m = len(y)
    r = X @ w + b - y
    return X.T @ r / m + alpha / m * w, np.array([r.mean()])


@pytest.mark.parametrize("max_grad_norm", [0.05, 1e6])
def test_one_sgd_step_is_w_minus_lr_g_min_1_c_over_norm(max_grad_norm):
    """A linear network (no hidden layer) on one batch: two steps from w = 0, b = mean(y)
    (the second with the L2 term's share), each w - lr g min(1, c / ||g||)."""
    X, y = make_regression(n_samples=20, n_features=3, noise=0.5, random_state=0)
    y = y / y.std()
    lr, alpha = 0.1, 0.3
    params = dict(hidden_layer_sizes=(), solver="sgd", learning_rate=lr, alpha=alpha,
                  max_iter=1, batch_size=20, shuffle=False, max_grad_norm=max_grad_norm,
                  warm_start=True, random_state=0)  # fmt: skip
    model = DeepNNRegressor(**params)
    w, b = np.zeros(3), np.array([np.mean(y)])
    for _ in range(2):
        fit_quietly(model, X, y)
        dw, db = _linear_gradient(X, y, w, b, alpha)
        norm = np.sqrt(dw @ dw + db @ db)
        factor = min(1.0, max_grad_norm / norm)
        w, b = w - lr * factor * dw, b - lr * factor * db
        assert_allclose(model.coefs_[0][:, 0], w, rtol=1e-10, atol=1e-12)
        assert_allclose(model.intercepts_[0], b, rtol=1e-10, atol=1e-12)
    if max_grad_norm < 1:
        assert factor < 1  # the clipped case did clip


def test_clipping_trains_a_run_that_diverges_without_it():
    """Unscaled inputs (10 times a standard scale) and sgd at learning_rate=0.1: the
    loss overflows within a few epochs; with the gradient clipped to norm 0.05 the same
    run trains."""
    X, y = make_regression(n_samples=400, n_features=5, noise=1.0, random_state=0)
    X, y = 10 * X, y / y.std()
    params = dict(hidden_layer_sizes=(20,), solver="sgd", learning_rate=0.1, max_iter=200,
                  random_state=0)  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with pytest.raises(ValueError, match="Training diverged"):
            DeepNNRegressor(**params).fit(X[:300], y[:300])
    clipped = fit_quietly(DeepNNRegressor(**params, max_grad_norm=0.05), X[:300], y[:300])
    assert np.isfinite(clipped.loss_curve_).all()
    assert clipped.score(X[300:], y[300:]) > 0.7


@pytest.mark.parametrize("value", [0, -1.0, np.inf])
def test_a_bad_max_grad_norm_is_named(value):
    X, y = make_regression(n_samples=30, n_features=2, random_state=0)
    with pytest.raises(ValueError, match="'max_grad_norm' parameter"):
        DeepNNRegressor(max_grad_norm=value).fit(X, y)


def test_a_max_grad_norm_of_the_wrong_type_is_named():
    X, y = make_regression(n_samples=30, n_features=2, random_state=0)
    with pytest.raises(TypeError, match="'max_grad_norm' parameter"):
        DeepNNRegressor(max_grad_norm="1").fit(X, y)
