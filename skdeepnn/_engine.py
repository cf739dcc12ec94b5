"""The training engine's one entry point: ``train(data, model, settings, rng, ...)``.

An estimator validates its data, lets its output head encode the targets, and
calls ``train`` once; it stores what comes back. Everything between is here:
setting validation rows aside for early stopping, the starting weights (new, or
the fitted ones going on), batch normalization's rules, the backend (NumPy or
numba's fused kernels, chosen once), the epoch loop or L-BFGS, the check that the
trained outputs are finite, and the curves of a warm start continued.

Nothing here imports an estimator; the estimator's hyperparameters arrive as
``Settings`` (``settings_of``), its layers as a ``Layout`` and its head as a value.
"""

import dataclasses
import functools

import numpy as np
from sklearn.utils import _safe_indexing

from ._batch_norm import BatchNorm
from ._initializers import INITIALIZERS, initial_bias
from ._kernels import backend_for_fit, fit_work
from ._lbfgs import minimize_lbfgs
from ._loop import EpochLoop
from ._namespace import numpy_dtype, to_numpy
from ._network import logit_bound, predict_logits
from ._optimizers import make_optimizer
from ._schedules import scheduled_learning_rate
from ._stopping import (
    AdaptiveLearningRate,
    BestWeights,
    CallbackStop,
    DivergenceGuard,
    LowestLoss,
    NoImprovement,
    Patience,
    raise_diverged,
)
from ._validation import split_off_validation
from ._views import view_of
from ._warnings import warn_fit_caller


@dataclasses.dataclass(frozen=True)
class Settings:
    """What the estimator's hyperparameters resolve to for one fit."""

    estimator_name: str
    solver: str
    learning_rate: float
    batch_size: object  # "auto" or an int, resolved by ``batch_rows``
    max_iter: int
    tol: float
    n_iter_no_change: object
    shuffle: bool
    verbose: int
    early_stopping: bool
    validation_fraction: float
    scoring_name: object
    scorer: object  # a scikit-learn scorer, or None for the head's score
    lr_schedule: str
    schedule_options: dict
    max_fun: int
    optimizer_options: dict
    max_grad_norm: object = None  # a float: the gradient's largest L2 norm; None: no clipping
    incremental: bool = False  # partial_fit: one epoch, no stopping rule
    monitored: str = "training loss"  # set by ``train``

    def learning_rate_of(self, epoch):
        """The scheduled rate of ``epoch`` (counted from 1); None for "adaptive"."""
        if self.lr_schedule == "adaptive":
            return None
        return scheduled_learning_rate(
            self.lr_schedule, self.learning_rate, epoch - 1, **self.schedule_options
        )

    def batch_rows(self, n_samples):
        """The rows of a batch: all of them for "gd" and "lbfgs"; "auto" is min(200, n)."""
        if self.solver in ("gd", "lbfgs") or (self.batch_size == "auto" and n_samples <= 200):
            return n_samples
        if self.batch_size == "auto":
            return 200
        if self.batch_size > n_samples:
            warn_fit_caller(
                f"batch_size={self.batch_size} is larger than the {n_samples} "
                "training samples; using the whole set as one batch.",
                UserWarning,
            )
            return n_samples
        return self.batch_size


def settings_of(estimator, scorer, incremental):
    """The engine's ``Settings`` from an estimator's hyperparameters."""
    return Settings(
        estimator_name=type(estimator).__name__,
        solver=estimator.solver,
        learning_rate=float(estimator.learning_rate),
        batch_size=estimator.batch_size,
        max_iter=estimator.max_iter,
        tol=float(estimator.tol),
        n_iter_no_change=estimator.n_iter_no_change,
        shuffle=estimator.shuffle,
        verbose=estimator.verbose,
        early_stopping=estimator.early_stopping,
        validation_fraction=float(estimator.validation_fraction),
        scoring_name=estimator.scoring,
        scorer=scorer,
        lr_schedule=estimator.lr_schedule,
        schedule_options={
            "decay_rate": float(estimator.decay_rate),
            "decay_steps": estimator.decay_steps,
            "power_t": float(estimator.power_t),
            "restart_period": estimator.restart_period,
            "restart_multiplier": estimator.restart_multiplier,
        },
        max_fun=estimator.max_fun,
        optimizer_options={
            "beta_1": float(estimator.beta_1),
            "beta_2": float(estimator.beta_2),
            "epsilon": float(estimator.epsilon),
            "nesterov": bool(estimator.nesterov),
        },
        max_grad_norm=None if estimator.max_grad_norm is None else float(estimator.max_grad_norm),
        incremental=incremental,
    )


