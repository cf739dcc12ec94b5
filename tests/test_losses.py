"""Tests of the cross-entropy losses and the L2 penalty in ``_losses``."""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.metrics import log_loss

from skdeepnn._losses import (
    LOSSES,
    binary_log_loss_and_gradient,
    categorical_log_loss_and_gradient,
    l2_penalty,
)

N_CLASSES = 4


def _binary_problem(seed, m=12):
    """Moderate logits Z (m, 1), 0/1 targets Y (m, 1) with both classes, weights."""
    rng = np.random.default_rng(seed)
    Z = rng.uniform(-4, 4, size=(m, 1))
    y = rng.integers(0, 2, size=m)
    y[:2] = [0, 1]
    w = rng.uniform(0.1, 3.0, size=m)
    return Z, y[:, None].astype(np.float64), w


def _categorical_problem(seed, m=12):
    """Moderate logits Z (m, k), one-hot targets Y (m, k) with every class, weights."""
    rng = np.random.default_rng(seed)
    Z = rng.uniform(-4, 4, size=(m, N_CLASSES))
    y = rng.integers(0, N_CLASSES, size=m)
    y[:N_CLASSES] = np.arange(N_CLASSES)
    w = rng.uniform(0.1, 3.0, size=m)
    return Z, np.eye(N_CLASSES)[y], w


def _reference_sigmoid(z):
    return 1 / (1 + np.exp(-z))


def _reference_softmax(z):
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _loss(loss_function, Z, Y, sample_weight=None):
    """The loss at Z, without touching Z."""
    return loss_function(Z.copy(), Y, sample_weight)


@pytest.mark.parametrize("weighted", [False, True])
def test_binary_loss_matches_sklearn_log_loss(weighted):
    """Binary cross-entropy from logits equals sklearn's log_loss of sigmoid(Z)."""
    Z, Y, w = _binary_problem(0)
    sample_weight = w if weighted else None
    p = _reference_sigmoid(Z[:, 0])
    expected = log_loss(
        Y[:, 0], np.column_stack([1 - p, p]), sample_weight=sample_weight, labels=[0, 1]
    )
    got = binary_log_loss_and_gradient(Z.copy(), Y, sample_weight)
    assert isinstance(got, float)
    assert got == pytest.approx(expected, rel=1e-10)


@pytest.mark.parametrize("weighted", [False, True])
def test_categorical_loss_matches_sklearn_log_loss(weighted):
    """Categorical cross-entropy from logits equals sklearn's log_loss of softmax(Z)."""
    Z, Y, w = _categorical_problem(1)
    sample_weight = w if weighted else None
    expected = log_loss(
        Y.argmax(axis=1),
        _reference_softmax(Z),
        sample_weight=sample_weight,
        labels=np.arange(N_CLASSES),
    )
    got = categorical_log_loss_and_gradient(Z.copy(), Y, sample_weight)
    assert isinstance(got, float)
    assert got == pytest.approx(expected, rel=1e-10)


def test_losses_registry():
    """LOSSES pairs each output activation with its matching cross-entropy."""
    assert LOSSES == {
        "sigmoid": binary_log_loss_and_gradient,
        "softmax": categorical_log_loss_and_gradient,
    }


