"""Weights-only model files: skdeepnn.save and skdeepnn.load."""

import json
import warnings

import numpy as np
import pytest
from _helpers import fit_quietly
from scipy import sparse
from sklearn.base import clone
from sklearn.datasets import make_classification, make_multilabel_classification

import skdeepnn
from skdeepnn import DeepNNClassifier, DeepNNRegressor, LogisticRegressionGD

X, Y_BINARY = make_classification(
    n_samples=60, n_features=5, n_informative=3, n_classes=3, random_state=0
)
Y_BINARY = Y_BINARY % 2
_, Y_MULTI = make_classification(
    n_samples=60, n_features=5, n_informative=3, n_classes=3, random_state=0
)
RNG = np.random.default_rng(0)
Y_REG = X @ RNG.normal(size=5) + 0.1 * RNG.normal(size=60)
Y_REG3 = X @ RNG.normal(size=(5, 3))
Y_COUNTS = RNG.poisson(np.exp(0.3 * X[:, 0]))
Y_MULTILABEL = make_multilabel_classification(n_samples=60, n_features=5, random_state=0)[1]


def fitted(estimator, X, y, **fit_params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return estimator.fit(X, y, **fit_params)


def round_trip(estimator, tmp_path):
    path = tmp_path / "model.npz"
    skdeepnn.save(estimator, path)
    return skdeepnn.load(path)


def assert_same_model(original, loaded, X, y):
    assert type(loaded) is type(original)
    assert loaded.get_params() == original.get_params()
    np.testing.assert_array_equal(loaded.predict(X), original.predict(X))
    if hasattr(original, "predict_proba"):
        np.testing.assert_array_equal(loaded.predict_proba(X), original.predict_proba(X))
        assert loaded.classes_.dtype == original.classes_.dtype
        np.testing.assert_array_equal(loaded.classes_, original.classes_)
    assert loaded.score(X, y) == original.score(X, y)
    names = ["n_features_in_", "n_iter_", "n_outputs_", "out_activation_", "loss_curve_",
             "learning_rate_curve_", "validation_loss_curve_", "validation_scores_", "loss_",
             "best_loss_", "best_iteration_", "best_validation_score_", "n_layers_",
             "_batch_norm_updates", "_one_dimensional_y", "_sparse_output"]  # fmt: skip
    for name in names:
        if hasattr(original, name):
            np.testing.assert_equal(getattr(loaded, name), getattr(original, name))
        else:
            assert not hasattr(loaded, name), name


def read_file(path):
    with np.load(path, allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    header = json.loads(arrays.pop("__header__").tobytes().decode("utf-8"))
    return header, arrays


def write_file(path, header, arrays):
    raw = np.frombuffer(json.dumps(header).encode("utf-8"), dtype=np.uint8)
    np.savez(path, __header__=raw, **arrays)


@pytest.fixture
def saved(tmp_path):
    """A saved fitted classifier with batch norm and Adam: (path, header, arrays)."""
    model = DeepNNClassifier(hidden_layer_sizes=(4, 3), batch_norm=True, max_iter=3, random_state=0)
    fitted(model, X, Y_MULTI)
    path = tmp_path / "model.npz"
    skdeepnn.save(model, path)
    return (path, *read_file(path))


def tampered(saved, tmp_path, header_change=None, array_change=None):
    path, header, arrays = saved
    if header_change is not None:
        header_change(header)
    if array_change is not None:
        array_change(arrays)
    out = tmp_path / "tampered.npz"
    write_file(out, header, arrays)
    return out


# -- round trips ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "estimator, y",
    [
        (DeepNNClassifier(hidden_layer_sizes=(4,), max_iter=5, random_state=0), Y_BINARY),
        (DeepNNClassifier(hidden_layer_sizes=(4,), max_iter=5, random_state=0),
         np.array(["cat", "dog", "emu"])[Y_MULTI]),
        (DeepNNClassifier(hidden_layer_sizes=(4,), max_iter=5, random_state=0),
         Y_BINARY.astype(bool)),
        (DeepNNClassifier(hidden_layer_sizes=(4,), max_iter=5, random_state=0),
         np.array([-1.0, 0.0, 2.0])[Y_MULTI]),
        (DeepNNClassifier(hidden_layer_sizes=(4,), max_iter=5, random_state=0), Y_MULTILABEL),
        (DeepNNClassifier(hidden_layer_sizes=(4, 3), batch_norm=True, max_iter=5,
                          random_state=0), Y_MULTI),
        (DeepNNClassifier(hidden_layer_sizes=(4,), early_stopping=True, max_iter=5,
                          random_state=0, scoring="accuracy"), Y_MULTI),
        (DeepNNClassifier(hidden_layer_sizes=(4,), class_weight={0: 1.0, 1: 2, 2: 0.5},
                          solver="momentum", max_iter=5, random_state=0), Y_MULTI),
        (DeepNNClassifier(hidden_layer_sizes=(4,), solver="lbfgs", max_iter=5), Y_MULTI),
        (DeepNNRegressor(hidden_layer_sizes=(4,), max_iter=5, random_state=0), Y_REG),
        (DeepNNRegressor(hidden_layer_sizes=(4,), max_iter=5, random_state=0,
                         solver="rmsprop"), Y_REG3),
        (DeepNNRegressor(hidden_layer_sizes=(4,), loss="poisson", max_iter=5,
                         random_state=0), Y_COUNTS),
        (LogisticRegressionGD(max_iter=5), Y_BINARY),
        (LogisticRegressionGD(max_iter=5, solver="adam"), Y_MULTI),
        (LogisticRegressionGD(max_iter=5, fit_intercept=False), Y_MULTI),
    ],
)  # fmt: skip
def test_round_trip(estimator, y, tmp_path):
    model = fitted(estimator, X, y)
    assert_same_model(model, round_trip(model, tmp_path), X, y)


def test_round_trip_multilabel_sparse(tmp_path):
    y = sparse.csr_matrix(Y_MULTILABEL)
    model = fitted(DeepNNClassifier(hidden_layer_sizes=(4,), max_iter=5, random_state=0), X, y)
    loaded = round_trip(model, tmp_path)
    assert sparse.issparse(loaded.predict(X))
    assert (loaded.predict(X) != model.predict(X)).nnz == 0
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))


