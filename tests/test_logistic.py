"""LogisticRegressionGD: scikit-learn's LogisticRegression as the reference."""

import warnings
from inspect import signature

import numpy as np
import pytest
from _helpers import fit_quietly
from scipy.special import softmax
from sklearn.datasets import load_breast_cancer, load_digits, make_blobs
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss
from sklearn.model_selection import StratifiedKFold, cross_val_score, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.class_weight import compute_class_weight

from skdeepnn import DeepNNClassifier, LogisticRegressionGD


@pytest.mark.parametrize("load", [load_breast_cancer, load_digits])
def test_default_fit_is_within_one_point_of_sklearn(load):
    """On standardized data, the default fit is within 1 point of LogisticRegression.

    Compared on the mean of 5 cross-validation folds, not one split's luck.
    """
    X, y = load(return_X_y=True)
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)

    def accuracy(classifier):
        return cross_val_score(make_pipeline(StandardScaler(), classifier), X, y, cv=folds).mean()

    ours = accuracy(LogisticRegressionGD())
    theirs = accuracy(LogisticRegression(max_iter=10_000))
    assert ours >= theirs - 0.01


def test_unregularized_solution_matches_sklearn():
    """With alpha=0 and enough iterations, the weights reach sklearn's unpenalized optimum."""
    X, y = make_blobs(n_samples=200, centers=2, cluster_std=4, random_state=0)
    ours = LogisticRegressionGD(learning_rate=0.5, max_iter=20_000, tol=0).fit(X, y)
    theirs = LogisticRegression(C=np.inf, tol=1e-10, max_iter=10_000).fit(X, y)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-4)
    np.testing.assert_allclose(ours.intercept_, theirs.intercept_, rtol=1e-4)


def test_l2_matches_sklearn_with_the_same_penalty():
    """alpha/(2m)||w||^2 on the mean loss is C = 1/alpha on the summed loss."""
    X, y = make_blobs(n_samples=200, centers=2, cluster_std=4, random_state=0)
    alpha = 5.0
    ours = LogisticRegressionGD(alpha=alpha, learning_rate=0.5, max_iter=20_000, tol=0).fit(X, y)
    theirs = LogisticRegression(C=1 / alpha, tol=1e-10, max_iter=10_000).fit(X, y)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-4)


def test_multiclass_is_multinomial():
    X, y = make_blobs(n_samples=150, centers=3, random_state=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = LogisticRegressionGD(max_iter=200).fit(X, y)
    assert clf.coef_.shape == (3, 2) and clf.intercept_.shape == (3,)
    scores = clf.decision_function(X)
    np.testing.assert_allclose(scores, X @ clf.coef_.T + clf.intercept_, rtol=1e-12)
    np.testing.assert_allclose(clf.predict_proba(X), softmax(scores, axis=1), rtol=1e-12)
    assert clf.score(X, y) > 0.9


def test_binary_decision_function_is_one_column():
    X, y = make_blobs(n_samples=100, centers=2, random_state=0)
    clf = LogisticRegressionGD().fit(X, y)
    assert clf.coef_.shape == (1, 2) and clf.intercept_.shape == (1,)
    scores = clf.decision_function(X)
    assert scores.shape == (100,)
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[(scores > 0).astype(int)])


def test_without_intercept_the_bias_stays_zero():
    X, y = make_blobs(n_samples=100, centers=2, random_state=0)
    clf = LogisticRegressionGD(fit_intercept=False).fit(X, y)
    assert np.all(clf.intercept_ == 0)


