"""Weight initializers: functions of ``(fan_in, fan_out, rng, dtype)``.

Each returns ``W`` of shape ``(fan_in, fan_out)`` (one column per unit of the layer,
so that ``Z = A_prev @ W + b``). Hidden biases start at zero: random weights alone
break the symmetry between units (course, week 3). The output bias starts at the
prior of the target, which the output head computes (``initial_output_bias``).
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


def zeros(fan_in, fan_out, rng, dtype=np.float64):
    """All zeros: right for logistic regression, whose cost is convex.

    In a network with hidden layers it leaves every unit of a layer identical.
    """
    return np.zeros((fan_in, fan_out), dtype=dtype)


def _scaled_normal(fan_in, fan_out, rng, dtype, std):
    # Draw in float64 whatever the dtype, so a float32 fit starts from the same
    # weights (rounded) as a float64 fit with the same random_state.
    return (std * rng.standard_normal((fan_in, fan_out))).astype(dtype, copy=False)


INITIALIZERS = {
    "he": he,
    "xavier": xavier,
    "small_random": small_random,
    "zeros": zeros,
}
