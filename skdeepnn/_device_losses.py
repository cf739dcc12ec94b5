"""The losses of ``_losses`` in the namespace of ``X``, for the array-API backend.

Each returns ``(J, dZ)``: the cost as a 0-d array left on the device, and the
gradient with respect to the logits as a new array, where the reference overwrites
``Z`` and returns a Python float. The equations are the reference's.
"""

import functools

import numpy as np

from . import _losses


def _row_weights(xp, m, sample_weight):
    """Each sample's factor in the mean: ``1/m``, or ``w_i / sum(w)`` as a column."""
    if sample_weight is None:
        return 1.0 / m
    return (sample_weight / xp.sum(sample_weight))[:, None]


def binary_log_loss(xp, Z, Y, sample_weight):
    """``_losses.binary_log_loss_and_gradient``: ``(J, dZ)``, J a 0-d array."""
    weights = _row_weights(xp, Z.shape[0], sample_weight)
    per_element = xp.logaddexp(xp.zeros_like(Z), Z) - Y * Z
    cost = xp.sum(per_element * weights)
    return cost, (1 / (1 + xp.exp(-Z)) - Y) * weights


def categorical_log_loss(xp, Z, Y, sample_weight):
    """``_losses.categorical_log_loss_and_gradient``: ``(J, dZ)``; ``Y`` one-hot, or a
    column of class indices."""
    if Y.shape[1] == 1 and Z.shape[1] > 1:  # the head's integer class indices
        classes = xp.arange(Z.shape[1], dtype=Y.dtype, device=Y.device)
        Y = xp.astype(Y == classes[None, :], Z.dtype)  # one-hot, on the device
    weights = _row_weights(xp, Z.shape[0], sample_weight)
    Z = Z - xp.max(Z, axis=1, keepdims=True)  # exp() cannot overflow
    exp_Z = xp.exp(Z)
    row_sums = xp.sum(exp_Z, axis=1, keepdims=True)
    per_sample = xp.log(row_sums) - xp.sum(Y * Z, axis=1, keepdims=True)
    cost = xp.sum(per_sample * weights)
    return cost, (exp_Z / row_sums - Y) * weights


def squared_error_loss(xp, Z, Y, sample_weight):
    """``_losses.squared_error_loss_and_gradient``: ``(J, dZ)``."""
    weights = _row_weights(xp, Z.shape[0], sample_weight)
    residual = Z - Y
    cost = 0.5 * xp.sum(xp.sum(residual * residual, axis=1, keepdims=True) * weights)
    return cost, residual * weights


def poisson_loss(xp, Z, Y, sample_weight):
    """``_losses.poisson_loss_and_gradient``: ``(J, dZ)``, with :math:`0 \\log 0 = 0`."""
    weights = _row_weights(xp, Z.shape[0], sample_weight)
    mu = xp.exp(Z)
    y_log_y = xp.where(Y > 0, Y * xp.log(xp.where(Y > 0, Y, 1.0)), 0.0)
    per_element = mu - Y * Z + y_log_y - Y
    cost = xp.sum(xp.sum(per_element, axis=1, keepdims=True) * weights)
    return cost, (mu - Y) * weights


def huber_loss(xp, Z, Y, sample_weight, *, delta=1.0):
    """``_losses.huber_loss_and_gradient``: ``(J, dZ)``."""
    weights = _row_weights(xp, Z.shape[0], sample_weight)
    residual = Z - Y
    clipped = xp.clip(residual, min=-delta, max=delta)
    per_element = 0.5 * clipped * clipped + delta * (xp.abs(residual) - xp.abs(clipped))
    cost = xp.sum(xp.sum(per_element, axis=1, keepdims=True) * weights)
    return cost, clipped * weights


def pinball_loss(xp, Z, Y, sample_weight, *, quantiles):
    """``_losses.pinball_loss_and_gradient``: ``(J, dZ)``."""
    weights = _row_weights(xp, Z.shape[0], sample_weight)
    taus = xp.asarray(np.asarray(quantiles), dtype=Z.dtype, device=Z.device)
    residual = Z - Y  # z - y
    slope = xp.astype(residual > 0, Z.dtype) - taus[None, :]
    cost = xp.sum(xp.sum(residual * slope, axis=1, keepdims=True) * weights)
    return cost, slope * weights


#: The reference loss each of these computes.
LOSSES = {
    _losses.binary_log_loss_and_gradient: binary_log_loss,
    _losses.categorical_log_loss_and_gradient: categorical_log_loss,
    _losses.squared_error_loss_and_gradient: squared_error_loss,
    _losses.poisson_loss_and_gradient: poisson_loss,
    _losses.huber_loss_and_gradient: huber_loss,
    _losses.pinball_loss_and_gradient: pinball_loss,
}


def loss_in(xp, loss):
    """The namespace's form of the head's ``loss`` (a function of ``_losses``, or a
    ``functools.partial`` of one): ``loss(Z, Y, sample_weight) -> (J, dZ)``."""
    keywords = getattr(loss, "keywords", {})
    function = getattr(loss, "func", loss)
    return functools.partial(LOSSES[function], xp, **keywords)
