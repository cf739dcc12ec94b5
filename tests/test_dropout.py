"""Inverted dropout (course 2, week 1): masks, gradients, prediction, and what it is for."""

import numpy as np
import pytest
from _helpers import fit_quietly
from sklearn.datasets import make_classification
from sklearn.model_selection import train_test_split

from skdeepnn import DeepNNClassifier
from skdeepnn._layers import Dropout, draw_mask
from skdeepnn.utils import gradient_check


def test_masks_drop_the_given_fraction_and_scale_the_rest():
    rng = np.random.default_rng(0)
    masks = [
        draw_mask(rng, keep, np.empty((2000, n), np.float32)) for n, keep in ((50, 0.8), (30, 0.5))
    ]
    for mask, keep in ((masks[0], 0.8), (masks[1], 0.5)):
        assert mask.dtype == np.float32
        assert set(np.unique(mask)) == {0.0, np.float32(1 / keep)}
        assert np.mean(mask == 0) == pytest.approx(1 - keep, abs=0.01)
        assert mask.mean() == pytest.approx(1.0, abs=0.02)  # E[A * mask] = E[A]


def test_a_keep_prob_of_1_adds_no_dropout_layer():
    from _helpers import reference_network

    rng = np.random.default_rng(1)
    coefs = [rng.normal(size=(4, 50)), rng.normal(size=(50, 40)), rng.normal(size=(40, 30)),
             rng.normal(size=(30, 2))]
    intercepts = [np.zeros(W.shape[1]) for W in coefs]
    network = reference_network(
        coefs, intercepts, "relu", "softmax", keep_probs=(0.8, 1.0, 0.5), n_rows=10
    )
    dropouts = [layer for layer in network.layers if isinstance(layer, Dropout)]
    assert [(d.keep_prob, d.n_units) for d in dropouts] == [(0.8, 50), (0.5, 30)]


@pytest.mark.parametrize("activation", ["relu", "leaky_relu", "tanh", "sigmoid", "identity"])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_gradient_check_with_the_mask_held_fixed(activation, n_classes):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(12, 3)), np.arange(12) % n_classes
    net = DeepNNClassifier(
        hidden_layer_sizes=(10, 6),
        activation=activation,
        dropout=(0.3, 0.5),
        alpha=0.2,
        learning_rate=0.01,
        max_iter=5,
        random_state=0,
    )
    # At fitted parameters the biases are no longer zero, so a sample whose units are
    # all dropped or off puts the next layer near, not exactly on, ReLU's kink.
    fit_quietly(net, X, y)
    assert gradient_check(net, X, y) < 1e-7


def test_dropout_is_off_at_prediction():
    """predict_proba is the plain forward pass with every unit: deterministic, unscaled."""
    X, y = make_classification(n_samples=100, n_features=5, random_state=0)
    net = fit_quietly(
        DeepNNClassifier(hidden_layer_sizes=(8,), dropout=0.5, max_iter=20, random_state=0), X, y
    )
    A = np.maximum(X @ net.coefs_[0] + net.intercepts_[0], 0)
    z = (A @ net.coefs_[1] + net.intercepts_[1])[:, 0]
    np.testing.assert_allclose(net.predict_proba(X)[:, 1], 1 / (1 + np.exp(-z)), rtol=1e-10)
    np.testing.assert_array_equal(net.predict_proba(X), net.predict_proba(X))


def test_dropout_changes_training_and_is_reproducible():
    X, y = make_classification(n_samples=100, n_features=5, random_state=0)
    params = dict(hidden_layer_sizes=(8,), max_iter=5, random_state=0)
    plain = fit_quietly(DeepNNClassifier(**params), X, y)
    dropped = [fit_quietly(DeepNNClassifier(dropout=0.5, **params), X, y) for _ in range(2)]
    assert not np.allclose(plain.coefs_[0], dropped[0].coefs_[0])
    np.testing.assert_array_equal(dropped[0].coefs_[0], dropped[1].coefs_[0])


@pytest.mark.parametrize(
    ("dropout", "error", "message"),
    [
        (1.0, ValueError, "'dropout' parameter"),
        (-0.1, ValueError, "'dropout' parameter"),
        ((0.2, 1.0), ValueError, "'dropout' parameter"),
        ("half", TypeError, "'dropout' parameter"),
        ((0.2, 0.3, 0.4), ValueError, "dropout has 3 rates but hidden_layer_sizes has 2"),
    ],
)
def test_invalid_dropout(dropout, error, message):
    X, y = make_classification(n_samples=40, n_features=4, random_state=0)
    with pytest.raises(error, match=message):
        DeepNNClassifier(hidden_layer_sizes=(5, 5), dropout=dropout).fit(X, y)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_l2_and_dropout_each_narrow_the_overfitting_gap(seed):
    """Course 2, week 1: a network that memorizes a small noisy set (100% on training,
    about 70% on test) generalizes better with L2 or with dropout."""
    X, y = make_classification(
        n_samples=300, n_features=20, n_informative=5, flip_y=0.15, random_state=seed
    )
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.5, random_state=0)
    params = dict(
        hidden_layer_sizes=(100, 100),
        learning_rate=0.01,
        max_iter=200,
        tol=0,
        batch_size=32,
        random_state=0,
    )

    def gap(**regularization):
        net = DeepNNClassifier(**params, **regularization).fit(X_train, y_train)
        return net.score(X_train, y_train) - net.score(X_test, y_test)

    plain = gap()
    assert plain > 0.2
    assert gap(alpha=2.0) < plain - 0.03
    assert gap(dropout=0.8) < plain - 0.03