@dataclasses.dataclass
class TrainingData:
    """The training set as the engine takes it: validated, and encoded by the head.

    Attributes
    ----------
    X : ndarray or sparse matrix of shape (n_rows, n_features), float32 or float64
        Or an array of another namespace, on its device (array API dispatch); the
        targets and weights stay NumPy's, and the backend moves them to X's device.
    Y : ndarray of shape (n_samples, n_outputs) or (n_samples, 1)
        The head's encoding: in X's dtype, or class indices for a softmax.
    sample_weight : ndarray of shape (n_samples,) or None
        The weights of the cost: the user's times the class weights.
    user_weight : ndarray of shape (n_samples,) or None
        The user's weights alone, before any split: what callbacks are given.
    X_named : DataFrame or None
        X as the user gave it, when it has column names (the callbacks see its rows).
    rows : ndarray of shape (n_samples,) or None
        The rows of ``X`` that train (early stopping's split); None: all of them.
    """

    X: object
    Y: np.ndarray
    sample_weight: object = None
    user_weight: object = None
    X_named: object = None
    rows: object = None

    @property
    def dtype(self):
        """``X``'s float dtype, as NumPy names it (whatever ``X``'s namespace)."""
        return numpy_dtype(self.X)


@dataclasses.dataclass(frozen=True)
class ModelSpec:
    """What the estimator gives the engine about its model.

    Attributes
    ----------
    head : output head
        Encodes and decodes targets; its ``loss`` is what the network trains on.
    layout : Layout
        The layers.
    alpha : float
        L2 strength.
    describe : callable
        ``describe(coefs, intercepts, batch_norm, n_epochs)``: the fitted attributes of
        a model with that network, for the callbacks' view of the model as it stands.
    """

    head: object
    layout: object
    alpha: float
    describe: object


@dataclasses.dataclass
class Previous:
    """A fitted model that training goes on from (warm start, partial_fit).

    ``curves`` maps ``loss_curve``, ``learning_rate_curve``, ``validation_loss_curve``
    and ``validation_scores`` to their lists (validation ones None when never recorded).
    """

    coefs: list
    intercepts: list
    batch_norm: object
    optimizer: object
    curves: dict

    @property
    def n_epochs(self):
        return len(self.curves["loss_curve"])


def train(data, model, settings, rng, *, tasks, previous=None, validation=None):
    """Train the network ``model`` describes on ``data``; returns the fit's ``Training``.

    Parameters
    ----------
    data : TrainingData
    model : ModelSpec
    settings : Settings
    rng : numpy.random.Generator
        The fit's one generator: the validation split, the initial weights, the
        shuffles and dropout's masks, drawn in that order.
    tasks : FitTasks
        The fit's callback tasks.
    previous : Previous, optional
        The fitted model to go on from.
    validation : ValidationSet, optional
        The user's validation set; without it, early stopping splits one off ``data``.

    Returns
    -------
    Training
        The weights, the optimizer, and the curves, which go on from ``previous``'s.
    """
    if validation is None and settings.early_stopping and not settings.incremental:
        data, validation = _split_off_validation(data, model.head, settings, rng, tasks)
    run = _Run(data, model, settings, rng, tasks, validation, previous)
    if validation is not None and settings.scorer is not None:
        _score_with(validation, settings.scorer, model)
    network = run.starting_network()
    tasks.begin_fit()
    try:
        training = run.lbfgs(network) if settings.solver == "lbfgs" else run.loop(network)
    finally:
        tasks.end_epoch()  # an epoch cut short by an interrupt or an error ends empty
    datasets = [data.X] if validation is None or validation.X is data.X else [data.X, validation.X]
    n_epochs = run.first_epoch + len(training.loss_curve)
    learning_rate = None if settings.solver == "lbfgs" else settings.learning_rate
    logits = run.backend.logits  # NumPy's, or the device's (read back to NumPy)
    check_finite_outputs(training, model, datasets, n_epochs, learning_rate, logits)
    check_better_than_the_prior(training, data, model, n_epochs, learning_rate, logits)
    return _continued(training, previous, has_validation=validation is not None)


