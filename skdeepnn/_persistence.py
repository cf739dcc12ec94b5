"""Weights-only model files: ``save`` and ``load`` without pickle.

A model file is a NumPy ``.npz`` archive (written by ``np.savez``, read with
``allow_pickle=False``) of plain numeric or string arrays:

``__header__``
    The UTF-8 bytes of a JSON object, as a 1-d uint8 array, with the fields
    ``format_version`` (int, currently 1), ``skdeepnn_version``, ``class_name``
    (``DeepNNClassifier``, ``DeepNNRegressor`` or ``LogisticRegressionGD``),
    ``params`` (``get_params()``; a ``class_weight`` dict is stored as
    ``{"pairs": [[label, weight], ...]}`` to keep the labels' types), ``fitted``
    (bool), ``attributes`` (the fitted attributes that are not arrays:
    ``n_features_in_``, ``loss_curve_``, ...; NaN and infinities are written as
    JSON's ``NaN`` / ``Infinity``), ``arrays`` (how many arrays of each list:
    ``{"coefs_": 2, ...}``) and ``optimizer`` (null, or its class name, learning
    rate, step count ``t`` and number of state arrays).
``coefs_0``, ``coefs_1``, ... and ``intercepts_0``, ...
    The layers' weights (``DeepNNClassifier``, ``DeepNNRegressor``);
    ``coef_`` and ``intercept_`` for ``LogisticRegressionGD``.
``gammas_0``, ``betas_0``, ``running_means_0``, ``running_vars_0``, ...
    Batch normalization's arrays, when the model has them.
``classes_``
    The class labels of a classifier: ints, floats, bools or strings (``<U``;
    an object array holding only str, as pandas gives, is stored as ``<U``).
    Labels of other types are refused at save.
``optimizer_state_0``, ...
    The optimizer's state (velocities, squared-gradient averages), over the
    packed parameter vector, so that ``partial_fit`` and ``warm_start`` go on
    exactly where the saved model stopped.

``load`` builds only the three public estimator classes, checks every field,
dtype and shape, and raises a ``ValueError`` on anything else; it runs no code
from the file.
"""

import json
import math
import zipfile
from numbers import Integral, Real

import numpy as np

from ._checks import is_fitted
from ._classifier import DeepNNClassifier
from ._logistic import LogisticRegressionGD
from ._optimizers import OPTIMIZER_CLASSES
from ._params import validate_params
from ._regressor import DeepNNRegressor
from ._training import n_trainable

#: The newest file format this version reads and writes.
FORMAT_VERSION = 1

#: The classes that a model file may name; nothing else is ever built.
CLASSES = {
    "DeepNNClassifier": DeepNNClassifier,
    "DeepNNRegressor": DeepNNRegressor,
    "LogisticRegressionGD": LogisticRegressionGD,
}

HEADER_KEY = "__header__"
HEADER_FIELDS = (
    "format_version",
    "skdeepnn_version",
    "class_name",
    "params",
    "fitted",
    "attributes",
    "arrays",
    "optimizer",
)

