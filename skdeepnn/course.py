r"""The course's step-by-step functions, on arrays laid out the way the course lays them out.

This module is for learners following *Neural Networks and Deep Learning* (course 1 of
the Deep Learning Specialization) and the optimization and regularization lessons of
course 2. It offers the functions the assignments build, under the assignments' names
and with their arguments, shapes and return values, so that a notebook written against
the course runs against this module. Each function is a thin layer over the same NumPy
core that :class:`~skdeepnn.DeepNNClassifier` and :class:`~skdeepnn.DeepNNRegressor`
train with: what a learner computes here is what the estimators compute.

Shapes
------
As in the course, **examples are columns**:

==========================  ==========================  ===============================
course (this module)        shape                       estimators (one example a row)
==========================  ==========================  ===============================
``X``, ``A[l]``             ``(n_x, m)``, ``(n_l, m)``  ``X`` of shape ``(m, n_x)``
``parameters["W" + l]``     ``(n_l, n_{l-1})``          ``coefs_[l-1]``, equal to ``W[l].T``
``parameters["b" + l]``     ``(n_l, 1)``                ``intercepts_[l-1]``, ``b[l][:, 0]``
``grads["dW" + l]``         like ``W[l]``
``grads["dA" + l]``         like ``A[l]``
==========================  ==========================  ===============================

The core works on rows: the course's :math:`Z = W A + b` is the core's
:math:`Z^T = A^T W^T + b^T`. The functions here hand the core transposed *views* of
their arguments, not copies, and transpose its results back.
:func:`parameters_from_estimator` reads a fitted estimator's weights in the course's
layout.

What each function calls
------------------------
=====================================  ===================================================
course function                        skdeepnn core
=====================================  ===================================================
``initialize_parameters_deep``         ``_initializers.INITIALIZERS`` (``small_random``,
                                       ``he``, ``xavier``, ``zeros``)
``initialize_parameters``              ``initialize_parameters_deep``
``sigmoid``, ``relu``                  ``_activations.ACTIVATIONS``
``sigmoid_backward``                   ``_activations.ACTIVATIONS`` and ``DERIVATIVES``
``relu_backward``                      ``_activations.ACTIVATIONS`` and ``DERIVATIVES``
``linear_forward``                     ``_layers.Linear.forward``
``linear_activation_forward``          ``linear_forward`` and the activations above
``L_model_forward``                    ``linear_activation_forward``, layer by layer
``compute_cost``                       ``_losses.binary_log_loss_and_gradient``
``compute_cost_with_regularization``   ``compute_cost`` and ``_losses.l2_penalty``
``linear_backward``                    ``_layers.Linear.backward``
``linear_activation_backward``         the derivatives above and ``linear_backward``
``L_model_backward``                   ``linear_activation_backward``, layer by layer
``update_parameters``                  ``_optimizers.GradientDescent``
``update_parameters_with_momentum``    ``_optimizers.Momentum``
``update_parameters_with_adam``        ``_optimizers.Adam``
``random_mini_batches``                ``_loop.MiniBatches``
``dictionary_to_vector``               ``_network.pack``
``gradients_to_vector``                ``_network.pack``
``gradient_check_n``                   ``L_model_forward`` and ``compute_cost``
``predict``                            ``_network.predict_logits``
=====================================  ===================================================

Where the course and the core differ
------------------------------------
* The course's ``compute_cost`` takes the probabilities ``AL``; the core's loss takes
  the logits ``Z[L]``. ``compute_cost`` hands the core :math:`\operatorname{logit}(AL)`,
  which gives the course's cost; ``AL`` exactly 0 or 1 (where the course's cost is
  infinite or NaN) is first moved to the nearest representable probability inside (0, 1).
* The core goes from the logits straight to :math:`dZ^{[L]} = (A^{[L]} - Y) / m`; the
  course's ``L_model_backward`` goes through :math:`dA^{[L]}` and ``sigmoid_backward``.
  Both give the same gradient when ``AL`` is the sigmoid of the cached ``Z[L]``, but the
  course's published test case draws the two independently, so ``L_model_backward``
  follows the course.
* The core's ``dZ`` carries the :math:`1/m` of the mean; the course's does not and
  divides in ``linear_backward``, as ``linear_backward`` here does.
* ``random_mini_batches`` with ``mini_batch_size >= m`` returns the one batch in its
  original order: the core does not shuffle a single full batch (it would only reorder
  a sum), while the course returns it permuted.
* ``update_parameters_with_adam`` divides by :math:`\sqrt{\hat s} + \epsilon`, as the
  course's formula and the core do; ``epsilon_inside_sqrt=True`` divides by
  :math:`\sqrt{\hat s + \epsilon}`, as the expected values of
  the course's notebook and of a release of its graded tests do.

All computations are in float64, as in the course. Inputs are never modified: the
update functions return new dictionaries.
"""

from collections.abc import Mapping

import numpy as np
from scipy.special import logit
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from ._activations import ACTIVATIONS, DERIVATIVES
from ._base import NetworkEstimator
from ._initializers import INITIALIZERS
from ._layers import Batch, Linear
from ._loop import MiniBatches
from ._losses import binary_log_loss_and_gradient, l2_penalty
from ._network import pack, predict_logits
from ._optimizers import Adam, GradientDescent, Momentum
from .utils import _relative_difference, _two_sided_differences

__all__ = [
    "L_model_backward",
    "L_model_forward",
    "compute_cost",
    "compute_cost_with_regularization",
    "dictionary_to_vector",
    "gradient_check_n",
    "gradients_to_vector",
    "initialize_adam",
    "initialize_parameters",
    "initialize_parameters_deep",
    "initialize_velocity",
    "linear_activation_backward",
    "linear_activation_forward",
    "linear_backward",
    "linear_forward",
    "parameters_from_estimator",
    "predict",
    "random_mini_batches",
    "relu",
    "relu_backward",
    "sigmoid",
    "sigmoid_backward",
    "update_parameters",
    "update_parameters_with_adam",
    "update_parameters_with_momentum",
    "vector_to_dictionary",
]

# The activations a layer may use here: every core activation with a derivative
# (softmax has none; the core pairs it with its loss instead).
LAYER_ACTIVATIONS = tuple(DERIVATIVES)


# -- validation ------------------------------------------------------------------------


def _float_array(value, name, ndim=None):
    """``value`` as a float64 array (no copy when it already is one), checked for ``ndim``."""
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name} must be an array of numbers: {error}") from None
    if ndim is not None and array.ndim != ndim:
        raise ValueError(
            f"{name} must be a {ndim}-D array (in the course's layout, one column per "
            f"example); got shape {array.shape}."
        )
    return array


def _check_layer(A, W, b, names=("A", "W", "b")):
    """Validate one layer's ``A[l-1]``, ``W[l]``, ``b[l]``; return them as float64 arrays."""
    A = _float_array(A, names[0], ndim=2)
    W, b = _check_weights(W, b, A.shape[0], names)
    return A, W, b