class _Run:
    """One call of ``train``: what it was given, and the steps it takes with them."""

    def __init__(self, data, model, settings, rng, tasks, validation, previous):
        self.data, self.model, self.rng, self.tasks = data, model, rng, tasks
        self.validation, self.previous = validation, previous
        self.settings = dataclasses.replace(settings, monitored=_monitored(settings, validation))
        self.first_epoch = 0 if previous is None else previous.n_epochs
        self.batch_rows = self.settings.batch_rows(data.Y.shape[0])
        # When every step uses the whole training set, batch norm's running statistics
        # are that set's: there is nothing to average. The fit ends with those at its
        # final weights (L-BFGS's line searches must not enter them either).
        self.full_batch = settings.solver == "lbfgs" or (
            self.batch_rows >= data.Y.shape[0] and not settings.incremental
        )
        # chosen once (by X's namespace; "auto": by the fit's size): the network and its step
        work = fit_work(data, model, self.batch_rows, self.settings)
        self.backend = backend_for_fit(work, data.X)
        self.checkpoint = None  # early stopping's, once the loop's rules are made

    def starting_network(self):
        """The ``Network`` to train, from the backend chosen for this fit."""
        coefs, intercepts, batch_norm = starting_arrays(
            self.data, self.model, self.previous, self.rng
        )
        _check_batch_norm_rows(batch_norm, self.batch_rows, self.data.Y.shape[0], self.settings)
        layout = self.model.layout
        parameters = self.backend.parameters(
            coefs, intercepts, batch_norm, layout.fits_intercepts, self.data.dtype
        )
        # Batch norm's last batch can take one row more (see MiniBatches).
        n_rows = self.batch_rows + (batch_norm is not None)
        loss, alpha = self.model.head.loss, self.model.alpha
        return self.backend.network(parameters, layout, loss, alpha, n_rows)

    def model_view(self, network, X):
        """The callbacks' view of the model after each epoch."""
        normalized = network.batch_norm is not None and self.full_batch
        return ModelView(network, X, self.data.sample_weight, normalized, self.model.describe)

    def lbfgs(self, network):
        model_after = self.model_view(network, self.data.X).after
        data = self.backend.full_batch(self.data)  # on the device, for the array API
        settings, first_epoch = self.settings, self.first_epoch
        return minimize_lbfgs(network, data, settings, self.tasks, model_after, first_epoch)

    def loop(self, network):
        """Train with the epoch loop: mini-batches, the optimizer's steps, the rules."""
        data, settings, batch_norm = self.data, self.settings, network.batch_norm
        previous = None if self.previous is None else self.previous.optimizer
        optimizer = make_optimizer(
            settings.solver, [network.params], settings.learning_rate,
            settings.optimizer_options, previous=previous,
            keep_rate=settings.lr_schedule == "adaptive",
        )  # fmt: skip
        batches = self.backend.batches(
            data.X, data.Y, data.sample_weight, self.batch_rows,
            self.rng if settings.shuffle else None,
            min_rows=1 if batch_norm is None else 2, rows=data.rows,
        )  # fmt: skip
        # A full batch's X is the training rows alone (the only X it reads).
        rules = self.rules(self.model_view(network, batches.X))
        step = self.backend.step(network, optimizer, settings.max_grad_norm)
        if batch_norm is not None:
            batch_norm.momentum = 0.0 if self.full_batch else batch_norm.momentum
            batch_norm.update_running = True  # each training batch enters the averages
        loop = EpochLoop(
            step, batches, settings, rules, self.validation, self.rng, self.first_epoch
        )
        training = loop.run()
        checkpoint = self.checkpoint
        if batch_norm is not None and self.full_batch and not (checkpoint and checkpoint.saved):
            network.take_full_batch_statistics(batches.X, data.sample_weight)
        return training

    def rules(self, model_view):
        """The stopping rules of the epoch loop, in the order it asks them."""
        settings = self.settings
        early_stopping = settings.monitored != "training loss"
        # Plain gradient descent on the whole set without dropout records the exact
        # cost of each step: "gd", and "sgd" whose one batch holds every sample.
        full_set_gd = settings.solver == "gd" or (
            settings.solver == "sgd" and self.batch_rows >= self.data.Y.shape[0]
        )
        exact = full_set_gd and self.model.layout.keep_probs is None and not early_stopping
        rules = [DivergenceGuard(settings.learning_rate)]
        extensions = [AdaptiveLearningRate()] if settings.lr_schedule == "adaptive" else []
        if exact:
            rules.append(LowestLoss())
            extensions.append(rules[-1])
        no_improvement = NoImprovement(settings.monitored, settings.tol, settings.n_iter_no_change)
        self.checkpoint = BestWeights() if early_stopping else None
        rules.append(Patience(no_improvement, extensions, self.checkpoint))
        rules.append(CallbackStop(self.tasks, model_view.after))
        return rules


