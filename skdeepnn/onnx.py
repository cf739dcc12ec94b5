"""ONNX export of the fitted estimators, through skl2onnx (the ``[onnx]`` extra).

Importing this module registers a converter and a shape calculator with skl2onnx for
:class:`~skdeepnn.DeepNNClassifier`, :class:`~skdeepnn.DeepNNRegressor` and
:class:`~skdeepnn.LogisticRegressionGD`, so that ``skl2onnx.to_onnx(model, X)``
converts any of them, alone or as the last step of a Pipeline, like scikit-learn's own
estimators. :func:`to_onnx` does the same in one call.

The graph is the network's forward pass at prediction: one ``Gemm`` per layer (batch
normalization folded into it with the running statistics, dropout absent, as in
``predict``), the hidden activation after each hidden layer, then the output:

- a classifier outputs ``label`` and ``probabilities``, as skl2onnx's classifiers do:
  the labels of ``predict`` (int64, or strings for string classes; a 0/1 int64 matrix
  for multilabel targets, dense even where ``predict`` is sparse) and the probabilities
  of ``predict_proba``, turned into a list of dicts by ``ZipMap`` unless the option
  ``zipmap`` is False (``"columns"``: one output per class). The options ``nocl``
  (class indices as labels) and ``output_class_labels`` work as in skl2onnx;
- a regressor outputs ``variable``, ``predict``'s values in ``predict``'s shape:
  ``(n_samples,)`` for a model fitted on a 1-D ``y`` (skl2onnx's own regressors give
  ``(n_samples, 1)``), ``(n_samples, n_outputs)`` otherwise.

The graph computes in the input's precision, as ``predict`` does: a double input gives
a double graph, any other a float one. Only operators that onnxruntime implements for
both float and double are used (leaky ReLU, for one, is written as ``Max(Z, 0.01 Z)``:
onnxruntime's ``LeakyRelu`` takes floats only).

The converter reads only the estimators' public fitted attributes (``coefs_``,
``intercepts_``, batch normalization's ``gammas_``, ``betas_``, ``running_means_``,
``running_vars_``, ``activation``, ``out_activation_``, ``n_outputs_``, ``classes_``,
``coef_``, ``intercept_``, ``n_features_in_``).
"""

import warnings

import numpy as np
from onnx import TensorProto
from skl2onnx import to_onnx as skl2onnx_to_onnx
from skl2onnx import update_registered_converter
from skl2onnx.common.data_types import (
    BooleanTensorType,
    DoubleTensorType,
    FloatTensorType,
    Int64TensorType,
    StringTensorType,
)
from skl2onnx.common.utils import check_input_and_output_numbers, check_input_and_output_types
from sklearn.utils.validation import check_is_fitted

from ._batch_norm import EPSILON
from ._classifier import DeepNNClassifier
from ._logistic import LogisticRegressionGD
from ._regressor import DeepNNRegressor

__all__ = ["to_onnx"]

#: The slope of leaky ReLU for negative inputs, as in ``skdeepnn._activations``.
LEAKY_RELU_SLOPE = 0.01

#: The options that the classifiers' converter accepts, with their allowed values: those
#: of skl2onnx's classifiers, which its default classifier parser applies.
CLASSIFIER_OPTIONS = {
    "zipmap": [True, False, "columns"],
    "nocl": [False, True],
    "output_class_labels": [False, True],
}

_INPUT_TYPES = [FloatTensorType, DoubleTensorType, Int64TensorType, BooleanTensorType]


class _GraphBuilder:
    """Adds nodes and constants to skl2onnx's container under unique names.

    Parameters
    ----------
    scope, container
        skl2onnx's naming scope and the container of the graph being built.
    dtype : {numpy.float32, numpy.float64}
        The precision of the graph's arithmetic.
    """

    def __init__(self, scope, container, dtype):
        self.scope, self.container = scope, container
        self.dtype = np.dtype(dtype)
        self.proto_type = TensorProto.DOUBLE if self.dtype == np.float64 else TensorProto.FLOAT

    def constant(self, name, values, proto_type=None):
        """An initializer holding ``values`` (in the graph's dtype unless ``proto_type``)."""
        values = np.asarray(values)
        if proto_type is None:
            proto_type, values = self.proto_type, values.astype(self.dtype)
        unique = self.scope.get_unique_variable_name(name)
        content = values.ravel().tolist() if values.dtype.kind in "OSU" else values.ravel()
        self.container.add_initializer(unique, proto_type, list(values.shape), content)
        return unique

    def node(self, op_type, inputs, output=None, **attributes):
        """Add one ``op_type`` node; returns the name of its output (``output``, if given)."""
        if output is None:
            output = self.scope.get_unique_variable_name(op_type.lower())
        name = self.scope.get_unique_operator_name(op_type)
        self.container.add_node(op_type, inputs, output, name=name, **attributes)
        return output


