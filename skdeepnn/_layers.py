r"""The course's network, one layer at a time: each forward step beside its local backward.

``[LINEAR -> g] x (L-1) -> LINEAR`` is a list of these objects (with dropout and
batch normalization as layers of their own when a fit asks for them), and
``_network.Network`` runs them forward, then back. Every layer has

- ``allocate(n_rows, dtype)``: its buffers for batches of up to ``n_rows`` rows, once
  per fit, so that no training step allocates;
- ``forward(A_prev, batch)``: its output, from the layer before's (one sample per row);
- ``backward(dA, batch)``: the gradient with respect to its input, from the gradient
  with respect to its output, writing the gradients of its own parameters.

``batch`` is the step's ``Batch``: its sample weights, random generator and rows.
The L2 term of the weights' gradients is not a layer's: ``_network.Network`` adds it
to all of them at once, over the packed vector. In the course's notation, with one
sample per **row** (the course puts one per column, so each product is transposed):

=========================  ==============================  ==========================
course                     here                            layer
=========================  ==============================  ==========================
``Z = W A_prev + b``       ``Z = A_prev @ W + b``          ``Linear.forward``
``dW = dZ A_prev^T / m``   ``A_prev.T @ dZ`` (dZ holds 1/m)  ``Linear.backward``
``db = sum(dZ) / m``       ``ones @ dZ``                   ``Linear.backward``
``dA_prev = W^T dZ``       ``dZ @ W.T``                    ``Linear.backward``
``A = g(Z)``               ``g(Z)``, in place              ``Activation.forward``
``dZ = dA * g'(Z)``        ``dA * g'(A)``                  ``Activation.backward``
``A = A * D / keep_prob``  the same                        ``Dropout.forward``
=========================  ==============================  ==========================
"""

import numpy as np
from scipy import sparse

from ._activations import ACTIVATIONS, DERIVATIVES


class Batch:
    """What every layer of one step may need besides its input.

    Attributes
    ----------
    sample_weight : ndarray of shape (m,) or None
        Weighs the rows in batch normalization's statistics.
    rng : numpy.random.Generator or None
        Draws dropout's masks; None turns dropout off (batch norm's statistics taken at
        the fitted weights).
    ones : ndarray of shape (m,)
        ``db = ones @ dZ``: BLAS sums a batch's rows several times faster than ``sum``.
    """

    __slots__ = ("sample_weight", "rng", "ones")

    def __init__(self, sample_weight, rng, ones):
        self.sample_weight, self.rng, self.ones = sample_weight, rng, ones


def product_into(A, B, out):
    """Write ``A @ B`` into ``out`` and return it.

    Only ``X``, the input layer, can be sparse; SciPy's product cannot write into
    ``out``, so its result is copied there.
    """
    if sparse.issparse(A):
        out[...] = A @ B
        return out
    return np.matmul(A, B, out=out)


class Linear:
    r"""The linear part of layer ``l``: :math:`Z^{[l]} = A^{[l-1]} W^{[l]} + b^{[l]}`.

    Backward, from :math:`dZ^{[l]}` (which already carries the ``1/m`` of the mean;
    the network adds the L2 term :math:`\frac{\alpha}{m} W^{[l]}` to :math:`dW^{[l]}`):

    .. math::
        dW^{[l]} = A^{[l-1]T} dZ^{[l]}, \quad
        db^{[l]} = \textstyle\sum_i dZ^{[l]}_i, \quad
        dA^{[l-1]} = dZ^{[l]} W^{[l]T}

    Parameters
    ----------
    W : ndarray of shape (n_{l-1}, n_l)
        The weights (a view of the packed parameters while training).
    b : ndarray of shape (n_l,)
    dW : ndarray of shape (n_{l-1}, n_l) or None
        Where ``backward`` writes the weights' gradient; None at prediction.
    db : ndarray of shape (n_l,) or None
        Where it writes the bias's; None when the bias is not trained.
    adds_bias : bool, default=True
        False when the layer after it adds the bias (a fused activation) or replaces it
        (batch normalization's ``beta``).
    first : bool, default=False
        The first layer: its input is ``X``, whose gradient nobody needs.
    """

    def __init__(self, W, b, dW=None, db=None, *, adds_bias=True, first=False):
        self.W, self.b, self.dW, self.db = W, b, dW, db
        self.adds_bias, self.first = adds_bias, first
        self.A_prev = None

    def allocate(self, n_rows, dtype):
        self.Z_buffer = np.empty((n_rows, self.W.shape[1]), dtype)
        if not self.first and self.dW is not None:
            self.dA_buffer = np.empty((n_rows, self.W.shape[0]), dtype)

    def forward(self, A_prev, batch):
        if self.dW is not None:  # training keeps the input for backward; prediction not
            self.A_prev = A_prev
        Z = product_into(A_prev, self.W, out=self.Z_buffer[: A_prev.shape[0]])
        if self.adds_bias:
            Z += self.b
        return Z

    def backward(self, dZ, batch):
        product_into(self.A_prev.T, dZ, out=self.dW)
        if self.db is not None:
            np.matmul(batch.ones, dZ, out=self.db)
        if self.first:
            return None
        return np.matmul(dZ, self.W.T, out=self.dA_buffer[: dZ.shape[0]])


