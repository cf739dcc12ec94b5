"""The epoch loop: mini-batches -> cost and gradient -> optimizer step -> record -> stopping.

The loop knows nothing of scikit-learn or of the kind of target: it gets a
``TrainableNetwork`` (whose loss the output head chose), the encoded training
data, the settings the estimator resolved, and the stopping rules of
``_stopping``. Callbacks see the model after each epoch through ``describe``,
which the estimator provides.
"""

import time
from dataclasses import dataclass

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from ._schedules import scheduled_learning_rate
from ._stopping import (
    AdaptiveLearningRate,
    BestWeights,
    DivergenceGuard,
    LowestLoss,
    NoImprovement,
    Oscillation,
    raise_diverged,
)
from ._training import MiniBatches, Training, weight_sum
from ._warnings import warn_fit_caller


@dataclass(frozen=True)
class Settings:
    """What the estimator's hyperparameters resolve to for one fit."""

    estimator_name: str
    solver: str
    learning_rate: float
    batch_size: int
    max_iter: int
    tol: float
    n_iter_no_change: int
    shuffle: bool
    verbose: int
    early_stopping: bool
    scoring_name: object
    lr_schedule: str
    schedule_options: dict
    max_fun: int
    optimizer_options: dict

    def learning_rate_of(self, epoch):
        """The scheduled rate of ``epoch`` (counted from 1); None for "adaptive"."""
        if self.lr_schedule == "adaptive":
            return None
        return scheduled_learning_rate(
            self.lr_schedule, self.learning_rate, epoch - 1, **self.schedule_options
        )


def settings_of(estimator, n_samples):
    """The engine's ``Settings`` from an estimator's hyperparameters, for ``n_samples``."""
    return Settings(
        estimator_name=type(estimator).__name__,
        solver=estimator.solver,
        learning_rate=float(estimator.learning_rate),
        batch_size=_batch_size(estimator.solver, estimator.batch_size, n_samples),
        max_iter=estimator.max_iter,
        tol=float(estimator.tol),
        n_iter_no_change=estimator.n_iter_no_change,
        shuffle=estimator.shuffle,
        verbose=estimator.verbose,
        early_stopping=estimator.early_stopping,
        scoring_name=estimator.scoring,
        lr_schedule=estimator.lr_schedule,
        schedule_options={
            "decay_rate": float(estimator.decay_rate),
            "decay_steps": estimator.decay_steps,
            "power_t": float(estimator.power_t),
        },
        max_fun=estimator.max_fun,
        optimizer_options={
            "beta_1": float(estimator.beta_1),
            "beta_2": float(estimator.beta_2),
            "epsilon": float(estimator.epsilon),
            "nesterov": bool(estimator.nesterov),
        },
    )


def _batch_size(solver, batch_size, n_samples):
    """The rows of a batch: all of them for "gd" and "lbfgs"; "auto" is min(200, n)."""
    if solver in ("gd", "lbfgs") or (batch_size == "auto" and n_samples <= 200):
        return n_samples
    if batch_size == "auto":
        return 200
    if batch_size > n_samples:
        warn_fit_caller(
            f"batch_size={batch_size} is larger than the {n_samples} "
            "training samples; using the whole set as one batch.",
            UserWarning,
        )
        return n_samples
    return batch_size


