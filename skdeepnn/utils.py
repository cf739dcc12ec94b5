"""Public utilities: gradient checking."""

import numpy as np
from sklearn.base import clone
from sklearn.pipeline import Pipeline

from ._base import BaseNetwork
from ._checks import copy_network, is_fitted, make_generator
from ._network import cost_and_gradients, draw_dropout_masks
from ._params import validate_params

__all__ = ["gradient_check"]


def gradient_check(estimator, X, y, epsilon=1e-7, *, sample_weight=None):
    r"""Compare backward propagation's gradient with a finite-difference estimate.

    For every parameter :math:`\theta_i` (each entry of every ``W[l]`` and ``b[l]``,
    and of every ``gamma[l]`` and ``beta[l]`` with batch normalization)
    the two-sided difference

    .. math:: g^{approx}_i = \frac{J(\theta_i + \epsilon) - J(\theta_i - \epsilon)}{2\epsilon}

    is compared with the gradient ``g`` of ``backward_propagation`` through the
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
    fitted = is_fitted(estimator)
    # An unfitted estimator is validated on a clone: validation records
    # n_features_in_, which would make the caller's estimator look fitted.
    estimator = estimator if fitted else clone(estimator)
    validate_params(estimator)
    X, Y, sample_weight, _, head = estimator._training_data(X, y, sample_weight, reset=not fitted)
    if fitted:  # as fitted, whatever the parameters say now
        coefs, intercepts = copy_network(*estimator._get_network(), X.dtype)
        batch_norm = estimator._fitted_batch_norm()
        batch_norm = None if batch_norm is None else batch_norm.copy(X.dtype)
    else:
        rng = make_generator(estimator.random_state)
        coefs, intercepts, batch_norm = estimator._starting_network(
            X, Y, sample_weight, head, False, rng
        )

    # With dropout, one set of masks is drawn and held fixed: the check then
    # differentiates the cost of that one thinned network.
    keep_probs = estimator._keep_probs()
    masks = keep_probs and draw_dropout_masks(
        make_generator(estimator.random_state),
        X.shape[0],
        [W.shape[1] for W in coefs[:-1]],
        keep_probs,
        X.dtype,
    )

    def cost():
        return cost_and_gradients(
            X,
            Y,
            coefs,
            intercepts,
            estimator._hidden_activation(),
            head.loss,
            estimator.alpha,
            sample_weight,
            masks=masks,
            keep_probs=keep_probs,
            batch_norm=batch_norm,
        )

    _, (dW, db) = cost()
    params, grads = list(coefs), list(dW)
    if estimator._fits_intercepts():
        # Batch normalization drops the hidden layers' biases: they have no gradient.
        trained = [l for l, gradient in enumerate(db) if gradient is not None]
        params += [intercepts[l] for l in trained]
        grads += [db[l] for l in trained]
    if batch_norm is not None:
        params += batch_norm.gammas + batch_norm.betas
        grads += batch_norm.dgammas + batch_norm.dbetas
    gradient = np.concatenate([g.ravel() for g in grads])  # a copy: cost() rewrites grads

    approximation = np.empty_like(gradient)
    i = 0
    for param in params:
        flat = param.reshape(-1)  # a view: writing to it moves the parameter
        for j in range(flat.size):
            original = flat[j]
            flat[j] = original + epsilon
            cost_plus, _ = cost()
            flat[j] = original - epsilon
            cost_minus, _ = cost()
            flat[j] = original
            approximation[i] = (cost_plus - cost_minus) / (2 * epsilon)
            i += 1

    numerator = np.linalg.norm(approximation - gradient)
    denominator = np.linalg.norm(approximation) + np.linalg.norm(gradient)
    return float(numerator / denominator) if denominator else 0.0


def _final_network_and_its_input(estimator, X, y):
    """The skdeepnn estimator to check, and ``X`` as it receives it.

    Raises TypeError for anything that is not a skdeepnn estimator or a Pipeline
    ending in one.
    """
    if isinstance(estimator, Pipeline):
        steps, estimator = estimator[:-1], estimator[-1]
        if steps.steps:
            X = steps.transform(X) if is_fitted(steps) else clone(steps).fit_transform(X, y)
    if not isinstance(estimator, BaseNetwork):
        raise TypeError(
            "gradient_check takes a skdeepnn estimator (DeepNNClassifier, DeepNNRegressor, "
            "LogisticRegressionGD) or a Pipeline ending in one; got "
            f"{type(estimator).__name__}."
        )
    return estimator, X
