r"""Losses computed from the last pre-activation ``Z[L]`` (the logits).

Computing the loss from ``Z[L]`` rather than from ``A[L]`` is what keeps it finite:
``log(sigmoid(z))`` is ``-log(1 + e^{-z})``, evaluated here with ``logaddexp``, so a
confident wrong prediction costs a large finite number instead of ``log(0)``.

Each ``*_and_gradient`` function also returns the output layer's ``dZ[L]``. For a
sigmoid output with binary cross-entropy, a softmax output with categorical
cross-entropy, an identity output with squared error and an exponential output with
the Poisson deviance, the derivative of the cost with respect to ``Z[L]`` simplifies to

.. math:: dZ^{[L]} = \frac{1}{m} (A^{[L]} - Y)

(course, week 3 and 4). This holds only for these matched pairs of output activation
and loss (each activation is the inverse of its loss's canonical link), which is why
the output layer never calls an activation derivative. The Huber loss of an identity
output is not such a pair, but its ``dZ[L]`` is the residual clipped to ``[-delta,
delta]``, again without an activation derivative; nor is the pinball loss of a quantile
output, whose ``dZ[L]`` is ``1{z > y} - tau``.

With several outputs, every loss is summed over the outputs and averaged over the
samples. Sample weights ``w`` turn every mean into a weighted mean: ``1/m`` becomes
``w_i / sum(w)``.
"""

import numpy as np
from scipy.special import expit, xlogy


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
    r"""Binary cross-entropy of sigmoid outputs, and ``dZ[L]``.

    One sigmoid per column: a binary classifier has one column, a multilabel one a
    column per label. The cross-entropy is summed over the labels and averaged over
    the samples.

    .. math::
        J = \frac{1}{m} \sum_i \sum_k \left[\log(1 + e^{z_{ik}}) - y_{ik} z_{ik}\right]
          = -\frac{1}{m} \sum_i \sum_k
            \left[y_{ik} \log a_{ik} + (1 - y_{ik})\log(1 - a_{ik})\right]

    Parameters
    ----------
    Z : ndarray of shape (m, n_labels)
        The logits ``Z[L]``. **Overwritten** with ``dZ[L] = (A[L] - Y) / m``.
    Y : ndarray of shape (m, n_labels)
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
    Y : ndarray of shape (m, n_classes) or (m, 1)
        One-hot targets, as in the course; or a column of integer class indices, from 0
        to ``n_classes - 1``, the one 1 of each one-hot row (what ``ClassificationHead``
        encodes: 4 bytes a row, whatever the number of classes). See
        ``holds_class_indices``. Indices are not checked here: one outside that range
        would read another row's logit (``_true_class_entries``).
    sample_weight : ndarray of shape (m,), default=None

    Returns
    -------
    loss : float
    """
    m, n_classes = Z.shape
    true_class = _true_class_entries(Z, Y) if holds_class_indices(Z, Y) else None
    # Shifting each row by its maximum changes neither the loss nor the softmax,
    # and keeps exp() from overflowing.
    Z -= _row_max(Z)
    if true_class is None:
        true_class_logit = np.einsum("ij,ij->i", Y, Z)
    else:
        array, entries = true_class
        true_class_logit = array[entries]
    np.exp(Z, out=Z)
    row_sums = _row_sums(Z)
    per_sample = np.log(row_sums)
    per_sample -= true_class_logit
    weights = _row_weights(m, sample_weight, Z.dtype)
    loss = _weighted_sum(per_sample, weights)
    # dZ = (softmax - Y) w: the division by the row sums and the weights in one pass.
    Z *= weights / row_sums[:, None]
    if true_class is None:
        Z -= Y * weights
    else:
        array[entries] -= weights if sample_weight is None else weights[:, 0]
    return loss


def _true_class_entries(Z, Y):
    """Where each row's true class lies in ``Z``, for the class indices ``Y``:
    ``(array, entries)`` with ``array[entries]`` those logits, and writable through.

    When ``Z`` is contiguous, ``array`` is its flat view and ``entries`` one index per
    row, several times faster than ``Z[rows, class_index]``, the fallback otherwise.
    Indices are not checked: one outside ``[0, n_classes)`` would pick another row's.
    """
    m, n_classes = Z.shape
    # As intp: an unsigned 64-bit column and int64 offsets would add up to floats.
    class_index = Y[:, 0].astype(np.intp, copy=False)
    if not Z.flags.c_contiguous:
        return Z, (np.arange(m), class_index)
    return Z.reshape(-1), np.arange(0, m * n_classes, n_classes) + class_index


def _weighted_sum(per_sample, weights):
    """``sum_i per_sample_i * weights_i`` as a Python float, for a scalar weight or a
    column of them."""
    if np.ndim(weights) == 0:
        return float(np.sum(per_sample)) * float(weights)
    return float(per_sample @ weights[:, 0])