class EpochLoop:
    """Train ``network`` on ``(X, Y, sample_weight)`` epoch by epoch, until a rule stops it.

    Parameters
    ----------
    network : TrainableNetwork
    X, Y, sample_weight : arrays
        The training data, validated and encoded (with ``rows``, ``X`` is the data
        whose rows ``rows`` train).
    settings : Settings
    optimizer : optimizer of ``_optimizers``
        Over ``[network.params]``.
    rng : numpy.random.Generator
        Shuffles the batches and draws dropout masks.
    validation : ValidationSet or None
    tasks : FitTasks
        The fit's callback tasks.
    describe : callable
        ``describe(coefs, intercepts, batch_norm, n_epochs)`` returns the fitted
        attributes of a model with that network (copies), for the callbacks.
    first_epoch : int
        Epochs already trained (warm start, partial_fit): the schedule goes on from it.
    incremental : bool
        Run exactly one epoch, as ``partial_fit``: no stopping rule applies.
    rows : ndarray, optional
        The rows of ``X`` that train, when only some do (early stopping's split):
        ``Y`` and ``sample_weight`` hold those rows alone (see ``MiniBatches``).
    """

    def __init__(
        self,
        network,
        X,
        Y,
        sample_weight,
        settings,
        optimizer,
        rng,
        *,
        validation,
        tasks,
        describe,
        first_epoch=0,
        incremental=False,
        rows=None,
    ):
        self.network, self.Y, self.sample_weight = network, Y, sample_weight
        self.settings, self.optimizer, self.rng = settings, optimizer, rng
        self.validation, self.tasks, self.describe = validation, tasks, describe
        self.first_epoch, self.incremental = first_epoch, incremental
        min_rows = 1 if network.batch_norm is None else 2
        self.batches = MiniBatches(
            X, Y, sample_weight, settings.batch_size, settings.shuffle, rng, min_rows, rows
        )
        n_samples = Y.shape[0]
        self.total_weight = n_samples if sample_weight is None else weight_sum(sample_weight)
        self.training = Training(network.coefs, network.intercepts, optimizer, network.batch_norm)
        # numba's kernels fuse the optimizer's step with the L2 term (None: the reference).
        self.fused_step = (
            None
            if network.kernels is None
            else network.kernels.optimizer_step(optimizer, network.n_weights)
        )
        self.early_stopping = settings.early_stopping and validation is not None and not incremental
        if not self.early_stopping:
            quantity = "training loss"
        else:
            quantity = "validation loss" if validation.scorer is None else "validation score"
        self.no_improvement = NoImprovement(quantity, settings.tol, settings.n_iter_no_change)
        self.adaptive = AdaptiveLearningRate() if settings.lr_schedule == "adaptive" else None
        # Plain gradient descent on the whole set without dropout records the exact
        # cost of each step: "gd", and "sgd" whose one batch holds every sample.
        full_set_gd = settings.solver == "gd" or (
            settings.solver == "sgd" and settings.batch_size >= n_samples
        )
        exact = full_set_gd and network.keep_probs is None and not self.early_stopping
        self.oscillation = Oscillation(settings.n_iter_no_change, settings.tol, X.dtype)
        self.lowest_loss = LowestLoss() if exact else None
        self.best_weights = BestWeights() if self.early_stopping else None
        self.divergence = DivergenceGuard(settings.learning_rate)
        # When every step uses the whole training set, batch norm's running statistics
        # are that set's: there is nothing to average. The fit ends with those at its
        # final weights.
        self.full_batch = (
            network.batch_norm is not None and settings.batch_size >= n_samples and not incremental
        )
        # A full batch's X is the training rows alone (the only X it reads).
        self.model_after = model_view(
            network, self.batches.X, sample_weight, self.full_batch, describe
        )
        self.epoch_cost = self.epoch_weight = 0.0
        self.stopped = self.warned_nan = False

    @property
    def epochs(self):
        n_epochs = 1 if self.incremental else self.settings.max_iter
        return range(self.first_epoch + 1, self.first_epoch + n_epochs + 1)

    def run(self):
        """Train, then put the kept weights back; returns the ``Training`` record."""
        batch_norm = self.network.batch_norm
        if batch_norm is not None:
            batch_norm.momentum = 0.0 if self.full_batch else batch_norm.momentum
            batch_norm.update_running = True  # each training batch enters the averages
        if self.early_stopping and self.first_epoch > 0:
            self._start_from_fitted_weights()
        self.start_time = time.perf_counter()
        epoch = self.epochs[0]
        try:
            for epoch in self.epochs:
                if self._run_epoch(epoch):
                    break
        except KeyboardInterrupt:
            if self.epoch_weight > 0:  # the interrupted epoch's batches so far
                self.training.record(
                    self.epoch_cost / self.epoch_weight, self.optimizer.learning_rate
                )
            warn_fit_caller(
                f"Training interrupted (KeyboardInterrupt) during iteration {epoch}: "
                "the model keeps the weights reached so far.",
                UserWarning,
            )
            self.stopped = True
        finally:
            self.tasks.end_epoch()  # an epoch cut short by an interrupt or an error ends empty
        self._finish()
        return self.training

    def _start_from_fitted_weights(self):
        """Going on from fitted weights: they are the best so far until an epoch beats them."""
        val_loss, val_score = self.validation.evaluate(
            *self.network.inference(), self.network.activation
        )
        self.no_improvement.update(self.no_improvement.value(None, val_loss, val_score), val_loss)
        self.no_improvement.restart()
        self._new_best(self.first_epoch, val_loss, val_score)

    def _run_epoch(self, epoch):
        """One epoch of batches, its record, and the stopping rules; True to stop."""
        self.tasks.begin_epoch(self.model_after(epoch - 1))
        scheduled = self.settings.learning_rate_of(epoch)
        if scheduled is not None:
            self.optimizer.learning_rate = scheduled
        loss = self._train_batches(epoch)
        self.divergence.check_epoch(loss, epoch)
        self.training.record(loss, self.optimizer.learning_rate)
        self.epoch_weight = 0.0  # recorded: an interrupt from here on adds no partial epoch
        val_loss = val_score = None
        if self.validation is not None:
            val_loss, val_score = self.validation.evaluate(
                *self.network.inference(), self.network.activation
            )
            self.training.record_validation(val_loss, val_score)
        self._report(epoch, loss, val_loss, val_score)
        monitored = self.no_improvement.value(loss, val_loss, val_score)
        if np.isnan(monitored) and not self.warned_nan:
            self.warned_nan = True
            if self.no_improvement.quantity == "validation score":
                what = f"validation score ({self.settings.scoring_name!r})"
                why = "a validation set with a single class, for instance, has no ROC AUC"
            else:
                what = self.no_improvement.quantity
                why = "it overflowed: scale the inputs, the targets or the sample weights"
            warn_fit_caller(
                f"The {what} is NaN at iteration {epoch}: it cannot be monitored ({why}).",
                UserWarning,
            )
        if self.no_improvement.update(monitored, val_loss):
            self._new_best(epoch, val_loss if self.early_stopping else loss, val_score)
        if self.tasks.end_epoch(self.model_after(epoch)):
            self._say(f"A callback asked training to stop after iteration {epoch}.")
            self.stopped = True
            return True
        if self.incremental or not self.no_improvement.exhausted:
            return False
        return self._stops(epoch)

    def _train_batches(self, epoch):
        """One pass over the mini-batches; returns the epoch's mean cost."""
        network, params, grads = self.network, self.network.params, self.network.param_grads
        self.epoch_cost = self.epoch_weight = 0.0
        fused_step, alpha = self.fused_step, network.alpha
        for X_batch, Y_batch, w_batch, batch_weight in self.batches.epoch():
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                cost = network.cost_and_gradient(
                    X_batch, Y_batch, w_batch, self.rng, l2_gradient=fused_step is None
                )
                self.divergence.check_cost(cost, epoch)
                if self.lowest_loss is not None:  # before the step: the weights it is of
                    self.lowest_loss.offer(cost, params)
                if fused_step is None:
                    self.optimizer.update([params], [grads])
                else:  # alpha / m of the batch, as backward_propagation would add it
                    fused_step(params, grads, alpha / batch_weight)
            self.epoch_cost += cost * batch_weight
            self.epoch_weight += batch_weight
        if self.epoch_weight == 0:  # batch norm skipped every batch
            raise ValueError(
                "batch_norm=True needs batches with at least 2 samples of non-zero "
                "sample_weight, and no batch of this epoch has them: use a larger batch_size."
            )
        return self.epoch_cost / self.total_weight

    def _new_best(self, epoch, loss, val_score):
        self.training.best_iteration, self.training.best_loss = epoch, loss
        if self.early_stopping:  # keep the best weights to return at the end
            self.training.best_validation_score = val_score
            self.best_weights.save(self.network.params, self.network.batch_norm)

    def _stops(self, epoch):
        """The patience is exhausted: stop, unless a rule keeps training going."""
        if self.adaptive is not None and self.adaptive.keeps_going(
            self.optimizer, self.no_improvement
        ):
            return False
        if self.lowest_loss is not None and self.oscillation.keeps_going(
            self.training.loss_curve, epoch - self.training.best_iteration
        ):
            return False
        self.stopped = True
        self._say(
            f"{self.no_improvement.quantity.capitalize()} did not improve more than "
            f"tol={self.settings.tol} for {self.settings.n_iter_no_change} consecutive "
            "iterations. Stopping."
        )
        return True

    def _finish(self):
        """Put back the weights to keep, and warn about a run that did not settle."""
        network, training, n_epochs = self.network, self.training, len(self.training.loss_curve)
        if network.batch_norm is not None:
            network.batch_norm.update_running = False
        ended_on_lowest = training.best_iteration == self.first_epoch + n_epochs
        if self.lowest_loss is not None and not ended_on_lowest:
            self.lowest_loss.restore(network.params)  # the weights best_loss_ was measured at
            if not self.stopped and not self.incremental:
                # Ended above its lowest loss by more than tol and rounding: oscillating.
                self.oscillation.oscillating = self.oscillation.above_lowest(
                    training.loss_curve[-1], training.best_loss
                )
        if self.oscillation.oscillating:
            warn_fit_caller(
                f"{self.settings.estimator_name}'s training loss still oscillates after "
                f"{n_epochs} iterations: the steps overshoot. The model keeps the weights of "
                f"iteration {training.best_iteration}, with the lowest loss "
                f"({training.best_loss:.6g}). Lower learning_rate or scale the inputs "
                "(e.g. StandardScaler in a Pipeline).",
                ConvergenceWarning,
            )
            self.stopped = True  # warned
        if self.best_weights is not None and self.best_weights.saved:
            self.best_weights.restore(network.params, network.batch_norm)
        elif self.full_batch:
            network.take_full_batch_statistics(self.batches.X, self.sample_weight)
        # The last step can overflow the weights after the last cost was taken.
        if not np.isfinite(network.params).all():
            raise_diverged(
                self.first_epoch + n_epochs, "the weights overflowed", self.settings.learning_rate
            )
        asked_for_max_iter = self.settings.n_iter_no_change == np.inf
        if not self.stopped and not self.incremental and not asked_for_max_iter:
            warn_fit_caller(
                f"{self.settings.estimator_name} reached max_iter={self.settings.max_iter} "
                f"iterations before the {self.no_improvement.quantity} stopped improving; "
                "increase max_iter or learning_rate for a converged model.",
                ConvergenceWarning,
            )

    def _report(self, epoch, loss, val_loss, val_score):
        if not self.settings.verbose:
            return
        every = 1 if self.settings.verbose > 1 or self.settings.solver != "gd" else 100
        if epoch % every != 0 and epoch != self.epochs[0]:
            return
        progress = ""
        if val_loss is not None:
            score_name = self.validation.head.score_name
            if self.validation.scorer is not None:
                score_name = "score"
            progress = f", validation loss = {val_loss:.6f}, {score_name} = {val_score:.4f}"
        print(
            f"Iteration {epoch}, loss = {loss:.8f}{progress}, learning rate = "
            f"{self.optimizer.learning_rate:.4g}, {time.perf_counter() - self.start_time:.2f} s"
        )

    def _say(self, message):
        if self.settings.verbose:
            print(message)


def model_view(network, X, sample_weight, full_batch, describe):
    """``model_after(n_epochs)``: a callable that builds the model as it stands, for callbacks.

    Built only if a callback asks for it: it copies the network, and with
    full-batch batch normalization takes the statistics the fit would end with
    (the whole set's, at these weights).
    """

    def model_after(n_epochs):
        def attributes():
            coefs, intercepts, batch_norm = network.snapshot()
            if full_batch:
                network.take_full_batch_statistics(X, sample_weight, batch_norm)
            return describe(coefs, intercepts, batch_norm, n_epochs)

        return attributes

    return model_after
