"""The shared training loop and input handling, exercised through both estimators."""

import re
import warnings

import numpy as np
import pytest
from _helpers import fit_quietly
from sklearn.datasets import load_digits, make_classification
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from skdeepnn import DeepNNClassifier, LogisticRegressionGD

ESTIMATORS = [DeepNNClassifier, LogisticRegressionGD]


@pytest.fixture
def binary_data():
    X, y = make_classification(n_samples=120, n_features=5, random_state=0)
    return X, y


# -- hyperparameters -------------------------------------------------------------

INVALID_PARAMS = [
    ("learning_rate", 0, ValueError),
    ("learning_rate", -0.1, ValueError),
    ("learning_rate", "fast", TypeError),
    ("max_iter", 0, ValueError),
    ("max_iter", 2.5, TypeError),
    ("max_iter", True, TypeError),
    ("tol", -1.0, ValueError),
    ("n_iter_no_change", 0, ValueError),
    ("alpha", -0.5, ValueError),
    ("solver", "newton", ValueError),
    ("solver", None, TypeError),
    ("batch_size", 0, ValueError),
    ("batch_size", "big", ValueError),
    ("beta_1", 1.0, ValueError),
    ("beta_2", -0.1, ValueError),
    ("epsilon", 0.0, ValueError),
    ("shuffle", "yes", TypeError),
    ("random_state", -3, ValueError),
    ("random_state", "seed", TypeError),
    ("verbose", -1, ValueError),
    ("warm_start", 1.0, TypeError),
    ("scoring", 3, TypeError),
    # NaN fails every comparison: it must not slip through as "in range".
    ("learning_rate", float("nan"), ValueError),
    ("learning_rate", float("inf"), ValueError),
    ("tol", float("nan"), ValueError),
    ("alpha", float("inf"), ValueError),
    ("beta_1", float("nan"), ValueError),
    ("epsilon", float("inf"), ValueError),
]


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize(("name", "value", "error"), INVALID_PARAMS)
def test_invalid_hyperparameter_is_named_at_fit(Estimator, name, value, error, binary_data):
    """__init__ stores anything; fit raises naming the parameter and the value given."""
    estimator = Estimator(**{name: value})
    assert getattr(estimator, name) is value
    with pytest.raises(error, match=rf"'{name}' parameter.*got {re.escape(repr(value))}"):
        estimator.fit(*binary_data)
    assert not hasattr(estimator, "n_features_in_"), "fit failed but left state behind"


@pytest.mark.parametrize(
    ("name", "value", "error"),
    [
        ("hidden_layer_sizes", (10, 0), ValueError),
        ("hidden_layer_sizes", (10, 2.5), ValueError),
        ("hidden_layer_sizes", "ten", TypeError),
        ("activation", "softmax", ValueError),
        ("activation", "swish", ValueError),
        ("init", "ones", ValueError),
        ("init", 3, TypeError),
    ],
)
def test_invalid_network_parameter(name, value, error, binary_data):
    with pytest.raises(error, match=rf"'{name}' parameter of DeepNNClassifier"):
        DeepNNClassifier(**{name: value}).fit(*binary_data)


def test_invalid_fit_intercept(binary_data):
    with pytest.raises(TypeError, match="'fit_intercept' parameter"):
        LogisticRegressionGD(fit_intercept="no").fit(*binary_data)


@pytest.mark.parametrize("sizes", [(8, 4), [8, 4], range(8, 3, -4), np.array([8, 4]), 8, ()])
def test_hidden_layer_sizes_accepts_flat_sequences(sizes, binary_data):
    clf = fit_quietly(DeepNNClassifier(hidden_layer_sizes=sizes, max_iter=2), *binary_data)
    expected = [sizes] if isinstance(sizes, int) else list(sizes)
    assert [W.shape[1] for W in clf.coefs_[:-1]] == expected


def test_hidden_layer_sizes_refuses_a_2d_array(binary_data):
    with pytest.raises(ValueError, match="'hidden_layer_sizes' parameter"):
        DeepNNClassifier(hidden_layer_sizes=np.array([[8, 4]])).fit(*binary_data)


