"""The rules that decide when training stops, behind one interface the epoch loop asks.

Every rule is a ``StoppingRule``: the loop calls ``on_train_begin`` once, then for each
epoch ``on_epoch_begin`` and ``on_epoch_end`` (which returns the reason to stop, or
None), and ``on_train_end`` once, on every rule in one line each (Keras's callbacks
are the model). The rules:

- ``DivergenceGuard`` stops a run whose loss keeps rising far above where it started
  (and, batch by batch, one whose cost is no longer finite);
- ``LowestLoss`` keeps the weights of "gd"'s lowest exact cost, to end on them, and
  tells a loss that still oscillates from one that has settled;
- ``Patience`` counts the epochs in a row whose monitored quantity did not improve
  by ``tol`` (``NoImprovement``); once ``n_iter_no_change`` have passed, it stops,
  unless ``AdaptiveLearningRate`` (divide the rate by 5 and try again) or
  ``LowestLoss`` (still oscillating) keeps training going. Monitoring a validation
  set, it owns early stopping's checkpoint, ``BestWeights``;
- ``CallbackStop`` opens and closes each epoch's callback task, and stops when a
  callback asks.
"""

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from ._namespace import empty_like
from ._warnings import warn_fit_caller

#: What ``NoImprovement`` can monitor, lower is better: a loss, or minus a score.
QUANTITIES = ("training loss", "validation loss", "validation score")


class EpochLog:
    """What one epoch measured, as every rule's ``on_epoch_end`` is given it.

    Attributes
    ----------
    epoch : int
        Counted from 1 over the model's whole training (warm starts go on counting).
    loss : float
        The epoch's training loss (the weighted mean of its batches' costs).
    first_cost : float
        The cost of its first batch, taken at the weights the epoch started from.
    val_loss, val_score : float or None
        On the validation set, when there is one.
    """

    __slots__ = ("epoch", "loss", "first_cost", "val_loss", "val_score")

    def __init__(self, epoch, loss, first_cost, val_loss=None, val_score=None):
        self.epoch, self.loss, self.first_cost = epoch, loss, first_cost
        self.val_loss, self.val_score = val_loss, val_score


class StoppingRule:
    """The one interface of the rules: four hooks, each doing nothing by default.

    ``loop`` is the ``EpochLoop`` that runs them: its ``network``, ``optimizer``,
    ``training`` record, ``settings`` and ``first_epoch``.
    """

    def on_train_begin(self, loop):
        """Before the first epoch."""

    def on_epoch_begin(self, loop, epoch):
        """Before the batches of ``epoch``."""

    def on_epoch_end(self, loop, log):
        """After ``log.epoch`` was recorded; returns the reason to stop, or None."""
        return None

    def on_train_end(self, loop):
        """After the last epoch: put back the weights to keep."""


class NoImprovement:
    """Counts the epochs in a row whose monitored quantity did not improve by ``tol``.

    A validation score is monitored with the validation loss as a tie-breaker: a
    score that stays within ``tol`` of the best while the loss falls by ``tol`` is
    progress, and the lower loss makes the better of two epochs whose scores are
    within ``tol`` of each other. Accuracy,
    say, often stays flat for the first epochs while the network learns (every
    sample still on one side of the threshold); without the tie-breaker, training
    would stop there and keep the first epoch's weights.

    Parameters
    ----------
    quantity : {"training loss", "validation loss", "validation score"}
    tol : float
        The least improvement that counts.
    patience : int or inf
        ``n_iter_no_change``: how many epochs without improvement exhaust it.

    Attributes
    ----------
    best : float
        The best value seen, as a loss (a score is negated): lower is better.
    best_tie : float
        With a score, the validation loss of the best epoch.
    epochs_without_improvement : int
    """

    def __init__(self, quantity, tol, patience):
        if quantity not in QUANTITIES:
            raise ValueError(f"quantity must be one of {QUANTITIES}; got {quantity!r}.")
        self.quantity, self.tol, self.patience = quantity, tol, patience
        self.best = self.best_tie = np.inf
        self.epochs_without_improvement = 0

    def value(self, loss, val_loss=None, val_score=None):
        """The monitored value of an epoch, lower is better."""
        if self.quantity == "training loss":
            return loss
        return val_loss if self.quantity == "validation loss" else -val_score

    def update(self, value, val_loss=None):
        """Count the epoch whose monitored value is ``value``; True when it is a new best.

        With a score, ``val_loss`` breaks ties. A value that is not finite (an
        overflowed loss, or a score undefined on the validation set) never improves.
        """
        if not np.isfinite(value):  # an overflowed loss or an undefined score
            self.epochs_without_improvement += 1
            return False
        tie = 0.0
        if self.quantity == "validation score":
            tie = val_loss if val_loss is not None and np.isfinite(val_loss) else np.inf
        improved = value <= self.best - self.tol
        # A score within tol of the best ties with it: a weighted score can wobble
        # far below tol from epoch to epoch while the loss still falls.
        tied = self.quantity == "validation score" and value <= self.best + self.tol
        steady_and_lower = tied and tie <= self.best_tie - self.tol < np.inf
        if improved or steady_and_lower:
            self.epochs_without_improvement = 0
        else:
            self.epochs_without_improvement += 1
        if tied:  # clearly better; or as good and lower on the loss; or better, no worse on it
            new_best = (
                value < self.best - self.tol
                or tie < self.best_tie
                or (value < self.best and tie <= self.best_tie)
            )
        else:
            new_best = value < self.best
        self.best = min(self.best, value)
        if new_best:
            self.best_tie = tie
        return new_best

    @property
    def exhausted(self):
        return self.epochs_without_improvement >= self.patience

    def restart(self):
        """Wait another ``patience`` epochs (after the learning rate was lowered)."""
        self.epochs_without_improvement = 0