def _graph_dtype(input_type):
    """Double for a double input, float for any other (integer or boolean inputs too)."""
    return np.float64 if isinstance(input_type, DoubleTensorType) else np.float32


def _check_known(name, value, known):
    """Raise ValueError, naming the attribute, unless ``value`` is among ``known``."""
    if value not in known:
        raise ValueError(
            f"skdeepnn.onnx cannot export {name}={value!r}: it knows {sorted(known)}. "
            "This model's kind may be newer than the converter."
        )


def _prediction_network(model):
    """The fitted ``(coefs, intercepts, hidden_activation)`` that ``predict`` computes with.

    Batch normalization is folded into each hidden layer, as at prediction: with the
    running statistics, ``gamma * (A_prev @ W - mean) / sqrt(var + eps) + beta`` is
    ``A_prev @ (W * scale) + (beta - mean * scale)`` with ``scale = gamma / sqrt(var +
    eps)``; ``beta`` stands for the layer's bias, which batch normalization drops. The
    fold is computed in the weights' own dtype, as ``predict`` computes it.
    """
    check_is_fitted(model)
    if isinstance(model, LogisticRegressionGD):
        # coef_ holds one row per output unit; the network one column per unit.
        return [model.coef_.T], [model.intercept_], "identity"
    _check_known("activation", model.activation, _HIDDEN_ACTIVATIONS)
    coefs, intercepts = list(model.coefs_), list(model.intercepts_)
    if model.gammas_ is not None:
        statistics = zip(
            model.gammas_, model.betas_, model.running_means_, model.running_vars_, strict=True
        )
        for l, (gamma, beta, mean, var) in enumerate(statistics):
            scale = gamma / np.sqrt(var + EPSILON)
            coefs[l] = coefs[l] * scale
            intercepts[l] = beta - mean * scale
    return coefs, intercepts, model.activation


def _leaky_relu(graph, Z):
    """``max(Z, 0.01 Z)``, the estimators' formula: onnxruntime's LeakyRelu has no double."""
    slope = graph.constant("leaky_relu_slope", LEAKY_RELU_SLOPE)
    return graph.node("Max", [Z, graph.node("Mul", [Z, slope])])


#: Each hidden activation: a function ``(graph, Z) -> A`` adding its nodes.
_HIDDEN_ACTIVATIONS = {
    "identity": lambda graph, Z: Z,
    "relu": lambda graph, Z: graph.node("Relu", [Z]),
    "leaky_relu": _leaky_relu,
    "tanh": lambda graph, Z: graph.node("Tanh", [Z]),
    "sigmoid": lambda graph, Z: graph.node("Sigmoid", [Z]),
}


def _forward(graph, operator, model):
    """Add the forward pass to the graph; returns the name of the logits ``Z[L]``."""
    coefs, intercepts, activation = _prediction_network(model)
    A = operator.inputs[0].full_name
    if not isinstance(operator.inputs[0].type, (FloatTensorType, DoubleTensorType)):
        A = graph.node("Cast", [A], to=graph.proto_type)
    for l, (W, b) in enumerate(zip(coefs, intercepts, strict=True)):
        W_name, b_name = graph.constant(f"W{l + 1}", W), graph.constant(f"b{l + 1}", b)
        # Gemm: A_prev @ W + b in one node, the bias broadcast over the rows.
        A = graph.node("Gemm", [A, W_name, b_name])
        if l < len(coefs) - 1:
            A = _HIDDEN_ACTIVATIONS[activation](graph, A)
    return A


def _at_least_tiny(graph, proba, output=None):
    """``max(proba, tiny)``: ``predict_proba`` never lets a probability underflow to 0."""
    tiny = graph.constant("tiny", np.finfo(graph.dtype).tiny)
    return graph.node("Max", [proba, tiny], output=output)


