"""Tests of the losses (cross-entropy, squared error, Poisson, Huber) and the L2 penalty
in ``_losses``."""

import warnings
from functools import partial

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import xlogy
from sklearn.metrics import log_loss, mean_poisson_deviance, mean_squared_error

from skdeepnn._losses import (
    LOSSES,
    binary_log_loss_and_gradient,
    categorical_log_loss_and_gradient,
    huber_loss_and_gradient,
    l2_penalty,
    poisson_loss_and_gradient,
    squared_error_loss_and_gradient,
)

N_CLASSES = 4
N_OUTPUTS = 3


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


def _class_index_problem(seed, m=12):
    """``_categorical_problem`` with each one-hot row as its class index: an int32 column."""
    Z, Y, w = _categorical_problem(seed, m)
    return Z, _class_indices(Y), w


def _class_indices(one_hot):
    """The column of class indices of one-hot rows, as ``ClassificationHead`` encodes it."""
    return one_hot.argmax(axis=1).astype(np.int32)[:, None]


def _multilabel_problem(seed, m=12):
    """Moderate logits Z (m, 3), 0/1 targets Y (m, 3) with both values per label."""
    rng = np.random.default_rng(seed)
    Z = rng.uniform(-4, 4, size=(m, N_OUTPUTS))
    Y = rng.integers(0, 2, size=(m, N_OUTPUTS)).astype(np.float64)
    Y[:2] = [[0.0] * N_OUTPUTS, [1.0] * N_OUTPUTS]
    w = rng.uniform(0.1, 3.0, size=m)
    return Z, Y, w


def _regression_problem(seed, m=12, n_outputs=N_OUTPUTS):
    """Outputs Z (m, n_outputs), real targets Y whose residuals |z - y| range over
    both sides of 1 (the default Huber delta), weights."""
    rng = np.random.default_rng(seed)
    Z = rng.normal(size=(m, n_outputs))
    Y = Z + rng.normal(scale=1.5, size=(m, n_outputs))
    w = rng.uniform(0.1, 3.0, size=m)
    return Z, Y, w


def _count_problem(seed, m=12, n_outputs=N_OUTPUTS):
    """Moderate log-means Z (m, n_outputs), Poisson counts Y with zeros, weights."""
    rng = np.random.default_rng(seed)
    Z = rng.uniform(-2, 2, size=(m, n_outputs))
    Y = rng.poisson(np.exp(rng.uniform(-2, 2, size=(m, n_outputs)))).astype(np.float64)
    Y[0] = 0.0
    w = rng.uniform(0.1, 3.0, size=m)
    return Z, Y, w


def _reference_huber(r, delta):
    abs_r = np.abs(r)
    return np.where(abs_r <= delta, 0.5 * r**2, delta * (abs_r - 0.5 * delta))


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


@pytest.mark.parametrize("targets", ["one_hot", "class_index"])
@pytest.mark.parametrize("weighted", [False, True])
def test_categorical_loss_matches_sklearn_log_loss(weighted, targets):
    """Categorical cross-entropy from logits equals sklearn's log_loss of softmax(Z),
    with one-hot targets or their class indices."""
    Z, Y, w = _categorical_problem(1)
    sample_weight = w if weighted else None
    expected = log_loss(
        Y.argmax(axis=1),
        _reference_softmax(Z),
        sample_weight=sample_weight,
        labels=np.arange(N_CLASSES),
    )
    targets = Y if targets == "one_hot" else _class_indices(Y)
    got = categorical_log_loss_and_gradient(Z.copy(), targets, sample_weight)
    assert isinstance(got, float)
    assert got == pytest.approx(expected, rel=1e-10)


def test_the_shape_of_softmax_targets_tells_one_hot_rows_from_class_indices():
    """Integer one-hot rows (scikit-learn's LabelBinarizer makes int64 ones) are one-hot
    rows, not indices; a column of non-integers for several classes is refused."""
    Z, Y, _ = _categorical_problem(8)
    dZ_float, dZ_int = Z.copy(), Z.copy()
    loss_float = categorical_log_loss_and_gradient(dZ_float, Y)
    loss_int = categorical_log_loss_and_gradient(dZ_int, Y.astype(np.int64))
    assert loss_int == pytest.approx(loss_float, rel=1e-15)
    assert_allclose(dZ_int, dZ_float, rtol=1e-15)
    with pytest.raises(TypeError, match="class indices, and must be integers; got dtype float"):
        categorical_log_loss_and_gradient(Z.copy(), Y.argmax(axis=1)[:, None].astype(float))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("weighted", [False, True])
