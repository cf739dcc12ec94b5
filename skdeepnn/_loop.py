"""The epoch loop: mini-batches -> cost and gradient -> step -> schedule -> record -> rules.

The loop knows nothing of scikit-learn or of the kind of target: it gets a training
``Step`` (the backend's, over a network whose loss the output head chose), the
encoded training data, the settings the estimator resolved, and the stopping rules
of ``_stopping``, which it asks in one line at each hook.
"""

import time

import numpy as np
from scipy import sparse
from sklearn.exceptions import ConvergenceWarning

from ._network import NonFiniteCost
from ._stopping import EpochLog, raise_diverged
from ._warnings import warn_fit_caller


class EpochLoop:
    """Train ``step``'s network on ``(X, Y, sample_weight)`` epoch by epoch, until a rule
    stops it.

    Parameters
    ----------
    step : Step
        The backend's training step: ``gradient`` of a batch, then ``update``.
    batches : MiniBatches
        The training data's batches.
    settings : Settings
    rules : list of StoppingRule
    validation : ValidationSet or None
    rng : numpy.random.Generator
        Draws dropout's masks.
    first_epoch : int, default=0
        Epochs already trained (warm start, partial_fit): the schedule goes on from it.

    Attributes
    ----------
    training : Training
        The record of the run.
    incremental : bool
        ``partial_fit``: exactly one epoch, and no stopping rule ends it early.
    stopped : bool
        Whether a rule (or an interrupt) ended the run before ``max_iter``.
    """

    def __init__(self, step, batches, settings, rules, validation, rng, first_epoch=0):
        self.step, self.network, self.optimizer = step, step.network, step.optimizer
        self.batches, self.settings, self.rules = batches, settings, rules
        self.validation, self.rng, self.first_epoch = validation, rng, first_epoch
        self.incremental = settings.incremental
        network = self.network
        self.training = Training(
            network.coefs, network.intercepts, self.optimizer, network.batch_norm
        )
        sample_weight = batches.sample_weight
        n_samples = batches.Y.shape[0]
        self.total_weight = n_samples if sample_weight is None else weight_sum(sample_weight)
        self.stopped = False

    @property
    def epochs(self):
        n_epochs = 1 if self.incremental else self.settings.max_iter
        return range(self.first_epoch + 1, self.first_epoch + n_epochs + 1)

    def run(self):
        """Train, then let the rules put back the weights to keep; returns the record."""
        for rule in self.rules:
            rule.on_train_begin(self)
        self.start_time = time.perf_counter()
        epoch = self.epochs[0]
        try:
            for epoch in self.epochs:
                if self._run_epoch(epoch):
                    break
        except KeyboardInterrupt:
            # The unfinished epoch is not recorded: n_iter_ and every curve count the
            # epochs that ended, as the printed ones do.
            n_completed = len(self.training.loss_curve)
            warn_fit_caller(
                f"Training interrupted (KeyboardInterrupt) during iteration {epoch}: "
                "the model keeps the weights reached so far; n_iter_ and the curves "
                f"count the {n_completed} iterations that ended.",
                UserWarning,
            )
            self.stopped = True
        self._finish()
        return self.training

    def evaluate(self):
        """The validation loss and score of the network as it stands."""
        return self.validation.evaluate(*self.network.inference(), self.network.activation)

    def _run_epoch(self, epoch):
        """One epoch of batches, its record, and the stopping rules; True to stop."""
        for rule in self.rules:
            rule.on_epoch_begin(self, epoch)
        scheduled = self.settings.learning_rate_of(epoch)
        if scheduled is not None:
            self.optimizer.learning_rate = scheduled
        loss, first_cost = self._train_batches(epoch)
        log = EpochLog(epoch, loss, first_cost)
        if self.validation is not None:
            log.val_loss, log.val_score = self.evaluate()
        # Recorded together, once the epoch is whole: an interrupt before leaves no trace.
        self.training.record(loss, self.optimizer.learning_rate)
        if self.validation is not None:
            self.training.record_validation(log.val_loss, log.val_score)
        self._report(log)
        reasons = [rule.on_epoch_end(self, log) for rule in self.rules]
        reasons = [reason for reason in reasons if reason is not None]
        for reason in reasons:
            self._say(reason)
        self.stopped = bool(reasons)
        return self.stopped

    def _train_batches(self, epoch):
        """One pass over the mini-batches; returns the epoch's mean cost and its first
        batch's cost."""
        step, rng = self.step, self.rng
        costs = step.epoch_costs()
        try:
            for X_batch, Y_batch, w_batch, batch_weight in self.batches.epoch():
                with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                    costs.add(step.gradient(X_batch, Y_batch, w_batch, rng), batch_weight)
                    step.update(batch_weight)
            loss = costs.mean(self.total_weight)  # a device's costs are read here, once
        except NonFiniteCost as error:
            learning_rate = self.settings.learning_rate
            raise_diverged(epoch, f"the loss became {error.cost:.4g}", learning_rate)
        if costs.first is None:  # batch norm skipped every batch
            raise ValueError(
                "batch_norm=True needs batches with at least 2 samples of non-zero "
                "sample_weight, and no batch of this epoch has them: use a larger batch_size."
            )
        if self.training.start_cost is None:
            self.training.start_cost = costs.first
        return loss, costs.first

    def _finish(self):
        """Let the rules put back the weights to keep, and warn about a run that did not
        settle."""
        network, settings = self.network, self.settings
        if network.batch_norm is not None:
            network.batch_norm.update_running = False
        for rule in self.rules:
            rule.on_train_end(self)
        # The last step can overflow the weights after the last cost was taken.
        if not network.all_finite():
            raise_diverged(
                self.first_epoch + len(self.training.loss_curve),
                "the weights overflowed",
                settings.learning_rate,
            )
        asked_for_max_iter = settings.n_iter_no_change == np.inf
        if not self.stopped and not self.incremental and not asked_for_max_iter:
            warn_fit_caller(
                f"{settings.estimator_name} reached max_iter={settings.max_iter} "
                f"iterations before the {settings.monitored} stopped improving; "
                "increase max_iter or learning_rate for a converged model.",
                ConvergenceWarning,
            )

    def _report(self, log):
        settings = self.settings
        if not settings.verbose:
            return
        every = 1 if settings.verbose > 1 or settings.solver != "gd" else 100
        if log.epoch % every != 0 and log.epoch != self.epochs[0]:
            return
        progress = ""
        if log.val_loss is not None:
            score_name = self.validation.head.score_name
            if self.validation.scorer is not None:
                score_name = "score"
            progress = f", validation loss = {log.val_loss:.6f}, {score_name} = {log.val_score:.4f}"
        elapsed = time.perf_counter() - self.start_time
        of, left = "", ""
        if not self.incremental:  # partial_fit's one epoch has no end to count down to
            done, last = log.epoch - self.first_epoch, self.epochs[-1]
            of = f"/{last}"
            # At the pace so far; an upper bound when a stopping rule may end it sooner.
            left = f", up to {_duration(elapsed / done * (last - log.epoch))} left"
        print(
            f"Iteration {log.epoch}{of}, loss = {log.loss:.8f}{progress}, learning rate = "
            f"{self.optimizer.learning_rate:.4g}, {_duration(elapsed)}{left}"
        )

    def _say(self, message):
        if self.settings.verbose:
            print(message)


