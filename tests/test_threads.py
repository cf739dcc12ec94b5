"""Thread safety, and fits that never write to their inputs.

- One fitted estimator serves many threads: every thread gets, bit for bit, what
  a single thread gets, for small inputs and for inputs large enough to be
  propagated a chunk of rows at a time (``_network.predict_logits``).
- Clones fitted in parallel threads are the models fitted one after the other.
- ``fit`` and ``partial_fit`` read ``X``, ``y``, ``sample_weight`` and the
  validation set without writing to them: read-only arrays, read-only memory maps
  and sparse matrices on read-only arrays all fit, and come back unchanged.

ConvergenceWarning is silenced for the whole module (the fits are kept short on
purpose) by a pytest mark, not by ``warnings.catch_warnings``, which is not thread-safe.
"""

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from scipy import sparse
from sklearn.base import clone
from threadpoolctl import threadpool_limits

from skdeepnn import DeepNNClassifier, DeepNNRegressor, LogisticRegressionGD
from skdeepnn._network import rows_per_chunk

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

N_THREADS = 8
N_FEATURES = 50


# -- data ------------------------------------------------------------------------------


def _targets(task, X, rng):
    """Targets of ``task`` that depend on ``X``, so that the fits learn something."""
    scores = X[:, :4] @ rng.normal(size=(4, 4))
    if task == "binary":
        return (scores[:, 0] > 0).astype(np.int64)
    if task == "multiclass":
        return scores[:, :3].argmax(axis=1).astype(np.int64)
    if task == "multilabel":
        return (scores > 0).astype(np.int64)
    if task == "regression-1":
        return scores[:, 0] + 0.1 * rng.normal(size=len(X))
    if task == "regression-3":
        return scores[:, :3] + 0.1 * rng.normal(size=(len(X), 3))
    raise ValueError(task)


def _n_outputs(task):
    return {"binary": 1, "multiclass": 3, "multilabel": 4, "regression-1": 1, "regression-3": 3}[
        task
    ]


# -- many threads, one fitted estimator --------------------------------------------------

PREDICT_CASES = {
    "classifier-binary": (DeepNNClassifier(hidden_layer_sizes=(64,)), "binary"),
    "classifier-multiclass": (DeepNNClassifier(hidden_layer_sizes=(64,)), "multiclass"),
    "classifier-batch-norm": (
        DeepNNClassifier(hidden_layer_sizes=(64,), batch_norm=True),
        "multiclass",
    ),
    "classifier-multilabel": (DeepNNClassifier(hidden_layer_sizes=(64,)), "multilabel"),
    "regressor-1-output": (DeepNNRegressor(hidden_layer_sizes=(64,)), "regression-1"),
    "regressor-3-outputs": (DeepNNRegressor(hidden_layer_sizes=(64,)), "regression-3"),
    "logistic-binary": (LogisticRegressionGD(), "binary"),
    "logistic-multiclass": (LogisticRegressionGD(), "multiclass"),
}


def _prediction_methods(estimator):
    names = ["predict"]
    if hasattr(estimator, "predict_proba"):
        names.append("predict_proba")
    if isinstance(estimator, LogisticRegressionGD):
        names.append("decision_function")
    return names


def _chunk_rows(estimator, task, itemsize=8):
    hidden = list(getattr(estimator, "hidden_layer_sizes", ()))
    return rows_per_chunk([N_FEATURES, *hidden, _n_outputs(task)], itemsize)


def _check_threads_predict_as_one_thread(case, passes_large, passes_small):
    """Fit ``case`` once; 8 threads then predict on large (chunked) and small inputs,
    ``passes_large`` and ``passes_small`` times each, and get what one thread got."""
    template, task = PREDICT_CASES[case]
    rng = np.random.default_rng(0)
    X_train = rng.normal(size=(300, N_FEATURES))
    estimator = clone(template).set_params(max_iter=5, random_state=0)
    estimator.fit(X_train, _targets(task, X_train, rng))

    chunk = _chunk_rows(estimator, task)
    X = rng.normal(size=(chunk + 123, N_FEATURES))  # two chunks, the second one short
    large = {  # each goes through the chunked path, but float32 (twice the rows per chunk)
        "full": X,
        "from row 1": X[1:],  # a view that starts mid-buffer
        "Fortran order": np.asfortranarray(X),
        "float32": X.astype(np.float32),
    }
    small = {
        "one row": X[:1],
        "first rows": X[:7],
        "across the chunk boundary": X[chunk - 5 : chunk + 5],
        "every third row": X[::3],  # a strided view
    }
    inputs = {**large, **small}
    assert X[1:].shape[0] > chunk, "the large inputs must go through the chunked path"
    methods = _prediction_methods(estimator)
    expected = {
        (name, method): getattr(estimator, method)(X_in)
        for name, X_in in inputs.items()
        for method in methods
    }
    # Each thread walks the inputs in its own order, so that large and small calls
    # overlap differently.
    schedule = [name for _ in range(passes_large) for name in large] + [
        name for _ in range(passes_small) for name in small
    ]
    barrier = threading.Barrier(N_THREADS)

    def work(thread):
        order = np.random.default_rng(thread).permutation(schedule)
        barrier.wait()  # every thread starts predicting at once
        mismatches = []
        for name in order:
            for method in methods:
                result = getattr(estimator, method)(inputs[name])
                if not np.array_equal(result, expected[name, method]):
                    mismatches.append((thread, name, method))
        return mismatches

    with ThreadPoolExecutor(max_workers=N_THREADS) as pool:
        mismatches = [m for found in pool.map(work, range(N_THREADS)) for m in found]
    assert mismatches == []