def _monitored(settings, validation):
    """What early stopping (or, without it, the patience) watches."""
    if not settings.early_stopping or validation is None or settings.incremental:
        return "training loss"
    return "validation loss" if settings.scorer is None else "validation score"


def _score_with(validation, scorer, model):
    """Score each epoch's validation set with ``scorer``; warn if it drops the weights."""
    as_estimator = functools.partial(view_of, head=model.head, activation=model.layout.activation)
    if validation.score_with(scorer, model.head.decode(validation.Y), as_estimator):
        warn_fit_caller(
            "The scoring callable takes no sample_weight: the validation scores "
            "leave out the sample and class weights that the validation loss has.",
            UserWarning,
        )


def _split_off_validation(data, head, settings, rng, tasks):
    """Set ``validation_fraction`` of the training data aside for early stopping.

    Returns the training part (its ``rows`` of ``X``, targets and weights) and the
    rest as a ``ValidationSet``. When the data are too few for a validation set that
    holds every class (or any weight), the data as they are and None, with a warning:
    training then goes on without early stopping.
    """
    seed = int(rng.integers(2**31 - 1))
    try:
        rows, Y, sample_weight, validation = split_off_validation(
            data.X, data.Y, data.sample_weight, settings.validation_fraction, head, seed
        )
    except ValueError as error:
        warn_fit_caller(f"{error} Training without early stopping.", UserWarning)
        return data, None
    X = data.X
    if tasks.has_callbacks:  # they see the part that trains, copied out
        tasks.data["y"] = head.decode(Y)
        if data.user_weight is not None:
            tasks.data["metadata"] = {"sample_weight": data.user_weight[rows]}
        if data.X_named is not None:
            # A DataFrame's rows keep its column names, which predict checks.
            tasks.data["X"] = _safe_indexing(data.X_named, rows)
        else:  # training reads the same copy, rather than gathering from X
            X = tasks.data["X"] = _safe_indexing(X, rows)
            rows = None
    # The user's weights are not split: only the callbacks' copy above needs them.
    return TrainingData(X, Y, sample_weight, None, data.X_named, rows), validation


def starting_arrays(data, model, previous, rng):
    """``(coefs, intercepts, batch_norm)`` in X's dtype, free to be trained in place:
    copies of the fitted ones (after checking they still fit), or new ones."""
    X, layout, dtype = data.X, model.layout, data.dtype
    layer_sizes = layout.sizes(X.shape[1], model.head.n_outputs)
    momentum = layout.batch_norm_momentum
    if previous is not None:
        check_continuable(previous, layer_sizes, momentum)
        batch_norm = previous.batch_norm
        if batch_norm is not None:
            batch_norm = batch_norm.copy(dtype)
            batch_norm.momentum = momentum
        # On the host: the backend copies them to where they train (a device, maybe).
        coefs = [np.array(to_numpy(W), dtype=dtype, order="C") for W in previous.coefs]
        intercepts = [np.array(to_numpy(b), dtype=dtype, order="C") for b in previous.intercepts]
        return coefs, intercepts, batch_norm
    coefs, intercepts = initial_network(layer_sizes, layout.init, layout.output_init, rng, dtype)
    if layout.fits_intercepts and layout.output_bias == "prior":
        intercepts[-1] = model.head.initial_output_bias(data.Y, data.sample_weight).astype(dtype)
    batch_norm = None
    if momentum is not None:
        batch_norm = BatchNorm.initial(layer_sizes[1:-1], momentum, dtype)
        intercepts[:-1] = [np.zeros_like(b) for b in intercepts[:-1]]  # beta replaces them
    return coefs, intercepts, batch_norm


