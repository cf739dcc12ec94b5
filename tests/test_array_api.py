"""Training and prediction on the array library of X (array API dispatch).

scikit-learn's own array-API checks (same namespace over every available namespace,
device and dtype; mixed namespaces; fit and predict namespaces) run over several
configurations of each estimator, and fits on PyTorch tensors and array-api-strict
arrays are compared with the NumPy fit of the same seed: the same batches and
starting weights, so the same model to float32 rounding. Skipped without the
``[array-api]`` extra and a namespace to test (array-api-strict, PyTorch).
"""

import io
import os
import warnings

import joblib
import numpy as np
import pytest
import sklearn
from sklearn.datasets import make_classification, make_multilabel_classification, make_regression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import estimator_checks_generator

import skdeepnn
from skdeepnn import DeepNNClassifier, DeepNNRegressor, LogisticRegressionGD, _array_api

pytest.importorskip("array_api_compat")
if os.environ.get("SCIPY_ARRAY_API") != "1":
    pytest.skip(
        "scikit-learn's array API dispatch needs SCIPY_ARRAY_API=1", allow_module_level=True
    )

NAMESPACES = [
    name
    for name in ("array_api_strict", "torch")
    if __import__("importlib").util.find_spec(name) is not None
]
if not NAMESPACES:
    pytest.skip(
        "no array namespace to test: install array-api-strict or torch", allow_module_level=True
    )


@pytest.fixture(autouse=True)
def numpy_kernels_for_numpy_fits():
    """The reference fits are NumPy's reference, whatever SKDEEPNN_KERNELS says: numba's
    kernels never run on another namespace."""
    with skdeepnn.config_context(kernels="numpy"):
        yield


def as_namespace(name, array):
    """``array`` in the namespace ``name``, on its default (CPU) device."""
    if name == "torch":
        import torch

        return torch.asarray(array)
    import array_api_strict

    return array_api_strict.asarray(array)


def to_numpy(array):
    return _array_api.to_numpy(array)


# Configurations: each estimator with every solver, every activation and head, L2,
# class weights, dropout, batch norm, early stopping, gradient clipping and warm
# restarts.
CONFIGURATIONS = [
    DeepNNClassifier(max_iter=30),
    DeepNNClassifier(solver="sgd", activation="tanh", alpha=1e-3, max_iter=30),
    DeepNNClassifier(solver="momentum", nesterov=True, activation="leaky_relu", max_iter=30),
    DeepNNClassifier(solver="rmsprop", activation="sigmoid", class_weight="balanced", max_iter=30),
    DeepNNClassifier(solver="gd", learning_rate=0.1, max_iter=30),
    DeepNNClassifier(max_grad_norm=1.0, lr_schedule="cosine", max_iter=30),
    DeepNNClassifier(solver="lbfgs", max_iter=30),
    DeepNNClassifier(dropout=0.2, max_iter=30),
    DeepNNClassifier(early_stopping=True, scoring="accuracy", max_iter=30),
    DeepNNClassifier(batch_norm=True, batch_size=16, max_iter=30),
    DeepNNRegressor(max_iter=30),
    DeepNNRegressor(loss="huber", solver="momentum", max_iter=30),
    DeepNNRegressor(loss="poisson", learning_rate=1e-3, max_iter=30),
    DeepNNRegressor(loss="quantile", max_iter=30),
    DeepNNRegressor(solver="lbfgs", alpha=1e-3, max_iter=30),
    DeepNNRegressor(early_stopping=True, max_iter=30),
    DeepNNRegressor(batch_norm=True, solver="gd", max_iter=30),
    LogisticRegressionGD(max_iter=100),
    LogisticRegressionGD(solver="adam", class_weight="balanced", max_iter=100),
    LogisticRegressionGD(fit_intercept=False, max_iter=100),
]


def array_api_checks():
    for estimator in CONFIGURATIONS:
        for check in estimator_checks_generator(estimator, legacy=True, mark="skip"):
            name = getattr(check[1], "func", check[1]).__name__
            if "array_api" in name:
                yield pytest.param(*check, id=f"{estimator!r}-{name}-{len(check[1].keywords)}")


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("estimator, check", list(array_api_checks()))
def test_scikit_learn_array_api_checks(estimator, check):
    check(estimator)


def classification_data(n_classes=3, n_samples=240):
    X, y = make_classification(n_samples, 8, n_informative=5, n_classes=n_classes, random_state=0)
    return X.astype(np.float32), y