# The fitted attributes stored in the header, with the kind of value each holds.
_INT, _FLOAT, _STR, _BOOL = "int", "float", "str", "bool"
_FLOATS, _STRS = "list of float", "list of str"
ATTRIBUTES = {
    "n_features_in_": (_INT,),
    "feature_names_in_": (_STRS,),
    "n_iter_": (_INT,),
    "loss_": (_FLOAT,),
    "loss_curve_": (_FLOATS,),
    "learning_rate_curve_": (_FLOATS,),
    "validation_loss_curve_": (_FLOATS, None),
    "validation_scores_": (_FLOATS, None),
    "best_loss_": (_FLOAT, None),
    "best_iteration_": (_INT, None),
    "best_validation_score_": (_FLOAT, None),
    "n_layers_": (_INT,),
    "n_outputs_": (_INT,),
    "out_activation_": (_STR,),
    "_batch_norm_updates": (_INT,),
    "_one_dimensional_y": (_BOOL,),
    "_sparse_output": (_BOOL,),
}
# The attributes every fitted model of a class has (the others are optional).
REQUIRED_ATTRIBUTES = {
    "DeepNNClassifier": ("n_features_in_", "n_iter_", "n_layers_", "n_outputs_",
                         "out_activation_", "_batch_norm_updates", "loss_curve_"),
    "DeepNNRegressor": ("n_features_in_", "n_iter_", "n_layers_", "n_outputs_",
                        "out_activation_", "_batch_norm_updates", "_one_dimensional_y",
                        "loss_curve_"),
    "LogisticRegressionGD": ("n_features_in_", "n_iter_", "n_outputs_", "out_activation_",
                             "loss_curve_"),
}  # fmt: skip
# The attributes a class never has.
FORBIDDEN_ATTRIBUTES = {
    "DeepNNClassifier": ("_one_dimensional_y",),
    "DeepNNRegressor": ("_sparse_output",),
    "LogisticRegressionGD": ("_one_dimensional_y", "n_layers_", "_batch_norm_updates"),
}
LAYER_LISTS = ("coefs_", "intercepts_")
BATCH_NORM_LISTS = ("gammas_", "betas_", "running_means_", "running_vars_")
LABEL_KINDS = "iubfU"  # ints, unsigned ints, bools, floats, str
WEIGHT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
TUPLE_PARAMS = ("hidden_layer_sizes", "dropout")


def save(estimator, path):
    """Write ``estimator`` to a weights-only model file, with no pickle.

    Read more in the :ref:`User Guide <model-files>`.

    Parameters
    ----------
    estimator : DeepNNClassifier, DeepNNRegressor or LogisticRegressionGD
        Fitted or not.
    path : str or path-like
        Where to write the ``.npz`` file (NumPy adds the suffix if missing).

    Raises
    ------
    ValueError
        The estimator holds something that cannot be stored without pickle:
        a ``RandomState`` as ``random_state``, a callable ``scoring``, or
        class labels of other types than int, float, bool and str.

    See Also
    --------
    load : Read the file back.
    """
    class_name = type(estimator).__name__
    if CLASSES.get(class_name) is not type(estimator):
        raise ValueError(
            f"save stores only {', '.join(CLASSES)}; got an instance of {type(estimator)!r}."
        )
    header = {
        "format_version": FORMAT_VERSION,
        "skdeepnn_version": _version(),
        "class_name": class_name,
        "params": _params_to_json(estimator.get_params(deep=False)),
        "fitted": is_fitted(estimator),
        "attributes": {},
        "arrays": {},
        "optimizer": None,
    }
    arrays = {}
    if header["fitted"]:
        _fitted_to_file(estimator, header, arrays)
    text = json.dumps(header, allow_nan=True)
    arrays[HEADER_KEY] = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
    np.savez(path, **arrays)


def load(path):
    """Read a model file written by ``save``.

    The file is read with ``allow_pickle=False`` and checked before anything is
    built: only skdeepnn's public estimator classes are made, and no code in
    the file runs.

    Read more in the :ref:`User Guide <model-files>`.

    Parameters
    ----------
    path : str or path-like
        A ``.npz`` file written by ``save``.

    Returns
    -------
    estimator : DeepNNClassifier, DeepNNRegressor or LogisticRegressionGD
        With the saved hyperparameters and, if it was fitted, the fitted
        attributes and optimizer state.

    Raises
    ------
    ValueError
        The file is not a skdeepnn model file, is truncated, comes from a newer
        format version, or holds anything the checks refuse (a missing or extra
        array, a wrong dtype or shape, invalid hyperparameters, ...).

    See Also
    --------
    save : Write a model file.
    """
    try:
        archive = np.load(path, allow_pickle=False)
        if not isinstance(archive, np.lib.npyio.NpzFile):
            raise ValueError("it holds a single array, not an npz archive")
        with archive:
            arrays = {name: archive[name] for name in archive.files}
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise ValueError(f"{path!s} is not a skdeepnn model file: {error}") from None
    if HEADER_KEY not in arrays:
        raise ValueError(f"{path!s} is not a skdeepnn model file: it has no header.")
    header = _parse_header(arrays.pop(HEADER_KEY))
    cls = CLASSES[header["class_name"]]
    estimator = _estimator_with_params(cls, header["params"])
    if header["fitted"]:
        _fitted_from_file(estimator, header, arrays)
    elif arrays:
        raise ValueError(f"The model file has arrays for an unfitted model: {sorted(arrays)}.")
    return estimator


