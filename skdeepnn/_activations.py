"""Activation functions ``g(Z)`` and their derivatives, looked up by name.

Every function here works **in place** on the array it is given, because the
training loop owns preallocated buffers and must not allocate per mini-batch.
Pass a copy when the input has to be kept.

The derivatives are written in terms of the activation ``A = g(Z)`` rather than
``Z``: for each function here ``g'(Z)`` can be recovered from ``A`` alone, so the
forward pass can overwrite ``Z`` with ``A`` and the caches hold one array per layer
(course, week 4: the cache of a layer is what backward propagation needs).
"""

import numpy as np
from scipy.special import expit

LEAKY_RELU_SLOPE = 0.01


def _read_only_zeros(dtype, size=2**16):
    zeros = np.zeros(size, dtype=dtype)
    zeros.flags.writeable = False
    return zeros


# NumPy's maximum of a float32 array and a scalar 0 runs about six times slower on
# this project's machines than the maximum of the same array and an array of zeros,
# which NumPy vectorizes; relu takes its maximum against these blocks of zeros.
_ZEROS = {np.dtype(dtype): _read_only_zeros(dtype) for dtype in (np.float32, np.float64)}


def identity(Z):
    """:math:`g(Z) = Z`. Returns ``Z`` unchanged."""
    return Z


def sigmoid(Z):
    r""":math:`g(Z) = 1 / (1 + e^{-Z})`, computed in place.

    ``scipy.special.expit`` never overflows: it returns exactly 0 or 1 for
    :math:`|Z|` large instead of warning.
    """
    return expit(Z, out=Z)


def tanh(Z):
    r""":math:`g(Z) = \tanh(Z)`, computed in place."""
    return np.tanh(Z, out=Z)


def relu(Z):
    r""":math:`g(Z) = \max(0, Z)`, computed in place."""
    zeros = _ZEROS.get(Z.dtype)
    if zeros is None or not Z.flags.c_contiguous:
        return np.maximum(Z, 0, out=Z)
    # Multiplying by the mask Z > 0 would be fast too, but it turns -inf (an
    # overflowing product at prediction) into NaN where the maximum gives 0.
    flat = Z.reshape(-1)  # a view: Z is contiguous
    for start in range(0, flat.size, zeros.size):
        block = flat[start : start + zeros.size]
        np.maximum(block, zeros[: block.size], out=block)
    return Z


def leaky_relu(Z):
    r""":math:`g(Z) = \max(0.01 Z, Z)`, computed in place."""
    return np.maximum(Z, LEAKY_RELU_SLOPE * Z, out=Z)


def softmax(Z):
    r"""Row-wise :math:`g(Z)_k = e^{Z_k} / \sum_j e^{Z_j}`, computed in place.

    Subtracting each row's maximum first leaves the result unchanged and keeps
    every exponent at most 0, so nothing overflows.

    Parameters
    ----------
    Z : ndarray of shape (m, n_classes)
    """
    Z -= Z.max(axis=1, keepdims=True)
    np.exp(Z, out=Z)
    Z /= Z.sum(axis=1, keepdims=True)
    return Z


def identity_derivative(A, dA):
    """``dZ = dA * g'(Z)`` with :math:`g'(Z) = 1`: ``dA`` is already ``dZ``."""
    return dA


def sigmoid_derivative(A, dA):
    """``dZ = dA * A * (1 - A)``, written into ``dA``."""
    dA *= A
    dA *= 1 - A
    return dA


def tanh_derivative(A, dA):
    """``dZ = dA * (1 - A**2)``, written into ``dA``."""
    dA *= 1 - A**2
    return dA


def relu_derivative(A, dA):
    """``dZ = dA * 1{Z > 0}``, written into ``dA``; ``A > 0`` exactly when ``Z > 0``."""
    # Multiplying by the boolean mask is about ten times faster than the masked
    # assignment dA[A <= 0] = 0, which gathers indices first.
    return np.multiply(dA, A > 0, out=dA)


def leaky_relu_derivative(A, dA):
    """``dZ = dA * (1 if Z > 0 else 0.01)``, written into ``dA``."""
    one, slope = dA.dtype.type(1), dA.dtype.type(LEAKY_RELU_SLOPE)
    return np.multiply(dA, np.where(A > 0, one, slope), out=dA)


#: Activations by name: the hidden layers' (all but softmax) and the outputs'.
ACTIVATIONS = {
    "identity": identity,
    "sigmoid": sigmoid,
    "tanh": tanh,
    "relu": relu,
    "leaky_relu": leaky_relu,
    "softmax": softmax,
}

#: ``DERIVATIVES[name](A, dA)`` turns ``dA`` into ``dZ`` in place. The output
#: activations (sigmoid, softmax) never need theirs: see ``_losses``.
DERIVATIVES = {
    "identity": identity_derivative,
    "sigmoid": sigmoid_derivative,
    "tanh": tanh_derivative,
    "relu": relu_derivative,
    "leaky_relu": leaky_relu_derivative,
}
