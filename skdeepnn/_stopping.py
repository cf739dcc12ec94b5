"""The rules that decide when training stops, each a small object the epoch loop asks in turn.

After every epoch the loop records the monitored quantity in ``NoImprovement``.
Once ``n_iter_no_change`` epochs in a row have not improved it by ``tol``, the
loop asks, in order, whether another rule keeps training going:
``AdaptiveLearningRate`` (divide the rate by 5 and try again) and ``Oscillation``
(full-batch "gd" whose loss still rises and falls). If neither does, training
stops. Two checkpoints keep weights to return at the end: ``BestWeights`` (early
stopping's best validation epoch) and ``LowestLoss`` ("gd"'s lowest exact cost).
``DivergenceGuard`` stops a run whose cost overflows or keeps rising far above
where it started.
"""

import numpy as np

#: What ``NoImprovement`` can monitor, lower is better: a loss, or minus a score.
QUANTITIES = ("training loss", "validation loss", "validation score")


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


class LowestLoss:
    """The weights at which "gd" measured its lowest exact cost, to end on them.

    Each cost is measured at the weights before that step's update, so the loop
    offers the weights here before it updates them.
    """

    def __init__(self):
        self.cost, self.params = np.inf, None

    def offer(self, cost, params):
        if cost < self.cost:
            self.cost = cost
            if self.params is None:
                self.params = np.empty_like(params)
            np.copyto(self.params, params)

    def restore(self, params):
        if self.params is not None:
            np.copyto(params, self.params)


class BestWeights:
    """Early stopping's checkpoint: the weights (and batch norm's running statistics)
    of the best validation epoch, put back when training ends."""

    def __init__(self):
        self.params = self.running = None

    def save(self, params, batch_norm=None):
        self.params = params.copy()
        self.running = None if batch_norm is None else batch_norm.copy_running()

    @property
    def saved(self):
        return self.params is not None

    def restore(self, params, batch_norm=None):
        np.copyto(params, self.params)  # coefs and intercepts are views of params
        if batch_norm is not None:
            batch_norm.restore_running(self.running)


class DivergenceGuard:
    """Stops a run that has diverged, with an error that names the iteration.

    Two signs, and nothing else, count as divergence:

    - a batch's cost that is no longer finite (the weights overflowed): the run
      stops at once;
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

    def check_cost(self, cost, iteration):
        """Raise if a batch's cost is not finite; the first sets the limit."""
        if not np.isfinite(cost):
            raise_diverged(iteration, f"the loss became {cost:.4g}", self.learning_rate)
        if self.limit is None:
            self.limit = self.FACTOR * max(cost, 1.0)

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


def raise_diverged(iteration, what, learning_rate=None):
    """Raise the ValueError of a diverged run; ``learning_rate`` None for L-BFGS."""
    fix = "scaled inputs (e.g. StandardScaler in a Pipeline)"
    if learning_rate is not None:
        fix = f"a smaller learning_rate (got {learning_rate:g}) or {fix}"
    raise ValueError(f"Training diverged at iteration {iteration}: {what}. Try {fix}.")
