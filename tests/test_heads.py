"""The output heads of ``_heads``, each alone on arrays made here: encoding and decoding
of targets, predictions from logits, scores, and the loss each head hands the engine."""

import re

import numpy as np
import pytest
from scipy import sparse
from scipy.special import expit
from sklearn.metrics import accuracy_score, r2_score
from sklearn.utils.class_weight import compute_class_weight

from skdeepnn._activations import softmax
from skdeepnn._heads import (
    ClassificationHead,
    MultilabelHead,
    RegressionHead,
    balanced_class_weights,
    check_indicator_matrix,
    class_indices,
    class_totals,
    class_weights_from_dict,
)
from skdeepnn._losses import (
    binary_log_loss_and_gradient,
    categorical_log_loss_and_gradient,
    huber_loss_and_gradient,
    poisson_loss_and_gradient,
    squared_error_loss_and_gradient,
)

LABELS = {
    "int-binary": np.array([-3, 7]),
    "str-binary": np.array(["cat", "dog"]),
    "int-multiclass": np.array([0, 2, 5]),
    "str-multiclass": np.array(["a", "b", "c", "d"]),
}


def _labels(classes, m=12, seed=0):
    """``m`` labels drawn from ``classes``, each class present."""
    rng = np.random.default_rng(seed)
    y = classes[rng.integers(0, len(classes), size=m)]
    y[: len(classes)] = classes
    return y


# -- ClassificationHead ---------------------------------------------------------


@pytest.mark.parametrize("classes", LABELS.values(), ids=LABELS.keys())
def test_classification_encode_decode_round_trip(classes):
    y = _labels(classes)
    head = ClassificationHead(classes)
    Y, weights = head.encode(y, None, np.float32)
    assert weights is None and Y.shape == (len(y), 1)
    if len(classes) == 2:  # one 0/1 column: 1 for classes[1]
        assert Y.dtype == np.float32 and head.n_outputs == 1
        np.testing.assert_array_equal(Y[:, 0], y == classes[1])
        assert head.output_activation == "sigmoid"
    else:  # each row's class index in the sorted classes: where its one-hot row has 1
        assert Y.dtype == np.int32 and head.n_outputs == len(classes)
        one_hot = y[:, None] == classes[None, :]
        np.testing.assert_array_equal(Y[:, 0], one_hot.argmax(axis=1))
        assert head.output_activation == "softmax"
    decoded = head.decode(Y)
    np.testing.assert_array_equal(decoded, y)
    assert decoded.dtype == classes.dtype
    np.testing.assert_array_equal(head.strata(Y), y)  # the labels: errors can name them


@pytest.mark.parametrize("classes", LABELS.values(), ids=LABELS.keys())
def test_class_weights_multiply_sample_weights(classes):
    y = _labels(classes)
    class_weights = np.arange(1.0, len(classes) + 1) / 2
    head = ClassificationHead(classes, class_weights)
    per_class = dict(zip(classes.tolist(), class_weights.tolist(), strict=True))
    expected = np.array([per_class[label] for label in y.tolist()])
    _, weights = head.encode(y, None, np.float64)
    np.testing.assert_allclose(weights, expected)
    sample_weight = np.linspace(0.5, 2.0, len(y))
    given = sample_weight.copy()
    _, weights = head.encode(y, sample_weight, np.float64)
    np.testing.assert_allclose(weights, sample_weight * expected)
    np.testing.assert_array_equal(sample_weight, given)  # not modified in place


@pytest.mark.parametrize(
    ("classes", "y", "unknown"),
    [
        (np.array([0, 1, 2]), np.array([0, 1, 7, 2, -1]), "[-1, 7]"),
        (np.array(["a", "b"]), np.array(["a", "zebra", "b"]), "['zebra']"),
    ],
)
def test_classification_encode_names_unknown_labels(classes, y, unknown):
    with pytest.raises(ValueError, match=rf"labels {re.escape(unknown)} that are not among"):
        ClassificationHead(classes).encode(y, None, np.float64)


