"""Multilabel targets: a label indicator matrix ``y`` (dense or sparse) gets one sigmoid
unit per label, in DeepNNClassifier and LogisticRegressionGD."""

import warnings

import numpy as np
import pytest
from _helpers import fit_quietly
from scipy import sparse
from sklearn.datasets import make_multilabel_classification
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score, hamming_loss
from sklearn.model_selection import train_test_split
from sklearn.multiclass import OneVsRestClassifier
from sklearn.preprocessing import StandardScaler

from skdeepnn import DeepNNClassifier, LogisticRegressionGD
from skdeepnn.utils import gradient_check

N_LABELS = 5


@pytest.fixture(scope="module")
def data():
    """``X_train, X_test, Y_train, Y_test``: 300 samples, 20 features, 5 labels."""
    X, Y = make_multilabel_classification(n_samples=300, n_classes=N_LABELS, random_state=0)
    X = StandardScaler().fit_transform(X)
    return train_test_split(X, Y, test_size=0.3, random_state=0)


def net(**params):
    defaults = dict(
        hidden_layer_sizes=(16,), learning_rate=0.01, alpha=1.0, max_iter=100, random_state=0
    )
    return DeepNNClassifier(**{**defaults, **params})


@pytest.fixture(scope="module")
def fitted(data):
    X_train, _, Y_train, _ = data
    return fit_quietly(net(), X_train, Y_train)


def test_fits_well_above_the_baselines(data, fitted):
    X_train, X_test, Y_train, Y_test = data
    predicted = fitted.predict(X_test)
    subset_accuracy = accuracy_score(Y_test, predicted)
    hamming = hamming_loss(Y_test, predicted)
    # Baselines: the most frequent set of labels, and each label's majority value.
    rows, counts = np.unique(Y_train, axis=0, return_counts=True)
    most_frequent = np.tile(rows[counts.argmax()], (len(Y_test), 1))
    majority = np.tile((Y_train.mean(axis=0) > 0.5).astype(int), (len(Y_test), 1))
    assert subset_accuracy > 2 * accuracy_score(Y_test, most_frequent)  # 0.31 vs 0.13
    assert hamming < hamming_loss(Y_test, majority) - 0.1  # 0.23 vs 0.38
    # About as good as scikit-learn's one-vs-rest logistic regression (0.31, 0.23).
    reference = OneVsRestClassifier(LogisticRegression()).fit(X_train, Y_train).predict(X_test)
    assert subset_accuracy >= accuracy_score(Y_test, reference) - 0.05
    assert hamming <= hamming_loss(Y_test, reference) + 0.03
    assert fitted.score(X_test, Y_test) == pytest.approx(subset_accuracy)


def test_predictions_and_attributes(data, fitted):
    _, X_test, _, _ = data
    predicted = fitted.predict(X_test)
    assert isinstance(predicted, np.ndarray)
    assert predicted.shape == (len(X_test), N_LABELS) and predicted.dtype.kind == "i"
    assert set(np.unique(predicted)) == {0, 1}
    assert fitted.out_activation_ == "sigmoid" and fitted.n_outputs_ == N_LABELS
    np.testing.assert_array_equal(fitted.classes_, np.arange(N_LABELS))
    assert [W.shape for W in fitted.coefs_] == [(20, 16), (16, N_LABELS)]
    assert fitted.intercepts_[-1].shape == (N_LABELS,)


def test_probabilities_are_sigmoids_of_the_logits(data, fitted):
    _, X_test, _, _ = data
    A = np.maximum(X_test @ fitted.coefs_[0] + fitted.intercepts_[0], 0)  # ReLU
    Z = A @ fitted.coefs_[1] + fitted.intercepts_[1]
    expected = 1 / (1 + np.exp(-Z))
    proba = fitted.predict_proba(X_test)
    assert proba.shape == (len(X_test), N_LABELS)
    np.testing.assert_allclose(proba, expected, rtol=1e-10)
    assert not np.allclose(proba.sum(axis=1), 1)  # independent labels, not a softmax
    np.testing.assert_allclose(fitted.predict_log_proba(X_test), np.log(expected), rtol=1e-9)
    np.testing.assert_array_equal(fitted.predict(X_test), (expected > 0.5).astype(int))


