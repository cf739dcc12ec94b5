"""Weights-only model files: ``save`` and ``load`` without pickle.

A model file is a NumPy ``.npz`` archive (as written by ``np.savez``: a zip of
uncompressed ``.npy`` members) of plain numeric or string arrays:

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

``load`` builds only the three public estimator classes and runs no code from
the file. It reads the header first, derives from it the dtype and shape of
every array, and checks each member's ``.npy`` header against them before
reading it (``_archive``): no array larger than the file is allocated. The
values are then checked (finite, in range, consistent with the parameters), and
anything refused raises a ``ValueError`` that names the file. ``save`` runs the
same checks before writing, so that it never writes a file that ``load``
refuses, and replaces the target atomically. ``docs/model_files.rst`` states
the guarantees.
"""

import heapq
import json
import math
import os
from collections import namedtuple
from functools import partial
from numbers import Integral, Real

import numpy as np

from ._archive import open_archive, write_atomically
from ._checks import is_fitted
from ._classifier import DeepNNClassifier
from ._logistic import LogisticRegressionGD
from ._namespace import host_copy
from ._network import n_trainable
from ._optimizers import OPTIMIZER_CLASSES
from ._params import validate_params
from ._regressor import DeepNNRegressor

#: The newest file format this version reads and writes.
FORMAT_VERSION = 1
#: ``load``'s default bound on a file's size, in bytes: about 90 million float64
#: parameters with Adam's two state arrays.
MAX_FILE_BYTES = 2**31
#: The largest JSON header read, in bytes. Parsed, JSON takes up to about ten
#: times its size in Python objects; a header holds the loss curves and feature
#: names, about 20 bytes an epoch or a name.
MAX_HEADER_BYTES = 8 * 2**20
#: The largest Adam step count read; larger ones no training takes, and
#: ``beta ** t`` overflows a float past 2**1024.
MAX_STEPS = 2**53

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
OPTIMIZER_FIELDS = {"class_name", "learning_rate", "t", "n_state"}

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
    "quantiles_": (_FLOATS, None),
    "_quantile_axis": (_BOOL,),
}
# The smallest value of the int attributes that size arrays or count things.
ATTRIBUTE_MINIMA = {
    "n_features_in_": 1,
    "n_outputs_": 1,
    "n_layers_": 2,
    "n_iter_": 0,
    "_batch_norm_updates": 0,
}
# The attributes every fitted model of a class has (the others are optional).
# (Every fit sets learning_rate_curve_, and partial_fit extends it.)
REQUIRED_ATTRIBUTES = {
    "DeepNNClassifier": ("n_features_in_", "n_iter_", "n_layers_", "n_outputs_",
                         "out_activation_", "_batch_norm_updates", "loss_curve_",
                         "learning_rate_curve_"),
    "DeepNNRegressor": ("n_features_in_", "n_iter_", "n_layers_", "n_outputs_",
                        "out_activation_", "_batch_norm_updates", "_one_dimensional_y",
                        "loss_curve_", "learning_rate_curve_"),
    "LogisticRegressionGD": ("n_features_in_", "n_iter_", "n_outputs_", "out_activation_",
                             "loss_curve_", "learning_rate_curve_"),
}  # fmt: skip
# The attributes a class never has.
FORBIDDEN_ATTRIBUTES = {
    "DeepNNClassifier": ("_one_dimensional_y", "quantiles_", "_quantile_axis"),
    "DeepNNRegressor": ("_sparse_output",),
    "LogisticRegressionGD": (
        "_one_dimensional_y",
        "n_layers_",
        "_batch_norm_updates",
        "quantiles_",
        "_quantile_axis",
    ),
}
LAYER_LISTS = ("coefs_", "intercepts_")
BATCH_NORM_LISTS = ("gammas_", "betas_", "running_means_", "running_vars_")
LABEL_KINDS = "iubfU"  # ints, unsigned ints, bools, floats, str
WEIGHT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
TUPLE_PARAMS = ("hidden_layer_sizes", "dropout", "quantile")

#: What the header says one array must be: what it is (for messages), its shape,
#: and the header's values that the shape comes from.
Spec = namedtuple("Spec", "role shape why")


