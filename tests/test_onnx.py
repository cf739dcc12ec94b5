"""ONNX export (skdeepnn.onnx) against the estimators' own predict and predict_proba.

Every graph is checked by onnx.checker and run by onnxruntime: its labels must equal
``predict``'s, its probabilities ``predict_proba``'s (within 1e-5 for float32 inputs),
its regression values ``predict``'s (within 1e-4 relative), in ``predict``'s shapes.
Skipped without the [onnx] extra.
"""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import sparse
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_digits, make_classification, make_multilabel_classification
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler

skl2onnx = pytest.importorskip("skl2onnx")
ort = pytest.importorskip("onnxruntime")
onnx = pytest.importorskip("onnx")

from skdeepnn import DeepNNClassifier, DeepNNRegressor, LogisticRegressionGD  # noqa: E402
from skdeepnn.onnx import to_onnx  # noqa: E402

# Short fits: the graphs must reproduce whatever weights were reached.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

DTYPES = [np.float32, np.float64]
ACTIVATIONS = ["relu", "leaky_relu", "tanh", "sigmoid", "identity"]
#: The largest difference allowed between the graph's probabilities and predict_proba's:
#: float32 rounding, or none to speak of in a double graph.
PROBA_ATOL = {np.float32: 1e-5, np.float64: 1e-12}
#: The largest error of a regression output, relative to its largest prediction.
REGRESSION_RTOL = 1e-4