def holds_class_indices(Z, Y):
    """Whether the softmax targets ``Y`` are a column of class indices rather than
    one-hot rows: one column for several logits. The shape decides, not the dtype, since
    one-hot rows may be integers (scikit-learn's ``LabelBinarizer`` makes int64 ones).

    Raises TypeError for a column of non-integers, which could be neither.
    """
    if Y.shape[1] != 1 or Z.shape[1] == 1:
        return False
    if Y.dtype.kind not in "iu":
        raise TypeError(
            f"softmax targets of one column for {Z.shape[1]} classes are class indices, "
            f"and must be integers; got dtype {Y.dtype}."
        )
    return True


def _row_sums(A):
    """The sum of each row of ``A``, of shape (m,).

    A matrix-vector product, faster than ``A.sum(axis=1)`` on the few columns of an
    output layer (see ``categorical_log_loss_and_gradient``).
    """
    return A @ np.ones(A.shape[1], A.dtype)


def squared_error_loss_and_gradient(Z, Y, sample_weight=None):
    r"""Half squared error of an identity output, and ``dZ[L]``.

    .. math::
        J = \frac{1}{m} \sum_i \sum_k \frac{1}{2} (z_{ik} - y_{ik})^2,
        \qquad dZ^{[L]} = \frac{1}{m} (Z^{[L]} - Y)

    With one output this is scikit-learn's ``MLPRegressor`` squared error (half the
    mean of the squares). With several outputs it is summed over them, not averaged:
    ``MLPRegressor`` averages its loss over the outputs but not its gradient
    (scikit-learn issue 8349), so its gradient is not the gradient of the cost it
    reports; summing keeps the two consistent, like the multilabel sigmoid head, whose
    binary cross-entropy is summed over the labels.

    Parameters
    ----------
    Z : ndarray of shape (m, n_outputs)
        The outputs ``Z[L] = A[L]``. **Overwritten** with ``dZ[L] = (Z[L] - Y) / m``.
    Y : ndarray of shape (m, n_outputs)
        Targets.
    sample_weight : ndarray of shape (m,), default=None
        Weights of the samples; the cost is their weighted mean.

    Returns
    -------
    loss : float
    """
    Z -= Y  # the residual, which is dZ[L] up to the weights
    per_sample = np.einsum("ij,ij->i", Z, Z)
    weights = _row_weights(Z.shape[0], sample_weight, Z.dtype)
    loss = 0.5 * _weighted_sum(per_sample, weights)
    Z *= weights
    return loss


def poisson_loss_and_gradient(Z, Y, sample_weight=None):
    r"""Half Poisson deviance of an exponential output (log link), and ``dZ[L]``.

    The prediction is :math:`\mu = e^z`, and the cost is summed over the outputs:

    .. math::
        J = \frac{1}{m} \sum_i \sum_k \left[y_{ik} \log\frac{y_{ik}}{\mu_{ik}}
            - y_{ik} + \mu_{ik}\right]
          = \frac{1}{m} \sum_i \sum_k \left[e^{z_{ik}} - y_{ik} z_{ik}
            + (y_{ik} \log y_{ik} - y_{ik})\right],
        \qquad dZ^{[L]} = \frac{1}{m} (e^{Z^{[L]}} - Y)

    with :math:`0 \log 0 = 0`. The constant :math:`y \log y - y` does not change the
    gradient, but makes the cost 0 at a perfect fit and, for one output, half of
    scikit-learn's ``mean_poisson_deviance``.

    Parameters
    ----------
    Z : ndarray of shape (m, n_outputs)
        The logits ``Z[L] = log(mu)``. **Overwritten** with
        ``dZ[L] = (exp(Z[L]) - Y) / m``.
    Y : ndarray of shape (m, n_outputs)
        Non-negative targets, such as counts.
    sample_weight : ndarray of shape (m,), default=None
        Weights of the samples; the cost is their weighted mean.

    Returns
    -------
    loss : float
        ``inf`` (or ``nan``) when ``exp(Z)`` overflows: the caller's divergence guard
        stops the training then, so the overflow is not worth a warning per element.
    """
    # Past exp's range, mu is inf, and so are the loss and dZ; a zero weight times
    # inf, or inf - inf when y * z overflows too, gives nan instead.
    with np.errstate(over="ignore", invalid="ignore"):
        # sum_k y_ik z_ik, read before Z is overwritten; no (m, n_outputs) temporary.
        target_logit = np.einsum("ij,ij->i", Y, Z)
        # In the wider of the two dtypes: exp(Z) is added in place below.
        per_element = xlogy(Y, Y, dtype=np.result_type(Z, Y))
        per_element -= Y
        np.exp(Z, out=Z)
        per_element += Z
        per_sample = _row_sums(per_element)
        per_sample -= target_logit
        weights = _row_weights(Z.shape[0], sample_weight, Z.dtype)
        loss = _weighted_sum(per_sample, weights)
        Z -= Y
        Z *= weights
    return loss


