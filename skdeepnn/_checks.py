"""Small checks and conversions shared by the estimators and the public utilities."""

from numbers import Integral, Real

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_array, check_is_fitted

from ._namespace import numpy_dtype


def is_fitted(estimator):
    try:
        check_is_fitted(estimator)
    except Exception:
        return False
    return True


def copy_network(coefs, intercepts, dtype):
    """C-ordered copies of the weights in ``dtype``, free to be updated in place."""
    return (
        [np.array(W, dtype=dtype, order="C") for W in coefs],
        [np.array(b, dtype=dtype, order="C") for b in intercepts],
    )


def make_generator(random_state):
    """The one ``numpy.random.Generator`` of a fit, from a scikit-learn ``random_state``.

    An int seeds it directly; ``None`` or a ``RandomState`` seeds it from that
    ``RandomState`` (``None``: NumPy's global one), as scikit-learn's convention has it.
    """
    if isinstance(random_state, Integral):
        return np.random.default_rng(int(random_state))
    seed = check_random_state(random_state).randint(np.iinfo(np.int32).max)
    return np.random.default_rng(seed)


def check_sample_weight(sample_weight, X, name="sample_weight"):
    """Validate ``sample_weight`` against ``X``: an array of shape (n_samples,) in X's dtype.

    Returns None when no weights are given. Raises ValueError for a wrong shape,
    non-finite or negative weights, or weights that are all zero.
    """
    if sample_weight is None:
        return None
    n_samples, dtype = X.shape[0], numpy_dtype(X)  # X of any namespace: the weights are NumPy's
    if isinstance(sample_weight, Real):
        sample_weight = np.full(n_samples, sample_weight, dtype=dtype)
    sample_weight = check_array(sample_weight, ensure_2d=False, dtype=dtype, input_name=name)
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


def ndim(y):
    """The dimensions of ``y``; 0 when NumPy cannot tell (a ragged list, or an object
    that refuses NumPy's functions: validation refuses or converts it later)."""
    if hasattr(y, "ndim"):
        return y.ndim
    try:
        return np.ndim(y)
    except (TypeError, ValueError):
        return 0