# -- save ----------------------------------------------------------------------------


def _version():
    from . import __version__

    return __version__


def _json_scalar(value, where):
    """``value`` as a JSON-able Python scalar; NumPy scalars become Python ones."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, Integral):
        return int(value)
    if isinstance(value, Real):
        return float(value)
    raise ValueError(f"{where} cannot be stored without pickle: got {value!r}.")


def _params_to_json(params):
    out = {}
    for name, value in params.items():
        where = f"The parameter {name}"
        if name == "random_state" and isinstance(value, np.random.RandomState):
            raise ValueError(
                "random_state=RandomState(...) cannot be stored in a model file: "
                "set random_state to None or an int before saving."
            )
        if name == "scoring" and value is not None and not isinstance(value, str):
            raise ValueError(
                "A callable scoring cannot be stored in a model file: set scoring to "
                "None or a scorer's name before saving."
            )
        if name == "class_weight" and isinstance(value, dict):
            pairs = []
            for label, weight in value.items():
                if not isinstance(label, (Integral, Real, str, bool, np.bool_)):
                    raise ValueError(
                        f"class_weight's label {label!r} ({type(label).__name__}) cannot "
                        "be stored: labels must be int, float, bool or str."
                    )
                pairs.append([_json_scalar(label, where), _json_scalar(weight, where)])
            out[name] = {"pairs": pairs}
        elif isinstance(value, (list, tuple, np.ndarray)):
            out[name] = [_json_scalar(item, where) for item in value]
        else:
            out[name] = _json_scalar(value, where)
    return out


def _fitted_to_file(estimator, header, arrays):
    state = vars(estimator)
    attributes = {}
    for name in ATTRIBUTES:
        if name not in state:
            continue
        value = state[name]
        if name == "feature_names_in_":
            value = [str(item) for item in value]
        elif isinstance(value, list):
            value = [float(item) for item in value]
        else:
            value = _json_scalar(value, f"The fitted attribute {name}")
        attributes[name] = value
    header["attributes"] = attributes
    if isinstance(estimator, LogisticRegressionGD):
        arrays["coef_"] = estimator.coef_
        arrays["intercept_"] = estimator.intercept_
    else:
        lists = LAYER_LISTS
        if estimator.gammas_ is not None:
            lists = LAYER_LISTS + BATCH_NORM_LISTS
        for name in lists:
            header["arrays"][name] = len(state[name])
            for i, array in enumerate(state[name]):
                arrays[f"{name}{i}"] = array
    if "classes_" in state:
        arrays["classes_"] = _storable_classes(estimator.classes_)
    optimizer = estimator._optimizer
    if optimizer is not None:
        states = optimizer._state()
        header["optimizer"] = {
            "class_name": type(optimizer).__name__,
            "learning_rate": float(optimizer.learning_rate),
            "t": int(optimizer.t) if hasattr(optimizer, "t") else None,
            "n_state": len(states),
        }
        for i, array in enumerate(states):
            arrays[f"optimizer_state_{i}"] = array


def _storable_classes(classes):
    classes = np.asarray(classes)
    if classes.dtype.kind in LABEL_KINDS:
        return classes
    types = sorted({type(label).__name__ for label in classes.ravel()})
    if classes.dtype.kind == "O" and all(isinstance(c, str) for c in classes.ravel()):
        return classes.astype(str)
    raise ValueError(
        f"The class labels cannot be stored without pickle: their types ({', '.join(types)}) "
        "are not int, float, bool or str."
    )


# -- load ----------------------------------------------------------------------------


def _parse_header(raw):
    if raw.dtype != np.uint8 or raw.ndim > 1:
        raise ValueError("The model file's header is not a 1-d uint8 array of UTF-8 text.")
    try:
        header = json.loads(raw.tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        raise ValueError(f"The model file's header is not JSON: {error}") from None
    if not isinstance(header, dict):
        raise ValueError("The model file's header is not a JSON object.")
    missing = [field for field in HEADER_FIELDS if field not in header]
    if missing:
        raise ValueError(f"The model file's header lacks the fields {missing}.")
    version = header["format_version"]
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ValueError(f"The model file's format_version is not a positive int: {version!r}.")
    if version > FORMAT_VERSION:
        raise ValueError(
            f"The model file was written by format version {version}, this skdeepnn "
            f"({_version()}) reads up to {FORMAT_VERSION}: upgrade skdeepnn to load it."
        )
    if header["class_name"] not in CLASSES:
        raise ValueError(
            f"The model file names the class {header['class_name']!r}; only "
            f"{', '.join(CLASSES)} can be loaded."
        )
    if not isinstance(header["fitted"], bool):
        raise ValueError("The model file's header field 'fitted' is not a bool.")
    for field in ("params", "attributes", "arrays"):
        if not isinstance(header[field], dict):
            raise ValueError(f"The model file's header field {field!r} is not an object.")
    if header["optimizer"] is not None and not isinstance(header["optimizer"], dict):
        raise ValueError("The model file's header field 'optimizer' is not null or an object.")
    return header


def _estimator_with_params(cls, params):
    estimator = cls()
    expected = set(estimator.get_params(deep=False))
    if set(params) != expected:
        missing, extra = sorted(expected - set(params)), sorted(set(params) - expected)
        raise ValueError(
            f"The model file's params do not match {cls.__name__}'s: missing {missing}, "
            f"unknown {extra}."
        )
    values = {}
    for name, value in params.items():
        if name == "class_weight" and isinstance(value, dict):
            pairs = value.get("pairs")
            if (
                set(value) != {"pairs"}
                or not isinstance(pairs, list)
                or not all(isinstance(pair, list) and len(pair) == 2 for pair in pairs)
            ):
                raise ValueError("The model file's class_weight is not a list of label pairs.")
            value = {label: weight for label, weight in pairs}
        elif name in TUPLE_PARAMS and isinstance(value, list):
            value = tuple(value)
        elif isinstance(value, (list, dict)):
            raise ValueError(f"The model file's parameter {name} is invalid: {value!r}.")
        values[name] = value
    if values["random_state"] is not None and not isinstance(values["random_state"], int):
        raise ValueError("The model file's random_state is not None or an int.")
    estimator.set_params(**values)
    try:
        validate_params(estimator)
    except (TypeError, ValueError) as error:
        raise ValueError(f"The model file's params fail validation: {error}") from None
    return estimator


def _check_attribute(name, value):
    kinds = ATTRIBUTES[name]

    def matches(kind):
        if kind is None:
            return value is None
        if kind == _INT:
            return isinstance(value, int) and not isinstance(value, bool)
        if kind == _FLOAT:
            return isinstance(value, (int, float)) and not isinstance(value, bool)
        if kind == _STR:
            return isinstance(value, str)
        if kind == _BOOL:
            return isinstance(value, bool)
        item = _FLOAT if kind == _FLOATS else _STR
        return isinstance(value, list) and all(_check_item(item, element) for element in value)

    if not any(matches(kind) for kind in kinds):
        raise ValueError(f"The model file's attribute {name} is invalid: {value!r}.")
    if name == "feature_names_in_":
        return np.array(value, dtype=object)
    if _FLOATS in kinds and isinstance(value, list):
        return [float(item) for item in value]
    if kinds[0] == _FLOAT and value is not None:
        return float(value)
    return value


def _check_item(kind, element):
    if kind == _STR:
        return isinstance(element, str)
    return isinstance(element, (int, float)) and not isinstance(element, bool)


def _fitted_from_file(estimator, header, arrays):
    """Check the fitted part of a model file, then set it on ``estimator``."""
    class_name = header["class_name"]
    values = _attributes_from_header(class_name, header["attributes"])
    counts = header["arrays"]
    expected, n_state = _expected_arrays(class_name, counts, header["optimizer"], arrays)
    dtype = _weights_dtype(arrays, expected)
    coefs, intercepts = _layers_from_file(class_name, arrays, counts, values)
    _check_outputs_and_classes(arrays, values, coefs[-1].shape[1])
    if "gammas_" in counts:
        _check_batch_norm(arrays, counts, coefs)
    optimizer = None
    if header["optimizer"] is not None:
        # The optimizer's state covers the packed vector of trained parameters.
        n_params = n_trainable(coefs, estimator._fits_intercepts(), "gammas_" in counts)
        optimizer = _optimizer_from_file(header["optimizer"], arrays, n_state, n_params, dtype)
    _set_fitted(estimator, class_name, values, arrays, counts, coefs, intercepts, optimizer)


def _attributes_from_header(class_name, attributes):
    """The header's fitted attributes, each checked, after checking none is missing or foreign."""
    allowed = set(ATTRIBUTES) - set(FORBIDDEN_ATTRIBUTES[class_name])
    unknown = sorted(set(attributes) - allowed)
    missing = [name for name in REQUIRED_ATTRIBUTES[class_name] if name not in attributes]
    if unknown or missing:
        raise ValueError(
            f"The model file's fitted attributes are wrong: missing {missing}, unknown {unknown}."
        )
    return {name: _check_attribute(name, value) for name, value in attributes.items()}


