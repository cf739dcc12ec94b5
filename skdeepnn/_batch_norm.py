r"""Batch normalization of the hidden layers (course 2, week 3).

In training, each hidden layer normalizes its ``Z`` over the rows of the batch,
then scales and shifts it with the learned ``gamma`` and ``beta`` before the
activation; ``beta`` takes over the role of the bias ``b``, which is dropped:

.. math::
    \mu = \sum_i p_i z^{(i)}, \quad \sigma^2 = \sum_i p_i (z^{(i)} - \mu)^2, \quad
    \hat z^{(i)} = \frac{z^{(i)} - \mu}{\sqrt{\sigma^2 + \varepsilon}}, \quad
    \tilde z^{(i)} = \gamma \hat z^{(i)} + \beta

with ``p_i = 1/m``, or ``w_i / sum(w)`` with sample weights (a sample of weight 0
then changes nothing). Exponentially weighted averages of ``mu`` and ``sigma^2``
over the batches stand in for them at prediction, where the normalization is an
affine map that ``fold`` merges into ``W`` and ``b``.
"""

import numpy as np

from ._namespace import empty_like, numpy_dtype, to_numpy, xp_of

#: The course's epsilon in ``sqrt(sigma^2 + epsilon)``: keeps a unit that is
#: constant over a batch from dividing by zero.
EPSILON = 1e-5

#: What the whole training set's statistics count as in ``n_updates``: a long
#: average, which later mini-batches move at the full momentum, not replace.
WHOLE_SET_UPDATES = 10**6