def _check_weights(W, b, n_inputs, names):
    """Validate ``W[l]`` and ``b[l]`` of a layer that receives ``n_inputs`` rows of ``A[l-1]``."""
    a_name, w_name, b_name = names
    W = _float_array(W, w_name, ndim=2)
    b = _float_array(b, b_name)
    if W.shape[1] != n_inputs:
        raise ValueError(
            f"{w_name} has {W.shape[1]} columns but {a_name} has {n_inputs} rows: "
            f"{w_name} must have shape (n_l, n_(l-1)) and {a_name} shape (n_(l-1), m)."
        )
    if b.shape not in ((W.shape[0], 1), (W.shape[0],)):
        raise ValueError(
            f"{b_name} has shape {b.shape}; expected ({W.shape[0]}, 1), one bias per "
            f"row of {w_name}."
        )
    return W, b


def _targets_like(Y, AL, name="Y"):
    """``Y`` as float64 in the shape of ``AL``; a 1-D ``Y`` of the same size is reshaped."""
    Y = _float_array(Y, name)
    if Y.shape != AL.shape:
        if Y.size != AL.size:
            raise ValueError(
                f"{name} has shape {Y.shape} but AL has shape {AL.shape}: give one "
                "label per entry of AL."
            )
        Y = Y.reshape(AL.shape)
    return Y


def _check_activation(activation):
    if activation not in LAYER_ACTIVATIONS:
        raise ValueError(
            f"activation must be one of {', '.join(map(repr, LAYER_ACTIVATIONS))}; "
            f"got {activation!r}."
        )


def _check_mapping(value, name, prefix):
    """Raise TypeError unless ``value`` is a dict (or another mapping) of arrays."""
    if not isinstance(value, Mapping):
        raise TypeError(
            f"{name} must be a dict such as {{'{prefix}W1': ..., '{prefix}b1': ...}}; "
            f"got {type(value).__name__}."
        )


def _n_layers(parameters, prefix=""):
    """The number of layers ``L`` of a dictionary holding ``W1, b1, ..., WL, bL``.

    With ``prefix="d"``, of a gradient dictionary holding ``dW1, db1, ..., dWL, dbL``
    (and possibly ``dA`` entries, which are not counted).
    """
    _check_mapping(parameters, "grads" if prefix else "parameters", prefix)
    L = 0
    while f"{prefix}W{L + 1}" in parameters:
        L += 1
    missing = [f"{prefix}b{l}" for l in range(1, L + 1) if f"{prefix}b{l}" not in parameters]
    if L == 0 or missing:
        what = "parameters" if not prefix else "grads"
        absent = f"{prefix}W1" if L == 0 else ", ".join(missing)
        raise ValueError(
            f"{what} must hold {prefix}W1, {prefix}b1, ..., {prefix}WL, {prefix}bL; "
            f"{absent} is missing."
        )
    return L


def _parameter_keys(L):
    """``["W1", "b1", ..., "WL", "bL"]``: the course's order of the parameters."""
    return [f"{kind}{l}" for l in range(1, L + 1) for kind in ("W", "b")]


def _arrays_for(mapping, name, keys, shapes):
    """``mapping["d" + key]`` for each parameter ``key``, as float arrays of the
    parameter's shape: the gradients, or an optimizer's averages."""
    _check_mapping(mapping, name, "d")
    arrays = []
    for key, shape in zip(keys, shapes, strict=True):
        if "d" + key not in mapping:
            raise ValueError(f"{name} has no entry 'd{key}' for parameters['{key}'].")
        array = _float_array(mapping["d" + key], f"{name}['d{key}']")
        if array.shape != shape:
            raise ValueError(
                f"{name}['d{key}'] has shape {array.shape} but parameters['{key}'] has "
                f"shape {shape}."
            )
        arrays.append(array)
    return arrays


def _copies_and_gradients(parameters, grads):
    """The keys, float64 copies of the parameters, and the matching gradients.

    The copies are what the core optimizers update in place; the caller's arrays stay
    as they were.
    """
    keys = _parameter_keys(_n_layers(parameters))
    params = [np.array(parameters[key], dtype=np.float64, order="C") for key in keys]
    return keys, params, _arrays_for(grads, "grads", keys, [p.shape for p in params])


def _state_into(arrays, state, keys, name):
    """Copy the caller's optimizer state ``state["dW1"], ...`` into the core's ``arrays``."""
    values = _arrays_for(state, name, keys, [array.shape for array in arrays])
    for array, value in zip(arrays, values, strict=True):
        np.copyto(array, value)


def _random_state(random_state):
    """A NumPy random generator from a scikit-learn style ``random_state``.

    An int seeds a legacy ``RandomState``, whose stream is the course's
    ``np.random.seed(seed)``; None is NumPy's global ``RandomState``, the one the
    course's ``np.random.seed`` seeds; a ``Generator`` or ``RandomState`` is used as is.
    """
    if isinstance(random_state, np.random.Generator):
        return random_state
    return check_random_state(random_state)


# -- initialization --------------------------------------------------------------------


def initialize_parameters(n_x, n_h, n_y, init="small_random", random_state=None):
    r"""Parameters of a network with one hidden layer: ``W1, b1, W2, b2``.

    The course's two-layer initialization: :math:`W^{[l]} = 0.01\,\mathcal{N}(0, 1)`,
    :math:`b^{[l]} = 0`. The same as ``initialize_parameters_deep([n_x, n_h, n_y])``.

    Read more in the :ref:`User Guide <initialization>`.

    Parameters
    ----------
    n_x, n_h, n_y : int
        The sizes of the input, hidden and output layers.
    init : {"small_random", "he", "xavier", "zeros"}, default="small_random"
        See :func:`initialize_parameters_deep`.
    random_state : int, RandomState, Generator or None, default=None
        See :func:`initialize_parameters_deep`. The course's week 4 seeds 1.

    Returns
    -------
    parameters : dict
        ``W1`` of shape (n_h, n_x), ``b1`` (n_h, 1), ``W2`` (n_y, n_h), ``b2`` (n_y, 1).

    Examples
    --------
    >>> from skdeepnn.course import initialize_parameters
    >>> parameters = initialize_parameters(3, 2, 1, random_state=1)
    >>> parameters["W1"].shape, parameters["b1"].shape, parameters["W2"].shape
    ((2, 3), (2, 1), (1, 2))
    """
    return initialize_parameters_deep([n_x, n_h, n_y], init=init, random_state=random_state)