@pytest.mark.parametrize("namespace", NAMESPACES)
@pytest.mark.parametrize(
    "make, data",
    [
        (lambda: DeepNNClassifier(random_state=0, max_iter=8, batch_size=32), "multiclass"),
        (lambda: DeepNNClassifier(random_state=0, max_iter=8, solver="rmsprop"), "binary"),
        (lambda: DeepNNClassifier(random_state=0, max_iter=8, alpha=0.1), "multilabel"),
        (lambda: DeepNNRegressor(random_state=0, max_iter=8, batch_size=50), "regression"),
        (lambda: DeepNNRegressor(random_state=0, max_iter=8, loss="huber"), "regression"),
        (lambda: LogisticRegressionGD(random_state=0, max_iter=20), "binary"),
        (lambda: LogisticRegressionGD(fit_intercept=False, max_iter=20), "multiclass"),
    ],
)
def test_same_model_as_numpy_fit_of_the_same_seed(namespace, make, data):
    if data == "regression":
        X, y = make_regression(200, 6, noise=5.0, random_state=0)
        X, y = X.astype(np.float32), (y / 50).astype(np.float32)
    elif data == "multilabel":
        X, y = make_multilabel_classification(200, 8, n_classes=4, random_state=0)
        X = X.astype(np.float32)
    else:
        X, y = classification_data(3 if data == "multiclass" else 2)
    weights = np.random.default_rng(0).uniform(0.5, 2.0, size=X.shape[0]).astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sklearn.exceptions.ConvergenceWarning)
        reference = make().fit(X, y, sample_weight=weights)
        with sklearn.config_context(array_api_dispatch=True):
            Xd, yd = as_namespace(namespace, X), as_namespace(namespace, y)
            model = make().fit(Xd, yd, sample_weight=as_namespace(namespace, weights))
            predictions = model.predict(Xd)
            outputs = [model.predict_proba(Xd)] if hasattr(model, "predict_proba") else []
    assert type(predictions).__module__.split(".")[0] == namespace.split(".")[0]
    np.testing.assert_allclose(model.loss_curve_, reference.loss_curve_, rtol=1e-4, atol=1e-6)
    if data in ("regression",):
        np.testing.assert_allclose(
            to_numpy(predictions), reference.predict(X), rtol=1e-3, atol=1e-4
        )
    else:
        np.testing.assert_array_equal(to_numpy(predictions), reference.predict(X))
    for output in outputs:
        np.testing.assert_allclose(to_numpy(output), reference.predict_proba(X), atol=1e-5)
    fitted = model.coefs_ if hasattr(model, "coefs_") else [model.coef_]
    expected = reference.coefs_ if hasattr(reference, "coefs_") else [reference.coef_]
    for W, W_ref in zip(fitted, expected, strict=True):
        assert type(W).__module__.split(".")[0] == namespace.split(".")[0]
        np.testing.assert_allclose(to_numpy(W), W_ref, atol=1e-5)


@pytest.mark.parametrize("namespace", NAMESPACES)
@pytest.mark.parametrize(
    "params",
    [
        {"early_stopping": True},
        {"early_stopping": True, "scoring": "accuracy", "shuffle": False},
        {"early_stopping": True, "solver": "gd", "learning_rate": 0.5, "max_iter": 40},
        {"solver": "lbfgs", "alpha": 1e-3, "max_iter": 40},
        {"batch_norm": True, "batch_size": 50, "max_iter": 20},
        {"batch_norm": True, "batch_size": 41, "max_iter": 20, "weighted": True},
        {"batch_norm": True, "solver": "gd", "learning_rate": 0.5, "max_iter": 20},
        {"batch_norm": True, "solver": "lbfgs", "max_iter": 20, "weighted": True},
        {"batch_norm": True, "early_stopping": True, "batch_size": 40},
    ],
)
def test_early_stopping_lbfgs_and_batch_norm_as_numpy_fits(namespace, params):
    """Early stopping validates on the device (the same split and scores as NumPy's);
    L-BFGS hands SciPy NumPy vectors and evaluates on the device; batch norm's
    statistics (weighted, a last batch of one row joined to the one before, the whole
    set's for full batches) are NumPy's. In float64, whose rounding L-BFGS's line
    searches do not amplify."""
    X, y = classification_data(n_samples=241)
    X = X.astype(np.float64)
    params = dict(params)
    fit_params = {}
    if params.pop("weighted", False):
        weights = np.random.default_rng(0).uniform(0, 2, size=X.shape[0])
        weights[:30] = 0
        fit_params = {"sample_weight": weights}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sklearn.exceptions.ConvergenceWarning)
        reference = DeepNNClassifier(random_state=0, **params).fit(X, y, **fit_params)
        with sklearn.config_context(array_api_dispatch=True):
            Xd = as_namespace(namespace, X)
            device_params = {k: as_namespace(namespace, v) for k, v in fit_params.items()}
            model = DeepNNClassifier(random_state=0, **params)
            model.fit(Xd, as_namespace(namespace, y), **device_params)
            proba = to_numpy(model.predict_proba(Xd))
    assert model.n_iter_ == reference.n_iter_
    np.testing.assert_allclose(model.loss_curve_, reference.loss_curve_, rtol=1e-7)
    if reference.validation_scores_ is not None:
        np.testing.assert_allclose(model.validation_scores_, reference.validation_scores_)
        assert model.best_iteration_ == reference.best_iteration_
    np.testing.assert_allclose(proba, reference.predict_proba(X), atol=1e-7)
    if reference.running_vars_ is not None:
        for name in ("gammas_", "running_means_", "running_vars_"):
            pairs = zip(getattr(model, name), getattr(reference, name), strict=True)
            for device_array, array in pairs:
                np.testing.assert_allclose(to_numpy(device_array), array, atol=1e-9)