def test_round_trip_float32(tmp_path):
    X32 = X.astype(np.float32)
    model = fitted(DeepNNClassifier(hidden_layer_sizes=(4,), max_iter=5, random_state=0), X32,
                   Y_MULTI)  # fmt: skip
    loaded = round_trip(model, tmp_path)
    assert loaded.coefs_[0].dtype == np.float32
    assert_same_model(model, loaded, X32, Y_MULTI)


def test_round_trip_feature_names(tmp_path):
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(5)])
    model = fitted(LogisticRegressionGD(max_iter=5), frame, Y_BINARY)
    loaded = round_trip(model, tmp_path)
    np.testing.assert_array_equal(loaded.feature_names_in_, model.feature_names_in_)
    assert_same_model(model, loaded, frame, Y_BINARY)


@pytest.mark.parametrize("cls", [DeepNNClassifier, DeepNNRegressor, LogisticRegressionGD])
def test_unfitted_round_trip(cls, tmp_path):
    model = cls(max_iter=7, random_state=3)
    loaded = round_trip(model, tmp_path)
    assert type(loaded) is cls
    assert loaded.get_params() == model.get_params()
    assert not hasattr(loaded, "n_features_in_")


def test_nan_loss_round_trips(tmp_path):
    model = fitted(LogisticRegressionGD(max_iter=5), X, Y_BINARY)
    model.best_validation_score_ = float("nan")
    loaded = round_trip(model, tmp_path)
    assert np.isnan(loaded.best_validation_score_)


# -- training goes on ------------------------------------------------------------------


X32 = X.astype(np.float32)


