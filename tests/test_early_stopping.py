"""Early stopping on the validation loss, with a split of the training data or a
validation set of the user's own."""

import warnings

import numpy as np
import pytest
import sklearn
from _helpers import fit_memory_per_row, fit_quietly
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import log_loss
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skdeepnn import DeepNNClassifier, LogisticRegressionGD


def overfitting_net(**params):
    defaults = dict(
        hidden_layer_sizes=(128, 128),
        learning_rate=0.01,
        batch_size=32,
        max_iter=300,
        n_iter_no_change=5,
        random_state=0,
    )
    return DeepNNClassifier(**{**defaults, **params})


def test_early_stopping_restores_the_best_epoch(noisy):
    X_train, X_val, y_train, y_val = noisy
    net = overfitting_net(early_stopping=True).fit(X_train, y_train, X_val=X_val, y_val=y_val)
    assert net.n_iter_ == net.best_iteration_ + 5 < 300  # patience of n_iter_no_change
    curve = np.array(net.validation_loss_curve_)
    assert net.best_loss_ == curve.min() == curve[net.best_iteration_ - 1]
    # The returned weights are the best epoch's: sklearn's log_loss agrees with best_loss_.
    assert log_loss(y_val, net.predict_proba(X_val)) == pytest.approx(net.best_loss_, rel=1e-9)
    assert len(net.validation_scores_) == net.n_iter_


def test_a_validation_set_without_early_stopping_is_only_recorded(noisy):
    X_train, X_val, y_train, y_val = noisy
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        net = overfitting_net(max_iter=30, tol=0).fit(X_train, y_train, X_val=X_val, y_val=y_val)
    assert net.n_iter_ == 30 == len(net.validation_loss_curve_)
    assert net.validation_scores_[-1] == pytest.approx(net.score(X_val, y_val))
    assert net.validation_loss_curve_[-1] == pytest.approx(
        log_loss(y_val, net.predict_proba(X_val)), rel=1e-9
    )
    assert net.best_loss_ == min(net.loss_curve_)  # monitoring the training loss


def test_validation_fraction_splits_off_a_stratified_part(noisy):
    X_train, _, y_train, _ = noisy
    net = overfitting_net(early_stopping=True, validation_fraction=0.2).fit(X_train, y_train)
    assert net.n_iter_ < 300 and net.best_iteration_ == net.n_iter_ - 5
    again = overfitting_net(early_stopping=True, validation_fraction=0.2).fit(X_train, y_train)
    np.testing.assert_array_equal(net.validation_loss_curve_, again.validation_loss_curve_)
    assert net.validation_scores_ is not None


def test_class_weights_apply_to_the_validation_loss(noisy):
    X_train, X_val, y_train, y_val = noisy
    weights = {0: 3.0, 1: 1.0}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        net = overfitting_net(class_weight=weights, max_iter=3).fit(
            X_train, y_train, X_val=X_val, y_val=y_val
        )
    expected = log_loss(y_val, net.predict_proba(X_val), sample_weight=np.where(y_val == 0, 3, 1))
    assert net.validation_loss_curve_[-1] == pytest.approx(expected, rel=1e-9)


def test_logistic_regression_stops_early_too(noisy):
    X_train, X_val, y_train, y_val = noisy
    clf = LogisticRegressionGD(early_stopping=True, learning_rate=0.5, max_iter=5000, tol=1e-6).fit(
        X_train, y_train, X_val=X_val, y_val=y_val
    )
    assert clf.n_iter_ == clf.best_iteration_ + clf.n_iter_no_change < 5000


@pytest.mark.parametrize(
    ("fit_params", "message"),
    [
        (dict(X_val="same"), "X_val was given without y_val"),
        (dict(y_val="same"), "given without X_val"),
        (
            dict(X_val="narrow", y_val="same"),
            "X has 19 features, but DeepNNClassifier is expecting 20",
        ),
        (dict(X_val="same", y_val="new label"), r"y_val has labels \[7\] that are not among"),
    ],
)
def test_bad_validation_sets(fit_params, message, noisy):
    X_train, X_val, y_train, y_val = noisy
    values = {"same": X_val, "narrow": X_val[:, :19]}
    kwargs = {}
    if "X_val" in fit_params:
        kwargs["X_val"] = values[fit_params["X_val"]]
    if "y_val" in fit_params:
        kwargs["y_val"] = (
            np.where(y_val == 1, 7, 0) if fit_params["y_val"] == "new label" else y_val
        )
    with pytest.raises(ValueError, match=message):
        DeepNNClassifier(early_stopping=True).fit(X_train, y_train, **kwargs)


