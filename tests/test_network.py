"""Tests of forward and backward propagation through the network of ``_layers`` that
``_network`` builds, against hand computations and finite differences."""

import numpy as np
import pytest
from _helpers import cost_and_gradients, forward_propagation, reference_network
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.metrics import log_loss

from skdeepnn._activations import DERIVATIVES
from skdeepnn._network import predict_logits, rows_per_chunk

HIDDEN_ACTIVATIONS = sorted(DERIVATIVES)
N_FEATURES, N_CLASSES = 4, 3

#: Textbook hidden activations, independent of ``_activations``.
REFERENCE_ACTIVATIONS = {
    "identity": lambda z: z,
    "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0.0),
    "leaky_relu": lambda z: np.where(z > 0, z, 0.01 * z),
}


def _network(layer_sizes, seed, dtype=np.float64):
    """Random weights and (non-zero) biases for the given layer sizes."""
    rng = np.random.default_rng(seed)
    coefs = [
        rng.normal(scale=1 / np.sqrt(n_in), size=(n_in, n_out)).astype(dtype)
        for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:], strict=True)
    ]
    intercepts = [rng.normal(scale=0.5, size=n).astype(dtype) for n in layer_sizes[1:]]
    return coefs, intercepts


def _problem(output_activation, m=7, seed=0):
    """X (m, 4), targets Y for the output, positive sample weights, and a network
    with two hidden layers (so hidden-to-hidden backpropagation is exercised)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, N_FEATURES))
    w = rng.uniform(0.2, 3.0, size=m)
    if output_activation == "sigmoid":
        y = rng.integers(0, 2, size=m)
        y[:2] = [0, 1]
        Y = y[:, None].astype(np.float64)
    else:
        y = rng.integers(0, N_CLASSES, size=m)
        y[:N_CLASSES] = np.arange(N_CLASSES)
        Y = np.eye(N_CLASSES)[y]
    coefs, intercepts = _network([N_FEATURES, 5, 3, Y.shape[1]], seed + 1)
    return X, Y, w, coefs, intercepts


def _hand_forward(X, coefs, intercepts, activation):
    """The course's forward pass, layer by layer: Z = A_prev @ W + b, then g."""
    g = REFERENCE_ACTIVATIONS[activation]
    A = X
    layers = [X]
    for index, (W, b) in enumerate(zip(coefs, intercepts, strict=True)):
        Z = A @ W + b
        A = Z if index == len(coefs) - 1 else g(Z)
        layers.append(A)
    return layers


