"""What the training loop works with: its mini-batches and the record of a run."""

import numpy as np
from scipy import sparse


class Training:
    """What a run of the training loop produced: the weights, the curves, the optimizer."""

    def __init__(self, coefs, intercepts, optimizer, batch_norm=None):
        self.coefs, self.intercepts, self.optimizer = coefs, intercepts, optimizer
        self.batch_norm = batch_norm
        self.loss_curve, self.learning_rate_curve = [], []
        self.validation_loss_curve, self.validation_scores = [], []
        self.best_loss, self.best_iteration = np.inf, 0
        # The validation score at best_iteration, when early stopping monitors one.
        self.best_validation_score = None

    def record(self, loss, learning_rate=None):
        """Record an epoch; L-BFGS has no learning rate to record."""
        self.loss_curve.append(loss)
        if learning_rate is not None:
            self.learning_rate_curve.append(learning_rate)

    def record_validation(self, loss, score):
        self.validation_loss_curve.append(loss)
        self.validation_scores.append(score)


class MiniBatches:
    """The mini-batches of one training set, epoch after epoch, without copying ``X``.

    A single full batch is ``X`` itself; without shuffling, each batch is a view
    of ``X``. With shuffling, each epoch permutes an index and gathers every batch
    into buffers allocated once, so a yielded batch is valid only until the next.
    Sparse batches are gathered by SciPy, from CSR: a CSC ``X`` is converted once,
    since picking rows out of columns is slow.
    """

    def __init__(self, X, Y, sample_weight, batch_size, shuffle, rng):
        self.Y, self.sample_weight = Y, sample_weight
        self.batch_size = batch_size
        self.rng = rng
        # Shuffling a single full batch would only reorder the sum over samples.
        self.gather = shuffle and batch_size < X.shape[0]
        if sparse.issparse(X) and batch_size < X.shape[0]:
            X = X.tocsr()  # rows of a CSC matrix cost a pass over all its entries
        if self.gather:
            self.indices = np.arange(X.shape[0])
            self.Y_buffer = np.empty((batch_size, Y.shape[1]), dtype=Y.dtype)
            if not sparse.issparse(X):
                self.X_buffer = np.empty((batch_size, X.shape[1]), dtype=X.dtype)
        self.X = X

    def epoch(self):
        """Yield ``(X_batch, Y_batch, w_batch, batch_weight)``; skip zero-weight batches.

        ``w_batch`` is None without sample weights; ``batch_weight`` is the batch's
        number of samples or the sum of its weights.
        """
        n_samples = self.X.shape[0]
        if self.batch_size >= n_samples:
            yield from self._weighted(self.X, self.Y, slice(None))
            return
        if self.gather:
            self.rng.shuffle(self.indices)
        for start in range(0, n_samples, self.batch_size):
            stop = min(start + self.batch_size, n_samples)
            if not self.gather:
                rows = slice(start, stop)
                yield from self._weighted(self.X[rows], self.Y[rows], rows)
                continue
            rows = self.indices[start:stop]
            # mode="clip" skips a bounds check that would buffer the output.
            Y_batch = np.take(self.Y, rows, axis=0, out=self.Y_buffer[: stop - start], mode="clip")
            if sparse.issparse(self.X):
                X_batch = self.X[rows]
            else:
                X_batch = np.take(
                    self.X, rows, axis=0, out=self.X_buffer[: stop - start], mode="clip"
                )
            yield from self._weighted(X_batch, Y_batch, rows)

    def _weighted(self, X_batch, Y_batch, rows):
        """Yield the batch with its weights, unless they are all zero."""
        if self.sample_weight is None:
            yield X_batch, Y_batch, None, X_batch.shape[0]
            return
        w_batch = self.sample_weight[rows]
        batch_weight = weight_sum(w_batch)
        if batch_weight > 0:  # zero-weight samples carry no gradient
            yield X_batch, Y_batch, w_batch, batch_weight


def weight_sum(sample_weight):
    """The sum of the weights, in float64: a float32 sum can overflow."""
    return float(sample_weight.sum(dtype=np.float64))