def save(estimator, path):
    """Write ``estimator`` to a weights-only model file, with no pickle.

    Read more in the :ref:`User Guide <model-files>`.

    The file is written at exactly ``path`` (no suffix is added; ``.npz`` is
    the usual one), so that ``load(path)`` reads it back. It is written to a
    new file in the same directory, flushed to disk, and then renamed onto
    ``path`` in one step: a ``load`` running meanwhile reads the old model or
    the new one, and a save that fails (a full disk) or is interrupted leaves
    the old file as it was.

    Parameters
    ----------
    estimator : DeepNNClassifier, DeepNNRegressor or LogisticRegressionGD
        Fitted or not.
    path : str or path-like
        Where to write the file (through a symbolic link: onto its target).

    Raises
    ------
    ValueError
        The estimator holds something that cannot be stored without pickle (a
        ``RandomState`` as ``random_state``, a callable ``scoring``, class
        labels of other types than int, float, bool and str), or something that
        ``load`` would refuse: weights that are NaN, infinite or huge, or
        parameters changed since the fit so that they no longer match the
        weights (``hidden_layer_sizes``, ``batch_norm``).
    OSError
        The file cannot be written; any file at ``path`` is left as it was.

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
    try:
        _model_from_parts(set(arrays), partial(_array_in_memory, arrays))
    except ValueError as error:
        raise ValueError(
            f"save refuses to write a model that load would refuse: {error}."
        ) from None
    write_atomically(path, lambda file: np.savez(file, **arrays))


def load(path, *, max_bytes=MAX_FILE_BYTES):
    """Read a model file written by ``save``.

    ``load`` runs no code from the file and builds only skdeepnn's public
    estimator classes. It reads only regular files, no larger than
    ``max_bytes``; its memory and time are bounded by the file's size, whatever
    the file holds; and every field, dtype, shape and value is checked before
    the estimator is built. :doc:`/model_files` says what this does and does
    not promise for a file from someone else.

    Read more in the :ref:`User Guide <model-files>`.

    Parameters
    ----------
    path : str or path-like
        A file written by ``save``, at the path ``save`` was given.
    max_bytes : int, default=2**31
        Larger files are refused before anything is read.

    Returns
    -------
    estimator : DeepNNClassifier, DeepNNRegressor or LogisticRegressionGD
        With the saved hyperparameters and, if it was fitted, the fitted
        attributes and optimizer state.

    Raises
    ------
    ValueError
        The path is missing, not a regular file, or too large, or the file is
        not a skdeepnn model file, is truncated or corrupt, comes from a newer
        format version, or holds anything the checks refuse (a missing or extra
        array, a wrong dtype or shape, NaN or infinite weights, parameters that
        do not match the arrays, ...). The message names the file and the
        problem.

    See Also
    --------
    save : Write a model file.
    """
    if not isinstance(max_bytes, Integral) or max_bytes < 0:
        raise ValueError(f"max_bytes must be a non-negative int; got {max_bytes!r}.")
    try:
        with open_archive(path, max_bytes) as archive:
            return _model_from_parts(archive.keys, archive.read_array)
    except FileNotFoundError:
        raise ValueError(f"Cannot load {path!s}: {_no_file(path)}.") from None
    except ValueError as error:
        raise ValueError(f"Cannot load {path!s}: {error}.") from None
    except Exception as error:
        # Whatever zipfile, zlib, struct or numpy's .npy reader raise on a corrupt
        # file (BadZipFile, EOFError, struct.error, OSError, RecursionError...).
        raise ValueError(
            f"Cannot load {path!s}: it is not a skdeepnn model file, or it is corrupt "
            f"({type(error).__name__}: {error})."
        ) from error


def _no_file(path):
    """Why there is nothing at ``path``, with a hint for files written by an older ``save``,
    which added ``.npz`` to a path without it."""
    sibling = f"{os.fspath(path)}.npz"
    if os.path.isfile(sibling):
        return f"no such file; {sibling} exists (save used to add .npz to the path)"
    return "no such file"


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
        value = host_copy(state[name])  # a model fitted on a device is saved as NumPy's
        if name == "feature_names_in_":
            value = [str(item) for item in value]
        elif isinstance(value, (list, np.ndarray)):  # curves, quantiles_
            value = [float(item) for item in value]
        else:
            value = _json_scalar(value, f"The fitted attribute {name}")
        attributes[name] = value
    header["attributes"] = attributes
    if isinstance(estimator, LogisticRegressionGD):
        arrays["coef_"] = host_copy(estimator.coef_)
        arrays["intercept_"] = host_copy(estimator.intercept_)
    else:
        lists = LAYER_LISTS
        if estimator.gammas_ is not None:
            lists = LAYER_LISTS + BATCH_NORM_LISTS
        for name in lists:
            header["arrays"][name] = len(state[name])
            for i, array in enumerate(state[name]):
                arrays[f"{name}{i}"] = host_copy(array)
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
            arrays[f"optimizer_state_{i}"] = host_copy(array)


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


def _array_in_memory(arrays, key, check):
    """The array ``key`` of ``arrays``, as ``Archive.read_array`` gives a member's: for
    ``save`` to check what it is about to write as ``load`` will."""
    array = np.asanyarray(arrays[key])
    check(array.dtype, array.shape)
    return array


def _model_from_parts(keys, read_array):
    """The estimator that a model file's arrays describe, everything checked.

    Parameters
    ----------
    keys : set of str
        The names of the file's arrays.
    read_array : callable
        ``read_array(key, check)`` returns the array ``key`` after ``check(dtype,
        shape)`` has accepted its header (``Archive.read_array``).
    """
    if HEADER_KEY not in keys:
        raise ValueError("it is not a skdeepnn model file: it has no header")
    header = _parse_header(read_array(HEADER_KEY, _check_header_array))
    cls = CLASSES[header["class_name"]]
    estimator = _estimator_with_params(cls, header["params"])
    if header["fitted"]:
        _fitted_from_file(estimator, header, keys - {HEADER_KEY}, read_array)
    elif keys != {HEADER_KEY}:
        raise ValueError(f"it has arrays for an unfitted model: {_names(keys - {HEADER_KEY})}")
    return estimator


def _check_header_array(dtype, shape):
    if dtype != np.uint8 or len(shape) != 1:
        raise ValueError("its header is not a 1-d uint8 array of UTF-8 text")
    if shape[0] > MAX_HEADER_BYTES:
        raise ValueError(
            f"its header is {shape[0]:,} bytes, over the {MAX_HEADER_BYTES:,} that load reads"
        )


def _parse_header(raw):
    try:
        header = json.loads(raw.tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        raise ValueError(f"its header is not JSON: {error}") from None
    if not isinstance(header, dict):
        raise ValueError("its header is not a JSON object")
    missing = [field for field in HEADER_FIELDS if field not in header]
    if missing:
        raise ValueError(f"its header lacks the fields {missing}")
    version = header["format_version"]
    if not _is_int(version) or version < 1:
        raise ValueError(f"its format_version is not a positive int: {_short(version)}")
    if version > FORMAT_VERSION:
        raise ValueError(
            f"it was written in format version {version}, and this skdeepnn "
            f"({_version()}) reads up to {FORMAT_VERSION}: upgrade skdeepnn to load it"
        )
    if not isinstance(header["class_name"], str) or header["class_name"] not in CLASSES:
        raise ValueError(
            f"it names the class {_short(header['class_name'])}; only "
            f"{', '.join(CLASSES)} can be loaded"
        )
    if not isinstance(header["skdeepnn_version"], str):
        raise ValueError("its header field 'skdeepnn_version' is not a string")
    if not isinstance(header["fitted"], bool):
        raise ValueError("its header field 'fitted' is not a bool")
    for field in ("params", "attributes", "arrays"):
        if not isinstance(header[field], dict):
            raise ValueError(f"its header field {field!r} is not an object")
    if header["optimizer"] is not None and not isinstance(header["optimizer"], dict):
        raise ValueError("its header field 'optimizer' is not null or an object")
    return header


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _estimator_with_params(cls, params):
    estimator = cls()
    expected = set(estimator.get_params(deep=False))
    if set(params) != expected:
        missing, extra = _names(expected - set(params)), _names(set(params) - expected)
        raise ValueError(
            f"its params do not match {cls.__name__}'s: missing {missing}, unknown {extra}"
        )
    values = {}
    for name, value in params.items():
        if name == "class_weight" and isinstance(value, dict):
            value = _class_weight_from_file(value)
        elif name in TUPLE_PARAMS and isinstance(value, list):
            value = tuple(value)
        elif isinstance(value, (list, dict)):
            raise ValueError(f"its parameter {name} is invalid: {_short(value)}")
        values[name] = value
    if values["random_state"] is not None and not _is_int(values["random_state"]):
        raise ValueError("its random_state is not None or an int")
    estimator.set_params(**values)
    try:
        validate_params(estimator)
    except (TypeError, ValueError) as error:
        raise ValueError(f"its params fail validation: {error}") from None
    return estimator


def _class_weight_from_file(value):
    """``{label: weight}`` from the file's ``{"pairs": [[label, weight], ...]}``: labels
    as ``save`` stores them (int, float, bool, str), weights finite and non-negative."""
    pairs = value.get("pairs")
    if set(value) != {"pairs"} or not isinstance(pairs, list):
        raise ValueError("its class_weight is not a list of label pairs")
    for pair in pairs:
        if not (isinstance(pair, list) and len(pair) == 2):
            raise ValueError(f"its class_weight has {_short(pair)} for a [label, weight] pair")
        label, weight = pair
        if not isinstance(label, (int, float, str)) or label != label:
            raise ValueError(f"its class_weight has the label {_short(label)}")
        if not (_is_number(weight) and math.isfinite(weight) and weight >= 0):
            raise ValueError(
                f"its class_weight gives the label {_short(label)} the weight {_short(weight)}; "
                "weights are finite non-negative numbers"
            )
    class_weight = {label: weight for label, weight in pairs}
    if len(class_weight) != len(pairs):
        raise ValueError("its class_weight gives a label two weights")
    return class_weight


def _check_attribute(name, value):
    kinds = ATTRIBUTES[name]

    def matches(kind):
        if kind is None:
            return value is None
        if kind == _INT:
            return _is_int(value) and value >= ATTRIBUTE_MINIMA.get(name, value)
        if kind == _FLOAT:
            return _is_number(value)
        if kind == _STR:
            return isinstance(value, str)
        if kind == _BOOL:
            return isinstance(value, bool)
        # JSON gives exact types (no bool is a float here); set(map(type, ...)) runs in C,
        # for a loss curve of a million epochs.
        types = {int, float} if kind == _FLOATS else {str}
        return isinstance(value, list) and set(map(type, value)) <= types

    if not any(matches(kind) for kind in kinds):
        raise ValueError(f"its attribute {name} is invalid: {_short(value)}")
    if name == "feature_names_in_":
        return np.array(value, dtype=object)
    if name == "quantiles_" and value is not None:
        return np.array(value, dtype=np.float64)
    if _FLOATS in kinds and isinstance(value, list):
        return list(map(float, value))
    if kinds[0] == _FLOAT and value is not None:
        return float(value)
    return value


def _short(value):
    """``repr(value)``, cut to a length that fits a message."""
    text = repr(value)
    return text if len(text) <= 80 else f"{text[:77]}..."


def _names(items, shown=8):
    """``items`` as a list for a message: the first ``shown`` in sorted order, and how many.

    ``nsmallest`` keeps only those, for a header of a million names."""
    first = heapq.nsmallest(shown, items, key=str)
    listed = ", ".join(_short(item) for item in first)
    return f"[{listed}, ... ({len(items)} in all)]" if len(items) > shown else f"[{listed}]"


def _fitted_from_file(estimator, header, keys, read_array):
    """Check the fitted part of a model file, reading each array once its header's dtype
    and shape are the ones the JSON header implies, then set it on ``estimator``."""
    class_name, params = header["class_name"], estimator.get_params(deep=False)
    values = _attributes_from_header(class_name, header["attributes"])
    if class_name == "LogisticRegressionGD":
        specs, normalized = _logistic_specs(header["arrays"], values), False
    else:
        specs, normalized = _network_specs(header["arrays"], params, values)
    if class_name != "DeepNNRegressor":
        specs["classes_"] = _classes_spec(values)
    info = header["optimizer"]
    n_state = _optimizer_n_state(info)
    states = [f"optimizer_state_{i}" for i in range(n_state)]
    expected = set(specs) | set(states)
    if expected - keys:
        raise ValueError(f"it lacks the arrays {_names(expected - keys)}")
    if keys - expected:
        raise ValueError(f"it has unexpected arrays {_names(keys - expected)}")
    arrays = _read_arrays(read_array, specs, dtype=None)
    _check_weights(arrays, params)
    if class_name == "LogisticRegressionGD":
        coefs = [arrays["coef_"].T]
    else:
        coefs = [arrays[f"coefs_{i}"] for i in range(header["arrays"]["coefs_"])]
    _check_outputs_and_classes(arrays, values, params)
    optimizer = None
    if info is not None:
        # The optimizer's state covers the packed vector of trained parameters.
        n_params = n_trainable(coefs, params.get("fit_intercept", True), normalized)
        dtype = coefs[0].dtype
        spec = Spec("optimizer state", (n_params,), "the trained parameters' count")
        state = _read_arrays(read_array, dict.fromkeys(states, spec), dtype)
        optimizer = _optimizer_from_file(info, [state[key] for key in states], n_params, dtype)
    _set_fitted(estimator, values, arrays, header["arrays"], optimizer)


def _attributes_from_header(class_name, attributes):
    """The header's fitted attributes, each checked, after checking none is missing or foreign."""
    allowed = set(ATTRIBUTES) - set(FORBIDDEN_ATTRIBUTES[class_name])
    unknown = set(attributes) - allowed
    missing = [name for name in REQUIRED_ATTRIBUTES[class_name] if name not in attributes]
    if unknown or missing:
        raise ValueError(
            f"its fitted attributes are wrong: missing {missing}, unknown {_names(unknown)}"
        )
    values = {name: _check_attribute(name, value) for name, value in attributes.items()}
    names = values.get("feature_names_in_")
    if names is not None and len(names) != values["n_features_in_"]:
        raise ValueError(
            f"its feature_names_in_ has {len(names)} names for n_features_in_="
            f"{values['n_features_in_']}"
        )
    return values


