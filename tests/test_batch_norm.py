"""Batch normalization (course 2, week 3): the normalization, its gradient, the running
statistics and prediction with them, each against values computed here by hand."""

import pickle

import numpy as np
import pytest
from _helpers import cost_and_gradients, fit_quietly, forward_propagation
from scipy.special import softmax
from sklearn.datasets import make_classification
from sklearn.metrics import log_loss
from sklearn.model_selection import train_test_split

from skdeepnn import DeepNNClassifier
from skdeepnn._batch_norm import EPSILON, BatchNorm
from skdeepnn.utils import gradient_check


@pytest.fixture(scope="module")
def small():
    rng = np.random.default_rng(0)
    return rng.normal(size=(30, 4)), np.arange(30) % 3, rng.uniform(0, 2, size=30)


@pytest.mark.parametrize("activation", ["relu", "leaky_relu", "tanh", "sigmoid", "identity"])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_gradient_check_passes_with_batch_norm(activation, n_classes, small):
    X, y, weights = small
    net = DeepNNClassifier(
        hidden_layer_sizes=(6, 5),
        activation=activation,
        batch_norm=True,
        alpha=0.3,
        random_state=0,
    )
    assert gradient_check(net, X, y % n_classes) < 1e-7
    assert gradient_check(net, X, y % n_classes, sample_weight=weights) < 1e-7


def test_gradient_check_passes_with_batch_norm_and_dropout_at_fitted_weights(small):
    X, y, _ = small
    net = fit_quietly(
        DeepNNClassifier(
            hidden_layer_sizes=(8, 6),
            activation="tanh",
            batch_norm=True,
            dropout=0.2,
            max_iter=20,
            random_state=0,
        ),
        X,
        y,
    )
    assert not np.allclose(net.gammas_[0], 1)  # the check runs away from the start
    assert gradient_check(net, X, y) < 1e-7


def test_a_wrong_batch_norm_gradient_fails_the_check(small, monkeypatch):
    X, y, _ = small
    real = BatchNorm.backward

    def forgets_the_mean_term(self, l, dZ_tilde):
        dZ_tilde = dZ_tilde + dZ_tilde.mean(axis=0)  # undo part of the correction
        return real(self, l, dZ_tilde)

    monkeypatch.setattr(BatchNorm, "backward", forgets_the_mean_term)
    net = DeepNNClassifier(hidden_layer_sizes=(6,), batch_norm=True, random_state=0)
    assert gradient_check(net, X, y) > 1e-3


def hidden_pre_activation(X, W, gamma, beta, sample_weight=None):
    """One identity hidden layer's output in training mode, through the core."""
    batch_norm = BatchNorm([gamma], [beta], [np.zeros(3)], [np.ones(3)], momentum=0.9)
    batch_norm.update_running = True
    layers = forward_propagation(
        X,
        [W, np.ones((3, 1))],
        [np.zeros(3), np.zeros(1)],
        "identity",
        batch_norm=batch_norm,
        sample_weight=sample_weight,
    )
    return layers[1], batch_norm


def test_training_normalizes_each_unit_over_the_batch():
    rng = np.random.default_rng(1)
    X, W = rng.normal(3, 2, size=(50, 4)), rng.normal(size=(4, 3))
    gamma, beta = np.array([2.0, 0.5, 1.0]), np.array([1.0, -1.0, 0.0])
    A, batch_norm = hidden_pre_activation(X, W, gamma, beta)
    Z = X @ W
    expected = (Z - Z.mean(axis=0)) / np.sqrt(Z.var(axis=0) + EPSILON) * gamma + beta
    np.testing.assert_allclose(A, expected, rtol=1e-12)
    np.testing.assert_allclose(A.mean(axis=0), beta, atol=1e-12)
    # The first batch's statistics replace the initial (0, 1): nothing to average yet.
    # The running variance is the unbiased one.
    np.testing.assert_allclose(batch_norm.running_means[0], Z.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(batch_norm.running_vars[0], Z.var(axis=0, ddof=1), rtol=1e-12)
    assert batch_norm.n_updates == 1


def test_weighted_statistics_ignore_zero_weights_and_count_repeats():
    rng = np.random.default_rng(2)
    X, W = rng.normal(size=(12, 4)), rng.normal(size=(4, 3))
    gamma, beta = np.ones(3), np.zeros(3)
    weights = np.array([1, 2, 0, 1, 3, 0, 1, 1, 2, 1, 0, 1], dtype=float)
    A_weighted, _ = hidden_pre_activation(X, W, gamma, beta, weights)
    repeated = np.repeat(np.arange(12), weights.astype(int))
    A_repeated, _ = hidden_pre_activation(X[repeated], W, gamma, beta)
    np.testing.assert_allclose(A_weighted[repeated], A_repeated, rtol=1e-12, atol=1e-12)


def test_weighted_gradient_equals_the_gradient_on_repeated_rows():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(10, 4))
    Y = np.eye(3)[np.arange(10) % 3]
    weights = rng.integers(0, 4, size=10).astype(float)
    repeated = np.repeat(np.arange(10), weights.astype(int))
    coefs = [rng.normal(size=(4, 5)), rng.normal(size=(5, 3))]
    intercepts = [np.zeros(5), rng.normal(size=3)]
    gamma = rng.uniform(0.5, 2, size=5)

    def cost_and_every_gradient(X, Y, sample_weight):
        batch_norm = BatchNorm.initial([5], 0.9, np.float64)
        batch_norm.gammas[0][:] = gamma
        cost, (dW, db) = cost_and_gradients(
            X, Y, coefs, intercepts, "tanh", "softmax", 0.1, sample_weight, batch_norm=batch_norm
        )
        assert db[0] is None  # the hidden bias is dropped
        return [np.array(cost), *dW, db[1], batch_norm.dgammas[0], batch_norm.dbetas[0]]

    weighted = cost_and_every_gradient(X, Y, weights)
    on_repeats = cost_and_every_gradient(X[repeated], Y[repeated], None)
    for got, expected in zip(weighted, on_repeats, strict=True):
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)


