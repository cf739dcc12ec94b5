r"""Cross-entropy losses computed from the last pre-activation ``Z[L]`` (the logits).

Computing the loss from ``Z[L]`` rather than from ``A[L]`` is what keeps it finite:
``log(sigmoid(z))`` is ``-log(1 + e^{-z})``, evaluated here with ``logaddexp``, so a
confident wrong prediction costs a large finite number instead of ``log(0)``.

Each ``*_and_gradient`` function also returns the output layer's ``dZ[L]``. For a
sigmoid output with binary cross-entropy, and for a softmax output with categorical
cross-entropy, the derivative of the cost with respect to ``Z[L]`` simplifies to

.. math:: dZ^{[L]} = \frac{1}{m} (A^{[L]} - Y)

(course, week 3 and 4). This holds only for these matched pairs of output activation
and loss, which is why the output layer never calls an activation derivative.

Sample weights ``w`` turn every mean into a weighted mean: ``1/m`` becomes
``w_i / sum(w)``.
"""

import numpy as np
from scipy.special import expit


def _row_weights(m, sample_weight, dtype):
    """The factor of each sample in the mean: ``1/m``, or ``w_i / sum(w)``.

    Returns a scalar or an array of shape (m, 1), ready to broadcast over ``dZ``.
    """
    if sample_weight is None:
        return 1.0 / m
    # Normalized in float64: a float32 sum of large weights can overflow.
    total = sample_weight.sum(dtype=np.float64)
    return (sample_weight / total).astype(dtype, copy=False)[:, None]


def _row_max(Z):
    """The maximum of each row of ``Z``, of shape (m, 1).

    NumPy's ``max(axis=1)`` pays for every row it reduces: on many rows and the few
    columns of an output layer, a running maximum over the columns is two to three
    times faster. On a mini-batch, its one call per column costs more.
    """
    m, n_columns = Z.shape
    if n_columns > 16 or m < 1024:
        return Z.max(axis=1, keepdims=True)
    row_max = Z[:, :1].copy()
    for column in range(1, n_columns):
        np.maximum(row_max, Z[:, column : column + 1], out=row_max)
    return row_max


def binary_log_loss_and_gradient(Z, Y, sample_weight=None):
    r"""Binary cross-entropy of a sigmoid output, and ``dZ[L]``.

    .. math::
        J = \frac{1}{m} \sum_i \left[\log(1 + e^{z_i}) - y_i z_i\right]
          = -\frac{1}{m} \sum_i \left[y_i \log a_i + (1 - y_i)\log(1 - a_i)\right]

    Parameters
    ----------
    Z : ndarray of shape (m, 1)
        The logits ``Z[L]``. **Overwritten** with ``dZ[L] = (A[L] - Y) / m``.
    Y : ndarray of shape (m, 1)
        Targets in {0, 1}.
    sample_weight : ndarray of shape (m,), default=None
        Weights of the samples; the cost is their weighted mean.

    Returns
    -------
    loss : float
    """
    per_sample = np.logaddexp(0, Z)
    per_sample -= Y * Z
    weights = _row_weights(Z.shape[0], sample_weight, Z.dtype)
    loss = float(np.sum(per_sample * weights))
    expit(Z, out=Z)
    Z -= Y
    Z *= weights
    return loss


def categorical_log_loss_and_gradient(Z, Y, sample_weight=None):
    r"""Categorical cross-entropy of a softmax output, and ``dZ[L]``.

    .. math::
        J = \frac{1}{m} \sum_i \left[\log \sum_k e^{z_{ik}} - \sum_k y_{ik} z_{ik}\right]
          = -\frac{1}{m} \sum_i \sum_k y_{ik} \log a_{ik}

    Parameters
    ----------
    Z : ndarray of shape (m, n_classes)
        The logits ``Z[L]``. **Overwritten** with ``dZ[L] = (A[L] - Y) / m``.
    Y : ndarray of shape (m, n_classes)
        One-hot targets.
    sample_weight : ndarray of shape (m,), default=None

    Returns
    -------
    loss : float
    """
    # Shifting each row by its maximum changes neither the loss nor the softmax,
    # and keeps exp() from overflowing.
    Z -= _row_max(Z)
    true_class_logit = np.einsum("ij,ij->i", Y, Z)
    np.exp(Z, out=Z)
    # A matrix-vector product sums the rows faster than Z.sum(axis=1), which pays per
    # row: several times faster on an output layer's few columns.
    row_sums = (Z @ np.ones(Z.shape[1], Z.dtype))[:, None]
    per_sample = np.log(row_sums[:, 0]) - true_class_logit
    weights = _row_weights(Z.shape[0], sample_weight, Z.dtype)
    loss = float(np.sum(per_sample[:, None] * weights))
    Z /= row_sums
    Z -= Y
    Z *= weights
    return loss


#: The loss that matches each output activation.
LOSSES = {
    "sigmoid": binary_log_loss_and_gradient,
    "softmax": categorical_log_loss_and_gradient,
}


def l2_penalty(coefs, alpha, m):
    r"""The L2 regularization term :math:`\frac{\alpha}{2m} \sum_l \|W^{[l]}\|_F^2`.

    Parameters
    ----------
    coefs : list of ndarray
        The weight matrices; biases are not regularized.
    alpha : float
        The regularization strength (the course's lambda).
    m : float
        The number of samples, or the sum of their weights.
    """
    if alpha == 0:
        return 0.0
    squared_norm = sum(float(np.vdot(W, W)) for W in coefs)
    return alpha / (2 * m) * squared_norm