def test_class_indices_give_the_loss_and_dZ_of_one_hot_rows(weighted, dtype):
    """The two forms of softmax targets: the same loss and the same dZ[L]."""
    Z, Y, w = _categorical_problem(7, m=40)
    Z, sample_weight = Z.astype(dtype), (w.astype(dtype) if weighted else None)
    dZ_one_hot, dZ_index = Z.copy(), Z.copy()
    loss_one_hot = categorical_log_loss_and_gradient(dZ_one_hot, Y.astype(dtype), sample_weight)
    loss_index = categorical_log_loss_and_gradient(dZ_index, _class_indices(Y), sample_weight)
    assert dZ_index.dtype == dtype
    assert loss_index == pytest.approx(loss_one_hot, rel=1e-12)
    assert_allclose(dZ_index, dZ_one_hot, rtol=1e-12, atol=0)


def test_losses_registry():
    """LOSSES pairs each output activation with its matching loss (Huber is not one:
    it needs its delta)."""
    assert LOSSES == {
        "sigmoid": binary_log_loss_and_gradient,
        "softmax": categorical_log_loss_and_gradient,
        "identity": squared_error_loss_and_gradient,
        "exp": poisson_loss_and_gradient,
    }


@pytest.mark.parametrize("weighted", [False, True])
def test_multilabel_loss_is_the_sum_of_sklearn_log_loss_per_label(weighted):
    """Binary cross-entropy over 3 sigmoid columns equals the sum over the columns of
    sklearn's (weighted) log_loss of each column."""
    Z, Y, w = _multilabel_problem(8)
    sample_weight = w if weighted else None
    expected = 0.0
    for k in range(N_OUTPUTS):
        p = _reference_sigmoid(Z[:, k])
        expected += log_loss(
            Y[:, k], np.column_stack([1 - p, p]), sample_weight=sample_weight, labels=[0, 1]
        )
    got = binary_log_loss_and_gradient(Z.copy(), Y, sample_weight)
    assert isinstance(got, float)
    assert got == pytest.approx(expected, rel=1e-10)


@pytest.mark.parametrize("n_outputs", [1, N_OUTPUTS])
@pytest.mark.parametrize("weighted", [False, True])
def test_squared_error_matches_sklearn(weighted, n_outputs):
    """Half the squared error, summed over the outputs: half of sklearn's
    mean_squared_error of each output, summed; and the same by hand."""
    Z, Y, w = _regression_problem(9, n_outputs=n_outputs)
    sample_weight = w if weighted else None
    per_output = mean_squared_error(Y, Z, sample_weight=sample_weight, multioutput="raw_values")
    by_hand = np.average(0.5 * ((Z - Y) ** 2).sum(axis=1), weights=sample_weight)
    got = squared_error_loss_and_gradient(Z.copy(), Y, sample_weight)
    assert isinstance(got, float)
    assert got == pytest.approx(0.5 * per_output.sum(), rel=1e-12)
    assert got == pytest.approx(by_hand, rel=1e-12)
    if n_outputs == 1:
        # MLPRegressor's squared error: half the mean of the squares.
        mse = mean_squared_error(Y[:, 0], Z[:, 0], sample_weight=sample_weight)
        assert got == pytest.approx(0.5 * mse, rel=1e-12)


@pytest.mark.parametrize("n_outputs", [1, N_OUTPUTS])
@pytest.mark.parametrize("weighted", [False, True])
def test_poisson_loss_is_half_sklearn_mean_poisson_deviance(weighted, n_outputs):
    """The Poisson loss of log-means Z is half of sklearn's mean_poisson_deviance of
    exp(Z), summed over the outputs; and the same by hand."""
    Z, Y, w = _count_problem(10, n_outputs=n_outputs)
    sample_weight = w if weighted else None
    expected = sum(
        0.5 * mean_poisson_deviance(Y[:, k], np.exp(Z[:, k]), sample_weight=sample_weight)
        for k in range(n_outputs)
    )
    mu = np.exp(Z)
    by_hand = np.average((xlogy(Y, Y / mu) - Y + mu).sum(axis=1), weights=sample_weight)
    got = poisson_loss_and_gradient(Z.copy(), Y, sample_weight)
    assert isinstance(got, float)
    assert got == pytest.approx(expected, rel=1e-12)
    assert got == pytest.approx(by_hand, rel=1e-12)