def initialize_parameters_deep(layer_dims, init="small_random", random_state=None):
    r"""Parameters ``W1, b1, ..., WL, bL`` of an L-layer network.

    For each layer, in order, :math:`W^{[l]} = \sigma\, \mathcal{N}(0, 1)` of shape
    :math:`(n^{[l]}, n^{[l-1]})` and :math:`b^{[l]} = 0`, with

    ================  =================================  ==============================
    ``init``          :math:`\sigma`                     course
    ================  =================================  ==============================
    ``small_random``  :math:`0.01`                       course 1, week 4
    ``he``            :math:`\sqrt{2 / n^{[l-1]}}`       course 2, week 1 (for ReLU)
    ``xavier``        :math:`\sqrt{1 / n^{[l-1]}}`       course 2, week 1 (for tanh)
    ``zeros``         :math:`0`                          course 2, week 1 (what fails)
    ================  =================================  ==============================

    The weights come in the order the course draws them, ``np.random.randn(n_l,
    n_(l-1))`` layer after layer, so ``random_state=3`` gives the course's
    ``np.random.seed(3)`` weights. The estimators draw each ``coefs_[l-1] = W[l].T`` in
    its own row-major order: the same ``random_state`` gives them other weights, of the
    same distribution.

    Read more in the :ref:`User Guide <initialization>`.

    Parameters
    ----------
    layer_dims : sequence of int
        ``[n_x, n_1, ..., n_L]``, the sizes of the layers, input first.
    init : {"small_random", "he", "xavier", "zeros"}, default="small_random"
        The core initializer of every layer. ``"zeros"`` leaves all the units of a
        layer identical, which gradient descent cannot undo (course 2, week 1).
    random_state : int, RandomState, Generator or None, default=None
        An int seeds a ``RandomState``, whose draws are the course's after
        ``np.random.seed(random_state)``; None draws from NumPy's global state, as the
        course does.

    Returns
    -------
    parameters : dict
        ``"W" + str(l)`` of shape (n_l, n_(l-1)) and ``"b" + str(l)`` of shape (n_l, 1).

    Examples
    --------
    >>> from skdeepnn.course import initialize_parameters_deep
    >>> parameters = initialize_parameters_deep([5, 4, 3], random_state=3)
    >>> parameters["W2"].shape, parameters["b2"].shape
    ((3, 4), (3, 1))
    >>> round(float(parameters["W1"][0, 0]), 8)  # the course's first weight
    0.01788628
    """
    if init not in INITIALIZERS:
        raise ValueError(f"init must be one of {', '.join(map(repr, INITIALIZERS))}; got {init!r}.")
    layer_dims = [int(n) for n in layer_dims]
    if len(layer_dims) < 2 or min(layer_dims) < 1:
        raise ValueError(
            f"layer_dims must list at least two positive sizes [n_x, ..., n_L]; got {layer_dims}."
        )
    rng = _random_state(random_state)
    initializer = INITIALIZERS[init]
    parameters = {}
    for l in range(1, len(layer_dims)):
        fan_in, fan_out = layer_dims[l - 1], layer_dims[l]
        # The core draws W.T of shape (n_(l-1), n_l), row by row; the course draws W of
        # shape (n_l, n_(l-1)), row by row. Both are the same sequence of independent
        # draws, so reshaping (not transposing) the core's draw lays it out as the course's.
        parameters[f"W{l}"] = initializer(fan_in, fan_out, rng).reshape(fan_out, fan_in)
        parameters[f"b{l}"] = np.zeros((fan_out, 1))
    return parameters


# -- activations -----------------------------------------------------------------------


def _activate(activation, Z):
    """``(g(Z), Z)``: the core activations work in place, and ``Z`` is the cache."""
    _check_activation(activation)
    return ACTIVATIONS[activation](Z.copy()), Z


def _activation_backward(activation, dA, Z):
    r""":math:`dZ = dA * g'(Z)`, through the core's derivative of ``g`` at ``A = g(Z)``."""
    _check_activation(activation)
    dA = _float_array(dA, "dA")
    Z = _float_array(Z, "cache")
    if dA.shape != Z.shape:
        raise ValueError(f"dA has shape {dA.shape} but the cached Z has shape {Z.shape}.")
    # The core's derivatives read g'(Z) off A = g(Z) and overwrite dA: give them copies.
    A = ACTIVATIONS[activation](Z.copy())
    return DERIVATIVES[activation](A, dA.copy())


def sigmoid(Z):
    r"""The sigmoid :math:`A = 1 / (1 + e^{-Z})`, and ``Z`` as the cache.

    Read more in the :ref:`User Guide <forward>`.

    Parameters
    ----------
    Z : array-like of any shape

    Returns
    -------
    A : ndarray of the shape of ``Z``
    cache : ndarray
        ``Z``, which ``sigmoid_backward`` needs.

    Examples
    --------
    >>> from skdeepnn.course import sigmoid
    >>> A, cache = sigmoid([[0.0, 2.0]])
    >>> A.round(4)
    array([[0.5   , 0.8808]])
    """
    return _activate("sigmoid", _float_array(Z, "Z"))


def relu(Z):
    r"""The rectified linear unit :math:`A = \max(0, Z)`, and ``Z`` as the cache.

    Read more in the :ref:`User Guide <forward>`.

    Parameters
    ----------
    Z : array-like of any shape

    Returns
    -------
    A : ndarray of the shape of ``Z``
    cache : ndarray
        ``Z``, which ``relu_backward`` needs.

    Examples
    --------
    >>> from skdeepnn.course import relu
    >>> A, cache = relu([[-1.0, 2.0]])
    >>> A
    array([[0., 2.]])
    """
    return _activate("relu", _float_array(Z, "Z"))


def sigmoid_backward(dA, cache):
    r"""``dZ`` of a sigmoid unit: :math:`dZ = dA \cdot \sigma(Z)\,(1 - \sigma(Z))`.

    Read more in the :ref:`User Guide <backward>`.

    Parameters
    ----------
    dA : array-like
        The gradient of the cost with respect to the activation.
    cache : array-like
        ``Z``, of the shape of ``dA``, as ``sigmoid`` returned it.

    Returns
    -------
    dZ : ndarray of the shape of ``dA``

    Examples
    --------
    >>> from skdeepnn.course import sigmoid_backward
    >>> sigmoid_backward([[1.0]], [[0.0]])  # sigma'(0) = 1/4
    array([[0.25]])
    """
    return _activation_backward("sigmoid", dA, cache)


def relu_backward(dA, cache):
    r"""``dZ`` of a ReLU unit: :math:`dZ = dA \cdot 1\{Z > 0\}`.

    Read more in the :ref:`User Guide <backward>`.

    Parameters
    ----------
    dA : array-like
        The gradient of the cost with respect to the activation.
    cache : array-like
        ``Z``, of the shape of ``dA``, as ``relu`` returned it.

    Returns
    -------
    dZ : ndarray of the shape of ``dA``

    Examples
    --------
    >>> from skdeepnn.course import relu_backward
    >>> relu_backward([[3.0, 3.0]], [[-1.0, 2.0]])
    array([[0., 3.]])
    """
    return _activation_backward("relu", dA, cache)


# -- forward propagation ---------------------------------------------------------------


def _linear_forward(A, W, b, names):
    A, W, b = _check_layer(A, W, b, names)
    # The core's linear layer on rows: Z.T = A.T @ W.T + b, with transposed views in
    # and out.
    layer = Linear(W.T, b.reshape(-1), first=True)
    layer.allocate(A.shape[1], A.dtype)
    Z_rows = layer.forward(A.T, None)
    return Z_rows.T, (A, W, b)


def linear_forward(A, W, b):
    r"""The linear part of a layer: :math:`Z^{[l]} = W^{[l]} A^{[l-1]} + b^{[l]}`.

    Read more in the :ref:`User Guide <forward>`.

    Parameters
    ----------
    A : array-like of shape (n_(l-1), m)
        The previous layer's activations (or ``X``).
    W : array-like of shape (n_l, n_(l-1))
    b : array-like of shape (n_l, 1)

    Returns
    -------
    Z : ndarray of shape (n_l, m)
    cache : tuple
        ``(A, W, b)``, for ``linear_backward``.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeepnn.course import linear_forward
    >>> Z, cache = linear_forward(np.ones((3, 2)), np.array([[1.0, 2.0, 3.0]]), [[0.5]])
    >>> Z
    array([[6.5, 6.5]])
    """
    return _linear_forward(A, W, b, ("A", "W", "b"))