def _logistic_specs(counts, values):
    if counts:
        raise ValueError("it lists layer arrays for LogisticRegressionGD")
    n_features, n_outputs = values["n_features_in_"], values["n_outputs_"]
    why = f"n_features_in_={n_features} and n_outputs_={n_outputs}"
    return {
        "coef_": Spec("weights", (n_outputs, n_features), why),
        "intercept_": Spec("intercepts", (n_outputs,), why),
    }


def _network_specs(counts, params, values):
    """The specs of a network's layers and batch normalization, from its parameters and
    attributes, after checking the header's array counts against them. Returns them and
    whether the network has batch normalization."""
    sizes = params["hidden_layer_sizes"]
    hidden = [sizes] if isinstance(sizes, int) else list(sizes)
    layers = [values["n_features_in_"], *hidden, values["n_outputs_"]]
    why = (
        f"n_features_in_={layers[0]}, hidden_layer_sizes={_short(params['hidden_layer_sizes'])} "
        f"and n_outputs_={layers[-1]}"
    )
    if values["n_layers_"] != len(layers):
        raise ValueError(f"its n_layers_={values['n_layers_']} does not fit {why}")
    # Batch normalization acts on hidden layers: with none, batch_norm=True has no arrays.
    normalized = params["batch_norm"] and bool(hidden)
    lists = dict.fromkeys(LAYER_LISTS, len(layers) - 1)
    if normalized:
        lists.update(dict.fromkeys(BATCH_NORM_LISTS, len(hidden)))
    if set(counts) - set(lists) or set(lists) - set(counts):
        has = "has" if set(BATCH_NORM_LISTS) & set(counts) else "has no"
        raise ValueError(
            f"its array lists are {_names(counts)}: batch_norm={params['batch_norm']} with "
            f"{len(hidden)} hidden layers, and it {has} batch normalization arrays"
        )
    for name, count in lists.items():
        if not _is_int(counts[name]) or counts[name] != count:
            raise ValueError(f"its count of {name} is {_short(counts[name])}; {why} need {count}")
    specs = {}
    for i in range(len(layers) - 1):
        specs[f"coefs_{i}"] = Spec(f"layer {i} weights", (layers[i], layers[i + 1]), why)
        specs[f"intercepts_{i}"] = Spec(f"layer {i} intercepts", (layers[i + 1],), why)
    for name in BATCH_NORM_LISTS if normalized else ():
        for i, size in enumerate(hidden):
            specs[f"{name}{i}"] = Spec(f"hidden layer {i}'s {name[:-2]}", (size,), why)
    return specs, normalized


