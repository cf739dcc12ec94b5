"""Silent or confusing behaviour found by trying the estimators as a new user would;
each test here failed before its fix."""

import pydoc
import re
import warnings

import numpy as np
import pytest
from _helpers import fit_memory_per_row, fit_quietly
from sklearn.datasets import make_circles, make_classification

from skdeepnn import DeepNNClassifier, DeepNNRegressor, LogisticRegressionGD


@pytest.fixture(scope="module")
def data():
    return make_classification(n_samples=201, n_features=6, random_state=0)


def test_batch_norm_refuses_batches_of_one_sample(data):
    """It trained a constant model (every probability 0.502) without a word."""
    X, y = data
    with pytest.raises(ValueError, match="batch_norm=True needs batches of at least 2"):
        DeepNNClassifier(batch_norm=True, batch_size=1).fit(X, y)
    with pytest.raises(ValueError, match="at least 2 samples"):
        DeepNNRegressor(batch_norm=True).fit(X[:1], y[:1].astype(float))


def test_batch_norm_joins_a_last_batch_of_one_row_to_the_one_before(data):
    """201 rows in batches of 100: the last batch would hold one sample, normalized to 0."""
    from skdeepnn._loop import MiniBatches

    X, y = data
    Y = y[:, None].astype(float)
    rng = np.random.default_rng(0)
    assert MiniBatches(X, Y, None, 100, rng, min_rows=2).bounds == [(0, 100), (100, 201)]
    assert MiniBatches(X, Y, None, 100, rng).bounds == [(0, 100), (100, 200), (200, 201)]
    sizes = [len(batch[0]) for batch in MiniBatches(X, Y, None, 100, rng, 2).epoch()]
    assert sizes == [100, 101]
    net = fit_quietly(
        DeepNNClassifier(batch_norm=True, batch_size=100, max_iter=30, random_state=0), X, y
    )
    assert np.isfinite(net.running_vars_[0]).all() and (net.running_vars_[0] > 0).all()


def test_shuffled_batches_keep_a_32_bit_index_and_the_same_order(data):
    """The shuffle's index is 32-bit (half the memory of one array the rows' size), and
    Generator.shuffle draws the same permutation for it as for the 64-bit one it was."""
    from skdeepnn._loop import MiniBatches

    X, y = data
    Y = y[:, None].astype(float)
    batches = MiniBatches(X, Y, None, 50, np.random.default_rng(7))
    assert batches.indices.dtype == np.int32
    order = np.arange(len(X), dtype=np.int64)
    np.random.default_rng(7).shuffle(order)
    gathered = np.concatenate([X_batch.copy() for X_batch, *_ in batches.epoch()])
    np.testing.assert_array_equal(gathered, X[order])


@pytest.mark.parametrize("class_weight", [None, "balanced"])
def test_a_fits_memory_beyond_X_grows_by_about_the_targets_and_the_shuffle_only(class_weight):
    """Each row added to a mini-batch fit costs its class index and its place in the
    shuffle (4 bytes each), plus, with class weights, its weight (4 more in float32):
    nothing the size of X, and no one-hot row (40 bytes at 10 classes in float32).
    Measured by tracemalloc, as the difference between two sizes of the same data."""
    per_row = fit_memory_per_row(
        lambda: DeepNNClassifier(
            hidden_layer_sizes=(8,), max_iter=1, batch_size=500, class_weight=class_weight,
            random_state=0,
        ),
        n_features=20, n_classes=10, small=150_000, large=450_000,
    )  # fmt: skip
    # Beyond what training keeps, np.unique's sorted copy of the int64 labels (scikit-
    # learn's check of y, and the classifier's) takes 8 bytes a row for a moment.
    assert per_row < (16 if class_weight else 12), per_row


