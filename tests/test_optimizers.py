"""Tests of the optimizers in ``_optimizers`` against updates worked out by hand.

The reference updates below run on plain Python floats, one entry at a time, with
the course's formulas (course 2, week 2); the optimizers under test work on whole
arrays in place.
"""

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from skdeepnn._blas import CHUNK, add_scaled
from skdeepnn._optimizers import OPTIMIZERS, Adam, GradientDescent, Momentum, RMSProp

SHAPES = [(2, 3), (3,)]
N_STEPS = 3


def _initial_params(dtype=np.float64):
    rng = np.random.default_rng(0)
    return [rng.normal(size=shape).astype(dtype) for shape in SHAPES]


def _gradient_sequence(dtype=np.float64):
    """A different gradient for each step, with signs and scales that vary."""
    rng = np.random.default_rng(1)
    return [
        [(scale * rng.normal(size=shape)).astype(dtype) for shape in SHAPES]
        for scale in (1.0, 0.1, 3.0)
    ]


# Reference updates: one Python float per entry, state kept in plain lists.


def _hand_gd(theta, grads, learning_rates):
    for g, lr in zip(grads, learning_rates, strict=True):
        theta = [t - lr * gi for t, gi in zip(theta, g, strict=True)]
    return theta


def _hand_momentum(theta, grads, learning_rates, beta_1):
    v = [0.0] * len(theta)
    for g, lr in zip(grads, learning_rates, strict=True):
        v = [beta_1 * vi + (1 - beta_1) * gi for vi, gi in zip(v, g, strict=True)]
        theta = [t - lr * vi for t, vi in zip(theta, v, strict=True)]
    return theta


def _hand_rmsprop(theta, grads, learning_rates, beta_2, epsilon):
    s = [0.0] * len(theta)
    for g, lr in zip(grads, learning_rates, strict=True):
        s = [beta_2 * si + (1 - beta_2) * gi**2 for si, gi in zip(s, g, strict=True)]
        theta = [
            t - lr * gi / (math.sqrt(si) + epsilon) for t, gi, si in zip(theta, g, s, strict=True)
        ]
    return theta


def _hand_adam(theta, grads, learning_rates, beta_1, beta_2, epsilon):
    v = [0.0] * len(theta)
    s = [0.0] * len(theta)
    for t, (g, lr) in enumerate(zip(grads, learning_rates, strict=True), start=1):
        v = [beta_1 * vi + (1 - beta_1) * gi for vi, gi in zip(v, g, strict=True)]
        s = [beta_2 * si + (1 - beta_2) * gi**2 for si, gi in zip(s, g, strict=True)]
        v_hat = [vi / (1 - beta_1**t) for vi in v]
        s_hat = [si / (1 - beta_2**t) for si in s]
        theta = [
            th - lr * vh / (math.sqrt(sh) + epsilon)
            for th, vh, sh in zip(theta, v_hat, s_hat, strict=True)
        ]
    return theta


#: (optimizer class, keyword arguments, hand-written reference taking the same ones)
CASES = {
    "gd": (GradientDescent, {}, _hand_gd),
    "momentum": (Momentum, {"beta_1": 0.8}, _hand_momentum),
    "rmsprop": (RMSProp, {"beta_2": 0.9, "epsilon": 1e-3}, _hand_rmsprop),
    "adam": (
        Adam,
        {"beta_1": 0.8, "beta_2": 0.9, "epsilon": 1e-3},
        _hand_adam,
    ),
    # The documented defaults.
    "momentum-defaults": (Momentum, {}, lambda *a: _hand_momentum(*a, beta_1=0.9)),
    "rmsprop-defaults": (
        RMSProp,
        {},
        lambda *a: _hand_rmsprop(*a, beta_2=0.999, epsilon=1e-8),
    ),
    "adam-defaults": (
        Adam,
        {},
        lambda *a: _hand_adam(*a, beta_1=0.9, beta_2=0.999, epsilon=1e-8),
    ),
}


def _expected_params(case, params, grad_steps, learning_rates):
    """Run the hand-written reference on every parameter array, entry by entry."""
    _, kwargs, reference = CASES[case]
    expected = []
    for i, param in enumerate(params):
        theta = param.astype(np.float64).ravel().tolist()
        grads = [step[i].astype(np.float64).ravel().tolist() for step in grad_steps]
        final = reference(theta, grads, learning_rates, **kwargs)
        expected.append(np.array(final).reshape(param.shape))
    return expected


@pytest.mark.parametrize("case", sorted(CASES))
def test_three_steps_match_hand_computation(case):
    """Three steps with different gradients land where the course's formulas say."""
    cls, kwargs, _ = CASES[case]
    params = _initial_params()
    initial = [p.copy() for p in params]
    grad_steps = _gradient_sequence()
    learning_rate = 0.05

    optimizer = cls(params, learning_rate, **kwargs)
    for grads in grad_steps:
        optimizer.update(params, grads)

    expected = _expected_params(case, initial, grad_steps, [learning_rate] * N_STEPS)
    for got, want in zip(params, expected, strict=True):
        assert_allclose(got, want, rtol=1e-12, atol=1e-15)