def linear_activation_forward(A_prev, W, b, activation):
    r"""One layer: :math:`A^{[l]} = g(W^{[l]} A^{[l-1]} + b^{[l]})`.

    Read more in the :ref:`User Guide <forward>`.

    Parameters
    ----------
    A_prev : array-like of shape (n_(l-1), m)
    W : array-like of shape (n_l, n_(l-1))
    b : array-like of shape (n_l, 1)
    activation : {"sigmoid", "relu", "tanh", "leaky_relu", "identity"}
        The course uses "sigmoid" and "relu".

    Returns
    -------
    A : ndarray of shape (n_l, m)
    cache : tuple
        ``(linear_cache, activation_cache)``: ``(A_prev, W, b)`` and ``Z``.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeepnn.course import linear_activation_forward
    >>> A, cache = linear_activation_forward(np.ones((2, 1)), [[1.0, -3.0]], [[0.0]], "relu")
    >>> A, cache[1]
    (array([[0.]]), array([[-2.]]))
    """
    return _linear_activation_forward(A_prev, W, b, activation, ("A_prev", "W", "b"))


def _linear_activation_forward(A_prev, W, b, activation, names):
    _check_activation(activation)
    Z, linear_cache = _linear_forward(A_prev, W, b, names)
    A, activation_cache = _activate(activation, Z)
    return A, (linear_cache, activation_cache)


def L_model_forward(X, parameters, *, activation="relu"):
    r"""Forward propagation through ``[LINEAR -> RELU] x (L-1) -> LINEAR -> SIGMOID``.

    .. math::
        A^{[0]} = X, \quad A^{[l]} = g(W^{[l]} A^{[l-1]} + b^{[l]}) \;(l < L), \quad
        A^{[L]} = \sigma(W^{[L]} A^{[L-1]} + b^{[L]})

    Read more in the :ref:`User Guide <forward>`.

    Parameters
    ----------
    X : array-like of shape (n_x, m)
    parameters : dict
        ``W1, b1, ..., WL, bL`` as :func:`initialize_parameters_deep` makes them.
    activation : {"relu", "tanh", "sigmoid", "leaky_relu", "identity"}, default="relu"
        The hidden layers' ``g``: the course's is "relu"; an estimator's is its
        ``activation``.

    Returns
    -------
    AL : ndarray of shape (n_L, m)
        The sigmoid outputs, the probabilities of the positive class.
    caches : list of L tuples
        Each layer's cache from :func:`linear_activation_forward`.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeepnn.course import L_model_forward, initialize_parameters_deep
    >>> parameters = initialize_parameters_deep([2, 3, 1], random_state=0)
    >>> AL, caches = L_model_forward(np.ones((2, 4)), parameters)
    >>> AL.shape, len(caches)
    ((1, 4), 2)
    """
    L = _n_layers(parameters)
    _check_activation(activation)
    A = _float_array(X, "X", ndim=2)
    caches = []
    for l in range(1, L + 1):
        g = activation if l < L else "sigmoid"
        A_name = "X" if l == 1 else f"A{l - 1}"
        A, cache = _linear_activation_forward(
            A, parameters[f"W{l}"], parameters[f"b{l}"], g, (A_name, f"W{l}", f"b{l}")
        )
        caches.append(cache)
    return A, caches


# -- cost ------------------------------------------------------------------------------


def compute_cost(AL, Y):
    r"""The cross-entropy cost of sigmoid outputs.

    .. math::
        J = -\frac{1}{m} \sum_{i=1}^m \left[y^{(i)} \log a^{[L](i)}
            + (1 - y^{(i)}) \log (1 - a^{[L](i)})\right]

    Computed by the core's loss on the logits :math:`\operatorname{logit}(a) = \log(a /
    (1 - a))`; an ``AL`` of exactly 0 or 1 is moved to the nearest representable
    probability inside (0, 1) first, so that the cost stays finite. With several output
    rows the cost is summed over them, as the course's ``np.sum`` does.

    Read more in the :ref:`User Guide <forward>`.

    Parameters
    ----------
    AL : array-like of shape (n_L, m)
        Probabilities, as :func:`L_model_forward` returns them.
    Y : array-like of shape (n_L, m)
        Labels in {0, 1}; a ``Y`` of shape (m,) is accepted for one output row.

    Returns
    -------
    cost : float

    Examples
    --------
    >>> from skdeepnn.course import compute_cost
    >>> round(compute_cost([[0.5, 0.5]], [[1, 0]]), 6)  # log 2
    0.693147
    """
    AL = _float_array(AL, "AL", ndim=2)
    Y = _targets_like(Y, AL)
    # The closest floats to 0 and 1 inside (0, 1): only AL exactly 0 or 1 moves.
    smallest, largest = np.nextafter(0.0, 1.0), np.nextafter(1.0, 0.0)
    logits = logit(np.clip(AL, smallest, largest))
    # The core's loss takes one example per row, and overwrites its logits with dZ:
    # they are a temporary here.
    return binary_log_loss_and_gradient(logits.T, Y.T)


def compute_cost_with_regularization(AL, Y, parameters, lambd):
    r"""The cross-entropy cost plus the L2 penalty of every weight matrix (course 2, week 1).

    .. math::
        J_{regularized} = J + \frac{\lambda}{2m} \sum_{l=1}^{L} \|W^{[l]}\|_F^2

    Read more in the :ref:`User Guide <l2-regularization>`.

    Parameters
    ----------
    AL : array-like of shape (n_L, m)
    Y : array-like of shape (n_L, m)
    parameters : dict
        ``W1, b1, ..., WL, bL``; the biases are not penalized.
    lambd : float
        The regularization strength :math:`\lambda` (an estimator's ``alpha``).

    Returns
    -------
    cost : float

    Examples
    --------
    >>> import numpy as np
    >>> from skdeepnn.course import compute_cost_with_regularization
    >>> parameters = {"W1": np.ones((1, 2)), "b1": np.zeros((1, 1))}
    >>> round(compute_cost_with_regularization([[0.5, 0.5]], [[1, 0]], parameters, 0.1), 6)
    0.743147
    """
    AL = _float_array(AL, "AL", ndim=2)
    L = _n_layers(parameters)
    weights = [_float_array(parameters[f"W{l}"], f"W{l}") for l in range(1, L + 1)]
    return compute_cost(AL, Y) + l2_penalty(weights, float(lambd), AL.shape[1])


# -- backward propagation --------------------------------------------------------------