def _probabilities(graph, Z, kind, output):
    """Add ``predict_proba``'s computation from the logits ``Z``, into ``output``.

    Two classes: ``[sigmoid(-z), sigmoid(z)]`` (exact where ``1 - sigmoid(z)`` would
    round to 0); more: each row's softmax; multilabel: each label's sigmoid, below 1.
    """
    if kind == "binary":
        negative = graph.node("Sigmoid", [graph.node("Neg", [Z])])
        proba = graph.node("Concat", [negative, graph.node("Sigmoid", [Z])], axis=1)
        return _at_least_tiny(graph, proba, output)
    if kind == "multiclass":
        return _at_least_tiny(graph, graph.node("Softmax", [Z], axis=1), output)
    proba = _at_least_tiny(graph, graph.node("Sigmoid", [Z]))
    below_one = graph.constant("below_one", np.nextafter(graph.dtype.type(1), 0))
    return graph.node("Min", [proba, below_one], output=output)


def _labels(graph, Z, kind, classes, output):
    """Add ``predict``'s labels from the logits ``Z``, into ``output``.

    The class of the positive logit (two classes) or of the largest (more; the first of
    ties, as NumPy's argmax), looked up in ``classes`` (None: the class indices); for
    multilabel targets, a 0/1 column per label.
    """
    if kind == "multilabel":
        positive = graph.node("Greater", [Z, graph.constant("zero", 0)])
        return graph.node("Cast", [positive], output=output, to=TensorProto.INT64)
    if kind == "binary":
        positive = graph.node("Greater", [Z, graph.constant("zero", 0)])
        index = graph.node("Cast", [positive], to=TensorProto.INT64)
        rows = graph.constant("rows", np.array([-1]), TensorProto.INT64)
        index = graph.node("Reshape", [index, rows])
    else:
        index = graph.node("ArgMax", [Z], axis=1, keepdims=0)
    if classes is None:
        return graph.node("Identity", [index], output=output)
    return graph.node("Gather", [classes, index], output=output, axis=0)


def _classification_kind(model):
    """ "binary" (one sigmoid unit), "multiclass" (softmax) or "multilabel" (a sigmoid
    a label)."""
    _check_known("out_activation_", model.out_activation_, ("sigmoid", "softmax"))
    if model.out_activation_ == "softmax":
        return "multiclass"
    return "binary" if model.n_outputs_ == 1 else "multilabel"


def _onnx_classes(classes):
    """``classes`` as ONNX labels: ``(values, proto_type)``, int64 or strings.

    Numeric labels must be integers (floats such as 1.0 included), as in skl2onnx,
    whose ``ZipMap`` keys are int64 or strings; booleans become 0 and 1.
    """
    values = np.asarray(classes).tolist()
    if all(isinstance(value, str) for value in values):
        return np.array([value.encode("utf-8") for value in values], dtype=object), (
            TensorProto.STRING
        )
    if all(isinstance(value, (int, float)) and float(value).is_integer() for value in values):
        return np.array([int(value) for value in values], dtype=np.int64), TensorProto.INT64
    raise ValueError(
        f"skdeepnn.onnx cannot export the class labels {values[:5]!r}: ONNX classifiers "
        "label with integers or strings. Fit on integer or string labels (a LabelEncoder "
        "maps others to integers)."
    )


def _indexes_classes(scope, model):
    """Whether the option ``nocl`` is set: labels are then the indices of the classes."""
    return bool(scope.get_options(model, {"nocl": False})["nocl"])


def convert_classifier(scope, operator, container):
    """skl2onnx's converter for DeepNNClassifier and LogisticRegressionGD.

    Writes ``operator.outputs``: the labels of ``predict`` and the probabilities of
    ``predict_proba``.

    Parameters
    ----------
    scope, operator, container
        skl2onnx's naming scope, the operator being converted (its ``raw_operator`` is
        the fitted estimator) and the container of the graph.
    """
    model = operator.raw_operator
    graph = _GraphBuilder(scope, container, _graph_dtype(operator.inputs[0].type))
    kind = _classification_kind(model)
    Z = _forward(graph, operator, model)
    classes = None
    if kind != "multilabel" and not _indexes_classes(scope, model):
        classes = graph.constant("classes", *_onnx_classes(model.classes_))
    _labels(graph, Z, kind, classes, operator.outputs[0].full_name)
    if _zipmap_casts(scope, model, graph.dtype):
        proba = _probabilities(graph, Z, kind, None)
        graph.node("Cast", [proba], output=operator.outputs[1].full_name, to=TensorProto.FLOAT)
    else:
        _probabilities(graph, Z, kind, operator.outputs[1].full_name)


