"""Weight initializers: functions of ``(fan_in, fan_out, rng, dtype)``.

Each returns ``W`` of shape ``(fan_in, fan_out)`` (one column per unit of the layer,
so that ``Z = A_prev @ W + b``). Hidden biases start at zero, as in the course:
random weights alone break the symmetry between units (course, week 3); but
"glorot_uniform" draws them as scikit-learn's MLP does (``initial_bias``). The
output bias starts at the prior of the target, which the output head computes
(``initial_output_bias``).
"""

import numpy as np


def he(fan_in, fan_out, rng, dtype=np.float64):
    r"""He initialization: :math:`W \sim \mathcal{N}(0, 2 / n^{[l-1]})`, for ReLU layers."""
    return _scaled_normal(fan_in, fan_out, rng, dtype, np.sqrt(2.0 / fan_in))


def xavier(fan_in, fan_out, rng, dtype=np.float64):
    r"""Xavier initialization: :math:`W \sim \mathcal{N}(0, 1 / n^{[l-1]})`, for tanh, sigmoid."""
    return _scaled_normal(fan_in, fan_out, rng, dtype, np.sqrt(1.0 / fan_in))


def small_random(fan_in, fan_out, rng, dtype=np.float64):
    r"""The course's shallow-network choice: :math:`W \sim 0.01\, \mathcal{N}(0, 1)`."""
    return _scaled_normal(fan_in, fan_out, rng, dtype, 0.01)


def glorot_uniform(fan_in, fan_out, rng, dtype=np.float64):
    r"""Glorot's uniform initialization, as scikit-learn's MLP draws it for ReLU and tanh:
    :math:`W \sim \mathcal{U}(-r, r)`, :math:`r = \sqrt{6 / (n^{[l-1]} + n^{[l]})}`, a
    variance of :math:`2 / (n^{[l-1]} + n^{[l]})`; the biases too (``initial_bias``).

    Averaging the fans keeps the first layer's weights small when the inputs are few:
    on 4 features and 100 units He's variance is 2 / 4, this one's 2 / 104.
    """
    return _glorot_uniform((fan_in, fan_out), fan_in, fan_out, rng, dtype)


def zeros(fan_in, fan_out, rng, dtype=np.float64):
    """All zeros: right for logistic regression, whose cost is convex.

    In a network with hidden layers it leaves every unit of a layer identical.
    """
    return np.zeros((fan_in, fan_out), dtype=dtype)


def initial_bias(name, fan_in, fan_out, rng, dtype=np.float64):
    """``b[l]`` of a layer whose weights ``INITIALIZERS[name]`` draws: zeros, but for
    "glorot_uniform", drawn from the weights' distribution, as scikit-learn's MLP does.

    Random biases put the first layer's ReLU kinks off the origin from the start,
    where zero biases pass them all through it (the mean of standardized inputs).
    The output layer's bias is then replaced by the prior (``initial_output_bias``).
    """
    if name == "glorot_uniform":
        return _glorot_uniform((fan_out,), fan_in, fan_out, rng, dtype)
    return np.zeros(fan_out, dtype=dtype)


def _glorot_uniform(shape, fan_in, fan_out, rng, dtype):
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, shape).astype(dtype, copy=False)


def _scaled_normal(fan_in, fan_out, rng, dtype, std):
    # Draw in float64 whatever the dtype, so a float32 fit starts from the same
    # weights (rounded) as a float64 fit with the same random_state.
    return (std * rng.standard_normal((fan_in, fan_out))).astype(dtype, copy=False)


INITIALIZERS = {
    "he": he,
    "xavier": xavier,
    "glorot_uniform": glorot_uniform,
    "small_random": small_random,
    "zeros": zeros,
}
