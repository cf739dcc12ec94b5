"""``scoring=``: a validation metric of scikit-learn's, recorded after every epoch and
monitored by early stopping."""

import warnings

import numpy as np
import pytest
from _helpers import fit_quietly
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, f1_score, make_scorer, roc_auc_score
from sklearn.model_selection import train_test_split

from skdeepnn import DeepNNClassifier, LogisticRegressionGD


@pytest.fixture(scope="module")
def three_classes():
    X, y = make_classification(
        n_samples=300, n_features=8, n_informative=5, n_classes=3, random_state=1
    )
    return train_test_split(X, y, test_size=0.3, random_state=0)


def net(**params):
    defaults = dict(
        hidden_layer_sizes=(64, 64),
        learning_rate=0.01,
        batch_size=32,
        max_iter=12,
        tol=0,
        random_state=0,
    )
    return DeepNNClassifier(**{**defaults, **params})


def test_the_accuracy_scorer_agrees_with_the_default_accuracy(noisy):
    X_train, X_val, y_train, y_val = noisy
    default = fit_quietly(net(), X_train, y_train, X_val=X_val, y_val=y_val)
    scored = fit_quietly(net(scoring="accuracy"), X_train, y_train, X_val=X_val, y_val=y_val)
    # Scoring reads the weights and draws nothing: training is the same.
    np.testing.assert_array_equal(default.loss_curve_, scored.loss_curve_)
    np.testing.assert_allclose(scored.validation_scores_, default.validation_scores_, rtol=1e-12)


@pytest.mark.parametrize("Estimator", [DeepNNClassifier, LogisticRegressionGD])
def test_the_last_score_is_scikit_learns_metric_of_the_final_model(Estimator, noisy):
    X_train, X_val, y_train, y_val = noisy
    params = {"max_iter": 8, "tol": 0, "scoring": "roc_auc"}
    if Estimator is DeepNNClassifier:
        params.update(hidden_layer_sizes=(16,), learning_rate=0.01, random_state=0)
    model = fit_quietly(Estimator(**params), X_train, y_train, X_val=X_val, y_val=y_val)
    assert len(model.validation_scores_) == model.n_iter_ == 8
    expected = roc_auc_score(y_val, model.predict_proba(X_val)[:, 1])
    assert model.validation_scores_[-1] == pytest.approx(expected, rel=1e-10)


def test_a_callable_scorer_and_validation_weights_reach_the_metric(three_classes):
    X_train, X_val, y_train, y_val = three_classes
    weights = np.random.default_rng(0).uniform(0.5, 2, size=len(y_val))
    macro_f1 = make_scorer(f1_score, average="macro")
    model = fit_quietly(
        net(scoring=macro_f1, max_iter=5),
        X_train,
        y_train,
        X_val=X_val,
        y_val=y_val,
        sample_weight_val=weights,
    )
    predicted = model.predict(X_val)
    expected = f1_score(y_val, predicted, average="macro", sample_weight=weights)
    assert model.validation_scores_[-1] == pytest.approx(expected, rel=1e-10)
    assert expected != pytest.approx(accuracy_score(y_val, predicted, sample_weight=weights))


def test_early_stopping_monitors_the_score_and_keeps_its_best_epoch(noisy):
    X_train, X_val, y_train, y_val = noisy
    model = net(
        early_stopping=True,
        scoring="roc_auc",
        max_iter=300,
        n_iter_no_change=5,
        batch_size=16,
        random_state=1,
    ).fit(X_train, y_train, X_val=X_val, y_val=y_val)
    scores = np.array(model.validation_scores_)
    best = int(np.argmax(scores))  # the first of the best, as tol=0 asks for a strict gain
    assert model.best_iteration_ == best + 1
    assert model.n_iter_ == model.best_iteration_ + 5 < 300
    assert model.best_validation_score_ == scores[best]
    assert model.best_loss_ == model.validation_loss_curve_[best]
    # The weights returned are that epoch's.
    restored = roc_auc_score(y_val, model.predict_proba(X_val)[:, 1])
    assert restored == pytest.approx(scores[best], rel=1e-12)
    # The loss alone would have picked another epoch here: the score decided.
    assert best != int(np.argmin(model.validation_loss_curve_))


