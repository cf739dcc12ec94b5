"""skdeepnn beyond one machine: Dask, dask-ml, and memory maps.

- A grid search run through joblib's ``"dask"`` backend on a ``distributed``
  cluster finds what the same search finds in this process: the same best
  parameters and the same cross-validated scores, fold by fold.
- Training over the blocks of a Dask array, with dask-ml's ``Incremental`` and with
  the plain-Dask loop of ``examples/out_of_core.py``, gives the weights that the
  same ``partial_fit`` calls give when made by hand.
- ``partial_fit`` on the chunks of a read-only ``np.memmap`` is ``partial_fit`` on
  the same chunks in memory.

The cluster is a ``LocalCluster`` of two worker processes on the loopback interface
(processes, so that the models and the data really are pickled from one process to
another), started once for the module and closed after it. The tests that need
Dask, distributed or dask-ml (``pip install ".[distributed]"``) are skipped without
them; the memory-map test needs neither.
"""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skdeepnn import DeepNNClassifier, DeepNNRegressor

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

CLASSES = np.array([0, 1, 2])
CHUNK_ROWS = 60


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(
        n_samples=240, n_features=8, n_informative=5, n_classes=3, random_state=0
    )
    return X, y


@pytest.fixture(scope="module")
def client():
    """A client of a LocalCluster of 2 worker processes, 1 thread each, on 127.0.0.1."""
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    )
    try:
        with distributed.Client(cluster) as client:
            yield client
    finally:
        cluster.close()


def _network(**params):
    return DeepNNClassifier(hidden_layer_sizes=(8,), batch_size=16, random_state=0, **params)


def _by_hand(X, y, n_epochs):
    """The reference: one partial_fit call per chunk of ``CHUNK_ROWS`` rows, in order."""
    model = _network()
    for _ in range(n_epochs):
        for start in range(0, len(X), CHUNK_ROWS):
            stop = start + CHUNK_ROWS
            model.partial_fit(X[start:stop], y[start:stop], classes=CLASSES)
    return model


def _assert_same_weights(model, reference):
    assert model.n_iter_ == reference.n_iter_
    for name in ["coefs_", "intercepts_"]:
        for got, expected in zip(getattr(model, name), getattr(reference, name), strict=True):
            np.testing.assert_array_equal(got, expected)


def _dask_arrays(X, y):
    da = pytest.importorskip("dask.array")
    return da.from_array(X, chunks=(CHUNK_ROWS, X.shape[1])), da.from_array(y, chunks=CHUNK_ROWS)


# -- a grid search on the cluster ---------------------------------------------------------


def test_grid_search_on_dask_matches_local_search(data, client):
    joblib = pytest.importorskip("joblib")
    from distributed import get_task_stream

    X, y = data
    search = GridSearchCV(
        make_pipeline(StandardScaler(), _network(max_iter=5)),
        {
            "deepnnclassifier__hidden_layer_sizes": [(4,), (8,)],
            "deepnnclassifier__learning_rate": [1e-3, 1e-2],
        },
        cv=2,
    )
    here = clone(search).set_params(n_jobs=1).fit(X, y)
    # joblib.parallel_config from joblib 1.3 on; parallel_backend before.
    dask_backend = getattr(joblib, "parallel_config", joblib.parallel_backend)
    with get_task_stream(client) as tasks, dask_backend(backend="dask"):
        on_dask = clone(search).set_params(n_jobs=-1).fit(X, y)

    assert tasks.data, "no task ran on the cluster"  # the fits did run on the workers
    assert on_dask.best_params_ == here.best_params_
    for key in ["mean_test_score", "split0_test_score", "split1_test_score"]:
        np.testing.assert_allclose(on_dask.cv_results_[key], here.cv_results_[key], rtol=1e-12)
    _assert_same_weights(on_dask.best_estimator_[-1], here.best_estimator_[-1])


# -- training over the blocks of a Dask array ---------------------------------------------


def test_incremental_on_cluster_matches_partial_fit_by_hand(data, client):
    """dask-ml's Incremental (it works with scikit-learn 1.9 and dask 2026.8): each
    ``Incremental.partial_fit`` is one pass over the blocks, here in their order
    (``shuffle_blocks=False``), on the cluster's workers."""
    pytest.importorskip("dask_ml")
    from dask_ml.wrappers import Incremental
    from distributed import get_task_stream

    X, y = data
    dX, dy = _dask_arrays(X, y)
    wrapper = Incremental(_network(), shuffle_blocks=False)
    with get_task_stream(client) as tasks:
        for _ in range(3):
            wrapper.partial_fit(dX, dy, classes=CLASSES)
    assert tasks.data, "no task ran on the cluster"
    _assert_same_weights(wrapper.estimator_, _by_hand(X, y, n_epochs=3))
    np.testing.assert_array_equal(wrapper.predict(dX).compute(), wrapper.estimator_.predict(X))


def test_plain_dask_loop_matches_partial_fit_by_hand(data, client):
    """The loop of ``examples/out_of_core.py`` without dask-ml: compute the blocks one
    after the other (here on the cluster, the client being Dask's default scheduler)
    and call partial_fit on each, in this process."""
    dask = pytest.importorskip("dask")
    X, y = data
    dX, dy = _dask_arrays(X, y)
    model = _network()
    for _ in range(3):
        for X_block, y_block in zip(dX.to_delayed().ravel(), dy.to_delayed(), strict=True):
            X_chunk, y_chunk = dask.compute(X_block, y_block)
            model.partial_fit(X_chunk, y_chunk, classes=CLASSES)
    _assert_same_weights(model, _by_hand(X, y, n_epochs=3))


# -- memory maps ----------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("Estimator", [DeepNNClassifier, DeepNNRegressor])
def test_partial_fit_on_read_only_memmap_chunks(tmp_path, data, Estimator, dtype):
    X, y = data
    X = X.astype(dtype)
    path = tmp_path / "X.npy"
    np.save(path, X)
    mapped = np.load(path, mmap_mode="r")
    assert isinstance(mapped, np.memmap) and not mapped.flags.writeable

    def train(rows):
        model = Estimator(hidden_layer_sizes=(8,), batch_size=16, random_state=0)
        extra = {"classes": CLASSES} if Estimator is DeepNNClassifier else {}
        for _ in range(2):
            for start in range(0, len(X), CHUNK_ROWS):
                chunk = slice(start, start + CHUNK_ROWS)
                model.partial_fit(rows[chunk], y[chunk], **extra)
        return model

    from_memmap, in_memory = train(mapped), train(X.copy())
    _assert_same_weights(from_memmap, in_memory)
    assert from_memmap.coefs_[0].dtype == dtype
    np.testing.assert_array_equal(np.load(path), X)  # the file was only read