@pytest.mark.parametrize("case", PREDICT_CASES)
def test_threads_predicting_with_one_estimator_get_what_one_thread_gets(case):
    # One BLAS thread per call: 8 Python threads each calling a multithreaded
    # OpenBLAS on a 2-core machine run 10 to 40 times slower than this (its
    # threads wait on each other), without testing more of skdeepnn.
    with threadpool_limits(limits=1, user_api="blas"):
        _check_threads_predict_as_one_thread(case, passes_large=3, passes_small=8)


def test_threads_predicting_with_multithreaded_blas_get_what_one_thread_gets():
    """The same with BLAS's own threads, as an application would run it: once, shorter."""
    _check_threads_predict_as_one_thread("classifier-batch-norm", passes_large=1, passes_small=2)


# -- fitting clones in parallel threads --------------------------------------------------

FIT_CASES = {
    "classifier-adam-dropout": (
        DeepNNClassifier(hidden_layer_sizes=(16, 8), dropout=0.2, batch_size=32, max_iter=15),
        "multiclass",
    ),
    "classifier-sgd-batch-norm-early-stopping": (
        DeepNNClassifier(
            hidden_layer_sizes=(16,),
            solver="sgd",
            learning_rate=0.05,
            batch_norm=True,
            batch_size=32,
            early_stopping=True,
            max_iter=15,
        ),
        "binary",
    ),
    "classifier-multilabel-rmsprop": (
        DeepNNClassifier(hidden_layer_sizes=(16,), solver="rmsprop", batch_size=50, max_iter=15),
        "multilabel",
    ),
    "regressor-lbfgs": (
        DeepNNRegressor(hidden_layer_sizes=(16,), solver="lbfgs", max_iter=30),
        "regression-3",
    ),
    "regressor-momentum-batch-norm": (
        DeepNNRegressor(
            hidden_layer_sizes=(16,), solver="momentum", batch_norm=True, batch_size=40, max_iter=15
        ),
        "regression-1",
    ),
    # Its weights start at zero: only the shuffling of "sgd" depends on random_state.
    "logistic-sgd": (LogisticRegressionGD(solver="sgd", batch_size=40, max_iter=20), "multiclass"),
}


def _fitted_state(estimator):
    """Every fitted array and curve that describes the model, to compare bit for bit."""
    names = [
        "coefs_",
        "intercepts_",
        "coef_",
        "intercept_",
        "gammas_",
        "betas_",
        "running_means_",
        "running_vars_",
    ]
    state = {name: getattr(estimator, name) for name in names if hasattr(estimator, name)}
    state["n_iter_"] = estimator.n_iter_
    state["loss_curve_"] = estimator.loss_curve_
    state["validation_loss_curve_"] = estimator.validation_loss_curve_
    return state


def _same(a, b):
    if isinstance(a, list) and a and isinstance(a[0], np.ndarray):
        return len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, np.ndarray):
        return np.array_equal(a, b)
    return a == b