def test_early_stopping_on_a_split_scores_it_with_the_original_labels():
    X, y = make_classification(n_samples=300, n_features=6, random_state=2)
    labels = np.where(y == 1, "spam", "ham")
    model = fit_quietly(net(early_stopping=True, scoring="f1_macro", max_iter=6), X, labels)
    assert len(model.validation_scores_) == model.n_iter_
    assert 0.5 < max(model.validation_scores_) <= 1
    assert model.best_validation_score_ == max(model.validation_scores_)


def test_an_unknown_scorer_name_is_refused_before_training(noisy):
    X_train, _, y_train, _ = noisy
    model = net(scoring="accuracy_of_the_moon", early_stopping=True)
    with pytest.raises(ValueError, match="scoring='accuracy_of_the_moon' is not a scorer"):
        model.fit(X_train, y_train)
    assert not hasattr(model, "n_features_in_")


def test_scoring_without_a_validation_set_warns_that_it_is_unused(noisy):
    X_train, _, y_train, _ = noisy
    with pytest.warns(UserWarning, match="scoring='roc_auc' has no effect") as record:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            net(scoring="roc_auc", max_iter=2).fit(X_train, y_train)
    assert record[0].filename == __file__  # the warning points at the caller


def test_scores_weigh_the_classes_as_training_does(noisy):
    """As HistGradientBoostingClassifier: the validation score has the class weights."""
    from sklearn.metrics import get_scorer
    from sklearn.utils.class_weight import compute_sample_weight

    X_train, X_val, y_train, y_val = noisy
    class_weight = {0: 1, 1: 5}
    for scoring in (None, "accuracy", "neg_log_loss"):
        model = fit_quietly(
            net(class_weight=class_weight, scoring=scoring, max_iter=4),
            X_train,
            y_train,
            X_val=X_val,
            y_val=y_val,
        )
        weights = compute_sample_weight(class_weight, y_val)
        expected = get_scorer(scoring or "accuracy")(model, X_val, y_val, sample_weight=weights)
        assert model.validation_scores_[-1] == pytest.approx(expected, rel=1e-10)
        unweighted = get_scorer(scoring or "accuracy")(model, X_val, y_val)
        assert expected != pytest.approx(unweighted, rel=1e-6)


def test_a_bare_callable_scorer_works_with_class_weights(noisy):
    X_train, X_val, y_train, y_val = noisy

    def balanced_error(estimator, X, y):
        return -np.mean([np.mean(estimator.predict(X[y == c]) != c) for c in (0, 1)])

    with pytest.warns(UserWarning, match="takes no sample_weight") as record:
        model = fit_quietly(
            net(class_weight="balanced", scoring=balanced_error, max_iter=3),
            X_train,
            y_train,
            X_val=X_val,
            y_val=y_val,
        )
    assert record[0].filename == __file__.replace("test_scoring", "_helpers")
    assert model.validation_scores_[-1] == pytest.approx(balanced_error(model, X_val, y_val))


def test_a_callable_with_sample_weight_gets_the_class_weights_too(noisy):
    X_train, X_val, y_train, y_val = noisy
    received = []

    def weighted_accuracy(estimator, X, y, sample_weight=None):
        received.append(sample_weight)
        return np.average(estimator.predict(X) == y, weights=sample_weight)

    fit_quietly(
        net(class_weight={0: 2.0, 1: 0.5}, scoring=weighted_accuracy, max_iter=2),
        X_train,
        y_train,
        X_val=X_val,
        y_val=y_val,
        sample_weight_val=np.full(len(y_val), 3.0),
    )
    np.testing.assert_array_equal(received[-1], np.where(y_val == 0, 6.0, 1.5))


def test_an_undefined_score_warns_and_counts_as_no_improvement(noisy):
    X_train, X_val, y_train, y_val = noisy
    one_class = y_val == 1
    with pytest.warns(UserWarning, match="validation score .* is NaN"):
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Only one class")  # scikit-learn's
            model = net(
                early_stopping=True, scoring="roc_auc", n_iter_no_change=3, max_iter=50
            ).fit(X_train, y_train, X_val=X_val[one_class], y_val=y_val[one_class])
    assert model.n_iter_ == 3  # stopped on patience instead of running to max_iter