def _expected_arrays(class_name, counts, optimizer_info, arrays):
    """The names of the arrays the header announces; ValueError unless the file has exactly
    those. Returns them and the optimizer's number of state arrays."""
    expected = []
    if class_name == "LogisticRegressionGD":
        if counts:
            raise ValueError("The model file lists layer arrays for LogisticRegressionGD.")
        expected += ["coef_", "intercept_"]
    else:
        if set(counts) not in (set(LAYER_LISTS), set(LAYER_LISTS + BATCH_NORM_LISTS)):
            raise ValueError(f"The model file's array lists are wrong: {sorted(counts)}.")
        for name, count in counts.items():
            valid = isinstance(count, int) and not isinstance(count, bool)
            if not valid or not 0 <= count <= len(arrays):
                raise ValueError(f"The model file's count of {name} is invalid: {count!r}.")
            expected += [f"{name}{i}" for i in range(count)]
    if class_name != "DeepNNRegressor":
        expected.append("classes_")
    n_state = 0
    if optimizer_info is not None:
        n_state = optimizer_info.get("n_state")
        if not isinstance(n_state, int) or isinstance(n_state, bool) or not 0 <= n_state <= 2:
            raise ValueError(f"The model file's optimizer n_state is invalid: {n_state!r}.")
        expected += [f"optimizer_state_{i}" for i in range(n_state)]
    missing_arrays = sorted(set(expected) - set(arrays))
    extra_arrays = sorted(set(arrays) - set(expected))
    if missing_arrays:
        raise ValueError(f"The model file lacks the arrays {missing_arrays}.")
    if extra_arrays:
        raise ValueError(f"The model file has unexpected arrays {extra_arrays}.")
    return expected, n_state