def linear_backward(dZ, cache):
    r"""The gradients of the linear part of a layer.

    .. math::
        dW^{[l]} = \frac{1}{m} dZ^{[l]} A^{[l-1]T}, \quad
        db^{[l]} = \frac{1}{m} \sum_{i=1}^m dZ^{[l](i)}, \quad
        dA^{[l-1]} = W^{[l]T} dZ^{[l]}

    Read more in the :ref:`User Guide <backward>`.

    Parameters
    ----------
    dZ : array-like of shape (n_l, m)
        The gradient of the cost with respect to ``Z[l]``, without the :math:`1/m`.
    cache : tuple
        ``(A_prev, W, b)`` from :func:`linear_forward`.

    Returns
    -------
    dA_prev : ndarray of shape (n_(l-1), m)
    dW : ndarray of shape (n_l, n_(l-1))
    db : ndarray of shape (n_l, 1)

    Examples
    --------
    >>> import numpy as np
    >>> from skdeepnn.course import linear_backward
    >>> A_prev, W, b = np.array([[1.0, 3.0]]), np.array([[2.0]]), np.zeros((1, 1))
    >>> dA_prev, dW, db = linear_backward(np.array([[1.0, 1.0]]), (A_prev, W, b))
    >>> dA_prev, dW, db
    (array([[2., 2.]]), array([[2.]]), array([[1.]]))
    """
    A_prev, W, b = cache
    A_prev, W, b = _check_layer(A_prev, W, b, ("A_prev", "W", "b"))
    dZ = _float_array(dZ, "dZ", ndim=2)
    if dZ.shape != (W.shape[0], A_prev.shape[1]):
        raise ValueError(
            f"dZ has shape {dZ.shape}; expected {(W.shape[0], A_prev.shape[1])}, that of "
            "Z = W A_prev + b."
        )
    m = A_prev.shape[1]
    dW_rows = np.empty((W.shape[1], W.shape[0]))
    db_rows = np.empty(W.shape[0])
    # The core's linear layer on rows: its dZ carries the 1/m of the mean, and its
    # layout is the transpose.
    layer = Linear(W.T, b.reshape(-1), dW_rows, db_rows, first=True)
    layer.A_prev = A_prev.T
    layer.backward(dZ.T / m, Batch(None, None, np.ones(m)))
    # As the first layer, the core's forms no dA[l-1] (its input is X): the product
    # is taken here.
    dA_prev = W.T @ dZ
    return dA_prev, dW_rows.T, db_rows[:, None]


def linear_activation_backward(dA, cache, activation):
    r"""The gradients of one layer: :math:`dZ^{[l]} = dA^{[l]} * g'(Z^{[l]})`, then
    :func:`linear_backward`.

    Read more in the :ref:`User Guide <backward>`.

    Parameters
    ----------
    dA : array-like of shape (n_l, m)
    cache : tuple
        ``(linear_cache, activation_cache)`` from :func:`linear_activation_forward`.
    activation : {"sigmoid", "relu", "tanh", "leaky_relu", "identity"}

    Returns
    -------
    dA_prev : ndarray of shape (n_(l-1), m)
    dW : ndarray of shape (n_l, n_(l-1))
    db : ndarray of shape (n_l, 1)

    Examples
    --------
    >>> import numpy as np
    >>> from skdeepnn.course import linear_activation_backward, linear_activation_forward
    >>> A, cache = linear_activation_forward(np.ones((1, 2)), [[1.0]], [[-1.5]], "relu")
    >>> linear_activation_backward(np.ones((1, 2)), cache, "relu")[1]  # the unit is off
    array([[0.]])
    """
    linear_cache, activation_cache = cache
    dZ = _activation_backward(activation, dA, activation_cache)
    return linear_backward(dZ, linear_cache)


def L_model_backward(AL, Y, caches, *, activation="relu"):
    r"""Backward propagation through ``[LINEAR -> RELU] x (L-1) -> LINEAR -> SIGMOID``.

    Starts from the derivative of the cross-entropy with respect to the output,

    .. math::
        dA^{[L]} = -\left(\frac{Y}{A^{[L]}} - \frac{1 - Y}{1 - A^{[L]}}\right),

    then goes down the layers with :func:`linear_activation_backward`. The core skips
    :math:`dA^{[L]}` and starts from :math:`dZ^{[L]} = A^{[L]} - Y`, which is the same
    when ``AL`` is the sigmoid of the cached ``Z[L]``; the course's route is followed
    here because its published test case draws ``AL`` and ``Z[L]`` independently.

    Read more in the :ref:`User Guide <backward>`.

    Parameters
    ----------
    AL : array-like of shape (1, m)
        The output of :func:`L_model_forward`.
    Y : array-like of shape (1, m)
        Labels in {0, 1}.
    caches : list of L tuples
        From :func:`L_model_forward`.
    activation : {"relu", "tanh", "sigmoid", "leaky_relu", "identity"}, default="relu"
        The hidden layers' activation, as in the forward pass.

    Returns
    -------
    grads : dict
        ``"dA" + str(l)`` for ``l = 0 .. L-1`` (the gradient with respect to ``A[l]``;
        ``dA0`` is that of ``X``), and ``"dW" + str(l)``, ``"db" + str(l)`` for
        ``l = 1 .. L``.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeepnn.course import L_model_backward, L_model_forward
    >>> parameters = {"W1": np.array([[1.0, -1.0]]), "b1": np.zeros((1, 1))}
    >>> AL, caches = L_model_forward(np.array([[1.0], [1.0]]), parameters)  # AL = 0.5
    >>> grads = L_model_backward(AL, [[1]], caches)
    >>> grads["dW1"], grads["db1"]  # dZ = AL - Y = -0.5
    (array([[-0.5, -0.5]]), array([[-0.5]]))
    """
    AL = _float_array(AL, "AL", ndim=2)
    Y = _targets_like(Y, AL)
    L = len(caches)
    if L == 0:
        raise ValueError("caches is empty: give the caches that L_model_forward returned.")
    grads = {}
    dAL = -(Y / AL - (1 - Y) / (1 - AL))
    grads[f"dA{L - 1}"], grads[f"dW{L}"], grads[f"db{L}"] = linear_activation_backward(
        dAL, caches[L - 1], "sigmoid"
    )
    for l in range(L - 1, 0, -1):
        grads[f"dA{l - 1}"], grads[f"dW{l}"], grads[f"db{l}"] = linear_activation_backward(
            grads[f"dA{l}"], caches[l - 1], activation
        )
    return grads


# -- updates ---------------------------------------------------------------------------


def update_parameters(parameters, grads, learning_rate):
    r"""One step of gradient descent: :math:`W^{[l]} \leftarrow W^{[l]} - \alpha\,
    dW^{[l]}`, :math:`b^{[l]} \leftarrow b^{[l]} - \alpha\, db^{[l]}`.

    Read more in the :ref:`User Guide <backward>`.

    Parameters
    ----------
    parameters : dict
        ``W1, b1, ..., WL, bL``. Not modified.
    grads : dict
        ``dW1, db1, ..., dWL, dbL`` (other entries, such as ``dA1``, are ignored).
    learning_rate : float
        :math:`\alpha`.

    Returns
    -------
    parameters : dict
        New arrays, updated.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeepnn.course import update_parameters
    >>> parameters = {"W1": np.array([[1.0]]), "b1": np.array([[0.0]])}
    >>> grads = {"dW1": np.array([[2.0]]), "db1": np.array([[-1.0]])}
    >>> update_parameters(parameters, grads, 0.1)
    {'W1': array([[0.8]]), 'b1': array([[0.1]])}
    """
    keys, params, gradients = _copies_and_gradients(parameters, grads)
    GradientDescent(params, float(learning_rate)).update(params, gradients)
    return dict(zip(keys, params, strict=True))