@pytest.mark.parametrize("activation", HIDDEN_ACTIVATIONS)
def test_forward_propagation_tiny_network_by_hand(activation):
    """On a 2-layer network (3 -> 4 -> 2) the caches are [X, g(X W1 + b1), logits],
    with every entry of the logits computed by explicit loops over units."""
    rng = np.random.default_rng(10)
    X = rng.normal(size=(5, 3))
    coefs, intercepts = _network([3, 4, 2], 11)
    g = REFERENCE_ACTIVATIONS[activation]

    A1 = np.empty((5, 4))
    for i in range(5):
        for j in range(4):
            A1[i, j] = g(sum(X[i, k] * coefs[0][k, j] for k in range(3)) + intercepts[0][j])
    Z2 = np.empty((5, 2))
    for i in range(5):
        for j in range(2):
            Z2[i, j] = sum(A1[i, k] * coefs[1][k, j] for k in range(4)) + intercepts[1][j]

    layers = forward_propagation(X, coefs, intercepts, activation)

    assert len(layers) == 3
    assert layers[0] is X
    assert_allclose(layers[1], A1, rtol=1e-12, atol=1e-14)
    assert_allclose(layers[2], Z2, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("activation", HIDDEN_ACTIVATIONS)
def test_forward_propagation_deeper_network(activation):
    """With three hidden layers the caches match the hand-written layer loop."""
    rng = np.random.default_rng(12)
    X = rng.normal(size=(9, 4))
    coefs, intercepts = _network([4, 6, 5, 3, 2], 13)
    expected = _hand_forward(X, coefs, intercepts, activation)
    layers = forward_propagation(X, coefs, intercepts, activation)
    assert len(layers) == len(expected)
    for got, want in zip(layers, expected, strict=True):
        assert_allclose(got, want, rtol=1e-12, atol=1e-14)


def test_forward_propagation_single_layer_is_logistic_regression():
    """With no hidden layer the only output is the logits X @ W + b."""
    rng = np.random.default_rng(14)
    X = rng.normal(size=(6, 3))
    W, b = rng.normal(size=(3, 1)), rng.normal(size=1)
    layers = forward_propagation(X, [W], [b], "relu")  # the activation is unused
    assert len(layers) == 2
    assert_allclose(layers[1], X @ W + b, rtol=1e-12, atol=1e-14)


def test_forward_propagation_writes_into_buffers_with_more_rows():
    """A network allocated for 8 rows propagates a batch of 5 in the first 5 rows of
    its layers' buffers."""
    rng = np.random.default_rng(15)
    X = rng.normal(size=(5, 4))
    coefs, intercepts = _network([4, 6, 2], 16)
    network = reference_network(coefs, intercepts, "tanh", "softmax", n_rows=8)
    linears = network.layers[::2]
    assert [layer.Z_buffer.shape for layer in linears] == [(8, 6), (8, 2)]
    network.forward_propagation(X)
    caches = [linears[1].A_prev, network.layers[-1].Z_buffer[:5]]
    expected = _hand_forward(X, coefs, intercepts, "tanh")
    for got, want, layer in zip(caches, expected[1:], linears, strict=True):
        assert got.shape == want.shape
        assert np.shares_memory(got, layer.Z_buffer)
        assert_allclose(got, want, rtol=1e-12, atol=1e-14)


def _cost(X, Y, coefs, intercepts, activation, output_activation, alpha, w):
    return cost_and_gradients(X, Y, coefs, intercepts, activation, output_activation, alpha, w)[0]


def _finite_difference_gradients(
    X, Y, coefs, intercepts, activation, output_activation, alpha, w, eps=1e-6
):
    """Central differences of the cost w.r.t. every weight and bias."""
    grads = ([], [])
    for group, arrays in zip(grads, (coefs, intercepts), strict=True):
        for array in arrays:
            gradient = np.empty_like(array)
            for index in np.ndindex(*array.shape):
                original = array[index]
                array[index] = original + eps
                plus = _cost(X, Y, coefs, intercepts, activation, output_activation, alpha, w)
                array[index] = original - eps
                minus = _cost(X, Y, coefs, intercepts, activation, output_activation, alpha, w)
                array[index] = original
                gradient[index] = (plus - minus) / (2 * eps)
            group.append(gradient)
    return grads


def _relative_error(grads, numerical):
    """The course's check: ||g - g_num|| / (||g|| + ||g_num||) over all parameters."""
    g = np.concatenate([a.ravel() for a in grads[0] + grads[1]])
    n = np.concatenate([a.ravel() for a in numerical[0] + numerical[1]])
    return np.linalg.norm(g - n) / (np.linalg.norm(g) + np.linalg.norm(n))


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("alpha", [0.0, 0.5])
@pytest.mark.parametrize("output_activation", ["sigmoid", "softmax"])
@pytest.mark.parametrize("activation", HIDDEN_ACTIVATIONS)
def test_gradients_match_finite_differences(activation, output_activation, alpha, weighted):
    """Backpropagated gradients match central differences: rel. error < 1e-6."""
    X, Y, w, coefs, intercepts = _problem(output_activation)
    sample_weight = w if weighted else None

    _, grads = cost_and_gradients(
        X, Y, coefs, intercepts, activation, output_activation, alpha, sample_weight
    )
    numerical = _finite_difference_gradients(
        X, Y, coefs, intercepts, activation, output_activation, alpha, sample_weight
    )

    for got, want in zip(grads[0] + grads[1], numerical[0] + numerical[1], strict=True):
        assert got.shape == want.shape
    assert _relative_error(grads, numerical) < 1e-6
    # Entry by entry too, so that one small wrong entry cannot hide in the norm.
    for got, want in zip(grads[0] + grads[1], numerical[0] + numerical[1], strict=True):
        assert_allclose(got, want, rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("alpha", [0.0, 0.5])
@pytest.mark.parametrize("output_activation", ["sigmoid", "softmax"])
def test_cost_matches_log_loss_plus_penalty(output_activation, alpha, weighted):
    """The cost is sklearn's (weighted) log_loss of the textbook network's
    probabilities plus alpha / (2 m) * sum of squared weights, m = sum of weights."""
    X, Y, w, coefs, intercepts = _problem(output_activation)
    sample_weight = w if weighted else None
    logits = _hand_forward(X, coefs, intercepts, "tanh")[-1]
    if output_activation == "sigmoid":
        p = 1 / (1 + np.exp(-logits[:, 0]))
        proba, y, labels = np.column_stack([1 - p, p]), Y[:, 0], [0, 1]
    else:
        e = np.exp(logits)
        proba, y, labels = e / e.sum(axis=1, keepdims=True), Y.argmax(axis=1), [0, 1, 2]
    m = X.shape[0] if sample_weight is None else w.sum()
    penalty = alpha / (2 * m) * sum((W**2).sum() for W in coefs)
    expected = log_loss(y, proba, sample_weight=sample_weight, labels=labels) + penalty

    cost, _ = cost_and_gradients(
        X, Y, coefs, intercepts, "tanh", output_activation, alpha, sample_weight
    )

    assert cost == pytest.approx(expected, rel=1e-10)


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("output_activation", ["sigmoid", "softmax"])
@pytest.mark.parametrize("activation", HIDDEN_ACTIVATIONS)
def test_buffered_and_unbuffered_calls_agree(activation, output_activation, weighted):
    """With the training loop's buffers (more rows than the batch, reused for a full
    batch then a shorter last batch) cost and gradients equal unbuffered ones."""
    X, Y, w, coefs, intercepts = _problem(output_activation, m=11)
    network = reference_network(coefs, intercepts, activation, output_activation, 0.3, n_rows=8)
    for layer in network.layers[::2]:
        layer.Z_buffer.fill(np.nan)
        if hasattr(layer, "dA_buffer"):
            layer.dA_buffer.fill(np.nan)
    network.param_grads.fill(123.0)

    # A full batch of 8 rows, then a last batch of 3 (buffers have 5 spare rows).
    for start, stop in [(0, 8), (8, 11)]:
        X_batch, Y_batch = X[start:stop], Y[start:stop]
        w_batch = w[start:stop] if weighted else None
        expected_cost, expected_grads = cost_and_gradients(
            X_batch,
            Y_batch,
            coefs,
            intercepts,
            activation,
            output_activation,
            0.3,
            w_batch,
        )
        cost = network.cost_and_gradient(X_batch, Y_batch, w_batch)
        grads = network.parameters.dW + network.parameters.db
        assert cost == expected_cost
        for got, want in zip(grads, expected_grads[0] + expected_grads[1], strict=True):
            assert_array_equal(got, want)


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("buffered", [False, True], ids=["unbuffered", "buffered"])
@pytest.mark.parametrize("output_activation", ["sigmoid", "softmax"])
@pytest.mark.parametrize("activation", HIDDEN_ACTIVATIONS)
def test_cost_and_gradients_leave_inputs_unchanged(
    activation, output_activation, buffered, weighted
):
    """X, Y, sample_weight, coefs and intercepts are read, never written."""
    X, Y, w, coefs, intercepts = _problem(output_activation)
    inputs = {"X": X, "Y": Y, "w": w, **{f"W{i}": W for i, W in enumerate(coefs)}}
    inputs.update({f"b{i}": b for i, b in enumerate(intercepts)})
    copies = {name: array.copy() for name, array in inputs.items()}
    n_rows = X.shape[0] + 2 if buffered else X.shape[0]

    cost_and_gradients(
        X,
        Y,
        coefs,
        intercepts,
        activation,
        output_activation,
        0.5,
        w if weighted else None,
        n_rows=n_rows,
    )

    for name, array in inputs.items():
        assert_array_equal(array, copies[name], err_msg=name)


def test_float32_network_stays_float32():
    """float32 inputs and weights give float32 gradients close to the float64 ones."""
    X, Y, w, coefs, intercepts = _problem("softmax")
    cost64, grads64 = cost_and_gradients(X, Y, coefs, intercepts, "relu", "softmax", 0.5, w)
    cost32, grads32 = cost_and_gradients(
        X.astype(np.float32),
        Y.astype(np.float32),
        [W.astype(np.float32) for W in coefs],
        [b.astype(np.float32) for b in intercepts],
        "relu",
        "softmax",
        0.5,
        w.astype(np.float32),
    )
    assert cost32 == pytest.approx(cost64, rel=1e-5)
    for got, want in zip(grads32[0] + grads32[1], grads64[0] + grads64[1], strict=True):
        assert got.dtype == np.float32
        assert_allclose(got, want, rtol=1e-3, atol=1e-5)


@pytest.mark.parametrize("chunk_size", [1, 4, 5, 23, 100, None])
@pytest.mark.parametrize("activation", HIDDEN_ACTIVATIONS)
def test_predict_logits_chunked_equals_one_pass(activation, chunk_size):
    """Chunked logits (chunks of 1, 4, 5 rows or more than X) equal one pass."""
    rng = np.random.default_rng(20)
    X = rng.normal(size=(23, N_FEATURES))
    X_copy = X.copy()
    coefs, intercepts = _network([N_FEATURES, 6, 5, N_CLASSES], 21)
    expected = _hand_forward(X, coefs, intercepts, activation)[-1]
    one_pass = forward_propagation(X.copy(), coefs, intercepts, activation)[-1]

    Z = predict_logits(X, coefs, intercepts, activation, chunk_size=chunk_size)

    assert Z.shape == (23, N_CLASSES)
    assert_allclose(Z, one_pass, rtol=1e-13, atol=1e-14)
    assert_allclose(Z, expected, rtol=1e-12, atol=1e-14)
    assert_array_equal(X, X_copy)


@pytest.mark.parametrize("chunk_size", [4, 1300])
@pytest.mark.parametrize("container", ["dense", "csr", "csc"])
def test_predict_logits_float32_and_sparse_chunks(container, chunk_size):
    """float32 and sparse inputs, in chunks of 4 or 1,300 rows (the last one short):
    the logits of one float64 pass, in float32."""
    from scipy import sparse

    rng = np.random.default_rng(22)
    X = rng.normal(size=(3000, N_FEATURES))
    X[X < 0.5] = 0  # mostly zeros
    coefs, intercepts = _network([N_FEATURES, 6, 5, N_CLASSES], 23)
    expected = forward_propagation(X.copy(), coefs, intercepts, "relu")[-1]
    X32 = X.astype(np.float32)
    X32 = {"dense": X32, "csr": sparse.csr_matrix(X32), "csc": sparse.csc_matrix(X32)}[container]
    coefs32 = [W.astype(np.float32) for W in coefs]
    intercepts32 = [b.astype(np.float32) for b in intercepts]

    Z = predict_logits(X32, coefs32, intercepts32, "relu", chunk_size=chunk_size)

    assert Z.dtype == np.float32
    assert_allclose(Z, expected, rtol=1e-5, atol=1e-5)


def test_rows_per_chunk_bounds():
    """About 4 MiB of values per chunk; at least 512 rows; but never a layer of
    more than 2**22 values, however wide."""
    assert rows_per_chunk([784, 256, 128, 10], 4) == 4 * 2**20 // (4 * 1178)
    assert rows_per_chunk([10_000, 64, 10], 8) == 512  # 52 rows would fit 4 MiB
    assert rows_per_chunk([10, 50_000, 10], 8) == 2**22 // 50_000
    assert rows_per_chunk([10, 2**23, 10], 8) == 1


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "identity", "leaky_relu"])
def test_logit_bound_is_an_upper_bound(activation):
    """The bound holds for every row of X, dense or sparse, with large inputs."""
    from scipy import sparse as sp

    from skdeepnn._network import logit_bound

    rng = np.random.default_rng(3)
    X = rng.normal(scale=50, size=(1200, 7))
    coefs = [rng.normal(size=(7, 5)), rng.normal(size=(5, 4)), rng.normal(size=(4, 3))]
    intercepts = [rng.normal(size=5), rng.normal(size=4), rng.normal(size=3)]
    Z = forward_propagation(X, coefs, intercepts, activation)[-1]
    bound = logit_bound(X, coefs, intercepts, activation)
    assert np.abs(Z).max() <= bound < np.inf
    assert logit_bound(sp.csr_matrix(X), coefs, intercepts, activation) == pytest.approx(bound)
    huge = logit_bound(X * 1e306, coefs, intercepts, activation)
    if activation in ("tanh", "sigmoid"):  # bounded units: the input's size stops at them
        assert huge < 100
    else:
        assert huge == np.inf