def _zipmap_casts(scope, model, dtype):
    """Whether the probabilities go to ``ZipMap`` as floats from a double graph.

    The ONNX operator ``ZipMap`` (the option ``zipmap=True``, skl2onnx's default) takes
    floats only: a double graph hands it its probabilities cast to float.
    """
    zipmap = scope.get_options(model, {"zipmap": True})["zipmap"]
    return dtype == np.float64 and zipmap is True


def calculate_classifier_output_shapes(operator):
    """skl2onnx's shape calculator for DeepNNClassifier and LogisticRegressionGD.

    The labels are int64 (or strings), of shape ``(N,)``, or ``(N, n_labels)`` for
    multilabel targets; the probabilities ``(N, n_classes)`` (or ``n_labels``), in the
    graph's precision.

    Parameters
    ----------
    operator
        skl2onnx's operator, whose outputs' types are set here.
    """
    check_input_and_output_numbers(operator, input_count_range=1, output_count_range=2)
    check_input_and_output_types(operator, good_input_types=_INPUT_TYPES)
    model = operator.raw_operator
    kind = _classification_kind(model)
    n_rows = operator.inputs[0].get_first_dimension()
    if kind == "multilabel":
        label_type = Int64TensorType([n_rows, model.n_outputs_])
    elif _indexes_classes(operator.scope_inst, model):
        label_type = Int64TensorType([n_rows])
    else:
        proto_type = _onnx_classes(model.classes_)[1]
        tensor_type = StringTensorType if proto_type == TensorProto.STRING else Int64TensorType
        label_type = tensor_type([n_rows])
    operator.outputs[0].type = label_type
    proba_type = _tensor_type(operator.inputs[0].type)
    if _zipmap_casts(operator.scope_inst, model, _graph_dtype(operator.inputs[0].type)):
        proba_type = FloatTensorType
    operator.outputs[1].type = proba_type([n_rows, len(model.classes_)])


def _tensor_type(input_type):
    """The tensor type of the graph's real outputs for an input of ``input_type``."""
    return DoubleTensorType if _graph_dtype(input_type) == np.float64 else FloatTensorType


def _prediction_shape(model):
    """The shape of the regressor's ``predict`` for one row, the row's axis left out:
    ``()`` for a 1-D ``y``, ``(n_outputs,)``, or with a quantile axis ``(n_quantiles,)``
    or ``(n_targets, n_quantiles)``. Asked of ``predict`` itself, on one row of zeros."""
    check_is_fitted(model)
    with warnings.catch_warnings():
        # A model fitted on a DataFrame warns that this array has no column names.
        warnings.simplefilter("ignore")
        return model.predict(np.zeros((1, model.n_features_in_))).shape[1:]


def _sorted_quantiles(graph, Z, model):
    """``Z``'s quantiles of each target sorted, as ``predict`` repairs crossings: TopK of
    all ``n_quantiles`` along the quantile axis, smallest first."""
    n_quantiles = len(model.quantiles_)
    by_target = graph.constant("by_target", np.array([-1, n_quantiles]), TensorProto.INT64)
    Q = graph.node("Reshape", [Z, by_target])
    k = graph.constant("k", np.array([n_quantiles]), TensorProto.INT64)
    values = graph.scope.get_unique_variable_name("sorted_quantiles")
    indices = graph.scope.get_unique_variable_name("sorted_indices")
    name = graph.scope.get_unique_operator_name("TopK")
    graph.container.add_node(
        "TopK", [Q, k], [values, indices], name=name, op_version=11, axis=-1, largest=0, sorted=1
    )
    return values


