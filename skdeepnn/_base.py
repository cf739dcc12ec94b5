"""The estimator base shared by every skdeepnn network: parameters, fit wiring, prediction.

``fit`` validates the data, lets the estimator's output head encode the targets,
and calls the training engine once (``_engine.train``) with what the fit needs;
then it stores what the engine returns as fitted attributes. An estimator says
what differs as values: its head (``_target_head``, ``_fitted_head``), its layers
(``_layout``) and where its fitted weights live (``_arrays``).
"""

import functools
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import (
    check_array,
    check_consistent_length,
    check_is_fitted,
    validate_data,
)

from ._array_api import device_logits, runs_on_array_api
from ._callbacks import CallbackSupportMixin, FitTasks, with_callbacks
from ._checks import check_sample_weight, is_fitted, make_generator, ndim
from ._engine import ModelSpec, Previous, TrainingData, settings_of, train
from ._namespace import check_same_namespace, host_copy, namespace_of, numpy_dtype, to_numpy
from ._network import predict_logits
from ._optimizers import OPTIMIZERS, optimizer_from_state, optimizer_state
from ._params import (
    Boolean,
    Infinity,
    InstanceOf,
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
from ._threads import batch_rows_of, blas_threads_for
from ._validation import ValidationSet
from ._version import __version__
from ._warnings import InconsistentVersionWarning

# Float dtypes kept as they are; any other numeric input becomes float64.
FLOAT_DTYPES = (np.float64, np.float32)


def float_dtypes(on):
    """The float dtypes ``X`` may keep, in the namespace ``on`` (NumPy's for None)."""
    return FLOAT_DTYPES if on is None else (on.xp.float64, on.xp.float32)


# Sparse X is used as given in these formats (others are converted to CSR): only
# the first layer's products touch X, and SciPy computes them without densifying.
SPARSE_FORMATS = ("csr", "csc")


class NetworkEstimator(CallbackSupportMixin, BaseEstimator):
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
        "restart_period": [Interval(Integral, 1, None)],
        "restart_multiplier": [Interval(Integral, 1, None)],
        "max_grad_norm": [
            Interval(Real, 0, None, closed="neither"),
            InstanceOf(type(None), "None"),
        ],
        "nesterov": [Boolean()],
        "early_stopping": [Boolean()],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "scoring": [Scoring()],
    }

    # The optimizer and its state, kept between fits for warm_start and partial_fit.
    _optimizer = None

    #: Where the fitted network lives in the attributes (``_arrays.DEEP`` or ``LINEAR``).
    _arrays = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        init = cls.__dict__.get("__init__")
        if init is None:
            return

        # Before __init__ refuses an unknown keyword with Python's bare TypeError, an
        # MLPClassifier name (learning_rate_init, ...) gets skdeepnn's name for it. The
        # wrapper keeps the constructor's signature (functools.wraps), which help(),
        # IDEs, Sphinx and scikit-learn's get_params read.
        @functools.wraps(init)
        def checked_init(self, *args, **params):
            refuse_mlp_names(type(self), params, TypeError)
            init(self, *args, **params)

        cls.__init__ = checked_init

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
        # X of PyTorch, CuPy...: see _namespace and _array_api. Not with numba's
        # kernels, which run on NumPy only.
        tags.array_api_support = runs_on_array_api(self)
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

    # -- what each estimator gives ---------------------------------------------------

    def _layout(self):
        """The ``Layout`` of the network the parameters ask for."""
        raise NotImplementedError

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
        ``tasks`` are the fit's callback tasks. A fit of small matrix products runs
        BLAS on one thread (``_threads``).
        """
        layout = self._layout()  # checks dropout against the hidden layers
        check_combinations(self, layout.keep_probs, validation)
        scorer = scorer_of(self, incremental, validation)
        continuing = is_fitted(self) and (incremental or self.warm_start)
        if continuing:  # the state it goes on from lives where the fitted model does
            caller = f"{type(self).__name__}.{'partial_fit' if incremental else 'fit'}()"
            check_same_namespace(X, self._arrays.read(self)[0][0], caller)
        data, head = self._training_data(
            X, y, sample_weight, reset=not continuing, incremental=incremental, classes=classes
        )
        if tasks.has_callbacks and data.user_weight is not None:
            tasks.data["metadata"] = {"sample_weight": data.user_weight}
        validation_set = None
        if validation[0] is not None and not incremental:
            validation_set = self._user_validation_set(*validation, head, data.X)
        model = ModelSpec(head, layout, float(self.alpha), functools.partial(self._describe, head))
        batch_rows = batch_rows_of(self.solver, self.batch_size, data.Y.shape[0])
        with blas_threads_for(batch_rows, layout.sizes(data.X.shape[1], head.n_outputs)):
            training = train(
                data,
                model,
                settings_of(self, scorer, incremental),
                make_generator(self.random_state),
                tasks=tasks,
                previous=self._previous() if continuing else None,
                validation=validation_set,
            )
        self._store(training, head)
        tasks.end_fit()

    def _previous(self):
        """The fitted model, as the engine goes on from it."""
        coefs, intercepts, batch_norm = self._arrays.read(self)
        curves = {
            "loss_curve": self.loss_curve_,
            "learning_rate_curve": self.learning_rate_curve_,
            "validation_loss_curve": getattr(self, "validation_loss_curve_", None),
            "validation_scores": getattr(self, "validation_scores_", None),
        }
        return Previous(coefs, intercepts, batch_norm, self._optimizer, curves)

    def _describe(self, head, coefs, intercepts, batch_norm, n_epochs):
        """The fitted attributes of a model with this network, for the callbacks."""
        arrays = self._arrays.attributes(coefs, intercepts, batch_norm)
        return {**head.attributes(), **arrays, "n_iter_": n_epochs}

    def _store(self, training, head):
        """Set the fitted attributes from what the engine returned."""
        on = namespace_of(training.coefs[0])
        for name, value in head.attributes().items():
            if on is not None and isinstance(value, np.ndarray) and name != "classes_":
                value = on.asarray(value)  # fitted arrays live on X's device; labels stay
            setattr(self, name, value)
        arrays = self._arrays.attributes(training.coefs, training.intercepts, training.batch_norm)
        for name, value in arrays.items():
            setattr(self, name, value)
        self._optimizer = training.optimizer
        self.n_iter_ = len(training.loss_curve)
        self.loss_ = training.loss_curve[-1] if training.loss_curve else np.nan
        self.loss_curve_ = training.loss_curve
        self.learning_rate_curve_ = training.learning_rate_curve
        self.validation_loss_curve_ = training.validation_loss_curve
        self.validation_scores_ = training.validation_scores
        self.best_loss_ = training.best_loss
        self.best_iteration_ = training.best_iteration
        self.best_validation_score_ = training.best_validation_score

    def _training_data(self, X, y, sample_weight, *, reset, incremental=False, classes=None):
        """Check ``X``, ``y`` and ``sample_weight``, and encode the targets with the head.

        Returns
        -------
        data : TrainingData
            ``X`` (float32 or float64), the head's encoding ``Y``, the cost's weights
            (the user's times the class weights) and the user's weights alone.
        head : output head
        """
        if ndim(y) > 2:  # else scikit-learn's message names no y
            raise ValueError(
                f"y has {ndim(y)} dimensions; {type(self).__name__} takes y of shape "
                "(n_samples,) or (n_samples, n_outputs)."
            )
        on = namespace_of(X)
        # Array API dispatch: X stays on its device; the targets and weights (of any
        # namespace) are checked and encoded on the host, and the backend moves them
        # to X's device. Without it, host_copy changes nothing.
        y, sample_weight = host_copy(y), host_copy(sample_weight)
        self._check_raw_targets(y)
        X_given = X
        X, y = validate_data(
            self,
            X,
            y,
            reset=reset,
            dtype=float_dtypes(on),
            accept_sparse=SPARSE_FORMATS,
            multi_output=True,
        )
        y = self._check_targets(y)
        user_weight = check_sample_weight(sample_weight, X)
        head = self._target_head(
            y, user_weight, fitted=not reset, incremental=incremental, classes=classes
        )
        Y, sample_weight = head.encode(y, user_weight, numpy_dtype(X))
        X_named = X_given if hasattr(self, "feature_names_in_") else None
        return TrainingData(X, Y, sample_weight, user_weight, X_named), head

    def _user_validation_set(self, X_val, y_val, sample_weight_val, head, X):
        """The user's validation set, validated like the training data ``X`` and encoded;
        on ``X``'s namespace and device, as everything else follows ``X``."""
        if y_val is None:
            raise ValueError("X_val was given without y_val: pass both, or neither.")
        on = namespace_of(X)
        if on is not None and not on.holds(X_val):
            X_val = on.asarray(to_numpy(check_array(X_val, accept_sparse=False, dtype=None)))
        X_val = validate_data(self, X_val, reset=False, dtype=X.dtype, accept_sparse=SPARSE_FORMATS)
        y_val, sample_weight_val = host_copy(y_val), host_copy(sample_weight_val)
        self._check_raw_targets(y_val, "y_val")
        y_val = check_array(
            y_val, ensure_2d=False, dtype=None, accept_sparse="csr", input_name="y_val"
        )
        check_consistent_length(X_val, y_val)
        sample_weight_val = check_sample_weight(sample_weight_val, X_val, name="sample_weight_val")
        y_val = self._check_targets(y_val, "y_val")
        Y_val, w_val = head.encode(y_val, sample_weight_val, numpy_dtype(X), "y_val")
        return ValidationSet(X_val, Y_val, w_val, head)

    # -- prediction -------------------------------------------------------------------

    def _predicted(self, X, method):
        """The fitted head's ``method`` (``"predict"``, ``"predict_proba"``...) of the
        logits of ``X``, in ``X``'s namespace and on its device."""
        on = namespace_of(X)
        Z = self._forward_logits(X, method)
        result = getattr(self._fitted_head(), method)(Z)
        if on is None or result.dtype.kind not in "biuf":  # labels that are strings stay NumPy's
            return result
        return on.asarray(result)

    def _forward_logits(self, X, method="predict"):
        """Validate ``X`` and return the logits ``Z[L]``, of shape (n_samples, n_outputs),
        as a NumPy array; ``method`` is what the user called, for errors."""
        check_is_fitted(self)
        dtype = float_dtypes(namespace_of(X))
        X = validate_data(self, X, reset=False, dtype=dtype, accept_sparse=SPARSE_FORMATS)
        coefs, intercepts, activation = self._arrays.inference(self)
        on = check_same_namespace(X, coefs[0], f"{type(self).__name__}.{method}()")
        if on is not None:
            coefs = [on.xp.astype(W, X.dtype) for W in coefs]
            intercepts = [on.xp.astype(b, X.dtype) for b in intercepts]
            return to_numpy(device_logits(X, coefs, intercepts, activation))
        # Compute in the input's precision; casting the weights is cheaper than X.
        coefs = [W.astype(X.dtype, copy=False) for W in coefs]
        intercepts = [b.astype(X.dtype, copy=False) for b in intercepts]
        return predict_logits(X, coefs, intercepts, activation)