@pytest.mark.parametrize("n_classes", [2, 4])
def test_classification_probabilities_are_sigmoid_or_softmax_of_the_logits(n_classes):
    rng = np.random.default_rng(1)
    classes = np.arange(n_classes) * 10
    head = ClassificationHead(classes)
    Z = rng.normal(scale=3, size=(15, head.n_outputs))
    proba = head.predict_proba(Z.copy())
    assert proba.shape == (15, n_classes)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    if n_classes == 2:
        p1 = 1 / (1 + np.exp(-Z[:, 0]))
        expected = np.c_[1 - p1, p1]
        predicted = classes[(p1 > 0.5).astype(int)]
    else:
        exp = np.exp(Z - Z.max(axis=1, keepdims=True))
        expected = exp / exp.sum(axis=1, keepdims=True)
        predicted = classes[expected.argmax(axis=1)]
    np.testing.assert_allclose(proba, expected, rtol=1e-12)
    np.testing.assert_allclose(head.predict_log_proba(Z), np.log(expected), rtol=1e-10)
    np.testing.assert_array_equal(head.predict(Z), predicted)


@pytest.mark.parametrize(
    "head",
    [ClassificationHead(np.arange(2)), ClassificationHead(np.arange(3)), MultilabelHead(3)],
    ids=["binary", "multiclass", "multilabel"],
)
def test_predictions_leave_the_logits_unchanged(head):
    """A head reads the logits; unlike the losses, its predictions do not say that they
    overwrite them, and a caller may ask for several from one ``Z``."""
    Z = np.random.default_rng(12).normal(size=(5, head.n_outputs))
    given = Z.copy()
    for method in (
        head.predict,
        head.predict_proba,
        head.predict_log_proba,
        head.decision_function,
    ):
        method(Z)
        np.testing.assert_array_equal(Z, given, err_msg=method.__name__)


def test_binary_probabilities_stay_exact_for_large_logits():
    head = ClassificationHead(np.array([0, 1]))
    Z = np.array([[-50.0], [50.0]])
    proba = head.predict_proba(Z)
    # 1 - expit(50) would round to 0; expit(-50) keeps the small probability.
    np.testing.assert_allclose(proba[:, 0], [1.0, np.exp(-50) / (1 + np.exp(-50))], rtol=1e-12)
    assert np.isfinite(head.predict_log_proba(Z)).all()


@pytest.mark.parametrize("n_classes", [2, 3])
def test_classification_score_is_weighted_accuracy(n_classes):
    rng = np.random.default_rng(2)
    classes = np.array(["x", "y", "z"][:n_classes])
    head = ClassificationHead(classes)
    y = _labels(classes, m=40, seed=3)
    Y, _ = head.encode(y, None, np.float64)
    Z = rng.normal(size=(40, head.n_outputs))
    weights = rng.uniform(0.1, 3.0, size=40)
    predicted = head.predict(Z)
    assert head.score(Z, Y) == pytest.approx(accuracy_score(y, predicted))
    assert head.score(Z, Y, weights) == pytest.approx(
        accuracy_score(y, predicted, sample_weight=weights)
    )
    assert 0 < head.score(Z, Y) < 1  # neither all right nor all wrong: a real comparison


@pytest.mark.parametrize(
    ("classes", "expected_loss"),
    [
        (np.array([0, 1]), binary_log_loss_and_gradient),
        (np.array([0, 1, 2]), categorical_log_loss_and_gradient),
    ],
)
def test_classification_attributes_and_loss(classes, expected_loss):
    head = ClassificationHead(classes)
    assert head.loss is expected_loss
    attributes = head.attributes()
    np.testing.assert_array_equal(attributes["classes_"], classes)
    assert attributes["n_outputs_"] == head.n_outputs
    assert attributes["out_activation_"] == head.output_activation


# -- MultilabelHead and check_indicator_matrix -------------------------------------


@pytest.fixture
def indicator():
    rng = np.random.default_rng(4)
    y = rng.integers(0, 2, size=(20, 4))
    y[0], y[1] = 0, 1
    return y


