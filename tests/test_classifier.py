"""DeepNNClassifier: labels, probabilities, fitted attributes, initialization."""

import numpy as np
import pytest
from _helpers import fit_quietly
from scipy.special import expit, softmax
from sklearn.datasets import load_iris, make_blobs, make_classification
from sklearn.preprocessing import StandardScaler

from skdeepnn import DeepNNClassifier


@pytest.fixture(scope="module")
def blobs():
    return make_blobs(n_samples=150, centers=3, n_features=4, random_state=0)


@pytest.mark.parametrize(
    "labels",
    [
        np.array(["cat", "non-cat"]),
        np.array([-3, 7]),
        np.array([False, True]),
        np.array(["a", "b", "c"], dtype=object),
        np.array([-1, 0, 1]),
    ],
    ids=["str", "negative-int", "bool", "object", "signed-3-class"],
)
def test_labels_of_any_type(labels, blobs):
    X, y_index = blobs
    y = labels[y_index % len(labels)]
    clf = fit_quietly(
        DeepNNClassifier(hidden_layer_sizes=(10,), learning_rate=0.01, random_state=0), X, y
    )
    np.testing.assert_array_equal(clf.classes_, np.sort(labels))
    predicted = clf.predict(X)
    assert predicted.dtype == clf.classes_.dtype
    assert set(predicted) <= set(labels)
    assert clf.score(X, y) > 0.9


@pytest.mark.parametrize("n_classes", [2, 3])
def test_probabilities_follow_the_logits(n_classes, blobs):
    """predict_proba is sigmoid/softmax of the last layer, computed independently here."""
    X, y = blobs
    y = y % n_classes
    clf = fit_quietly(
        DeepNNClassifier(hidden_layer_sizes=(7, 5), activation="tanh", max_iter=20, random_state=0),
        X,
        y,
    )
    A = X
    for W, b in zip(clf.coefs_[:-1], clf.intercepts_[:-1], strict=True):
        A = np.tanh(A @ W + b)
    Z = A @ clf.coefs_[-1] + clf.intercepts_[-1]
    expected = np.c_[1 - expit(Z), expit(Z)] if n_classes == 2 else softmax(Z, axis=1)
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba, expected, rtol=1e-10)
    np.testing.assert_allclose(clf.predict_log_proba(X), np.log(expected), rtol=1e-9)
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[proba.argmax(axis=1)])


def test_log_proba_is_finite_when_probabilities_underflow():
    """Confident predictions: log_proba stays finite instead of log(0) = -inf, and
    agrees with log(predict_proba): both stop at the smallest normal float."""
    X, y = make_classification(n_samples=100, n_features=4, class_sep=5, random_state=0)
    clf = fit_quietly(
        DeepNNClassifier(
            hidden_layer_sizes=(20,), learning_rate=0.05, max_iter=300, random_state=0
        ),
        X,
        y,
    )
    far = X * 1e4
    log_proba, proba = clf.predict_log_proba(far), clf.predict_proba(far)
    assert np.isfinite(log_proba).all()
    tiny = np.finfo(np.float64).tiny
    assert proba.min() == tiny and (proba.min(axis=1) == tiny).any()  # never exactly 0
    np.testing.assert_allclose(np.log(proba), log_proba, rtol=1e-12)


def test_fitted_attributes(blobs):
    X, y = blobs
    clf = fit_quietly(DeepNNClassifier(hidden_layer_sizes=(8, 6, 5), max_iter=4), X, y)
    assert [W.shape for W in clf.coefs_] == [(4, 8), (8, 6), (6, 5), (5, 3)]
    assert [b.shape for b in clf.intercepts_] == [(8,), (6,), (5,), (3,)]
    assert clf.n_layers_ == 5
    assert clf.n_outputs_ == 3 and clf.out_activation_ == "softmax"
    assert clf.n_iter_ == 4 == len(clf.loss_curve_)
    assert clf.loss_ == clf.loss_curve_[-1]
    assert clf.n_features_in_ == 4
    assert not hasattr(clf, "feature_names_in_")
    binary = fit_quietly(DeepNNClassifier(hidden_layer_sizes=(3,), max_iter=2), X, y % 2)
    assert binary.n_outputs_ == 1 and binary.out_activation_ == "sigmoid"