def initial_network(layer_sizes, initializer, output_initializer, rng, dtype):
    """Weights from the initializers, and biases (zero but for "glorot_uniform"):
    ``(coefs, intercepts)``.

    Parameters
    ----------
    layer_sizes : list of int
        ``[n_x, n_1, ..., n_L]``.
    initializer, output_initializer : str
        Keys of ``INITIALIZERS``: for the hidden layers, and for the output layer.
    rng : numpy.random.Generator
    dtype : numpy dtype
    """
    if initializer == "zeros" and len(layer_sizes) > 2:
        warn_fit_caller(
            "init='zeros' starts every unit of a hidden layer with the same weights, "
            "so they receive the same gradients and stay identical: the network "
            "cannot break symmetry. Use it only to see why random initialization "
            "is needed.",
            UserWarning,
        )
    names = [initializer] * (len(layer_sizes) - 2) + [output_initializer]
    coefs = [
        INITIALIZERS[name](fan_in, fan_out, rng, dtype)
        for name, fan_in, fan_out in zip(names, layer_sizes[:-1], layer_sizes[1:], strict=True)
    ]
    intercepts = [
        initial_bias(name, fan_in, fan_out, rng, dtype)
        for name, fan_in, fan_out in zip(names, layer_sizes[:-1], layer_sizes[1:], strict=True)
    ]
    return coefs, intercepts


def check_continuable(previous, layer_sizes, momentum):
    """Raise ValueError unless training can go on from the fitted network ``previous``
    with the layer sizes and batch-norm momentum the parameters now ask for."""
    coefs, batch_norm = previous.coefs, previous.batch_norm
    fitted = [coefs[0].shape[0]] + [W.shape[1] for W in coefs]
    if layer_sizes != fitted:
        raise ValueError(
            f"Training continues from the fitted layer sizes {fitted}, but the "
            f"parameters now ask for {layer_sizes}. Set warm_start=False (or refit "
            "instead of partial_fit) to train a new network."
        )
    if (batch_norm is None) != (momentum is None):
        raise ValueError(
            "Training continues from a network fitted "
            f"{'without' if batch_norm is None else 'with'} batch normalization, but "
            f"batch_norm is now {momentum is not None}. Set warm_start=False (or refit "
            "instead of partial_fit) to train a new network."
        )


def _check_batch_norm_rows(batch_norm, batch_rows, n_samples, settings):
    """Batch normalization needs batches of at least 2 samples: refuse smaller ones."""
    if batch_norm is None or batch_rows >= 2:
        return
    fix = "a batch_size of at least 2" if n_samples > 1 else "at least 2 samples"
    raise ValueError(
        "batch_norm=True needs batches of at least 2 samples: a single sample is "
        "its own mean, and normalizing leaves 0 whatever it was. Use "
        f"{fix} (got batch_size={settings.batch_size!r}, {n_samples} samples)."
    )


