"""The estimator base shared by every skdeepnn network: validation, the training loop, stopping.

A subclass says what differs: the hidden layers, the initializer, how targets are
encoded (``_encode_targets``) and where the fitted weights live
(``_get_network`` / ``_set_network``). The matrix calculus lives in ``_network``,
the loop's helpers (mini-batches, the record of a run) in ``_training``.
"""

import time
import warnings
from numbers import Integral, Real

import numpy as np
import scipy.optimize
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import check_scoring
from sklearn.model_selection import train_test_split
from sklearn.utils import _safe_indexing, check_random_state
from sklearn.utils.validation import (
    check_array,
    check_consistent_length,
    check_is_fitted,
    validate_data,
)

from ._batch_norm import BatchNorm
from ._callbacks import CallbackSupportMixin, FitTasks, with_callbacks
from ._initializers import INITIALIZERS
from ._network import (
    Workspace,
    cost_and_gradients,
    draw_dropout_masks,
    forward_propagation,
    pack,
    predict_logits,
)
from ._optimizers import OPTIMIZERS
from ._params import Boolean, Interval, Options, RandomStateLike, Scoring, validate_params
from ._schedules import SCHEDULES, scheduled_learning_rate
from ._training import MiniBatches, Training, weight_sum
from ._validation import ValidationSet

# Float dtypes kept as they are; any other numeric input becomes float64.
FLOAT_DTYPES = (np.float64, np.float32)

# Sparse X is used as given in these formats (others are converted to CSR): only
# the first layer's products touch X, and SciPy computes them without densifying.
SPARSE_FORMATS = ("csr", "csc")

# Training has diverged when a batch's cost exceeds this multiple of the first
# batch's cost (or of 1, if that was smaller), or is not finite. Cross-entropy
# starts near log(n_classes); a rise this large means the steps go uphill, long
# before the loss overflows to inf.
DIVERGENCE_FACTOR = 1e4

# A "gd" loss that keeps oscillating (see _train) stops after this many times
# n_iter_no_change iterations without a new lowest loss.
OSCILLATION_PATIENCE = 20