@pytest.mark.parametrize("namespace", NAMESPACES)
def test_a_validation_set_of_another_namespace_follows_X(namespace):
    X, y = classification_data()
    reference = DeepNNClassifier(random_state=0, max_iter=10)
    reference.fit(X[:180], y[:180], X_val=X[180:], y_val=y[180:])
    with sklearn.config_context(array_api_dispatch=True):
        model = DeepNNClassifier(random_state=0, max_iter=10)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", sklearn.exceptions.ConvergenceWarning)
            model.fit(
                as_namespace(namespace, X[:180]),
                as_namespace(namespace, y[:180]),
                X_val=X[180:],  # NumPy's: moved to X's device
                y_val=y[180:],
            )
    np.testing.assert_allclose(
        model.validation_loss_curve_, reference.validation_loss_curve_, rtol=1e-4
    )


@pytest.mark.parametrize("namespace", NAMESPACES)
def test_dropout_masks_are_drawn_on_the_device_reproducibly(namespace):
    X, y = classification_data(n_samples=400)
    with sklearn.config_context(array_api_dispatch=True):
        Xd, yd = as_namespace(namespace, X), as_namespace(namespace, y)

        def fit(seed, dropout=0.3):
            return DeepNNClassifier(dropout=dropout, random_state=seed, max_iter=60).fit(Xd, yd)

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", sklearn.exceptions.ConvergenceWarning)
            first, again, other, without = fit(0), fit(0), fit(1), fit(0, dropout=0.0)
        assert first.loss_curve_ == again.loss_curve_  # the same masks from the same seed
        assert first.loss_curve_ != other.loss_curve_
        # Dropout's noise keeps the training loss above the loss without it.
        assert first.loss_ > without.loss_
        assert first.score(Xd, yd) > 0.75


@pytest.mark.parametrize("namespace", NAMESPACES)
def test_partial_fit_goes_on_with_the_optimizer_state_on_the_device(namespace):
    X, y = classification_data()
    kwargs = dict(random_state=0, batch_size=40, class_weight={0: 1.0, 1: 2.0, 2: 0.5})
    reference = DeepNNClassifier(**kwargs)
    with sklearn.config_context(array_api_dispatch=True):
        model = DeepNNClassifier(**kwargs)
        Xd, yd = as_namespace(namespace, X), as_namespace(namespace, y)
        for _ in range(3):
            model.partial_fit(Xd, yd, classes=[0, 1, 2])
            reference.partial_fit(X, y, classes=[0, 1, 2])
        state = model._optimizer.velocities[0]
        proba = to_numpy(model.predict_proba(Xd))
    assert type(state).__module__.split(".")[0] == namespace.split(".")[0]
    assert model._optimizer.t == reference._optimizer.t == 3 * 6
    np.testing.assert_allclose(proba, reference.predict_proba(X), atol=1e-5)


