"""DeepNNRegressor(loss="quantile"): the pinball loss against scikit-learn's
mean_pinball_loss and finite differences, the head's start, shapes, scores and
non-crossing, and the coverage of a 90% interval on data whose conditional quantiles
are known."""

import pickle
import warnings

import numpy as np
import pytest
from _helpers import fit_quietly
from numpy.testing import assert_allclose, assert_array_equal
from scipy.stats import norm
from sklearn.metrics import d2_pinball_score, mean_pinball_loss

import skdeepnn
from skdeepnn import DeepNNRegressor
from skdeepnn._heads import QuantileHead, weighted_quantile
from skdeepnn._losses import pinball_loss_and_gradient
from skdeepnn.utils import gradient_check

QUANTILES = np.array([0.05, 0.5, 0.95])


def heteroscedastic(n, seed):
    """y = x + (0.2 + 0.5 |x|) e, e ~ N(0, 1), x ~ U(-2, 2): the tau-quantile of y given
    x is x + (0.2 + 0.5 |x|) Phi^{-1}(tau)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2, 2, size=(n, 1))
    scale = 0.2 + 0.5 * np.abs(x[:, 0])
    return x, x[:, 0] + scale * rng.standard_normal(n), scale


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_pinball_loss_is_mean_pinball_loss_summed_over_the_outputs(weighted, dtype):
    rng = np.random.default_rng(0)
    Z, Y = rng.normal(size=(50, 3)), rng.normal(size=(50, 3))
    w = rng.uniform(0, 2, size=50) if weighted else None
    expected = sum(
        mean_pinball_loss(Y[:, k], Z[:, k], alpha=tau, sample_weight=w)
        for k, tau in enumerate(QUANTILES)
    )
    dZ = Z.astype(dtype)
    loss = pinball_loss_and_gradient(dZ, Y.astype(dtype), None if w is None else w.astype(dtype),
                                     quantiles=QUANTILES)  # fmt: skip
    assert loss == pytest.approx(expected, rel=1e-6 if dtype == np.float32 else 1e-12)
    # dZ[L] by hand: (1{z > y} - tau) w_i / sum(w)
    share = np.full(50, 1 / 50) if w is None else w / w.sum()
    assert_allclose(dZ, ((Z > Y) - QUANTILES) * share[:, None], rtol=1e-6)


def test_dz_is_the_loss_derivative_by_finite_differences():
    rng = np.random.default_rng(1)
    Z, Y = rng.normal(size=(20, 3)), rng.normal(size=(20, 3))  # no residual near 0
    w = rng.uniform(0.5, 2, size=20)
    dZ = Z.copy()
    pinball_loss_and_gradient(dZ, Y, w, quantiles=QUANTILES)
    eps = 1e-6
    for i, k in [(0, 0), (3, 1), (7, 2), (19, 0)]:
        plus, minus = Z.copy(), Z.copy()
        plus[i, k] += eps
        minus[i, k] -= eps
        up = pinball_loss_and_gradient(plus, Y, w, quantiles=QUANTILES)
        down = pinball_loss_and_gradient(minus, Y, w, quantiles=QUANTILES)
        numeric = (up - down) / (2 * eps)
        assert numeric == pytest.approx(dZ[i, k], rel=1e-5)


@pytest.mark.parametrize("quantile", [0.3, (0.1, 0.5, 0.9)])
@pytest.mark.parametrize("n_targets", [1, 2])
def test_the_gradient_check_covers_the_quantile_head(quantile, n_targets):
    """From the start (a bias at the weighted quantile, where residuals of 0 exist) one
    short fit moves every output off the targets; the data have no ties."""
    rng = np.random.default_rng(2)
    X = rng.normal(size=(30, 4))
    y = rng.normal(size=(30, n_targets)) if n_targets > 1 else rng.normal(size=30)
    w = rng.uniform(0.5, 2, size=30)
    model = DeepNNRegressor(loss="quantile", quantile=quantile, hidden_layer_sizes=(5,),
                            activation="tanh", alpha=0.1, max_iter=3, random_state=0)  # fmt: skip
    fit_quietly(model, X, y, sample_weight=w)
    residuals = np.asarray(model.predict(X)).reshape(30, n_targets, -1) - y.reshape(30, -1, 1)
    assert np.abs(residuals).min() > 1e-5  # away from the kink
    assert gradient_check(model, X, y, sample_weight=w) < 1e-7


def test_the_start_is_the_weighted_quantile():
    rng = np.random.default_rng(3)
    y = rng.normal(size=101)
    for tau in (0.05, 0.5, 0.95):
        assert weighted_quantile(y, None, tau) == np.quantile(y, tau, method="inverted_cdf")
    counts = rng.integers(0, 4, size=101)  # integer weights are repeated rows
    for tau in (0.1, 0.5, 0.9):
        expected = np.quantile(np.repeat(y, counts), tau, method="inverted_cdf")
        assert weighted_quantile(y, counts.astype(float), tau) == expected
    head = QuantileHead(2, QUANTILES, one_dimensional=False, quantile_axis=True)
    Y2 = np.c_[y, 3 * y]
    bias = head.initial_output_bias(head.encode(Y2, None, np.float64)[0])
    expected = [
        np.quantile(Y2[:, t], tau, method="inverted_cdf") for t in range(2) for tau in QUANTILES
    ]
    assert_allclose(bias, expected)


@pytest.mark.parametrize(
    "quantile, n_targets, shape",
    [(0.5, 0, (40,)), ((0.1, 0.9), 0, (40, 2)), (0.5, 3, (40, 3)), ((0.1, 0.5, 0.9), 3, (40, 3, 3)),
     ((0.7,), 0, (40, 1))],
)  # fmt: skip
def test_predictions_have_the_documented_shape(quantile, n_targets, shape):
    rng = np.random.default_rng(4)
    X = rng.normal(size=(40, 3))
    y = rng.normal(size=(40, n_targets)) if n_targets else rng.normal(size=40)
    model = fit_quietly(DeepNNRegressor(loss="quantile", quantile=quantile, max_iter=5), X, y)
    assert model.predict(X).shape == shape
    assert model.n_outputs_ == max(n_targets, 1) * np.size(quantile)
    assert_array_equal(model.quantiles_, np.atleast_1d(quantile))


def test_quantiles_never_cross():
    """Outputs forced to cross (the 0.05 unit's bias far above the 0.95 unit's): predict
    returns each row's outputs sorted."""
    X, y, _ = heteroscedastic(200, 0)
    model = fit_quietly(DeepNNRegressor(loss="quantile", quantile=QUANTILES, max_iter=5,
                                        random_state=0), X, y)  # fmt: skip
    model.intercepts_[-1] = model.intercepts_[-1] + np.array([10.0, 0.0, -10.0])
    raw = X @ model.coefs_[0]
    raw = np.maximum(raw + model.intercepts_[0], 0) @ model.coefs_[1] + model.intercepts_[1]
    assert (raw[:, 0] > raw[:, 2]).all()  # they cross
    predicted = model.predict(X)
    assert_allclose(predicted, np.sort(raw, axis=1))
    assert (np.diff(predicted, axis=1) >= 0).all()