def check_finite_outputs(training, model, datasets, n_epochs, learning_rate, logits=None):
    """Raise if the trained network's outputs on its data are not finite.

    Finite weights can still overflow on large inputs, and the last step is taken
    after the last cost was measured. A cheap bound (``logit_bound``) rules that out
    for almost every fit; only when it cannot are the data propagated.

    Parameters
    ----------
    training : Training
    model : ModelSpec
        Its head's ``largest_safe_logit`` and ``finite_outputs``, and the activation.
    datasets : list of arrays
        The training data, and the validation data if any.
    n_epochs : int
        The iteration the error names.
    learning_rate : float or None
        For the error's advice (None for L-BFGS).
    logits : callable, optional
        ``logits(X, coefs, intercepts, activation, rows=None)``, the trained network's
        logits as a NumPy array: ``predict_logits``, or the device's.
    """
    logits = logits or predict_logits
    coefs, intercepts = training.coefs, training.intercepts
    if training.batch_norm is not None:
        coefs, intercepts = training.batch_norm.fold(coefs, intercepts)
    activation, head = model.layout.activation, model.head
    for X in datasets:
        if logit_bound(X, coefs, intercepts, activation) <= head.largest_safe_logit(numpy_dtype(X)):
            continue
        with np.errstate(over="ignore", invalid="ignore"):
            finite = head.finite_outputs(logits(X, coefs, intercepts, activation))
        if not finite:
            raise_diverged(n_epochs, "the network's outputs on its data overflowed", learning_rate)


#: A run's loss "far above" the prior's: this many times it (or than 1, if smaller).
FAR_ABOVE = 10

#: A model "no better than the prior" goes at most this share of the way from the
#: prior's score to a perfect score.
NO_SKILL = 0.05


def check_better_than_the_prior(training, data, model, n_epochs, learning_rate, logits=None):
    """Raise if a run whose loss rose far above the prior's ends no better than the prior.

    The prior is the model that predicts what the head's initial bias does (the class
    frequencies, the mean target) for every row: what a network that learned nothing
    can do. A run whose epoch losses climbed ``DivergenceGuard.FACTOR`` times above
    the prior's loss, or whose last loss is still ``FAR_ABOVE`` times above it and no
    lower than its first (after two epochs or more), and whose trained model then
    does no better than the prior on the training data (and worse than at its
    start), has diverged, whatever the
    steps did in between (a blow-up that calmed down, a loss that never came down):
    it stops with the "diverged" error rather than returning a model worse than a
    constant. "No better" is on both counts: a loss no lower than
    the prior's, and a score (the head's: accuracy, R^2) at most ``NO_SKILL`` of the
    way from the prior's to a perfect one. Below the floor of 1 nothing is far above: a
    near-perfect prior (a constant target) leaves any small loss alone.

    Parameters
    ----------
    training : Training
        This run's record (its curves not yet continued from a warm start's).
    data : TrainingData
    model : ModelSpec
    n_epochs, learning_rate
        For the error.
    logits : callable, optional
        As ``check_finite_outputs`` takes it.
    """
    if not training.loss_curve:
        return
    prior = prior_loss(data, model.head)
    floor = max(prior, 1.0)
    losses = training.loss_curve
    blew_up = max(losses) > DivergenceGuard.FACTOR * floor
    # Far above and, over two epochs or more, no lower than where it started: the run
    # made no headway (a loss far above that falls is a slow start, on badly scaled
    # inputs say; one epoch, as each partial_fit runs, shows no trend).
    stuck = len(losses) > 1 and losses[-1] > FAR_ABOVE * floor and losses[-1] >= losses[0]
    if not (blew_up or stuck):
        return
    final, final_score = _final_loss_and_score(training, data, model, logits or predict_logits)
    prior_score = _prior_score(data, model.head)
    # The share of the way from the prior's score to a perfect one (1, for accuracy and
    # R^2) that the model went: an overconfident model can have a huge log loss and still
    # be right on most samples, which is no divergence.
    if prior_score < 1:
        skill = (final_score - prior_score) / (1 - prior_score)
    else:  # the prior is perfect already: matching it is all there is to do
        skill = 1.0 if final_score >= 1 else 0.0
    # Worse than where it started, too, by more than rounding: steps that overshoot
    # from the start and come back to it (random labels, where the prior is all there
    # is) have not diverged.
    start = training.start_cost
    rounding = 64 * np.finfo(data.dtype).eps * max(abs(start), 1.0)
    worse = final > start + rounding
    if not final < prior and final > 0 and worse and not skill > NO_SKILL:
        raise_diverged(
            n_epochs,
            f"its loss rose to {max(training.loss_curve):.4g}, and the model it ends with "
            "does no better than predicting the prior for every sample (on the training "
            f"data, a loss of {final:.4g} against the prior's {prior:.4g}, a score of "
            f"{final_score:.4g} against its {prior_score:.4g})",
            learning_rate,
        )


