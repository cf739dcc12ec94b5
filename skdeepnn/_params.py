"""Checks of hyperparameters, run at the start of ``fit``.

Each estimator lists, in ``_parameter_constraints``, what every parameter may be.
``validate_params`` then raises a ``TypeError`` when a value is of no accepted
type and a ``ValueError`` when its type is accepted but the value is out of
range, naming the parameter, what it must be, and the value given.
``check_combinations`` refuses settings that are valid alone but not together,
and ``scorer_of`` turns ``scoring`` into a scorer.
"""

import functools
import math
import types
from numbers import Integral, Real

import numpy as np
from sklearn.metrics import check_scoring

from ._warnings import warn_fit_caller


class Interval:
    """A number of ``kind`` (``Integral`` or ``Real``) between ``left`` and ``right``.

    ``None`` for a bound means unbounded; ``closed`` is one of "both", "left",
    "right", "neither". Booleans are never accepted as numbers, nor are NaN and
    infinity: no hyperparameter here has a meaning for them.
    """

    def __init__(self, kind, left, right, closed="both"):
        self.kind = kind
        self.left = left
        self.right = right
        self.closed = closed

    def accepts_type(self, value):
        return isinstance(value, self.kind) and not isinstance(value, (bool, np.bool_))

    def is_satisfied_by(self, value):
        if not self.accepts_type(value) or not math.isfinite(value):
            return False
        if self.left is not None:
            if value < self.left or (value == self.left and self.closed in ("right", "neither")):
                return False
        if self.right is not None:
            if value > self.right or (value == self.right and self.closed in ("left", "neither")):
                return False
        return True

    def __str__(self):
        kind = "an int" if self.kind is Integral else "a float"
        left_bracket = "[" if self.closed in ("both", "left") else "("
        right_bracket = "]" if self.closed in ("both", "right") else ")"
        left = "-inf" if self.left is None else self.left
        right = "inf" if self.right is None else self.right
        return f"{kind} in {left_bracket}{left}, {right}{right_bracket}"


class Infinity:
    """``float("inf")`` (or ``np.inf``): no limit."""

    def accepts_type(self, value):
        return isinstance(value, Real) and not isinstance(value, (bool, np.bool_))

    def is_satisfied_by(self, value):
        return self.accepts_type(value) and value == math.inf

    def __str__(self):
        return "inf (no limit)"


class Options:
    """One of a fixed set of strings."""

    def __init__(self, *options):
        self.options = options

    def accepts_type(self, value):
        return isinstance(value, str)

    def is_satisfied_by(self, value):
        return isinstance(value, str) and value in self.options

    def __str__(self):
        return "one of " + ", ".join(repr(option) for option in self.options)


class InstanceOf:
    """An instance of ``types`` (a type or a tuple of them), described as ``description``."""

    def __init__(self, types, description):
        self.types = types
        self.description = description

    def accepts_type(self, value):
        return isinstance(value, self.types)

    is_satisfied_by = accepts_type

    def __str__(self):
        return self.description


class Boolean:
    """``True`` or ``False`` (NumPy booleans too)."""

    def accepts_type(self, value):
        return isinstance(value, (bool, np.bool_))

    is_satisfied_by = accepts_type

    def __str__(self):
        return "a bool"


class RandomStateLike:
    """``None``, an int in [0, 2**32 - 1], or a ``numpy.random.RandomState``."""

    def accepts_type(self, value):
        return (
            value is None
            or isinstance(value, np.random.RandomState)
            or (isinstance(value, Integral) and not isinstance(value, (bool, np.bool_)))
        )

    def is_satisfied_by(self, value):
        if not self.accepts_type(value):
            return False
        return not isinstance(value, Integral) or 0 <= value < 2**32

    def __str__(self):
        return "None, an int in [0, 2**32 - 1] or a numpy.random.RandomState"


class Scoring:
    """None, the name of a scikit-learn scorer, or a callable ``scorer(estimator, X, y)``.

    Whether a name is known is checked by scikit-learn's ``check_scoring`` at fit.
    """

    def accepts_type(self, value):
        return value is None or isinstance(value, str) or callable(value)

    is_satisfied_by = accepts_type

    def __str__(self):
        return "None, a scorer's name (a str) or a callable scorer"


