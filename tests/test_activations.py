"""Tests of the activation functions and their derivatives in ``_activations``."""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from skdeepnn._activations import (
    ACTIVATIONS,
    DERIVATIVES,
    LEAKY_RELU_SLOPE,
    identity,
    leaky_relu,
    leaky_relu_derivative,
    relu,
    relu_derivative,
    sigmoid,
    softmax,
    tanh,
)


def _reference_sigmoid(z):
    """1 / (1 + exp(-z)) in extended precision, rounded back to float64."""
    z = np.asarray(z, dtype=np.longdouble)
    return (1 / (1 + np.exp(-z))).astype(np.float64)


def _reference_softmax(z):
    """exp(z) / sum(exp(z)) row by row, with no shift (valid for moderate z)."""
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


#: Textbook formulas, written independently of the module, valid for moderate z.
REFERENCES = {
    "identity": lambda z: z.copy(),
    "sigmoid": _reference_sigmoid,
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0.0),
    "leaky_relu": lambda z: np.where(z > 0, z, 0.01 * z),
    "softmax": _reference_softmax,
}

HUGE = 1e4


def _moderate_values(rng, shape=(6, 5)):
    """Values in [-8, 8], with exact zeros and the kink neighbourhood included."""
    Z = rng.uniform(-8, 8, size=shape)
    Z[0, :3] = [0.0, 1e-3, -1e-3]
    return Z


def _away_from_zero(rng, shape=(6, 5)):
    """Values in [-4, -0.1] U [0.1, 4]: safe for finite differences at a kink."""
    magnitude = rng.uniform(0.1, 4, size=shape)
    sign = rng.choice([-1.0, 1.0], size=shape)
    return sign * magnitude


def _huge_values():
    """A (3, 7) array with entries up to +-1e4, including +-1e4 exactly."""
    row = np.array([-HUGE, -1e3, -50.0, 0.0, 50.0, 1e3, HUGE])
    return np.vstack([row, row[::-1], np.full(7, HUGE)])


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_matches_reference(name):
    """Each activation equals its textbook formula on moderate values."""
    Z = _moderate_values(np.random.default_rng(0))
    expected = REFERENCES[name](Z.copy())
    with np.errstate(all="ignore"):
        got = ACTIVATIONS[name](Z.copy())
    assert_allclose(got, expected, rtol=1e-12, atol=1e-15)


def test_registry_maps_names_to_functions():
    """ACTIVATIONS and DERIVATIVES expose the documented names."""
    assert ACTIVATIONS == {
        "identity": identity,
        "sigmoid": sigmoid,
        "tanh": tanh,
        "relu": relu,
        "leaky_relu": leaky_relu,
        "softmax": softmax,
    }
    assert set(DERIVATIVES) == {"identity", "sigmoid", "tanh", "relu", "leaky_relu"}


def test_leaky_relu_slope_is_one_hundredth():
    """The negative slope of leaky_relu is 0.01, in the value and the derivative."""
    assert LEAKY_RELU_SLOPE == 0.01
    Z = np.array([[-3.0, -0.5, 2.0]])
    assert_allclose(leaky_relu(Z), [[-0.03, -0.005, 2.0]], rtol=1e-15)
    dA = np.array([[5.0, 5.0, 5.0]])
    assert_allclose(leaky_relu_derivative(Z, dA), [[0.05, 0.05, 5.0]], rtol=1e-15)


def test_relu_derivative_is_zero_for_non_positive_inputs():
    """relu's derivative is 1 for Z > 0 and 0 for Z <= 0 (subgradient 0 at the kink)."""
    Z = np.array([[-2.0, 0.0, 3.0]])
    A = relu(Z.copy())
    dZ = relu_derivative(A, np.array([[7.0, 7.0, 7.0]]))
    assert_array_equal(dZ, [[0.0, 0.0, 7.0]])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("layout", ["contiguous", "transposed", "one row"])
def test_relu_matches_numpy_maximum_beyond_its_block_of_zeros(dtype, layout):
    """relu, which takes its maximum against blocks of 2**16 zeros, equals
    np.maximum(Z, 0) in place, in Z's dtype, on arrays of several blocks and a
    partial one, on non-contiguous views, and on -inf, -0.0, inf and NaN."""
    rng = np.random.default_rng(0)
    Z = rng.standard_normal((700, 300)).astype(dtype)  # 3.2 blocks of zeros
    Z[0, :4] = [-np.inf, np.inf, np.nan, -0.0]
    Z = {"contiguous": Z, "transposed": Z.T, "one row": Z[:1]}[layout]
    expected = np.maximum(Z, 0)
    A = relu(Z)
    assert A is Z
    assert A.dtype == dtype
    assert_array_equal(A, expected)


