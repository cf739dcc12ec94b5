"""The training engine alone: ``_engine.train`` and the epoch loop, without an estimator.

Each test builds the engine's inputs by hand (encoded data, a layout, a head,
settings) and checks what comes back against an independent computation: a
hand-written gradient descent, the loop's own record, or the rules it must ask.
"""

import numpy as np
import pytest
from _helpers import patch_training_step
from numpy.testing import assert_allclose
from scipy.special import expit

from skdeepnn import DeepNNClassifier, LogisticRegressionGD
from skdeepnn._callbacks import FitTasks
from skdeepnn._engine import ModelSpec, Previous, TrainingData, settings_of, train
from skdeepnn._heads import ClassificationHead, RegressionHead
from skdeepnn._loop import EpochLoop, MiniBatches
from skdeepnn._network import Layout, NumpyBackend, Parameters
from skdeepnn._optimizers import GradientDescent
from skdeepnn._stopping import StoppingRule


def no_callbacks(X, y):
    """The callback tasks of a fit that has none."""
    return FitTasks(object(), "fit", 100, X, y, None)


def binary_data(m=60, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, 3))
    y = (X @ [1.0, -2.0, 0.5] + 0.3 * rng.normal(size=m) > 0).astype(int)
    return X, y


def linear_model(head, alpha=0.0):
    return ModelSpec(head, Layout(), alpha, describe=None)


def encoded(X, y, head):
    Y, sample_weight = head.encode(y, None, X.dtype)
    return TrainingData(X, Y, sample_weight)


