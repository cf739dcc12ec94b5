"""The lean training loop against a straightforward reference implementation.

The reference below is the course's algorithm written the plain way: new arrays
at every step, ``X[batch]`` copies, per-layer Adam with the textbook formulas.
Fed the same initial weights and the same shuffles, the estimator's buffered,
packed, in-place loop must reach the same weights.
"""

import warnings

import numpy as np
import pytest
from scipy.special import expit, softmax
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning

from skdeepnn import DeepNNClassifier


def reference_fit(X, y, hidden, activation, alpha, batch_size, epochs, seed, lr=0.01):
    """Mini-batch Adam on the cross-entropy, as the course writes it (rows as samples)."""
    b1, b2, eps = 0.9, 0.999, 1e-8
    classes = np.unique(y)
    Y = (y == classes[1]).astype(float)[:, None] if len(classes) == 2 else np.eye(len(classes))[y]
    sizes = [X.shape[1], *hidden, Y.shape[1]]
    # The estimator draws from one Generator seeded by random_state: first the
    # weights, layer by layer (He: std sqrt(2 / fan_in)), then, each epoch, a
    # shuffle of the same index array (so each epoch permutes the previous order).
    rng = np.random.default_rng(seed)
    W = [
        np.sqrt(2 / a) * rng.standard_normal((a, b))
        for a, b in zip(sizes[:-1], sizes[1:], strict=True)
    ]
    b = [np.zeros(n) for n in sizes[1:]]
    # The output bias starts at the logits of the class shares (none is below the floor).
    shares = Y.mean(axis=0)
    log_shares = np.log(shares)
    b[-1] = np.log(shares / (1 - shares)) if Y.shape[1] == 1 else log_shares - log_shares.mean()
    params = W + b
    v = [np.zeros_like(p) for p in params]
    s = [np.zeros_like(p) for p in params]
    g = {"relu": lambda z: np.maximum(z, 0), "tanh": np.tanh}[activation]
    g_prime = {"relu": lambda a: (a > 0).astype(float), "tanh": lambda a: 1 - a**2}[activation]
    t = 0
    order = np.arange(len(X))
    for _ in range(epochs):
        rng.shuffle(order)
        for start in range(0, len(X), batch_size):
            rows = order[start : start + batch_size]
            A = [X[rows]]
            for l in range(len(W) - 1):
                A.append(g(A[-1] @ W[l] + b[l]))
            Z = A[-1] @ W[-1] + b[-1]
            out = expit(Z) if Y.shape[1] == 1 else softmax(Z, axis=1)
            m = len(rows)
            dZ = (out - Y[rows]) / m
            dW, db = [None] * len(W), [None] * len(W)
            for l in range(len(W) - 1, -1, -1):
                dW[l] = A[l].T @ dZ + alpha / m * W[l]
                db[l] = dZ.sum(axis=0)
                if l > 0:
                    dZ = (dZ @ W[l].T) * g_prime(A[l])
            t += 1
            for i, grad in enumerate(dW + db):
                v[i] = b1 * v[i] + (1 - b1) * grad
                s[i] = b2 * s[i] + (1 - b2) * grad**2
                v_hat, s_hat = v[i] / (1 - b1**t), s[i] / (1 - b2**t)
                params[i] -= lr * v_hat / (np.sqrt(s_hat) + eps)
    return params[: len(W)], params[len(W) :]


@pytest.mark.parametrize("activation", ["relu", "tanh"])
@pytest.mark.parametrize("n_classes", [2, 4])
def test_lean_loop_matches_the_reference(activation, n_classes):
    X, y = make_classification(
        n_samples=300, n_features=12, n_informative=6, n_classes=n_classes, random_state=0
    )
    hidden, alpha, batch_size, epochs, seed = (16, 8), 0.01, 64, 3, 7
    expected_W, expected_b = reference_fit(
        X, y, hidden, activation, alpha, batch_size, epochs, seed
    )
    net = DeepNNClassifier(
        hidden_layer_sizes=hidden,
        activation=activation,
        init="he",
        solver="adam",
        learning_rate=0.01,
        alpha=alpha,
        batch_size=batch_size,
        max_iter=epochs,
        random_state=seed,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        net.fit(X, y)
    for got, expected in zip(net.coefs_ + net.intercepts_, expected_W + expected_b, strict=True):
        np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-9)