@pytest.mark.parametrize("delta", [0.5, 1.0, 2.5])
@pytest.mark.parametrize("n_outputs", [1, N_OUTPUTS])
@pytest.mark.parametrize("weighted", [False, True])
def test_huber_loss_matches_hand_computation(weighted, n_outputs, delta):
    """The Huber loss equals 0.5 r^2 or delta (|r| - delta / 2) per element (np.where),
    summed over the outputs, (weighted) mean over the samples."""
    Z, Y, w = _regression_problem(11, m=40, n_outputs=n_outputs)
    abs_r = np.abs(Z - Y)
    assert (abs_r < delta).any() and (abs_r > delta).any()  # both branches are tested
    sample_weight = w if weighted else None
    expected = np.average(_reference_huber(Z - Y, delta).sum(axis=1), weights=sample_weight)
    got = huber_loss_and_gradient(Z.copy(), Y, sample_weight, delta=delta)
    assert isinstance(got, float)
    assert got == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    "loss_function",
    [
        squared_error_loss_and_gradient,
        poisson_loss_and_gradient,
        partial(huber_loss_and_gradient, delta=0.7),
    ],
    ids=["squared_error", "poisson", "huber"],
)
def test_regression_losses_are_zero_at_a_perfect_fit(loss_function):
    """Every regression loss, with its constant for Poisson, is 0 when the prediction
    equals the target, and so is dZ."""
    rng = np.random.default_rng(12)
    Y = rng.uniform(0.5, 5.0, size=(7, N_OUTPUTS))
    Z = np.log(Y) if loss_function is poisson_loss_and_gradient else Y.copy()
    loss = loss_function(Z, Y, rng.uniform(0.1, 3.0, size=7))
    assert loss == pytest.approx(0.0, abs=1e-14)
    assert_allclose(Z, 0.0, atol=1e-15)


@pytest.mark.parametrize("weighted", [False, True])
def test_huber_equals_squared_error_within_delta(weighted):
    """When every |r| <= delta, Huber is the half squared error: same loss, same dZ."""
    Z, Y, w = _regression_problem(13)
    delta = 1.01 * np.abs(Z - Y).max()
    sample_weight = w if weighted else None
    dZ_huber, dZ_squared = Z.copy(), Z.copy()
    loss_huber = huber_loss_and_gradient(dZ_huber, Y, sample_weight, delta=delta)
    loss_squared = squared_error_loss_and_gradient(dZ_squared, Y, sample_weight)
    assert loss_huber == pytest.approx(loss_squared, rel=1e-12)
    assert_allclose(dZ_huber, dZ_squared, rtol=1e-12, atol=0)


@pytest.mark.parametrize("weighted", [False, True])
def test_huber_gradient_is_bounded_by_delta(weighted):
    """|dZ_ik| <= delta p_i; an outlier's dZ is exactly sign(r) delta p_i, however far
    it is, while an inlier's is r p_i."""
    Z, Y, w = _regression_problem(14)
    Y[0, 0] = Z[0, 0] - 1e6  # one huge outlier
    delta = 0.8
    p = w / w.sum() if weighted else np.full(len(w), 1 / len(w))
    dZ = Z.copy()
    huber_loss_and_gradient(dZ, Y, w if weighted else None, delta=delta)
    r = Z - Y
    assert (np.abs(dZ) <= delta * p[:, None] * (1 + 1e-12)).all()
    outside = np.abs(r) > delta
    assert outside.sum() > 1 and (~outside).any()
    assert_allclose(dZ[outside], (np.sign(r) * delta * p[:, None])[outside], rtol=1e-12)
    assert_allclose(dZ[~outside], (r * p[:, None])[~outside], rtol=1e-12)


@pytest.mark.parametrize(
    "dtype, z", [(np.float64, 1e3), (np.float64, 1e4), (np.float32, 100.0)], ids=str
)
def test_poisson_loss_overflows_to_inf_silently(dtype, z):
    """A logit past exp's range gives an infinite loss and dZ entry, without a
    RuntimeWarning; the other entries of dZ are untouched by it."""
    Z = np.array([[z, 0.5], [0.0, -1.0]], dtype=dtype)
    Y = np.array([[3.0, 1.0], [0.0, 2.0]], dtype=dtype)
    w = np.array([1.0, 3.0])
    expected_dZ = (np.exp(Z[1].astype(np.float64)) - Y[1]) * 0.75
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="warn"):
            loss = poisson_loss_and_gradient(Z, Y, w)
    assert loss == np.inf
    assert Z[0, 0] == np.inf
    assert Z.dtype == dtype
    assert_allclose(Z[1], expected_dZ, rtol=1e-6)


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
        for targets in (Y.astype(dtype), _class_indices(Y)):
            dZ = Z.astype(dtype)
            loss = categorical_log_loss_and_gradient(dZ, targets)
            assert loss == pytest.approx(expected_loss, rel=rtol)
            assert_allclose(dZ, expected_dZ, rtol=rtol, atol=rtol / m)