@pytest.mark.parametrize("as_sparse", [False, True], ids=["dense", "sparse"])
def test_multilabel_encode_decode(indicator, as_sparse):
    y = sparse.csr_matrix(indicator) if as_sparse else indicator
    head = MultilabelHead(4, sparse_output=as_sparse)
    weights = np.linspace(1, 2, 20)
    Y, out_weights = head.encode(y, weights, np.float32)
    assert isinstance(Y, np.ndarray) and Y.dtype == np.float32 and Y.shape == (20, 4)
    np.testing.assert_array_equal(Y, indicator)
    assert out_weights is weights  # no class weights for multilabel targets
    decoded = head.decode(Y)
    # Dense whatever y was: what scorers compare with (roc_auc refuses a sparse y_true).
    assert isinstance(decoded, np.ndarray)
    np.testing.assert_array_equal(decoded, indicator)
    assert head.strata(Y) is None  # too many combinations to stratify on
    assert head.loss is binary_log_loss_and_gradient
    assert head.output_activation == "sigmoid" and head.n_outputs == 4
    np.testing.assert_array_equal(head.classes, np.arange(4))


@pytest.mark.parametrize("sparse_output", [False, True])
def test_multilabel_predictions(sparse_output):
    rng = np.random.default_rng(5)
    Z = rng.normal(scale=2, size=(10, 3))
    head = MultilabelHead(3, sparse_output)
    predicted = head.predict(Z)
    assert sparse.issparse(predicted) == sparse_output
    dense = predicted.toarray() if sparse_output else predicted
    assert dense.dtype.kind == "i"
    np.testing.assert_array_equal(dense, (1 / (1 + np.exp(-Z)) > 0.5).astype(int))
    np.testing.assert_allclose(head.predict_proba(Z), 1 / (1 + np.exp(-Z)), rtol=1e-12)
    np.testing.assert_allclose(head.predict_log_proba(Z), np.log(expit(Z)), rtol=1e-10)
    np.testing.assert_array_equal(head.decision_function(Z), Z)
    attributes = head.attributes()
    assert attributes["n_outputs_"] == 3 and attributes["out_activation_"] == "sigmoid"
    np.testing.assert_array_equal(attributes["classes_"], np.arange(3))


def test_multilabel_score_is_subset_accuracy(indicator):
    rng = np.random.default_rng(6)
    head = MultilabelHead(4)
    Y, _ = head.encode(indicator, None, np.float64)
    # Logits that get most labels right, and a few rows entirely right.
    Z = np.where(indicator == 1, 1.0, -1.0) * rng.uniform(0.1, 2, size=indicator.shape)
    flip = rng.random(indicator.shape) < 0.15
    Z[flip] *= -1
    predicted = head.predict(Z)
    weights = rng.uniform(0.1, 3.0, size=len(Z))
    expected = accuracy_score(indicator, predicted)
    assert 0 < expected < 1
    assert head.score(Z, Y) == pytest.approx(expected)
    assert head.score(Z, Y, weights) == pytest.approx(
        accuracy_score(indicator, predicted, sample_weight=weights)
    )


def test_multilabel_encode_refuses_another_column_count(indicator):
    with pytest.raises(ValueError, match="y has 4 label columns, but the model has 3 labels"):
        MultilabelHead(3).encode(indicator, None, np.float64)


@pytest.mark.parametrize("as_sparse", [False, True], ids=["dense", "sparse"])
def test_check_indicator_matrix_refuses_a_single_column(as_sparse):
    y = np.array([[0], [1], [1]])
    y = sparse.csr_matrix(y) if as_sparse else y
    with pytest.raises(ValueError, match="y_val is a label matrix with a single column"):
        check_indicator_matrix(y, "y_val")


@pytest.mark.parametrize("as_sparse", [False, True], ids=["dense", "sparse"])
def test_check_indicator_matrix_refuses_a_two(indicator, as_sparse):
    y = indicator.copy()
    y[3, 2] = 2
    y = sparse.csr_matrix(y) if as_sparse else y
    with pytest.raises(ValueError, match=r"binary indicator matrix .* e\.g\. \[2\]"):
        check_indicator_matrix(y)