@pytest.mark.parametrize("namespace", NAMESPACES)
def test_costs_are_read_back_once_per_epoch(namespace, monkeypatch):
    """No batch reads a value off the device: the epoch's costs, once, in one transfer."""
    X, y = classification_data()
    reads = []
    real = _array_api.to_numpy
    monkeypatch.setattr(_array_api, "to_numpy", lambda a: reads.append(a.shape) or real(a))
    with sklearn.config_context(array_api_dispatch=True):
        model = DeepNNClassifier(random_state=0, max_iter=4, batch_size=16, n_iter_no_change=99)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", sklearn.exceptions.ConvergenceWarning)
            model.fit(as_namespace(namespace, X), as_namespace(namespace, y))
    n_batches = -(-X.shape[0] // 16)
    assert n_batches == 15 and model.n_iter_ == 4
    # four epochs' reads of (first cost, weighted total), and the trained network's
    # logits for the post-fit checks (only when the cheap bound cannot rule them out).
    assert reads[:4] == [(2,)] * 4
    assert len(reads) <= 5


@pytest.mark.parametrize("namespace", NAMESPACES)
def test_pipeline_with_a_scaler_on_the_device(namespace):
    X, y = classification_data()
    X = X * 100 + 7  # the scaler matters
    with sklearn.config_context(array_api_dispatch=True):
        pipe = make_pipeline(StandardScaler(), DeepNNClassifier(random_state=0))
        pipe.fit(as_namespace(namespace, X), as_namespace(namespace, y))
        score = pipe.score(as_namespace(namespace, X), as_namespace(namespace, y))
    reference = make_pipeline(StandardScaler(), DeepNNClassifier(random_state=0)).fit(X, y)
    assert score == pytest.approx(reference.score(X, y), abs=1 / X.shape[0])
    assert score > 0.8


@pytest.mark.parametrize("namespace", NAMESPACES)
def test_numba_kernels_are_refused_for_other_namespaces(namespace):
    X, y = classification_data()
    with skdeepnn.config_context(kernels="numba"), sklearn.config_context(array_api_dispatch=True):
        with pytest.raises(ValueError, match="kernels='numba' runs on NumPy arrays only"):
            DeepNNClassifier().fit(as_namespace(namespace, X), as_namespace(namespace, y))


@pytest.mark.parametrize("namespace", NAMESPACES)
def test_predicting_on_another_namespace_names_the_method(namespace):
    X, y = classification_data()
    with sklearn.config_context(array_api_dispatch=True):
        model = DeepNNClassifier(random_state=0, max_iter=5).fit(
            as_namespace(namespace, X), as_namespace(namespace, y)
        )
        with pytest.raises(ValueError, match=r"DeepNNClassifier.predict_proba\(\).*same namespace"):
            model.predict_proba(X)


@pytest.mark.parametrize("namespace", NAMESPACES)
def test_going_on_from_a_model_of_another_namespace_names_the_method(namespace):
    X, y = classification_data()
    with sklearn.config_context(array_api_dispatch=True):
        model = DeepNNClassifier(random_state=0, max_iter=3, warm_start=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", sklearn.exceptions.ConvergenceWarning)
            model.fit(as_namespace(namespace, X), as_namespace(namespace, y))
        with pytest.raises(ValueError, match=r"DeepNNClassifier.partial_fit\(\).*same namespace"):
            model.partial_fit(X, y)
        with pytest.raises(ValueError, match=r"DeepNNClassifier.fit\(\).*same namespace"):
            model.fit(X, y)


@pytest.mark.parametrize("namespace", NAMESPACES)
def test_model_files_and_pickles_of_a_device_model(namespace, tmp_path):
    X, y = classification_data()
    with sklearn.config_context(array_api_dispatch=True):
        Xd = as_namespace(namespace, X)
        model = DeepNNClassifier(random_state=0, max_iter=5).fit(Xd, as_namespace(namespace, y))
        expected = to_numpy(model.predict_proba(Xd))
        buffer = io.BytesIO()
        joblib.dump(model, buffer)
        buffer.seek(0)
        np.testing.assert_array_equal(to_numpy(joblib.load(buffer).predict_proba(Xd)), expected)
    # skdeepnn.save writes NumPy arrays: the loaded model is a NumPy one.
    skdeepnn.save(model, tmp_path / "model.skdeepnn")
    loaded = skdeepnn.load(tmp_path / "model.skdeepnn")
    assert all(isinstance(W, np.ndarray) for W in loaded.coefs_)
    np.testing.assert_allclose(loaded.predict_proba(X), expected, atol=1e-6)


def test_skops_round_trip_of_a_device_model_saved_as_numpy(tmp_path):
    sio = pytest.importorskip("skops.io")
    X, y = classification_data()
    with sklearn.config_context(array_api_dispatch=True):
        model = DeepNNClassifier(random_state=0, max_iter=5).fit(
            as_namespace(NAMESPACES[0], X), as_namespace(NAMESPACES[0], y)
        )
    skdeepnn.save(model, tmp_path / "model.skdeepnn")
    numpy_model = skdeepnn.load(tmp_path / "model.skdeepnn")
    path = tmp_path / "model.skops"
    sio.dump(numpy_model, path)
    back = sio.load(path, trusted=sio.get_untrusted_types(file=path))
    np.testing.assert_array_equal(back.predict(X), numpy_model.predict(X))
