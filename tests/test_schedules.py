"""The learning-rate schedules against their formulas, cosine annealing with warm
restarts (SGDR, Loshchilov & Hutter 2017) in particular."""

import math

import numpy as np
import pytest
from _helpers import fit_quietly
from sklearn.datasets import make_classification

from skdeepnn import DeepNNClassifier, LogisticRegressionGD
from skdeepnn._schedules import SCHEDULES, cosine_restarts, scheduled_learning_rate


def sgdr(lr_0, t, T_0, T_mult, lr_min=0.0):
    """The paper's rule, by walking the periods one epoch at a time."""
    T_i, t_cur = T_0, 0
    for _ in range(t):
        t_cur += 1
        if t_cur >= T_i:
            t_cur, T_i = 0, T_i * T_mult
    return lr_min + (lr_0 - lr_min) * (1 + math.cos(math.pi * t_cur / T_i)) / 2


@pytest.mark.parametrize("period, multiplier", [(1, 1), (5, 1), (10, 1), (3, 2), (4, 3)])
@pytest.mark.parametrize("lr_min", [0.0, 0.01])
def test_cosine_restarts_follow_the_formula(period, multiplier, lr_min):
    for t in range(100):
        expected = sgdr(0.1, t, period, multiplier, lr_min)
        assert cosine_restarts(0.1, t, period, multiplier, lr_min) == pytest.approx(expected)


def test_cosine_restarts_by_hand():
    """T_0 = 4, T_mult = 2: periods [0, 4), [4, 12), [12, 28)."""
    rates = [cosine_restarts(1.0, t, 4, 2) for t in range(13)]
    half_cos = [(1 + math.cos(math.pi * k / 4)) / 2 for k in range(4)]
    assert rates[:4] == pytest.approx(half_cos)  # 1, 0.854, 0.5, 0.146
    assert rates[4] == 1.0 and rates[12] == 1.0  # the restarts
    assert rates[8] == pytest.approx(0.5)  # halfway through the period of 8
    assert all(0 < rate <= 1 for rate in rates)


def test_the_dispatch_passes_the_restart_options():
    options = dict(decay_rate=1.0, decay_steps=10, power_t=0.5, restart_period=3,
                   restart_multiplier=2)  # fmt: skip
    assert "cosine" in SCHEDULES
    for t in range(20):
        assert scheduled_learning_rate("cosine", 0.2, t, **options) == cosine_restarts(0.2, t, 3, 2)
    assert scheduled_learning_rate("step", 1.0, 25, **options) == 1 / 3


@pytest.mark.parametrize("Estimator", [DeepNNClassifier, LogisticRegressionGD])
def test_a_fit_records_the_cosine_rates(Estimator):
    X, y = make_classification(n_samples=60, random_state=0)
    model = Estimator(lr_schedule="cosine", restart_period=3, restart_multiplier=2,
                      learning_rate=0.05, max_iter=12, n_iter_no_change=np.inf,
                      tol=0, random_state=0)  # fmt: skip
    fit_quietly(model, X, y)
    expected = [sgdr(0.05, t, 3, 2) for t in range(12)]
    assert model.learning_rate_curve_ == pytest.approx(expected)


@pytest.mark.parametrize(
    "params, message",
    [
        ({"restart_period": 0}, "'restart_period' parameter"),
        ({"restart_multiplier": 0}, "'restart_multiplier' parameter"),
    ],
)
def test_bad_restart_parameters_are_named(params, message):
    X, y = make_classification(n_samples=30, random_state=0)
    with pytest.raises(ValueError, match=message):
        DeepNNClassifier(lr_schedule="cosine", **params).fit(X, y)