def _classes_spec(values):
    """One label per output, except that one sigmoid output serves two classes."""
    n_outputs = values["n_outputs_"]
    multilabel = values.get("_sparse_output") is not None
    n_classes = 2 if n_outputs == 1 and not multilabel else n_outputs
    why = f"n_outputs_={n_outputs} (one output serves 2 classes, otherwise one per class)"
    return Spec("class labels", (n_classes,), why)


def _read_arrays(read_array, specs, dtype):
    """``{key: array}`` for each spec, every array checked against its spec before it is read.

    The weights must all have one float dtype: ``dtype`` if given, else the first one's.
    """
    arrays = {}
    for key, spec in specs.items():
        arrays[key] = read_array(key, partial(_check_array, key, spec, dtype))
        if key != "classes_" and dtype is None:
            dtype = arrays[key].dtype
    return arrays


def _check_array(key, spec, weights_dtype, dtype, shape):
    """Refuse an array whose ``.npy`` header's ``dtype`` or ``shape`` is not its spec's."""
    if dtype.hasobject:
        raise ValueError(
            f"its {key} holds Python objects (dtype {dtype}), which only pickle could read"
        )
    if key == "classes_":
        if dtype.kind not in LABEL_KINDS:
            raise ValueError(f"its classes_ have dtype {dtype}, not ints, floats, bools or str")
    else:
        native = dtype.newbyteorder("=")
        # np.dtype(None) is float64, so ``in`` and ``==`` must not meet a None.
        mixed = weights_dtype is not None and native != weights_dtype
        if mixed or not any(native == allowed for allowed in WEIGHT_DTYPES):
            others = f" and the others {weights_dtype}" if weights_dtype is not None else ""
            raise ValueError(
                f"its weights must all be float32 or all float64; its {key} is {dtype}{others}"
            )
    if tuple(shape) != spec.shape:
        raise ValueError(
            f"its {key} ({spec.role}) has shape {tuple(shape)}; {spec.why} need {spec.shape}"
        )


