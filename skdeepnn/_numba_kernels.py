r"""The training step's element-wise work, fused into compiled loops by numba.

Each function here does, in one pass over memory, what the NumPy reference does in
several calls (the reference is named in each docstring, and the tests hold the two
to rounding). On a mini-batch, each NumPy call costs a microsecond or more before
it touches a number, and each pass reads its arrays from memory again: on digits
(batches of 200 rows, 7,510 parameters) these loops make an Adam step about a fifth
faster; on the benchmark's 235,000 parameters, Adam's nine passes become one.

Only ``_kernels`` imports this module, and only when a fit asks for numba's kernels:
importing numba takes about 0.2 s, which ``import skdeepnn`` must not pay. The
compiled code is cached on disk (``cache=True``), so a new process loads it instead
of compiling it again.

Every scalar argument arrives in the arrays' dtype (``_kernels`` converts them), so
float32 arrays are computed in float32, as NumPy computes them; ``error_model="numpy"``
lets a division by zero give inf instead of raising, as NumPy does, and lets the loops
vectorize.
"""

import math

import numba

_jit = numba.njit(cache=True, nogil=True, error_model="numpy")


@_jit
def _with_l2(grad, param, i, n_decayed, decay):
    """The gradient of entry ``i`` with the L2 term ``decay * param`` of the first
    ``n_decayed`` entries (the weights ``W[l]``; the biases are not regularized)."""
    if i < n_decayed:
        return grad[i] + decay * param[i]
    return grad[i]


@_jit
def adam_step(
    param, grad, v, s, beta_1, one_minus_beta_1, beta_2, one_minus_beta_2, eps, step,
    n_decayed, decay,
):  # fmt: skip
    r"""One Adam step over flat arrays, in place (``_optimizers.Adam.update``).

    .. math::
        g = d\theta + \frac{\alpha}{m} \theta_W, \quad
        v \leftarrow \beta_1 v + (1 - \beta_1) g, \quad
        s \leftarrow \beta_2 s + (1 - \beta_2) g^2, \quad
        \theta \leftarrow \theta - \text{step} \cdot \frac{v}{\sqrt{s} + \epsilon}

    with ``step`` and ``eps`` carrying the bias corrections, as in the reference. The
    L2 term (``decay`` on the first ``n_decayed`` entries) is the one that
    ``_network.backward_propagation`` adds to ``dW``: here it costs no pass of its own.
    """
    for i in range(param.size):
        g = _with_l2(grad, param, i, n_decayed, decay)
        v_i = beta_1 * v[i] + one_minus_beta_1 * g
        s_i = beta_2 * s[i] + one_minus_beta_2 * (g * g)
        v[i] = v_i
        s[i] = s_i
        param[i] -= step * (v_i / (math.sqrt(s_i) + eps))


@_jit
def rmsprop_step(
    param, grad, s, beta_2, one_minus_beta_2, eps, learning_rate, n_decayed, decay
):  # fmt: skip
    r"""One RMSProp step over flat arrays, in place (``_optimizers.RMSProp.update``).

    .. math::
        g = d\theta + \frac{\alpha}{m} \theta_W, \quad
        s \leftarrow \beta_2 s + (1 - \beta_2) g^2, \quad
        \theta \leftarrow \theta - \alpha \frac{g}{\sqrt{s} + \epsilon}
    """
    for i in range(param.size):
        g = _with_l2(grad, param, i, n_decayed, decay)
        s_i = beta_2 * s[i] + one_minus_beta_2 * (g * g)
        s[i] = s_i
        param[i] -= learning_rate * (g / (math.sqrt(s_i) + eps))