def test_data_too_few_to_split_train_without_early_stopping():
    """A class of one sample cannot be in both parts: rather than refuse to train (a
    grid search would lose the candidate), fit warns and trains on all the data."""
    X, y = make_classification(n_samples=30, n_features=4, random_state=0)
    y[0] = 2
    net = DeepNNClassifier(early_stopping=True, max_iter=5, random_state=0)
    with pytest.warns(UserWarning, match="validation_fraction=0.1 cannot split.*Training without"):
        fit_quietly(net, X, y)
    plain = fit_quietly(DeepNNClassifier(max_iter=5, random_state=0), X, y)
    assert net.validation_loss_curve_ is None and net.best_validation_score_ is None
    assert net.n_iter_ == plain.n_iter_ == 5
    with pytest.raises(ValueError, match="'validation_fraction' parameter"):
        DeepNNClassifier(early_stopping=True, validation_fraction=1.0).fit(X, y)


def test_x_val_is_transformed_by_the_pipeline(noisy):
    """Pipeline(transform_input=["X_val"]) scales X_val with the scaler fitted on X."""
    X_train, X_val, y_train, y_val = noisy
    X_train, X_val = X_train * 50 + 7, X_val * 50 + 7  # unscaled inputs
    params = dict(early_stopping=True, max_iter=50)
    with sklearn.config_context(enable_metadata_routing=True):
        pipeline = Pipeline(
            [
                ("scale", StandardScaler()),
                ("net", overfitting_net(**params).set_fit_request(X_val=True, y_val=True)),
            ],
            transform_input=["X_val"],
        ).fit(X_train, y_train, X_val=X_val, y_val=y_val)
    scaler = StandardScaler().fit(X_train)
    direct = overfitting_net(**params).fit(
        scaler.transform(X_train), y_train, X_val=scaler.transform(X_val), y_val=y_val
    )
    np.testing.assert_allclose(
        pipeline[-1].validation_loss_curve_, direct.validation_loss_curve_, rtol=1e-10
    )


def test_interrupt_during_the_validation_pass_records_each_epoch_once(noisy, monkeypatch):
    import skdeepnn._validation

    X_train, X_val, y_train, y_val = noisy
    real = skdeepnn._validation.ValidationSet.evaluate
    calls = {"n": 0}

    def interrupted_on_the_third_call(*args):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real(*args)

    monkeypatch.setattr(
        skdeepnn._validation.ValidationSet, "evaluate", interrupted_on_the_third_call
    )
    with pytest.warns(UserWarning, match="interrupted"):
        net = overfitting_net(max_iter=10).fit(X_train, y_train, X_val=X_val, y_val=y_val)
    # Epoch 3 trained, then interrupted while validating: like every curve, n_iter_
    # counts the 2 epochs that ended.
    assert net.n_iter_ == 2 == len(net.loss_curve_) == len(net.learning_rate_curve_)
    assert len(net.validation_loss_curve_) == len(net.validation_scores_) == 2


def test_a_split_that_leaves_a_part_without_weight_trains_without_early_stopping():
    X, y = make_classification(n_samples=100, n_features=5, random_state=0)
    weights = np.zeros(100)
    weights[np.flatnonzero(y == 0)[:2]] = weights[np.flatnonzero(y == 1)[:2]] = 1
    net = DeepNNClassifier(early_stopping=True, validation_fraction=0.5, random_state=1)
    with pytest.warns(UserWarning, match="part with only zero sample_weight"):
        fit_quietly(net, X, y, sample_weight=weights)
    assert net.validation_loss_curve_ is None


@pytest.mark.parametrize("early_stopping", [False, True])
def test_y_val_without_x_val_is_refused(early_stopping, noisy):
    X_train, _, y_train, _ = noisy
    with pytest.raises(ValueError, match="y_val or sample_weight_val was given without X_val"):
        DeepNNClassifier(early_stopping=early_stopping).fit(X_train, y_train, y_val=y_train)


def test_warm_start_with_early_stopping_never_ends_worse_than_it_began(noisy):
    X_train, X_val, y_train, y_val = noisy
    net = overfitting_net(early_stopping=True, warm_start=True)
    net.fit(X_train, y_train, X_val=X_val, y_val=y_val)
    before = log_loss(y_val, net.predict_proba(X_val))
    net.fit(X_train, y_train, X_val=X_val, y_val=y_val)
    assert log_loss(y_val, net.predict_proba(X_val)) <= before + 1e-12
    assert len(net.validation_loss_curve_) == len(net.loss_curve_) == net.n_iter_