def _check_bounded(key, array):
    """Every value of a float ``array`` finite and below the root of its dtype's largest
    float in magnitude: no training reaches such values, and a product of two of them
    cannot overflow. (min and max take no copy, and are NaN if any value is.)"""
    bound = math.sqrt(np.finfo(array.dtype).max)
    low, high = (array.min(), array.max()) if array.size else (0, 0)
    if not -bound <= low <= high <= bound:
        found = "NaN" if np.isnan(low) or np.isnan(high) else f"values from {low:.3g} to {high:.3g}"
        raise ValueError(
            f"its {key} holds {found}: weights, statistics and optimizer state must be "
            f"finite and within +-{bound:.3g}"
        )


def _check_weights(arrays, params):
    """The values of the weights and statistics: bounded, variances non-negative (a unit
    that never varies has 0), and intercepts zero when ``fit_intercept=False``."""
    for key, array in arrays.items():
        if key != "classes_":
            _check_bounded(key, array)
        if key.startswith("running_vars_") and array.size and array.min() < 0:
            raise ValueError(f"its {key} holds negative variances, down to {array.min()}")
    if not params.get("fit_intercept", True) and np.any(arrays["intercept_"] != 0):
        raise ValueError("its fit_intercept=False, but its intercept_ is not zero")


def _check_outputs_and_classes(arrays, values, params):
    """The classes, ``out_activation_``, ``_one_dimensional_y`` and ``class_weight`` must
    fit the last layer and each other."""
    n_outputs = values["n_outputs_"]
    quantiles = values.get("quantiles_")
    n_quantiles = 1 if quantiles is None else _check_quantiles(quantiles, values)
    if values.get("_one_dimensional_y") and n_outputs != n_quantiles:
        of = "" if quantiles is None else f" of {n_quantiles} quantiles"
        raise ValueError(f"its regressor predicts a 1-d y{of} but has {n_outputs} outputs")
    if "classes_" in arrays:
        classes = arrays["classes_"]
        _check_classes(classes, values)
        binary = "_sparse_output" in values or len(classes) == 2
        activations = ("sigmoid",) if binary else ("softmax",)
        class_weight = params.get("class_weight")
        if isinstance(class_weight, dict):
            labels = classes.tolist()
            unknown = [label for label in class_weight if label not in labels]
            if unknown:
                raise ValueError(
                    f"its class_weight has labels {_names(unknown)} that are not classes_"
                )
    else:
        activations = ("identity", "exp")
    if values["out_activation_"] not in activations:
        raise ValueError(
            f"its out_activation_={_short(values['out_activation_'])} does not fit the model; "
            f"expected one of {activations}"
        )