def test_a_90_percent_interval_holds_about_90_percent_of_new_targets():
    X, y, _ = heteroscedastic(4000, 0)
    X_test, y_test, scale = heteroscedastic(10000, 1)
    # He's start (init="auto"'s before Glorot's), at which the figures below were measured:
    # from Glorot's the worst quantile's mean error was 0.1512, just over the bar.
    model = DeepNNRegressor(loss="quantile", quantile=QUANTILES, hidden_layer_sizes=(32, 32),
                            learning_rate=0.01, max_iter=100, random_state=0,
                            init="he")  # fmt: skip
    fit_quietly(model, X, y)
    low, median, high = model.predict(X_test).T
    coverage = np.mean((low <= y_test) & (y_test <= high))
    assert 0.87 <= coverage <= 0.93, coverage  # 0.903 at these seeds
    # Each quantile near the true conditional one, and the interval as wide as it is.
    true = X_test[:, 0, None] + scale[:, None] * norm.ppf(QUANTILES)
    assert np.mean(np.abs(model.predict(X_test) - true), axis=0).max() < 0.15
    assert np.corrcoef(high - low, scale)[0, 1] > 0.9


def test_the_score_is_d2_pinball_score():
    X, y, _ = heteroscedastic(300, 2)
    w = np.random.default_rng(0).uniform(0.5, 2, size=300)
    one = fit_quietly(
        DeepNNRegressor(loss="quantile", quantile=0.8, max_iter=20, random_state=0), X, y
    )
    assert one.score(X, y, w) == pytest.approx(d2_pinball_score(y, one.predict(X), alpha=0.8,
                                                                sample_weight=w))  # fmt: skip
    several = fit_quietly(DeepNNRegressor(loss="quantile", quantile=QUANTILES, max_iter=20,
                                          random_state=0), X, y)  # fmt: skip
    P = several.predict(X)
    expected = np.mean([d2_pinball_score(y, P[:, j], alpha=tau) for j, tau in enumerate(QUANTILES)])
    assert several.score(X, y) == pytest.approx(expected)