class AdaptiveLearningRate:
    """``lr_schedule="adaptive"``: when the loss stalls, divide the learning rate by 5.

    As scikit-learn's MLP, training stops only once the rate has fallen to
    ``MIN_LEARNING_RATE`` or below (a rate of 1.6e-6 is divided once more, to 3.2e-7).
    """

    FACTOR = 5
    MIN_LEARNING_RATE = 1e-6

    def keeps_going(self, optimizer, no_improvement):
        """Lower the optimizer's rate and restart the count; False when it is already tiny."""
        if optimizer.learning_rate <= self.MIN_LEARNING_RATE:
            return False
        optimizer.learning_rate /= self.FACTOR
        no_improvement.restart()
        return True

    def extends(self, loop, no_improvement):
        """``Patience``'s question, once it is exhausted: train on at a lower rate?"""
        return self.keeps_going(loop.optimizer, no_improvement)


class Oscillation:
    """Full-batch "gd": a loss that still moves by more than ``tol`` has not converged.

    "gd" records the exact cost at the weights of each step, which a small enough
    step always lowers. A loss that moves by more than ``tol`` between iterations
    without beating its best has not levelled off: the steps overshoot and the
    loss oscillates, often for a while only (a logistic loss flattens as its
    sigmoids saturate). Stopping there would return a transient, so such a run
    goes on, until ``PATIENCE_FACTOR * patience`` iterations have passed without a
    new lowest loss (a network can oscillate at the edge of stability for good).

    Parameters
    ----------
    patience : int
        ``n_iter_no_change``: the changes examined, and the unit of the wait.
    tol : float
    dtype : numpy dtype
        Of the cost: changes within its rounding error do not count as moving.
    """

    PATIENCE_FACTOR = 20

    def __init__(self, patience, tol, dtype):
        self.patience, self.tol, self.dtype = patience, tol, dtype
        self.oscillating = False

    def _least_move(self, loss):
        """The least change of ``loss`` that counts: ``tol``, or its rounding error."""
        return max(self.tol, 64 * np.finfo(self.dtype).eps * abs(loss))

    def still_moving(self, loss_curve):
        """Whether the loss changed by more than ``tol`` in one of its last ``patience`` steps."""
        changes = np.abs(np.diff(loss_curve[-(self.patience + 1) :]))
        return bool(np.any(changes > self._least_move(loss_curve[-1])))

    def above_lowest(self, loss, lowest):
        """Whether ``loss`` (the last) is above the ``lowest`` by more than ``tol`` and
        rounding: a run that ends there at ``max_iter`` was still oscillating."""
        return bool(loss - lowest > self._least_move(loss))

    def keeps_going(self, loss_curve, epochs_since_lowest):
        """True while the loss still moves and the wait is not over; marks ``oscillating``."""
        if not self.still_moving(loss_curve):
            return False
        if epochs_since_lowest < self.PATIENCE_FACTOR * self.patience:
            return True
        self.oscillating = True
        return False