def test_relu_reads_its_zeros_in_blocks(monkeypatch):
    """With blocks of 7 zeros, a 5 x 9 array takes six full blocks and a partial one,
    all through the block path (a scalar maximum would fail here), and a row of it,
    a contiguous view into the middle of Z, is the only part changed."""
    import skdeepnn._activations as activations

    zeros = np.zeros(7)
    zeros.flags.writeable = False
    monkeypatch.setitem(activations._ZEROS, np.dtype(np.float64), zeros)
    real_maximum = np.maximum

    def maximum_of_arrays_only(x, y, out):
        assert isinstance(y, np.ndarray) and y.size <= 7
        return real_maximum(x, y, out=out)

    Z = np.random.default_rng(3).normal(size=(5, 9))
    expected, rest = real_maximum(Z, 0), np.delete(Z, 2, axis=0)
    with monkeypatch.context() as patch:
        patch.setattr(activations.np, "maximum", maximum_of_arrays_only)
        A = relu(Z.copy())
        relu(Z[2])
    assert_array_equal(A, expected)
    assert_array_equal(Z[2], expected[2])
    assert_array_equal(np.delete(Z, 2, axis=0), rest)


def test_softmax_is_shift_invariant():
    """softmax(Z + c) equals the unshifted reference softmax(Z), even for large c."""
    Z = _moderate_values(np.random.default_rng(1))
    expected = _reference_softmax(Z)
    shifts = np.array([[1000.0], [-1000.0], [5e3], [0.0], [-5e3], [700.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = softmax(Z + shifts)
    # The shift costs a few ulps of |c| in Z, hence the looser tolerance.
    assert_allclose(got, expected, rtol=1e-9)


@pytest.mark.parametrize("name", sorted(DERIVATIVES))
def test_derivative_matches_finite_differences(name):
    """DERIVATIVES[name](g(Z), dA) equals dA * g'(Z), with g' by central differences."""
    rng = np.random.default_rng(2)
    Z = _away_from_zero(rng)
    dA = rng.normal(size=Z.shape)
    g = ACTIVATIONS[name]
    eps = 1e-6
    numerical_derivative = (g(Z + eps) - g(Z - eps)) / (2 * eps)

    got = DERIVATIVES[name](g(Z.copy()), dA.copy())

    assert_allclose(got, dA * numerical_derivative, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_is_stable_for_huge_inputs(name, dtype):
    """For |Z| up to 1e4 (inclusive): no warning, no NaN, and the right limits."""
    Z = _huge_values().astype(dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="warn", divide="warn", invalid="warn"):
            A = ACTIVATIONS[name](Z.copy())
    assert not np.isnan(A).any()
    if name == "softmax":
        assert_allclose(A.sum(axis=1), 1.0, rtol=1e-6)
        # The largest logit takes (almost) all the mass; all-equal rows split it.
        assert A[0, -1] == pytest.approx(1.0)
        assert A[1, 0] == pytest.approx(1.0)
        assert_allclose(A[2], 1 / 7, rtol=1e-6)
        return
    assert np.isfinite(A).all()
    expected_limits = {
        "identity": (-HUGE, HUGE),
        "sigmoid": (0.0, 1.0),
        "tanh": (-1.0, 1.0),
        "relu": (0.0, HUGE),
        "leaky_relu": (-0.01 * HUGE, HUGE),
    }[name]
    assert A[0, 0] == pytest.approx(expected_limits[0])
    assert A[0, -1] == pytest.approx(expected_limits[1])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", sorted(DERIVATIVES))
def test_derivative_is_stable_for_huge_inputs(name, dtype):
    """Derivatives at the activations of |Z| up to 1e4 are finite and warning-free."""
    Z = _huge_values().astype(dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        A = ACTIVATIONS[name](Z.copy())
        dZ = DERIVATIVES[name](A, np.ones_like(Z))
    assert np.isfinite(dZ).all()


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_keeps_float32(name):
    """float32 in gives float32 out, with values close to the float64 result."""
    Z64 = _moderate_values(np.random.default_rng(3))
    Z32 = Z64.astype(np.float32)
    got = ACTIVATIONS[name](Z32)
    assert got.dtype == np.float32
    assert_allclose(got, REFERENCES[name](Z64), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", sorted(DERIVATIVES))
def test_derivative_keeps_float32(name):
    """A float32 dA stays a float32 dZ."""
    rng = np.random.default_rng(4)
    Z = _away_from_zero(rng).astype(np.float32)
    A = ACTIVATIONS[name](Z)
    dZ = DERIVATIVES[name](A, rng.normal(size=Z.shape).astype(np.float32))
    assert dZ.dtype == np.float32


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_works_in_place(name):
    """The activation returns the very array it was given, now holding g(Z)."""
    Z = _moderate_values(np.random.default_rng(5))
    expected = REFERENCES[name](Z.copy())
    buffer = Z.copy()
    out = ACTIVATIONS[name](buffer)
    assert out is buffer
    assert_allclose(buffer, expected, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", sorted(DERIVATIVES))
def test_derivative_works_in_place(name):
    """The derivative returns dA itself, overwritten with dZ, and leaves A alone."""
    rng = np.random.default_rng(6)
    A = ACTIVATIONS[name](_away_from_zero(rng))
    A_before = A.copy()
    dA = rng.normal(size=A.shape)
    dA_before = dA.copy()
    out = DERIVATIVES[name](A, dA)
    assert out is dA
    assert_array_equal(A, A_before)
    if name != "identity":
        assert not np.array_equal(dA, dA_before)
