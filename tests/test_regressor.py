"""DeepNNRegressor: against scikit-learn's MLPRegressor and PoissonRegressor, the Huber
loss, multi-output gradients, the training options, and bad input."""

import warnings

import numpy as np
import pytest
import sklearn
from _helpers import cost_and_gradients, fit_quietly, interrupt_after, patch_training_step
from scipy import sparse
from sklearn.datasets import load_diabetes, make_regression
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.linear_model import PoissonRegressor
from sklearn.metrics import r2_score
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skdeepnn import DeepNNRegressor
from skdeepnn.utils import gradient_check

LOSSES = ("squared_error", "huber", "poisson")
SOLVERS = ("gd", "sgd", "momentum", "rmsprop", "adam", "lbfgs")


@pytest.fixture(scope="module")
def data():
    """200 samples of a linear truth with noise; ``y`` standardized."""
    X, y = make_regression(n_samples=200, n_features=6, n_informative=4, noise=10.0, random_state=0)
    return X, (y - y.mean()) / y.std()


@pytest.fixture(scope="module")
def three_outputs():
    """A small set with three real targets, the last non-negative."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 5))
    Y = np.c_[X[:, 0] - 2 * X[:, 1], np.sin(X[:, 2]) + X[:, 3] * X[:, 4], np.exp(X[:, 0] / 2)]
    return X, Y + 0.1 * rng.normal(size=Y.shape)


def small_net(**params):
    defaults = dict(hidden_layer_sizes=(8,), learning_rate=0.01, max_iter=20, random_state=0)
    return DeepNNRegressor(**{**defaults, **params})


def linear_model(**params):
    """No hidden layer: a linear model (a GLM with loss="poisson"), fitted to high precision."""
    defaults = dict(
        hidden_layer_sizes=(), solver="lbfgs", alpha=0.0, tol=1e-10, max_iter=10_000, random_state=0
    )
    return DeepNNRegressor(**{**defaults, **params})


# -- against MLPRegressor -------------------------------------------------------------------


def test_diabetes_test_r2_is_at_least_mlpregressors():
    """The same architecture and training settings (both libraries' defaults for the
    rate, L2 strength and batch size), three seeds each, on standardized X and y."""
    X, y = load_diabetes(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    x_scaler = StandardScaler().fit(X_train)
    y_scaler = StandardScaler().fit(y_train[:, None])
    X_train, X_test = x_scaler.transform(X_train), x_scaler.transform(X_test)
    y_train = y_scaler.transform(y_train[:, None]).ravel()
    y_test = y_scaler.transform(y_test[:, None]).ravel()
    same = dict(hidden_layer_sizes=(64,), alpha=1e-4, batch_size=200, max_iter=200)
    ours, theirs = [], []
    for seed in range(3):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            net = DeepNNRegressor(solver="adam", learning_rate=1e-3, random_state=seed, **same)
            mlp = MLPRegressor(
                solver="adam",
                learning_rate_init=1e-3,
                early_stopping=False,
                random_state=seed,
                **same,
            )
            ours.append(net.fit(X_train, y_train).score(X_test, y_test))
            theirs.append(mlp.fit(X_train, y_train).score(X_test, y_test))
    assert np.mean(ours) >= np.mean(theirs), (
        f"test R²: skdeepnn {np.round(ours, 4)} (mean {np.mean(ours):.4f}), "
        f"MLPRegressor {np.round(theirs, 4)} (mean {np.mean(theirs):.4f})"
    )


# -- Poisson: a GLM with a log link -------------------------------------------------------


@pytest.fixture(scope="module")
def counts():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 4))
    y = rng.poisson(np.exp(X @ np.array([0.5, -0.3, 0.2, 0.0]) + 0.3)).astype(float)
    return X, y, rng.uniform(0.5, 2.0, size=len(y))


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("a", [0.0, 0.01, 0.1])
def test_poisson_without_hidden_layers_is_sklearns_poisson_regressor(a, weighted, counts):
    """Our cost is the (weighted) mean half deviance + alpha / (2 m) ||W||^2 with m the
    sum of the weights; PoissonRegressor's is the same mean + a / 2 ||w||^2. So our
    alpha = a * m gives PoissonRegressor(alpha=a)'s optimum."""
    X, y, weights = counts
    sample_weight = weights if weighted else None
    m = len(y) if sample_weight is None else weights.sum()
    ours = linear_model(loss="poisson", alpha=a * m).fit(X, y, sample_weight=sample_weight)
    for solver in ("lbfgs", "newton-cholesky"):
        reference = PoissonRegressor(alpha=a, solver=solver, tol=1e-12, max_iter=10_000)
        reference.fit(X, y, sample_weight=sample_weight)
        # atol: SciPy's relative-reduction test stops L-BFGS near 1e-5 whatever tol
        # is (see test_lbfgs_honours_a_small_tol).
        np.testing.assert_allclose(ours.coefs_[0][:, 0], reference.coef_, rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(ours.intercepts_[0][0], reference.intercept_, rtol=1e-4)
        np.testing.assert_allclose(ours.predict(X), reference.predict(X), rtol=1e-4)
    assert ours.out_activation_ == "exp"
    assert ours.predict(X).shape == (len(y),)


def test_poisson_loss_is_half_the_mean_poisson_deviance(counts):
    """The training and validation losses, against scikit-learn's mean_poisson_deviance."""
    from sklearn.metrics import mean_poisson_deviance

    X, y, _ = counts
    X_train, X_val, y_train, y_val = train_test_split(X, y, random_state=0)
    net = fit_quietly(
        small_net(loss="poisson", alpha=0.0, solver="gd", max_iter=5, tol=0),
        X_train,
        y_train,
        X_val=X_val,
        y_val=y_val,
    )
    assert net.validation_loss_curve_[-1] == pytest.approx(
        mean_poisson_deviance(y_val, net.predict(X_val)) / 2, rel=1e-10
    )
    assert net.validation_scores_[-1] == pytest.approx(
        r2_score(y_val, net.predict(X_val)), rel=1e-10
    )


# -- Huber -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def outliers():
    """y = 2 x + 0.5 + noise, with 6 of 300 targets 30 too low, at the largest x."""
    rng = np.random.default_rng(0)
    x = rng.uniform(-2, 2, size=300)
    y = 2.0 * x + 0.5 + rng.normal(scale=0.3, size=300)
    y[np.argsort(x)[-6:]] -= 30
    return x[:, None], y


def test_huber_recovers_the_slope_that_outliers_pull_the_squared_error_from(outliers):
    X, y = outliers
    huber = linear_model(loss="huber").fit(X, y)
    squared = linear_model(loss="squared_error").fit(X, y)
    huber_error = abs(huber.coefs_[0][0, 0] - 2.0)
    squared_error = abs(squared.coefs_[0][0, 0] - 2.0)
    assert huber_error < 0.1 and squared_error > 0.5, (huber_error, squared_error)
    # The squared error's optimum is least squares.
    slope, intercept = np.polyfit(X[:, 0], y, 1)
    np.testing.assert_allclose(squared.coefs_[0][0, 0], slope, rtol=1e-6)
    np.testing.assert_allclose(squared.intercepts_[0][0], intercept, rtol=1e-6)


def test_huber_optimum_matches_a_direct_minimization_of_the_huber_cost(outliers):
    """The Huber cost written out here, minimized by SciPy, independently of skdeepnn."""
    from scipy.optimize import minimize

    X, y = outliers
    delta = 0.5

    def cost(theta):
        r = theta[0] * X[:, 0] + theta[1] - y
        a = np.abs(r)
        return np.mean(np.where(a <= delta, r**2 / 2, delta * (a - delta / 2)))

    reference = minimize(
        cost,
        np.zeros(2),
        method="Nelder-Mead",
        options=dict(xatol=1e-10, fatol=1e-14, maxiter=10_000),
    )
    ours = linear_model(loss="huber", huber_delta=delta).fit(X, y)
    np.testing.assert_allclose(
        [ours.coefs_[0][0, 0], ours.intercepts_[0][0]], reference.x, rtol=1e-6
    )


def test_huber_with_a_huge_delta_is_the_squared_error(outliers):
    X, y = outliers
    huber = linear_model(loss="huber", huber_delta=1e6).fit(X, y)
    squared = linear_model(loss="squared_error").fit(X, y)
    np.testing.assert_allclose(huber.coefs_[0], squared.coefs_[0], rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(huber.intercepts_[0], squared.intercepts_[0], rtol=1e-6, atol=1e-6)
    # And on a network: the same start, the same steps.
    params = dict(hidden_layer_sizes=(6,), solver="adam", max_iter=5, tol=0, random_state=0)
    huber = fit_quietly(DeepNNRegressor(loss="huber", huber_delta=1e6, **params), X, y)
    squared = fit_quietly(DeepNNRegressor(**params), X, y)
    np.testing.assert_allclose(huber.loss_curve_, squared.loss_curve_, rtol=1e-10)
    np.testing.assert_allclose(huber.predict(X), squared.predict(X), rtol=1e-10)


# -- gradients, with several outputs ---------------------------------------------------------


@pytest.mark.parametrize(
    "options",
    [{}, {"sample_weight": True}, {"alpha": 0.5}, {"batch_norm": True}],
    ids=["plain", "sample_weight", "alpha", "batch_norm"],
)
@pytest.mark.parametrize("loss", LOSSES)
def test_gradient_check_with_three_outputs(loss, options):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(20, 4))
    Y = rng.normal(size=(20, 3))
    if loss == "poisson":
        Y = rng.poisson(2.0, size=(20, 3)).astype(float)
    params = {key: value for key, value in options.items() if key != "sample_weight"}
    net = DeepNNRegressor(
        loss=loss, hidden_layer_sizes=(5,), activation="tanh", random_state=0, **params
    )
    sample_weight = rng.uniform(0.1, 3.0, size=20) if "sample_weight" in options else None
    assert gradient_check(net, X, Y, sample_weight=sample_weight) < 1e-7


@pytest.mark.parametrize("loss", LOSSES)
def test_gradient_check_at_fitted_parameters(loss, three_outputs):
    X, Y = three_outputs
    if loss == "poisson":
        Y = np.abs(Y)
    net = fit_quietly(
        small_net(loss=loss, hidden_layer_sizes=(5,), activation="tanh", alpha=0.1), X, Y
    )
    assert gradient_check(net, X[:30], Y[:30]) < 1e-7


def test_lbfgs_converges_with_three_outputs(three_outputs):
    """scikit-learn issue 8349: MLPRegressor's multi-output loss is averaged over the
    outputs but its gradient is not, which misleads L-BFGS's line search. Here the cost
    and its gradient are both summed over the outputs: L-BFGS converges to a point where
    the gradient's largest entry is below tol (SciPy's gtol)."""
    X, Y = three_outputs
    X, Y = X[:60, :3], np.c_[X[:60, 0] - 2 * X[:60, 1], np.sin(X[:60, 2]), X[:60, 1] * X[:60, 2]]
    alpha, tol = 1e-3, 1e-4
    net = DeepNNRegressor(
        hidden_layer_sizes=(10,),
        activation="tanh",
        solver="lbfgs",
        alpha=alpha,
        tol=tol,
        max_iter=5000,
        max_fun=50_000,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        net.fit(X, Y)
    cost, (dW, db) = cost_and_gradients(
        X, Y, net.coefs_, net.intercepts_, "tanh", "identity", alpha
    )
    gradient = np.concatenate([g.ravel() for g in dW + db])
    assert np.abs(gradient).max() <= tol
    assert cost == pytest.approx(net.loss_, rel=1e-10)
    assert net.score(X, Y) > 0.98
    # The cost is the sum of each output's half mean squared error, plus the L2 term.
    residual = net.predict(X) - Y
    l2 = alpha / (2 * len(X)) * sum(np.sum(W**2) for W in net.coefs_)
    assert cost == pytest.approx(0.5 * np.mean(np.sum(residual**2, axis=1)) + l2, rel=1e-12)


def test_lbfgs_honours_a_small_tol(counts):
    """tol is documented as the gradient norm at which L-BFGS stops (SciPy's gtol, a
    maximum over the entries). On this convex problem it can be reached."""
    X, y, _ = counts
    tol = 1e-8
    net = linear_model(loss="poisson", tol=tol).fit(X, y)
    cost, (dW, db) = cost_and_gradients(
        X, y[:, None], net.coefs_, net.intercepts_, "identity", "exp", 0.0
    )
    gradient = np.concatenate([g.ravel() for g in dW + db])
    assert np.abs(gradient).max() <= tol


# -- the training options work for the regressor --------------------------------------------

LEARNING_RATES = {"gd": 0.1, "sgd": 0.01, "momentum": 0.01, "rmsprop": 0.001, "adam": 0.01}


@pytest.mark.parametrize("solver", SOLVERS)
def test_every_solver_fits(solver, data):
    X, y = data
    net = fit_quietly(
        small_net(
            solver=solver,
            learning_rate=LEARNING_RATES.get(solver, 0.001),
            batch_size=32,
            max_iter=100,
        ),
        X,
        y,
    )
    predicted = net.predict(X)
    assert predicted.shape == y.shape and np.isfinite(predicted).all()
    assert r2_score(y, predicted) > 0.8
    assert net.n_iter_ == len(net.loss_curve_) >= 1


def test_dropout(data):
    X, y = data
    net = fit_quietly(small_net(hidden_layer_sizes=(32,), dropout=0.2, max_iter=50), X, y)
    predicted = net.predict(X)
    np.testing.assert_array_equal(net.predict(X), predicted)  # no dropout in predict
    assert np.isfinite(predicted).all() and r2_score(y, predicted) > 0.8


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_batch_norm(solver, data):
    X, y = data
    net = fit_quietly(small_net(batch_norm=True, solver=solver, batch_size=32, max_iter=50), X, y)
    predicted = net.predict(X)
    assert np.isfinite(predicted).all() and r2_score(y, predicted) > 0.8
    # Prediction normalizes with the running statistics: a row alone predicts the same.
    np.testing.assert_allclose(net.predict(X[:1]), predicted[:1], rtol=1e-12)
    assert len(net.gammas_) == 1 and net.gammas_[0].shape == (8,)


SCHEDULES = {
    "constant": lambda t: 0.1,
    "invscaling": lambda t: 0.1 / (t + 1) ** 0.25,
    "inverse_time": lambda t: 0.1 / (1 + 0.5 * t),
    "exponential": lambda t: 0.1 * 0.9**t,
    "step": lambda t: 0.1 / (1 + 0.5 * (t // 4)),
}


@pytest.mark.parametrize("schedule", sorted(SCHEDULES))
def test_learning_rate_follows_the_schedule(schedule, data):
    net = fit_quietly(
        small_net(
            solver="gd",
            learning_rate=0.1,
            max_iter=12,
            tol=0,
            lr_schedule=schedule,
            decay_rate=0.9 if schedule == "exponential" else 0.5,
            decay_steps=4,
            power_t=0.25,
        ),
        *data,
    )
    expected = [SCHEDULES[schedule](t) for t in range(12)]
    np.testing.assert_allclose(net.learning_rate_curve_, expected, rtol=1e-12)
    assert net.loss_curve_[-1] < net.loss_curve_[0]


def test_adaptive_schedule_divides_by_five_when_the_loss_stalls(data):
    net = small_net(
        learning_rate=1e-3, lr_schedule="adaptive", tol=10.0, n_iter_no_change=2, max_iter=1000
    ).fit(*data)
    rates = np.array(net.learning_rate_curve_)
    expected = 1e-3 / 5.0 ** (np.maximum(np.arange(len(rates)) - 1, 0) // 2)
    np.testing.assert_allclose(rates, expected, rtol=1e-12)
    assert rates[-1] <= 1e-6 < rates[-3]


@pytest.fixture(scope="module")
def split(data):
    """``X_train, X_val, y_train, y_val`` of ``data``."""
    X, y = data
    return train_test_split(X, y, test_size=0.3, random_state=0)


def overfitting_net(**params):
    defaults = dict(
        hidden_layer_sizes=(128, 128),
        learning_rate=0.01,
        batch_size=16,
        max_iter=200,
        n_iter_no_change=5,
        random_state=0,
    )
    return DeepNNRegressor(**{**defaults, **params})


def test_early_stopping_on_the_validation_loss(split):
    X_train, X_val, y_train, y_val = split
    net = overfitting_net(early_stopping=True, alpha=0.0).fit(
        X_train, y_train, X_val=X_val, y_val=y_val
    )
    curve = net.validation_loss_curve_
    assert net.n_iter_ < 200 and len(curve) == net.n_iter_
    assert net.best_iteration_ == int(np.argmin(curve)) + 1 <= net.n_iter_
    # The kept model is the best epoch's: its half mean squared error on X_val.
    kept = 0.5 * np.mean((net.predict(X_val) - y_val) ** 2)
    assert kept == pytest.approx(min(curve), rel=1e-10)
    assert net.best_loss_ == pytest.approx(min(curve), rel=1e-12)
    # The default score of a validation set is R².
    assert net.validation_scores_[net.best_iteration_ - 1] == pytest.approx(
        r2_score(y_val, net.predict(X_val)), rel=1e-10
    )


def test_early_stopping_on_r2(split):
    X_train, X_val, y_train, y_val = split
    net = overfitting_net(early_stopping=True, scoring="r2").fit(
        X_train, y_train, X_val=X_val, y_val=y_val
    )
    assert net.n_iter_ < 200
    assert net.best_iteration_ == int(np.argmax(net.validation_scores_)) + 1
    assert net.best_validation_score_ == pytest.approx(
        r2_score(y_val, net.predict(X_val)), rel=1e-10
    )
    assert net.best_validation_score_ == max(net.validation_scores_)


def test_early_stopping_without_x_val_splits_the_training_data(data):
    X, y = data
    net = overfitting_net(early_stopping=True, validation_fraction=0.2).fit(X, y)
    assert len(net.validation_loss_curve_) == net.n_iter_ < 200
    assert net.best_loss_ == pytest.approx(min(net.validation_loss_curve_))


def test_x_val_is_transformed_by_the_pipeline(split):
    X_train, X_val, y_train, y_val = split
    X_train, X_val = X_train * 50 + 7, X_val * 50 + 7  # unscaled inputs
    params = dict(early_stopping=True, scoring="r2", max_iter=30)
    with sklearn.config_context(enable_metadata_routing=True):
        pipeline = Pipeline(
            [
                ("scale", StandardScaler()),
                ("net", overfitting_net(**params).set_fit_request(X_val=True, y_val=True)),
            ],
            transform_input=["X_val"],
        ).fit(X_train, y_train, X_val=X_val, y_val=y_val)
    scaler = StandardScaler().fit(X_train)
    direct = overfitting_net(**params).fit(
        scaler.transform(X_train), y_train, X_val=scaler.transform(X_val), y_val=y_val
    )
    np.testing.assert_allclose(
        pipeline[-1].validation_loss_curve_, direct.validation_loss_curve_, rtol=1e-10
    )
    assert pipeline[-1].best_validation_score_ == pytest.approx(
        r2_score(y_val, pipeline.predict(X_val)), rel=1e-10
    )


def test_partial_fit_over_chunks(data):
    X, y = data
    net = small_net(learning_rate=0.01, batch_size=20)
    for _ in range(5):
        for X_chunk, y_chunk in zip(np.array_split(X, 4), np.array_split(y, 4), strict=True):
            net.partial_fit(X_chunk, y_chunk)
    assert net.n_iter_ == 20 == len(net.loss_curve_)
    assert net.loss_curve_[-1] < net.loss_curve_[0] / 2
    assert net.score(X, y) > 0.8


def test_partial_fit_is_one_epoch_of_fit(data):
    X, y = data
    params = dict(batch_size=40, shuffle=False)
    two_epochs = fit_quietly(small_net(max_iter=2, tol=0, **params), X, y)
    incremental = small_net(**params)
    incremental.partial_fit(X, y)
    incremental.partial_fit(X, y)
    np.testing.assert_allclose(incremental.coefs_[0], two_epochs.coefs_[0], rtol=1e-10)
    np.testing.assert_allclose(incremental.loss_curve_, two_epochs.loss_curve_, rtol=1e-10)


def test_warm_start_continues(data):
    X, y = data
    params = dict(batch_size=50, shuffle=False, tol=0)
    straight = fit_quietly(small_net(max_iter=10, **params), X, y)
    warm = small_net(max_iter=5, warm_start=True, **params)
    fit_quietly(warm, X, y)
    first_loss = warm.loss_
    fit_quietly(warm, X, y)
    assert warm.n_iter_ == 10 == len(warm.loss_curve_)
    assert warm.loss_ < first_loss
    np.testing.assert_allclose(warm.coefs_[0], straight.coefs_[0], rtol=1e-10)
    np.testing.assert_allclose(warm.loss_curve_, straight.loss_curve_, rtol=1e-10)


@pytest.mark.parametrize("solver", ["lbfgs", "gd"])
@pytest.mark.parametrize("n_outputs", [1, 3])
def test_integer_sample_weights_equal_repeated_rows(solver, n_outputs, three_outputs):
    X, Y = three_outputs
    Y = Y[:, 0] if n_outputs == 1 else Y
    weights = np.random.default_rng(0).integers(0, 4, size=len(X))
    params = dict(
        hidden_layer_sizes=(6,),
        activation="tanh",
        solver=solver,
        learning_rate=0.05,
        alpha=0.01,
        shuffle=False,
        max_iter=30,
        tol=0,
        random_state=0,
    )
    weighted = fit_quietly(DeepNNRegressor(**params), X, Y, sample_weight=weights)
    repeated = fit_quietly(
        DeepNNRegressor(**params), np.repeat(X, weights, axis=0), np.repeat(Y, weights, axis=0)
    )
    for W_weighted, W_repeated in zip(weighted.coefs_, repeated.coefs_, strict=True):
        np.testing.assert_allclose(W_weighted, W_repeated, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(weighted.loss_curve_, repeated.loss_curve_, rtol=1e-8)


@pytest.mark.parametrize("to_sparse", [sparse.csr_matrix, sparse.csc_matrix])
@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_sparse_x_gives_the_dense_model(to_sparse, solver, data):
    X, y = data
    X = np.where(np.abs(X) < 1.0, 0.0, X)  # about two thirds zeros
    params = dict(solver=solver, batch_size=32, max_iter=5)
    dense = fit_quietly(small_net(**params), X, y)
    from_sparse = fit_quietly(small_net(**params), to_sparse(X), y)
    for W_dense, W_sparse in zip(dense.coefs_, from_sparse.coefs_, strict=True):
        np.testing.assert_allclose(W_sparse, W_dense, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(from_sparse.predict(to_sparse(X)), dense.predict(X), rtol=1e-9)


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_predictions_keep_the_float_dtype_of_x(dtype, loss, data):
    X, y = data
    y = np.abs(y) if loss == "poisson" else y
    net = fit_quietly(small_net(loss=loss, max_iter=5), X.astype(dtype), y)
    assert net.coefs_[0].dtype == dtype
    assert net.predict(X.astype(dtype)).dtype == dtype
    assert net.predict(sparse.csr_matrix(X.astype(dtype))).dtype == dtype


@pytest.mark.parametrize("shape", [(200,), (200, 1), (200, 3)], ids=["1-D", "column", "3"])
def test_predictions_have_the_shape_y_had(shape, data):
    X, y = data
    Y = np.tile(y, (3, 1)).T[:, : shape[1]] if len(shape) == 2 else y
    net = fit_quietly(small_net(max_iter=3), X, Y)
    assert net.predict(X).shape == shape
    assert net.n_outputs_ == (1 if len(shape) == 1 else shape[1])
    assert net.coefs_[-1].shape == (8, net.n_outputs_)


def test_a_diverging_learning_rate_is_an_error(data):
    X, y = data
    net = small_net(solver="sgd", learning_rate=1e3, batch_size=20, max_iter=50)
    with pytest.raises(ValueError, match="diverged"):
        net.fit(X * 100, y)
    with pytest.raises(NotFittedError):
        net.predict(X)


def test_scoring_monitor_logs_one_row_per_epoch(data):
    callback = pytest.importorskip("sklearn.callback", reason="scikit-learn < 1.9 has no callbacks")
    X, y = data
    monitor = callback.ScoringMonitor(scoring="r2")
    net = fit_quietly(small_net(max_iter=6, tol=0).set_callbacks(monitor), X, y)
    epochs = [row for row in monitor.get_logs().data if row["task_name"] == "epoch"]
    assert len(epochs) == net.n_iter_ == 6
    assert epochs[-1]["r2"] == pytest.approx(r2_score(y, net.predict(X)))


def test_keyboard_interrupt_keeps_a_usable_model(data, monkeypatch):
    X, y = data
    interrupt_after(monkeypatch, 22)
    net = small_net(batch_size=50, max_iter=100)
    with pytest.warns(UserWarning, match=r"interrupted \(KeyboardInterrupt\) during iteration 6"):
        net.fit(X, y)
    # 4 batches an epoch: 5 whole epochs, then 2 batches of the sixth, which trained
    # the weights but is not recorded (issue 22): every curve counts 5 epochs.
    assert net.n_iter_ == 5 == len(net.loss_curve_) == len(net.learning_rate_curve_)
    assert np.isfinite(net.predict(X)).all()


def test_set_params_after_fit_does_not_change_the_fitted_link(counts):
    X, y, _ = counts
    net = fit_quietly(small_net(loss="poisson", max_iter=5), X, y)
    predicted = net.predict(X)
    assert (predicted > 0).all()
    net.set_params(loss="huber")
    np.testing.assert_array_equal(net.predict(X), predicted)


# -- bad input -----------------------------------------------------------------------------


def no_training(monkeypatch):
    """Make any training step fail the test: the error must come before training."""

    def training_started(step):
        raise AssertionError("training started")

    patch_training_step(monkeypatch, training_started)


def bad_targets(X, y):
    y_nan, y_inf = y.copy(), y.copy()
    y_nan[3], y_inf[5] = np.nan, np.inf
    return {
        "3-D": (np.stack([y[:, None], y[:, None]], axis=2), {}, "y has 3 dimensions"),
        "NaN": (y_nan, {}, "y contains NaN"),
        "inf": (y_inf, {}, "y contains infinity"),
        "str": (np.array(["a", "b"] * (len(y) // 2)), {}, "must be numeric"),
        "negative-poisson": (y - y.min() - 1, {"loss": "poisson"}, "must be non-negative"),
        "sparse": (sparse.csr_matrix(np.c_[y, y]), {}, "dense y"),
    }


@pytest.mark.parametrize("case", ["3-D", "NaN", "inf", "str", "negative-poisson", "sparse"])
@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_bad_targets_are_refused_before_training(case, method, data, monkeypatch):
    X, y = data
    y_bad, params, message = bad_targets(X, y)[case]
    X_before = X.copy()
    y_before = y_bad.copy()
    no_training(monkeypatch)
    net = small_net(**params)
    with pytest.raises(ValueError, match=message):
        getattr(net, method)(X, y_bad)
    with pytest.raises(NotFittedError):
        net.predict(X)
    np.testing.assert_array_equal(X, X_before)
    if sparse.issparse(y_bad):
        np.testing.assert_array_equal(y_bad.toarray(), y_before.toarray())
    else:
        np.testing.assert_array_equal(y_bad, y_before)


@pytest.mark.parametrize("first, second", [(1, 3), (3, 1), (3, 2)])
def test_partial_fit_refuses_another_number_of_outputs(first, second, three_outputs, monkeypatch):
    X, Y = three_outputs
    net = small_net()
    net.partial_fit(X, Y[:, 0] if first == 1 else Y[:, :first])
    coefs = [W.copy() for W in net.coefs_]
    Y_second = Y[:, 0] if second == 1 else Y[:, :second].copy()
    Y_before = Y_second.copy()
    no_training(monkeypatch)
    with pytest.raises(ValueError, match=f"y has {second} outputs.*fitted on {first}"):
        net.partial_fit(X, Y_second)
    np.testing.assert_array_equal(Y_second, Y_before)
    assert net.n_iter_ == 1 and net.n_outputs_ == first
    for W, W_before in zip(net.coefs_, coefs, strict=True):
        np.testing.assert_array_equal(W, W_before)


def test_negative_y_val_with_poisson_is_refused(counts, monkeypatch):
    X, y, _ = counts
    y_val = -y[:50]
    no_training(monkeypatch)
    with pytest.raises(ValueError, match="y_val must be non-negative"):
        small_net(loss="poisson").fit(X, y, X_val=X[:50], y_val=y_val)
    np.testing.assert_array_equal(y_val, -y[:50])


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (dict(loss="absolute_error"), "'loss' parameter"),
        (dict(loss=None), "'loss' parameter"),
        (dict(huber_delta=0.0), "'huber_delta' parameter"),
        (dict(huber_delta=-1.0), "'huber_delta' parameter"),
        (dict(huber_delta="big"), "'huber_delta' parameter"),
    ],
)
def test_invalid_loss_parameters(params, message, data, monkeypatch):
    X, y = data
    no_training(monkeypatch)
    with pytest.raises((ValueError, TypeError), match=message):
        small_net(**params).fit(X, y)


def test_heavy_tailed_targets_are_not_called_divergence():
    """Batches of a heavy-tailed y differ in cost by orders of magnitude: only a loss
    that is not finite, or epochs that stay far above the first, mean divergence."""
    rng = np.random.default_rng(2)
    X = rng.normal(size=(5000, 3))
    y = np.exp(4 * rng.normal(size=5000))
    net = fit_quietly(small_net(hidden_layer_sizes=(4,), random_state=2, max_iter=3), X, y)
    assert np.isfinite(net.loss_curve_).all()
    assert net.loss_curve_[-1] <= net.loss_curve_[0]


def test_verbose_names_the_regressors_score(data, capsys):
    X, y = data
    fit_quietly(small_net(early_stopping=True, max_iter=2, verbose=1), X, y)
    printed = capsys.readouterr().out
    assert "R² = " in printed and "accuracy" not in printed