class LowestLoss(StoppingRule):
    """The weights at which "gd" measured its lowest exact cost, to end on them.

    Full-batch "gd" (and "sgd" whose one batch holds every sample) without dropout
    records the exact cost of each step, measured at the weights before that step's
    update: the rule copies them as the epoch begins and keeps them if the epoch's
    cost is the lowest. It also owns the ``Oscillation`` test, which keeps such a run
    going while its loss still rises and falls, and warns when it ends that way.
    """

    def __init__(self):
        self.cost, self.params = np.inf, None
        self.oscillation = self._before = None

    def offer(self, cost, params):
        if cost < self.cost:
            self.cost = cost
            if self.params is None:
                self.params = empty_like(params)
            self.params[...] = params

    def restore(self, params):
        if self.params is not None:
            params[...] = self.params

    def on_train_begin(self, loop):
        settings, params = loop.settings, loop.network.params
        self.oscillation = Oscillation(settings.n_iter_no_change, settings.tol, loop.network.dtype)
        self._before = empty_like(params)

    def on_epoch_begin(self, loop, epoch):
        self._before[...] = loop.network.params

    def on_epoch_end(self, loop, log):
        self.offer(log.first_cost, self._before)  # the one batch's cost, before its step
        return None

    def extends(self, loop, no_improvement):
        """``Patience``'s question, once it is exhausted: is the loss still moving?"""
        training = loop.training
        epochs_since_lowest = len(training.loss_curve) + loop.first_epoch - training.best_iteration
        return self.oscillation.keeps_going(training.loss_curve, epochs_since_lowest)

    def on_train_end(self, loop):
        training, n_epochs = loop.training, len(loop.training.loss_curve)
        if training.best_iteration != loop.first_epoch + n_epochs:  # not ended on the lowest
            self.restore(loop.network.params)  # the weights best_loss_ was measured at
            if not loop.stopped and not loop.incremental:
                # Ended above its lowest loss by more than tol and rounding: oscillating.
                self.oscillation.oscillating = self.oscillation.above_lowest(
                    training.loss_curve[-1], training.best_loss
                )
        if self.oscillation.oscillating:
            warn_fit_caller(
                f"{loop.settings.estimator_name}'s training loss still oscillates after "
                f"{n_epochs} iterations: the steps overshoot. The model keeps the weights of "
                f"iteration {training.best_iteration}, with the lowest loss "
                f"({training.best_loss:.6g}). Lower learning_rate or scale the inputs "
                "(e.g. StandardScaler in a Pipeline).",
                ConvergenceWarning,
            )
            loop.stopped = True  # warned


class BestWeights:
    """Early stopping's checkpoint: the weights (and batch norm's running statistics)
    of the best validation epoch, put back when training ends."""

    def __init__(self):
        self.params = self.running = None

    def save(self, params, batch_norm=None):
        self.params = empty_like(params)
        self.params[...] = params
        self.running = None if batch_norm is None else batch_norm.copy_running()

    @property
    def saved(self):
        return self.params is not None

    def restore(self, params, batch_norm=None):
        params[...] = self.params  # coefs and intercepts are views of params
        if batch_norm is not None:
            batch_norm.restore_running(self.running)


class DivergenceGuard(StoppingRule):
    """Stops a run that has diverged, with an error that names the iteration.

    Two signs, and nothing else, count as divergence:

    - a batch's cost that is no longer finite (the weights overflowed): the epoch
      loop stops at once, with ``raise_diverged``;
    - an epoch loss that rises for ``PATIENCE`` epochs in a row while above
      ``FACTOR`` times the starting loss (or ``FACTOR``, if that was below 1): the
      steps keep going uphill. The starting loss is the first batch's cost, taken
      at the weights training starts from: a first epoch that already blew up
      (a loss of 1e213 from inputs in the thousands) is measured against where it
      started, not against itself.

    A loss that is merely large is not a sign: a cross-entropy computed from the
    logits is unbounded, and at a high learning rate the first epochs' losses can
    be in the thousands and still fall to a good model (standardized digits at
    ``learning_rate=10``). Nor is one batch's cost against another's: with a
    heavy-tailed regression target, batches differ by orders of magnitude. Nor is a
    loss that jumps from almost nothing to little, as Adam's first steps do from a
    perfect start: the floor of 1 keeps such a jump (1e-13 to 1e-7) from looking
    like a rise of a million times. A run that really diverges rises without
    bound, and overflows soon after the floor if not before.
    """

    FACTOR = 1e4
    PATIENCE = 3

    def __init__(self, learning_rate):
        self.learning_rate = learning_rate
        self.limit, self.previous, self.epochs_rising = None, np.inf, 0

    def on_epoch_end(self, loop, log):
        if self.limit is None:  # the first batch's cost, before any step
            self.limit = self.FACTOR * max(log.first_cost, 1.0)
        self.check_epoch(log.loss, log.epoch)
        return None

    def check_epoch(self, loss, iteration):
        """Raise once the epoch loss has risen, far above the start, long enough."""
        if self.limit is None:  # no batch cost was offered: the first epoch's loss
            self.limit = self.FACTOR * max(loss, 1.0)
        rising, self.previous = loss > self.previous, loss
        self.epochs_rising = self.epochs_rising + 1 if rising and loss > self.limit else 0
        if self.epochs_rising >= self.PATIENCE:
            raise_diverged(
                iteration,
                f"the loss ({loss:.4g}) has risen for {self.PATIENCE} iterations in a row "
                f"above {self.limit:.4g}, {self.FACTOR:g} times the starting loss",
                self.learning_rate,
            )


