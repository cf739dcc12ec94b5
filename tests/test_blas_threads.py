"""BLAS threads by problem size (``_threads``): small fits run BLAS on one thread.

What BLAS is allowed while the engine trains is read with threadpoolctl from inside
``train``; the tests need a BLAS that can run 2 threads, and skip elsewhere.
"""

import threading

import numpy as np
import pytest
from _helpers import fit_quietly
from sklearn.datasets import make_classification
from threadpoolctl import threadpool_info, threadpool_limits

from skdeepnn import DeepNNClassifier, DeepNNRegressor, _base, _threads


def _blas_threads():
    return [info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"]


@pytest.fixture
def seen(monkeypatch):
    """The BLAS thread counts each ``train`` call ran under, in call order."""
    counts = []
    train = _base.train

    def recording(*args, **kwargs):
        counts.append(_blas_threads())
        return train(*args, **kwargs)

    monkeypatch.setattr(_base, "train", recording)
    return counts


@pytest.fixture
def two_threads():
    with threadpool_limits(limits=2, user_api="blas"):
        if not _blas_threads() or min(_blas_threads()) < 2:
            pytest.skip("this BLAS runs on one thread only")
        yield


def _data(n_samples=300, n_features=10):
    return make_classification(n_samples=n_samples, n_features=n_features, random_state=0)


def test_a_small_fit_runs_blas_on_one_thread_then_puts_it_back(seen, two_threads):
    X, y = _data()
    model = fit_quietly(DeepNNClassifier(hidden_layer_sizes=(20,), max_iter=3), X, y)
    model.partial_fit(X, y)
    assert seen == [[1] * len(seen[0])] * 2
    assert min(_blas_threads()) == 2  # the limit before the fit, put back


def test_a_large_fit_keeps_the_limit_it_was_given(seen, two_threads, monkeypatch):
    X, y = _data()
    # The products of batches of 200 rows by 10 x 20 + 20 weights: 4.4e4.
    monkeypatch.setattr(_threads, "ONE_THREAD_BELOW", 200 * 220)
    fit_quietly(DeepNNClassifier(hidden_layer_sizes=(20,), max_iter=2), X, y)
    monkeypatch.setattr(_threads, "ONE_THREAD_BELOW", 200 * 220 + 1)
    fit_quietly(DeepNNClassifier(hidden_layer_sizes=(20,), max_iter=2), X, y)
    assert [min(counts) for counts in seen] == [2, 1]


def test_the_limit_is_only_ever_lowered(seen, monkeypatch):
    X, y = _data()
    monkeypatch.setattr(_threads, "ONE_THREAD_BELOW", 0)  # every fit is large
    with threadpool_limits(limits=1, user_api="blas"):
        fit_quietly(DeepNNRegressor(hidden_layer_sizes=(20,), max_iter=2), X, y)
    assert seen == [[1] * len(seen[0])]


def test_the_batch_rows_are_the_engines():
    assert _threads.batch_rows_of("adam", "auto", 150) == 150
    assert _threads.batch_rows_of("adam", "auto", 1000) == 200
    assert _threads.batch_rows_of("sgd", 64, 1000) == 64
    assert _threads.batch_rows_of("sgd", 5000, 1000) == 1000
    assert _threads.batch_rows_of("gd", 64, 1000) == 1000
    assert _threads.batch_rows_of("lbfgs", "auto", 1000) == 1000


def test_fits_in_threads_leave_the_limit_alone(seen, two_threads):
    """OpenBLAS's pool is the process's: a fit in a thread of its own would undo the
    limits of fits in other threads, so it keeps BLAS's threads."""
    X, y = _data()
    thread = threading.Thread(
        target=fit_quietly, args=(DeepNNClassifier(hidden_layer_sizes=(20,), max_iter=2), X, y)
    )
    thread.start()
    thread.join()
    assert [min(counts) for counts in seen] == [2]
    fit_quietly(DeepNNClassifier(hidden_layer_sizes=(20,), max_iter=2), X, y)  # main thread
    assert [min(counts) for counts in seen] == [2, 1]
    assert min(_blas_threads()) == 2


def test_one_thread_gives_the_same_model(two_threads, monkeypatch):
    """The limit changes how fast BLAS runs, not what the fit learns."""
    X, y = _data(n_features=30)
    params = dict(hidden_layer_sizes=(40,), max_iter=5, random_state=0)
    one = fit_quietly(DeepNNClassifier(**params), X, y)
    monkeypatch.setattr(_threads, "ONE_THREAD_BELOW", 0)
    threads = fit_quietly(DeepNNClassifier(**params), X, y)
    for a, b in zip(one.coefs_, threads.coefs_, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