def test_same_model_as_a_network_without_hidden_layers():
    """LogisticRegressionGD and DeepNNClassifier(hidden_layer_sizes=()) share one core."""
    X, y = make_blobs(n_samples=120, centers=3, random_state=0)
    params = dict(solver="gd", learning_rate=0.1, max_iter=50, tol=0, alpha=0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        lr = LogisticRegressionGD(**params).fit(X, y)
        net = DeepNNClassifier(hidden_layer_sizes=(), init="small_random", random_state=0, **params)
        net.fit(X, y)
    # The cost is convex: from zeros and from small random weights, the same
    # training reaches predictions that agree.
    assert np.mean(lr.predict(X) == net.predict(X)) > 0.95


def per_class(weights_of_classes, y):
    """The sample weights that give each sample its class's weight."""
    return np.array([weights_of_classes[label] for label in y], dtype=float)


@pytest.mark.parametrize("with_sample_weight", [False, True])
def test_class_weight_is_the_same_model_as_per_class_sample_weights(with_sample_weight):
    """class_weight multiplies sample_weight; labels absent from the dict weigh 1."""
    X, y = make_blobs(n_samples=150, centers=3, cluster_std=2.0, random_state=0)
    sample_weight = np.linspace(0.5, 2.0, len(y)) if with_sample_weight else np.ones(len(y))
    params = dict(learning_rate=0.05, max_iter=200, tol=0)
    weighted = fit_quietly(
        LogisticRegressionGD(class_weight={0: 1, 1: 3}, **params),
        X,
        y,
        sample_weight=sample_weight if with_sample_weight else None,
    )
    by_hand = fit_quietly(
        LogisticRegressionGD(**params),
        X,
        y,
        sample_weight=sample_weight * per_class({0: 1, 1: 3, 2: 1}, y),
    )
    np.testing.assert_allclose(weighted.coef_, by_hand.coef_, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(weighted.intercept_, by_hand.intercept_, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(weighted.loss_curve_, by_hand.loss_curve_, rtol=1e-12)


@pytest.mark.parametrize("with_sample_weight", [False, True])
def test_balanced_class_weight_matches_sklearns_compute_class_weight(with_sample_weight):
    """With sample_weight, "balanced" counts each class by the sum of its weights."""
    if with_sample_weight and "sample_weight" not in signature(compute_class_weight).parameters:
        pytest.skip("scikit-learn < 1.7's compute_class_weight takes no sample weights")
    X, y = make_blobs(n_samples=[80, 30, 10], cluster_std=2.0, random_state=1)
    labels = np.array(["cat", "dog", "emu"])[y]
    sample_weight = np.linspace(0.5, 2.0, len(y)) if with_sample_weight else None
    params = dict(learning_rate=0.05, max_iter=200, tol=0)
    balanced = fit_quietly(
        LogisticRegressionGD(class_weight="balanced", **params),
        X,
        labels,
        sample_weight=sample_weight,
    )
    classes = np.unique(labels)
    weights = {"sample_weight": sample_weight} if with_sample_weight else {}
    reference = compute_class_weight("balanced", classes=classes, y=labels, **weights)
    per_sample = per_class(dict(zip(classes, reference, strict=True)), labels)
    by_hand = fit_quietly(
        LogisticRegressionGD(**params),
        X,
        labels,
        sample_weight=per_sample if sample_weight is None else sample_weight * per_sample,
    )
    np.testing.assert_allclose(balanced.coef_, by_hand.coef_, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(balanced.intercept_, by_hand.intercept_, rtol=1e-12, atol=1e-15)


def test_class_weight_reaches_sklearns_class_weighted_optimum():
    X, y = make_blobs(n_samples=200, centers=2, cluster_std=4, random_state=0)
    class_weight = {0: 1, 1: 3}
    ours = fit_quietly(
        LogisticRegressionGD(class_weight=class_weight, learning_rate=0.5, max_iter=20_000, tol=0),
        X,
        y,
    )
    theirs = LogisticRegression(
        C=np.inf, class_weight=class_weight, tol=1e-10, max_iter=10_000
    ).fit(X, y)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-4)
    np.testing.assert_allclose(ours.intercept_, theirs.intercept_, rtol=1e-4)


def test_class_weight_weighs_the_validation_loss():
    X, y = make_blobs(n_samples=200, centers=3, cluster_std=3.0, random_state=2)
    X_train, X_val, y_train, y_val = train_test_split(X, y, test_size=0.3, random_state=0)
    class_weight = {0: 5.0, 1: 1.0, 2: 0.5}
    clf = fit_quietly(
        LogisticRegressionGD(class_weight=class_weight, max_iter=50),
        X_train,
        y_train,
        X_val=X_val,
        y_val=y_val,
    )
    # The last validation loss is taken after the last step: at the fitted weights.
    expected = log_loss(
        y_val, clf.predict_proba(X_val), sample_weight=per_class(class_weight, y_val)
    )
    assert clf.validation_loss_curve_[-1] == pytest.approx(expected, rel=1e-10)
    assert expected != pytest.approx(log_loss(y_val, clf.predict_proba(X_val)), rel=1e-3)


@pytest.mark.parametrize(
    ("class_weight", "error", "message"),
    [
        ("even", ValueError, "'class_weight' parameter of LogisticRegressionGD"),
        ({0: -1.0}, ValueError, "class_weight values must be finite non-negative"),
        ({0: np.nan}, ValueError, "class_weight values must be finite non-negative"),
        ({7: 2.0}, ValueError, r"class_weight has labels \[7\] that are not among"),
        ([1.0, 2.0], TypeError, "'class_weight' parameter of LogisticRegressionGD"),
    ],
)
def test_invalid_class_weight_is_refused(class_weight, error, message):
    X, y = make_blobs(n_samples=40, centers=2, random_state=0)
    clf = LogisticRegressionGD(class_weight=class_weight)
    with pytest.raises(error, match=message):
        clf.fit(X, y)
    assert not hasattr(clf, "coef_")


def test_partial_fit_is_not_offered_with_balanced_class_weight():
    X, y = make_blobs(n_samples=40, centers=2, random_state=0)
    clf = LogisticRegressionGD(class_weight="balanced")
    assert not hasattr(clf, "partial_fit")
    with pytest.raises(AttributeError) as info:
        clf.partial_fit(X, y, classes=[0, 1])
    assert "class_weight='balanced'" in str(info.value)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_gd_trains_through_an_oscillating_start(n_classes):
    """Unscaled inputs: at learning_rate=0.3 the loss first oscillates, then settles.

    Stopping after n_iter_no_change iterations that fail to beat an early lucky
    low would return that transient (a model that mostly predicts the light
    classes). Training instead goes on until the loss levels off, and reaches
    the model of scikit-learn's weighted optimum.
    """
    X, y = make_blobs(n_samples=120, centers=n_classes, cluster_std=15, random_state=1)
    sample_weight = np.where(y == 0, 100.0, 0.01)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        clf = LogisticRegressionGD(learning_rate=0.3).fit(X, y, sample_weight=sample_weight)
    changes = np.diff(clf.loss_curve_)
    assert changes.max() > 1  # the loss did oscillate
    # It stopped on a plateau: the last n_iter_no_change iterations each moved it by <= tol.
    assert np.all(np.abs(changes[-clf.n_iter_no_change :]) <= clf.tol)
    assert clf.loss_ <= clf.best_loss_ + clf.tol
    theirs = LogisticRegression(C=np.inf, max_iter=10_000).fit(X, y, sample_weight=sample_weight)
    np.testing.assert_array_equal(clf.predict(X), theirs.predict(X))


def test_gd_that_keeps_oscillating_warns_to_lower_the_learning_rate():
    """Inputs far from zero and random labels: at learning_rate=0.1 the loss never settles.

    Training must neither pass this off as converged nor advise a larger learning rate.
    """
    rng = np.random.default_rng(0)
    X = rng.normal(loc=50, size=(100, 2))
    y = rng.integers(0, 2, size=100)
    with pytest.warns(ConvergenceWarning, match="Lower learning_rate or scale the inputs"):
        clf = LogisticRegressionGD(max_iter=200).fit(X, y)
    assert clf.n_iter_ == 200
    # It keeps the weights of its lowest loss, not those of the last swing.
    assert clf.best_loss_ == min(clf.loss_curve_) < clf.loss_
    assert log_loss(y, clf.predict_proba(X)) == pytest.approx(clf.best_loss_, rel=1e-9)
