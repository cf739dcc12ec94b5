"""The estimator base shared by every skdeepnn network: parameters, fit wiring, prediction.

``fit`` validates the data, lets the subclass's output head encode the targets,
sets the validation set aside, builds the network, and hands all of it to the
training engine (``_engine.EpochLoop``, or ``_lbfgs.minimize_lbfgs``); then it
stores what the engine returns as fitted attributes. A subclass says what
differs: its output head (``_target_head``, ``_fitted_head``), its hidden
layers, and where the fitted weights live (``_get_network`` / ``_network_attributes``).
"""

import functools
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils import _safe_indexing
from sklearn.utils.validation import (
    check_array,
    check_consistent_length,
    check_is_fitted,
    validate_data,
)

from ._batch_norm import BatchNorm
from ._callbacks import CallbackSupportMixin, FitTasks, with_callbacks
from ._checks import check_sample_weight, copy_network, is_fitted, make_generator, ndim
from ._engine import EpochLoop, model_view, settings_of
from ._kernels import training_kernels
from ._lbfgs import minimize_lbfgs
from ._network import predict_logits
from ._optimizers import OPTIMIZERS, make_optimizer, optimizer_from_state, optimizer_state
from ._params import (
    Boolean,
    Infinity,
    Interval,
    Options,
    RandomStateLike,
    Scoring,
    check_combinations,
    refuse_mlp_names,
    scorer_of,
    validate_params,
)
from ._schedules import SCHEDULES
from ._training import (
    TrainableNetwork,
    check_continuable,
    check_finite_outputs,
    initial_network,
)
from ._validation import ValidationSet, split_off_validation
from ._version import __version__
from ._warnings import InconsistentVersionWarning, warn_fit_caller

# Float dtypes kept as they are; any other numeric input becomes float64.
FLOAT_DTYPES = (np.float64, np.float32)

# Sparse X is used as given in these formats (others are converted to CSR): only
# the first layer's products touch X, and SciPy computes them without densifying.
SPARSE_FORMATS = ("csr", "csc")