@pytest.fixture(scope="module")
def unscaled():
    X, y = make_classification(
        n_samples=600, n_features=20, n_informative=10, n_classes=3, random_state=0
    )
    X = X * np.linspace(1, 50, 20) + 10  # badly scaled, off-centre features
    return train_test_split(X, y, test_size=0.3, random_state=0)


def test_prediction_normalizes_with_the_running_statistics(unscaled):
    X_train, X_test, y_train, _ = unscaled
    net = fit_quietly(
        DeepNNClassifier(hidden_layer_sizes=(16, 8), batch_norm=True, max_iter=5, random_state=0),
        X_train,
        y_train,
    )
    A = X_test
    for l in range(2):
        Z = A @ net.coefs_[l]
        Z = (Z - net.running_means_[l]) / np.sqrt(net.running_vars_[l] + EPSILON)
        A = np.maximum(Z * net.gammas_[l] + net.betas_[l], 0)
    expected = softmax(A @ net.coefs_[2] + net.intercepts_[2], axis=1)
    np.testing.assert_allclose(net.predict_proba(X_test), expected, rtol=1e-10)
    # The hidden layers' biases were dropped: they are still zero.
    assert not net.intercepts_[0].any() and not net.intercepts_[1].any()
    assert net.intercepts_[2].any()


@pytest.mark.parametrize("solver", ["lbfgs", "gd"])
def test_full_batch_solvers_keep_the_whole_training_sets_statistics(solver, unscaled):
    X_train, _, y_train, _ = unscaled
    net = fit_quietly(
        DeepNNClassifier(
            hidden_layer_sizes=(8,), batch_norm=True, solver=solver, max_iter=30, random_state=0
        ),
        X_train,
        y_train,
    )
    Z = X_train @ net.coefs_[0]
    np.testing.assert_allclose(net.running_means_[0], Z.mean(axis=0), rtol=1e-10)
    np.testing.assert_allclose(net.running_vars_[0], Z.var(axis=0), rtol=1e-10)


def test_batch_norm_lets_gradient_descent_train_on_unscaled_features(unscaled):
    """The course's point: normalized layers train at a learning rate that unnormalized
    ones cannot use on badly scaled inputs (there, gd diverges or stalls)."""
    X_train, _, y_train, _ = unscaled
    params = dict(
        hidden_layer_sizes=(32, 32),
        solver="gd",
        learning_rate=0.3,
        max_iter=150,
        tol=0,
        random_state=0,
    )
    scores = {}
    for batch_norm in (False, True):
        try:
            net = fit_quietly(DeepNNClassifier(batch_norm=batch_norm, **params), X_train, y_train)
            scores[batch_norm] = net.score(X_train, y_train)
        except ValueError as error:  # diverged
            assert "diverged" in str(error)
            scores[batch_norm] = 0.0
    assert scores[True] > 0.95
    assert scores[False] < scores[True] - 0.2


def test_early_stopping_restores_the_best_epochs_running_statistics(unscaled):
    X_train, X_val, y_train, y_val = unscaled
    net = DeepNNClassifier(
        hidden_layer_sizes=(64, 64),
        batch_norm=True,
        learning_rate=0.01,
        batch_size=32,
        early_stopping=True,
        n_iter_no_change=3,
        max_iter=200,
        random_state=0,
    ).fit(X_train, y_train, X_val=X_val, y_val=y_val)
    assert net.n_iter_ == net.best_iteration_ + 3
    assert log_loss(y_val, net.predict_proba(X_val)) == pytest.approx(net.best_loss_, rel=1e-9)