def test_sparse_y_gives_sparse_predictions_equal_to_the_dense_model(data, fitted):
    X_train, X_test, Y_train, Y_test = data
    from_sparse = fit_quietly(net(), X_train, sparse.csr_matrix(Y_train))
    predicted = from_sparse.predict(X_test)
    assert sparse.issparse(predicted)
    np.testing.assert_array_equal(predicted.toarray(), fitted.predict(X_test))
    np.testing.assert_array_equal(from_sparse.predict_proba(X_test), fitted.predict_proba(X_test))
    assert from_sparse.score(X_test, sparse.csr_matrix(Y_test)) == fitted.score(X_test, Y_test)


def test_gradient_check(data):
    X_train, _, Y_train, _ = data
    small = DeepNNClassifier(
        hidden_layer_sizes=(5, 4), activation="tanh", alpha=0.1, random_state=0
    )
    assert gradient_check(small, X_train[:30, :6], Y_train[:30]) < 1e-7
    fitted_small = fit_quietly(small.set_params(max_iter=20), X_train[:30, :6], Y_train[:30])
    assert gradient_check(fitted_small, X_train[:30, :6], Y_train[:30]) < 1e-7


@pytest.mark.parametrize("chunks", [1, 7], ids=["whole-set", "chunks-of-30"])
def test_partial_fit_reaches_fit_at_an_equal_number_of_steps(data, chunks):
    """scikit-learn issue 12505: MLPClassifier's multilabel partial_fit scores far below
    its fit. Here k epochs of partial_fit over the same batches, in the same order, take
    the same steps as fit with max_iter=k. Given the whole set at once, they reach the
    same model; given chunks, the output bias starts at the first chunk's label shares
    rather than the whole set's, and they reach a model as good."""
    X_train, X_test, Y_train, Y_test = data
    k, batch = 30, 30
    settings = dict(batch_size=batch, shuffle=False)
    full = fit_quietly(net(max_iter=k, **settings), X_train, Y_train)
    incremental = net(**settings)
    rows = np.array_split(np.arange(len(X_train)), chunks)
    for _ in range(k):
        for part in rows:
            incremental.partial_fit(X_train[part], Y_train[part])  # no classes needed
    assert incremental.n_iter_ == k * chunks
    full_accuracy = accuracy_score(Y_test, full.predict(X_test))
    incremental_accuracy = accuracy_score(Y_test, incremental.predict(X_test))
    # The last epoch's loss: fit's mean over its batches, partial_fit's per call.
    last_epoch = np.mean(incremental.loss_curve_[-chunks:])
    if chunks == 1:
        assert incremental_accuracy == pytest.approx(full_accuracy)
        assert last_epoch == pytest.approx(full.loss_curve_[-1], rel=1e-9)
        for W_full, W_incremental in zip(full.coefs_, incremental.coefs_, strict=True):
            np.testing.assert_allclose(W_incremental, W_full, rtol=1e-9, atol=1e-12)
    else:
        assert incremental_accuracy >= full_accuracy - 2 / len(Y_test)
        assert last_epoch == pytest.approx(full.loss_curve_[-1], rel=0.05)


def test_logistic_regression_is_one_binary_model_per_label(data):
    """The loss is a sum over the labels, each with its own weights: each row of coef_
    is the binary model of that label alone, trained with the same settings."""
    X_train, X_test, Y_train, _ = data
    settings = dict(learning_rate=0.1, max_iter=100, tol=0.0)
    multi = fit_quietly(LogisticRegressionGD(**settings), X_train, Y_train)
    assert multi.coef_.shape == (N_LABELS, 20) and multi.intercept_.shape == (N_LABELS,)
    assert multi.decision_function(X_test).shape == (len(X_test), N_LABELS)
    for label in range(N_LABELS):
        binary = fit_quietly(LogisticRegressionGD(**settings), X_train, Y_train[:, label])
        assert binary.n_iter_ == multi.n_iter_ == 100
        np.testing.assert_allclose(multi.coef_[label], binary.coef_[0], atol=1e-6)
        np.testing.assert_allclose(multi.intercept_[label], binary.intercept_[0], atol=1e-6)
        np.testing.assert_allclose(
            multi.predict_proba(X_test)[:, label], binary.predict_proba(X_test)[:, 1], atol=1e-6
        )


