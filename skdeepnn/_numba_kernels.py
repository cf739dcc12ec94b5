r"""The training step's element-wise work, fused into compiled loops by numba.

Each function here does, in one pass over memory, what the NumPy reference does in
several calls (the reference is named in each docstring, and ``tests/test_kernels.py``
holds the two to rounding). On a mini-batch, each NumPy call costs a microsecond or
more before it touches a number, and each pass reads its arrays from memory again:
on digits (batches of 200 rows, 7,510 parameters) these loops make a step about a
fifth faster; on the benchmark's 235,000 parameters, Adam's nine passes and the L2
term's become one.

Only ``_kernels`` imports this module, and only when a fit asks for numba's kernels:
importing numba takes about 0.4 s, which ``import skdeepnn`` must not pay. The
compiled code is cached on disk (``cache=True``), so a new process loads it instead
of compiling it again.

The optimizer steps get every scalar in the arrays' dtype (``_kernels`` converts
them), so that float32 parameters are updated in float32, as NumPy updates them. The
loss kernels sum the cost in float64. ``error_model="numpy"`` lets a division by zero
give inf instead of raising, as NumPy does, and lets the loops vectorize.
"""

import math

import numba

_jit = numba.njit(cache=True, nogil=True, error_model="numpy")


@_jit
def _with_l2(grad, param, i, n_decayed, decay):
    """The gradient of entry ``i`` plus the L2 term ``decay * param[i]`` when ``i`` is
    among the first ``n_decayed`` entries (the weights; biases are not regularized)."""
    if i < n_decayed:
        return grad[i] + decay * param[i]
    return grad[i]