def _check_quantiles(quantiles, values):
    """The number of quantiles of a quantile regressor, after checking that its
    ``quantiles_`` are strictly increasing in (0, 1) and fit its outputs."""
    n_quantiles, n_outputs = len(quantiles), values["n_outputs_"]
    increasing = bool(np.all(np.diff(quantiles) > 0))
    if not (n_quantiles and increasing and np.all((quantiles > 0) & (quantiles < 1))):
        raise ValueError(
            f"its quantiles_={_short(quantiles.tolist())} are not a strictly increasing "
            "sequence in (0, 1)"
        )
    if n_outputs % n_quantiles or values["out_activation_"] != "identity":
        raise ValueError(
            f"its quantiles_ do not fit n_outputs_={n_outputs} and out_activation_="
            f"{_short(values['out_activation_'])}"
        )
    if n_quantiles > 1 and not values.get("_quantile_axis", False):
        raise ValueError("its several quantiles_ need _quantile_axis")
    return n_quantiles


def _check_classes(classes, values):
    if classes.dtype.kind == "f" and not np.isfinite(classes).all():
        raise ValueError("its classes_ hold NaN or infinite labels")
    if len(np.unique(classes)) != len(classes):
        raise ValueError("its classes_ are not distinct")
    if values.get("_sparse_output") is None and not (classes[:-1] < classes[1:]).all():
        raise ValueError("its classes_ are not sorted")


