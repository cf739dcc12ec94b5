"""Tests of the weight initializers in ``_initializers``."""

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from skdeepnn._initializers import (
    INITIALIZERS,
    glorot_uniform,
    he,
    initial_bias,
    small_random,
    xavier,
    zeros,
)

# fan_in and fan_out differ a lot so that scaling by the wrong one is caught.
FAN_IN, FAN_OUT = 250, 4000

#: The standard deviation each random initializer must have, derived by hand.
EXPECTED_STD = {
    "he": np.sqrt(2 / FAN_IN),
    "xavier": np.sqrt(1 / FAN_IN),
    "small_random": 0.01,
}


def test_registry():
    """INITIALIZERS maps the documented names to the functions."""
    assert INITIALIZERS == {
        "he": he,
        "xavier": xavier,
        "glorot_uniform": glorot_uniform,
        "small_random": small_random,
        "zeros": zeros,
    }


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", sorted(INITIALIZERS))
def test_shape_and_dtype(name, dtype):
    """W has shape (fan_in, fan_out) and the requested dtype."""
    W = INITIALIZERS[name](7, 3, np.random.default_rng(0), dtype=dtype)
    assert W.shape == (7, 3)
    assert W.dtype == dtype


@pytest.mark.parametrize("name", sorted(INITIALIZERS))
def test_default_dtype_is_float64(name):
    """Without a dtype the weights are float64."""
    assert INITIALIZERS[name](4, 5, np.random.default_rng(0)).dtype == np.float64


@pytest.mark.parametrize("name", sorted(EXPECTED_STD))
def test_empirical_std_and_mean(name):
    """On 10**6 draws the std is within 2% of its formula and the mean is near 0."""
    W = INITIALIZERS[name](FAN_IN, FAN_OUT, np.random.default_rng(1))
    std = EXPECTED_STD[name]
    # The sampling error of the std is about std / sqrt(2 n) = 0.07%.
    assert W.std() == pytest.approx(std, rel=0.02)
    # The sampling error of the mean is std / sqrt(n) = 0.001 std; allow 5 of them.
    assert abs(W.mean()) < 5 * std / np.sqrt(W.size)


def test_glorot_uniform_is_uniform_on_the_fans_average():
    """U(-r, r) with r = sqrt(6 / (fan_in + fan_out)), as scikit-learn's MLP draws."""
    limit = np.sqrt(6 / (FAN_IN + FAN_OUT))
    W = glorot_uniform(FAN_IN, FAN_OUT, np.random.default_rng(1))
    assert np.abs(W).max() <= limit
    assert np.abs(W).max() == pytest.approx(limit, rel=1e-4)  # 10**6 draws reach the edge
    assert W.std() == pytest.approx(limit / np.sqrt(3), rel=0.01)  # a uniform's std
    # a uniform law puts a tenth of its draws in each tenth of its range
    counts = np.histogram(W, bins=10, range=(-limit, limit))[0] / W.size
    np.testing.assert_allclose(counts, 0.1, atol=0.002)
    W32 = glorot_uniform(30, 20, np.random.default_rng(3), dtype=np.float32)
    assert_array_equal(W32, glorot_uniform(30, 20, np.random.default_rng(3)).astype(np.float32))


def test_initial_bias_is_drawn_for_glorot_uniform_only():
    limit = np.sqrt(6 / (7 + 3000))
    b = initial_bias("glorot_uniform", 7, 3000, np.random.default_rng(0), np.float32)
    assert b.shape == (3000,) and b.dtype == np.float32
    assert np.abs(b).max() <= limit and b.std() == pytest.approx(limit / np.sqrt(3), rel=0.05)
    for name in ("he", "xavier", "small_random", "zeros"):
        rng = np.random.default_rng(4)
        assert not initial_bias(name, 7, 3, rng).any()
        assert rng.random() == np.random.default_rng(4).random()  # nothing drawn


@pytest.mark.parametrize("name", sorted(EXPECTED_STD))
def test_values_are_normal_not_uniform(name):
    """About 68.3% of the draws lie within one std, as for a normal distribution."""
    W = INITIALIZERS[name](FAN_IN, FAN_OUT, np.random.default_rng(2))
    inside = np.mean(np.abs(W) < EXPECTED_STD[name])
    assert inside == pytest.approx(0.6827, abs=0.005)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", sorted(INITIALIZERS))
def test_same_seed_gives_identical_weights(name, dtype):
    """Two generators with the same seed give identical arrays."""
    W1 = INITIALIZERS[name](30, 20, np.random.default_rng(42), dtype=dtype)
    W2 = INITIALIZERS[name](30, 20, np.random.default_rng(42), dtype=dtype)
    assert_array_equal(W1, W2)


@pytest.mark.parametrize("name", sorted(EXPECTED_STD))
def test_different_seeds_give_different_weights(name):
    """Different seeds give different random weights."""
    W1 = INITIALIZERS[name](30, 20, np.random.default_rng(1))
    W2 = INITIALIZERS[name](30, 20, np.random.default_rng(2))
    assert not np.array_equal(W1, W2)


@pytest.mark.parametrize("name", sorted(EXPECTED_STD))
def test_float32_weights_are_rounded_float64_weights(name):
    """As documented, a float32 draw is the float64 draw of the same seed, rounded."""
    W64 = INITIALIZERS[name](30, 20, np.random.default_rng(3), dtype=np.float64)
    W32 = INITIALIZERS[name](30, 20, np.random.default_rng(3), dtype=np.float32)
    assert_array_equal(W32, W64.astype(np.float32))


def test_zeros_is_all_zeros():
    """zeros returns an all-zero matrix and draws nothing from the generator."""
    rng = np.random.default_rng(4)
    W = zeros(6, 2, rng, dtype=np.float32)
    assert W.shape == (6, 2)
    assert W.dtype == np.float32
    assert not W.any()
    assert rng.random() == np.random.default_rng(4).random()