@_jit
def momentum_step(param, grad, v, beta_1, one_minus_beta_1, on_v, on_grad, n_decayed, decay):
    r"""One momentum step over flat arrays, in place (``_optimizers.Momentum.update``).

    .. math::
        g = d\theta + \frac{\alpha}{m} \theta_W, \quad
        v \leftarrow \beta_1 v + (1 - \beta_1) g, \quad
        \theta \leftarrow \theta - \text{on\_v} \cdot v - \text{on\_grad} \cdot g

    ``on_v = learning_rate, on_grad = 0`` is the classical step; Nesterov's is
    ``on_v = learning_rate * beta_1, on_grad = learning_rate * (1 - beta_1)``.
    """
    for i in range(param.size):
        g = _with_l2(grad, param, i, n_decayed, decay)
        v_i = beta_1 * v[i] + one_minus_beta_1 * g
        v[i] = v_i
        param[i] -= on_v * v_i + on_grad * g


@_jit
def bias_relu(Z, b):
    """``Z = max(Z + b, 0)`` row by row, in place (``Z += b``, then ``_activations.relu``).

    A NaN stays NaN, as with NumPy's maximum, so that a diverging run is still seen.
    """
    n_rows, n_units = Z.shape
    for i in range(n_rows):
        for j in range(n_units):
            z = Z[i, j] + b[j]
            Z[i, j] = 0 if z < 0 else z


@_jit
def relu_backward(A, dA):
    """``dZ = dA * 1{A > 0}``, written into ``dA`` (``_activations.relu_derivative``)."""
    n_rows, n_units = A.shape
    for i in range(n_rows):
        for j in range(n_units):
            dA[i, j] *= 1 if A[i, j] > 0 else 0


@_jit
def softmax_log_loss(Z, Y, weights, weight):
    r"""Categorical cross-entropy of the logits, with ``Z`` overwritten by ``dZ[L]``
    (``_losses.categorical_log_loss_and_gradient``).

    Per row, :math:`\log \sum_k e^{z_k - \max z} - \sum_k y_k (z_k - \max z)`, weighted
    by ``weights[i]`` (or by ``weight`` when ``weights`` is empty) and summed; then
    :math:`dZ = w_i (\mathrm{softmax}(z) - y)`.

    Returns
    -------
    loss : float
    """
    n_rows, n_classes = Z.shape
    loss = 0.0
    for i in range(n_rows):
        w = weight if weights.size == 0 else weights[i]
        row_max = Z[i, 0]
        for k in range(1, n_classes):
            if Z[i, k] > row_max:
                row_max = Z[i, k]
        exp_sum = 0 * row_max
        true_logit = 0 * row_max
        for k in range(n_classes):
            z = Z[i, k] - row_max
            true_logit += Y[i, k] * z
            e = math.exp(z)
            Z[i, k] = e
            exp_sum += e
        loss += w * (math.log(exp_sum) - true_logit)
        for k in range(n_classes):
            Z[i, k] = (Z[i, k] / exp_sum - Y[i, k]) * w
    return loss


@_jit
def sigmoid_log_loss(Z, Y, weights, weight):
    r"""Binary cross-entropy of each logit, with ``Z`` overwritten by ``dZ[L]``
    (``_losses.binary_log_loss_and_gradient``).

    Per entry, :math:`\log(1 + e^z) - y z = \max(z, 0) + \log(1 + e^{-|z|}) - y z`,
    weighted by row and summed; then :math:`dZ = w_i (\sigma(z) - y)`.

    Returns
    -------
    loss : float
    """
    n_rows, n_labels = Z.shape
    loss = 0.0
    for i in range(n_rows):
        w = weight if weights.size == 0 else weights[i]
        row_loss = 0.0
        for k in range(n_labels):
            z, y = Z[i, k], Y[i, k]
            # e^{-|z|} never overflows; the sigmoid is 1 / (1 + e^{-z}) or e^z / (1 + e^z).
            e = math.exp(-abs(z))
            row_loss += max(z, 0) + math.log1p(e) - y * z
            probability = 1 / (1 + e) if z >= 0 else e / (1 + e)
            Z[i, k] = (probability - y) * w
        loss += w * row_loss
    return loss
