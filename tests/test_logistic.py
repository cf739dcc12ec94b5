"""LogisticRegressionGD: scikit-learn's LogisticRegression as the reference."""

import warnings

import numpy as np
import pytest
from scipy.special import softmax
from sklearn.datasets import load_breast_cancer, load_digits, make_blobs
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

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


@pytest.mark.parametrize("n_classes", [2, 3])
def test_gd_trains_through_an_oscillating_start(n_classes):
    """Unscaled inputs: at learning_rate=0.1 the loss first oscillates, then settles.

    Stopping after n_iter_no_change iterations that fail to beat an early lucky
    low would return that transient (a model that mostly predicts the light
    classes). Training instead goes on until the loss levels off, and reaches
    the model of scikit-learn's weighted optimum.
    """
    X, y = make_blobs(n_samples=120, centers=n_classes, cluster_std=15, random_state=1)
    sample_weight = np.where(y == 0, 100.0, 0.01)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        clf = LogisticRegressionGD().fit(X, y, sample_weight=sample_weight)
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
    with pytest.warns(ConvergenceWarning, match="lower learning_rate or scale the inputs"):
        clf = LogisticRegressionGD(max_iter=200).fit(X, y)
    assert clf.n_iter_ == 200
