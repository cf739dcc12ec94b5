"""Training that fails must fail loudly and leave a consistent record (issue 22's cases).

Each test here failed before its fix: a run that blew up and ended worse than the
prior was returned silently; an interrupted fit counted its unfinished epoch in
``n_iter_`` and ``loss_curve_`` but not in its validation curves nor in what it
printed; a regressor validated on a single row with a warning per epoch; and a
hidden ``partial_fit`` said why only in a chained cause.
"""

import re
import warnings

import numpy as np
import pytest
from _helpers import interrupt_after
from sklearn.datasets import load_digits, make_regression
from sklearn.preprocessing import StandardScaler

from skdeepnn import DeepNNClassifier, DeepNNRegressor, LogisticRegressionGD


@pytest.fixture(scope="module")
def digits():
    return load_digits(return_X_y=True)


def test_a_blow_up_that_ends_worse_than_the_prior_is_divergence(digits):
    """Unscaled digits at learning_rate=1e6: the loss reaches 1e40, then the run ends
    at a loss of 4e5 (the prior's is 2.3) and a chance-level score. That model used to
    be returned without a word."""
    X, y = digits
    model = DeepNNClassifier(solver="sgd", learning_rate=1e6, max_iter=50, random_state=0)
    with pytest.raises(ValueError, match=r"Training diverged at iteration \d+: .* the prior"):
        model.fit(X, y)
    assert not hasattr(model, "coefs_")


@pytest.mark.parametrize(
    "make",
    [
        lambda: DeepNNClassifier(random_state=0),
        # Its log loss rises to 1.5e4 and ends at 2e3, far above the prior's 2.3; but
        # the overconfident model is right on 98% of the samples: no divergence.
        lambda: DeepNNClassifier(learning_rate=10, max_iter=30, random_state=0),
        lambda: DeepNNClassifier(init="zeros", max_iter=20, random_state=0),
        lambda: LogisticRegressionGD(learning_rate=5.0, max_iter=50),
    ],
    ids=["default", "lr-10", "zeros", "logistic-lr-5"],
)
def test_runs_that_train_are_not_called_divergent(digits, make):
    """No false alarm: a large learning rate whose loss falls, a network that cannot
    break symmetry and stays at the prior, and the defaults all fit."""
    X, y = digits
    X = StandardScaler().fit_transform(X)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = make().fit(X, y)
    assert np.isfinite(model.loss_curve_).all()


def test_a_regression_that_ends_far_above_the_prior_is_divergence():
    X, y = make_regression(n_samples=200, n_features=5, noise=1.0, random_state=0)
    X = X * 1e3
    model = DeepNNRegressor(solver="sgd", learning_rate=1.0, max_iter=20, random_state=0)
    with pytest.raises(ValueError, match="Training diverged"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            model.fit(X, y)


@pytest.mark.parametrize("validated", [False, True])
def test_an_interrupted_fit_counts_the_same_epochs_everywhere(
    digits, monkeypatch, capsys, validated
):
    X, y = digits
    X = StandardScaler().fit_transform(X)
    fit_params = {"X_val": X[:300], "y_val": y[:300]} if validated else {}
    interrupt_after(monkeypatch, 5 * 9 + 4)  # 9 batches an epoch: in the sixth
    model = DeepNNClassifier(hidden_layer_sizes=(20,), max_iter=50, verbose=1, random_state=0)
    with pytest.warns(UserWarning, match=r"during iteration 6: .* count the 5 iterations"):
        model.fit(X, y, **fit_params)
    printed = re.findall(r"^Iteration (\d+)/", capsys.readouterr().out, flags=re.MULTILINE)
    assert printed == ["1", "2", "3", "4", "5"]
    assert model.n_iter_ == 5 == len(model.loss_curve_) == len(model.learning_rate_curve_)
    if validated:
        assert len(model.validation_loss_curve_) == len(model.validation_scores_) == 5
    assert np.isfinite(model.predict_proba(X)).all()  # the weights reached are kept


def test_a_validation_split_of_one_row_warns_once_and_trains_without_it():
    """Two samples: early stopping would validate on one, whose R^2 is undefined, with
    a warning every epoch. Now one warning, and no split, as the classifier does."""
    X, y = np.array([[0.0, 1.0], [1.0, 0.0]]), np.array([0.5, 1.5])
    model = DeepNNRegressor(early_stopping=True, max_iter=20, random_state=0)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        model.fit(X, y)
    messages = [str(w.message) for w in record]
    too_few = [m for m in messages if "too few to score" in m]
    assert len(too_few) == 1 and "Training without early stopping" in too_few[0]
    assert not any("not well-defined" in m for m in messages)
    assert model.validation_loss_curve_ is None and model.n_iter_ == 20


@pytest.mark.parametrize(
    ("estimator", "reason"),
    [
        (DeepNNClassifier(solver="lbfgs"), "solver='lbfgs' minimizes the cost"),
        (DeepNNRegressor(early_stopping=True), "early_stopping=True needs a validation set"),
        (LogisticRegressionGD(class_weight="balanced"), "class_weight='balanced' would"),
    ],
)
def test_a_hidden_partial_fit_says_why_in_its_own_message(estimator, reason):
    assert not hasattr(estimator, "partial_fit")
    with pytest.raises(AttributeError, match=re.escape(reason)) as info:
        estimator.partial_fit(np.zeros((4, 2)), [0, 1, 0, 1])
    assert "has no attribute 'partial_fit'" in str(info.value)