class LayerSizes:
    """One positive int, or a flat sequence (possibly empty) of them: tuple, list, range, array."""

    def accepts_type(self, value):
        if isinstance(value, (bool, np.bool_, str)):
            return False
        return isinstance(value, Integral) or np.iterable(value)

    def is_satisfied_by(self, value):
        if not self.accepts_type(value):
            return False
        if isinstance(value, Integral):
            return value > 0
        sizes = list(value)
        return all(
            isinstance(n, Integral) and not isinstance(n, (bool, np.bool_)) and n > 0 for n in sizes
        )

    def __str__(self):
        return "a tuple of positive ints (one per hidden layer)"


class FloatOrSequence:
    """One finite float, or a flat sequence of them, each of which ``holds``; a sequence
    must also satisfy ``holds_sequence``. Subclasses say which values hold."""

    def accepts_type(self, value):
        if isinstance(value, (bool, np.bool_, str)):
            return False
        return isinstance(value, Real) or np.iterable(value)

    def is_satisfied_by(self, value):
        if not self.accepts_type(value):
            return False
        values = [value] if isinstance(value, Real) else list(value)
        finite = all(
            isinstance(v, Real) and not isinstance(v, (bool, np.bool_)) and math.isfinite(v)
            for v in values
        )
        return finite and all(self.holds(v) for v in values) and self.holds_sequence(values)

    def holds(self, value):
        raise NotImplementedError

    def holds_sequence(self, values):
        return True


class DropoutRates(FloatOrSequence):
    """A probability in [0, 1), or a flat sequence of them (one per hidden layer)."""

    def holds(self, rate):
        return 0 <= rate < 1

    def __str__(self):
        return "a float in [0, 1) or a tuple of them, one per hidden layer (1.0 drops every unit)"


class QuantileLevels(FloatOrSequence):
    """A probability in (0, 1), or a non-empty, strictly increasing sequence of them."""

    def holds(self, level):
        return 0 < level < 1

    def holds_sequence(self, levels):
        increasing = all(a < b for a, b in zip(levels[:-1], levels[1:], strict=True))
        return len(levels) > 0 and increasing

    def __str__(self):
        return "a float in (0, 1) or a non-empty, strictly increasing sequence of them"


#: Where MLPClassifier's and MLPRegressor's users find every parameter mapped.
MLP_GUIDE = "the guide 'For MLPClassifier users' in the documentation maps every parameter"

#: MLPClassifier's parameter names that skdeepnn spells otherwise, and skdeepnn's.
MLP_NAMES = {
    "learning_rate_init": "learning_rate",
    "nesterovs_momentum": "nesterov",
    "momentum": "beta_1 (the momentum of solver='momentum')",
}

#: MLPClassifier's values that skdeepnn spells otherwise: (parameter, value) -> advice.
MLP_VALUES = {
    **{
        ("learning_rate", schedule): (
            f"MLPClassifier's learning_rate={schedule!r} is lr_schedule={schedule!r} here, "
            "and its learning_rate_init is learning_rate"
        )
        for schedule in ("constant", "invscaling", "adaptive")
    },
    ("activation", "logistic"): "MLPClassifier's activation='logistic' is 'sigmoid' here",
}


def refuse_mlp_names(estimator_class, names, error_class):
    """Raise ``error_class`` naming skdeepnn's parameter for an MLPClassifier name in
    ``names`` that ``estimator_class`` does not have; do nothing otherwise."""
    for name in MLP_NAMES.keys() & names:  # usually none: no signature to read
        if name not in estimator_class._get_param_names():
            raise error_class(
                f"{estimator_class.__name__} has no parameter {name!r}: MLPClassifier's "
                f"{name} is {MLP_NAMES[name]} here ({MLP_GUIDE})."
            )


