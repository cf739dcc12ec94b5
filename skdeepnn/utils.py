"""Public utilities: gradient checking."""

import copy

import numpy as np
from sklearn.base import clone
from sklearn.pipeline import Pipeline

from ._base import NetworkEstimator
from ._checks import copy_network, is_fitted, make_generator
from ._engine import ModelSpec, starting_arrays
from ._network import NumpyBackend, Parameters
from ._params import validate_params

__all__ = ["gradient_check"]


def gradient_check(estimator, X, y, epsilon=1e-7, *, sample_weight=None):
    r"""Compare backward propagation's gradient with a finite-difference estimate.

    For every parameter :math:`\theta_i` (each entry of every ``W[l]`` and ``b[l]``,
    and of every ``gamma[l]`` and ``beta[l]`` with batch normalization)
    the two-sided difference

    .. math:: g^{approx}_i = \frac{J(\theta_i + \epsilon) - J(\theta_i - \epsilon)}{2\epsilon}

    is compared with the gradient ``g`` of ``cost_and_gradient`` through the
    course's relative difference (course 2, week 1):

    .. math:: \frac{\|g^{approx} - g\|_2}{\|g^{approx}\|_2 + \|g\|_2}

    ``J`` is the full-batch regularized cost the estimator minimizes, with its
    ``alpha``; with batch normalization, the whole of ``X`` is the batch whose
    statistics normalize it. Below ``1e-7`` the gradient is right; above ``1e-3``
    it almost surely has a bug.

    Read more in the :ref:`User Guide <gradient_checking>`.

    Parameters
    ----------
    estimator : DeepNNClassifier, DeepNNRegressor, LogisticRegressionGD or Pipeline
        If fitted, the check runs at its fitted parameters; otherwise at the
        parameters its ``fit`` would start from. It is not modified. A Pipeline
        that ends in one of them is checked at its last step, on ``X`` as the
        steps before transform it (fitted on ``X`` first, on copies, if they are not).
    X : array-like of shape (n_samples, n_features)
        Use float64 data: float32 cannot resolve differences of ``epsilon``.
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Labels, a label indicator matrix, or regression targets.
    epsilon : float, default=1e-7
        The shift applied to each parameter.
    sample_weight : array-like of shape (n_samples,), default=None

    Returns
    -------
    difference : float
        The relative difference between the two gradients.

    Notes
    -----
    The cost is evaluated twice per parameter: keep networks and data small.

    The difference includes the float64 rounding of the cost divided by ``epsilon``.
    Where the gradient is small, as at fitted parameters, that part alone can reach
    ``1e-7`` at the default ``epsilon``; it shrinks tenfold for each tenfold larger
    ``epsilon`` (``1e-6`` or ``1e-5``), while a wrong gradient stays far above.

    ReLU has no derivative at 0. With biases at zero, as at initialization, a
    sample for which every unit of a ReLU layer is off gives the next layer
    ``Z = 0`` exactly, and the two-sided difference there straddles the kink: the
    check then reports a large difference although backward propagation is right.
    Wider layers or fitted parameters avoid it.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeepnn import DeepNNClassifier
    >>> from skdeepnn.utils import gradient_check
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.normal(size=(20, 3)), np.arange(20) % 3
    >>> net = DeepNNClassifier(hidden_layer_sizes=(4,), activation="tanh", random_state=0)
    >>> gradient_check(net, X, y) < 1e-7
    True
    """
    estimator, X = _final_network_and_its_input(estimator, X, y)
    network, data = _network_to_check(estimator, X, y, sample_weight)
    # With dropout, one set of masks is drawn and held fixed: each evaluation draws
    # them from a copy of the same generator, and so differentiates the cost of one
    # thinned network.
    masks_rng = make_generator(estimator.random_state)

    def cost():
        rng = copy.deepcopy(masks_rng)
        return network.cost_and_gradient(data.X, data.Y, data.sample_weight, rng)

    cost()
    gradient = network.param_grads.copy()  # a copy: each cost() rewrites it
    # network.params holds every W, trained b, gamma and beta, packed.
    approximation = _two_sided_differences(cost, network.params, epsilon)
    return _relative_difference(gradient, approximation)


def _two_sided_differences(cost, theta, epsilon):
    r"""The finite-difference gradient :math:`(J(\theta_i + \epsilon) - J(\theta_i -
    \epsilon)) / 2\epsilon` of ``cost()`` with respect to each entry of ``theta``.

    Parameters
    ----------
    cost : callable
        ``cost()`` returns ``J`` at the values ``theta`` holds when it is called.
    theta : ndarray
        Shifted in place, one entry at a time, and put back.
    epsilon : float

    Returns
    -------
    ndarray of shape (theta.size,)
    """
    flat = theta.reshape(-1)  # a view: shifting it shifts theta
    approximation = np.empty(flat.size)
    for i in range(flat.size):
        original = flat[i]
        flat[i] = original + epsilon
        cost_plus = cost()
        flat[i] = original - epsilon
        cost_minus = cost()
        flat[i] = original
        approximation[i] = (cost_plus - cost_minus) / (2 * epsilon)
    return approximation


def _relative_difference(gradient, approximation):
    r"""The course's :math:`\|g - g^{approx}\|_2 / (\|g\|_2 + \|g^{approx}\|_2)`; 0 when
    both are zero."""
    gradient, approximation = np.ravel(gradient), np.ravel(approximation)
    numerator = np.linalg.norm(gradient - approximation)
    denominator = np.linalg.norm(gradient) + np.linalg.norm(approximation)
    return float(numerator / denominator) if denominator else 0.0


def _network_to_check(estimator, X, y, sample_weight):
    """The NumPy reference network at the estimator's parameters (fitted, or those its
    ``fit`` would start from), with all of ``X`` as its one batch; and the data."""
    fitted = is_fitted(estimator)
    # An unfitted estimator is validated on a clone: validation records
    # n_features_in_, which would make the caller's estimator look fitted.
    estimator = estimator if fitted else clone(estimator)
    validate_params(estimator)
    data, head = estimator._training_data(X, y, sample_weight, reset=not fitted)
    layout, dtype = estimator._layout(), data.X.dtype
    model = ModelSpec(head, layout, float(estimator.alpha), describe=None)
    if fitted:  # as fitted, whatever the parameters say now
        coefs, intercepts, batch_norm = estimator._arrays.read(estimator)
        coefs, intercepts = copy_network(coefs, intercepts, dtype)
        start = (coefs, intercepts, None if batch_norm is None else batch_norm.copy(dtype))
    else:
        start = starting_arrays(data, model, None, make_generator(estimator.random_state))
    parameters = Parameters(*start, layout.fits_intercepts, dtype)
    n_rows = data.X.shape[0]
    return NumpyBackend().network(parameters, layout, head.loss, model.alpha, n_rows), data


def _final_network_and_its_input(estimator, X, y):
    """The skdeepnn estimator to check, and ``X`` as it receives it.

    Raises TypeError for anything that is not a skdeepnn estimator or a Pipeline
    ending in one.
    """
    if isinstance(estimator, Pipeline):
        steps, estimator = estimator[:-1], estimator[-1]
        if steps.steps:
            X = steps.transform(X) if is_fitted(steps) else clone(steps).fit_transform(X, y)
    if not isinstance(estimator, NetworkEstimator):
        raise TypeError(
            "gradient_check takes a skdeepnn estimator (DeepNNClassifier, DeepNNRegressor, "
            "LogisticRegressionGD) or a Pipeline ending in one; got "
            f"{type(estimator).__name__}."
        )
    return estimator, X