def test_sample_weights_act_as_repeated_rows(data):
    X_train, _, Y_train, _ = data
    weights = np.where(np.arange(len(X_train)) % 3 == 0, 2.0, 1.0)
    repeated = np.repeat(np.arange(len(X_train)), weights.astype(int))
    settings = dict(learning_rate=0.1, max_iter=50, tol=0.0)
    weighted = fit_quietly(LogisticRegressionGD(**settings), X_train, Y_train, weights)
    copies = fit_quietly(LogisticRegressionGD(**settings), X_train[repeated], Y_train[repeated])
    np.testing.assert_allclose(weighted.coef_, copies.coef_, atol=1e-10)


def test_early_stopping_on_f1_samples(data):
    X_train, _, Y_train, _ = data
    X_fit, X_val, Y_fit, Y_val = train_test_split(X_train, Y_train, test_size=0.3, random_state=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # rows without labels: f1 is undefined for them
        model = net(
            early_stopping=True, scoring="f1_samples", n_iter_no_change=5, max_iter=200
        ).fit(X_fit, Y_fit, X_val=X_val, y_val=Y_val)
        expected = f1_score(Y_val, model.predict(X_val), average="samples")
    assert model.n_iter_ < 200
    assert model.best_validation_score_ == pytest.approx(expected, rel=1e-12)
    assert model.best_validation_score_ == max(model.validation_scores_)
    assert model.validation_scores_[model.best_iteration_ - 1] == model.best_validation_score_


def test_early_stopping_splits_multilabel_y_at_random(data):
    X_train, _, Y_train, _ = data
    model = net(early_stopping=True, n_iter_no_change=5, max_iter=300).fit(X_train, Y_train)
    assert model.n_iter_ < 300
    scores = np.array(model.validation_scores_)
    assert len(scores) == model.n_iter_
    # Subset accuracy on the 21 rows split off (10% of 210): multiples of 1/21.
    n_val = int(np.ceil(0.1 * len(X_train)))
    np.testing.assert_allclose(scores * n_val, np.round(scores * n_val), atol=1e-9)
    # Without scoring, it monitors the validation loss, and keeps the epoch of its lowest.
    losses = np.array(model.validation_loss_curve_)
    assert model.best_loss_ == losses.min()
    assert model.best_iteration_ == losses.argmin() + 1
    assert model.best_validation_score_ == scores[model.best_iteration_ - 1]
    assert scores[model.best_iteration_ - 1] > 2 / n_val  # well above guessing a label set


# -- bad input: a ValueError that names the problem, and nothing modified ----------------


def assert_refused(fit, X, y, match):
    X_given = X.copy()
    y_given = y.copy()
    with pytest.raises(ValueError, match=match):
        fit(X, y)
    np.testing.assert_array_equal(X, X_given)
    if sparse.issparse(y):
        assert (y != y_given).nnz == 0
    else:
        np.testing.assert_array_equal(y, y_given)


@pytest.mark.parametrize(
    "bad",
    ["a-2-among-0-1", "a-half", "only-0-and-2", "only-1-and-2", "sparse-0-and-2"],
)
def test_a_column_that_is_not_0_1_is_refused(data, bad):
    X_train, _, Y_train, _ = data
    y = Y_train.copy()
    if bad == "a-2-among-0-1":
        y[4, 1] = 2
    elif bad == "a-half":
        y = y.astype(float)
        y[4, 1] = 0.5
    elif bad == "only-0-and-2":
        y = 2 * y  # two distinct integers: type_of_target calls it "multilabel-indicator"
    elif bad == "only-1-and-2":
        y = y + 1
    else:
        y = sparse.csr_matrix(2 * y)
    assert_refused(net(max_iter=2).fit, X_train, y, "binary indicator matrix")


def test_a_sparse_y_with_a_single_column_is_refused(data):
    X_train, _, Y_train, _ = data
    y = sparse.csr_matrix(Y_train[:, :1])
    assert_refused(net(max_iter=2).fit, X_train, y, "a single column")


def test_the_label_columns_cannot_change_between_partial_fit_calls(data):
    X_train, _, Y_train, _ = data
    model = net().partial_fit(X_train, Y_train)
    coefs = [W.copy() for W in model.coefs_]
    assert_refused(model.partial_fit, X_train, Y_train[:, :4], "4 label columns, but the model")
    for W, kept in zip(model.coefs_, coefs, strict=True):
        np.testing.assert_array_equal(W, kept)
    assert model.n_iter_ == 1


@pytest.mark.parametrize("class_weight", ["balanced", {0: 2.0}])
@pytest.mark.parametrize("estimator", [DeepNNClassifier, LogisticRegressionGD])
def test_class_weight_is_refused_for_multilabel_y(data, estimator, class_weight):
    X_train, _, Y_train, _ = data
    model = estimator(class_weight=class_weight, max_iter=2)
    assert_refused(model.fit, X_train, Y_train, "class_weight is not supported for multilabel")
    assert not hasattr(model, "coefs_") and not hasattr(model, "n_features_in_")
    if class_weight != "balanced":
        assert_refused(model.partial_fit, X_train, Y_train, "class_weight is not supported")


@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_a_1d_y_after_multilabel_and_the_reverse_are_refused(data, method):
    X_train, _, Y_train, _ = data
    one_dimensional = Y_train[:, 0] + Y_train[:, 1]  # three classes

    def continue_with(model, y):
        return model.fit(X_train, y) if method == "fit" else model.partial_fit(X_train, y)

    multilabel = fit_quietly(net(max_iter=2, warm_start=True), X_train, Y_train)
    coefs = [W.copy() for W in multilabel.coefs_]
    assert_refused(
        lambda X, y: continue_with(multilabel, y), X_train, one_dimensional,
        "y is 1-D, but the model was fitted on a multilabel indicator matrix",
    )  # fmt: skip
    assert multilabel.n_outputs_ == N_LABELS
    np.testing.assert_array_equal(multilabel.coefs_[-1], coefs[-1])
    for labels in (one_dimensional, Y_train[:, 0]):  # multiclass, binary
        model = fit_quietly(net(max_iter=2, warm_start=True), X_train, labels)
        assert_refused(
            lambda X, y, model=model: continue_with(model, y), X_train, Y_train,
            "y is a multilabel indicator matrix, but the model was fitted on 1-D labels",
        )  # fmt: skip
        assert model.out_activation_ in ("sigmoid", "softmax") and model.n_outputs_ < N_LABELS


@pytest.mark.parametrize("which", ["1-D y_val for multilabel y", "multilabel y_val for 1-D y"])
def test_a_y_val_of_the_other_kind_is_refused(data, which):
    """The validation targets must be of the kind the model trains on; otherwise the
    error should say so, not come from NumPy's indexing deep in the encoding."""
    X_train, _, Y_train, _ = data
    X_fit, X_val, Y_fit, Y_val = train_test_split(X_train, Y_train, test_size=0.3, random_state=1)
    if which == "1-D y_val for multilabel y":
        y, y_val = Y_fit, Y_val[:, 0]
    else:
        y, y_val = Y_fit[:, 0] + Y_fit[:, 1], Y_val
    with pytest.raises(ValueError, match="y_val"):
        net(max_iter=2).fit(X_fit, y, X_val=X_val, y_val=y_val)


def test_a_scorer_on_sparse_multilabel_targets(data):
    """roc_auc refuses a sparse y_true: the validation labels are dense whatever y was."""
    X_train, X_val, Y_train, Y_val = data
    sparse_net = fit_quietly(
        net(early_stopping=True, scoring="roc_auc", max_iter=5),
        X_train,
        sparse.csr_matrix(Y_train),
        X_val=X_val,
        y_val=sparse.csr_matrix(Y_val),
    )
    assert sparse.issparse(sparse_net.predict(X_val))
    dense_net = fit_quietly(
        net(early_stopping=True, scoring="roc_auc", max_iter=5),
        X_train,
        Y_train,
        X_val=X_val,
        y_val=Y_val,
    )
    assert sparse_net.validation_scores_ == dense_net.validation_scores_