@pytest.mark.parametrize(
    "estimator, X, y",
    [
        (DeepNNClassifier(hidden_layer_sizes=(4,), max_iter=3, random_state=0), X, Y_MULTI),
        (DeepNNClassifier(hidden_layer_sizes=(4, 3), batch_norm=True, max_iter=3,
                          random_state=0), X, Y_MULTI),
        (DeepNNClassifier(hidden_layer_sizes=(4,), max_iter=3, random_state=0), X32, Y_MULTI),
        (DeepNNClassifier(hidden_layer_sizes=(4,), max_iter=3, random_state=0), X, Y_MULTILABEL),
        (DeepNNClassifier(hidden_layer_sizes=(4,), max_iter=3, solver="rmsprop",
                          random_state=0), X, Y_BINARY),
        (DeepNNClassifier(hidden_layer_sizes=(4,), max_iter=3, solver="momentum",
                          nesterov=True, random_state=0), X, Y_BINARY),
        (DeepNNRegressor(hidden_layer_sizes=(4,), max_iter=3, random_state=0), X, Y_REG),
        (DeepNNRegressor(hidden_layer_sizes=(4,), max_iter=3, random_state=0,
                         lr_schedule="adaptive"), X32, Y_REG3),
        (LogisticRegressionGD(solver="adam", max_iter=3, random_state=0), X, Y_MULTI),
        (LogisticRegressionGD(solver="adam", fit_intercept=False, max_iter=3,
                              random_state=0), X, Y_BINARY),
    ],
)  # fmt: skip
def test_partial_fit_continues_bit_for_bit(estimator, X, y, tmp_path):
    model = fitted(estimator, X, y)
    loaded = round_trip(model, tmp_path)
    model.partial_fit(X, y)
    loaded.partial_fit(X, y)
    original, restored = model._optimizer, loaded._optimizer
    assert type(restored) is type(original)
    assert restored.learning_rate == original.learning_rate
    assert getattr(restored, "t", None) == getattr(original, "t", None)
    for a, b in zip(original._state(), restored._state(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert_same_model(model, loaded, X, y)
    if hasattr(model, "coefs_"):
        for a, b in zip(model.coefs_ + model.intercepts_, loaded.coefs_ + loaded.intercepts_,
                        strict=True):  # fmt: skip
            assert a.dtype == b.dtype
            np.testing.assert_array_equal(a, b)
    else:
        np.testing.assert_array_equal(model.coef_, loaded.coef_)
        np.testing.assert_array_equal(model.intercept_, loaded.intercept_)


def test_warm_start_continues_bit_for_bit(tmp_path):
    model = DeepNNClassifier(hidden_layer_sizes=(4,), max_iter=3, warm_start=True, random_state=0)
    fitted(model, X, Y_MULTI)
    loaded = round_trip(model, tmp_path)
    fitted(model, X, Y_MULTI)
    fitted(loaded, X, Y_MULTI)
    for a, b in zip(model.coefs_ + model.intercepts_, loaded.coefs_ + loaded.intercepts_,
                    strict=True):  # fmt: skip
        np.testing.assert_array_equal(a, b)
    assert loaded.loss_curve_ == model.loss_curve_


def test_partial_fit_of_unfitted_loaded_model(tmp_path):
    model = DeepNNClassifier(hidden_layer_sizes=(4,), random_state=0)
    loaded = round_trip(model, tmp_path)
    model.partial_fit(X, Y_MULTI, classes=[0, 1, 2])
    loaded.partial_fit(X, Y_MULTI, classes=[0, 1, 2])
    assert_same_model(model, loaded, X, Y_MULTI)


# -- refused at save ---------------------------------------------------------------------


def test_save_refuses_random_state_instance(tmp_path):
    model = DeepNNClassifier(random_state=np.random.RandomState(0))
    with pytest.raises(ValueError, match="random_state"):
        skdeepnn.save(model, tmp_path / "m.npz")


def test_save_refuses_callable_scoring(tmp_path):
    model = DeepNNClassifier(scoring=lambda estimator, X, y: 0.0)
    with pytest.raises(ValueError, match="callable scoring"):
        skdeepnn.save(model, tmp_path / "m.npz")


def test_save_refuses_object_labels(tmp_path):
    model = fitted(
        DeepNNClassifier(hidden_layer_sizes=(2,), max_iter=2, random_state=0), X, Y_BINARY
    )
    model.classes_ = np.array([(1, 2), "b"], dtype=object)
    with pytest.raises(ValueError, match="tuple"):
        skdeepnn.save(model, tmp_path / "m.npz")


def test_save_refuses_foreign_estimator(tmp_path):
    from sklearn.linear_model import LogisticRegression

    with pytest.raises(ValueError, match="save stores only"):
        skdeepnn.save(LogisticRegression(), tmp_path / "m.npz")


@pytest.mark.parametrize("class_weight", [{1: 2.0, "a": 1, 2.5: 3}, {True: 0.5, False: 1}])
def test_class_weight_keeps_label_types(class_weight, tmp_path):
    loaded = round_trip(LogisticRegressionGD(class_weight=class_weight), tmp_path).class_weight
    assert loaded == class_weight
    assert [type(k) for k in loaded] == [type(k) for k in class_weight]
    assert [type(v) for v in loaded.values()] == [type(v) for v in class_weight.values()]


# -- refused at load -------------------------------------------------------------------------


def test_load_refuses_non_npz(tmp_path):
    path = tmp_path / "model.npz"
    path.write_bytes(b"this is not a model file")
    with pytest.raises(ValueError, match="not a skdeepnn model file"):
        skdeepnn.load(path)


def test_load_refuses_plain_npy(tmp_path):
    path = tmp_path / "model.npy"
    np.save(path, np.zeros(3))
    with pytest.raises(ValueError, match="not a skdeepnn model file"):
        skdeepnn.load(path)


def test_load_refuses_truncated_file(saved, tmp_path):
    path = tmp_path / "truncated.npz"
    data = saved[0].read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="not a skdeepnn model file"):
        skdeepnn.load(path)


def test_load_refuses_missing_file(tmp_path):
    with pytest.raises(ValueError, match="absent.npz: no such file"):
        skdeepnn.load(tmp_path / "absent.npz")


def test_load_refuses_missing_header(saved, tmp_path):
    path = tmp_path / "no_header.npz"
    np.savez(path, **saved[2])
    with pytest.raises(ValueError, match="no header"):
        skdeepnn.load(path)


def test_load_refuses_header_not_json(saved, tmp_path):
    path = tmp_path / "bad.npz"
    np.savez(path, __header__=np.frombuffer(b"{not json", dtype=np.uint8), **saved[2])
    with pytest.raises(ValueError, match="not JSON"):
        skdeepnn.load(path)


def test_load_refuses_deeply_nested_header(saved, tmp_path):
    path = tmp_path / "bad.npz"
    text = b"[" * 100_000 + b"]" * 100_000
    np.savez(path, __header__=np.frombuffer(text, dtype=np.uint8), **saved[2])
    with pytest.raises(ValueError, match="not JSON"):
        skdeepnn.load(path)


def test_load_refuses_huge_array_count(saved, tmp_path):
    change = lambda h: h["arrays"].update(coefs_=10**12)  # noqa: E731
    with pytest.raises(ValueError, match="count of coefs_"):
        skdeepnn.load(tampered(saved, tmp_path, header_change=change))


def test_load_refuses_header_not_object(saved, tmp_path):
    path = tmp_path / "bad.npz"
    np.savez(path, __header__=np.frombuffer(b"[1, 2]", dtype=np.uint8), **saved[2])
    with pytest.raises(ValueError, match="not a JSON object"):
        skdeepnn.load(path)


def test_load_refuses_header_of_wrong_dtype(saved, tmp_path):
    path = tmp_path / "bad.npz"
    np.savez(path, __header__=np.array("{}"), **saved[2])
    with pytest.raises(ValueError, match="uint8"):
        skdeepnn.load(path)


@pytest.mark.parametrize("field", ["format_version", "class_name", "params", "fitted"])
def test_load_refuses_missing_field(saved, tmp_path, field):
    path = tampered(saved, tmp_path, header_change=lambda h: h.pop(field))
    with pytest.raises(ValueError, match=f"lacks the fields.*{field}"):
        skdeepnn.load(path)


def test_load_refuses_unknown_class(saved, tmp_path):
    path = tampered(saved, tmp_path, header_change=lambda h: h.update(class_name="os.system"))
    with pytest.raises(ValueError, match="os.system"):
        skdeepnn.load(path)


def test_load_refuses_newer_format(saved, tmp_path):
    path = tampered(saved, tmp_path, header_change=lambda h: h.update(format_version=2))
    with pytest.raises(ValueError, match="format version 2.*reads up to 1"):
        skdeepnn.load(path)


def test_load_refuses_invalid_params(saved, tmp_path):
    path = tampered(saved, tmp_path, header_change=lambda h: h["params"].update(max_iter=-1))
    with pytest.raises(ValueError, match="max_iter"):
        skdeepnn.load(path)


def test_load_refuses_params_of_wrong_type(saved, tmp_path):
    path = tampered(saved, tmp_path, header_change=lambda h: h["params"].update(alpha="x"))
    with pytest.raises(ValueError, match="alpha"):
        skdeepnn.load(path)


def test_load_refuses_unknown_param(saved, tmp_path):
    path = tampered(saved, tmp_path, header_change=lambda h: h["params"].update(evil=1))
    with pytest.raises(ValueError, match="unknown.*evil"):
        skdeepnn.load(path)


def test_load_refuses_missing_param(saved, tmp_path):
    path = tampered(saved, tmp_path, header_change=lambda h: h["params"].pop("solver"))
    with pytest.raises(ValueError, match="missing.*solver"):
        skdeepnn.load(path)


def test_load_refuses_missing_array(saved, tmp_path):
    path = tampered(saved, tmp_path, array_change=lambda a: a.pop("coefs_1"))
    with pytest.raises(ValueError, match="lacks the arrays.*coefs_1"):
        skdeepnn.load(path)


def test_load_refuses_extra_array(saved, tmp_path):
    path = tampered(saved, tmp_path, array_change=lambda a: a.update(payload=np.zeros(3)))
    with pytest.raises(ValueError, match="unexpected arrays.*payload"):
        skdeepnn.load(path)


def test_load_refuses_arrays_for_unfitted_model(saved, tmp_path):
    path = tampered(saved, tmp_path, header_change=lambda h: h.update(fitted=False))
    with pytest.raises(ValueError, match="unfitted"):
        skdeepnn.load(path)


def test_load_refuses_object_array(saved, tmp_path):
    path, header, arrays = saved
    arrays["classes_"] = np.array([0, "a", None], dtype=object)
    out = tmp_path / "object.npz"
    write_file(out, header, arrays)
    with pytest.raises(ValueError, match="classes_ holds Python objects.*pickle"):
        skdeepnn.load(out)


def test_load_refuses_integer_weights(saved, tmp_path):
    def change(arrays):
        arrays["coefs_0"] = arrays["coefs_0"].astype(np.int64)

    with pytest.raises(ValueError, match="float32 or all float64"):
        skdeepnn.load(tampered(saved, tmp_path, array_change=change))


def test_load_refuses_mixed_weight_dtypes(saved, tmp_path):
    def change(arrays):
        arrays["coefs_0"] = arrays["coefs_0"].astype(np.float32)

    with pytest.raises(ValueError, match="float32 or all float64"):
        skdeepnn.load(tampered(saved, tmp_path, array_change=change))


def test_load_refuses_classes_of_wrong_dtype(saved, tmp_path):
    def change(arrays):
        arrays["classes_"] = arrays["classes_"].astype(np.complex128)

    with pytest.raises(ValueError, match="classes_"):
        skdeepnn.load(tampered(saved, tmp_path, array_change=change))


def test_load_refuses_broken_layer_chain(saved, tmp_path):
    def change(arrays):
        arrays["coefs_1"] = np.zeros((5, 3))

    with pytest.raises(ValueError, match=r"coefs_1 \(layer 1 weights\) has shape \(5, 3\)"):
        skdeepnn.load(tampered(saved, tmp_path, array_change=change))


def test_load_refuses_wrong_intercept_shape(saved, tmp_path):
    def change(arrays):
        arrays["intercepts_0"] = np.zeros(7)

    with pytest.raises(ValueError, match="layer 0 intercepts"):
        skdeepnn.load(tampered(saved, tmp_path, array_change=change))


def test_load_refuses_wrong_n_features(saved, tmp_path):
    change = lambda h: h["attributes"].update(n_features_in_=9)  # noqa: E731
    with pytest.raises(ValueError, match="n_features_in_=9"):
        skdeepnn.load(tampered(saved, tmp_path, header_change=change))


def test_load_refuses_wrong_n_outputs(saved, tmp_path):
    change = lambda h: h["attributes"].update(n_outputs_=2)  # noqa: E731
    with pytest.raises(ValueError, match="n_outputs_=2"):
        skdeepnn.load(tampered(saved, tmp_path, header_change=change))


def test_load_refuses_classes_not_matching_outputs(saved, tmp_path):
    def change(arrays):
        arrays["classes_"] = np.arange(5)

    with pytest.raises(ValueError, match=r"classes_ \(class labels\) has shape \(5,\)"):
        skdeepnn.load(tampered(saved, tmp_path, array_change=change))


def test_load_refuses_wrong_batch_norm_shape(saved, tmp_path):
    def change(arrays):
        arrays["gammas_0"] = np.ones(9)

    with pytest.raises(ValueError, match="gammas_"):
        skdeepnn.load(tampered(saved, tmp_path, array_change=change))


def test_load_refuses_wrong_optimizer_state_shape(saved, tmp_path):
    def change(arrays):
        arrays["optimizer_state_0"] = arrays["optimizer_state_0"][:-1]

    with pytest.raises(ValueError, match=r"optimizer_state_0 \(optimizer state\) has shape"):
        skdeepnn.load(tampered(saved, tmp_path, array_change=change))


def test_load_refuses_unknown_optimizer(saved, tmp_path):
    change = lambda h: h["optimizer"].update(class_name="Evil")  # noqa: E731
    with pytest.raises(ValueError, match="optimizer 'Evil'"):
        skdeepnn.load(tampered(saved, tmp_path, header_change=change))


def test_load_refuses_attribute_of_wrong_type(saved, tmp_path):
    change = lambda h: h["attributes"].update(n_iter_="3")  # noqa: E731
    with pytest.raises(ValueError, match="n_iter_"):
        skdeepnn.load(tampered(saved, tmp_path, header_change=change))


def test_load_refuses_wrong_out_activation(saved, tmp_path):
    change = lambda h: h["attributes"].update(out_activation_="exp")  # noqa: E731
    with pytest.raises(ValueError, match="out_activation_='exp'"):
        skdeepnn.load(tampered(saved, tmp_path, header_change=change))


def test_load_refuses_attribute_of_other_class(saved, tmp_path):
    change = lambda h: h["attributes"].update(_one_dimensional_y=True)  # noqa: E731
    with pytest.raises(ValueError, match="unknown.*_one_dimensional_y"):
        skdeepnn.load(tampered(saved, tmp_path, header_change=change))


def test_load_refuses_missing_attribute(saved, tmp_path):
    change = lambda h: h["attributes"].pop("n_outputs_")  # noqa: E731
    with pytest.raises(ValueError, match="missing.*n_outputs_"):
        skdeepnn.load(tampered(saved, tmp_path, header_change=change))


def test_object_array_of_str_labels_is_stored_as_str(tmp_path):
    y = np.array(["no", "yes"], dtype=object)[Y_BINARY]
    model = fitted(DeepNNClassifier(hidden_layer_sizes=(2,), max_iter=2, random_state=0), X, y)
    loaded = round_trip(model, tmp_path)
    assert loaded.classes_.dtype.kind == "U"
    assert loaded.predict(X).tolist() == model.predict(X).tolist()
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))