def test_parameters_are_keyword_only():
    with pytest.raises(TypeError):
        DeepNNClassifier((10,))
    with pytest.raises(TypeError):
        LogisticRegressionGD(0.1)


# -- bad data ------------------------------------------------------------------------


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize("bad_value", [np.nan, np.inf, -np.inf])
def test_non_finite_X_is_refused(Estimator, bad_value, binary_data):
    X, y = binary_data
    X = X.copy()
    X[3, 2] = bad_value
    with pytest.raises(ValueError, match="Input X contains (NaN|infinity)"):
        Estimator().fit(X, y)
    fitted = fit_quietly(Estimator(max_iter=5), *binary_data)
    with pytest.raises(ValueError, match="Input X contains (NaN|infinity)"):
        fitted.predict(X)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_wrong_number_of_features(Estimator, binary_data):
    X, y = binary_data
    fitted = fit_quietly(Estimator(max_iter=5), X, y)
    with pytest.raises(ValueError, match="X has 4 features, but .* is expecting 5 features"):
        fitted.predict_proba(X[:, :4])


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_continuous_target_is_refused(Estimator, binary_data):
    X, _ = binary_data
    y = np.linspace(0, 1, len(X))
    with pytest.raises(ValueError, match="Unknown label type"):
        Estimator().fit(X, y)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_single_class_is_refused(Estimator, binary_data):
    X, _ = binary_data
    with pytest.raises(ValueError, match="at least 2 classes; got 1 class"):
        Estimator().fit(X, np.full(len(X), "cat"))


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_bad_sample_weight(Estimator, binary_data):
    X, y = binary_data
    with pytest.raises(ValueError, match="at least one non-zero weight"):
        Estimator().fit(X, y, sample_weight=np.zeros(len(y)))
    with pytest.raises(ValueError, match="non-negative"):
        Estimator().fit(X, y, sample_weight=-np.ones(len(y)))
    with pytest.raises(ValueError, match="one weight per sample"):
        Estimator().fit(X, y, sample_weight=np.ones(len(y) - 1))
    with pytest.raises(ValueError, match="sample_weight"):
        Estimator().fit(X, y, sample_weight=np.full(len(y), np.nan))


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_scalar_sample_weight_gets_the_same_checks(Estimator, binary_data):
    X, y = binary_data
    with pytest.raises(ValueError, match="at least one non-zero weight"):
        Estimator().fit(X, y, sample_weight=0)
    with pytest.raises(ValueError, match="non-negative"):
        Estimator().fit(X, y, sample_weight=-1.0)
    with pytest.raises(ValueError, match="sample_weight contains NaN"):
        Estimator().fit(X, y, sample_weight=float("nan"))
    # alpha=0: with weights, m is their sum, so weight 3 would also weaken the L2 term.
    params = dict(max_iter=5, random_state=0, alpha=0.0)
    weighted = fit_quietly(Estimator(**params), X, y, sample_weight=3.0)
    unweighted = fit_quietly(Estimator(**params), X, y)
    np.testing.assert_allclose(weighted.predict_proba(X), unweighted.predict_proba(X), rtol=1e-6)