@pytest.mark.parametrize("shuffle", [True, False])
@pytest.mark.parametrize("form", ["dense", "csr", "csc"])
@pytest.mark.parametrize("batch_size, min_rows", [(3, 1), (3, 2), (64, 1), (64, 2), (1000, 1)])
def test_batches_of_some_rows_are_those_of_the_rows_copied_out(shuffle, form, batch_size, min_rows):
    """Early stopping trains on the rows it did not set aside by gathering them from X:
    each epoch's batches (rows, targets, weights) are the very ones that a copy of those
    rows gives, in the same order, for the same random state; and so are the batches it
    skips, whose weights are all zero (or, with min_rows=2, all but one)."""
    from scipy import sparse

    from skdeepnn._loop import MiniBatches

    rng = np.random.default_rng(0)
    X = rng.standard_normal((301, 4))
    X[X < 0.5] = 0  # sparse enough to store sparse
    X = {"dense": X, "csr": sparse.csr_matrix(X), "csc": sparse.csc_matrix(X)}[form]
    rows = rng.permutation(301)[:257].astype(np.int32)
    Y = rng.integers(0, 3, (257, 1)).astype(np.int32)
    weights = rng.uniform(0, 2, 257)
    weights[rng.permutation(257)[:150]] = 0
    copied = MiniBatches(
        X[rows], Y, weights, batch_size, np.random.default_rng(5) if shuffle else None, min_rows
    )
    gathered = MiniBatches(
        X, Y, weights, batch_size, np.random.default_rng(5) if shuffle else None, min_rows, rows
    )
    for _ in range(2):  # the second epoch reshuffles
        expected = [tuple(np.copy(part) for part in batch) for batch in _dense(copied.epoch())]
        got = [tuple(np.copy(part) for part in batch) for batch in _dense(gathered.epoch())]
        assert len(got) == len(expected) > 0
        if batch_size == 3:  # 86 batches, of which some have no weight (or a single one)
            assert len(got) < 86
        for batch, expected_batch in zip(got, expected, strict=True):
            for part, expected_part in zip(batch, expected_batch, strict=True):
                np.testing.assert_array_equal(part, expected_part)


def _dense(batches):
    for X_batch, *rest in batches:
        yield (X_batch.toarray() if hasattr(X_batch, "toarray") else X_batch, *rest)


def test_early_stopping_copies_no_rows_of_X(monkeypatch):
    """Training gathers its batches from X by the indices of its rows, and validation a
    chunk of its rows at a time. Before, the split copied X out in its two parts, nine
    tenths and a tenth of it. Measured by tracemalloc, as the difference between two
    sizes of the same data: what grows with each row is its indices and targets, and
    for a moment scikit-learn's stratified split's sorting of them (about 80 bytes)."""
    n_features = 800  # 3,200 bytes a row in float32
    # Chunks of 512 rows at validation, so that at both sizes it gathers whole chunks
    # (by default the chunks of these rows hold 4 MiB: 1,293 rows, more than 5,000 have).
    monkeypatch.setattr("skdeepnn._network.CHUNK_BYTES", 2**16)
    per_row = fit_memory_per_row(
        lambda: DeepNNClassifier(
            hidden_layer_sizes=(8,), max_iter=1, batch_size=500, early_stopping=True,
            random_state=0,
        ),
        n_features, n_classes=3, small=5_000, large=15_000,
    )  # fmt: skip
    # A copy of the validation rows alone would add a tenth of a row, 320 bytes.
    assert per_row < 150, per_row


def test_validation_rows_gathered_in_chunks_give_the_logits_of_their_copy():
    """The logits of some rows of X, gathered a chunk at a time, are those of the rows
    copied out, in their order, propagated in the same chunks."""
    from skdeepnn._network import predict_logits

    rng = np.random.default_rng(0)
    X = rng.standard_normal((100, 5))
    coefs = [rng.standard_normal((5, 4)), rng.standard_normal((4, 3))]
    intercepts = [rng.standard_normal(4), rng.standard_normal(3)]
    rows = rng.permutation(100)[:37].astype(np.int32)
    for chunk_size in (None, 1, 10, 37, 50):
        expected = predict_logits(X[rows], coefs, intercepts, "relu", chunk_size=chunk_size)
        got = predict_logits(X, coefs, intercepts, "relu", chunk_size=chunk_size, rows=rows)
        np.testing.assert_array_equal(got, expected)


def test_a_scorer_sees_the_validation_rows_as_an_array(noisy):
    """A scoring callable is given the validation rows themselves, copied out once, and
    scores them as the default accuracy, computed on the rows gathered in chunks, does."""
    from sklearn.metrics import get_scorer

    X_train, _, y_train, _ = noisy
    seen = []

    def scorer(estimator, X, y):
        seen.append(X)
        return get_scorer("accuracy")(estimator, X, y)

    net = fit_quietly(
        overfitting_net(early_stopping=True, scoring=scorer, max_iter=3), X_train, y_train
    )
    assert len(seen) == 3 and all(X is seen[0] for X in seen)
    assert isinstance(seen[0], np.ndarray) and seen[0].shape == (len(X_train) // 10, 20)
    copied_out = {row.tobytes() for row in seen[0]}
    assert len(copied_out) == len(seen[0]) and copied_out <= {row.tobytes() for row in X_train}
    default = fit_quietly(overfitting_net(early_stopping=True, max_iter=3), X_train, y_train)
    assert net.validation_scores_ == default.validation_scores_
    assert net.validation_loss_curve_ == default.validation_loss_curve_