def _duration(seconds):
    """``12.34 s`` or, from 100 seconds on, ``3.2 min``."""
    return f"{seconds:.2f} s" if seconds < 100 else f"{seconds / 60:.1f} min"


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
        # The first cost measured, at the weights the run started from (its first
        # batch's, for mini-batches): what a diverged run ends above.
        self.start_cost = None

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

    With ``rows``, only those rows of ``X`` train (early stopping's split of the
    data): each batch is gathered from them, so the training part of ``X`` is
    never copied out whole, except as the one batch of a full-batch fit.

    ``min_rows=2`` (batch normalization, which a single sample would normalize to
    zero) joins a last batch of one row to the batch before it, which then has
    ``batch_size + 1`` rows, and skips a batch with fewer than two samples of
    non-zero weight.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_rows, n_features)
    Y : ndarray of shape (n_samples, n_outputs)
        The training targets: ``Y[i]`` belongs to ``X[rows[i]]`` (to ``X[i]`` without
        ``rows``). So does ``sample_weight``, of shape (n_samples,) or None.
    batch_size : int
    rng : numpy.random.Generator or None
        Shuffles the samples before each epoch; None keeps their order.
    min_rows : int, default=1
    rows : ndarray of shape (n_samples,), optional
        The rows of ``X`` that train, in their training order.

    Attributes
    ----------
    X : ndarray or sparse matrix
        What the batches come from: the training rows alone, for a full batch.
    """

    def __init__(self, X, Y, sample_weight, batch_size, rng, min_rows=1, rows=None):
        self.Y, self.sample_weight = Y, sample_weight
        self.batch_size, self.min_rows = batch_size, min_rows
        self.rng, self.shuffle = rng, rng is not None
        n_samples = Y.shape[0]
        starts = list(range(0, n_samples, batch_size))
        if len(starts) > 1 and n_samples - starts[-1] < min_rows:
            starts.pop()
        self.bounds = list(zip(starts, starts[1:] + [n_samples], strict=True))
        max_rows = max(stop - start for start, stop in self.bounds)
        if rows is not None and batch_size >= n_samples:
            X, rows = X[rows], None  # the one full batch
        if sparse.issparse(X) and batch_size < n_samples:
            X = X.tocsr()  # rows of a CSC matrix cost a pass over all its entries
        self.rows = rows
        # Shuffling a single full batch would only reorder the sum over samples.
        self.gather = (self.shuffle or rows is not None) and batch_size < n_samples
        if self.gather:
            # 32-bit indices halve the one array of the rows' size that training adds;
            # the shuffle draws the same permutation whatever their dtype.
            index_dtype = np.int32 if n_samples <= np.iinfo(np.int32).max else np.intp
            self.indices = np.arange(n_samples, dtype=index_dtype)
            self.Y_buffer = np.empty((max_rows, Y.shape[1]), dtype=Y.dtype)
            if rows is not None:
                self.rows_buffer = np.empty(max_rows, dtype=rows.dtype)
            if not sparse.issparse(X):
                self.X_buffer = np.empty((max_rows, X.shape[1]), dtype=X.dtype)
        self.X = X

    def epoch(self):
        """Yield ``(X_batch, Y_batch, w_batch, batch_weight)``; skip zero-weight batches.

        ``w_batch`` is None without sample weights; ``batch_weight`` is the batch's
        number of samples or the sum of its weights.
        """
        if self.batch_size >= self.Y.shape[0]:
            yield from self._weighted(self.X, self.Y, slice(None))
            return
        if self.gather and self.shuffle:
            self.rng.shuffle(self.indices)
        for start, stop in self.bounds:
            if not self.gather:
                batch = slice(start, stop)
                yield from self._weighted(self.X[batch], self.Y[batch], batch)
                continue
            batch = self.indices[start:stop]  # the batch's samples
            n_rows = stop - start
            # mode="clip" skips a bounds check that would buffer the output.
            Y_batch = np.take(self.Y, batch, axis=0, out=self.Y_buffer[:n_rows], mode="clip")
            rows = batch
            if self.rows is not None:  # the samples' rows of X
                rows = np.take(self.rows, batch, out=self.rows_buffer[:n_rows], mode="clip")
            if sparse.issparse(self.X):
                X_batch = self.X[rows]
            else:
                X_batch = np.take(self.X, rows, axis=0, out=self.X_buffer[:n_rows], mode="clip")
            yield from self._weighted(X_batch, Y_batch, batch)

    def _weighted(self, X_batch, Y_batch, batch):
        """Yield the batch with its weights (those of the samples ``batch``), unless they
        are all zero."""
        if self.sample_weight is None:
            yield X_batch, Y_batch, None, X_batch.shape[0]
            return
        w_batch = self.sample_weight[batch]
        batch_weight = weight_sum(w_batch)
        # Zero-weight samples carry no gradient; batch norm also needs min_rows of
        # them with weight, or it normalizes one sample to zero.
        enough = self.min_rows == 1 or np.count_nonzero(w_batch) >= self.min_rows
        if batch_weight > 0 and enough:
            yield X_batch, Y_batch, w_batch, batch_weight


def weight_sum(sample_weight):
    """The sum of the weights, in float64: a float32 sum can overflow."""
    return float(sample_weight.sum(dtype=np.float64))