def initialize_velocity(parameters):
    """Zero velocities ``v["dW1"], v["db1"], ...`` for gradient descent with momentum.

    Read more in the :ref:`User Guide <momentum>`.

    Parameters
    ----------
    parameters : dict
        ``W1, b1, ..., WL, bL``.

    Returns
    -------
    v : dict
        ``"dW" + str(l)`` and ``"db" + str(l)``: zeros of the shapes of ``W[l]`` and
        ``b[l]``.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeepnn.course import initialize_velocity
    >>> initialize_velocity({"W1": np.ones((1, 2)), "b1": np.ones((1, 1))})
    {'dW1': array([[0., 0.]]), 'db1': array([[0.]])}
    """
    keys = _parameter_keys(_n_layers(parameters))
    return {"d" + key: np.zeros(np.shape(parameters[key])) for key in keys}


def update_parameters_with_momentum(parameters, grads, v, beta, learning_rate):
    r"""One step of gradient descent with momentum (course 2, week 2).

    For every parameter :math:`\theta` (each ``W[l]`` and ``b[l]``):

    .. math::
        v_{d\theta} \leftarrow \beta\, v_{d\theta} + (1 - \beta)\, d\theta, \quad
        \theta \leftarrow \theta - \alpha\, v_{d\theta}

    which is what the core's ``Momentum`` optimizer does (with ``nesterov=False``).

    Read more in the :ref:`User Guide <momentum>`.

    Parameters
    ----------
    parameters : dict
        ``W1, b1, ..., WL, bL``. Not modified.
    grads : dict
        ``dW1, db1, ..., dWL, dbL``.
    v : dict
        The velocities, ``dW1, db1, ...``, from :func:`initialize_velocity` or the
        previous step. Not modified.
    beta : float
        The momentum :math:`\beta`.
    learning_rate : float
        :math:`\alpha`.

    Returns
    -------
    parameters : dict
    v : dict
        New arrays, updated.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeepnn.course import initialize_velocity, update_parameters_with_momentum
    >>> parameters = {"W1": np.array([[1.0]]), "b1": np.array([[0.0]])}
    >>> grads = {"dW1": np.array([[1.0]]), "db1": np.array([[1.0]])}
    >>> v = initialize_velocity(parameters)
    >>> parameters, v = update_parameters_with_momentum(parameters, grads, v, 0.9, 1.0)
    >>> v["dW1"], parameters["W1"]
    (array([[0.1]]), array([[0.9]]))
    """
    keys, params, gradients = _copies_and_gradients(parameters, grads)
    optimizer = Momentum(params, float(learning_rate), beta_1=float(beta))
    _state_into(optimizer.velocities, v, keys, "v")
    optimizer.update(params, gradients)
    velocities = {
        "d" + key: velocity for key, velocity in zip(keys, optimizer.velocities, strict=True)
    }
    return dict(zip(keys, params, strict=True)), velocities


def initialize_adam(parameters):
    """Zero averages ``v`` (of the gradients) and ``s`` (of their squares) for Adam.

    Read more in the :ref:`User Guide <adam>`.

    Parameters
    ----------
    parameters : dict
        ``W1, b1, ..., WL, bL``.

    Returns
    -------
    v, s : dict
        ``"dW" + str(l)`` and ``"db" + str(l)``: zeros of the shapes of ``W[l]`` and
        ``b[l]``.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeepnn.course import initialize_adam
    >>> v, s = initialize_adam({"W1": np.ones((1, 2)), "b1": np.ones((1, 1))})
    >>> s
    {'dW1': array([[0., 0.]]), 'db1': array([[0.]])}
    """
    return initialize_velocity(parameters), initialize_velocity(parameters)


def update_parameters_with_adam(
    parameters,
    grads,
    v,
    s,
    t,
    learning_rate=0.01,
    beta1=0.9,
    beta2=0.999,
    epsilon=1e-8,
    *,
    epsilon_inside_sqrt=False,
):
    r"""One step of Adam (course 2, week 2), with bias correction.

    For every parameter :math:`\theta`, at step :math:`t = 1, 2, \dots`:

    .. math::
        v \leftarrow \beta_1 v + (1 - \beta_1)\, d\theta, \quad
        s \leftarrow \beta_2 s + (1 - \beta_2)\, d\theta^2, \quad
        \theta \leftarrow \theta - \alpha\,
            \frac{\hat v}{\sqrt{\hat s} + \epsilon}, \quad
        \hat v = \frac{v}{1 - \beta_1^t}, \; \hat s = \frac{s}{1 - \beta_2^t}

    the formula the course prints, which the core's ``Adam`` optimizer (the estimators')
    computes.

    The course's expected outputs do not all follow its formula: those of its notebook
    and of a release of its graded tests divide by :math:`\sqrt{\hat s + \epsilon}`,
    which ``epsilon_inside_sqrt=True`` reproduces. On the course's test case the two
    differ in the seventh decimal at the default :math:`\epsilon = 10^{-8}`, and in the
    third at the :math:`10^{-2}` of that release.

    Read more in the :ref:`User Guide <adam>`.

    Parameters
    ----------
    parameters : dict
        ``W1, b1, ..., WL, bL``. Not modified.
    grads : dict
        ``dW1, db1, ..., dWL, dbL``.
    v, s : dict
        The averages from :func:`initialize_adam` or the previous step. Not modified.
    t : int
        The number of this step, counted from 1: the course increments its counter
        before calling.
    learning_rate : float, default=0.01
    beta1, beta2 : float, default=0.9, 0.999
    epsilon : float, default=1e-8
    epsilon_inside_sqrt : bool, default=False
        Divide by :math:`\sqrt{\hat s + \epsilon}`, as the course's graded values do,
        rather than by :math:`\sqrt{\hat s} + \epsilon`, as its formula and the
        estimators do.

    Returns
    -------
    parameters, v, s : dict
        New arrays, updated. (The course's newest notebook also returns the corrected
        averages; the core folds the corrections into the step and never forms them.)

    Examples
    --------
    >>> import numpy as np
    >>> from skdeepnn.course import initialize_adam, update_parameters_with_adam
    >>> parameters = {"W1": np.array([[1.0]]), "b1": np.array([[0.0]])}
    >>> grads = {"dW1": np.array([[0.5]]), "db1": np.array([[-2.0]])}
    >>> v, s = initialize_adam(parameters)
    >>> parameters, v, s = update_parameters_with_adam(parameters, grads, v, s, t=1)
    >>> parameters["W1"].round(6), parameters["b1"].round(6)  # a first step of ~lr each
    (array([[0.99]]), array([[0.01]]))
    """
    if int(t) != t or t < 1:
        raise ValueError(f"t must be the number of the step, counted from 1; got {t!r}.")
    keys, params, gradients = _copies_and_gradients(parameters, grads)
    optimizer = Adam(
        params,
        float(learning_rate),
        beta_1=float(beta1),
        beta_2=float(beta2),
        epsilon=float(epsilon),
    )
    _state_into(optimizer.velocities, v, keys, "v")
    _state_into(optimizer.squared_averages, s, keys, "s")
    optimizer.t = int(t) - 1  # update() counts this step before correcting with it
    optimizer.update(params, gradients)
    if epsilon_inside_sqrt:
        # The core has no such step: redo it from the core's averages, as the course's
        # graded values have it.
        for key, param, v_l, s_l in zip(
            keys, params, optimizer.velocities, optimizer.squared_averages, strict=True
        ):
            v_hat = v_l / (1 - beta1**t)
            s_hat = s_l / (1 - beta2**t)
            original = _float_array(parameters[key], key)
            param[...] = original - learning_rate * v_hat / np.sqrt(s_hat + epsilon)
    v_out = {"d" + key: average for key, average in zip(keys, optimizer.velocities, strict=True)}
    s_out = {
        "d" + key: average for key, average in zip(keys, optimizer.squared_averages, strict=True)
    }
    return dict(zip(keys, params, strict=True)), v_out, s_out