def test_partial_fit_averages_the_batches_statistics_and_keeps_float32(unscaled):
    X_train, _, y_train, _ = unscaled
    X = X_train.astype(np.float32)
    chunks = [X[:150], X[150:300], X[300:]]  # one batch each
    targets = [y_train[:150], y_train[150:300], y_train[300:]]
    net = DeepNNClassifier(hidden_layer_sizes=(8,), batch_norm=True, random_state=0)
    net.partial_fit(chunks[0], targets[0], classes=[0, 1, 2])
    assert net.gammas_[0].dtype == np.float32 == net.predict_proba(chunks[0]).dtype

    def expected_after(chunk, keep):
        """One update of the averages, from the weights the chunk's step started at."""
        Z = (chunk @ net.coefs_[0]).astype(np.float64)
        n = len(chunk)
        mean = keep * net.running_means_[0] + (1 - keep) * Z.mean(axis=0)
        var = keep * net.running_vars_[0] + (1 - keep) * Z.var(axis=0) * n / (n - 1)
        return mean, var

    # The second batch averages evenly with the first: 1/2 each.
    mean, var = expected_after(chunks[1], keep=0.5)
    net.partial_fit(chunks[1], targets[1])
    np.testing.assert_allclose(net.running_means_[0], mean, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(net.running_vars_[0], var, rtol=1e-4)
    # The third would weigh 2/3 for the past, but a momentum of 0.3 caps it.
    net.set_params(batch_norm_momentum=0.3)
    mean, var = expected_after(chunks[2], keep=0.3)
    net.partial_fit(chunks[2], targets[2])
    np.testing.assert_allclose(net.running_means_[0], mean, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(net.running_vars_[0], var, rtol=1e-4)
    assert net.n_iter_ == 3

    net.set_params(batch_norm=False, warm_start=True)
    with pytest.raises(ValueError, match="fitted with batch normalization"):
        net.fit(X_train, y_train)
    assert net.n_iter_ == 3  # the failed fit changed nothing


def test_float32_statistics_of_a_large_off_centre_batch_stay_accurate():
    rng = np.random.default_rng(4)
    Z = (1000 + rng.normal(size=(1_000_000, 1))).astype(np.float32)
    batch_norm = BatchNorm.initial([1], 0.9, np.float32)
    normalized = batch_norm.forward(0, Z)
    assert abs(normalized.mean(dtype=np.float64)) < 1e-2
    assert abs(normalized.std(dtype=np.float64) - 1) < 1e-2


def test_a_batch_of_one_weighted_row_leaves_the_running_statistics_alone():
    batch_norm = BatchNorm.initial([3], 0.9, np.float64)
    batch_norm.update_running = True
    Z = np.random.default_rng(5).normal(size=(2, 3))
    batch_norm.forward(0, Z, sample_weight=np.array([1.0, 0.0]))
    np.testing.assert_array_equal(batch_norm.running_means[0], np.zeros(3))
    np.testing.assert_array_equal(batch_norm.running_vars[0], np.ones(3))
    assert batch_norm.n_updates == 0


def test_sparse_input_gives_the_dense_model(unscaled):
    from scipy import sparse

    X_train, X_test, y_train, _ = unscaled
    X_train = np.where(np.abs(X_train) > 20, X_train, 0)  # some zeros
    params = dict(hidden_layer_sizes=(8,), batch_norm=True, max_iter=3, random_state=0)
    dense = fit_quietly(DeepNNClassifier(**params), X_train, y_train)
    on_csr = fit_quietly(DeepNNClassifier(**params), sparse.csr_matrix(X_train), y_train)
    np.testing.assert_allclose(
        on_csr.predict_proba(X_test), dense.predict_proba(X_test), rtol=1e-7, atol=1e-10
    )


def test_pickle_round_trip_and_attributes_without_batch_norm(unscaled):
    X_train, X_test, y_train, _ = unscaled
    params = dict(hidden_layer_sizes=(8,), max_iter=3, random_state=0)
    net = fit_quietly(DeepNNClassifier(batch_norm=True, **params), X_train, y_train)
    restored = pickle.loads(pickle.dumps(net))
    np.testing.assert_array_equal(restored.predict_proba(X_test), net.predict_proba(X_test))
    plain = fit_quietly(DeepNNClassifier(**params), X_train, y_train)
    assert plain.gammas_ is plain.betas_ is plain.running_means_ is plain.running_vars_ is None


@pytest.mark.parametrize(
    ("name", "value", "error"),
    [("batch_norm", "yes", TypeError), ("batch_norm_momentum", 1.0, ValueError)],
)
def test_invalid_batch_norm_parameters_are_named(name, value, error, small):
    X, y, _ = small
    with pytest.raises(error, match=f"'{name}' parameter"):
        DeepNNClassifier(**{name: value}).fit(X, y)


def test_mini_batches_after_lbfgs_move_its_statistics_at_the_full_momentum(unscaled):
    X_train, _, y_train, _ = unscaled
    net = fit_quietly(
        DeepNNClassifier(
            hidden_layer_sizes=(8,), batch_norm=True, solver="lbfgs", max_iter=20, random_state=0
        ),
        X_train,
        y_train,
    )
    whole_set = net.running_means_[0].copy()
    chunk = X_train[:100]
    batch_mean = (chunk @ net.coefs_[0]).mean(axis=0)
    net.set_params(solver="adam").partial_fit(chunk, y_train[:100])
    expected = 0.9 * whole_set + 0.1 * batch_mean
    np.testing.assert_allclose(net.running_means_[0], expected, rtol=1e-10)