class BatchNorm:
    """The batch-normalization parameters and statistics of every hidden layer.

    Parameters
    ----------
    gammas, betas : list of L - 1 ndarrays of shape (n_l,)
        The learned scale and shift, updated in place by the optimizer.
    running_means, running_vars : list of L - 1 ndarrays of shape (n_l,)
        The averages used at prediction, updated in place while training.
    momentum : float or None
        The weight of the old average in each update of the running statistics
        (the course's beta): ``running = momentum * running + (1 - momentum) * batch``.
        None when the statistics will not be updated (prediction).
    n_updates : int, default=0
        The updates the running statistics have had. The first ones use a smaller
        momentum, ``n_updates / (n_updates + 1)``, so that the averages start as
        the plain mean of the batches seen, not pulled towards their initial
        values (the role of the course's bias correction).

    Attributes
    ----------
    dgammas, dbetas : list of L - 1 ndarrays of shape (n_l,)
        The gradients that ``backward`` writes; may be replaced by views of a
        packed gradient vector.
    update_running : bool
        Whether ``forward`` updates the running statistics (the training loop
        sets it; a gradient check leaves them alone).
    """

    def __init__(self, gammas, betas, running_means, running_vars, momentum, n_updates=0):
        self.gammas, self.betas = gammas, betas
        self.running_means, self.running_vars = running_means, running_vars
        self.momentum, self.n_updates = momentum, n_updates
        self.dgammas = [empty_like(gamma) for gamma in gammas]  # of any namespace
        self.dbetas = [empty_like(beta) for beta in betas]
        self.update_running = False
        self._exact = False  # set by take_statistics_of
        # What forward keeps for backward: each layer's Z_hat and 1 / sqrt(var + eps),
        # and the rows' weights p_i (None for 1/m) with the sample weights they are of.
        self._normalized = [None] * len(gammas)
        self._inv_stds = [None] * len(gammas)
        self._p = self._p_of = None

    @classmethod
    def initial(cls, hidden_sizes, momentum, dtype):
        """Identity scale and shift, and the running statistics of a standard normal."""
        return cls(
            [np.ones(n, dtype) for n in hidden_sizes],
            [np.zeros(n, dtype) for n in hidden_sizes],
            [np.zeros(n, dtype) for n in hidden_sizes],
            [np.ones(n, dtype) for n in hidden_sizes],
            momentum,
        )

    def copy(self, dtype=None):
        """A BatchNorm with copies of the parameters and statistics (in ``dtype``, if given)."""

        def copies(arrays):  # on the host: a device's are read back
            return [np.array(to_numpy(a), dtype=dtype or numpy_dtype(a)) for a in arrays]

        return BatchNorm(
            copies(self.gammas),
            copies(self.betas),
            copies(self.running_means),
            copies(self.running_vars),
            self.momentum,
            self.n_updates,
        )

    def copy_running(self):
        """Copies of the running statistics and their count, for ``restore_running``."""
        means = [mean.copy() for mean in self.running_means]
        return means, [var.copy() for var in self.running_vars], self.n_updates

    def restore_running(self, running):
        """Put back running statistics that ``copy_running`` saved (early stopping's best)."""
        means, variances, self.n_updates = running
        for kept, saved in zip(
            self.running_means + self.running_vars, means + variances, strict=True
        ):
            np.copyto(kept, saved)

    def take_statistics_of(self, forward):
        """Set the running statistics to the batch statistics of one call of ``forward()``.

        When every step used the whole training set (full-batch gd, L-BFGS), its
        statistics at the final weights are exactly what training normalized
        with, where an average would lag behind the last steps (or, for L-BFGS,
        mix in the trial points of its line searches).
        """
        self.update_running, self._exact = True, True
        try:
            forward()
        finally:
            self.update_running, self._exact = False, False

    def forward(self, l, Z, sample_weight=None):
        """Normalize hidden layer ``l``'s ``Z`` (0-based) in place into ``gamma * Z_hat + beta``.

        Parameters
        ----------
        l : int
            The hidden layer, from 0.
        Z : ndarray of shape (m, n_l)
            ``A_prev @ W``, overwritten.
        sample_weight : ndarray of shape (m,), optional
        """
        m = Z.shape[0]
        # The sums accumulate in float64: in float32 the mean of a large batch of
        # off-centre values loses its low digits, and the variance with it.
        if sample_weight is None:
            self._p = self._p_of = None
            mean = Z.mean(axis=0, dtype=np.float64).astype(Z.dtype)
            Z -= mean
            var = np.einsum("ij,ij->j", Z, Z, dtype=np.float64) / m
            effective_m = m
        else:
            if self._p_of is not sample_weight:  # once per batch, not per layer
                p = sample_weight / sample_weight.sum(dtype=np.float64)
                self._p, self._p_of = p.astype(Z.dtype), sample_weight
            mean = np.einsum("i,ij->j", self._p, Z, dtype=np.float64).astype(Z.dtype)
            Z -= mean
            var = np.einsum("i,ij,ij->j", self._p, Z, Z, dtype=np.float64)
            effective_m = 1 / float(np.square(self._p, dtype=np.float64).sum())
        var = var.astype(Z.dtype)
        inv_std = 1 / np.sqrt(var + EPSILON)
        Z *= inv_std
        normalized = self._normalized[l]
        if normalized is None or normalized.shape[0] < m:
            normalized = self._normalized[l] = np.empty_like(Z)
        np.copyto(normalized[:m], Z)
        self._inv_stds[l] = inv_std
        Z *= self.gammas[l]
        Z += self.betas[l]
        if self.update_running:
            self._update_running(l, mean, var, effective_m)
        return Z

    def _update_running(self, l, mean, var, effective_m):
        """Move layer ``l``'s running statistics towards this batch's.

        The batch variance divides by the batch's size; the running one estimates
        the variance of the whole population, so it takes the batch's unbiased
        variance (Bessel's correction, with the effective size ``1 / sum(p_i^2)`` of
        weighted rows). A batch of one row (or one weighted row) has no spread to
        learn from and leaves them as they are.
        """
        if self._exact:
            np.copyto(self.running_means[l], mean)
            np.copyto(self.running_vars[l], var)
            self.n_updates = max(self.n_updates, WHOLE_SET_UPDATES)
            return
        if effective_m < 1 + 1e-9:
            return
        keep = min(self.momentum, self.n_updates / (self.n_updates + 1))
        self.running_means[l] *= keep
        self.running_means[l] += (1 - keep) * mean
        self.running_vars[l] *= keep
        self.running_vars[l] += (1 - keep) * effective_m / (effective_m - 1) * var
        if l == len(self.gammas) - 1:  # every layer has had this batch
            self.n_updates += 1

    def backward(self, l, dZ_tilde):
        r"""Turn ``dZ_tilde`` into ``dZ`` in place, writing ``dgamma`` and ``dbeta``.

        .. math::
            d\beta = \sum_i d\tilde z^{(i)}, \quad
            d\gamma = \sum_i d\tilde z^{(i)} \hat z^{(i)}, \quad
            dz^{(i)} = \frac{\gamma}{\sqrt{\sigma^2 + \varepsilon}}
                \left(d\tilde z^{(i)} - p_i\, d\beta - p_i\, \hat z^{(i)} d\gamma\right)

        Parameters
        ----------
        l : int
            The hidden layer, from 0; ``forward`` must have run on this batch.
        dZ_tilde : ndarray of shape (m, n_l)
            The gradient with respect to ``gamma * Z_hat + beta``, overwritten.
        """
        m = dZ_tilde.shape[0]
        dbeta = dZ_tilde.sum(axis=0, out=self.dbetas[l])
        correction = self._normalized[l][:m]  # Z_hat, used up here
        dgamma = np.einsum("ij,ij->j", dZ_tilde, correction, out=self.dgammas[l])
        correction *= dgamma
        correction += dbeta
        if self._p is None:
            correction *= 1 / m
        else:
            correction *= self._p[:, None]
        dZ_tilde -= correction
        dZ_tilde *= self.gammas[l] * self._inv_stds[l]
        return dZ_tilde

    def fold(self, coefs, intercepts):
        """The network for prediction, with each normalization merged into ``W`` and ``b``.

        With the running statistics, ``gamma * (Z - mean) / sqrt(var + eps) + beta``
        is ``A_prev @ (W * scale) + (beta - mean * scale)``, ``scale = gamma /
        sqrt(var + eps)``: one matrix product per layer, as without normalization.

        Returns
        -------
        coefs, intercepts : lists of L ndarrays
            New arrays for the hidden layers; the output layer's are the same.
        """
        coefs, intercepts = list(coefs), list(intercepts)
        for l, (gamma, beta, mean, var) in enumerate(
            zip(self.gammas, self.betas, self.running_means, self.running_vars, strict=True)
        ):
            scale = gamma / xp_of(var).sqrt(var + EPSILON)  # on var's device, if not NumPy's
            coefs[l] = coefs[l] * scale
            intercepts[l] = beta - mean * scale
        return coefs, intercepts