def run(onnx_model, X):
    """The outputs of ``onnx_model`` on ``X``, by name, after onnx.checker has passed it."""
    onnx.checker.check_model(onnx_model, full_check=True)
    session = ort.InferenceSession(
        onnx_model.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    names = [output.name for output in session.get_outputs()]
    return dict(zip(names, session.run(None, {session.get_inputs()[0].name: X}), strict=True))


def classification_data(kind, dtype, n_samples=240):
    """``X, y`` for "binary", "multiclass", "strings" (multiclass) or "multilabel"."""
    if kind == "multilabel":
        X, y = make_multilabel_classification(
            n_samples=n_samples, n_features=6, n_classes=4, random_state=0
        )
    else:
        n_classes = 2 if kind == "binary" else 3
        X, y = make_classification(
            n_samples=n_samples,
            n_features=6,
            n_informative=4,
            n_classes=n_classes,
            random_state=0,
        )
        if kind == "strings":
            y = np.array(["cat", "dog", "emu"])[y]
    return StandardScaler().fit_transform(X).astype(dtype), y


def regression_data(n_outputs, loss, dtype, n_samples=240):
    """``X, y``: ``n_outputs`` None gives a 1-D ``y``; "poisson" gives counts."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n_samples, 5))
    weights = rng.standard_normal((5, n_outputs or 1)) / 2
    Z = X @ weights + 0.1 * rng.standard_normal((n_samples, n_outputs or 1))
    y = rng.poisson(np.exp(Z)).astype(float) if loss == "poisson" else Z
    return X.astype(dtype), (y[:, 0] if n_outputs is None else y)


def check_classifier(clf, X, onnx_model=None):
    """The graph's labels equal ``predict``'s, its probabilities ``predict_proba``'s."""
    outputs = run(onnx_model or to_onnx(clf, X[:1], zipmap=False), X)
    expected = clf.predict(X)
    if sparse.issparse(expected):
        expected = expected.toarray()  # ONNX tensors are dense
    assert outputs["label"].shape == expected.shape
    assert_array_equal(outputs["label"], expected)
    proba = outputs["probabilities"]
    assert proba.dtype == X.dtype and proba.shape == clf.predict_proba(X).shape
    assert_allclose(proba, clf.predict_proba(X), rtol=0, atol=PROBA_ATOL[X.dtype.type])
    return outputs


def check_regressor(reg, X):
    """The graph's values equal ``predict``'s, in its shape and dtype, to 1e-4 relative.

    Relative to each output's largest prediction: float32 rounding leaves an error of
    about 1e-7 of the outputs' scale, which is a large share of a prediction near 0.
    """
    outputs = run(to_onnx(reg, X[:1]), X)
    expected = reg.predict(X)
    assert outputs["variable"].shape == expected.shape
    assert outputs["variable"].dtype == expected.dtype
    error = np.abs(outputs["variable"] - expected).max(axis=0)
    assert (error <= REGRESSION_RTOL * np.abs(expected).max(axis=0)).all()


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kind", ["binary", "multiclass", "strings", "multilabel"])
def test_deep_classifier(kind, dtype):
    X, y = classification_data(kind, dtype)
    clf = DeepNNClassifier(hidden_layer_sizes=(16, 8), max_iter=30, random_state=0).fit(X, y)
    outputs = check_classifier(clf, X)
    if kind == "strings":
        assert set(outputs["label"]) <= {"cat", "dog", "emu"}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kind", ["binary", "multiclass", "multilabel"])
def test_logistic_regression(kind, dtype):
    X, y = classification_data(kind, dtype)
    clf = LogisticRegressionGD(max_iter=100).fit(X, y)
    check_classifier(clf, X)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("kind", ["binary", "multiclass"])
def test_hidden_activations_with_batch_norm_and_dropout(activation, kind, dtype):
    """Every hidden activation; batch normalization folded in, dropout gone."""
    X, y = classification_data(kind, dtype)
    clf = DeepNNClassifier(
        hidden_layer_sizes=(12, 6),
        activation=activation,
        batch_norm=True,
        dropout=0.2,
        batch_size=32,
        max_iter=15,
        random_state=0,
    ).fit(X, y)
    assert not np.allclose(clf.running_means_[0], 0)  # statistics that the fold must use
    check_classifier(clf, X)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n_outputs", [None, 1, 3])
@pytest.mark.parametrize("loss", ["squared_error", "huber", "poisson"])
def test_regressor(loss, n_outputs, dtype):
    """A 1-D ``y`` gives 1-D predictions; a 2-D one, one column per output (even one)."""
    X, y = regression_data(n_outputs, loss, dtype)
    reg = DeepNNRegressor(hidden_layer_sizes=(16,), loss=loss, max_iter=40, random_state=0)
    check_regressor(reg.fit(X, y), X)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("quantile", [0.8, (0.1, 0.5, 0.9)])
@pytest.mark.parametrize("n_outputs", [None, 2])
def test_quantile_regressor_sorts_its_quantiles_as_predict(quantile, n_outputs, dtype):
    """predict's shape (a quantile axis for a sequence), and its repair of crossings:
    outputs forced to cross come out sorted, in the graph as in predict."""
    X, y = regression_data(n_outputs, "squared_error", dtype)
    reg = DeepNNRegressor(hidden_layer_sizes=(16,), loss="quantile", quantile=quantile,
                          max_iter=20, random_state=0).fit(X, y)  # fmt: skip
    check_regressor(reg, X)
    if np.size(quantile) > 1:
        reg.intercepts_[-1] = reg.intercepts_[-1] + np.tile([1.0, 0.0, -1.0], n_outputs or 1)
        raw = np.asarray(reg.predict(X))
        check_regressor(reg, X)
        assert (np.diff(raw, axis=-1) >= 0).all()


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_regressor_activations_with_batch_norm(activation, dtype):
    X, y = regression_data(2, "squared_error", dtype)
    reg = DeepNNRegressor(
        hidden_layer_sizes=(10, 10),
        activation=activation,
        batch_norm=True,
        dropout=[0.1, 0.0],
        batch_size=40,
        max_iter=15,
        random_state=0,
    ).fit(X, y)
    check_regressor(reg, X)


def test_integer_input_gives_a_float_graph():
    """Integer features (counts, pixels) are cast to float32 in the graph; predict
    computes them in float64, hence float32's tolerance."""
    X, y = load_digits(return_X_y=True)
    X = X.astype(np.int64)
    clf = DeepNNClassifier(hidden_layer_sizes=(16,), max_iter=20, random_state=0).fit(X, y)
    outputs = run(to_onnx(clf, X[:1], zipmap=False), X)
    assert outputs["probabilities"].dtype == np.float32
    assert_allclose(outputs["probabilities"], clf.predict_proba(X), rtol=0, atol=1e-5)
    assert_array_equal(outputs["label"], clf.predict(X))


def test_no_hidden_layer():
    X, y = classification_data("multiclass", np.float32)
    check_classifier(DeepNNClassifier(hidden_layer_sizes=(), max_iter=20).fit(X, y), X)


@pytest.mark.parametrize("dtype", DTYPES)
def test_pipeline_through_skl2onnx(dtype):
    """Importing skdeepnn.onnx is enough for skl2onnx.to_onnx, in a Pipeline too."""
    X, y = make_classification(n_samples=200, n_features=6, n_classes=3, n_informative=4)
    X = (X * 10 + 5).astype(dtype)
    columns = ColumnTransformer(
        [("standard", StandardScaler(), [0, 1, 2]), ("minmax", MinMaxScaler(), [3, 4, 5])]
    )
    model = make_pipeline(columns, DeepNNClassifier(max_iter=20, random_state=0)).fit(X, y)
    onnx_model = skl2onnx.to_onnx(model, X[:1], options={"zipmap": False})
    check_classifier(model, X, onnx_model)


def test_regression_pipeline():
    X, y = regression_data(2, "poisson", np.float32)
    model = make_pipeline(StandardScaler(), DeepNNRegressor(loss="poisson", max_iter=20))
    check_regressor(model.fit(X, y), X)


def test_one_row():
    """One row in: the shapes of one row out."""
    X, y = classification_data("multilabel", np.float32)
    clf = DeepNNClassifier(hidden_layer_sizes=(8,), max_iter=20, random_state=0).fit(X, y)
    outputs = run(to_onnx(clf, X[:1], zipmap=False), X[:1])
    assert outputs["label"].shape == (1, 4) and outputs["probabilities"].shape == (1, 4)


def test_sparse_multilabel_predictions_come_dense():
    X, y = classification_data("multilabel", np.float32)
    clf = DeepNNClassifier(hidden_layer_sizes=(8,), max_iter=20, random_state=0)
    clf.fit(X, sparse.csr_matrix(y))
    assert sparse.issparse(clf.predict(X))
    check_classifier(clf, X)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kind", ["multiclass", "strings", "multilabel"])
def test_zipmap(kind, dtype):
    """skl2onnx's default: a dict of probabilities a row, keyed by the classes (floats:
    ONNX's ZipMap takes no doubles, so a double graph casts them)."""
    X, y = classification_data(kind, dtype, n_samples=60)
    clf = DeepNNClassifier(hidden_layer_sizes=(8,), max_iter=20, random_state=0).fit(X, y)
    outputs = run(to_onnx(clf, X[:1]), X)
    expected = clf.predict(X)
    assert_array_equal(outputs["output_label"], expected)
    rows = outputs["output_probability"]
    assert [sorted(row) for row in rows] == [sorted(clf.classes_.tolist())] * len(X)
    proba = np.array([[row[label] for label in clf.classes_] for row in rows])
    assert_allclose(proba, clf.predict_proba(X), rtol=0, atol=PROBA_ATOL[np.float32])


@pytest.mark.parametrize("dtype", DTYPES)
def test_zipmap_columns(dtype):
    X, y = classification_data("strings", dtype, n_samples=60)
    clf = DeepNNClassifier(hidden_layer_sizes=(8,), max_iter=20, random_state=0).fit(X, y)
    outputs = run(to_onnx(clf, X[:1], zipmap="columns"), X)
    assert_array_equal(outputs["output_label"], clf.predict(X))
    proba = clf.predict_proba(X)
    for k, label in enumerate(clf.classes_):
        assert_allclose(outputs[f"s{label}"], proba[:, k], rtol=0, atol=PROBA_ATOL[dtype])


def test_nocl_and_output_class_labels():
    """``nocl``: class indices for labels; ``output_class_labels``: the classes too."""
    X, y = classification_data("strings", np.float32, n_samples=60)
    clf = LogisticRegressionGD(max_iter=50).fit(X, y)
    outputs = run(to_onnx(clf, X[:1], zipmap=False, nocl=True), X)
    assert_array_equal(clf.classes_[outputs["label"]], clf.predict(X))
    outputs = run(to_onnx(clf, X[:1], zipmap=False, output_class_labels=True), X)
    assert_array_equal(outputs["class_labels"], clf.classes_)
    assert_array_equal(outputs["label"], clf.predict(X))


def test_named_options_reach_the_classifier_in_a_pipeline():
    X, y = classification_data("multiclass", np.float32, n_samples=60)
    model = make_pipeline(StandardScaler(), LogisticRegressionGD(max_iter=20)).fit(X, y)
    outputs = run(to_onnx(model, X[:1], zipmap=False, target_opset=17), X)
    assert set(outputs) == {"label", "probabilities"}


@pytest.mark.parametrize("labels", [[False, True], [1.0, 2.0], [-3, 7]])
def test_numeric_class_labels(labels):
    """Booleans and integral floats (all that a fit takes besides integers and strings)
    come out as the int64 labels ONNX classifiers have."""
    X, y = classification_data("binary", np.float32, n_samples=60)
    clf = LogisticRegressionGD(max_iter=20).fit(X, np.asarray(labels)[y])
    assert check_classifier(clf, X)["label"].dtype == np.int64


def test_labels_onnx_cannot_hold_are_named():
    X, y = classification_data("binary", np.float32, n_samples=60)
    clf = LogisticRegressionGD(max_iter=5).fit(X, y)
    clf.classes_ = np.array([0.5, 1.5])  # fractional labels: no fit makes them, ONNX has none
    with pytest.raises(ValueError, match="cannot export the class labels"):
        to_onnx(clf, X[:1], zipmap=False)


def test_unfitted_model_is_refused():
    with pytest.raises(NotFittedError):
        to_onnx(DeepNNRegressor(), np.zeros((1, 3), dtype=np.float32))


def test_no_warning_from_a_model_fitted_on_a_dataframe():
    pd = pytest.importorskip("pandas")
    X, y = regression_data(None, "squared_error", np.float32)
    reg = DeepNNRegressor(max_iter=5).fit(pd.DataFrame(X, columns=list("abcde")), y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", DeprecationWarning)  # skl2onnx's and onnx's own
        onnx_model = to_onnx(reg, X[:1])
    assert run(onnx_model, X)["variable"].shape == (len(X),)


def test_an_activation_unknown_to_the_converter_is_named():
    X, y = classification_data("binary", np.float32, n_samples=60)
    clf = DeepNNClassifier(hidden_layer_sizes=(4,), max_iter=5).fit(X, y)
    clf.activation = "swish"  # as a newer skdeepnn might have it
    with pytest.raises(ValueError, match="cannot export activation='swish'"):
        to_onnx(clf, X[:1], zipmap=False)
