"""Sparse input: CSR and CSC give the model that the same dense data gives."""

import warnings

import numpy as np
import pytest
from scipy import sparse
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning

from skdeepnn import DeepNNClassifier, LogisticRegressionGD
from skdeepnn.utils import gradient_check


@pytest.fixture(scope="module")
def sparse_data():
    X, y = make_classification(
        n_samples=150, n_features=30, n_classes=3, n_informative=8, random_state=0
    )
    X[np.abs(X) < 1.0] = 0  # about two thirds zeros
    return X, y


def fit(estimator, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(X, y)


@pytest.mark.parametrize(
    "to_sparse", [sparse.csr_matrix, sparse.csc_matrix, sparse.csr_array, sparse.coo_matrix]
)
@pytest.mark.parametrize(
    "params",
    [
        dict(solver="adam", batch_size=32),
        dict(solver="sgd", batch_size=40, shuffle=False),
        dict(solver="gd"),
    ],
    ids=["shuffled-batches", "ordered-batches", "full-batch"],
)
def test_sparse_and_dense_give_the_same_model(to_sparse, params, sparse_data):
    X, y = sparse_data
    make = dict(hidden_layer_sizes=(10,), learning_rate=0.01, max_iter=4, random_state=0)
    dense = fit(DeepNNClassifier(**make, **params), X, y)
    from_sparse = fit(DeepNNClassifier(**make, **params), to_sparse(X), y)
    for W_dense, W_sparse in zip(dense.coefs_, from_sparse.coefs_, strict=True):
        np.testing.assert_allclose(W_sparse, W_dense, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(
        from_sparse.predict_proba(to_sparse(X)), dense.predict_proba(X), rtol=1e-9
    )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sparse_keeps_its_float_dtype(dtype, sparse_data):
    X, y = sparse_data
    clf = fit(LogisticRegressionGD(max_iter=5), sparse.csr_matrix(X, dtype=dtype), y)
    assert clf.coef_.dtype == dtype
    assert clf.predict_proba(sparse.csr_matrix(X, dtype=dtype)).dtype == dtype


def test_sparse_input_is_not_densified_or_modified(sparse_data, monkeypatch):
    """Training never calls toarray(); the input matrix is left as it was."""
    X, y = sparse_data
    X_sparse = sparse.csr_matrix(X)
    before = X_sparse.copy()

    def refuse(*args, **kwargs):
        raise AssertionError("X was densified")

    monkeypatch.setattr(sparse.csr_matrix, "toarray", refuse)
    monkeypatch.setattr(sparse.csr_matrix, "todense", refuse)
    clf = fit(DeepNNClassifier(hidden_layer_sizes=(8,), max_iter=3, batch_size=32), X_sparse, y)
    clf.predict(X_sparse)
    assert (X_sparse != before).nnz == 0


def test_gradient_check_on_sparse_input(sparse_data):
    X, y = sparse_data
    net = DeepNNClassifier(hidden_layer_sizes=(6,), activation="tanh", alpha=0.1, random_state=0)
    assert gradient_check(net, sparse.csr_matrix(X[:30]), y[:30]) < 1e-7