class Patience(StoppingRule):
    """Stop once ``n_iter_no_change`` epochs in a row have not improved the monitored
    quantity by ``tol``, unless one of ``extensions`` keeps training going.

    It records the best epoch in the loop's ``training`` (``best_iteration``,
    ``best_loss``, ``best_validation_score``). Monitoring a validation set (early
    stopping), it keeps that epoch's weights in its checkpoint and puts them back
    at the end; going on from fitted weights (warm start), those count as the best
    until an epoch beats them.

    Parameters
    ----------
    no_improvement : NoImprovement
    extensions : list
        Parts with ``extends(loop, no_improvement)``, asked in order once the patience
        is exhausted (``AdaptiveLearningRate``, ``LowestLoss``).
    checkpoint : BestWeights or None
        Early stopping's; None when the training loss is monitored.
    """

    def __init__(self, no_improvement, extensions=(), checkpoint=None):
        self.no_improvement, self.extensions = no_improvement, list(extensions)
        self.checkpoint = checkpoint
        self.warned_nan = False

    def on_train_begin(self, loop):
        if self.checkpoint is None or loop.first_epoch == 0:
            return
        val_loss, val_score = loop.evaluate()
        self.no_improvement.update(self.no_improvement.value(None, val_loss, val_score), val_loss)
        self.no_improvement.restart()
        self._new_best(loop, loop.first_epoch, val_loss, val_score)

    def on_epoch_end(self, loop, log):
        no_improvement = self.no_improvement
        monitored = no_improvement.value(log.loss, log.val_loss, log.val_score)
        if np.isnan(monitored) and not self.warned_nan:
            self.warned_nan = True
            self._warn_nan(loop, log.epoch)
        if no_improvement.update(monitored, log.val_loss):
            loss = log.loss if self.checkpoint is None else log.val_loss
            self._new_best(loop, log.epoch, loss, log.val_score)
        if loop.incremental or not no_improvement.exhausted:
            return None
        if any(part.extends(loop, no_improvement) for part in self.extensions):
            return None
        return (
            f"{no_improvement.quantity.capitalize()} did not improve more than "
            f"tol={loop.settings.tol} for {loop.settings.n_iter_no_change} consecutive "
            "iterations. Stopping."
        )

    def on_train_end(self, loop):
        if self.checkpoint is not None and self.checkpoint.saved:
            self.checkpoint.restore(loop.network.params, loop.network.batch_norm)

    def _new_best(self, loop, epoch, loss, val_score):
        loop.training.best_iteration, loop.training.best_loss = epoch, loss
        if self.checkpoint is not None:  # keep the best weights to return at the end
            loop.training.best_validation_score = val_score
            self.checkpoint.save(loop.network.params, loop.network.batch_norm)

    def _warn_nan(self, loop, epoch):
        if self.no_improvement.quantity == "validation score":
            what = f"validation score ({loop.settings.scoring_name!r})"
            why = "a validation set with a single class, for instance, has no ROC AUC"
        else:
            what = self.no_improvement.quantity
            why = "it overflowed: scale the inputs, the targets or the sample weights"
        warn_fit_caller(
            f"The {what} is NaN at iteration {epoch}: it cannot be monitored ({why}).",
            UserWarning,
        )


class CallbackStop(StoppingRule):
    """scikit-learn's callbacks: each epoch is a task of theirs, and they may stop training.

    Parameters
    ----------
    tasks : FitTasks
    model_after : callable
        ``ModelView.after``: ``model_after(n_epochs)`` is what a callback task is given.
    """

    def __init__(self, tasks, model_after):
        self.tasks, self.model_after = tasks, model_after

    def on_epoch_begin(self, loop, epoch):
        self.tasks.begin_epoch(self.model_after(epoch - 1))

    def on_epoch_end(self, loop, log):
        if self.tasks.end_epoch(self.model_after(log.epoch)):
            return f"A callback asked training to stop after iteration {log.epoch}."
        return None


def raise_diverged(iteration, what, learning_rate=None):
    """Raise the ValueError of a diverged run; ``learning_rate`` None for L-BFGS."""
    fix = "scaled inputs (e.g. StandardScaler in a Pipeline)"
    if learning_rate is not None:
        fix = f"a smaller learning_rate (got {learning_rate:g}) or {fix}"
    raise ValueError(f"Training diverged at iteration {iteration}: {what}. Try {fix}.")
