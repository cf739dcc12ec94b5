"""The array library and device of ``X``: where a fit computes, when it is not NumPy.

With scikit-learn's ``array_api_dispatch`` on (``sklearn.set_config``), an ``X`` from
another library of the Array API standard (PyTorch, CuPy, array-api-strict) trains and
predicts in that library, on ``X``'s device: "everything follows X". Without dispatch,
or for a NumPy ``X``, nothing here is used and every fit is NumPy's, as it always was.

The namespace of an array is found by the public ``array-api-compat`` package
(the ``[array-api]`` extra), which also gives NumPy-compatible wrappers of the
libraries that do not follow the standard to the letter (PyTorch).
"""

from dataclasses import dataclass

import numpy as np
import sklearn
from scipy import sparse


@dataclass(frozen=True)
class Namespace:
    """An Array API namespace and one of its devices: where a fit's arrays live.

    Attributes
    ----------
    xp : module
        The namespace, as ``array_api_compat.array_namespace`` gives it.
    device : object
        The device of ``X``.
    """

    xp: object
    device: object

    @property
    def name(self):
        """The library's name, as its users know it: ``"torch"``, ``"cupy"``..."""
        return self.xp.__name__.removeprefix("array_api_compat.")

    def dtype(self, dtype):
        """The namespace's float dtype of the same name as the NumPy ``dtype``."""
        return getattr(self.xp, np.dtype(dtype).name)

    def asarray(self, array, dtype=None):
        """``array`` (NumPy or of this namespace) as an array of the namespace on its
        device; ``dtype`` is a NumPy dtype."""
        dtype = None if dtype is None else self.dtype(dtype)
        return self.xp.asarray(array, dtype=dtype, device=self.device)

    def empty(self, n, dtype):
        """An uninitialized vector of ``n`` values of the NumPy ``dtype``, on the device."""
        return self.xp.empty(n, dtype=self.dtype(dtype), device=self.device)

    def holds(self, array):
        """Whether ``array`` is of this namespace and on this device."""
        import array_api_compat

        try:
            return (
                array_api_compat.array_namespace(array) is self.xp
                and array_api_compat.device(array) == self.device
            )
        except TypeError:
            return False


def namespace_of(X):
    """The ``Namespace`` a fit or prediction on ``X`` computes in; None for NumPy.

    None (NumPy, today's code) unless scikit-learn's ``array_api_dispatch`` is on and
    ``X`` is an array of another library.

    Raises
    ------
    ImportError
        Dispatch is on, ``X`` is not NumPy's, and ``array-api-compat`` is missing.
    """
    if not sklearn.get_config().get("array_api_dispatch", False):
        return None
    if isinstance(X, np.ndarray) or sparse.issparse(X) or not hasattr(X, "__array_namespace__"):
        # Lists, DataFrames and NumPy arrays go the NumPy way, as scikit-learn's own
        # estimators take them. PyTorch tensors have no __array_namespace__: test them.
        if type(X).__module__.split(".")[0] not in ("torch", "cupy", "jax", "dask"):
            return None
    try:
        import array_api_compat
    except ImportError as error:
        raise ImportError(
            f"Training on a {type(X).__module__} array with array_api_dispatch=True needs "
            "the array-api-compat package: install skdeepnn with its [array-api] extra."
        ) from error
    xp = array_api_compat.array_namespace(X)
    if array_api_compat.is_numpy_namespace(xp):
        return None
    return Namespace(xp, array_api_compat.device(X))


def to_numpy(array):
    """``array`` as a NumPy array on the host (copied off a device); None stays None."""
    if array is None or isinstance(array, np.ndarray):
        return array
    import array_api_compat

    if array_api_compat.is_torch_array(array):
        return array.detach().cpu().numpy()
    if array_api_compat.is_cupy_array(array):
        return array.get()
    # array-api-strict and others: through DLPack, or NumPy's conversion, from the
    # namespace's default device (its CPU, for the libraries without a GPU).
    try:
        return np.from_dlpack(array)
    except (TypeError, RuntimeError, AttributeError, BufferError, ValueError):
        info = array_api_compat.array_namespace(array).__array_namespace_info__()
        return np.asarray(array.to_device(info.default_device()))


def host_copy(array):
    """``array`` (of any namespace, or a list, or None) as NumPy, for the checks and
    encodings that run on the host: targets and sample weights."""
    if array is None or isinstance(array, np.ndarray) or sparse.issparse(array):
        return array
    module = type(array).__module__.split(".")[0]
    if hasattr(array, "__array_namespace__") or module in ("torch", "cupy"):
        return to_numpy(array)
    return array


def empty_like(array):
    """An uninitialized array like ``array``: same shape, dtype, namespace and device."""
    if isinstance(array, np.ndarray):
        return np.empty_like(array)
    import array_api_compat

    return array_api_compat.array_namespace(array).empty_like(array)


def zeros_like(array):
    """Zeros like ``array``: same shape, dtype, namespace and device."""
    if isinstance(array, np.ndarray):
        return np.zeros_like(array)
    import array_api_compat

    return array_api_compat.array_namespace(array).zeros_like(array)


def numpy_dtype(X):
    """The NumPy dtype of the same name as ``X``'s (``X`` of any namespace)."""
    try:
        return np.dtype(X.dtype)
    except TypeError:  # another namespace's dtype object
        import array_api_compat

        xp = array_api_compat.array_namespace(X)
        for name in ("float32", "float64", "float16", "int64", "int32", "bool"):
            if X.dtype == getattr(xp, name, None):
                return np.dtype(name)
        raise


def check_same_namespace(X, fitted, caller):
    """``X``'s ``Namespace`` (None for NumPy), after checking that the fitted array
    ``fitted`` is of the same namespace and on the same device.

    Raises
    ------
    ValueError
        Naming ``caller``: a model fitted on one namespace or device was given ``X``
        of another.
    """
    on = namespace_of(X)
    fitted_on_host = isinstance(fitted, np.ndarray)
    if (on is None and fitted_on_host) or (on is not None and on.holds(fitted)):
        return on
    where = "NumPy" if fitted_on_host else type(fitted).__module__.split(".")[0]
    given = "NumPy" if on is None else f"{on.name} on device {on.device}"
    raise ValueError(
        f"{caller}: X and the fitted model must use the same namespace and device; the "
        f"model was fitted on {where} arrays, X is {given}. Fit and predict on the same "
        "kind of array, with the same array_api_dispatch setting."
    )


def transposed(W):
    """A C-contiguous copy of ``W.T``, in ``W``'s namespace and on its device."""
    if isinstance(W, np.ndarray):
        return np.ascontiguousarray(W.T)
    import array_api_compat

    return array_api_compat.array_namespace(W).asarray(W.T, copy=True)


def take_rows(X, rows):
    """The rows ``rows`` (a NumPy index array) of ``X``, of any namespace, gathered."""
    on = None if isinstance(X, np.ndarray) or sparse.issparse(X) else namespace_of(X)
    if on is None:
        return X[rows]
    return on.xp.take(X, on.asarray(np.asarray(rows, dtype=np.int64)), axis=0)


def xp_of(array):
    """The namespace of ``array``: NumPy itself for a NumPy array, else the Array API
    namespace array-api-compat gives."""
    if isinstance(array, np.ndarray):
        return np
    import array_api_compat

    return array_api_compat.array_namespace(array)
