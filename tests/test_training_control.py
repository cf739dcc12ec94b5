"""Training control: schedules, warm starts and partial_fit that carry the optimizer's
state, Ctrl-C, and the course's lesson on initialization."""

import numpy as np
import pytest
from _helpers import fit_quietly, interrupt_after
from sklearn.datasets import make_circles, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import log_loss
from sklearn.preprocessing import StandardScaler

from skdeepnn import DeepNNClassifier, LogisticRegressionGD


@pytest.fixture(scope="module")
def data():
    return make_classification(n_samples=200, n_features=6, n_informative=4, random_state=0)


# -- learning-rate schedules ------------------------------------------------------------

SCHEDULES = {
    "constant": lambda t: 0.1,
    "invscaling": lambda t: 0.1 / (t + 1) ** 0.25,
    "inverse_time": lambda t: 0.1 / (1 + 0.5 * t),
    "exponential": lambda t: 0.1 * 0.9**t,
    "step": lambda t: 0.1 / (1 + 0.5 * (t // 4)),  # the course's schedule_lr_decay
}


@pytest.mark.parametrize("schedule", sorted(SCHEDULES))
def test_learning_rate_follows_the_schedule(schedule, data):
    decay_rate = 0.9 if schedule == "exponential" else 0.5
    clf = fit_quietly(
        LogisticRegressionGD(
            learning_rate=0.1,
            max_iter=12,
            tol=0,
            lr_schedule=schedule,
            decay_rate=decay_rate,
            decay_steps=4,
            power_t=0.25,
        ),
        *data,
    )
    expected = [SCHEDULES[schedule](t) for t in range(12)]
    np.testing.assert_allclose(clf.learning_rate_curve_, expected, rtol=1e-12)


def test_adaptive_divides_by_five_when_the_loss_stalls(data):
    """A tol no epoch can meet: the rate drops every n_iter_no_change epochs, then stops.

    The first epoch only sets the best loss; each 2 epochs after it fail to beat it.
    """
    clf = DeepNNClassifier(
        hidden_layer_sizes=(5,),
        learning_rate=1e-3,
        lr_schedule="adaptive",
        tol=10.0,
        n_iter_no_change=2,
        max_iter=1000,
        random_state=0,
    ).fit(*data)
    rates = np.array(clf.learning_rate_curve_)
    expected = 1e-3 / 5.0 ** (np.maximum(np.arange(len(rates)) - 1, 0) // 2)
    np.testing.assert_allclose(rates, expected, rtol=1e-12)
    assert rates[-1] <= 1e-6 < rates[-3]


@pytest.mark.parametrize(
    ("params", "error", "message"),
    [
        (dict(lr_schedule="cyclic"), ValueError, "'lr_schedule' parameter"),
        (dict(decay_rate=0.0), ValueError, "'decay_rate' parameter"),
        (dict(decay_steps=0), ValueError, "'decay_steps' parameter"),
        (dict(power_t=-1.0), ValueError, "'power_t' parameter"),
        (dict(nesterov="yes"), TypeError, "'nesterov' parameter"),
        (
            dict(lr_schedule="exponential", decay_rate=1.5),
            ValueError,
            "decay_rate must be at most 1",
        ),
    ],
)
def test_invalid_schedule_parameters(params, error, message, data):
    with pytest.raises(error, match=message):
        DeepNNClassifier(**params).fit(*data)


def test_nesterov_changes_the_momentum_steps(data):
    params = dict(
        hidden_layer_sizes=(5,), solver="momentum", learning_rate=0.05, max_iter=5, random_state=0
    )
    plain = fit_quietly(DeepNNClassifier(**params), *data)
    nesterov = fit_quietly(DeepNNClassifier(nesterov=True, **params), *data)
    assert not np.allclose(plain.coefs_[0], nesterov.coefs_[0])
    assert nesterov.loss_curve_[-1] < nesterov.loss_curve_[0]


# -- warm start and partial_fit carry the optimizer's state ---------------------------------


@pytest.mark.parametrize("solver", ["adam", "momentum", "rmsprop"])
def test_warm_start_continues_the_optimizer_and_the_schedule(solver, data):
    """Five epochs, then five more with warm_start, equal ten epochs in one fit."""
    params = dict(
        hidden_layer_sizes=(8,),
        solver=solver,
        learning_rate=0.01,
        shuffle=False,
        batch_size=50,
        lr_schedule="inverse_time",
        decay_rate=0.3,
        random_state=0,
    )
    straight = fit_quietly(DeepNNClassifier(max_iter=10, tol=0, **params), *data)
    warm = DeepNNClassifier(max_iter=5, tol=0, warm_start=True, **params)
    fit_quietly(warm, *data)
    fit_quietly(warm, *data)
    np.testing.assert_allclose(warm.coefs_[0], straight.coefs_[0], rtol=1e-10)
    np.testing.assert_allclose(warm.learning_rate_curve_, straight.learning_rate_curve_)
    assert warm.n_iter_ == 10


def test_partial_fit_is_one_epoch_of_fit(data):
    """Two partial_fit calls on the whole set equal a two-epoch fit: Adam's state carries."""
    X, y = data
    params = dict(
        hidden_layer_sizes=(8,), learning_rate=0.01, batch_size=40, shuffle=False, random_state=0
    )
    two_epochs = fit_quietly(DeepNNClassifier(max_iter=2, tol=0, **params), X, y)
    incremental = DeepNNClassifier(**params)
    incremental.partial_fit(X, y, classes=[0, 1])
    incremental.partial_fit(X, y)
    np.testing.assert_allclose(incremental.coefs_[0], two_epochs.coefs_[0], rtol=1e-10)
    assert incremental.n_iter_ == 2 and len(incremental.loss_curve_) == 2


def test_ten_chunks_of_partial_fit_come_close_to_fit():
    X, y = make_classification(
        n_samples=2000, n_features=10, n_informative=6, n_classes=3, random_state=1
    )
    X_train, y_train, X_test, y_test = X[:1500], y[:1500], X[1500:], y[1500:]
    params = dict(hidden_layer_sizes=(32,), learning_rate=0.005, batch_size=50, random_state=0)
    whole = fit_quietly(DeepNNClassifier(max_iter=5, tol=0, **params), X_train, y_train)
    chunked = DeepNNClassifier(**params)
    for _ in range(5):
        for X_chunk, y_chunk in zip(
            np.array_split(X_train, 10), np.array_split(y_train, 10), strict=True
        ):
            chunked.partial_fit(X_chunk, y_chunk, classes=[0, 1, 2])
    assert chunked.n_iter_ == 50
    assert chunked.score(X_test, y_test) >= whole.score(X_test, y_test) - 0.03


def test_partial_fit_errors(data):
    X, y = data
    clf = DeepNNClassifier(hidden_layer_sizes=(4,))
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        clf.partial_fit(X, y)
    clf.partial_fit(X[y == 0], y[y == 0], classes=[0, 1])  # a chunk may hold one class
    with pytest.raises(ValueError, match=r"labels \[2\] that are not among the classes"):
        clf.partial_fit(X, np.where(y == 1, 2, 0))
    with pytest.raises(ValueError, match="differs from the classes"):
        clf.partial_fit(X, y, classes=[0, 1, 2])
    with pytest.raises(ValueError, match="X has 5 features, but DeepNNClassifier is expecting 6"):
        clf.partial_fit(X[:, :5], y)
    with pytest.raises(AttributeError) as info:
        DeepNNClassifier(class_weight="balanced").partial_fit(X, y, classes=[0, 1])
    assert "class_weight='balanced'" in str(info.value)
    assert clf.n_iter_ == 1  # the failed calls changed nothing


# -- Ctrl-C ---------------------------------------------------------------------------------


def test_keyboard_interrupt_keeps_a_usable_model(data, monkeypatch):
    X, y = data
    interrupt_after(monkeypatch, 22)
    clf = DeepNNClassifier(hidden_layer_sizes=(5,), batch_size=50, max_iter=100, random_state=0)
    with pytest.warns(UserWarning, match=r"interrupted \(KeyboardInterrupt\) during iteration 6"):
        clf.fit(X, y)
    # 4 batches an epoch: 5 whole epochs, then 2 batches of the sixth, which trained
    # the weights but is not recorded (issue 22): every curve counts 5 epochs.
    assert clf.n_iter_ == 5 == len(clf.loss_curve_) == len(clf.learning_rate_curve_)
    assert np.isfinite(clf.predict_proba(X)).all()


# -- the course's lesson on initialization ------------------------------------------------------


def test_he_initialization_separates_the_circles_and_zeros_cannot():
    """Course 2, week 1: a (10, 5) relu network, 15,000 iterations of gd at 0.01."""
    X, y = make_circles(n_samples=300, noise=0.05, random_state=1)
    params = dict(
        hidden_layer_sizes=(10, 5),
        solver="gd",
        learning_rate=0.01,
        max_iter=15_000,
        tol=0,
        random_state=0,
    )
    he = fit_quietly(DeepNNClassifier(init="he", **params), X, y)
    assert he.score(X, y) > 0.95
    with pytest.warns(UserWarning, match="cannot break symmetry"):
        zeros = fit_quietly(DeepNNClassifier(init="zeros", **params), X, y)
    assert zeros.score(X, y) < 0.6
    # Every unit of a layer kept the same weights: the columns of W[1] are equal.
    np.testing.assert_array_equal(zeros.coefs_[0], zeros.coefs_[0][:, :1].repeat(10, axis=1))


@pytest.mark.parametrize("solver", ["rmsprop", "adam"])
def test_beta_2_zero_in_float32_uses_only_the_last_gradient(solver):
    """With beta_2=0 (and beta_1=0), s is exactly g**2 and the step is lr g / (|g| + eps),
    even right after a gradient a million times larger."""
    from skdeepnn._optimizers import OPTIMIZERS

    param = np.zeros(2, dtype=np.float32)
    options = {"beta_2": 0.0, "epsilon": 1e-8}
    if solver == "adam":
        options["beta_1"] = 0.0
    optimizer = OPTIMIZERS[solver]([param], 0.01, **options)
    optimizer.update([param], [np.array([1e3, 1e3], dtype=np.float32)])
    param[:] = 0
    optimizer.update([param], [np.array([1e3, 1e-3], dtype=np.float32)])
    np.testing.assert_allclose(param, [-0.01, -0.01], rtol=1e-4)


def test_nesterov_momentum_matches_the_formula_by_hand():
    """v = b v + (1 - b) g; theta -= lr (b v + (1 - b) g), over three steps."""
    from skdeepnn._optimizers import Momentum

    grads = [np.array([1.0, -2.0]), np.array([0.5, 0.5]), np.array([-1.0, 3.0])]
    param = np.array([0.3, -0.7])
    optimizer = Momentum([param], learning_rate=0.1, beta_1=0.8, nesterov=True)
    theta, v = param.copy(), np.zeros(2)
    for g in grads:
        optimizer.update([param], [g])
        v = 0.8 * v + 0.2 * g
        theta = theta - 0.1 * (0.8 * v + 0.2 * g)
        np.testing.assert_allclose(param, theta, rtol=1e-14)


# -- L-BFGS ------------------------------------------------------------------------------


def test_lbfgs_reaches_sklearns_logistic_regression_optimum():
    """alpha / (2m) ||W||^2 on the mean loss is LogisticRegression(C=1/alpha)."""
    from sklearn.datasets import make_blobs
    from sklearn.linear_model import LogisticRegression

    X, y = make_blobs(n_samples=200, centers=3, cluster_std=4, random_state=0)
    ours = LogisticRegressionGD(solver="lbfgs", alpha=5.0, tol=1e-10, max_iter=1000).fit(X, y)
    theirs = LogisticRegression(C=1 / 5.0, tol=1e-10, max_iter=10_000).fit(X, y)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(ours.intercept_, theirs.intercept_, rtol=1e-4, atol=1e-5)
    assert ours.n_iter_ == len(ours.loss_curve_) and ours.learning_rate_curve_ == []
    assert np.all(np.diff(ours.loss_curve_) <= 1e-12)  # L-BFGS-B never goes uphill


def test_lbfgs_trains_a_network_and_honours_max_fun():
    from sklearn.datasets import make_moons

    X, y = make_moons(n_samples=300, noise=0.2, random_state=0)
    net = DeepNNClassifier(hidden_layer_sizes=(20, 20), solver="lbfgs", random_state=0).fit(X, y)
    assert net.score(X, y) > 0.95
    with pytest.warns(ConvergenceWarning, match="L-BFGS stopped before converging"):
        short = DeepNNClassifier(
            hidden_layer_sizes=(20, 20), solver="lbfgs", max_fun=5, random_state=0
        ).fit(X, y)
    assert short.n_iter_ <= 5  # at most one iteration per cost evaluation


@pytest.mark.parametrize(
    ("params", "fit_kwargs", "message"),
    [
        (dict(dropout=0.2), {}, "does not support dropout"),
        (dict(early_stopping=True), {}, "does not support early_stopping"),
        (dict(max_fun=0), {}, "'max_fun' parameter"),
    ],
)
def test_lbfgs_refuses_what_it_cannot_do(params, fit_kwargs, message, data):
    with pytest.raises(ValueError, match=message):
        DeepNNClassifier(solver="lbfgs", **params).fit(*data, **fit_kwargs)


@pytest.mark.parametrize(
    ("params", "reason"),
    [
        ({"solver": "lbfgs"}, "solver='lbfgs'"),
        ({"early_stopping": True}, "early_stopping=True"),
        ({"class_weight": "balanced"}, "class_weight='balanced'"),
    ],
)
def test_partial_fit_is_not_offered_where_it_cannot_work(params, reason, data):
    """As scikit-learn does with available_if: hasattr is False; and the error's own
    message says why (available_if's said it in a chained cause, below a bare one)."""
    net = DeepNNClassifier(**params)
    assert not hasattr(net, "partial_fit")
    with pytest.raises(AttributeError, match="has no attribute 'partial_fit'") as info:
        net.partial_fit(*data, classes=[0, 1])
    assert reason in str(info.value)  # in the message itself, the line a user reads first
    net.set_params(solver="adam", early_stopping=False, class_weight=None)
    assert hasattr(net, "partial_fit")


# -- the course's comparison of optimizers ----------------------------------------------------


def test_adam_beats_plain_mini_batch_gradient_descent_on_the_moons():
    """Course 2, week 2: same network, batches and epochs, learning rate 0.0007."""
    from sklearn.datasets import make_moons

    X, y = make_moons(n_samples=300, noise=0.2, random_state=0)
    params = dict(
        hidden_layer_sizes=(5, 2),
        learning_rate=0.0007,
        batch_size=64,
        max_iter=300,
        tol=0,
        random_state=0,
    )
    sgd = fit_quietly(DeepNNClassifier(solver="sgd", **params), X, y).score(X, y)
    adam = fit_quietly(DeepNNClassifier(solver="adam", **params), X, y).score(X, y)
    assert adam > sgd + 0.15


@pytest.mark.parametrize("weight", [-5.0, np.inf, np.nan, "a"])
def test_class_weight_values_are_checked(weight, data):
    with pytest.raises(ValueError, match="class_weight values must be finite non-negative"):
        DeepNNClassifier(class_weight={0: weight}).fit(*data)


def test_partial_fit_classes_must_be_one_dimensional(data):
    with pytest.raises(ValueError, match="classes must be a 1-D array-like"):
        DeepNNClassifier().partial_fit(*data, classes=[[0, 1], [2, 3]])


def test_partial_fit_with_string_classes_in_any_order():
    X, y = make_classification(
        n_samples=90, n_features=6, n_informative=3, n_classes=3, random_state=0
    )
    labels = np.array(["low", "mid", "high"])[y]
    clf = DeepNNClassifier(hidden_layer_sizes=(8,), random_state=0)
    clf.partial_fit(X[:30], labels[:30], classes=["mid", "low", "high"])
    clf.partial_fit(X[30:], labels[30:])
    np.testing.assert_array_equal(clf.classes_, ["high", "low", "mid"])
    assert set(clf.predict(X)) <= {"high", "low", "mid"}


def test_pickles_leave_out_the_optimizers_scratch_and_still_train(data):
    """The fitted model keeps Adam's two averages for warm starts, but not its scratch."""
    import pickle

    X, y = data
    net = fit_quietly(DeepNNClassifier(hidden_layer_sizes=(64, 64), max_iter=3), X, y)
    params_bytes = sum(a.nbytes for a in net.coefs_ + net.intercepts_)
    blob = pickle.dumps(net)
    assert len(blob) < 3.3 * params_bytes  # weights + two Adam averages, no scratch
    loaded = pickle.loads(blob)
    loaded.partial_fit(X, y)
    assert loaded.n_iter_ == 4


def test_ten_partial_fit_calls_match_one_epoch_of_fit():
    """Ten chunks, one call each, are one pass over the data: as good as a one-epoch fit."""
    X, y = make_classification(
        n_samples=2000, n_features=10, n_informative=6, n_classes=3, random_state=1
    )
    X_train, y_train, X_test, y_test = X[:1500], y[:1500], X[1500:], y[1500:]
    params = dict(hidden_layer_sizes=(32,), learning_rate=0.01, batch_size=32, random_state=0)
    one_epoch = fit_quietly(DeepNNClassifier(max_iter=1, **params), X_train, y_train)
    chunked = DeepNNClassifier(**params)
    for X_chunk, y_chunk in zip(
        np.array_split(X_train, 10), np.array_split(y_train, 10), strict=True
    ):
        chunked.partial_fit(X_chunk, y_chunk, classes=[0, 1, 2])
    assert chunked.n_iter_ == 10
    assert abs(chunked.score(X_test, y_test) - one_epoch.score(X_test, y_test)) < 0.03


def test_a_gd_network_oscillating_at_the_edge_of_stability_stops_on_its_lowest_loss():
    """At learning_rate=1 this network's loss keeps oscillating: training stops after a
    long patience without a new lowest loss, warns, and keeps the weights of that loss."""
    X, y = make_classification(n_samples=500, n_features=10, flip_y=0.1, random_state=0)
    X = StandardScaler().fit_transform(X)
    net = DeepNNClassifier(
        hidden_layer_sizes=(16,),
        solver="gd",
        learning_rate=1.0,
        alpha=0,
        max_iter=3000,
        random_state=0,
    )
    with pytest.warns(ConvergenceWarning, match="still oscillates"):
        net.fit(X, y)
    assert net.n_iter_ < 3000
    assert net.best_loss_ == min(net.loss_curve_)
    assert log_loss(y, net.predict_proba(X)) == pytest.approx(net.best_loss_, rel=1e-9)