@pytest.mark.parametrize("case", FIT_CASES)
def test_clones_fitted_in_parallel_threads_equal_those_fitted_one_by_one(case):
    template, task = FIT_CASES[case]
    rng = np.random.default_rng(1)
    X = rng.normal(size=(240, 12))
    y = _targets(task, X, rng)
    seeds = range(N_THREADS)

    one_by_one = [clone(template).set_params(random_state=seed).fit(X, y) for seed in seeds]
    barrier = threading.Barrier(N_THREADS)

    def fit(seed):
        estimator = clone(template).set_params(random_state=seed)
        barrier.wait()
        return estimator.fit(X, y)

    with ThreadPoolExecutor(max_workers=N_THREADS) as pool:
        in_parallel = list(pool.map(fit, seeds))

    # Different seeds give different models: the comparison below is not vacuous.
    first, second = (_fitted_state(e) for e in one_by_one[:2])
    key = "coefs_" if "coefs_" in first else "coef_"
    assert not _same(first[key], second[key])
    for seed, serial, parallel in zip(seeds, one_by_one, in_parallel, strict=True):
        expected, got = _fitted_state(serial), _fitted_state(parallel)
        assert expected.keys() == got.keys()
        differing = [name for name in expected if not _same(expected[name], got[name])]
        assert differing == [], f"random_state={seed}"


# -- fit never writes to its inputs ------------------------------------------------------

ESTIMATORS = {
    "classifier-binary": (DeepNNClassifier, "binary"),
    "classifier-multiclass": (DeepNNClassifier, "multiclass"),
    "classifier-multilabel": (DeepNNClassifier, "multilabel"),
    "regressor-1-output": (DeepNNRegressor, "regression-1"),
    "regressor-3-outputs": (DeepNNRegressor, "regression-3"),
    "logistic-binary": (LogisticRegressionGD, "binary"),
    "logistic-multiclass": (LogisticRegressionGD, "multiclass"),
}


def _raw_data(task, seed=0):
    """Training and validation data as writable float64/int64 arrays."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(120, 5))
    X_val = rng.normal(size=(40, 5))
    return {
        "X": X,
        "y": _targets(task, X, rng),
        "sample_weight": rng.uniform(0.5, 2.0, size=len(X)),
        "X_val": X_val,
        "y_val": _targets(task, X_val, rng),
        "sample_weight_val": rng.uniform(0.5, 2.0, size=len(X_val)),
    }


def _read_only(data, kind, tmp_path):
    """``data``'s arrays made read-only: flagged so, or memory-mapped read-only from files."""
    out = {}
    for name, array in data.items():
        if kind == "read-only array":
            copy = array.copy()
            copy.setflags(write=False)
            out[name] = copy
        else:
            path = tmp_path / f"{name}.bin"
            array.tofile(path)
            out[name] = np.memmap(path, dtype=array.dtype, mode="r", shape=array.shape)
        assert not out[name].flags.writeable
    return out


def _assert_unchanged(inputs, originals, tmp_path=None):
    for name, array in inputs.items():
        assert not array.flags.writeable, name
        np.testing.assert_array_equal(array, originals[name], err_msg=name)
        if isinstance(array, np.memmap):  # and the file behind it
            on_disk = np.fromfile(tmp_path / f"{name}.bin", dtype=array.dtype)
            np.testing.assert_array_equal(on_disk, originals[name].ravel(), err_msg=name)


def _variants(estimator_class, solver):
    """The parameter sets to fit with: each exercises a different part of training."""
    base = {"solver": solver, "max_iter": 3, "random_state": 0, "batch_size": 32}
    if estimator_class is not LogisticRegressionGD:
        base["hidden_layer_sizes"] = (6, 4)
    variants = [base]
    if estimator_class is not LogisticRegressionGD:
        if solver != "lbfgs":
            variants.append({**base, "dropout": 0.25})
        variants.append({**base, "batch_norm": True})
        if solver != "lbfgs":
            variants.append({**base, "dropout": 0.25, "batch_norm": True})
    if estimator_class is LogisticRegressionGD:
        variants.append({**base, "alpha": 0.1, "shuffle": False})
    return variants