@pytest.mark.parametrize("index_dtype", [np.int8, np.uint8, np.int64, np.uint32, np.uint64])
def test_class_indices_of_every_integer_dtype(index_dtype):
    """Any integer column of class indices gives the loss and dZ of the int32 one that
    ``ClassificationHead`` encodes (an unsigned 64-bit column included, which NumPy
    would add to signed offsets as floats)."""
    Z, Y, w = _categorical_problem(6, m=20)
    expected = Z.copy()
    expected_loss = categorical_log_loss_and_gradient(expected, _class_indices(Y), w)
    dZ = Z.copy()
    loss = categorical_log_loss_and_gradient(dZ, _class_indices(Y).astype(index_dtype), w)
    assert loss == pytest.approx(expected_loss, rel=1e-15)
    assert_array_equal(dZ, expected)


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("layout", ["fortran", "rows_with_gaps"])
def test_categorical_loss_writes_dZ_into_logits_of_any_layout(layout, weighted):
    """Class indices pick each row's true logit by its place in memory when the logits
    are contiguous; a Fortran-ordered array, or one whose rows have gaps, gets the same
    loss and dZ, written into it."""
    Z, Y, w = _categorical_problem(5, m=20)
    w = w if weighted else None
    targets = _class_indices(Y)
    expected = Z.copy()
    expected_loss = categorical_log_loss_and_gradient(expected, targets, w)
    if layout == "fortran":
        dZ = np.asfortranarray(Z)
    else:
        dZ = np.zeros((Z.shape[0], Z.shape[1] + 2))[:, : Z.shape[1]]  # rows with gaps
        dZ[...] = Z
    loss = categorical_log_loss_and_gradient(dZ, targets, w)
    assert loss == pytest.approx(expected_loss, rel=1e-14)
    assert_allclose(dZ, expected, rtol=1e-14, atol=1e-17)


@pytest.mark.parametrize("targets", ["one_hot", "class_index"])
def test_categorical_loss_is_stable_for_huge_logits(targets):
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
            loss = categorical_log_loss_and_gradient(
                Z, Y if targets == "one_hot" else _class_indices(Y)
            )
    assert np.isfinite(loss)
    assert loss == pytest.approx(per_sample.mean(), rel=1e-12)
    assert np.isfinite(Z).all()
    expected_dZ = (np.array([[1.0, 0.0, 0.0], [1.0, 0.0, 0.0], [1 / 3, 1 / 3, 1 / 3]]) - Y) / 3
    assert_allclose(Z, expected_dZ, atol=1e-12)


#: The losses added to the shared tests below, each with a problem of 3 outputs.
REGRESSION_CASES = [
    (binary_log_loss_and_gradient, _multilabel_problem),
    (squared_error_loss_and_gradient, _regression_problem),
    (poisson_loss_and_gradient, _count_problem),
    (partial(huber_loss_and_gradient, delta=1.0), _regression_problem),
    (partial(huber_loss_and_gradient, delta=0.3), _regression_problem),
]
REGRESSION_IDS = ["multilabel", "squared_error", "poisson", "huber", "huber_small_delta"]


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
        (categorical_log_loss_and_gradient, _class_index_problem),
        *REGRESSION_CASES,
    ],
    ids=["binary", "categorical", "class_index", *REGRESSION_IDS],
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
        (binary_log_loss_and_gradient, _multilabel_problem, _reference_sigmoid),
        (squared_error_loss_and_gradient, _regression_problem, lambda z: z),
        (poisson_loss_and_gradient, _count_problem, np.exp),
    ],
    ids=["binary", "categorical", "multilabel", "squared_error", "poisson"],
)
def test_dZ_is_probabilities_minus_targets_over_m(loss_function, problem, probabilities):
    """dZ[L] = (A[L] - Y) / m for each matched pair, with A[L] from the textbook
    sigmoid, softmax, identity or exponential."""
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
        (categorical_log_loss_and_gradient, _class_index_problem),
        *REGRESSION_CASES,
    ],
    ids=["binary", "categorical", "class_index", *REGRESSION_IDS],
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
        *REGRESSION_CASES,
    ],
    ids=["binary", "categorical", *REGRESSION_IDS],
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