@pytest.mark.parametrize(
    "z, y, expected",
    [
        (-1e4, 1.0, 1e4),  # confidently wrong: -log(sigmoid(-1e4)) = 1e4
        (1e4, 0.0, 1e4),  # confidently wrong: -log(1 - sigmoid(1e4)) = 1e4
        (1e4, 1.0, 0.0),  # confidently right
        (-1e4, 0.0, 0.0),
    ],
)
def test_binary_loss_is_stable_for_huge_logits(z, y, expected):
    """|z| = 1e4 gives the right large finite loss, a finite dZ and no warning."""
    Z = np.array([[z]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="warn", divide="warn", invalid="warn"):
            loss = binary_log_loss_and_gradient(Z, np.array([[y]]))
    assert np.isfinite(loss)
    assert loss == pytest.approx(expected, rel=1e-12, abs=1e-12)
    # dZ = sigmoid(z) - y: -1 or +1 when wrong, 0 when right.
    expected_dZ = (1.0 if z > 0 else 0.0) - y
    assert np.isfinite(Z).all()
    assert Z[0, 0] == pytest.approx(expected_dZ, abs=1e-12)


@pytest.mark.parametrize(
    "m, n_classes", [(5, 3), (2000, 3), (2000, 10), (2000, 40)], ids=str
)
def test_categorical_loss_of_many_rows_and_huge_logits(m, n_classes):
    """On every path of the row maximum (a mini-batch, many rows of a few columns,
    many columns), with one huge logit per row: the loss and dZ equal the reference
    computed with log-sum-exp in float64 (scipy's logsumexp)."""
    from scipy.special import logsumexp

    rng = np.random.default_rng(m + n_classes)
    Z = rng.normal(size=(m, n_classes))
    Z[np.arange(m), rng.integers(0, n_classes, m)] += rng.choice([-1e4, 1e4], m)
    Y = np.eye(n_classes)[rng.integers(0, n_classes, m)]
    log_a = Z - logsumexp(Z, axis=1, keepdims=True)
    expected_loss = -np.mean(np.sum(Y * log_a, axis=1))
    expected_dZ = (np.exp(log_a) - Y) / m
    for dtype, rtol in ((np.float64, 1e-12), (np.float32, 1e-5)):
        dZ = Z.astype(dtype)
        loss = categorical_log_loss_and_gradient(dZ, Y.astype(dtype))
        assert loss == pytest.approx(expected_loss, rel=rtol)
        assert_allclose(dZ, expected_dZ, rtol=rtol, atol=rtol / m)


def test_categorical_loss_is_stable_for_huge_logits():
    """Logits of +-1e4 give the right large finite losses, finite dZ, no warning."""
    Z = np.array(
        [
            [1e4, -1e4, 0.0],  # true class has logit -1e4: loss 2e4
            [1e4, -1e4, 0.0],  # true class is the top logit: loss ~0
            [-1e4, -1e4, -1e4],  # all equal: loss log(3)
        ]
    )
    Y = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    per_sample = np.array([2e4, 0.0, np.log(3)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="warn", divide="warn", invalid="warn"):
            loss = categorical_log_loss_and_gradient(Z, Y)
    assert np.isfinite(loss)
    assert loss == pytest.approx(per_sample.mean(), rel=1e-12)
    assert np.isfinite(Z).all()
    expected_dZ = (np.array([[1.0, 0.0, 0.0], [1.0, 0.0, 0.0], [1 / 3, 1 / 3, 1 / 3]]) - Y) / 3
    assert_allclose(Z, expected_dZ, atol=1e-12)


def _finite_difference_gradient(loss_function, Z, Y, sample_weight, eps=1e-6):
    """Central differences of the loss with respect to every entry of Z."""
    gradient = np.empty_like(Z)
    for index in np.ndindex(*Z.shape):
        Z_plus, Z_minus = Z.copy(), Z.copy()
        Z_plus[index] += eps
        Z_minus[index] -= eps
        gradient[index] = (
            _loss(loss_function, Z_plus, Y, sample_weight)
            - _loss(loss_function, Z_minus, Y, sample_weight)
        ) / (2 * eps)
    return gradient


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize(
    "loss_function, problem",
    [
        (binary_log_loss_and_gradient, _binary_problem),
        (categorical_log_loss_and_gradient, _categorical_problem),
    ],
    ids=["binary", "categorical"],
)
def test_dZ_matches_finite_differences(loss_function, problem, weighted):
    """The array written into Z is the gradient of the returned loss w.r.t. Z."""
    Z, Y, w = problem(2)
    sample_weight = w if weighted else None
    expected = _finite_difference_gradient(loss_function, Z, Y, sample_weight)
    dZ = Z.copy()
    loss_function(dZ, Y, sample_weight)
    assert_allclose(dZ, expected, rtol=1e-6, atol=1e-10)


@pytest.mark.parametrize(
    "loss_function, problem, probabilities",
    [
        (binary_log_loss_and_gradient, _binary_problem, _reference_sigmoid),
        (categorical_log_loss_and_gradient, _categorical_problem, _reference_softmax),
    ],
    ids=["binary", "categorical"],
)
def test_dZ_is_probabilities_minus_targets_over_m(loss_function, problem, probabilities):
    """dZ[L] = (A[L] - Y) / m, with A[L] from the textbook sigmoid or softmax."""
    Z, Y, _ = problem(3)
    expected = (probabilities(Z) - Y) / Z.shape[0]
    dZ = Z.copy()
    loss_function(dZ, Y)
    assert_allclose(dZ, expected, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize(
    "loss_function, problem",
    [
        (binary_log_loss_and_gradient, _binary_problem),
        (categorical_log_loss_and_gradient, _categorical_problem),
    ],
    ids=["binary", "categorical"],
)
def test_integer_weights_equal_repeated_rows(loss_function, problem):
    """Weights w_i in {0, 1, 2, 3} act like repeating row i w_i times (loss and dZ)."""
    Z, Y, _ = problem(4)
    w = np.random.default_rng(5).integers(0, 4, size=Z.shape[0])
    w[:3] = [0, 1, 3]

    dZ_weighted = Z.copy()
    loss_weighted = loss_function(dZ_weighted, Y, w)

    dZ_repeated = np.repeat(Z, w, axis=0)
    loss_repeated = loss_function(dZ_repeated, np.repeat(Y, w, axis=0))

    assert loss_weighted == pytest.approx(loss_repeated, rel=1e-12)
    # Row i of the weighted dZ is the sum of the gradients of its w_i copies.
    summed = np.zeros_like(Z)
    np.add.at(summed, np.repeat(np.arange(Z.shape[0]), w), dZ_repeated)
    assert_allclose(dZ_weighted, summed, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize(
    "loss_function, problem",
    [
        (binary_log_loss_and_gradient, _binary_problem),
        (categorical_log_loss_and_gradient, _categorical_problem),
    ],
    ids=["binary", "categorical"],
)
def test_float32_logits(loss_function, problem):
    """float32 logits give a float32 dZ and a loss close to the float64 one."""
    Z, Y, w = problem(6)
    Z32 = Z.astype(np.float32)
    loss32 = loss_function(Z32, Y.astype(np.float32), w)
    Z64 = Z.copy()
    loss64 = loss_function(Z64, Y, w)
    assert Z32.dtype == np.float32
    assert loss32 == pytest.approx(loss64, rel=1e-5)
    assert_allclose(Z32, Z64, rtol=1e-4, atol=1e-6)


def test_l2_penalty_matches_hand_computation():
    """l2_penalty = alpha / (2 m) * sum of every squared weight, summed by hand."""
    rng = np.random.default_rng(7)
    coefs = [rng.normal(size=(3, 4)), rng.normal(size=(4, 2)), rng.normal(size=(2, 1))]
    squared_sum = 0.0
    for W in coefs:
        for value in W.ravel().tolist():
            squared_sum += value * value
    alpha, m = 0.7, 13
    assert l2_penalty(coefs, alpha, m) == pytest.approx(alpha / (2 * m) * squared_sum, rel=1e-12)
    # m may be a (non-integer) sum of sample weights.
    assert l2_penalty(coefs, alpha, 6.25) == pytest.approx(alpha / 12.5 * squared_sum, rel=1e-12)


def test_l2_penalty_tiny_example():
    """A 2x2 example worked out on paper: alpha=2, m=4, sum of squares 30 -> 7.5."""
    coefs = [np.array([[1.0, 2.0], [3.0, 4.0]])]
    assert l2_penalty(coefs, 2.0, 4) == pytest.approx(7.5)


def test_l2_penalty_is_zero_without_regularization():
    """alpha = 0 gives exactly 0, whatever the weights."""
    coefs = [np.full((3, 3), 1e3), np.ones((3, 1))]
    assert l2_penalty(coefs, 0.0, 10) == 0.0
    assert l2_penalty(coefs, 0, 10) == 0.0