def _weights_dtype(arrays, expected):
    """The one float dtype of every weight array; ValueError for mixed or other dtypes,
    or for classes that are not a non-empty 1-d array of storable labels."""
    dtypes = {arrays[name].dtype for name in expected if name != "classes_"}
    if len(dtypes) != 1 or next(iter(dtypes)) not in WEIGHT_DTYPES:
        raise ValueError(
            "The model file's weights must all be float32 or all float64; got "
            f"{sorted(str(d) for d in dtypes)}."
        )
    if "classes_" in arrays:
        classes = arrays["classes_"]
        if classes.dtype.kind not in LABEL_KINDS or classes.ndim != 1 or len(classes) == 0:
            raise ValueError(
                f"The model file's classes_ must be a non-empty 1-d array of ints, floats, "
                f"bools or str; got dtype {classes.dtype} and shape {classes.shape}."
            )
    return next(iter(dtypes))


def _layers_from_file(class_name, arrays, counts, values):
    """``(coefs, intercepts)`` in the core's layout, their shapes checked against each other
    and against ``n_layers_``, ``n_features_in_`` and ``feature_names_in_``."""
    if class_name == "LogisticRegressionGD":
        if arrays["coef_"].ndim != 2:
            raise ValueError(f"The model file's coef_ is not 2-d: {arrays['coef_'].shape}.")
        coefs = [np.ascontiguousarray(arrays["coef_"].T)]
        intercepts = [arrays["intercept_"]]
    else:
        coefs = [arrays[f"coefs_{i}"] for i in range(counts["coefs_"])]
        intercepts = [arrays[f"intercepts_{i}"] for i in range(counts["intercepts_"])]
        if values["n_layers_"] != len(coefs) + 1:
            raise ValueError(
                f"The model file has {len(coefs)} layers of weights but n_layers_="
                f"{values['n_layers_']}."
            )
    _check_layers(coefs, intercepts)
    if values["n_features_in_"] != coefs[0].shape[0]:
        raise ValueError(
            f"The model file's n_features_in_={values['n_features_in_']} does not match its "
            f"first layer's {coefs[0].shape[0]} inputs."
        )
    if "feature_names_in_" in values and len(values["feature_names_in_"]) != coefs[0].shape[0]:
        raise ValueError("The model file's feature_names_in_ does not match n_features_in_.")
    return coefs, intercepts