def test_huge_float32_weights_do_not_overflow(binary_data):
    """Weights near float32's limit: sums taken in float64, no silent NaN loss."""
    X, y = binary_data
    X32 = X.astype(np.float32)
    params = dict(
        hidden_layer_sizes=(5,), solver="gd", learning_rate=0.1, max_iter=5, random_state=0
    )
    heavy = fit_quietly(DeepNNClassifier(**params), X32, y, sample_weight=np.full(len(y), 1e37))
    plain = fit_quietly(DeepNNClassifier(**params), X32, y)
    assert np.isfinite(heavy.loss_curve_).all()
    np.testing.assert_allclose(heavy.coefs_[0], plain.coefs_[0], rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize("method", ["predict", "predict_proba", "predict_log_proba"])
def test_predict_before_fit(Estimator, method, binary_data):
    with pytest.raises(NotFittedError):
        getattr(Estimator(), method)(binary_data[0])


@pytest.mark.parametrize(
    ("Estimator", "learning_rate"),
    # A network's loss explodes at lr=1e3. Logistic regression's gradient is
    # bounded, so only a rate large enough to overflow the weights diverges.
    [(DeepNNClassifier, 1e3), (LogisticRegressionGD, 1e308)],
)
def test_divergence_stops_with_a_clear_error(Estimator, learning_rate):
    """A learning rate far too high: a ValueError, not NaN or garbage predictions."""
    X, y = make_classification(n_samples=100, n_features=4, random_state=1)
    estimator = Estimator(learning_rate=learning_rate, solver="gd", max_iter=50)
    with pytest.raises(ValueError, match=r"diverged at iteration \d+.*smaller learning_rate"):
        estimator.fit(X, y)
    assert not hasattr(estimator, "classes_"), "a diverged fit left a half-fitted model"
    assert not hasattr(estimator, "n_features_in_")
    with pytest.raises(NotFittedError):
        estimator.predict(X)


def test_a_high_rate_whose_loss_falls_is_not_called_divergence():
    """Standardized digits at learning_rate=10: the first epochs' cross-entropy is in
    the thousands, yet the run falls to a good model (MLPClassifier reaches 0.93 at
    that rate). No false alarm."""
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    scaler = StandardScaler().fit(X_train)
    net = DeepNNClassifier(learning_rate=10, random_state=0)
    net.fit(scaler.transform(X_train), y_train)
    assert net.loss_curve_[0] > 1000
    assert net.score(scaler.transform(X_test), y_test) > 0.9


def test_a_diverging_run_stops_early_and_says_where():
    """A loss that keeps rising stops within a few iterations, not at max_iter."""
    X, y = make_classification(n_samples=100, n_features=4, random_state=1)
    net = DeepNNClassifier(solver="gd", learning_rate=50.0, max_iter=1000, random_state=0)
    with pytest.raises(ValueError, match=r"diverged at iteration (\d+)") as info:
        net.fit(X * 100, y)
    iteration = int(re.search(r"iteration (\d+)", str(info.value)).group(1))
    assert iteration <= 10


def test_a_failed_fit_leaves_a_fitted_model_as_it_was(binary_data):
    """Refitting on bad data raises and keeps the previous model whole."""
    X, y = binary_data
    clf = fit_quietly(DeepNNClassifier(max_iter=5, random_state=0), X, y)
    before = clf.predict_proba(X)
    with pytest.raises(ValueError, match="got 1 class"):
        clf.fit(X[:, :3], np.zeros(len(y)))
    assert clf.n_features_in_ == 5
    np.testing.assert_array_equal(clf.predict_proba(X), before)


def test_warm_start_after_a_failed_first_fit_starts_afresh(binary_data):
    X, y = binary_data
    clf = DeepNNClassifier(warm_start=True, max_iter=5)
    with pytest.raises(ValueError, match="Unknown label type"):
        clf.fit(X, np.linspace(0, 1, len(y)))
    fit_quietly(clf, X, y)
    assert clf.n_iter_ == 5


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_inputs_are_not_modified(Estimator, binary_data):
    X, y = binary_data
    X32 = X.astype(np.float32)
    weights = np.linspace(0.5, 2, len(y))
    copies = [a.copy() for a in (X, X32, y, weights)]
    estimator = fit_quietly(
        Estimator(max_iter=5, solver="adam", batch_size=16), X, y, sample_weight=weights
    )
    estimator.predict_proba(X)
    fit_quietly(Estimator(max_iter=5), X32, y).predict(X32)
    for original, copy in zip((X, X32, y, weights), copies, strict=True):
        np.testing.assert_array_equal(original, copy)


# -- the training loop -------------------------------------------------------------------


@pytest.mark.parametrize("solver", ["gd", "sgd", "momentum", "rmsprop", "adam"])
def test_same_random_state_gives_bit_identical_parameters(solver, binary_data):
    fits = [
        fit_quietly(
            DeepNNClassifier(
                hidden_layer_sizes=(8, 4),
                solver=solver,
                batch_size=32,
                max_iter=10,
                random_state=42,
            ),
            *binary_data,
        )
        for _ in range(2)
    ]
    for W1, W2 in zip(
        fits[0].coefs_ + fits[0].intercepts_, fits[1].coefs_ + fits[1].intercepts_, strict=True
    ):
        np.testing.assert_array_equal(W1, W2)
    other = fit_quietly(
        DeepNNClassifier(
            hidden_layer_sizes=(8, 4), solver=solver, batch_size=32, max_iter=10, random_state=43
        ),
        *binary_data,
    )
    assert not np.array_equal(fits[0].coefs_[0], other.coefs_[0])


def test_one_gd_step_matches_the_course_formula(binary_data):
    """From zero weights, one step is w = -lr * X^T (sigmoid(0) - y) / m (course, week 2)."""
    X, y = binary_data
    clf = fit_quietly(LogisticRegressionGD(max_iter=1, learning_rate=0.3), X, y)
    dZ = 0.5 - y
    np.testing.assert_allclose(clf.coef_[0], -0.3 * X.T @ dZ / len(y), rtol=1e-12)
    np.testing.assert_allclose(clf.intercept_, [-0.3 * dZ.mean()], rtol=1e-12, atol=1e-15)
    assert clf.loss_curve_ == pytest.approx([np.log(2)])


def test_gd_is_sgd_with_the_whole_set_as_one_batch(binary_data):
    X, y = binary_data
    params = dict(hidden_layer_sizes=(6,), learning_rate=0.1, max_iter=7, random_state=0)
    gd = fit_quietly(DeepNNClassifier(solver="gd", batch_size=10, **params), X, y)
    sgd = fit_quietly(DeepNNClassifier(solver="sgd", batch_size=len(y), **params), X, y)
    np.testing.assert_array_equal(gd.coefs_[0], sgd.coefs_[0])


def test_batch_size_auto_is_min_200_n_samples():
    X, y = make_classification(n_samples=450, n_features=4, random_state=0)
    params = dict(hidden_layer_sizes=(5,), solver="sgd", shuffle=False, max_iter=3, random_state=0)
    auto = fit_quietly(DeepNNClassifier(batch_size="auto", **params), X, y)
    explicit = fit_quietly(DeepNNClassifier(batch_size=200, **params), X, y)
    np.testing.assert_array_equal(auto.coefs_[0], explicit.coefs_[0])
    small = fit_quietly(DeepNNClassifier(batch_size="auto", **params), X[:150], y[:150])
    whole = fit_quietly(DeepNNClassifier(batch_size=150, **params), X[:150], y[:150])
    np.testing.assert_array_equal(small.coefs_[0], whole.coefs_[0])


def test_batch_size_larger_than_data_is_clipped_with_a_warning(binary_data):
    with pytest.warns(UserWarning, match="batch_size=1000 is larger") as record:
        DeepNNClassifier(batch_size=1000, max_iter=200).fit(*binary_data)
    assert record[0].filename == __file__


def test_training_stops_when_the_loss_stops_improving(binary_data):
    X, y = binary_data
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        clf = LogisticRegressionGD(max_iter=100_000, tol=1e-3, n_iter_no_change=5).fit(X, y)
    assert 5 < clf.n_iter_ < 100_000
    last = np.array(clf.loss_curve_[-6:])
    # The last n_iter_no_change iterations each improved on the best by less than tol.
    assert np.all(np.minimum.accumulate(last)[:-1] - last[1:] < 1e-3)


def test_reaching_max_iter_warns_at_the_callers_line(binary_data):
    with pytest.warns(ConvergenceWarning, match="max_iter=3") as record:
        clf = DeepNNClassifier(max_iter=3).fit(*binary_data)
    assert record[0].filename == __file__
    assert clf.n_iter_ == 3 == len(clf.loss_curve_)
    assert clf.loss_ == clf.loss_curve_[-1]


def test_loss_curve_decreases_under_gd(binary_data):
    clf = fit_quietly(
        DeepNNClassifier(
            hidden_layer_sizes=(10,), solver="gd", learning_rate=0.1, max_iter=50, random_state=0
        ),
        *binary_data,
    )
    assert np.all(np.diff(clf.loss_curve_) < 0)


def test_verbose_prints_the_cost(binary_data, capsys):
    fit_quietly(LogisticRegressionGD(max_iter=250, tol=0, verbose=1), *binary_data)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(",")[0] for line in lines] == [
        "Iteration 1/250",
        "Iteration 100/250",
        "Iteration 200/250",
    ]
    fit_quietly(DeepNNClassifier(max_iter=3, verbose=1), *binary_data)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(",")[0] for line in lines] == [f"Iteration {k}/3" for k in (1, 2, 3)]
    # The elapsed time, and the time left at the pace so far: none after the last.
    assert all(re.search(r", \d+\.\d\d s, up to \d+\.\d\d s left$", line) for line in lines)
    assert lines[-1].endswith("up to 0.00 s left")