def test_load_refuses_1d_regressor_with_several_outputs(tmp_path):
    model = fitted(DeepNNRegressor(hidden_layer_sizes=(3,), max_iter=2, random_state=0), X,
                   Y_REG3)  # fmt: skip
    skdeepnn.save(model, tmp_path / "model.npz")
    header, arrays = read_file(tmp_path / "model.npz")
    header["attributes"]["_one_dimensional_y"] = True
    write_file(tmp_path / "bad.npz", header, arrays)
    with pytest.raises(ValueError, match="1-d y but has 3 outputs"):
        skdeepnn.load(tmp_path / "bad.npz")


def test_load_refuses_logistic_coef_of_wrong_shape(tmp_path):
    model = fitted(LogisticRegressionGD(max_iter=2), X, Y_MULTI)
    skdeepnn.save(model, tmp_path / "model.npz")
    header, arrays = read_file(tmp_path / "model.npz")
    arrays["coef_"] = arrays["coef_"][:, :4]
    write_file(tmp_path / "bad.npz", header, arrays)
    with pytest.raises(ValueError, match="n_features_in_=5"):
        skdeepnn.load(tmp_path / "bad.npz")


# -- pickle, joblib and skops ---------------------------------------------------------


def _fitted_estimators():
    X, y = make_classification(n_samples=80, n_features=5, n_classes=3, n_informative=3,
                               random_state=0)  # fmt: skip
    return (
        X,
        y,
        [
            fit_quietly(DeepNNClassifier(max_iter=3, batch_norm=True, random_state=0), X, y),
            fit_quietly(DeepNNRegressor(max_iter=3, random_state=0), X, y.astype(float)),
            fit_quietly(LogisticRegressionGD(max_iter=3, solver="adam", random_state=0), X, y),
        ],
    )