class Activation:
    r"""A hidden layer's activation, in place: :math:`A = g(Z)`; backward
    :math:`dZ = dA \odot g'(Z)`, with ``g'`` read from ``A`` (``_activations``).

    Parameters
    ----------
    name : str
        A key of ``ACTIVATIONS``.
    """

    def __init__(self, name):
        self.name = name
        self.g, self.derivative = ACTIVATIONS[name], DERIVATIVES[name]
        self.A = None

    def allocate(self, n_rows, dtype):
        pass  # it works in its input's buffer

    def forward(self, Z, batch):
        self.A = self.g(Z)
        return self.A

    def backward(self, dA, batch):
        return self.derivative(self.A, dA)


class Dropout:
    r"""Inverted dropout (course 2, week 1): :math:`A \odot D / p`, ``D`` drawn per batch.

    Each entry of the mask is 0 with probability ``1 - p`` (the unit is dropped for
    that sample) and ``1 / p`` otherwise, so that the output keeps the expected value
    of ``A`` and nothing needs rescaling at prediction. Backward, a dropped unit
    passes no gradient: ``dA_in = dA * mask``.

    The output is written into a buffer of its own, leaving the activation's ``A``
    as it was: tanh's and sigmoid's derivatives read their unmasked output.

    Parameters
    ----------
    keep_prob : float
        ``p``, in (0, 1).
    n_units : int
    """

    def __init__(self, keep_prob, n_units):
        self.keep_prob, self.n_units = keep_prob, n_units

    def allocate(self, n_rows, dtype):
        self.mask_buffer = np.empty((n_rows, self.n_units), dtype)
        self.out_buffer = np.empty((n_rows, self.n_units), dtype)

    def forward(self, A, batch):
        if batch.rng is None:  # no generator: a pass at the fitted weights, without dropout
            self.mask = None
            return A
        self.mask = draw_mask(batch.rng, self.keep_prob, self.mask_buffer[: A.shape[0]])
        return np.multiply(A, self.mask, out=self.out_buffer[: A.shape[0]])

    def backward(self, dA, batch):
        dA *= self.mask
        return dA


def draw_mask(rng, keep_prob, out):
    """Fill ``out`` with an inverted-dropout mask: ``1 / keep_prob`` with probability
    ``keep_prob``, else 0."""
    rng.random(dtype=out.dtype, out=out)
    np.less(out, keep_prob, out=out)  # 1.0 where the unit is kept
    out *= 1 / keep_prob
    return out


class Normalization:
    r"""Batch normalization of hidden layer ``l`` (course 2, week 3), between its linear
    part and its activation: :math:`\tilde z = \gamma \hat z + \beta`.

    The parameters and statistics of every hidden layer live in one ``BatchNorm``
    (``_batch_norm``, where the forward and backward formulas are), which this layer
    runs for its own ``l``; ``beta`` takes the place of the linear layer's bias.

    Parameters
    ----------
    batch_norm : BatchNorm
    l : int
        The hidden layer, counted from 0.
    """

    def __init__(self, batch_norm, l):
        self.batch_norm, self.l = batch_norm, l

    def allocate(self, n_rows, dtype):
        pass  # BatchNorm keeps what it needs

    def forward(self, Z, batch):
        return self.batch_norm.forward(self.l, Z, batch.sample_weight)

    def backward(self, dZ, batch):
        return self.batch_norm.backward(self.l, dZ)