def test_early_stopping_monitors_the_validation_pinball_loss():
    X, y, _ = heteroscedastic(600, 3)
    X_val, y_val, _ = heteroscedastic(200, 4)
    model = fit_quietly(DeepNNRegressor(loss="quantile", quantile=0.8, early_stopping=True,
                                        learning_rate=0.01, max_iter=60, random_state=0),
                        X, y, X_val=X_val, y_val=y_val)  # fmt: skip
    assert model.best_loss_ == min(model.validation_loss_curve_)
    expected = mean_pinball_loss(y_val, model.predict(X_val), alpha=0.8)
    assert model.best_loss_ == pytest.approx(expected, rel=1e-9)
    assert model.validation_scores_[model.best_iteration_ - 1] == pytest.approx(
        d2_pinball_score(y_val, model.predict(X_val), alpha=0.8)
    )


@pytest.mark.parametrize(
    "quantile", [0.0, 1.0, -0.5, (0.5, 0.2), (), (0.1, 0.1), (0.2, np.nan), "0.5", True]
)
def test_bad_quantiles_are_named(quantile):
    X, y, _ = heteroscedastic(30, 0)
    with pytest.raises((ValueError, TypeError), match="'quantile' parameter"):
        DeepNNRegressor(loss="quantile", quantile=quantile).fit(X, y)


@pytest.mark.parametrize("quantile", [0.3, [0.1, 0.5, 0.9]])
def test_the_quantile_head_round_trips(quantile, tmp_path):
    X, y, _ = heteroscedastic(100, 5)
    Y = np.c_[y, -y]
    model = fit_quietly(DeepNNRegressor(loss="quantile", quantile=quantile, max_iter=5,
                                        random_state=0), X, Y)  # fmt: skip
    path = tmp_path / "model.npz"
    skdeepnn.save(model, path)
    for loaded in (skdeepnn.load(path), pickle.loads(pickle.dumps(model))):
        assert_array_equal(loaded.predict(X), model.predict(X))
        assert_array_equal(loaded.quantiles_, model.quantiles_)
        assert loaded._quantile_axis == model._quantile_axis
        assert np.asarray(loaded.get_params()["quantile"]).tolist() == quantile
        assert loaded.score(X, Y) == model.score(X, Y)
    # Training goes on from the loaded model.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        skdeepnn.load(path).partial_fit(X, Y)


def test_a_refit_without_quantiles_forgets_them():
    X, y, _ = heteroscedastic(60, 6)
    model = fit_quietly(DeepNNRegressor(loss="quantile", quantile=[0.2, 0.8], max_iter=3), X, y)
    fit_quietly(model.set_params(loss="squared_error"), X, y)
    assert model.quantiles_ is None and model.predict(X).shape == (60,)