@pytest.mark.parametrize(
    "y",
    [
        np.array([[0, 2], [2, 0], [2, 2]]),
        np.array([[1, 2], [2, 1], [1, 1]]),
        np.array([[-1, 1], [1, -1], [1, 1]]),
        sparse.csr_matrix(np.array([[0, 2], [2, 0], [2, 2]])),
    ],
    ids=["0-2", "1-2", "minus1-1", "sparse-0-2"],
)
def test_check_indicator_matrix_refuses_two_values_other_than_0_and_1(y):
    """Two distinct integers make scikit-learn's type_of_target say "multilabel-indicator",
    but only 0 and 1 are valid targets of the sigmoid units: a 2 (or a -1) would enter
    the binary cross-entropy as a target outside [0, 1]."""
    with pytest.raises(ValueError, match="binary indicator matrix"):
        check_indicator_matrix(y)


@pytest.mark.parametrize(
    "y",
    [
        np.array([[0, 1], [1, 0]]),
        np.array([[0.0, 1.0], [1.0, 1.0]]),
        np.array([[True, False], [False, False]]),
        sparse.csr_matrix(np.array([[0, 1], [1, 0]])),
        np.zeros((3, 2), dtype=int),
    ],
    ids=["int", "float", "bool", "sparse", "all-zero"],
)
def test_check_indicator_matrix_accepts_0_1_matrices(y):
    check_indicator_matrix(y)


# -- RegressionHead -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("y_shape", "one_dimensional"),
    [((9,), True), ((9, 1), False), ((9, 3), False)],
)
def test_regression_encode_shapes(y_shape, one_dimensional):
    rng = np.random.default_rng(7)
    y = rng.normal(size=y_shape)
    n_outputs = 1 if len(y_shape) == 1 else y_shape[1]
    head = RegressionHead(n_outputs, one_dimensional=one_dimensional)
    Y, weights = head.encode(y, None, np.float32)
    assert Y.shape == (9, n_outputs) and Y.dtype == np.float32 and weights is None
    np.testing.assert_allclose(Y, y.reshape(9, -1), rtol=1e-6)
    decoded = head.decode(Y)
    assert decoded.shape == y_shape  # 1-D exactly when y was
    assert head.strata(Y) is None


def test_regression_encode_refuses_another_number_of_outputs():
    head = RegressionHead(2, one_dimensional=False)
    with pytest.raises(ValueError, match="y_val has 3 outputs, but the model was fitted on 2"):
        head.encode(np.zeros((4, 3)), None, np.float64, "y_val")
    with pytest.raises(ValueError, match="y has 1 outputs"):
        head.encode(np.zeros(4), None, np.float64)


def test_poisson_refuses_negative_targets():
    y = np.array([0.0, 2.0, -1.0, 3.0, -0.5])
    with pytest.raises(ValueError, match="non-negative, and has 2 negative values"):
        RegressionHead(1, loss="poisson").encode(y, None, np.float64)
    Y, _ = RegressionHead(1, loss="poisson").encode(np.abs(y), None, np.float64)
    np.testing.assert_array_equal(Y[:, 0], np.abs(y))
    # The other losses take any real target.
    RegressionHead(1, loss="squared_error").encode(y, None, np.float64)


@pytest.mark.parametrize("one_dimensional", [True, False])
@pytest.mark.parametrize("loss", ["squared_error", "huber", "poisson"])
def test_regression_predict(loss, one_dimensional):
    rng = np.random.default_rng(8)
    Z = rng.normal(size=(6, 1))
    head = RegressionHead(1, loss=loss, one_dimensional=one_dimensional)
    predicted = head.predict(Z)
    expected = np.exp(Z) if loss == "poisson" else Z
    assert head.output_activation == ("exp" if loss == "poisson" else "identity")
    assert predicted.shape == ((6,) if one_dimensional else (6, 1))
    np.testing.assert_allclose(predicted.reshape(6, 1), expected, rtol=1e-12)


def test_regression_predict_several_outputs():
    Z = np.arange(6.0).reshape(3, 2) / 4
    np.testing.assert_allclose(
        RegressionHead(2, "poisson", one_dimensional=False).predict(Z), np.exp(Z)
    )
    np.testing.assert_array_equal(
        RegressionHead(2, "squared_error", one_dimensional=False).predict(Z), Z
    )