def test_gd_follows_gradient_descent_written_by_hand():
    """Logistic regression by "gd": each recorded cost, and the final weights, are those
    of the textbook loop w -= lr X^T (p - y) / m, b -= lr mean(p - y), started from
    w = 0 and b at the log-odds of the positive class."""
    X, y = binary_data()
    head = ClassificationHead(np.array([0, 1]))
    settings = settings_of(
        LogisticRegressionGD(learning_rate=0.5, max_iter=8, n_iter_no_change=np.inf), None, False
    )
    training = train(
        encoded(X, y, head), linear_model(head), settings, np.random.default_rng(0),
        tasks=no_callbacks(X, y),
    )  # fmt: skip

    w, b = np.zeros(3), np.log(y.mean() / (1 - y.mean()))
    costs = []
    for _ in range(8):
        p = expit(X @ w + b)
        costs.append(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
        w, b = w - 0.5 * X.T @ (p - y) / len(y), b - 0.5 * np.mean(p - y)
    assert_allclose(training.loss_curve, costs, rtol=1e-12)
    assert_allclose(training.coefs[0][:, 0], w, rtol=1e-10)
    assert_allclose(training.intercepts[0], [b], rtol=1e-10)
    assert training.best_iteration == 8 and training.validation_loss_curve is None


def test_a_continued_run_goes_on_from_the_previous_curves_and_optimizer():
    """Two runs of 3 epochs, the second from the first's weights and Adam state, equal
    one run of 6 epochs: same weights, curves concatenated, the step count carried."""
    X, y = binary_data(200)
    head = ClassificationHead(np.array([0, 1]))
    layout = Layout(hidden_sizes=(5,), activation="tanh", init="xavier", output_init="xavier")
    model = ModelSpec(head, layout, 1e-3, describe=None)

    def run(n_epochs, previous=None, seed=0):
        estimator = DeepNNClassifier(max_iter=n_epochs, shuffle=False, learning_rate=0.01)
        settings = settings_of(estimator, None, False)
        return train(
            encoded(X, y, head), model, settings, np.random.default_rng(seed),
            tasks=no_callbacks(X, y), previous=previous,
        )  # fmt: skip

    with pytest.warns(Warning):  # max_iter reached
        whole = run(6)
    with pytest.warns(Warning):
        first = run(3)
    curves = {
        "loss_curve": first.loss_curve,
        "learning_rate_curve": first.learning_rate_curve,
        "validation_loss_curve": None,
        "validation_scores": None,
    }
    previous = Previous(first.coefs, first.intercepts, None, first.optimizer, curves)
    with pytest.warns(Warning):
        second = run(3, previous, seed=1)  # no shuffle, no dropout: the seed is unused
    assert len(second.loss_curve) == 6
    assert_allclose(second.loss_curve, whole.loss_curve, rtol=1e-12)
    for W, W_whole in zip(second.coefs, whole.coefs, strict=True):
        assert_allclose(W, W_whole, rtol=1e-12)
    assert second.optimizer.t == whole.optimizer.t == 6 * 1  # one batch of 200 per epoch


def test_early_stopping_splits_validation_rows_off_and_keeps_the_best_epoch():
    X, y = binary_data(300)
    y[::7] = 1 - y[::7]  # label noise to overfit
    head = ClassificationHead(np.array([0, 1]))
    layout = Layout(hidden_sizes=(64,), activation="relu", init="he", output_init="he")
    estimator = DeepNNClassifier(
        early_stopping=True, validation_fraction=0.2, n_iter_no_change=5, max_iter=300,
        learning_rate=0.01,
    )  # fmt: skip
    training = train(
        encoded(X, y, head), ModelSpec(head, layout, 0.0, None),
        settings_of(estimator, None, False), np.random.default_rng(0), tasks=no_callbacks(X, y),
    )  # fmt: skip
    n_epochs = len(training.loss_curve)
    assert len(training.validation_loss_curve) == len(training.validation_scores) == n_epochs
    best = training.best_iteration
    assert training.best_loss == min(training.validation_loss_curve)
    assert training.validation_loss_curve[best - 1] == training.best_loss
    assert n_epochs - best >= 5  # stopped after 5 epochs without improvement
    assert training.best_validation_score == training.validation_scores[best - 1]


def test_batch_norm_refuses_single_sample_batches_before_training(monkeypatch):
    X, y = binary_data(20)
    head = ClassificationHead(np.array([0, 1]))
    layout = Layout(hidden_sizes=(4,), activation="relu", init="he", output_init="he",
                    batch_norm_momentum=0.9)  # fmt: skip

    def training_started(step):
        raise AssertionError("training started")

    patch_training_step(monkeypatch, training_started)
    settings = settings_of(DeepNNClassifier(solver="sgd", batch_size=1), None, False)
    with pytest.raises(ValueError, match="batch_norm=True needs batches of at least 2 samples"):
        train(encoded(X, y, head), ModelSpec(head, layout, 0.0, None), settings,
              np.random.default_rng(0), tasks=no_callbacks(X, y))  # fmt: skip


def test_a_cost_that_stops_being_finite_stops_the_run_at_once(monkeypatch):
    X, y = binary_data(100)
    head = ClassificationHead(np.array([0, 1]))
    calls = {"n": 0}

    def overflows_on_the_7th_batch(step):
        calls["n"] += 1
        return np.inf if calls["n"] == 7 else step()

    patch_training_step(monkeypatch, overflows_on_the_7th_batch)
    settings = settings_of(LogisticRegressionGD(solver="sgd", batch_size=20), None, False)
    with pytest.raises(ValueError, match="Training diverged at iteration 2: the loss became inf"):
        train(encoded(X, y, head), linear_model(head), settings, np.random.default_rng(0),
              tasks=no_callbacks(X, y))  # fmt: skip
    assert calls["n"] == 7  # 5 batches an epoch: the second epoch's second batch


def test_outputs_that_overflow_are_refused():
    """Finite weights, and a last cost that was finite, can still give infinite outputs
    on the training data: the engine checks them after training."""
    X, y = binary_data(50)
    X[0] = 1e300
    head = RegressionHead(1, "poisson")
    Y, w = head.encode(np.abs(X[:, 1]), None, X.dtype)
    settings = settings_of(LogisticRegressionGD(solver="lbfgs", max_iter=3), None, False)
    with np.errstate(all="ignore"), pytest.raises(ValueError, match="diverged"):
        train(TrainingData(X, Y, w), linear_model(head), settings, np.random.default_rng(0),
              tasks=no_callbacks(X, y))  # fmt: skip


def test_lbfgs_ends_where_the_gradient_is_below_tol():
    X, y = binary_data(80)
    head = RegressionHead(1)
    target = X @ [0.5, 1.0, -1.0] + 2.0
    Y, w = head.encode(target, None, X.dtype)
    settings = settings_of(LogisticRegressionGD(solver="lbfgs", tol=1e-10), None, False)
    training = train(TrainingData(X, Y, w), linear_model(head), settings,
                     np.random.default_rng(0), tasks=no_callbacks(X, y))  # fmt: skip
    assert_allclose(training.coefs[0][:, 0], [0.5, 1.0, -1.0], rtol=1e-6)
    assert_allclose(training.intercepts[0], [2.0], rtol=1e-6)
    assert training.optimizer is None and training.learning_rate_curve == []


class Recording(StoppingRule):
    """Writes down every hook the loop calls; stops after ``stop_after`` epochs."""

    def __init__(self, events, name, stop_after=None):
        self.events, self.name, self.stop_after = events, name, stop_after

    def on_train_begin(self, loop):
        self.events.append((self.name, "train_begin"))

    def on_epoch_begin(self, loop, epoch):
        self.events.append((self.name, "epoch_begin", epoch))

    def on_epoch_end(self, loop, log):
        self.events.append((self.name, "epoch_end", log.epoch, log.loss))
        return "enough" if log.epoch == self.stop_after else None

    def on_train_end(self, loop):
        self.events.append((self.name, "train_end"))


def test_the_loop_asks_every_rule_at_every_hook_and_stops_on_a_reason():
    X, y = binary_data(40)
    head = ClassificationHead(np.array([0, 1]))
    Y, _ = head.encode(y, None, X.dtype)
    parameters = Parameters([np.zeros((3, 1))], [np.zeros(1)], None, True, X.dtype)
    network = NumpyBackend().network(parameters, Layout(), head.loss, 0.0, 40)
    step = NumpyBackend().step(network, GradientDescent([network.params], 0.1))
    events = []
    rules = [Recording(events, "a"), Recording(events, "b", stop_after=3)]
    settings = settings_of(LogisticRegressionGD(max_iter=10), None, False)
    loop = EpochLoop(step, MiniBatches(X, Y, None, 40, None), settings, rules, None, None)
    training = loop.run()
    assert loop.stopped and len(training.loss_curve) == 3
    per_epoch = [
        [("a", "epoch_begin", e), ("b", "epoch_begin", e),
         ("a", "epoch_end", e, training.loss_curve[e - 1]),
         ("b", "epoch_end", e, training.loss_curve[e - 1])]
        for e in (1, 2, 3)
    ]  # fmt: skip
    expected = [("a", "train_begin"), ("b", "train_begin")]
    expected += [event for epoch in per_epoch for event in epoch]
    expected += [("a", "train_end"), ("b", "train_end")]
    assert events == expected