def test_batch_norm_refuses_batches_with_one_weighted_sample(data):
    """Weights that leave one sample per batch trained a constant model, as batch_size=1 did."""
    X, y = data[0][:200], data[1][:200]
    weights = np.tile([1.0, 0.0], 100)
    net = DeepNNClassifier(batch_norm=True, batch_size=2, shuffle=False, max_iter=3)
    with pytest.raises(ValueError, match="at least 2 samples of non-zero sample_weight"):
        net.fit(X, y, sample_weight=weights)


def test_partial_fit_keeps_the_validation_history(data):
    """After a fit with X_val, partial_fit set validation_loss_curve_ to None."""
    X, y = data
    net = fit_quietly(DeepNNClassifier(max_iter=5, random_state=0), X, y, X_val=X, y_val=y)
    curve = list(net.validation_loss_curve_)
    net.partial_fit(X, y)
    assert net.validation_loss_curve_ == curve and net.n_iter_ == 6


def test_a_nearly_constant_target_is_not_called_divergence():
    """A linear model starts at the mean: from a loss of 5e-13 Adam's first steps rise
    to 5e-7, which the divergence rule called a rise of a million times."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(150, 3))
    y = 5 + 1e-6 * rng.normal(size=150)
    model = fit_quietly(DeepNNRegressor(hidden_layer_sizes=(), random_state=0), X, y)
    assert np.isfinite(model.predict(X)).all()


def test_infinite_patience_trains_max_iter_without_a_warning(data):
    import warnings

    X, y = data
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        net = DeepNNClassifier(n_iter_no_change=np.inf, max_iter=4).fit(X, y)
    assert net.n_iter_ == 4


@pytest.mark.parametrize("missing", [None, np.nan])
def test_missing_labels_are_named(missing):
    X = np.zeros((4, 2))
    with pytest.raises(ValueError, match="missing labels"):
        DeepNNClassifier().fit(X, np.array(["a", missing, "b", "a"], dtype=object))


def test_warm_start_refuses_a_y_without_some_fitted_class():
    """It kept the old classes and trained the old softmax silently."""
    X, y = make_classification(n_samples=90, n_classes=3, n_informative=4, random_state=0)
    net = fit_quietly(DeepNNClassifier(warm_start=True, max_iter=3), X, y)
    with pytest.raises(ValueError, match=r"classes \[0, 1, 2\] of the previous fit.*\[0, 1\]"):
        net.fit(X[y < 2], y[y < 2])
    assert net.n_iter_ == 3  # the refused fit changed nothing


@pytest.mark.parametrize("Estimator", [DeepNNClassifier, LogisticRegressionGD])
def test_n_iter_no_change_may_be_infinite(Estimator, data):
    """As scikit-learn accepts: never stop early, train for max_iter."""
    X, y = data
    model = fit_quietly(Estimator(n_iter_no_change=np.inf, max_iter=15, tol=1.0), X, y)
    assert model.n_iter_ == 15
    with pytest.raises(ValueError, match="'n_iter_no_change' parameter .* or inf"):
        Estimator(n_iter_no_change=0).fit(X, y)


def test_the_split_error_names_the_users_labels():
    """It named the encoded class ([1.0]) instead of the user's label."""
    X = np.random.default_rng(0).normal(size=(40, 3))
    y = np.array(["cat"] * 20 + ["dog"] * 19 + ["owl"])
    net = DeepNNClassifier(early_stopping=True, max_iter=2)
    with pytest.warns(UserWarning, match=r"cannot split .*\['owl'\] have a single sample"):
        fit_quietly(net, X, y)


@pytest.mark.parametrize("Estimator", [DeepNNClassifier, DeepNNRegressor, LogisticRegressionGD])
def test_help_shows_no_run_of_spaces_and_no_decision_function_in_scoring(Estimator):
    """A line continuation in lr_schedule's type left a run of spaces in help()."""
    text = pydoc.render_doc(Estimator, renderer=pydoc.plaintext)
    assert "lr_schedule : str" in text
    prose = [line for line in Estimator.__doc__.splitlines() if ">>>" not in line]
    assert not [line for line in prose if re.search(r"[^.\s] {3,}\S", line)]
    scoring = Estimator.__doc__.split("scoring :")[1].split("max_fun :")[0]
    assert "decision_function" not in scoring