def _optimizer_n_state(info):
    """The optimizer's number of state arrays, after checking its header fields' names."""
    if info is None:
        return 0
    if set(info) != OPTIMIZER_FIELDS:
        raise ValueError(f"its optimizer fields are {_names(info)}, not {_names(OPTIMIZER_FIELDS)}")
    n_state = info["n_state"]
    if not _is_int(n_state) or not 0 <= n_state <= 2:
        raise ValueError(f"its optimizer n_state is invalid: {_short(n_state)}")
    return n_state


def _optimizer_from_file(info, states, n_params, dtype):
    """The optimizer of the header's ``info``, with the checked ``states`` copied in."""
    cls = OPTIMIZER_CLASSES.get(info["class_name"]) if isinstance(info["class_name"], str) else None
    if cls is None:
        raise ValueError(
            f"it names the optimizer {_short(info['class_name'])}; only "
            f"{', '.join(OPTIMIZER_CLASSES)} are known"
        )
    learning_rate, t = info["learning_rate"], info["t"]
    if not (_is_number(learning_rate) and math.isfinite(learning_rate) and learning_rate > 0):
        raise ValueError(f"its optimizer learning_rate is invalid: {_short(learning_rate)}")
    optimizer = cls([np.zeros(n_params, dtype=dtype)], float(learning_rate))
    if len(optimizer._state()) != len(states):
        raise ValueError(
            f"it has {len(states)} state arrays for a {cls.__name__} optimizer, which "
            f"keeps {len(optimizer._state())}"
        )
    if hasattr(optimizer, "t"):
        if not _is_int(t) or not 0 <= t <= MAX_STEPS:
            raise ValueError(
                f"its optimizer step count t is invalid: {_short(t)} (an int from 0 to 2**53)"
            )
        optimizer.t = t
    elif t is not None:
        raise ValueError(f"it gives a step count to a {cls.__name__} optimizer")
    for i, (mine, theirs) in enumerate(zip(optimizer._state(), states, strict=True)):
        _check_bounded(f"optimizer_state_{i}", theirs)
        np.copyto(mine, theirs)
    for averages in getattr(optimizer, "squared_averages", ()):
        if averages.size and averages.min() < 0:
            raise ValueError("its optimizer's squared-gradient averages are negative")
    return optimizer


def _set_fitted(estimator, values, arrays, counts, optimizer):
    """Set the checked fitted state on ``estimator``."""
    for name, value in values.items():
        setattr(estimator, name, value)
    if "classes_" in arrays:
        estimator.classes_ = arrays["classes_"]
    if "coef_" in arrays:
        estimator.coef_, estimator.intercept_ = arrays["coef_"], arrays["intercept_"]
    else:
        for name in LAYER_LISTS + BATCH_NORM_LISTS:
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