class BaseNetwork(CallbackSupportMixin, BaseEstimator):
    """Shared machinery of the network estimators; not for direct use."""

    _parameter_constraints = {
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 1, None)],
        "tol": [Interval(Real, 0, None)],
        "n_iter_no_change": [Interval(Integral, 1, None), Infinity()],
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

    def __new__(cls, *args, **kwargs):
        # Before __init__ refuses an unknown keyword with Python's bare TypeError: an
        # MLPClassifier name (learning_rate_init, ...) gets skdeepnn's name for it.
        refuse_mlp_names(cls, kwargs, TypeError)
        return super().__new__(cls)

    def set_params(self, **params):
        """Set the parameters of this estimator (scikit-learn's ``set_params``).

        An MLPClassifier name (``learning_rate_init``, ...) is refused with a
        ValueError that names skdeepnn's parameter for it.

        Parameters
        ----------
        **params : dict
            Parameter names and their new values.

        Returns
        -------
        self : estimator instance
        """
        refuse_mlp_names(type(self), params, ValueError)
        return super().set_params(**params)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    def __getstate__(self):
        # A copy: object.__getstate__ returns the instance's own dict.
        state = dict(super().__getstate__(), _skdeepnn_version=__version__)
        if state.get("_optimizer") is not None:  # plain data, no private class
            state["_optimizer"] = optimizer_state(state["_optimizer"])
        return state

    def __setstate__(self, state):
        version = state.pop("_skdeepnn_version", None)
        if version != __version__:
            warnings.warn(
                f"Trying to unpickle {type(self).__name__} from skdeepnn {version} when "
                f"using version {__version__}: it may not work. Refit it, or move models "
                "between versions with skdeepnn.save and skdeepnn.load.",
                InconsistentVersionWarning,
                stacklevel=2,
            )
        if isinstance(state.get("_optimizer"), dict):
            state["_optimizer"] = optimizer_from_state(state["_optimizer"])
        super().__setstate__(state)

    # -- what subclasses provide -------------------------------------------------

    def _hidden_layer_sizes(self):
        """The sizes ``n_1 .. n_{L-1}`` of the hidden layers."""
        return []

    def _hidden_activation(self):
        return "identity"

    def _initializer(self):
        """The name of the weight initializer, a key of ``INITIALIZERS``."""
        return "zeros"

    def _output_initializer(self):
        """The output layer's initializer; the others' by default."""
        return self._initializer()

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

    def _check_targets(self, y, name="y"):
        """``y`` (or ``y_val``) in the shape the head reads, after ``validate_data``."""
        return y

    def _check_raw_targets(self, y, name="y"):
        """Check ``y`` (or ``y_val``) as the user gave it, before NumPy converts it."""

    def _target_head(self, y, sample_weight, *, fitted, incremental, classes):
        """The output head for training on ``y``: a new one, or with ``fitted`` the
        fitted model's (after checking that ``y`` suits it)."""
        raise NotImplementedError

    def _fitted_head(self):
        """The output head of the fitted model, rebuilt from its attributes."""
        raise NotImplementedError

    def _as_estimator(self, coefs, intercepts, head):
        """The network ``(coefs, intercepts)`` as an estimator that scikit-learn's
        scorers can call on validated input, without copying the weights."""
        raise NotImplementedError

    def _get_network(self):
        """The fitted ``(coefs, intercepts)`` in the core's layout."""
        raise NotImplementedError

    def _network_attributes(self, coefs, intercepts, batch_norm=None):
        """The fitted attributes that hold the network: a dict."""
        raise NotImplementedError

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
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets: labels, a label indicator matrix (multilabel), or numbers
            (regression).
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights; the cost becomes the weighted mean of the losses.
        X_val : {array-like, sparse matrix} of shape (n_val, n_features), default=None
            A validation set of your own: its loss and score are recorded after
            every epoch, and ``early_stopping=True`` monitors it instead of
            splitting ``validation_fraction`` off the training data. In a Pipeline,
            route it with ``transform_input=["X_val"]`` so that the steps before
            transform it too.
        y_val : array-like of shape (n_val,) or (n_val, n_outputs), default=None
            Its targets; required with ``X_val``.
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
        check_combinations(self, keep_probs, validation)
        scorer = scorer_of(self, incremental, validation)
        continuing = is_fitted(self) and (incremental or self.warm_start)
        X_given = X
        X, Y, sample_weight, user_weight, head = self._training_data(
            X, y, sample_weight, reset=not continuing, incremental=incremental, classes=classes
        )
        if tasks.has_callbacks and user_weight is not None:
            tasks.data["metadata"] = {"sample_weight": user_weight}
        rng = make_generator(self.random_state)
        validation_set = train_rows = None  # None: every row of X trains
        if validation[0] is not None and not incremental:
            validation_set = self._user_validation_set(*validation, head, X.dtype)
        elif self.early_stopping and not incremental:
            split = self._split_off_validation(
                X_given, X, Y, sample_weight, user_weight, head, rng, tasks
            )
            if split is not None:
                X, train_rows, Y, sample_weight, validation_set = split
        n_train = Y.shape[0]
        if validation_set is not None and scorer is not None:
            as_estimator = functools.partial(self._as_estimator, head=head)
            if validation_set.score_with(scorer, head.decode(validation_set.Y), as_estimator):
                warn_fit_caller(
                    "The scoring callable takes no sample_weight: the validation scores "
                    "leave out the sample and class weights that the validation loss has.",
                    UserWarning,
                )
        starting_network = self._starting_network(X, Y, sample_weight, head, continuing, rng)
        settings = settings_of(self, n_train)
        if starting_network[2] is not None and settings.batch_size < 2:
            fix = "a batch_size of at least 2" if n_train > 1 else "at least 2 samples"
            raise ValueError(
                "batch_norm=True needs batches of at least 2 samples: a single sample is "
                "its own mean, and normalizing leaves 0 whatever it was. Use "
                f"{fix} (got batch_size={self.batch_size!r}, {n_train} samples)."
            )
        network = self._trainable_network(
            *starting_network, head, keep_probs, settings.batch_size, X.dtype
        )
        tasks.begin_fit()
        training = self._run_engine(
            network, X, Y, sample_weight, settings, rng, head, validation_set, tasks,
            continuing=continuing, incremental=incremental, rows=train_rows,
        )  # fmt: skip
        n_epochs = (self.n_iter_ if continuing else 0) + len(training.loss_curve)
        check_finite_outputs(
            training,
            self._hidden_activation(),
            head,
            # Early stopping's validation rows may be rows of X, which is checked already.
            [X] if validation_set is None or validation_set.X is X else [X, validation_set.X],
            n_epochs,
            None if self.solver == "lbfgs" else self.learning_rate,
        )
        self._store(training, head, continuing, has_validation=validation_set is not None)
        tasks.end_fit()

    def _run_engine(
        self, network, X, Y, sample_weight, settings, rng, head, validation_set, tasks, *,
        continuing, incremental, rows=None,
    ):  # fmt: skip
        """Train ``network`` with the solver's engine; returns its ``Training`` record.

        ``rows`` are the rows of ``X`` that train, when early stopping split off the
        others (``Y`` and ``sample_weight`` then hold those rows alone).
        """

        def describe(coefs, intercepts, batch_norm, n_epochs):
            network_attributes = self._network_attributes(coefs, intercepts, batch_norm)
            return {**head.attributes(), **network_attributes, "n_iter_": n_epochs}

        first_epoch = self.n_iter_ if continuing else 0
        if self.solver == "lbfgs":
            full_batch = network.batch_norm is not None
            return minimize_lbfgs(
                network, X, Y, sample_weight, settings, tasks=tasks, first_epoch=first_epoch,
                model_after=model_view(network, X, sample_weight, full_batch, describe),
            )  # fmt: skip
        optimizer = make_optimizer(
            self.solver, [network.params], self.learning_rate, settings.optimizer_options,
            previous=self._optimizer if continuing else None,
            keep_rate=self.lr_schedule == "adaptive",
        )  # fmt: skip
        return EpochLoop(
            network, X, Y, sample_weight, settings, optimizer, rng,
            validation=validation_set, tasks=tasks, describe=describe,
            first_epoch=first_epoch, incremental=incremental, rows=rows,
        ).run()  # fmt: skip

    def _store(self, training, head, continuing, has_validation):
        """Set the fitted attributes from a run of the engine."""
        loss_curve, learning_rate_curve = training.loss_curve, training.learning_rate_curve
        validation_curves = (training.validation_loss_curve, training.validation_scores)
        if not has_validation:
            validation_curves = (None, None)
            if continuing:  # partial_fit: the epochs validated so far stay on record
                validation_curves = (
                    getattr(self, "validation_loss_curve_", None),
                    getattr(self, "validation_scores_", None),
                )
        if continuing:  # the curves go on from where the previous fit left them
            loss_curve = self.loss_curve_ + loss_curve
            learning_rate_curve = self.learning_rate_curve_ + learning_rate_curve
            if has_validation and getattr(self, "validation_loss_curve_", None) is not None:
                validation_curves = (
                    self.validation_loss_curve_ + validation_curves[0],
                    self.validation_scores_ + validation_curves[1],
                )
        for name, value in head.attributes().items():
            setattr(self, name, value)
        network = self._network_attributes(training.coefs, training.intercepts, training.batch_norm)
        for name, value in network.items():
            setattr(self, name, value)
        self._optimizer = training.optimizer
        self.n_iter_ = len(loss_curve)
        self.loss_ = loss_curve[-1] if loss_curve else np.nan
        self.loss_curve_ = loss_curve
        self.learning_rate_curve_ = learning_rate_curve
        self.validation_loss_curve_, self.validation_scores_ = validation_curves
        self.best_loss_ = training.best_loss
        self.best_iteration_ = training.best_iteration
        self.best_validation_score_ = training.best_validation_score

    def _training_data(self, X, y, sample_weight, *, reset, incremental=False, classes=None):
        """Check ``X``, ``y`` and ``sample_weight``, and encode the targets with the head.

        Returns
        -------
        X : ndarray or sparse matrix of shape (n_samples, n_features), float32 or float64
        Y : ndarray of shape (n_samples, n_outputs) or (n_samples, 1)
            The head's encoding: in X's dtype, or class indices for a softmax.
        sample_weight : ndarray of shape (n_samples,) or None
            The weights of the cost: the user's times the class weights.
        user_weight : ndarray of shape (n_samples,) or None
            The user's weights alone, validated: what scorers and callbacks are given.
        head : output head
        """
        if ndim(y) > 2:  # else scikit-learn's message names no y
            raise ValueError(
                f"y has {ndim(y)} dimensions; {type(self).__name__} takes y of shape "
                "(n_samples,) or (n_samples, n_outputs)."
            )
        self._check_raw_targets(y)
        X, y = validate_data(
            self,
            X,
            y,
            reset=reset,
            dtype=FLOAT_DTYPES,
            accept_sparse=SPARSE_FORMATS,
            multi_output=True,
        )
        y = self._check_targets(y)
        user_weight = check_sample_weight(sample_weight, X)
        head = self._target_head(
            y, user_weight, fitted=not reset, incremental=incremental, classes=classes
        )
        Y, sample_weight = head.encode(y, user_weight, X.dtype)
        return X, Y, sample_weight, user_weight, head

    def _user_validation_set(self, X_val, y_val, sample_weight_val, head, dtype):
        """The user's validation set, validated like the training data and encoded."""
        if y_val is None:
            raise ValueError("X_val was given without y_val: pass both, or neither.")
        X_val = validate_data(self, X_val, reset=False, dtype=dtype, accept_sparse=SPARSE_FORMATS)
        self._check_raw_targets(y_val, "y_val")
        y_val = check_array(
            y_val, ensure_2d=False, dtype=None, accept_sparse="csr", input_name="y_val"
        )
        check_consistent_length(X_val, y_val)
        sample_weight_val = check_sample_weight(sample_weight_val, X_val, name="sample_weight_val")
        y_val = self._check_targets(y_val, "y_val")
        Y_val, w_val = head.encode(y_val, sample_weight_val, dtype, "y_val")
        return ValidationSet(X_val, Y_val, w_val, head)

    def _split_off_validation(self, X_given, X, Y, sample_weight, user_weight, head, rng, tasks):
        """Set ``validation_fraction`` of the training data aside for early stopping.

        Returns ``(X, train_rows, Y, sample_weight, validation_set)``: the data, the
        rows of it that train (None: all of it), their targets and weights, and the
        rest as the validation set. Or None, with a warning, when the data are too few
        for a validation set that holds every class (or any weight): training then goes
        on without early stopping, as on data too small to validate on.
        """
        seed = int(rng.integers(2**31 - 1))
        try:
            train_rows, Y, sample_weight, validation_set = split_off_validation(
                X, Y, sample_weight, self.validation_fraction, head, seed
            )
        except ValueError as error:
            warn_fit_caller(f"{error} Training without early stopping.", UserWarning)
            return None
        if tasks.has_callbacks:  # they see the part that trains, copied out
            tasks.data["y"] = head.decode(Y)
            if user_weight is not None:
                tasks.data["metadata"] = {"sample_weight": user_weight[train_rows]}
            if hasattr(self, "feature_names_in_"):
                # A DataFrame's rows keep its column names, which predict checks.
                tasks.data["X"] = _safe_indexing(X_given, train_rows)
            else:  # training reads the same copy, rather than gathering from X
                X = tasks.data["X"] = _safe_indexing(X, train_rows)
                train_rows = None
        return X, train_rows, Y, sample_weight, validation_set

    def _trainable_network(
        self, coefs, intercepts, batch_norm, head, keep_probs, batch_size, dtype
    ):
        """The network to train, from its starting weights."""
        return TrainableNetwork(
            coefs,
            intercepts,
            self._hidden_activation(),
            head.loss,
            float(self.alpha),
            batch_size,
            dtype,
            batch_norm=batch_norm,
            fits_intercepts=self._fits_intercepts(),
            keep_probs=keep_probs,
            kernels=training_kernels(),
        )

    def _starting_network(self, X, Y, sample_weight, head, continuing, rng):
        """``(coefs, intercepts, batch_norm)`` in X's dtype, free to be trained in place:
        copies of the fitted ones (after checking they still fit), or new ones."""
        layer_sizes = [X.shape[1], *self._hidden_layer_sizes(), head.n_outputs]
        momentum = self._batch_norm_momentum()
        if continuing:
            coefs, intercepts = self._get_network()
            batch_norm = self._fitted_batch_norm()
            check_continuable(coefs, batch_norm, layer_sizes, momentum)
            if batch_norm is not None:
                batch_norm = batch_norm.copy(X.dtype)
                batch_norm.momentum = momentum
            return (*copy_network(coefs, intercepts, X.dtype), batch_norm)
        coefs, intercepts = initial_network(
            layer_sizes, self._initializer(), self._output_initializer(), rng, X.dtype
        )
        if self._fits_intercepts():
            intercepts[-1] = head.initial_output_bias(Y, sample_weight).astype(X.dtype)
        batch_norm = None
        if momentum is not None:
            batch_norm = BatchNorm.initial(layer_sizes[1:-1], momentum, X.dtype)
        return coefs, intercepts, batch_norm

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