# -- mini-batches ----------------------------------------------------------------------


def random_mini_batches(X, Y, mini_batch_size=64, seed=0):
    """Shuffle the examples, then cut them into mini-batches (course 2, week 2).

    A random permutation of the columns of ``X`` and ``Y`` (the same for both), cut into
    ``mini_batch_size`` columns at a time; the last batch holds what is left. With an
    int ``seed`` the permutation is the course's ``np.random.seed(seed);
    np.random.permutation(m)``. With ``mini_batch_size >= m`` the one batch is ``X`` in
    its original order (the course permutes it): the core does not shuffle a single full
    batch, whose gradient is the same in any order.

    Read more in the :ref:`User Guide <mini-batches>`.

    Parameters
    ----------
    X : array-like of shape (n_x, m)
    Y : array-like of shape (n_y, m)
        A ``Y`` of shape (m,) is taken as (1, m).
    mini_batch_size : int, default=64
    seed : int, RandomState, Generator or None, default=0
        Like scikit-learn's ``random_state``; the course increments an int seed every
        epoch.

    Returns
    -------
    mini_batches : list of tuples
        ``(mini_batch_X, mini_batch_Y)``, of shapes (n_x, size) and (n_y, size): copies,
        in the dtypes of ``X`` and ``Y``.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeepnn.course import random_mini_batches
    >>> X, Y = np.arange(10.0).reshape(2, 5), np.array([[0, 1, 0, 1, 1]])
    >>> batches = random_mini_batches(X, Y, mini_batch_size=2, seed=0)
    >>> [batch_X.shape for batch_X, batch_Y in batches]
    [(2, 2), (2, 2), (2, 1)]
    """
    X = np.asarray(X)
    Y = np.asarray(Y)
    if X.ndim != 2:
        raise ValueError(f"X must be a 2-D array of shape (n_x, m); got shape {X.shape}.")
    if Y.ndim == 1:
        Y = Y.reshape(1, -1)
    if Y.ndim != 2 or Y.shape[1] != X.shape[1]:
        raise ValueError(
            f"Y has shape {Y.shape} but X has {X.shape[1]} examples (columns): Y must have "
            f"shape (n_y, {X.shape[1]})."
        )
    if int(mini_batch_size) != mini_batch_size or mini_batch_size < 1:
        raise ValueError(f"mini_batch_size must be a positive int; got {mini_batch_size!r}.")
    batches = MiniBatches(X.T, Y.T, None, int(mini_batch_size), _random_state(seed))
    # The core reuses its batch buffers from one batch to the next: copy each out.
    return [
        (np.array(X_batch.T, order="C"), np.array(Y_batch.T, order="C"))
        for X_batch, Y_batch, _, _ in batches.epoch()
    ]


# -- gradient checking -----------------------------------------------------------------


def _gradient_keys(gradients):
    return ["d" + key for key in _parameter_keys(_n_layers(gradients, prefix="d"))]


def dictionary_to_vector(parameters):
    """All the parameters in one column vector, in the order ``W1, b1, ..., WL, bL``.

    Each array is flattened row by row, as ``np.reshape(W, (-1, 1))`` does.

    Read more in the :ref:`User Guide <gradient_checking>`.

    Parameters
    ----------
    parameters : dict
        ``W1, b1, ..., WL, bL``.

    Returns
    -------
    theta : ndarray of shape (n_parameters, 1)
        A copy.
    keys : list of str
        The key of each entry of ``theta``.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeepnn.course import dictionary_to_vector
    >>> theta, keys = dictionary_to_vector({"W1": np.array([[1.0, 2.0]]), "b1": [[3.0]]})
    >>> theta.ravel(), keys
    (array([1., 2., 3.]), ['W1', 'W1', 'b1'])
    """
    names = _parameter_keys(_n_layers(parameters))
    arrays = [_float_array(parameters[name], name) for name in names]
    theta, _ = pack(arrays, np.float64)
    keys = [name for name, array in zip(names, arrays, strict=True) for _ in range(array.size)]
    return theta.reshape(-1, 1), keys


def gradients_to_vector(gradients):
    """All the gradients in one column vector, in the order ``dW1, db1, ..., dWL, dbL``.

    The entries line up with those of :func:`dictionary_to_vector`; ``dA`` entries are
    left out.

    Read more in the :ref:`User Guide <gradient_checking>`.

    Parameters
    ----------
    gradients : dict
        ``dW1, db1, ..., dWL, dbL``, such as :func:`L_model_backward` returns.

    Returns
    -------
    grad : ndarray of shape (n_parameters, 1)
        A copy.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeepnn.course import gradients_to_vector
    >>> gradients_to_vector({"dW1": np.array([[1.0, 2.0]]), "db1": [[3.0]], "dA0": [[9.0]]}).ravel()
    array([1., 2., 3.])
    """
    names = _gradient_keys(gradients)
    grad, _ = pack([_float_array(gradients[name], name) for name in names], np.float64)
    return grad.reshape(-1, 1)


def vector_to_dictionary(theta, layer_dims):
    """The parameters ``W1, b1, ..., WL, bL`` of a vector from :func:`dictionary_to_vector`.

    Read more in the :ref:`User Guide <gradient_checking>`.

    Parameters
    ----------
    theta : array-like of shape (n_parameters, 1) or (n_parameters,)
    layer_dims : sequence of int
        ``[n_x, n_1, ..., n_L]``.

    Returns
    -------
    parameters : dict
        ``W[l]`` of shape (n_l, n_(l-1)) and ``b[l]`` of shape (n_l, 1): views of
        ``theta`` when it is a float64 array, so writing to ``theta`` moves them.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeepnn.course import vector_to_dictionary
    >>> vector_to_dictionary(np.array([1.0, 2.0, 3.0]), [2, 1])
    {'W1': array([[1., 2.]]), 'b1': array([[3.]])}
    """
    theta = _float_array(theta, "theta").reshape(-1)
    layer_dims = [int(n) for n in layer_dims]
    sizes = [n * n_prev + n for n_prev, n in zip(layer_dims[:-1], layer_dims[1:], strict=True)]
    if theta.size != sum(sizes):
        raise ValueError(
            f"theta has {theta.size} entries but layer_dims {layer_dims} has {sum(sizes)} "
            "parameters."
        )
    parameters, offset = {}, 0
    for l in range(1, len(layer_dims)):
        n_prev, n = layer_dims[l - 1], layer_dims[l]
        parameters[f"W{l}"] = theta[offset : offset + n * n_prev].reshape(n, n_prev)
        offset += n * n_prev
        parameters[f"b{l}"] = theta[offset : offset + n].reshape(n, 1)
        offset += n
    return parameters