def _check_outputs_and_classes(arrays, values, n_outputs):
    """``n_outputs_``, the classes and ``out_activation_`` must fit the last layer."""
    if values["n_outputs_"] != n_outputs:
        raise ValueError(
            f"The model file's n_outputs_={values['n_outputs_']} does not match its last "
            f"layer's {n_outputs} units."
        )
    if values.get("_one_dimensional_y") and n_outputs != 1:
        raise ValueError(
            f"The model file's regressor predicts a 1-d y but has {n_outputs} outputs."
        )
    if "classes_" in arrays:
        _check_classes(arrays["classes_"], values, n_outputs)
        binary = "_sparse_output" in values or len(arrays["classes_"]) == 2
        activations = ("sigmoid",) if binary else ("softmax",)
    else:
        activations = ("identity", "exp")
    if values["out_activation_"] not in activations:
        raise ValueError(
            f"The model file's out_activation_={values['out_activation_']!r} does not fit "
            f"the model; expected one of {activations}."
        )


def _check_batch_norm(arrays, counts, coefs):
    """Batch normalization's arrays must have one entry per unit of each hidden layer."""
    sizes = [(W.shape[1],) for W in coefs[:-1]]
    for name in BATCH_NORM_LISTS:
        got = [arrays[f"{name}{i}"].shape for i in range(counts[name])]
        if got != sizes:
            raise ValueError(
                f"The model file's {name} have shapes {got}; the hidden layers need {sizes}."
            )