def test_feature_names_from_a_dataframe(blobs):
    pd = pytest.importorskip("pandas")
    X, y = blobs
    frame = pd.DataFrame(X, columns=["w", "x", "y", "z"])
    clf = fit_quietly(DeepNNClassifier(max_iter=3), frame, y)
    np.testing.assert_array_equal(clf.feature_names_in_, ["w", "x", "y", "z"])
    with pytest.raises(ValueError, match="feature names"):
        clf.predict(frame[["z", "y", "x", "w"]])


def test_hidden_layer_sizes_accepts_an_int_and_an_empty_tuple(blobs):
    X, y = blobs
    one = fit_quietly(DeepNNClassifier(hidden_layer_sizes=12, max_iter=2), X, y)
    assert [W.shape for W in one.coefs_] == [(4, 12), (12, 3)]
    none = fit_quietly(DeepNNClassifier(hidden_layer_sizes=(), max_iter=2), X, y)
    assert [W.shape for W in none.coefs_] == [(4, 3)]


@pytest.mark.parametrize(
    ("activation", "solver", "expected_init"),
    [
        ("relu", "adam", "glorot_uniform"),
        ("leaky_relu", "adam", "glorot_uniform"),
        ("relu", "rmsprop", "glorot_uniform"),
        ("relu", "lbfgs", "glorot_uniform"),
        ("relu", "gd", "he"),
        ("relu", "sgd", "he"),
        ("leaky_relu", "momentum", "he"),
        ("tanh", "adam", "xavier"),
        ("sigmoid", "gd", "xavier"),
        ("identity", "adam", "xavier"),
    ],
)
def test_init_auto_picks_by_activation_and_solver(activation, solver, expected_init):
    """init='auto' starts from the same weights and biases as the explicit initializer."""
    X, y = make_classification(n_samples=60, n_features=30, random_state=0)
    params = dict(
        hidden_layer_sizes=(40,),
        activation=activation,
        solver=solver,
        learning_rate=1e-300,
        max_iter=1,
        random_state=3,
    )
    auto = fit_quietly(DeepNNClassifier(init="auto", **params), X, y)
    explicit = fit_quietly(DeepNNClassifier(init=expected_init, **params), X, y)
    arrays = zip(
        auto.coefs_ + auto.intercepts_, explicit.coefs_ + explicit.intercepts_, strict=True
    )
    for a, b in arrays:
        np.testing.assert_array_equal(a, b)


def test_init_auto_starts_a_relu_classifier_near_the_prior():
    """With ReLU, "auto" is Glorot's uniform start, weights and hidden biases, as MLP's:
    on iris' 4 features the first cost is close to the prior's (the output bias), below
    the uniform guess's log 3, where He's large first-layer weights start above both."""
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    keep = np.r_[0:50, 50:80, 100:150]  # frequencies 50, 30, 50 of 130
    X, y = X[keep], y[keep]
    params = dict(learning_rate=1e-300, max_iter=1, random_state=0)  # Adam, one batch
    clf = fit_quietly(DeepNNClassifier(**params), X, y)
    frequencies = np.bincount(y) / len(y)
    prior_loss = -np.sum(frequencies * np.log(frequencies))
    assert prior_loss < clf.loss_curve_[0] < np.log(3)
    limit = np.sqrt(6 / (4 + 100))
    assert np.abs(clf.coefs_[0]).max() <= limit and np.abs(clf.intercepts_[0]).max() <= limit
    assert np.abs(clf.intercepts_[0]).min() > 0
    he = fit_quietly(DeepNNClassifier(init="he", **params), X, y)
    assert he.loss_curve_[0] > np.log(3)