@pytest.mark.parametrize("loss", ["squared_error", "poisson"])
@pytest.mark.parametrize("n_outputs", [1, 3])
def test_regression_score_is_r2(loss, n_outputs):
    rng = np.random.default_rng(9)
    y = rng.uniform(0.5, 4, size=(30, n_outputs))
    Z = np.log(y) if loss == "poisson" else y.copy()
    Z += rng.normal(scale=0.3, size=Z.shape)  # good predictions, not perfect ones
    head = RegressionHead(n_outputs, loss=loss, one_dimensional=n_outputs == 1)
    Y, _ = head.encode(y[:, 0] if n_outputs == 1 else y, None, np.float64)
    predictions = np.exp(Z) if loss == "poisson" else Z
    weights = rng.uniform(0.1, 2.0, size=30)
    assert head.score(Z, Y) == pytest.approx(r2_score(y, predictions))
    assert head.score(Z, Y, weights) == pytest.approx(
        r2_score(y, predictions, sample_weight=weights)
    )
    assert 0 < head.score(Z, Y) < 1


@pytest.mark.parametrize("weighted", [False, True])
def test_initial_output_bias_is_the_link_of_the_weighted_mean(weighted):
    Y = np.array([[1.0, 10.0], [3.0, 0.0], [8.0, 2.0]])
    weights = np.array([1.0, 2.0, 0.5]) if weighted else None
    w = np.ones(3) if weights is None else weights
    mean = (Y * w[:, None]).sum(axis=0) / w.sum()
    identity = RegressionHead(2, one_dimensional=False).initial_output_bias(Y, weights)
    np.testing.assert_allclose(identity, mean, rtol=1e-12)
    poisson = RegressionHead(2, "poisson", one_dimensional=False)
    np.testing.assert_allclose(poisson.initial_output_bias(Y, weights), np.log(mean), rtol=1e-12)
    assert identity.dtype == np.float64
    # A target that is 0 everywhere: a finite (very negative) bias, not log(0).
    zeros = poisson.initial_output_bias(np.zeros((3, 2)), weights)
    assert np.isfinite(zeros).all() and (zeros < -700).all()


@pytest.mark.parametrize(
    ("loss", "expected"),
    [("squared_error", squared_error_loss_and_gradient), ("poisson", poisson_loss_and_gradient)],
)
def test_regression_loss_is_the_matching_function(loss, expected):
    assert RegressionHead(1, loss=loss).loss is expected


@pytest.mark.parametrize("delta", [0.3, 1.0, 2.5])
def test_regression_huber_loss_uses_its_delta(delta):
    rng = np.random.default_rng(10)
    Y = rng.normal(size=(20, 2))
    Z = Y + rng.normal(scale=2, size=Y.shape)  # residuals on both sides of delta
    weights = rng.uniform(0.5, 2, size=20)
    head = RegressionHead(2, loss="huber", huber_delta=delta, one_dimensional=False)
    dZ_head, dZ_expected = Z.copy(), Z.copy()
    loss = head.loss(dZ_head, Y, weights)
    assert loss == pytest.approx(huber_loss_and_gradient(dZ_expected, Y, weights, delta=delta))
    np.testing.assert_allclose(dZ_head, dZ_expected)
    # By hand: half squares within delta, linear beyond, a weighted mean over the rows.
    r = np.abs(Z - Y)
    h = np.where(r <= delta, 0.5 * r**2, delta * (r - delta / 2)).sum(axis=1)
    assert loss == pytest.approx(np.average(h, weights=weights))
    if delta != 1.0:  # the delta is used, not the default
        assert loss != pytest.approx(huber_loss_and_gradient(Z.copy(), Y, weights, delta=1.0))


def test_regression_attributes():
    attributes = RegressionHead(3, "poisson", one_dimensional=False).attributes()
    assert attributes == {
        "n_outputs_": 3,
        "out_activation_": "exp",
        "_one_dimensional_y": False,
        "quantiles_": None,  # a refit after a quantile fit forgets its quantiles
        "_quantile_axis": False,
    }


# -- class weights ----------------------------------------------------------------


@pytest.mark.parametrize("classes", LABELS.values(), ids=LABELS.keys())
def test_balanced_class_weights_match_scikit_learn(classes):
    rng = np.random.default_rng(11)
    frequencies = np.linspace(1, 3, len(classes))
    y = classes[rng.choice(len(classes), size=50, p=frequencies / frequencies.sum())]
    y[: len(classes)] = classes
    expected = compute_class_weight("balanced", classes=classes, y=y)
    counts = class_totals(class_indices(y, classes), None, len(classes))
    np.testing.assert_allclose(balanced_class_weights(counts), expected, rtol=1e-12)