def test_a_flat_score_at_the_start_does_not_stop_training():
    """Accuracy stays at 0.5 for the first epochs while the validation loss falls; the
    score alone stopped training at epoch 11 and kept epoch 1's weights (accuracy 0.5)."""
    from sklearn.datasets import make_blobs
    from sklearn.preprocessing import StandardScaler

    X, y = make_blobs(n_samples=300, random_state=0)
    X, y = StandardScaler().fit_transform(X)[y != 2], y[y != 2]
    net = fit_quietly(
        DeepNNClassifier(early_stopping=True, scoring="accuracy", random_state=0), X, y
    )
    assert net.validation_scores_[:5] == [0.5] * 5
    assert net.best_iteration_ > 20 and net.score(X, y) > 0.9


@pytest.mark.parametrize(
    "y",
    [np.array(["a", 1, "a", 1], dtype=object), ["1", 1, "a", 1]],
    ids=["object array", "list"],
)
@pytest.mark.parametrize("Estimator", [DeepNNClassifier, LogisticRegressionGD])
def test_labels_mixing_strings_and_numbers_are_refused(Estimator, y):
    """An object array raised a TypeError from inside np.unique; a list became strings,
    and the model predicted the label '1', which y did not hold."""
    X = np.random.default_rng(0).normal(size=(4, 2))
    with pytest.raises(ValueError, match="mixes string and non-string labels"):
        Estimator().fit(X, y)


def test_a_run_whose_first_epoch_blew_up_stops_with_divergence():
    """Inputs scaled from 1e-3 to 1e3 and momentum at 0.1: the first epoch's loss is
    already 2.7e213 and rises from there. It used to be returned, silently, with a score
    of 0.33; it now stops with the error that names the iteration."""
    X, y = make_classification(
        n_samples=1000, n_features=10, n_informative=6, n_redundant=2, n_classes=3,
        random_state=0,
    )  # fmt: skip
    X = X * np.logspace(-3, 3, 10)
    model = DeepNNClassifier(
        hidden_layer_sizes=(64,) * 4, solver="momentum", learning_rate=0.1, batch_size=64,
        random_state=0,
    )  # fmt: skip
    with pytest.raises(ValueError, match=r"Training diverged at iteration 4: .* starting loss"):
        model.fit(X, y)


def test_a_flat_loss_at_max_iter_is_not_called_oscillating():
    """init='zeros' and tol=0: the gd loss stays constant up to rounding. Ending one ulp
    above its lowest is not oscillation; only max_iter is reported."""
    X, y = make_circles(100, noise=0.05, random_state=0)
    model = DeepNNClassifier(hidden_layer_sizes=(3,), init="zeros", solver="gd", max_iter=50, tol=0)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        model.fit(X, y)
    messages = [str(w.message) for w in record]
    assert any("reached max_iter=50" in m for m in messages)
    assert not any("oscillates" in m for m in messages)


def test_the_validation_score_is_computed_in_float64():
    """float32 inputs, targets of 1e6 and weights of 1e30 (found by test_properties): the
    training runs in float32, but the R² of the validation set, a weighted sum of squares
    of 1e42, is computed in float64 and raises no overflow warning."""
    X = np.zeros((16, 1), dtype=np.float32)
    y = np.full((16, 2), 1e6)
    y[6, 0] = 0
    sample_weight = np.zeros(16)
    sample_weight[[1, 6]] = 1e30
    sample_weight[15] = 1e-30
    model = DeepNNRegressor(
        early_stopping=True, hidden_layer_sizes=(3,), max_iter=2, random_state=0,
        solver="rmsprop",
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        fit_quietly(model, X, y, sample_weight=sample_weight)
    assert np.isfinite(model.validation_scores_).all()