def test_verbose_counts_the_epochs_of_a_warm_start_and_partial_fit(binary_data, capsys):
    clf = DeepNNClassifier(max_iter=2, warm_start=True, verbose=1)
    fit_quietly(clf, *binary_data)
    fit_quietly(clf, *binary_data)  # epochs 3 and 4, of 4
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(",")[0] for line in lines[2:]] == ["Iteration 3/4", "Iteration 4/4"]
    clf.partial_fit(*binary_data)
    line = capsys.readouterr().out.strip()
    assert line.startswith("Iteration 5, loss = ") and "left" not in line


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float_dtype_is_kept(dtype, binary_data):
    X, y = binary_data
    clf = fit_quietly(
        DeepNNClassifier(hidden_layer_sizes=(6,), max_iter=5, random_state=0), X.astype(dtype), y
    )
    assert all(W.dtype == dtype for W in clf.coefs_ + clf.intercepts_)
    assert clf.predict_proba(X.astype(dtype)).dtype == dtype


def test_integer_input_becomes_float64(binary_data):
    X, y = binary_data
    clf = fit_quietly(DeepNNClassifier(max_iter=3), np.rint(X).astype(np.int32), y)
    assert clf.coefs_[0].dtype == np.float64


def test_zero_weight_equals_removing_the_samples(binary_data):
    X, y = binary_data
    weights = np.ones(len(y))
    weights[::3] = 0
    params = dict(
        hidden_layer_sizes=(6,), solver="gd", learning_rate=0.1, max_iter=20, random_state=0
    )
    weighted = fit_quietly(DeepNNClassifier(**params), X, y, sample_weight=weights)
    removed = fit_quietly(DeepNNClassifier(**params), X[weights > 0], y[weights > 0])
    np.testing.assert_allclose(weighted.coefs_[0], removed.coefs_[0], rtol=1e-10)


def test_warm_start_continues_from_the_fitted_weights(binary_data):
    X, y = binary_data
    params = dict(hidden_layer_sizes=(6,), solver="gd", learning_rate=0.1, random_state=0)
    ten = fit_quietly(DeepNNClassifier(max_iter=10, **params), X, y)
    warm = fit_quietly(DeepNNClassifier(max_iter=5, warm_start=True, **params), X, y)
    fit_quietly(warm, X, y)
    np.testing.assert_allclose(warm.coefs_[0], ten.coefs_[0], rtol=1e-12)
    assert warm.n_iter_ == 10 and len(warm.loss_curve_) == 10
    np.testing.assert_allclose(warm.loss_curve_, ten.loss_curve_, rtol=1e-12)
    with pytest.raises(ValueError, match=r"labels \[2\] that are not among the classes"):
        warm.fit(X, np.where(y == 1, 2, 0))
    warm.set_params(hidden_layer_sizes=(3,))
    with pytest.raises(ValueError, match="continues from the fitted layer sizes"):
        warm.fit(X, y)