@pytest.mark.parametrize("kind", ["read-only array", "read-only memmap"])
@pytest.mark.parametrize("solver", ["adam", "gd", "lbfgs"])
@pytest.mark.parametrize("case", ESTIMATORS)
def test_fit_never_writes_to_its_inputs(case, solver, kind, tmp_path):
    estimator_class, task = ESTIMATORS[case]
    originals = _raw_data(task)
    inputs = _read_only(originals, kind, tmp_path)
    X, y, w = inputs["X"], inputs["y"], inputs["sample_weight"]
    validation = {name: inputs[name] for name in ("X_val", "y_val", "sample_weight_val")}

    for params in _variants(estimator_class, solver):
        estimator = estimator_class(**params)
        estimator.fit(X, y)
        estimator.fit(X, y, sample_weight=w)
        assert estimator.n_iter_ >= 1
        estimator.predict(X)
        estimator.score(X, y, sample_weight=w)
        if solver == "lbfgs":  # it has no validation set nor partial_fit
            continue
        # early stopping on the user's validation set, and on a split of the training data
        estimator.set_params(early_stopping=True).fit(X, y, sample_weight=w, **validation)
        assert len(estimator.validation_loss_curve_) == estimator.n_iter_
        estimator.fit(X, y, sample_weight=w)
        assert len(estimator.validation_loss_curve_) == estimator.n_iter_
        # partial_fit, twice: from scratch and going on
        estimator = estimator_class(**params)
        classes = {} if task.startswith("regression") else {"classes": np.unique(originals["y"])}
        if task == "multilabel":
            classes = {}
        estimator.partial_fit(X, y, sample_weight=w, **classes)
        estimator.partial_fit(X, y, sample_weight=w)
        assert estimator.n_iter_ == 2
        # warm start goes on from the fitted weights
        estimator.set_params(warm_start=True).fit(X, y, sample_weight=w)
    _assert_unchanged(inputs, originals, tmp_path)


@pytest.mark.parametrize("case", ESTIMATORS)
def test_fit_never_writes_to_read_only_float32_inputs(case):
    """float32 X is kept as it is, not copied: the fit works on the caller's memory."""
    estimator_class, task = ESTIMATORS[case]
    originals = _raw_data(task)
    for name in ("X", "X_val", "sample_weight", "sample_weight_val"):
        originals[name] = originals[name].astype(np.float32)
    if task.startswith("regression"):
        for name in ("y", "y_val"):
            originals[name] = originals[name].astype(np.float32)
    inputs = _read_only(originals, "read-only array", None)
    for solver in ("adam", "gd", "lbfgs"):
        params = _variants(estimator_class, solver)[-1]
        estimator = estimator_class(**params).fit(
            inputs["X"], inputs["y"], sample_weight=inputs["sample_weight"]
        )
        assert estimator.predict(inputs["X"]).shape[0] == len(inputs["X"])
        if solver != "lbfgs":
            estimator.set_params(early_stopping=True).fit(**inputs)
    _assert_unchanged(inputs, originals)


def _read_only_csr(X, density_seed):
    """A CSR matrix of about half ``X``'s values, on read-only data, indices and indptr."""
    mask = np.random.default_rng(density_seed).random(X.shape) < 0.5
    canonical = sparse.csr_matrix(np.where(mask, X, 0.0))
    arrays = [canonical.data.copy(), canonical.indices.copy(), canonical.indptr.copy()]
    for array in arrays:
        array.setflags(write=False)
    matrix = sparse.csr_matrix(tuple(arrays), shape=X.shape, copy=False)
    return matrix, arrays


@pytest.mark.parametrize("solver", ["adam", "gd", "lbfgs"])
@pytest.mark.parametrize("case", ESTIMATORS)
def test_fit_never_writes_to_sparse_inputs_on_read_only_arrays(case, solver):
    estimator_class, task = ESTIMATORS[case]
    data = _raw_data(task)
    X, X_arrays = _read_only_csr(data["X"], 1)
    X_val, X_val_arrays = _read_only_csr(data["X_val"], 2)
    assert not (X.data.flags.writeable or X.indices.flags.writeable or X_val.data.flags.writeable)
    stored = [a.copy() for a in X_arrays + X_val_arrays]
    w = data["sample_weight"]
    w.setflags(write=False)

    for params in _variants(estimator_class, solver):
        estimator = estimator_class(**params).fit(X, data["y"], sample_weight=w)
        estimator.predict(X)
        if solver == "lbfgs":
            continue
        estimator.set_params(early_stopping=True).fit(
            X, data["y"], sample_weight=w, X_val=X_val, y_val=data["y_val"]
        )
        estimator.fit(X, data["y"], sample_weight=w)
        estimator = estimator_class(**params)
        classes = {"classes": np.unique(data["y"])} if task in ("binary", "multiclass") else {}
        estimator.partial_fit(X, data["y"], **classes)
        estimator.partial_fit(X, data["y"])
    for array, before in zip(X_arrays + X_val_arrays, stored, strict=True):
        assert not array.flags.writeable
        np.testing.assert_array_equal(array, before)
    # The matrices still hold (views of) the read-only arrays: nothing swapped in copies.
    for matrix, arrays in ((X, X_arrays), (X_val, X_val_arrays)):
        for held, given in zip((matrix.data, matrix.indices, matrix.indptr), arrays, strict=True):
            assert np.shares_memory(held, given) and not held.flags.writeable