def gradient_check_n(
    parameters, gradients, X, Y, epsilon=1e-7, print_msg=False, *, activation="relu"
):
    r"""The relative difference between ``gradients`` and a finite-difference estimate.

    For every parameter :math:`\theta_i` (each entry of every ``W[l]`` and ``b[l]``),
    with :math:`J` the cost of :func:`L_model_forward` and :func:`compute_cost`:

    .. math::
        g^{approx}_i = \frac{J(\theta_i + \epsilon) - J(\theta_i - \epsilon)}{2\epsilon},
        \qquad
        \text{difference} = \frac{\|g - g^{approx}\|_2}{\|g\|_2 + \|g^{approx}\|_2}

    (course 2, week 1). Below about ``1e-7`` the gradient is right; above ``1e-3`` it
    almost surely has a bug. :func:`skdeepnn.utils.gradient_check` does the same for an
    estimator.

    Read more in the :ref:`User Guide <gradient_checking>`.

    Parameters
    ----------
    parameters : dict
        ``W1, b1, ..., WL, bL``. Not modified.
    gradients : dict
        ``dW1, db1, ..., dWL, dbL`` to check, such as :func:`L_model_backward` returns.
    X : array-like of shape (n_x, m)
    Y : array-like of shape (1, m)
    epsilon : float, default=1e-7
    print_msg : bool, default=False
        Print the course's verdict: a mistake above ``2e-7``, fine below.
    activation : str, default="relu"
        The hidden layers' activation in :func:`L_model_forward`.

    Returns
    -------
    difference : float

    Examples
    --------
    >>> import numpy as np
    >>> from skdeepnn.course import (L_model_backward, L_model_forward, gradient_check_n,
    ...                              initialize_parameters_deep)
    >>> rng = np.random.RandomState(0)
    >>> X, Y = rng.randn(3, 5), np.array([[1, 0, 1, 1, 0]])
    >>> parameters = initialize_parameters_deep([3, 4, 1], init="he", random_state=0)
    >>> AL, caches = L_model_forward(X, parameters, activation="tanh")
    >>> grads = L_model_backward(AL, Y, caches, activation="tanh")
    >>> gradient_check_n(parameters, grads, X, Y, activation="tanh") < 1e-7
    True
    """
    theta, _ = dictionary_to_vector(parameters)
    grad = gradients_to_vector(gradients)
    if grad.shape != theta.shape:
        raise ValueError(
            f"gradients hold {grad.shape[0]} entries but parameters hold {theta.shape[0]}."
        )
    L = _n_layers(parameters)
    layer_dims = [np.shape(parameters["W1"])[1]] + [
        np.shape(parameters[f"W{l}"])[0] for l in range(1, L + 1)
    ]
    shifted = vector_to_dictionary(theta, layer_dims)  # views: shifting theta shifts them

    def cost():
        AL, _ = L_model_forward(X, shifted, activation=activation)
        return compute_cost(AL, Y)

    approximation = _two_sided_differences(cost, theta, epsilon)
    difference = _relative_difference(grad, approximation)
    if print_msg:
        verdict = (
            "There is a mistake in the backward propagation!"
            if difference > 2e-7
            else "Your backward propagation works perfectly fine!"
        )
        print(f"{verdict} difference = {difference}")
    return difference


# -- prediction and the estimators -----------------------------------------------------


def predict(X, parameters, *, activation="relu"):
    r"""0/1 predictions of the network: 1 where :math:`A^{[L]} > 0.5`.

    Computed as :math:`Z^{[L]} > 0` by the core's ``predict_logits``, the rule of
    :meth:`DeepNNClassifier.predict <skdeepnn.DeepNNClassifier.predict>`. The course's
    ``predict(X, y, parameters)`` also prints the accuracy; this one takes no labels:
    the accuracy is ``np.mean(p == y)``.

    Read more in the :ref:`User Guide <forward>`.

    Parameters
    ----------
    X : array-like of shape (n_x, m)
    parameters : dict
        ``W1, b1, ..., WL, bL``.
    activation : str, default="relu"
        The hidden layers' activation.

    Returns
    -------
    p : ndarray of shape (n_L, m)
        0.0 or 1.0, as the course's ``predict`` returns them.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeepnn.course import predict
    >>> parameters = {"W1": np.array([[1.0, -1.0]]), "b1": np.zeros((1, 1))}
    >>> predict(np.array([[2.0, 0.0], [1.0, 3.0]]), parameters)
    array([[1., 0.]])
    """
    _check_activation(activation)
    L = _n_layers(parameters)
    X = _float_array(X, "X", ndim=2)
    coefs, intercepts = [], []
    n_inputs = X.shape[0]
    for l in range(1, L + 1):
        names = ("X" if l == 1 else f"A{l - 1}", f"W{l}", f"b{l}")
        W, b = _check_weights(parameters[f"W{l}"], parameters[f"b{l}"], n_inputs, names)
        coefs.append(W.T)
        intercepts.append(b.reshape(-1))
        n_inputs = W.shape[0]
    Z_rows = predict_logits(X.T, coefs, intercepts, activation)
    return (Z_rows.T > 0).astype(np.float64)


def parameters_from_estimator(estimator):
    """A fitted estimator's weights in the course's layout: ``W[l] = coefs_[l-1].T``.

    Read more in the :ref:`User Guide <notation>`.

    Parameters
    ----------
    estimator : DeepNNClassifier, DeepNNRegressor or LogisticRegressionGD
        Fitted, without batch normalization (whose ``gamma``, ``beta`` and statistics
        the course's layers do not have). :func:`L_model_forward` and :func:`predict`
        compute what a binary classifier, with its one sigmoid output, computes.

    Returns
    -------
    parameters : dict
        ``W1, b1, ..., WL, bL``: copies, of shapes (n_l, n_(l-1)) and (n_l, 1).

    Examples
    --------
    >>> import numpy as np
    >>> from skdeepnn import DeepNNClassifier
    >>> from skdeepnn.course import parameters_from_estimator
    >>> X, y = np.random.RandomState(0).randn(20, 3), np.arange(20) % 2
    >>> net = DeepNNClassifier(hidden_layer_sizes=(4,), tol=1e-2, random_state=0)
    >>> parameters = parameters_from_estimator(net.fit(X, y))
    >>> parameters["W1"].shape, parameters["b1"].shape, parameters["W2"].shape
    ((4, 3), (4, 1), (1, 4))
    """
    if not isinstance(estimator, NetworkEstimator):
        raise TypeError(
            "parameters_from_estimator takes a skdeepnn estimator (DeepNNClassifier, "
            f"DeepNNRegressor, LogisticRegressionGD); got {type(estimator).__name__}."
        )
    check_is_fitted(estimator)
    if getattr(estimator, "gammas_", None) is not None:
        raise ValueError(
            "The estimator uses batch normalization, which the course's layers do not "
            "have: its W and b alone do not describe it."
        )
    coefs, intercepts, _ = estimator._arrays.read(estimator)
    parameters = {}
    for l, (W_rows, b_rows) in enumerate(zip(coefs, intercepts, strict=True), start=1):
        parameters[f"W{l}"] = np.array(W_rows, dtype=np.float64).T.copy()
        parameters[f"b{l}"] = np.array(b_rows, dtype=np.float64).reshape(-1, 1)
    return parameters