def test_balanced_class_weights_count_sample_weights():
    classes = np.array([0, 1, 2])
    y = np.array([0, 0, 1, 1, 1, 2])
    weights = np.array([1.0, 3.0, 0.5, 0.5, 1.0, 2.0])
    # Per class, the sums of the weights: 4, 2, 2 out of 8.
    expected = 8 / (3 * np.array([4.0, 2.0, 2.0]))
    sums = class_totals(class_indices(y, classes), weights, len(classes))
    np.testing.assert_allclose(balanced_class_weights(sums), expected)
    # A class whose samples all weigh 0 gets 1 rather than a division by zero.
    weights[y == 2] = 0
    result = balanced_class_weights(class_totals(class_indices(y, classes), weights, 3))
    assert result[2] == 1.0 and np.isfinite(result).all()


def test_class_weights_from_a_dict():
    classes = np.array(["a", "b", "c"])
    np.testing.assert_array_equal(
        class_weights_from_dict({"c": 4.0, "a": 0.5}, classes), [0.5, 1.0, 4.0]
    )
    with pytest.raises(ValueError, match=r"labels \['z'\] that are not among the classes"):
        class_weights_from_dict({"z": 2.0}, classes)
    with pytest.raises(ValueError, match="got -1 for class 'b'"):
        class_weights_from_dict({"b": -1}, classes)
    with pytest.raises(ValueError, match="finite non-negative"):
        class_weights_from_dict({"b": np.inf}, classes)


def test_unknown_validation_labels_name_y_val_and_the_classes_of_y():
    head = ClassificationHead(np.array([0, 1]))
    with pytest.raises(ValueError, match=r"y_val has labels \[2\] .* classes \[0, 1\] of y\.$"):
        head.encode(np.array([0, 2]), None, np.float64, name="y_val")
    with pytest.raises(ValueError, match="refit"):
        head.encode(np.array([0, 2]), None, np.float64)


@pytest.mark.parametrize("weighted", [False, True])
def test_a_classifiers_initial_output_bias_predicts_the_class_shares(weighted):
    """softmax(b) and sigmoid(b) are the weighted class frequencies, with class weights."""
    y = np.array([0, 1, 1, 2, 2, 2, 2, 2, 0, 1])
    weights = np.linspace(0.5, 2, len(y)) if weighted else np.ones(len(y))
    shares = np.bincount(y, weights=weights) / weights.sum()
    three = ClassificationHead(np.arange(3))
    Y, w = three.encode(y, weights if weighted else None, np.float64)
    b = three.initial_output_bias(Y, w)
    np.testing.assert_allclose(np.exp(b) / np.exp(b).sum(), shares, rtol=1e-12)
    assert b.sum() == pytest.approx(0, abs=1e-12)

    two = ClassificationHead(np.arange(2), class_weights=np.array([1.0, 3.0]))
    binary = (y == 2).astype(int)
    Y, w = two.encode(binary, weights if weighted else None, np.float64)
    class_weighted = weights * np.where(binary == 1, 3.0, 1.0)
    share = class_weighted[binary == 1].sum() / class_weighted.sum()
    np.testing.assert_allclose(expit(two.initial_output_bias(Y, w)), [share], rtol=1e-12)


def test_the_prior_keeps_every_class_within_reach_and_ignores_row_counts():
    head = ClassificationHead(np.arange(3))
    # Class 2 has no sample (partial_fit's first chunk): a tenth of an even share.
    Y, _ = head.encode(np.array([0, 0, 1, 0]), None, np.float64)
    p = softmax(head.initial_output_bias(Y)[None, :].copy())[0]
    np.testing.assert_allclose(p / p[0], [1, (1 / 4) / (3 / 4), (0.1 / 3) / (3 / 4)], rtol=1e-12)
    # Weights of 2 give the start of repeated rows.
    y = np.array([0, 1, 2, 2])
    Y, _ = head.encode(y, None, np.float64)
    Y2, _ = head.encode(np.repeat(y, [2, 1, 1, 2]), None, np.float64)
    np.testing.assert_allclose(
        head.initial_output_bias(Y, np.array([2.0, 1.0, 1.0, 2.0])),
        head.initial_output_bias(Y2),
        rtol=1e-12,
    )
    # Every weight 0: no prior to learn, an even start.
    np.testing.assert_array_equal(head.initial_output_bias(Y, np.zeros(4)), np.zeros(3))