def _same_model(a, b, X):
    np.testing.assert_array_equal(a.predict(X), b.predict(X))
    if hasattr(a, "predict_proba"):
        np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))


@pytest.mark.parametrize("via", ["pickle", "joblib"])
def test_pickle_and_joblib_round_trip_every_estimator_and_go_on_training(via, tmp_path):
    """Fitted, unfitted, and between partial_fit calls: the copy trains on as the original."""
    import pickle

    import joblib

    def round_trip(estimator):
        if via == "pickle":
            return pickle.loads(pickle.dumps(estimator))
        joblib.dump(estimator, tmp_path / "model.joblib")
        return joblib.load(tmp_path / "model.joblib")

    X, y, estimators = _fitted_estimators()
    for estimator in estimators:
        target = y.astype(float) if isinstance(estimator, DeepNNRegressor) else y
        copy = round_trip(estimator)
        _same_model(estimator, copy, X)
        estimator.partial_fit(X, target)
        copy.partial_fit(X, target)
        _same_model(estimator, copy, X)
        assert type(round_trip(clone(estimator))) is type(estimator)  # unfitted


def test_a_pickle_from_another_version_warns():
    import pickle

    from skdeepnn import InconsistentVersionWarning

    _, _, (net, *_) = _fitted_estimators()
    state = net.__getstate__()
    state["_skdeepnn_version"] = "0.0.1"
    copy = DeepNNClassifier.__new__(DeepNNClassifier)
    with pytest.warns(InconsistentVersionWarning, match="from skdeepnn 0.0.1 when using"):
        copy.__setstate__(state)
    with warnings.catch_warnings():
        warnings.simplefilter("error", InconsistentVersionWarning)
        pickle.loads(pickle.dumps(net))  # the same version: no warning