@pytest.mark.parametrize(
    ("init", "std"),
    [
        ("he", np.sqrt(2 / 500)),
        ("xavier", np.sqrt(1 / 500)),
        ("glorot_uniform", np.sqrt(2 / 700)),  # U(-r, r), r^2 / 3 = 6 / 700 / 3
        ("small_random", 0.01),
    ],
)
def test_initial_weight_scale(init, std):
    """A fit that barely moves the weights shows the initializer's spread."""
    X, y = make_classification(n_samples=20, n_features=500, random_state=0)
    clf = fit_quietly(
        DeepNNClassifier(
            hidden_layer_sizes=(200,),
            init=init,
            solver="gd",
            learning_rate=1e-300,
            max_iter=1,
            random_state=0,
        ),
        X,
        y,
    )
    assert clf.coefs_[0].std() == pytest.approx(std, rel=0.02)
    if init == "glorot_uniform":  # MLP's draw: the biases too, from the weights' law
        assert clf.intercepts_[0].std() == pytest.approx(std, rel=0.15)
    else:
        assert np.abs(clf.intercepts_[0]).max() < 1e-250  # biases start at zero


@pytest.mark.parametrize("solver", ["gd", "sgd", "momentum", "rmsprop", "adam"])
def test_every_solver_learns(solver, blobs):
    X, y = blobs
    learning_rate = {"gd": 0.5, "sgd": 0.1, "momentum": 0.1}.get(solver, 0.01)
    clf = fit_quietly(
        DeepNNClassifier(
            hidden_layer_sizes=(10,),
            solver=solver,
            learning_rate=learning_rate,
            batch_size=32,
            max_iter=100,
            random_state=0,
        ),
        X,
        y,
    )
    assert clf.score(X, y) > 0.95
    assert clf.loss_curve_[-1] < 0.5 * clf.loss_curve_[0]


def _gd_net(**params):
    return DeepNNClassifier(
        hidden_layer_sizes=(6,),
        solver="gd",
        learning_rate=0.1,
        max_iter=10,
        random_state=0,
        **params,
    )


def test_balanced_class_weight_equals_hand_computed_sample_weights():
    """'balanced' weighs class k by n_samples / (n_classes * count_k)."""
    X, y = make_classification(n_samples=90, n_features=5, weights=[0.8], random_state=0)
    counts = np.bincount(y)
    by_hand = (len(y) / (2 * counts))[y]
    balanced = fit_quietly(_gd_net(class_weight="balanced"), X, y)
    explicit = fit_quietly(_gd_net(), X, y, sample_weight=by_hand)
    np.testing.assert_allclose(balanced.coefs_[0], explicit.coefs_[0], rtol=1e-10)


def test_class_weight_multiplies_sample_weight():
    X, y = make_classification(n_samples=90, n_features=5, random_state=1)
    weights = np.linspace(0.5, 2.0, len(y))
    weights_before = weights.copy()
    with_dict = fit_quietly(_gd_net(class_weight={1: 3.0}), X, y, sample_weight=weights)
    by_hand = fit_quietly(_gd_net(), X, y, sample_weight=weights * np.where(y == 1, 3.0, 1.0))
    np.testing.assert_allclose(with_dict.coefs_[0], by_hand.coefs_[0], rtol=1e-10)
    np.testing.assert_array_equal(weights, weights_before)


def test_class_weight_shifts_predictions_towards_the_heavy_class():
    X, y = make_classification(n_samples=200, n_features=5, class_sep=0.3, random_state=2)
    heavy = fit_quietly(_gd_net(class_weight={0: 20.0}), X, y)
    assert np.mean(heavy.predict(X) == 0) > 0.9


@pytest.mark.parametrize(
    ("class_weight", "error", "message"),
    [
        ({5: 2.0}, ValueError, r"class_weight has labels \[5\] that are not among"),
        ("even", ValueError, "'class_weight' parameter"),
        ([1.0, 2.0], TypeError, "'class_weight' parameter"),
    ],
)
def test_invalid_class_weight(class_weight, error, message):
    X, y = make_classification(n_samples=40, n_features=4, random_state=0)
    with pytest.raises(error, match=message):
        DeepNNClassifier(class_weight=class_weight).fit(X, y)