def test_multilabel_prior_is_each_labels_frequency():
    head = MultilabelHead(3)
    Y = np.array([[1, 0, 1], [1, 0, 0], [1, 1, 0], [0, 0, 0]], dtype=float)
    # Label 0 is "yes" 3 times in 4; label 1 once; label 2 once.
    np.testing.assert_allclose(expit(head.initial_output_bias(Y)), [0.75, 0.25, 0.25], rtol=1e-12)
    # A label never seen: its share is floored at 0.05 (a tenth of an even share),
    # so its logit is log(0.05 / 1), not minus infinity.
    never = head.initial_output_bias(np.zeros((4, 3)))
    np.testing.assert_allclose(never, np.log(0.05), rtol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_weighted_prior_summed_in_blocks_is_the_whole_sum(monkeypatch, dtype):
    """weighted_column_sums converts a block of rows at a time to float64: blocks of 3
    rows (the last one short) give the shares of one weighted sum over all the rows."""
    import skdeepnn._heads as heads

    rng = np.random.default_rng(0)
    Y = rng.integers(0, 2, (20, 4)).astype(dtype)
    weights = rng.uniform(0.1, 3, 20).astype(dtype)
    head = MultilabelHead(4)
    whole = head.initial_output_bias(Y, weights)
    monkeypatch.setattr(heads, "PRIOR_BLOCK_VALUES", 3 * 4)
    np.testing.assert_allclose(head.initial_output_bias(Y, weights), whole, rtol=1e-12)
    w = weights.astype(np.float64)
    shares = (w @ Y) / w.sum()
    np.testing.assert_allclose(expit(whole), shares, rtol=1e-6)


def test_class_indices_take_four_bytes_a_row_whatever_the_classes():
    """The softmax's targets are a column of int32 class indices, not one-hot rows of
    X's dtype: the labels come back from them, and none is lost at many classes."""
    head = ClassificationHead(np.array(["a", "b", "c"]))
    Y, _ = head.encode(np.array(["c", "a", "c", "b"]), None, np.float64)
    assert Y.dtype == np.int32 and Y.nbytes == 4 * 4
    np.testing.assert_array_equal(Y[:, 0], [2, 0, 2, 1])
    np.testing.assert_array_equal(head.decode(Y), ["c", "a", "c", "b"])
    assert head.encode(np.array([], dtype="<U1"), None, np.float64)[0].shape == (0, 1)
    many = ClassificationHead(np.arange(70_000))
    y = np.array([69_999, 0, 12_345])
    np.testing.assert_array_equal(many.decode(many.encode(y, None, np.float32)[0]), y)


def test_labels_looked_up_and_counted_in_blocks_give_the_whole_arrays(monkeypatch):
    """Blocks of 3 labels (the last one short) give searchsorted's and bincount's
    results over all of y, as 32-bit indices and float64 sums."""
    import skdeepnn._heads as heads

    rng = np.random.default_rng(5)
    classes = np.array(["ant", "bee", "cat", "dog"])
    y = classes[rng.integers(0, 4, 20)]
    weights = rng.uniform(0, 2, 20).astype(np.float32)
    monkeypatch.setattr(heads, "LABEL_BLOCK_ROWS", 3)
    index = class_indices(y, classes)
    assert index.dtype == np.int32
    np.testing.assert_array_equal(index, np.searchsorted(classes, y))
    sums = class_totals(index, weights, 4)
    assert sums.dtype == np.float64
    np.testing.assert_allclose(sums, np.bincount(index, weights=weights, minlength=4), rtol=1e-6)
    counts = class_totals(index, None, 6)  # classes beyond the labels count 0
    np.testing.assert_array_equal(counts, np.bincount(index, minlength=6))