def test_gradient_descent_single_step_by_hand():
    """A single plain step on a worked example: theta - 0.1 * g."""
    params = [np.array([1.0, -2.0, 0.5])]
    GradientDescent(params, 0.1).update(params, [np.array([10.0, -5.0, 0.0])])
    # atol: a fused multiply-add (BLAS axpy) leaves 1 - 0.1 * 10 at -5.6e-17, not 0.
    assert_allclose(params[0], [0.0, -1.5, 0.5], rtol=1e-15, atol=1e-16)


def test_adam_first_step_is_learning_rate_times_sign():
    """With bias correction Adam's first step is lr * g / (|g| + eps) ~ lr * sign(g)."""
    params = [np.zeros(4)]
    g = np.array([3.0, -0.2, 1e-3, -50.0])
    Adam(params, 0.01).update(params, [g])
    assert_allclose(params[0], -0.01 * np.sign(g), rtol=1e-4)


@pytest.mark.parametrize("case", sorted(CASES))
def test_updates_are_in_place(case):
    """update() writes into the parameter arrays it was given and reads grads only."""
    cls, kwargs, _ = CASES[case]
    params = _initial_params()
    originals = list(params)
    before = [p.copy() for p in params]
    grads = _gradient_sequence()[0]
    grads_before = [g.copy() for g in grads]

    cls(params, 0.1, **kwargs).update(params, grads)

    for param, original, old in zip(params, originals, before, strict=True):
        assert param is original
        assert not np.array_equal(original, old)
    for g, g_before in zip(grads, grads_before, strict=True):
        assert_array_equal(g, g_before)


@pytest.mark.parametrize("case", sorted(CASES))
def test_float32_params_and_state_stay_float32(case):
    """float32 parameters stay float32, as does the optimizer's state, and the
    values follow the float64 hand computation to float32 precision."""
    cls, kwargs, _ = CASES[case]
    params = _initial_params(np.float32)
    initial = [p.copy() for p in params]
    grad_steps = _gradient_sequence(np.float32)

    optimizer = cls(params, 0.05, **kwargs)
    for grads in grad_steps:
        optimizer.update(params, grads)

    for param in params:
        assert param.dtype == np.float32
    for attribute in ("velocities", "squared_averages", "_scratch"):
        for state in getattr(optimizer, attribute, None) or []:
            assert state.dtype == np.float32
    expected = _expected_params(case, initial, grad_steps, [0.05] * N_STEPS)
    for got, want in zip(params, expected, strict=True):
        assert_allclose(got, want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("case", sorted(CASES))
def test_learning_rate_change_between_steps_takes_effect(case):
    """Setting optimizer.learning_rate between steps uses the new rate from then on."""
    cls, kwargs, _ = CASES[case]
    params = _initial_params()
    initial = [p.copy() for p in params]
    grad_steps = _gradient_sequence()
    learning_rates = [0.1, 0.01, 0.3]

    optimizer = cls(params, learning_rates[0], **kwargs)
    for grads, learning_rate in zip(grad_steps, learning_rates, strict=True):
        optimizer.learning_rate = learning_rate
        optimizer.update(params, grads)

    expected = _expected_params(case, initial, grad_steps, learning_rates)
    for got, want in zip(params, expected, strict=True):
        assert_allclose(got, want, rtol=1e-12, atol=1e-15)


def test_adam_counts_steps():
    """Adam.t counts the updates, which drive the bias correction."""
    params = _initial_params()
    optimizer = Adam(params, 0.01)
    assert optimizer.t == 0
    for grads in _gradient_sequence():
        optimizer.update(params, grads)
    assert optimizer.t == N_STEPS


def test_optimizers_registry():
    """OPTIMIZERS maps each solver name to its optimizer class."""
    assert OPTIMIZERS == {
        "gd": GradientDescent,
        "sgd": GradientDescent,
        "momentum": Momentum,
        "rmsprop": RMSProp,
        "adam": Adam,
    }


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("size", [0, 1, CHUNK - 1, CHUNK, 2 * CHUNK + 1])
def test_add_scaled_is_y_plus_a_x_in_place(dtype, size):
    """The BLAS path, in chunks that may end short, and NumPy's for other arrays;
    a read-only y is refused, not written."""
    rng = np.random.default_rng(size)
    x, y = rng.normal(size=(2, size)).astype(dtype)
    expected = y.astype(np.float64) + 0.25 * x.astype(np.float64)
    result = add_scaled(x, y, 0.25)
    assert result is y and y.dtype == dtype
    assert_allclose(y, expected, rtol=1e-6 if dtype == np.float32 else 1e-15)
    strided = np.zeros(2 * size, dtype)[::2]  # not contiguous: NumPy does it
    add_scaled(x, strided, -1.0)
    assert_allclose(strided, -x)
    frozen = np.ones(size, dtype)
    frozen.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        add_scaled(x, frozen, 1.0)
    assert (frozen == 1).all()