def convert_regressor(scope, operator, container):
    """skl2onnx's converter for DeepNNRegressor: ``predict``'s values, in its shape.

    With ``loss="quantile"``, each target's quantiles are sorted (TopK), as ``predict``
    sorts them so that they never cross. The parameters are those of
    :func:`convert_classifier`.
    """
    model = operator.raw_operator
    graph = _GraphBuilder(scope, container, _graph_dtype(operator.inputs[0].type))
    _check_known("out_activation_", model.out_activation_, ("identity", "exp"))
    Z = _forward(graph, operator, model)
    if model.out_activation_ == "exp":  # loss="poisson": a log link
        Z = graph.node("Exp", [Z])
    if getattr(model, "quantiles_", None) is not None:
        Z = _sorted_quantiles(graph, Z, model)
    shape = graph.constant("shape", np.array([-1, *_prediction_shape(model)]), TensorProto.INT64)
    graph.node("Reshape", [Z, shape], output=operator.outputs[0].full_name)


def calculate_regressor_output_shapes(operator):
    """skl2onnx's shape calculator for DeepNNRegressor: ``predict``'s shape, ``(N,)``,
    ``(N, n_outputs)``, or with a quantile axis ``(N, n_quantiles)`` or ``(N, n_targets,
    n_quantiles)``.

    Parameters
    ----------
    operator
        skl2onnx's operator, whose output's type is set here.
    """
    check_input_and_output_numbers(operator, input_count_range=1, output_count_range=1)
    check_input_and_output_types(operator, good_input_types=_INPUT_TYPES)
    model = operator.raw_operator
    n_rows = operator.inputs[0].get_first_dimension()
    shape = [n_rows, *_prediction_shape(model)]
    operator.outputs[0].type = _tensor_type(operator.inputs[0].type)(shape)


def _register():
    """Register the three estimators with skl2onnx (once, at import)."""
    for estimator in (DeepNNClassifier, LogisticRegressionGD):
        update_registered_converter(
            estimator,
            f"Skdeepnn{estimator.__name__}",
            calculate_classifier_output_shapes,
            convert_classifier,
            options=CLASSIFIER_OPTIONS,
        )
    update_registered_converter(
        DeepNNRegressor,
        "SkdeepnnDeepNNRegressor",
        calculate_regressor_output_shapes,
        convert_regressor,
    )


_register()


def to_onnx(model, X_sample, **options):
    """Convert a fitted skdeepnn estimator, or a Pipeline holding one, to an ONNX model.

    ``skl2onnx.to_onnx`` with this module's converters registered, and with the
    classifiers' options given by name for every skdeepnn classifier in ``model``.

    Parameters
    ----------
    model : estimator
        A fitted DeepNNClassifier, DeepNNRegressor or LogisticRegressionGD, or a
        fitted scikit-learn model (a Pipeline ...) whose parts skl2onnx converts.
    X_sample : array-like or DataFrame
        A few rows of the input: their dtype and columns give the graph's inputs
        (float64 gives a double graph, float32 a float one).
    **options
        ``zipmap``, ``nocl`` and ``output_class_labels``: the converter's options,
        applied to every skdeepnn classifier inside ``model``; any other keyword
        (``target_opset``, ``options``, ``name`` ...) goes to ``skl2onnx.to_onnx``.

    Returns
    -------
    onnx_model : onnx.ModelProto

    Examples
    --------
    >>> import numpy as np
    >>> import onnxruntime as ort
    >>> from sklearn.datasets import load_iris
    >>> from skdeepnn import DeepNNClassifier
    >>> from skdeepnn.onnx import to_onnx
    >>> X, y = load_iris(return_X_y=True)
    >>> X = X.astype(np.float32)
    >>> clf = DeepNNClassifier(hidden_layer_sizes=(8,), solver="lbfgs", random_state=0).fit(X, y)
    >>> session = ort.InferenceSession(to_onnx(clf, X[:1], zipmap=False).SerializeToString())
    >>> labels, proba = session.run(None, {"X": X})
    >>> bool((labels == clf.predict(X)).all())
    True
    """
    named = {key: options.pop(key) for key in CLASSIFIER_OPTIONS if key in options}
    if named:
        per_model = dict(options.pop("options", None) or {})
        for part in _skdeepnn_classifiers(model):
            per_model[id(part)] = {**per_model.get(id(part), {}), **named}
        options["options"] = per_model
    return skl2onnx_to_onnx(model, X_sample, **options)


def _skdeepnn_classifiers(model):
    """The skdeepnn classifiers in ``model``: itself, or its parts (a Pipeline's steps ...)."""
    parts = [model, *model.get_params(deep=True).values()] if hasattr(model, "get_params") else []
    classifiers = (DeepNNClassifier, LogisticRegressionGD)
    return [part for part in parts if isinstance(part, classifiers)]