def test_skops_round_trips_and_trusts_only_public_classes():
    sio = pytest.importorskip("skops.io")
    X, y, estimators = _fitted_estimators()
    for estimator in [*estimators, clone(estimators[0])]:
        data = sio.dumps(estimator)
        untrusted = sio.get_untrusted_types(data=data)
        assert untrusted == [f"skdeepnn.{type(estimator).__name__}"]
        copy = sio.loads(data, trusted=untrusted)
        if hasattr(estimator, "coefs_") or hasattr(estimator, "coef_"):
            _same_model(estimator, copy, X)


@pytest.mark.parametrize(
    "edit, message",
    [
        ({"quantiles_": [0.9, 0.1]}, "not a strictly increasing sequence in \\(0, 1\\)"),
        ({"quantiles_": [0.1, 1.5]}, "not a strictly increasing sequence in \\(0, 1\\)"),
        ({"quantiles_": []}, "not a strictly increasing sequence"),
        ({"quantiles_": [0.1, 0.5]}, "do not fit n_outputs_=3"),
        ({"quantiles_": [0.5]}, "1-d y of 1 quantiles but has 3 outputs"),
        ({"quantiles_": [0.1, 0.5, 0.9], "_quantile_axis": False}, "need _quantile_axis"),
        ({"quantiles_": "0.5"}, "its attribute quantiles_ is invalid"),
    ],
)
def test_load_refuses_quantiles_that_do_not_fit_the_model(tmp_path, edit, message):
    model = fitted(DeepNNRegressor(loss="quantile", quantile=[0.1, 0.5, 0.9], max_iter=2,
                                   hidden_layer_sizes=(3,), random_state=0), X, Y_REG)  # fmt: skip
    skdeepnn.save(model, tmp_path / "model.npz")
    header, arrays = read_file(tmp_path / "model.npz")
    assert header["attributes"]["quantiles_"] == [0.1, 0.5, 0.9]
    assert header["params"]["quantile"] == [0.1, 0.5, 0.9]
    header["attributes"].update(edit)
    write_file(tmp_path / "bad.npz", header, arrays)
    with pytest.raises(ValueError, match=message):
        skdeepnn.load(tmp_path / "bad.npz")