def _final_loss_and_score(training, data, model, logits):
    """The trained model's loss (without the L2 term) and score on the training data."""
    coefs, intercepts = training.coefs, training.intercepts
    if training.batch_norm is not None:
        coefs, intercepts = training.batch_norm.fold(coefs, intercepts)
    with np.errstate(all="ignore"):
        Z = logits(data.X, coefs, intercepts, model.layout.activation, rows=data.rows)
        score = model.head.score(Z, data.Y, data.sample_weight)
        return model.head.loss(Z, data.Y, data.sample_weight), score  # the loss rewrites Z


def _prior_score(data, head):
    """The head's score of the prior's prediction on the training data."""
    bias = head.initial_output_bias(data.Y, data.sample_weight).astype(data.dtype)
    Z = np.repeat(bias[None, :], data.Y.shape[0], axis=0)
    return head.score(Z, data.Y, data.sample_weight)


def prior_loss(data, head):
    """The training loss of the prior: the head's initial output bias for every row.

    Computed a block of rows at a time, so that no logits of the data's size are made.
    """
    bias = head.initial_output_bias(data.Y, data.sample_weight).astype(data.dtype)
    total = weight = 0.0
    for start in range(0, data.Y.shape[0], PRIOR_BLOCK_ROWS):
        block = slice(start, start + PRIOR_BLOCK_ROWS)
        Y = data.Y[block]
        w = None if data.sample_weight is None else data.sample_weight[block]
        block_weight = Y.shape[0] if w is None else float(w.sum(dtype=np.float64))
        if block_weight == 0:
            continue
        Z = np.repeat(bias[None, :], Y.shape[0], axis=0)
        with np.errstate(all="ignore"):
            total += head.loss(Z, Y, w) * block_weight
        weight += block_weight
    return total / weight


#: The rows of one block of ``prior_loss``.
PRIOR_BLOCK_ROWS = 4096


def _continued(training, previous, has_validation):
    """``training``'s curves, going on from ``previous``'s (warm start, partial_fit)."""
    if previous is None:
        if not has_validation:
            training.validation_loss_curve = training.validation_scores = None
        return training
    before = previous.curves
    training.loss_curve = before["loss_curve"] + training.loss_curve
    training.learning_rate_curve = before["learning_rate_curve"] + training.learning_rate_curve
    if not has_validation:  # partial_fit: the epochs validated so far stay on record
        training.validation_loss_curve = before["validation_loss_curve"]
        training.validation_scores = before["validation_scores"]
    elif before["validation_loss_curve"] is not None:
        training.validation_loss_curve = (
            before["validation_loss_curve"] + training.validation_loss_curve
        )
        training.validation_scores = before["validation_scores"] + training.validation_scores
    return training


class ModelView:
    """The model as it stands after an epoch, for the callbacks.

    ``after(n_epochs)`` is what a callback task is given: a callable that builds the
    fitted attributes only if a callback asks for them, since that copies the
    network (and, with full-batch batch normalization, takes the statistics the fit
    would end with: the whole set's, at these weights).

    Parameters
    ----------
    network : Network
    X, sample_weight : arrays
        The rows full-batch batch normalization takes its statistics on.
    full_batch : bool
    describe : callable
        ``ModelSpec.describe``.
    """

    def __init__(self, network, X, sample_weight, full_batch, describe):
        self.network, self.X, self.sample_weight = network, X, sample_weight
        self.full_batch, self.describe = full_batch, describe

    def after(self, n_epochs):
        """The fitted attributes after ``n_epochs``, to be built when called."""
        return functools.partial(self.attributes, n_epochs)

    def attributes(self, n_epochs):
        coefs, intercepts, batch_norm = self.network.snapshot()
        if self.full_batch:
            self.network.take_full_batch_statistics(self.X, self.sample_weight, batch_norm)
        return self.describe(coefs, intercepts, batch_norm, n_epochs)