def huber_loss_and_gradient(Z, Y, sample_weight=None, *, delta=1.0):
    r"""Huber loss of an identity output, and ``dZ[L]``.

    With the residual :math:`r = z - y`, summed over the outputs:

    .. math::
        J = \frac{1}{m} \sum_i \sum_k h(r_{ik}), \qquad
        h(r) = \begin{cases}
            \frac{1}{2} r^2 & |r| \le \delta \\
            \delta \left(|r| - \frac{\delta}{2}\right) & |r| > \delta
        \end{cases}, \qquad
        dZ^{[L]} = \frac{1}{m} \operatorname{clip}(R, -\delta, \delta)

    Quadratic near the target, like the squared error, and linear beyond ``delta``:
    an outlier pulls on the fit with a force bounded by ``delta`` instead of one that
    grows with its residual.

    Parameters
    ----------
    Z : ndarray of shape (m, n_outputs)
        The outputs ``Z[L] = A[L]``. **Overwritten** with
        ``dZ[L] = clip(Z[L] - Y, -delta, delta) / m``.
    Y : ndarray of shape (m, n_outputs)
        Targets.
    sample_weight : ndarray of shape (m,), default=None
        Weights of the samples; the cost is their weighted mean.
    delta : float, default=1.0
        Where the loss turns from quadratic to linear, in units of ``y``: 1.0 suits a
        standardized ``y``. Positive.

    Returns
    -------
    loss : float
    """
    # A Python float stays weak in NumPy's promotion: float32 arrays stay float32.
    delta = float(delta)
    Z -= Y  # the residual r
    # h(r) = c^2 / 2 + delta (|r| - c) with c = min(|r|, delta): both branches at once.
    beyond = np.abs(Z)
    clipped = np.minimum(beyond, delta)
    beyond -= clipped
    per_sample = 0.5 * np.einsum("ij,ij->i", clipped, clipped)
    per_sample += delta * _row_sums(beyond)
    weights = _row_weights(Z.shape[0], sample_weight, Z.dtype)
    loss = _weighted_sum(per_sample, weights)
    np.clip(Z, -delta, delta, out=Z)
    Z *= weights
    return loss


def pinball_loss_and_gradient(Z, Y, sample_weight=None, *, quantiles):
    r"""Pinball (quantile) loss of an identity output, and ``dZ[L]``.

    Column ``k`` predicts the quantile :math:`\tau_k` of its target. With the
    residual :math:`r = y - z`, summed over the outputs:

    .. math::
        J = \frac{1}{m} \sum_i \sum_k \rho_{\tau_k}(y_{ik} - z_{ik}), \qquad
        \rho_\tau(r) = \max(\tau r, (\tau - 1) r), \qquad
        dZ^{[L]}_{ik} = \frac{1}{m} \left(\mathbb{1}\{z_{ik} > y_{ik}\} - \tau_k\right)

    :math:`\rho_\tau` is scikit-learn's ``mean_pinball_loss`` for one sample; its
    minimizer over a constant is the :math:`\tau`-quantile of ``y``. At a zero residual
    the loss has a kink; the subgradient taken there is :math:`-\tau`.

    Parameters
    ----------
    Z : ndarray of shape (m, n_outputs)
        The outputs ``Z[L] = A[L]``. **Overwritten** with ``dZ[L]``.
    Y : ndarray of shape (m, n_outputs)
        Targets: column ``k`` holds the target whose quantile ``quantiles[k]`` it is.
    sample_weight : ndarray of shape (m,), default=None
        Weights of the samples; the cost is their weighted mean.
    quantiles : ndarray of shape (n_outputs,)
        :math:`\tau_k` of each output, in (0, 1).

    Returns
    -------
    loss : float
    """
    Z -= Y  # z - y = -r
    slope = (Z > 0).astype(Z.dtype)  # d rho / dz: 1 - tau above the target, -tau below
    slope -= np.asarray(quantiles, dtype=Z.dtype)
    per_sample = np.einsum("ij,ij->i", Z, slope)  # (z - y)(1{z > y} - tau) = rho(y - z)
    weights = _row_weights(Z.shape[0], sample_weight, Z.dtype)
    loss = _weighted_sum(per_sample, weights)
    np.multiply(slope, weights, out=Z)
    return loss


#: The loss that matches each output activation.
LOSSES = {
    "sigmoid": binary_log_loss_and_gradient,
    "softmax": categorical_log_loss_and_gradient,
    "identity": squared_error_loss_and_gradient,
    "exp": poisson_loss_and_gradient,
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
