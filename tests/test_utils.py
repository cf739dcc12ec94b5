"""The public gradient check: backward propagation against finite differences."""

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from skdeepnn import DeepNNClassifier, LogisticRegressionGD
from skdeepnn.utils import gradient_check

ACTIVATIONS = ["relu", "leaky_relu", "tanh", "sigmoid", "identity"]


def _data(n_classes, n_samples=12, n_features=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, n_features))
    y = np.arange(n_samples) % n_classes
    return X, y


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("alpha", [0.0, 0.7])
def test_gradient_check_at_initial_parameters(activation, n_classes, alpha):
    """Backward propagation matches the two-sided difference for every activation.

    The first layer is wide enough that no sample turns all its ReLU units off,
    which would put the second layer exactly on ReLU's kink (see gradient_check).
    """
    X, y = _data(n_classes)
    net = DeepNNClassifier(
        hidden_layer_sizes=(10, 4), activation=activation, alpha=alpha, random_state=0
    )
    assert gradient_check(net, X, y) < 1e-7
    assert not hasattr(net, "n_features_in_"), "the unfitted estimator was modified"


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("n_classes", [2, 3])
def test_gradient_check_at_fitted_parameters(activation, n_classes):
    """After training, the check runs at the fitted weights and leaves them unchanged."""
    X, y = _data(n_classes)
    net = DeepNNClassifier(
        hidden_layer_sizes=(4,),
        activation=activation,
        alpha=0.3,
        learning_rate=0.05,
        max_iter=20,
        random_state=0,
    )
    with pytest.warns(ConvergenceWarning):  # max_iter is deliberately too small
        net.fit(X, y)
    before = [W.copy() for W in net.coefs_]
    # At epsilon=1e-7 the fitted sigmoid network's difference is the float64 rounding of
    # the cost divided by epsilon: 1e-6, 1e-7 and 1e-8 at epsilon 1e-8, 1e-7 and 1e-6,
    # 1e-9 at 1e-5. At 1e-6 a right gradient sits well below the bound.
    assert gradient_check(net, X, y, epsilon=1e-6) < 1e-7
    for W, W_before in zip(net.coefs_, before, strict=True):
        np.testing.assert_array_equal(W, W_before)


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("alpha", [0.0, 0.5])
def test_gradient_check_logistic_regression(n_classes, fit_intercept, alpha):
    """The network without hidden layer: gradient checked at a fitted, nonzero point."""
    X, y = _data(n_classes)
    clf = LogisticRegressionGD(
        fit_intercept=fit_intercept, alpha=alpha, max_iter=30, learning_rate=0.1
    )
    with pytest.warns(ConvergenceWarning):
        clf.fit(X, y)
    assert gradient_check(clf, X, y) < 1e-7


def test_gradient_check_with_sample_weight():
    X, y = _data(3)
    weights = np.random.default_rng(1).uniform(0.1, 3, size=len(y))
    net = DeepNNClassifier(hidden_layer_sizes=(4,), activation="tanh", alpha=0.2, random_state=0)
    assert gradient_check(net, X, y, sample_weight=weights) < 1e-7


def test_gradient_check_detects_a_wrong_gradient(monkeypatch):
    """The check can fail: a derivative that is off by a factor is caught."""
    from skdeepnn import _activations

    def wrong_tanh_derivative(A, dA):
        dA *= 1.5 * (1 - A**2)
        return dA

    monkeypatch.setitem(_activations.DERIVATIVES, "tanh", wrong_tanh_derivative)
    X, y = _data(2)
    net = DeepNNClassifier(hidden_layer_sizes=(4,), activation="tanh", random_state=0)
    assert gradient_check(net, X, y) > 1e-3


def test_gradient_check_of_a_fitted_model_ignores_later_parameter_changes():
    """At the fitted parameters, whatever set_params says since (no warm-start message)."""
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(30, 3)), np.arange(30) % 2
    net = DeepNNClassifier(hidden_layer_sizes=(5,), activation="tanh", max_iter=5, random_state=0)
    with pytest.warns(ConvergenceWarning):
        net.fit(X, y)
    before = gradient_check(net, X, y)
    net.set_params(hidden_layer_sizes=(7, 7))
    assert gradient_check(net, X, y) == before < 1e-7


def test_gradient_check_of_a_pipeline_checks_its_last_step_on_transformed_input():
    """Issue 10: it raised AttributeError from inside _params.py."""
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(20, 3)) * 10 + 5, np.arange(20) % 2
    net = DeepNNClassifier(hidden_layer_sizes=(4,), activation="tanh", random_state=0)
    pipeline = make_pipeline(StandardScaler(), net)
    alone = gradient_check(net, StandardScaler().fit_transform(X), y)
    assert gradient_check(pipeline, X, y) == alone < 1e-7
    assert not hasattr(pipeline[0], "mean_")  # the unfitted pipeline stays unfitted


def test_gradient_check_refuses_a_foreign_estimator_by_name():
    from sklearn.neural_network import MLPClassifier

    with pytest.raises(TypeError, match="skdeepnn estimator .* got MLPClassifier"):
        gradient_check(MLPClassifier(), np.zeros((4, 2)), [0, 1, 0, 1])