def validate_params(estimator):
    """Check every parameter of ``estimator`` against its ``_parameter_constraints``.

    Raises
    ------
    TypeError
        A value is of no type that any of its constraints accepts.
    ValueError
        A value's type is accepted but the value itself is not.
    """
    name_of_estimator = type(estimator).__name__
    for name, constraints in estimator._parameter_constraints.items():
        value = getattr(estimator, name)
        if any(constraint.is_satisfied_by(value) for constraint in constraints):
            continue
        expected = " or ".join(str(constraint) for constraint in constraints)
        message = (
            f"The '{name}' parameter of {name_of_estimator} must be {expected}; got {value!r}."
        )
        if isinstance(value, str) and (name, value) in MLP_VALUES:
            message += f" {MLP_VALUES[name, value]} ({MLP_GUIDE})."
        if any(constraint.accepts_type(value) for constraint in constraints):
            raise ValueError(message)
        raise TypeError(message)


def check_combinations(estimator, keep_probs, validation):
    """Refuse settings that are valid one by one but cannot work together.

    Parameters
    ----------
    estimator : estimator instance
    keep_probs : list of float or None
        Dropout's keep probabilities.
    validation : tuple (X_val, y_val, sample_weight_val)
    """
    if estimator.lr_schedule == "exponential" and estimator.decay_rate > 1:
        raise ValueError(
            "decay_rate must be at most 1 with lr_schedule='exponential' (the "
            f"learning rate would grow); got {estimator.decay_rate}."
        )
    if validation[0] is None and (validation[1] is not None or validation[2] is not None):
        raise ValueError("y_val or sample_weight_val was given without X_val.")
    if estimator.solver != "lbfgs":
        return
    # L-BFGS is a deterministic full-batch method (partial_fit is not offered with it).
    if keep_probs is not None:
        refused = "dropout, whose random masks would change the cost it minimizes"
    elif estimator.early_stopping or validation[0] is not None:
        refused = "early_stopping and X_val, which monitor the epochs of the other solvers"
    else:
        return
    raise ValueError(
        f"solver='lbfgs' does not support {refused}. Use solver='adam' (or gd, sgd, "
        "momentum, rmsprop) for it."
    )


def scorer_of(estimator, incremental, validation):
    """The scorer that ``scoring`` names, or None; warn when nothing will use it."""
    if estimator.scoring is None:
        return None
    try:
        scorer = check_scoring(estimator, estimator.scoring)
    except ValueError as error:
        raise ValueError(
            f"scoring={estimator.scoring!r} is not a scorer scikit-learn knows ({error})"
        ) from error
    if incremental or not (estimator.early_stopping or validation[0] is not None):
        warn_fit_caller(
            f"scoring={estimator.scoring!r} has no effect: it scores the validation set, "
            "which only fit with early_stopping=True or X_val has.",
            UserWarning,
        )
    return scorer


def partial_fit_unavailable(estimator):
    """Why ``partial_fit`` cannot train with the estimator's settings, or None if it can.

    ``partial_fit`` takes one epoch of mini-batches on each chunk it is given. It is
    not offered where that cannot work, as scikit-learn does: ``hasattr(estimator,
    "partial_fit")`` is then False (see ``offered_when``).
    """
    if estimator.solver == "lbfgs":
        return "solver='lbfgs' minimizes the cost of the whole training set at once"
    if estimator.early_stopping:
        return "early_stopping=True needs a validation set and whole epochs to monitor"
    if getattr(estimator, "class_weight", None) == "balanced":
        return (
            "class_weight='balanced' would weigh the classes differently in each chunk; "
            "pass a dict of class weights"
        )
    return None


class offered_when:  # noqa: N801 (a decorator, named as one)
    """A method offered only where ``unavailable(estimator)`` gives no reason against it.

    As scikit-learn's ``available_if``: on an instance whose settings do not allow
    it, the attribute does not exist (``hasattr`` is False). Unlike it, the
    AttributeError says why in its own message, the first line a user reads. On the
    class, the method is the plain function (for ``help``, Sphinx and the checks).

    Parameters
    ----------
    unavailable : callable
        ``unavailable(estimator)``: a reason (str), or None when the method works.
    """

    def __init__(self, unavailable):
        self.unavailable = unavailable

    def __call__(self, method):
        self.method = method
        functools.update_wrapper(self, method)
        return self

    def __get__(self, estimator, owner=None):
        if estimator is None:
            return self.method
        reason = self.unavailable(estimator)
        if reason is not None:
            raise AttributeError(
                f"This {type(estimator).__name__!r} has no attribute "
                f"{self.method.__name__!r}: {reason}."
            )
        return types.MethodType(self.method, estimator)