def _set_fitted(estimator, class_name, values, arrays, counts, coefs, intercepts, optimizer):
    """Set the checked fitted state on ``estimator``."""
    for name, value in values.items():
        setattr(estimator, name, value)
    if "classes_" in arrays:
        estimator.classes_ = arrays["classes_"]
    if class_name == "LogisticRegressionGD":
        estimator.coef_, estimator.intercept_ = arrays["coef_"], arrays["intercept_"]
    else:
        estimator.coefs_, estimator.intercepts_ = coefs, intercepts
        for name in BATCH_NORM_LISTS:
            value = [arrays[f"{name}{i}"] for i in range(counts[name])] if name in counts else None
            setattr(estimator, name, value)
    for name in (
        "validation_loss_curve_",
        "validation_scores_",
        "best_loss_",
        "best_iteration_",
        "best_validation_score_",
    ):
        if name not in values:
            setattr(estimator, name, None)
    if "loss_" not in values:
        estimator.loss_ = values["loss_curve_"][-1] if values["loss_curve_"] else np.nan
    estimator._optimizer = optimizer


def _check_layers(coefs, intercepts):
    if len(coefs) == 0 or len(coefs) != len(intercepts):
        raise ValueError(
            f"The model file has {len(coefs)} weight matrices and {len(intercepts)} "
            "intercept vectors; it needs one of each per layer, at least one."
        )
    previous = None
    for i, (W, b) in enumerate(zip(coefs, intercepts, strict=True)):
        if W.ndim != 2 or (previous is not None and W.shape[0] != previous):
            raise ValueError(
                f"The model file's layer {i} weights have shape {W.shape}; expected "
                f"({previous if previous is not None else 'n_features'}, n_units)."
            )
        if b.shape != (W.shape[1],):
            raise ValueError(
                f"The model file's layer {i} intercepts have shape {b.shape}; expected "
                f"({W.shape[1]},)."
            )
        previous = W.shape[1]


def _check_classes(classes, values, n_outputs):
    multilabel = values["out_activation_"] == "sigmoid" and n_outputs > 1
    if multilabel or values.get("_sparse_output") is not None:
        wanted = n_outputs
    else:
        wanted = 2 if n_outputs == 1 else n_outputs
    if len(classes) != wanted:
        raise ValueError(
            f"The model file has {len(classes)} classes for {n_outputs} outputs: one output "
            "serves 2 classes, otherwise one output per class (or label)."
        )
    if len(np.unique(classes)) != len(classes):
        raise ValueError("The model file's classes_ are not distinct.")
    if values.get("_sparse_output") is None and not (classes[:-1] < classes[1:]).all():
        raise ValueError("The model file's classes_ are not sorted.")


def _optimizer_from_file(info, arrays, n_state, n_params, dtype):
    cls = OPTIMIZER_CLASSES.get(info.get("class_name"))
    if cls is None:
        raise ValueError(
            f"The model file names the optimizer {info.get('class_name')!r}; only "
            f"{', '.join(OPTIMIZER_CLASSES)} are known."
        )
    learning_rate, t = info.get("learning_rate"), info.get("t")
    if (
        not isinstance(learning_rate, (int, float))
        or isinstance(learning_rate, bool)
        or not (math.isfinite(learning_rate) and learning_rate > 0)
    ):
        raise ValueError(f"The model file's optimizer learning_rate is invalid: {learning_rate!r}.")
    optimizer = cls([np.zeros(n_params, dtype=dtype)], float(learning_rate))
    if len(optimizer._state()) != n_state:
        raise ValueError(
            f"The model file has {n_state} state arrays for a {cls.__name__} optimizer, "
            f"which keeps {len(optimizer._state())}."
        )
    if hasattr(optimizer, "t"):
        if not isinstance(t, int) or isinstance(t, bool) or t < 0:
            raise ValueError(f"The model file's optimizer step count t is invalid: {t!r}.")
        optimizer.t = t
    elif t is not None:
        raise ValueError(f"The model file gives a step count to a {cls.__name__} optimizer.")
    for i, mine in enumerate(optimizer._state()):
        theirs = arrays[f"optimizer_state_{i}"]
        if theirs.shape != mine.shape:
            raise ValueError(
                f"The model file's optimizer state {i} has shape {theirs.shape}; the "
                f"packed parameters need ({n_params},)."
            )
        np.copyto(mine, theirs)
    return optimizer