@_jit
def adam_step(
    param, grad, v, s, beta_1, one_minus_beta_1, beta_2, one_minus_beta_2, eps, step,
    n_decayed, decay,
):  # fmt: skip
    r"""One Adam step with the L2 term, in place (``_optimizers.Adam.update``).

    .. math::
        g = d\theta + \lambda \theta_W, \quad
        v \leftarrow \beta_1 v + (1 - \beta_1) g, \quad
        s \leftarrow \beta_2 s + (1 - \beta_2) g^2, \quad
        \theta \leftarrow \theta - \text{step} \frac{v}{\sqrt{s} + \epsilon}

    Parameters
    ----------
    param, grad, v, s : ndarray of shape (n_params,)
        The packed parameters, their gradient without the L2 term, and Adam's two
        averages; ``param``, ``v`` and ``s`` are updated.
    beta_1, one_minus_beta_1, beta_2, one_minus_beta_2 : scalar
    eps, step : scalar
        :math:`\epsilon \sqrt{1 - \beta_2^t}` and
        :math:`\eta \sqrt{1 - \beta_2^t} / (1 - \beta_1^t)`: the bias corrections, as
        the reference folds them in.
    n_decayed : int
        The L2 term :math:`\lambda \theta` (``cost_and_gradient``'s
        ``alpha / m * W``) applies to the first ``n_decayed`` entries, the weights.
    decay : scalar
        :math:`\lambda = \alpha / m` for this batch.
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
    r"""One RMSProp step with the L2 term, in place (``_optimizers.RMSProp.update``).

    .. math::
        g = d\theta + \lambda \theta_W, \quad
        s \leftarrow \beta_2 s + (1 - \beta_2) g^2, \quad
        \theta \leftarrow \theta - \eta \frac{g}{\sqrt{s} + \epsilon}

    Parameters are as in ``adam_step``; ``learning_rate`` is :math:`\eta`.
    """
    for i in range(param.size):
        g = _with_l2(grad, param, i, n_decayed, decay)
        s_i = beta_2 * s[i] + one_minus_beta_2 * (g * g)
        s[i] = s_i
        param[i] -= learning_rate * (g / (math.sqrt(s_i) + eps))


@_jit
def momentum_step(
    param, grad, v, beta_1, one_minus_beta_1, learning_rate, nesterov, n_decayed, decay
):  # fmt: skip
    r"""One momentum step with the L2 term, in place (``_optimizers.Momentum.update``).

    .. math::
        g = d\theta + \lambda \theta_W, \quad
        v \leftarrow \beta_1 v + (1 - \beta_1) g, \quad
        \theta \leftarrow \theta - \eta v
        \quad \text{or, with Nesterov,} \quad
        \theta \leftarrow \theta - \eta \beta_1 v - \eta (1 - \beta_1) g

    Parameters are as in ``adam_step``; ``learning_rate`` is :math:`\eta`.
    """
    for i in range(param.size):
        g = _with_l2(grad, param, i, n_decayed, decay)
        v_i = beta_1 * v[i] + one_minus_beta_1 * g
        v[i] = v_i
        if nesterov:  # the reference's two updates, in its order
            param[i] -= learning_rate * beta_1 * v_i
            param[i] -= learning_rate * one_minus_beta_1 * g
        else:
            param[i] -= learning_rate * v_i


@_jit
def bias_relu(Z, b):
    """``Z = max(Z + b, 0)``, in place (``Z += b``, then ``_activations.relu``).

    A NaN stays NaN, as with NumPy's maximum, so that a diverging run is still seen.

    Parameters
    ----------
    Z : ndarray of shape (m, n_l)
        ``A_prev @ W``, overwritten with ``A``.
    b : ndarray of shape (n_l,)
    """
    n_rows, n_units = Z.shape
    for i in range(n_rows):
        for j in range(n_units):
            z = Z[i, j] + b[j]
            Z[i, j] = 0 if z < 0 else z


@_jit
def relu_backward(A, dA):
    """``dZ = dA * 1{A > 0}``, written into ``dA`` (``_activations.relu_derivative``).

    A multiplication, not a choice, so that ``dA``'s NaN and inf give what the
    reference's do (inf * 0 is NaN).

    Parameters
    ----------
    A, dA : ndarray of shape (m, n_l)
    """
    n_rows, n_units = A.shape
    for i in range(n_rows):
        for j in range(n_units):
            dA[i, j] *= 1 if A[i, j] > 0 else 0


@_jit
def softmax_log_loss(Z, class_index, weights, weight):
    r"""Categorical cross-entropy of the logits, with ``Z`` overwritten by ``dZ[L]``
    (``_losses.categorical_log_loss_and_gradient`` with class indices).

    Per row, with :math:`c` its true class,
    :math:`\log \sum_k e^{z_k - \max z} - (z_c - \max z)`, weighted and summed; then
    :math:`dZ = w_i (\mathrm{softmax}(z) - \mathrm{onehot}(c))`.

    Parameters
    ----------
    Z : ndarray of shape (m, n_classes)
        The logits; overwritten.
    class_index : ndarray of shape (m, 1), integer
        Each row's true class, from 0 to ``n_classes - 1``: compiled loops check no
        bounds, and the classification head encodes no other.
    weights : ndarray of shape (m,) or (0,)
        Each row's factor ``w_i / sum(w)``; empty when every row has ``weight``.
    weight : scalar
        ``1 / m``, when ``weights`` is empty.

    Returns
    -------
    loss : float
    """
    n_rows, n_classes = Z.shape
    loss = 0.0
    for i in range(n_rows):
        w = weight if weights.size == 0 else weights[i]
        true_class = class_index[i, 0]
        row_max = Z[i, 0]
        for k in range(1, n_classes):
            if Z[i, k] > row_max:
                row_max = Z[i, k]
        true_logit = Z[i, true_class] - row_max
        exp_sum = 0.0
        for k in range(n_classes):
            e = math.exp(Z[i, k] - row_max)
            Z[i, k] = e
            exp_sum += e
        loss += w * (math.log(exp_sum) - true_logit)
        for k in range(n_classes):
            Z[i, k] = (Z[i, k] / exp_sum - (1 if k == true_class else 0)) * w
    return loss


@_jit
def sigmoid_log_loss(Z, Y, weights, weight):
    r"""Binary cross-entropy of each logit, with ``Z`` overwritten by ``dZ[L]``
    (``_losses.binary_log_loss_and_gradient``).

    Per entry, :math:`\log(1 + e^z) - y z = \max(z, 0) + \log(1 + e^{-|z|}) - y z`,
    weighted by row and summed; then :math:`dZ = w_i (\sigma(z) - y)`.

    Parameters
    ----------
    Z : ndarray of shape (m, n_labels)
        The logits; overwritten.
    Y : ndarray of shape (m, n_labels)
        Targets in {0, 1}.
    weights, weight :
        As in ``softmax_log_loss``.

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
            row_loss += max(z, 0.0) + math.log1p(e) - y * z
            probability = 1.0 / (1.0 + e) if z >= 0 else e / (1.0 + e)
            Z[i, k] = (probability - y) * w
        loss += w * row_loss
    return loss