class BaseNetwork(CallbackSupportMixin, BaseEstimator):
    """Shared machinery of the network estimators; not for direct use."""

    _parameter_constraints = {
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 1, None)],
        "tol": [Interval(Real, 0, None)],
        "n_iter_no_change": [Interval(Integral, 1, None)],
        "alpha": [Interval(Real, 0, None)],
        "solver": [Options(*OPTIMIZERS, "lbfgs")],
        "max_fun": [Interval(Integral, 1, None)],
        "batch_size": [Options("auto"), Interval(Integral, 1, None)],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "shuffle": [Boolean()],
        "random_state": [RandomStateLike()],
        "verbose": [Interval(Integral, 0, None), Boolean()],
        "warm_start": [Boolean()],
        "lr_schedule": [Options(*SCHEDULES)],
        "decay_rate": [Interval(Real, 0, None, closed="neither")],
        "decay_steps": [Interval(Integral, 1, None)],
        "power_t": [Interval(Real, 0, None)],
        "nesterov": [Boolean()],
        "early_stopping": [Boolean()],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "scoring": [Scoring()],
    }

    # The optimizer and its state, kept between fits for warm_start and partial_fit.
    _optimizer = None

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    # -- what subclasses provide -------------------------------------------------

    def _hidden_layer_sizes(self):
        """The sizes ``n_1 .. n_{L-1}`` of the hidden layers."""
        raise NotImplementedError

    def _hidden_activation(self):
        return "identity"

    def _initializer(self):
        """The name of the weight initializer, a key of ``INITIALIZERS``."""
        raise NotImplementedError

    def _fits_intercepts(self):
        return True

    def _keep_probs(self):
        """Each hidden layer's probability of keeping a unit, or None without dropout."""
        return None

    def _batch_norm_momentum(self):
        """The running statistics' momentum with batch normalization, or None without it."""
        return None

    def _fitted_batch_norm(self):
        """The fitted ``BatchNorm`` (sharing the fitted arrays), or None."""
        return None

    def _encode_targets(self, y, sample_weight, dtype, reset, incremental, classes):
        """Validate ``y``; return ``(Y, sample_weight, output_activation, fitted_attributes)``.

        ``reset`` is False when training goes on from a fitted state; ``classes`` is
        what ``partial_fit`` was given.
        """
        raise NotImplementedError

    def _decode_targets(self, Y, target_attributes):
        """The labels of encoded targets ``Y``: what a scorer compares predictions with."""
        raise NotImplementedError

    def _as_estimator(self, coefs, intercepts, target_attributes):
        """The network ``(coefs, intercepts)`` as an estimator that scikit-learn's
        scorers can call on validated input, without copying the weights."""
        raise NotImplementedError

    def _get_network(self):
        """The fitted ``(coefs, intercepts)`` in the core's layout."""
        raise NotImplementedError

    def _network_attributes(self, coefs, intercepts, batch_norm=None):
        """The fitted attributes that hold the network: a dict."""
        raise NotImplementedError

    def _set_network(self, coefs, intercepts, batch_norm=None):
        for name, value in self._network_attributes(coefs, intercepts, batch_norm).items():
            setattr(self, name, value)

    def _inference_network(self):
        """The fitted ``(coefs, intercepts)`` for prediction, batch normalization folded in."""
        coefs, intercepts = self._get_network()
        batch_norm = self._fitted_batch_norm()
        return (coefs, intercepts) if batch_norm is None else batch_norm.fold(coefs, intercepts)

    # -- fit -----------------------------------------------------------------------

    @with_callbacks
    def fit(self, X, y, sample_weight=None, X_val=None, y_val=None, sample_weight_val=None):
        """Train the network on ``(X, y)``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data. float32 and float64 are kept; other numbers become float64.
        y : array-like of shape (n_samples,)
            Target labels, of any type.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights; the cost becomes the weighted mean of the losses.
        X_val : {array-like, sparse matrix} of shape (n_val, n_features), default=None
            A validation set of your own: its loss and accuracy are recorded after
            every epoch, and ``early_stopping=True`` monitors its loss instead of
            splitting ``validation_fraction`` off the training data. In a Pipeline,
            route it with ``transform_input=["X_val"]`` so that the steps before
            transform it too.
        y_val : array-like of shape (n_val,), default=None
            Its labels; required with ``X_val``.
        sample_weight_val : array-like of shape (n_val,), default=None

        Returns
        -------
        self : object
            The fitted estimator.
        """
        validation = (X_val, y_val, sample_weight_val)
        return self._fit_or_restore(X, y, sample_weight, incremental=False, validation=validation)

    def _fit_or_restore(self, X, y, sample_weight, *, incremental, **kwargs):
        """Run ``_fit``; if it raises, put the estimator back as it was.

        Without this, what validation records (``n_features_in_``) would outlive
        a fit that then fails, and the estimator would look fitted. The
        parameters are checked first, and the callbacks set up, before the
        estimator's state is saved: scikit-learn tears them down after the fit
        from attributes that setting them up adds.
        """
        validate_params(self)
        if self.solver == "lbfgs":  # one subtask per iteration, and one it opens but never runs
            max_epochs = self.max_iter + 1
        else:
            max_epochs = 1 if incremental else self.max_iter
        metadata = None if sample_weight is None else {"sample_weight": sample_weight}
        tasks = FitTasks(self, "partial_fit" if incremental else "fit", max_epochs, X, y, metadata)
        state_before = dict(vars(self))
        try:
            self._fit(X, y, sample_weight, incremental=incremental, tasks=tasks, **kwargs)
        except BaseException:
            vars(self).clear()
            vars(self).update(state_before)
            raise
        return self

    def _fit(
        self, X, y, sample_weight, *, incremental, tasks, classes=None, validation=(None,) * 3
    ):
        """Train from scratch, or go on from the fitted state (warm start, partial_fit).

        ``incremental`` runs one epoch and never stops early, as ``partial_fit`` does;
        ``tasks`` are the fit's callback tasks.
        """
        keep_probs = self._keep_probs()  # checks dropout against the hidden layers
        if self.lr_schedule == "exponential" and self.decay_rate > 1:
            raise ValueError(
                "decay_rate must be at most 1 with lr_schedule='exponential' (the "
                f"learning rate would grow); got {self.decay_rate}."
            )
        if validation[0] is None and (validation[1] is not None or validation[2] is not None):
            raise ValueError("y_val or sample_weight_val was given without X_val.")
        if self.solver == "lbfgs":
            self._check_lbfgs_options(incremental, keep_probs, validation)
        scorer = self._check_scoring(incremental, validation)
        continuing = _is_fitted(self) and (incremental or self.warm_start)
        X_given = X
        X, Y, sample_weight, user_weight, output_activation, target_attributes = (
            self._validate_training_data(
                X, y, sample_weight, reset=not continuing, incremental=incremental, classes=classes
            )
        )
        if tasks.has_callbacks and user_weight is not None:
            tasks.data["metadata"] = {"sample_weight": user_weight}
        rng = _make_generator(self.random_state)
        if not incremental and (self.early_stopping or validation[0] is not None):
            X, Y, sample_weight, validation, train_rows = self._validation_set(
                X, Y, sample_weight, user_weight, *validation, target_attributes, rng
            )
            if scorer is not None:
                validation.scorer = scorer
                validation.labels = self._decode_targets(validation.Y, target_attributes)
                validation.as_estimator = lambda coefs, intercepts: self._as_estimator(
                    coefs, intercepts, target_attributes
                )
            if train_rows is not None and tasks.has_callbacks:  # they see the part that trains
                # A DataFrame's rows keep its column names, which predict checks.
                named = hasattr(self, "feature_names_in_")
                tasks.data["X"] = _safe_indexing(X_given, train_rows) if named else X
                tasks.data["y"] = self._decode_targets(Y, target_attributes)
                if user_weight is not None:
                    tasks.data["metadata"] = {"sample_weight": user_weight[train_rows]}
        else:
            validation = None
        if continuing:
            coefs, intercepts, batch_norm = self._starting_network_for_warm_start(X, Y)
        else:
            coefs, intercepts = self._initial_network(X.shape[1], Y.shape[1], rng, X.dtype)
            momentum = self._batch_norm_momentum()
            batch_norm = None
            if momentum is not None:
                batch_norm = BatchNorm.initial(self._hidden_layer_sizes(), momentum, X.dtype)

        tasks.begin_fit()
        training = self._train(
            X,
            Y,
            sample_weight,
            coefs,
            intercepts,
            output_activation,
            rng,
            keep_probs=keep_probs,
            validation=validation,
            previous_optimizer=self._optimizer if continuing else None,
            first_epoch=self.n_iter_ if continuing else 0,
            incremental=incremental,
            tasks=tasks,
            target_attributes=target_attributes,
            batch_norm=batch_norm,
        )

        loss_curve, learning_rate_curve = training.loss_curve, training.learning_rate_curve
        if continuing:  # the curves go on from where the previous fit left them
            loss_curve = self.loss_curve_ + loss_curve
            learning_rate_curve = self.learning_rate_curve_ + learning_rate_curve
        for name, value in target_attributes.items():
            setattr(self, name, value)
        self._set_network(training.coefs, training.intercepts, training.batch_norm)
        self._optimizer = training.optimizer
        self.n_iter_ = len(loss_curve)
        self.loss_ = loss_curve[-1] if loss_curve else np.nan
        self.loss_curve_ = loss_curve
        self.learning_rate_curve_ = learning_rate_curve
        validation_curves = (training.validation_loss_curve, training.validation_scores)
        if not validation:
            validation_curves = (None, None)
        elif continuing and getattr(self, "validation_loss_curve_", None) is not None:
            validation_curves = (
                self.validation_loss_curve_ + validation_curves[0],
                self.validation_scores_ + validation_curves[1],
            )
        self.validation_loss_curve_, self.validation_scores_ = validation_curves
        self.best_loss_ = training.best_loss
        self.best_iteration_ = training.best_iteration
        self.best_validation_score_ = training.best_validation_score
        tasks.end_fit()

    def _check_scoring(self, incremental, validation):
        """The scorer that ``scoring`` names, or None; warn when nothing will use it."""
        if self.scoring is None:
            return None
        try:
            scorer = check_scoring(self, self.scoring)
        except ValueError as error:
            raise ValueError(
                f"scoring={self.scoring!r} is not a scorer scikit-learn knows ({error})"
            ) from error
        if incremental or not (self.early_stopping or validation[0] is not None):
            _warn_fit_caller(
                f"scoring={self.scoring!r} has no effect: it scores the validation set, "
                "which only fit with early_stopping=True or X_val has.",
                UserWarning,
                below_fit=1,
            )
        return scorer

    def _check_lbfgs_options(self, incremental, keep_probs, validation):
        """Refuse what L-BFGS, a deterministic full-batch method, cannot do."""
        if incremental:
            refused = "partial_fit, which trains one epoch of mini-batches"
        elif keep_probs is not None:
            refused = "dropout, whose random masks would change the cost it minimizes"
        elif self.early_stopping or validation[0] is not None:
            refused = "early_stopping and X_val, which monitor the epochs of the other solvers"
        else:
            return
        raise ValueError(
            f"solver='lbfgs' does not support {refused}. Use solver='adam' (or gd, sgd, "
            "momentum, rmsprop) for it."
        )

    def _validation_set(
        self,
        X,
        Y,
        sample_weight,
        user_weight,
        X_val,
        y_val,
        sample_weight_val,
        target_attributes,
        rng,
    ):
        """The validation set: the user's ``X_val``, or a stratified split of the training data.

        ``sample_weight`` includes the class weights, ``user_weight`` does not: the
        validation loss is weighed like the training cost, the score like a metric
        the user would compute.

        Returns the training arrays (smaller after a split), the ``ValidationSet``,
        and the rows of the training data that train (None without a split).
        """
        if X_val is not None:
            if y_val is None:
                raise ValueError("X_val was given without y_val: pass both, or neither.")
            X_val = validate_data(
                self, X_val, reset=False, dtype=X.dtype, accept_sparse=SPARSE_FORMATS
            )
            check_consistent_length(X_val, y_val)
            score_weight = _check_sample_weight(sample_weight_val, X_val, name="sample_weight_val")
            Y_val, w_val = self._encode_validation_targets(
                y_val, score_weight, X.dtype, target_attributes
            )
            return X, Y, sample_weight, ValidationSet(X_val, Y_val, w_val, score_weight), None
        labels = Y[:, 0] if Y.shape[1] == 1 else Y.argmax(axis=1)
        try:
            train, val = train_test_split(
                np.arange(X.shape[0]),
                test_size=self.validation_fraction,
                stratify=labels,
                random_state=int(rng.integers(2**31 - 1)),
            )
        except ValueError as error:
            raise ValueError(
                f"validation_fraction={self.validation_fraction} cannot split the training "
                f"data into two parts that both hold every class ({error}). Use a larger "
                "validation_fraction, more data, or a validation set of your own (X_val, y_val)."
            ) from error
        for part, rows in (("training", train), ("validation", val)):
            missing = np.setdiff1d(np.unique(labels), np.unique(labels[rows]))
            if missing.size:
                raise ValueError(
                    f"validation_fraction={self.validation_fraction} leaves the {part} part "
                    f"without samples of {missing.size} class(es). Use a larger "
                    "validation_fraction, more data, or a validation set of your own."
                )
        weights = (
            (None, None) if sample_weight is None else (sample_weight[train], sample_weight[val])
        )
        for part, part_weights in zip(("training", "validation"), weights, strict=True):
            if part_weights is not None and not part_weights.any():
                raise ValueError(
                    f"validation_fraction={self.validation_fraction} leaves the {part} part "
                    "with only zero sample_weight. Use another validation_fraction or "
                    "random_state, or a validation set of your own (X_val, y_val)."
                )
        score_weight = None if user_weight is None else user_weight[val]
        validation = ValidationSet(X[val], Y[val], weights[1], score_weight)
        return X[train], Y[train], weights[0], validation, train

    def _validate_training_data(self, X, y, sample_weight, reset, incremental=False, classes=None):
        """Check ``X``, ``y`` and ``sample_weight`` and encode the targets for the core.

        Returns
        -------
        X : ndarray or sparse matrix of shape (n_samples, n_features), float32 or float64
        Y : ndarray of shape (n_samples, n_outputs), of X's dtype
        sample_weight : ndarray of shape (n_samples,) or None
            The weights of the cost: the user's times the class weights.
        user_weight : ndarray of shape (n_samples,) or None
            The user's weights alone, validated: what scorers and callbacks are given.
        output_activation : str
        target_attributes : dict
            Fitted attributes that describe the targets (e.g. ``classes_``).
        """
        X, y = validate_data(
            self, X, y, reset=reset, dtype=FLOAT_DTYPES, accept_sparse=SPARSE_FORMATS
        )
        user_weight = _check_sample_weight(sample_weight, X)
        Y, sample_weight, output_activation, target_attributes = self._encode_targets(
            y, user_weight, X.dtype, reset, incremental, classes
        )
        return X, Y, sample_weight, user_weight, output_activation, target_attributes

    def _initial_network(self, n_features, n_outputs, rng, dtype):
        """Weights from the initializer, zero biases: ``(coefs, intercepts)``."""
        layer_sizes = [n_features, *self._hidden_layer_sizes(), n_outputs]
        initializer = self._initializer()
        if initializer == "zeros" and len(layer_sizes) > 2:
            _warn_fit_caller(
                "init='zeros' starts every unit of a hidden layer with the same weights, "
                "so they receive the same gradients and stay identical: the network "
                "cannot break symmetry. Use it only to see why random initialization "
                "is needed.",
                UserWarning,
                below_fit=1,
            )
        coefs = [
            INITIALIZERS[initializer](fan_in, fan_out, rng, dtype)
            for fan_in, fan_out in zip(layer_sizes[:-1], layer_sizes[1:], strict=True)
        ]
        intercepts = [np.zeros(n, dtype=dtype) for n in layer_sizes[1:]]
        return coefs, intercepts

    def _starting_network_for_warm_start(self, X, Y):
        """Copies of the fitted network, in X's dtype, after checking it still fits.

        Returns ``(coefs, intercepts, batch_norm)``; ``batch_norm`` is None without
        batch normalization.
        """
        coefs, intercepts = self._get_network()
        expected = [X.shape[1], *self._hidden_layer_sizes(), Y.shape[1]]
        fitted = [coefs[0].shape[0]] + [W.shape[1] for W in coefs]
        if expected != fitted:
            raise ValueError(
                f"Training continues from the fitted layer sizes {fitted}, but the "
                f"parameters now ask for {expected}. Set warm_start=False (or refit "
                "instead of partial_fit) to train a new network."
            )
        batch_norm = self._fitted_batch_norm()
        momentum = self._batch_norm_momentum()
        if (batch_norm is None) != (momentum is None):
            raise ValueError(
                "Training continues from a network fitted "
                f"{'without' if batch_norm is None else 'with'} batch normalization, but "
                f"batch_norm is now {momentum is not None}. Set warm_start=False (or refit "
                "instead of partial_fit) to train a new network."
            )
        if batch_norm is not None:
            batch_norm = batch_norm.copy(X.dtype)
            batch_norm.momentum = momentum
        return (*_copy_network(coefs, intercepts, X.dtype), batch_norm)

    def _batch_size(self, n_samples):
        if self.solver in ("gd", "lbfgs") or (self.batch_size == "auto" and n_samples <= 200):
            return n_samples
        if self.batch_size == "auto":
            return 200
        if self.batch_size > n_samples:
            _warn_fit_caller(
                f"batch_size={self.batch_size} is larger than the {n_samples} "
                "training samples; using the whole set as one batch.",
                UserWarning,
                below_fit=2,
            )
            return n_samples
        return self.batch_size

    def _make_optimizer(self, params, previous=None):
        """The solver's optimizer; it takes over ``previous``'s state when it can.

        The state carries over when the solver and the parameter shapes are the
        same (warm start, partial_fit); the hyperparameters are always the current ones.
        """
        options = {
            "gd": {},
            "sgd": {},
            "momentum": {"beta_1": float(self.beta_1), "nesterov": bool(self.nesterov)},
            "rmsprop": {"beta_2": float(self.beta_2), "epsilon": float(self.epsilon)},
            "adam": {
                "beta_1": float(self.beta_1),
                "beta_2": float(self.beta_2),
                "epsilon": float(self.epsilon),
            },
        }[self.solver]
        # Python floats, not NumPy scalars: a np.float64 factor would make every
        # in-place update of a float32 array compute in float64.
        optimizer = OPTIMIZERS[self.solver](params, float(self.learning_rate), **options)
        if type(previous) is type(optimizer) and previous.shapes == [p.shape for p in params]:
            optimizer.continue_from(previous)
            if self.lr_schedule == "adaptive":  # its rate is part of the history
                optimizer.learning_rate = previous.learning_rate
        return optimizer

    def _train(
        self,
        X,
        Y,
        sample_weight,
        coefs,
        intercepts,
        output_activation,
        rng,
        *,
        keep_probs,
        validation,
        previous_optimizer,
        first_epoch,
        incremental,
        tasks,
        target_attributes,
        batch_norm,
    ):
        """Run the optimizer over mini-batches (or the full set) until it stops.

        ``first_epoch`` (epochs already trained) places the learning-rate schedule;
        ``incremental`` runs exactly one epoch. Training stops early when the
        monitored loss stops improving, when a callback asks, or on Ctrl-C
        (KeyboardInterrupt), which warns and keeps what was reached.

        Returns
        -------
        Training
        """
        n_samples = X.shape[0]
        batch_size = self._batch_size(n_samples)
        layer_sizes = [X.shape[1]] + [W.shape[1] for W in coefs]
        activation = self._hidden_activation()
        alpha = float(self.alpha)

        workspace = Workspace(batch_size, layer_sizes, X.dtype, dropout=keep_probs is not None)
        coefs, intercepts, params, param_grads, grads = _pack_trainable(
            coefs, intercepts, batch_norm, self._fits_intercepts(), X.dtype
        )

        # When every step uses the whole training set, the running statistics are
        # that set's: there is nothing to average. Each step's leave them one step
        # behind the weights, and the fit ends with those at its final weights.
        full_batch = batch_norm is not None and batch_size >= n_samples and not incremental
        if full_batch:
            batch_norm.momentum = 0.0

        def take_full_batch_statistics(batch_norm):
            batch_norm.take_statistics_of(
                lambda: forward_propagation(
                    X,
                    coefs,
                    intercepts,
                    activation,
                    workspace.buffers,
                    batch_norm=batch_norm,
                    sample_weight=sample_weight,
                )
            )

        def inference_network():
            """The network as prediction sees it: batch normalization folded in."""
            if batch_norm is None:
                return coefs, intercepts
            return batch_norm.fold(coefs, intercepts)

        def model_after(n_epochs):
            """What a callback's ``fitted_estimator`` needs: the model as it stands."""

            def attributes():
                snapshot = None
                if batch_norm is not None:
                    snapshot = batch_norm.copy()
                    if full_batch:  # as the fit will end: the whole set's, at these weights
                        take_full_batch_statistics(snapshot)
                network = ([W.copy() for W in coefs], [b.copy() for b in intercepts], snapshot)
                return {
                    **target_attributes,
                    **self._network_attributes(*network),
                    "n_iter_": n_epochs,
                }

            return attributes

        if self.solver == "lbfgs":

            def cost_and_gradient():
                cost, _ = cost_and_gradients(
                    X,
                    Y,
                    coefs,
                    intercepts,
                    activation,
                    output_activation,
                    alpha,
                    sample_weight,
                    grads,
                    workspace,
                    batch_norm=batch_norm,
                )
                return cost

            training = Training(coefs, intercepts, optimizer=None, batch_norm=batch_norm)
            self._minimize_lbfgs(
                params, param_grads, cost_and_gradient, training, first_epoch, tasks, model_after
            )
            if batch_norm is not None:  # its trial points never entered the statistics
                take_full_batch_statistics(batch_norm)
            return training
        optimizer = self._make_optimizer([params], previous_optimizer)

        batches = MiniBatches(X, Y, sample_weight, batch_size, self.shuffle, rng)
        total_weight = n_samples if sample_weight is None else weight_sum(sample_weight)

        training = Training(coefs, intercepts, optimizer, batch_norm)
        if batch_norm is not None:
            batch_norm.update_running = True  # each training batch enters the averages
        # The monitored quantity, lower is better: the training loss, or with early
        # stopping the validation loss, or minus the validation score with `scoring`.
        best_monitored, epochs_without_improvement = np.inf, 0
        divergence_limit = np.inf  # set from the first batch's cost
        print_every = 1 if self.verbose > 1 or self.solver != "gd" else 100
        start_time = time.perf_counter()
        stopped = False
        epochs = range(first_epoch + 1, first_epoch + (1 if incremental else self.max_iter) + 1)
        epoch, epoch_cost, epoch_weight = epochs[0], 0.0, 0.0
        early_stopping = self.early_stopping and validation is not None and not incremental
        monitors_score = early_stopping and validation.scorer is not None
        # "gd" records the exact cost at the weights of each step, which a small enough
        # step always lowers. A loss that moves by more than tol between iterations
        # without beating the best has not levelled off: the steps overshoot and the loss
        # oscillates, often for a while only (a logistic loss flattens as its sigmoids
        # saturate). Stopping there would return a transient, so such a run goes on,
        # for a while, and ends on the weights of its lowest loss if that was not the
        # last (a network can oscillate at the edge of stability for good).
        exact_loss = self.solver == "gd" and keep_probs is None and not early_stopping
        lowest_exact_cost, lowest_loss_params, oscillating = np.inf, None, False
        best_params = best_running = None
        warned_nan = False
        if early_stopping and first_epoch > 0:
            # Going on from fitted weights: they are the best so far until an epoch beats them.
            val_loss, val_score = validation.evaluate(
                *inference_network(), activation, output_activation
            )
            best_monitored = -val_score if monitors_score else val_loss
            training.best_loss, training.best_iteration = val_loss, first_epoch
            training.best_validation_score = val_score
            best_params = params.copy()
            if batch_norm is not None:
                best_running = batch_norm.copy_running()
        try:
            for epoch in epochs:
                tasks.begin_epoch(model_after(epoch - 1))
                if self.lr_schedule != "adaptive":
                    optimizer.learning_rate = scheduled_learning_rate(
                        self.lr_schedule,
                        float(self.learning_rate),
                        epoch - 1,
                        float(self.decay_rate),
                        self.decay_steps,
                        float(self.power_t),
                    )
                epoch_cost, epoch_weight = 0.0, 0.0
                for X_batch, Y_batch, w_batch, batch_weight in batches.epoch():
                    masks = keep_probs and draw_dropout_masks(
                        rng, X_batch.shape[0], layer_sizes[1:-1], keep_probs, X.dtype, workspace
                    )
                    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                        cost, _ = cost_and_gradients(
                            X_batch,
                            Y_batch,
                            coefs,
                            intercepts,
                            activation,
                            output_activation,
                            alpha,
                            w_batch,
                            grads,
                            workspace,
                            masks,
                            keep_probs,
                            batch_norm,
                        )
                        if not cost < divergence_limit:  # also catches NaN
                            self._raise_diverged(epoch, cost)
                        if divergence_limit == np.inf:
                            divergence_limit = DIVERGENCE_FACTOR * max(cost, 1.0)
                        if exact_loss and cost < lowest_exact_cost:  # the weights it is of
                            lowest_exact_cost = cost
                            if lowest_loss_params is None:
                                lowest_loss_params = np.empty_like(params)
                            np.copyto(lowest_loss_params, params)
                        optimizer.update([params], [param_grads])
                    epoch_cost += cost * batch_weight
                    epoch_weight += batch_weight

                loss = epoch_cost / total_weight
                training.record(loss, optimizer.learning_rate)
                epoch_weight = 0.0  # recorded: an interrupt from here on adds no partial epoch
                progress = ""
                if validation is not None:
                    val_loss, val_score = validation.evaluate(
                        *inference_network(), activation, output_activation
                    )
                    training.record_validation(val_loss, val_score)
                    score_name = "accuracy" if validation.scorer is None else "score"
                    progress = f", validation loss = {val_loss:.6f}, {score_name} = {val_score:.4f}"
                if self.verbose and (epoch % print_every == 0 or epoch == epochs[0]):
                    print(
                        f"Iteration {epoch}, loss = {loss:.8f}{progress}, learning rate = "
                        f"{optimizer.learning_rate:.4g}, {time.perf_counter() - start_time:.2f} s"
                    )
                if not early_stopping:
                    monitored = loss
                else:
                    monitored = -val_score if monitors_score else val_loss
                if monitored <= best_monitored - self.tol:
                    epochs_without_improvement = 0
                else:  # NaN too: a score undefined on this validation set never improves
                    epochs_without_improvement += 1
                    if np.isnan(monitored) and not warned_nan:
                        warned_nan = True
                        _warn_fit_caller(
                            f"The validation score ({self.scoring!r}) is NaN at iteration "
                            f"{epoch}: it cannot be monitored (a validation set with a "
                            "single class, for instance, has no ROC AUC).",
                            UserWarning,
                            below_fit=1,
                        )
                if monitored < best_monitored:
                    best_monitored = monitored
                    training.best_iteration = epoch
                    training.best_loss = val_loss if early_stopping else loss
                    if early_stopping:  # keep the best weights to return at the end
                        training.best_validation_score = val_score
                        best_params = params.copy()
                        if batch_norm is not None:
                            best_running = batch_norm.copy_running()
                if tasks.end_epoch(model_after(epoch)):
                    stopped = True
                    if self.verbose:
                        print(f"A callback asked training to stop after iteration {epoch}.")
                    break
                if incremental:
                    continue
                if epochs_without_improvement < self.n_iter_no_change:
                    continue
                if self.lr_schedule == "adaptive" and optimizer.learning_rate > 1e-6:
                    optimizer.learning_rate /= 5
                    epochs_without_improvement = 0
                    continue
                if exact_loss and _still_moving(
                    training.loss_curve, self.n_iter_no_change, self.tol, X.dtype
                ):
                    since_lowest = epoch - training.best_iteration
                    if since_lowest < OSCILLATION_PATIENCE * self.n_iter_no_change:
                        continue
                    oscillating = True
                stopped = True
                if self.verbose:
                    print(
                        f"{'Validation' if early_stopping else 'Training'} "
                        f"{'score' if monitors_score else 'loss'} did not improve more than "
                        f"tol={self.tol} for {self.n_iter_no_change} consecutive iterations. "
                        "Stopping."
                    )
                break
        except KeyboardInterrupt:
            if epoch_weight > 0:  # the interrupted epoch's batches so far
                training.record(epoch_cost / epoch_weight, optimizer.learning_rate)
            _warn_fit_caller(
                f"Training interrupted (KeyboardInterrupt) during iteration {epoch}: "
                "the model keeps the weights reached so far.",
                UserWarning,
                below_fit=1,
            )
            stopped = True
        finally:
            tasks.end_epoch()  # an epoch cut short by an interrupt or an error ends empty

        if batch_norm is not None:
            batch_norm.update_running = False
        ended_on_lowest = training.best_iteration == first_epoch + len(training.loss_curve)
        if lowest_loss_params is not None and not ended_on_lowest:
            np.copyto(params, lowest_loss_params)  # the weights best_loss_ was measured at
        if oscillating or (not stopped and not incremental and exact_loss and not ended_on_lowest):
            _warn_fit_caller(
                f"{type(self).__name__}'s training loss still oscillates after "
                f"{len(training.loss_curve)} iterations: the steps overshoot. The model "
                f"keeps the weights of iteration {training.best_iteration}, with the lowest "
                f"loss ({training.best_loss:.6g}). Lower learning_rate or scale the inputs "
                "(e.g. StandardScaler in a Pipeline).",
                ConvergenceWarning,
                below_fit=1,
            )
            stopped = True  # warned
        if best_params is not None:
            np.copyto(params, best_params)  # coefs and intercepts are views of params
            if batch_norm is not None:  # those its validation loss was measured with
                batch_norm.restore_running(best_running)
        elif full_batch:
            take_full_batch_statistics(batch_norm)
        # The last step can overflow the weights after the last cost was taken.
        if not np.isfinite(params).all():
            self._raise_diverged(first_epoch + len(training.loss_curve), np.inf)
        if not stopped and not incremental:
            monitored_name = "training loss"
            if early_stopping:
                monitored_name = "validation score" if monitors_score else "validation loss"
            _warn_fit_caller(
                f"{type(self).__name__} reached max_iter={self.max_iter} iterations "
                f"before the {monitored_name} stopped improving; increase max_iter or "
                "learning_rate for a converged model.",
                ConvergenceWarning,
                below_fit=1,
            )
        return training

    def _minimize_lbfgs(
        self, params, param_grads, cost_and_gradient, training, first_epoch, tasks, model_after
    ):
        """Full-batch L-BFGS through SciPy, on the packed parameter vector, in place.

        ``cost_and_gradient()`` evaluates the cost at ``params`` and writes the
        gradient into ``param_grads``. SciPy works in float64; the network keeps
        its own dtype. ``max_iter`` bounds the iterations, ``max_fun`` the cost
        evaluations (line searches take several), and ``tol`` the gradient's norm.
        Each iteration is a callback subtask; a callback can stop the minimization.
        """
        last = {}

        def objective(theta):
            np.copyto(params, theta)
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                last["cost"] = cost_and_gradient()
            return last["cost"], param_grads.astype(np.float64)

        accepted = params.copy()

        def after_iteration(theta):
            # The line search's last evaluation is at the accepted point theta.
            np.copyto(accepted, theta)
            training.record(last["cost"])
            iteration = first_epoch + len(training.loss_curve)
            if last["cost"] < training.best_loss:
                training.best_loss = last["cost"]
                training.best_iteration = iteration
            np.copyto(params, theta)  # what a callback's fitted_estimator sees
            stop = tasks.end_epoch(model_after(iteration))
            tasks.begin_epoch(model_after(iteration))
            if stop:
                last["stopped by a callback"] = True
                raise StopIteration  # SciPy ends the minimization at theta

        tasks.begin_epoch(model_after(first_epoch))
        try:
            result = scipy.optimize.minimize(
                objective,
                params.astype(np.float64),
                jac=True,
                method="L-BFGS-B",
                callback=after_iteration,
                options={"maxiter": self.max_iter, "maxfun": self.max_fun, "gtol": self.tol},
            )
        except KeyboardInterrupt:
            np.copyto(params, accepted)
            _warn_fit_caller(
                "Training interrupted (KeyboardInterrupt) after iteration "
                f"{first_epoch + len(training.loss_curve)}: the model keeps the weights "
                "reached so far.",
                UserWarning,
                below_fit=2,
            )
            return
        finally:
            tasks.end_epoch()  # the subtask opened for an iteration that never ran
        np.copyto(params, result.x)
        if not training.loss_curve:  # already optimal where it started
            training.record(float(result.fun))
            training.best_loss, training.best_iteration = float(result.fun), first_epoch + 1
        if not np.isfinite(params).all():
            self._raise_diverged(first_epoch + len(training.loss_curve), np.inf)
        if result.status != 0 and "stopped by a callback" not in last:
            _warn_fit_caller(
                f"{type(self).__name__}'s L-BFGS stopped before converging ({result.message}); "
                "increase max_iter or max_fun.",
                ConvergenceWarning,
                below_fit=2,
            )

    def _raise_diverged(self, iteration, cost):
        raise ValueError(
            f"Training diverged at iteration {iteration}: the loss became {cost:.4g}. "
            f"Try a smaller learning_rate (got {self.learning_rate}) or scaled "
            "inputs (e.g. StandardScaler in a Pipeline)."
        )

    # -- prediction -------------------------------------------------------------------

    def _forward_logits(self, X):
        """Validate ``X`` and return the logits ``Z[L]``, of shape (n_samples, n_outputs)."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=FLOAT_DTYPES, accept_sparse=SPARSE_FORMATS)
        coefs, intercepts = self._inference_network()
        # Compute in the input's precision; casting the weights is cheaper than X.
        coefs = [W.astype(X.dtype, copy=False) for W in coefs]
        intercepts = [b.astype(X.dtype, copy=False) for b in intercepts]
        return predict_logits(X, coefs, intercepts, self._hidden_activation())


def _pack_trainable(coefs, intercepts, batch_norm, fits_intercepts, dtype):
    """Put every trainable parameter in one vector, and every gradient in another.

    The optimizer then updates them all in one pass; ``coefs``, ``dW``, ... become
    views of the two vectors. The biases are trainable unless ``fits_intercepts``
    is False or batch normalization replaces them (in the hidden layers, by
    ``beta``); such a bias keeps its value and gets no gradient (None in ``db``).
    With batch normalization, its ``gammas`` and ``betas`` (and their gradients)
    become views too.

    Returns
    -------
    coefs, intercepts : lists of L ndarrays
    params, param_grads : ndarray
        The packed vectors.
    grads : tuple (dW, db)
        For ``cost_and_gradients``.
    """
    n_layers = len(coefs)
    normalized = batch_norm is not None
    biased = [
        l for l in range(n_layers) if fits_intercepts and not (normalized and l < n_layers - 1)
    ]
    trainable = coefs + [intercepts[l] for l in biased]
    if normalized:
        trainable += batch_norm.gammas + batch_norm.betas
    params, views = pack(trainable, dtype)
    param_grads, grad_views = pack(trainable, dtype)
    coefs, dW = views[:n_layers], grad_views[:n_layers]
    intercepts, db = list(intercepts), [None] * n_layers
    for position, l in enumerate(biased, start=n_layers):
        intercepts[l], db[l] = views[position], grad_views[position]
    if normalized:
        n_hidden, start = n_layers - 1, n_layers + len(biased)
        batch_norm.gammas = views[start : start + n_hidden]
        batch_norm.betas = views[start + n_hidden :]
        batch_norm.dgammas = grad_views[start : start + n_hidden]
        batch_norm.dbetas = grad_views[start + n_hidden :]
    return coefs, intercepts, params, param_grads, (dW, db)


def _warn_fit_caller(message, category, below_fit):
    """Warn from inside a fit, pointing at the code that called ``fit`` or ``partial_fit``.

    ``below_fit`` counts the calls from ``_fit`` down to the one that warns (0 in
    ``_fit`` itself). Above ``_fit`` come ``_fit_or_restore``, the public method
    and the callback wrapper around it.
    """
    warnings.warn(message, category, stacklevel=below_fit + 6)


def _is_fitted(estimator):
    try:
        check_is_fitted(estimator)
    except Exception:
        return False
    return True


def _still_moving(loss_curve, n_iterations, tol, dtype):
    """Whether the loss changed by more than ``tol`` in one of its last ``n_iterations``.

    Changes within the cost's rounding error (which ``tol=0`` would count) do not.
    """
    changes = np.abs(np.diff(loss_curve[-(n_iterations + 1) :]))
    rounding = 64 * np.finfo(dtype).eps * abs(loss_curve[-1])
    return bool(np.any(changes > max(tol, rounding)))


def _copy_network(coefs, intercepts, dtype):
    """C-ordered copies of the weights in ``dtype``, free to be updated in place."""
    return (
        [np.array(W, dtype=dtype, order="C") for W in coefs],
        [np.array(b, dtype=dtype, order="C") for b in intercepts],
    )


def _make_generator(random_state):
    """The one ``numpy.random.Generator`` of a fit, from a scikit-learn ``random_state``.

    An int seeds it directly; ``None`` or a ``RandomState`` seeds it from that
    ``RandomState`` (``None``: NumPy's global one), as scikit-learn's convention has it.
    """
    if isinstance(random_state, Integral):
        return np.random.default_rng(int(random_state))
    seed = check_random_state(random_state).randint(np.iinfo(np.int32).max)
    return np.random.default_rng(seed)


def _check_sample_weight(sample_weight, X, name="sample_weight"):
    """Validate ``sample_weight`` against ``X``: an array of shape (n_samples,) in X's dtype.

    Returns None when no weights are given. Raises ValueError for a wrong shape,
    non-finite or negative weights, or weights that are all zero.
    """
    if sample_weight is None:
        return None
    n_samples = X.shape[0]
    if isinstance(sample_weight, Real):
        sample_weight = np.full(n_samples, sample_weight, dtype=X.dtype)
    sample_weight = check_array(sample_weight, ensure_2d=False, dtype=X.dtype, input_name=name)
    if sample_weight.shape != (n_samples,):
        raise ValueError(
            f"{name}.shape == {sample_weight.shape}, expected ({n_samples},): "
            "one weight per sample."
        )
    if (sample_weight < 0).any():
        raise ValueError(f"{name} must be non-negative; it has negative values.")
    if not sample_weight.any():
        raise ValueError(f"{name} must contain at least one non-zero weight.")
    return sample_weight
