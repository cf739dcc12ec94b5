"""The estimator base shared by every skdeepnn network: validation, the training loop, stopping.

A subclass says what differs: the hidden layers, the initializer, how targets are
encoded (``_encode_targets``) and where the fitted weights live
(``_get_network`` / ``_set_network``). The matrix calculus lives in ``_network``.
"""

import time
import warnings
from numbers import Integral, Real

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from ._initializers import INITIALIZERS
from ._network import Workspace, cost_and_gradients, pack, predict_logits
from ._optimizers import OPTIMIZERS
from ._params import Boolean, Interval, Options, RandomStateLike, validate_params

# Float dtypes kept as they are; any other numeric input becomes float64.
FLOAT_DTYPES = (np.float64, np.float32)

# Sparse X is used as given in these formats (others are converted to CSR): only
# the first layer's products touch X, and SciPy computes them without densifying.
SPARSE_FORMATS = ("csr", "csc")

# Training has diverged when a batch's cost exceeds this multiple of the first
# batch's cost (or of 1, if that was smaller), or is not finite. Cross-entropy
# starts near log(n_classes); a rise this large means the steps go uphill, long
# before the loss overflows to inf.
DIVERGENCE_FACTOR = 1e4


class BaseNetwork(BaseEstimator):
    """Shared machinery of the network estimators; not for direct use."""

    _parameter_constraints = {
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 1, None)],
        "tol": [Interval(Real, 0, None)],
        "n_iter_no_change": [Interval(Integral, 1, None)],
        "alpha": [Interval(Real, 0, None)],
        "solver": [Options(*OPTIMIZERS)],
        "batch_size": [Options("auto"), Interval(Integral, 1, None)],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "shuffle": [Boolean()],
        "random_state": [RandomStateLike()],
        "verbose": [Interval(Integral, 0, None), Boolean()],
        "warm_start": [Boolean()],
    }

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    # -- what subclasses provide -------------------------------------------------

    def _hidden_layer_sizes(self):
        """The sizes ``n_1 .. n_{L-1}`` of the hidden layers."""
        raise NotImplementedError

    def _hidden_activation(self):
        return "identity"

    def _initializer(self):
        """The name of the weight initializer, a key of ``INITIALIZERS``."""
        raise NotImplementedError

    def _fits_intercepts(self):
        return True

    def _encode_targets(self, y, sample_weight, dtype, reset):
        """Validate ``y``; return ``(Y, sample_weight, output_activation, fitted_attributes)``."""
        raise NotImplementedError

    def _get_network(self):
        """The fitted ``(coefs, intercepts)`` in the core's layout."""
        raise NotImplementedError

    def _set_network(self, coefs, intercepts):
        raise NotImplementedError

    # -- fit -----------------------------------------------------------------------

    def fit(self, X, y, sample_weight=None):
        """Train the network on ``(X, y)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data. float32 and float64 are kept; other numbers become float64.
        y : array-like of shape (n_samples,)
            Target labels, of any type.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights; the cost becomes the weighted mean of the losses.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        # A fit that fails leaves the estimator as it was; without this, the
        # n_features_in_ that validation records would outlive the failure.
        state_before = dict(vars(self))
        try:
            self._fit(X, y, sample_weight)
        except BaseException:
            vars(self).clear()
            vars(self).update(state_before)
            raise
        return self

    def _fit(self, X, y, sample_weight):
        validate_params(self)
        warm = self.warm_start and _is_fitted(self)
        X, Y, sample_weight, output_activation, target_attributes = self._validate_training_data(
            X, y, sample_weight, reset=not warm
        )
        rng = _make_generator(self.random_state)
        if warm:
            coefs, intercepts = self._starting_network_for_warm_start(X, Y)
        else:
            coefs, intercepts = self._initial_network(X.shape[1], Y.shape[1], rng, X.dtype)

        coefs, intercepts, loss_curve = self._train(
            X, Y, sample_weight, coefs, intercepts, output_activation, rng
        )

        if warm:  # the curve goes on from where the previous fit left it
            loss_curve = self.loss_curve_ + loss_curve
        for name, value in target_attributes.items():
            setattr(self, name, value)
        self._set_network(coefs, intercepts)
        self.n_iter_ = len(loss_curve)
        self.loss_ = loss_curve[-1]
        self.loss_curve_ = loss_curve

    def _validate_training_data(self, X, y, sample_weight, reset):
        """Check ``X``, ``y`` and ``sample_weight`` and encode the targets for the core.

        Returns
        -------
        X : ndarray of shape (n_samples, n_features), float32 or float64
        Y : ndarray of shape (n_samples, n_outputs), of X's dtype
        sample_weight : ndarray of shape (n_samples,) or None
        output_activation : str
        target_attributes : dict
            Fitted attributes that describe the targets (e.g. ``classes_``).
        """
        X, y = validate_data(
            self, X, y, reset=reset, dtype=FLOAT_DTYPES, accept_sparse=SPARSE_FORMATS
        )
        sample_weight = _check_sample_weight(sample_weight, X)
        Y, sample_weight, output_activation, target_attributes = self._encode_targets(
            y, sample_weight, X.dtype, reset
        )
        return X, Y, sample_weight, output_activation, target_attributes

    def _initial_network(self, n_features, n_outputs, rng, dtype):
        """Weights from the initializer, zero biases: ``(coefs, intercepts)``."""
        layer_sizes = [n_features, *self._hidden_layer_sizes(), n_outputs]
        initialize = INITIALIZERS[self._initializer()]
        coefs = [
            initialize(fan_in, fan_out, rng, dtype)
            for fan_in, fan_out in zip(layer_sizes[:-1], layer_sizes[1:], strict=True)
        ]
        intercepts = [np.zeros(n, dtype=dtype) for n in layer_sizes[1:]]
        return coefs, intercepts

    def _starting_network_for_warm_start(self, X, Y):
        """Copies of the fitted weights, in X's dtype, after checking they still fit."""
        coefs, intercepts = self._get_network()
        expected = [X.shape[1], *self._hidden_layer_sizes(), Y.shape[1]]
        fitted = [coefs[0].shape[0]] + [W.shape[1] for W in coefs]
        if expected != fitted:
            raise ValueError(
                f"warm_start=True continues from the fitted layer sizes {fitted}, "
                f"but the parameters now ask for {expected}. Set warm_start=False "
                "to train a new network."
            )
        return _copy_network(coefs, intercepts, X.dtype)

    def _batch_size(self, n_samples):
        if self.solver == "gd" or (self.batch_size == "auto" and n_samples <= 200):
            return n_samples
        if self.batch_size == "auto":
            return 200
        if self.batch_size > n_samples:
            warnings.warn(
                f"batch_size={self.batch_size} is larger than the {n_samples} "
                "training samples; using the whole set as one batch.",
                UserWarning,
                stacklevel=5,  # _batch_size, _train, _fit, fit, the caller
            )
            return n_samples
        return self.batch_size

    def _make_optimizer(self, params):
        options = {
            "gd": {},
            "sgd": {},
            "momentum": {"beta_1": float(self.beta_1)},
            "rmsprop": {"beta_2": float(self.beta_2), "epsilon": float(self.epsilon)},
            "adam": {
                "beta_1": float(self.beta_1),
                "beta_2": float(self.beta_2),
                "epsilon": float(self.epsilon),
            },
        }[self.solver]
        # Python floats, not NumPy scalars: a np.float64 factor would make every
        # in-place update of a float32 array compute in float64.
        return OPTIMIZERS[self.solver](params, float(self.learning_rate), **options)

    def _train(self, X, Y, sample_weight, coefs, intercepts, output_activation, rng):
        """Run the optimizer over mini-batches (or the full set) until it stops.

        Returns
        -------
        coefs, intercepts : lists of ndarray
            The trained parameters (views of one packed vector).
        loss_curve : list of float
            The mean cost over each epoch's batches, each taken before its step.
        """
        n_samples = X.shape[0]
        batch_size = self._batch_size(n_samples)
        layer_sizes = [X.shape[1]] + [W.shape[1] for W in coefs]
        activation = self._hidden_activation()

        workspace = Workspace(batch_size, layer_sizes, X.dtype)
        # The trainable parameters and their gradients each live in one vector,
        # which the optimizer updates in one pass; coefs, dW, ... are views of them.
        n_layers = len(coefs)
        trainable = coefs + intercepts if self._fits_intercepts() else coefs
        params, views = pack(trainable, X.dtype)
        param_grads, grad_views = pack(trainable, X.dtype)
        coefs, dW = views[:n_layers], grad_views[:n_layers]
        if self._fits_intercepts():
            intercepts, db = views[n_layers:], grad_views[n_layers:]
        else:  # fixed at zero: their gradient is computed but never applied
            db = [np.empty_like(b) for b in intercepts]
        grads = (dW, db)
        optimizer = self._make_optimizer([params])

        batches = _MiniBatches(X, Y, sample_weight, batch_size, self.shuffle, rng)
        total_weight = n_samples if sample_weight is None else _weight_sum(sample_weight)

        loss_curve = []
        best_loss, epochs_without_improvement = np.inf, 0
        divergence_limit = np.inf  # set from the first batch's cost
        print_every = 1 if self.verbose > 1 or self.solver != "gd" else 100
        start_time = time.perf_counter()
        converged = False
        for epoch in range(1, self.max_iter + 1):
            epoch_cost = 0.0
            for X_batch, Y_batch, w_batch, batch_weight in batches.epoch():
                with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                    cost, _ = cost_and_gradients(
                        X_batch,
                        Y_batch,
                        coefs,
                        intercepts,
                        activation,
                        output_activation,
                        float(self.alpha),
                        w_batch,
                        grads,
                        workspace,
                    )
                    if not cost < divergence_limit:  # also catches NaN
                        self._raise_diverged(epoch, cost)
                    if divergence_limit == np.inf:
                        divergence_limit = DIVERGENCE_FACTOR * max(cost, 1.0)
                    optimizer.update([params], [param_grads])
                epoch_cost += cost * batch_weight

            loss = epoch_cost / total_weight
            loss_curve.append(loss)
            if self.verbose and (epoch % print_every == 0 or epoch == 1):
                print(
                    f"Iteration {epoch}, loss = {loss:.8f}, "
                    f"{time.perf_counter() - start_time:.2f} s"
                )
            if loss > best_loss - self.tol:
                epochs_without_improvement += 1
            else:
                epochs_without_improvement = 0
            best_loss = min(best_loss, loss)
            if epochs_without_improvement >= self.n_iter_no_change:
                converged = True
                if self.verbose:
                    print(
                        f"Training loss did not improve more than tol={self.tol} for "
                        f"{self.n_iter_no_change} consecutive iterations. Stopping."
                    )
                break

        # The last step can overflow the weights after the last cost was taken.
        if not np.isfinite(params).all():
            self._raise_diverged(len(loss_curve), np.inf)
        if not converged:
            warnings.warn(
                f"{type(self).__name__} reached max_iter={self.max_iter} iterations "
                "before the training loss stopped improving; increase max_iter or "
                "learning_rate for a converged model.",
                ConvergenceWarning,
                stacklevel=4,  # _train, _fit, fit, the caller
            )
        return coefs, intercepts, loss_curve

    def _raise_diverged(self, iteration, cost):
        raise ValueError(
            f"Training diverged at iteration {iteration}: the loss became {cost:.4g}. "
            f"Try a smaller learning_rate (got {self.learning_rate}) or scaled "
            "inputs (e.g. StandardScaler in a Pipeline)."
        )

    # -- prediction -------------------------------------------------------------------

    def _forward_logits(self, X):
        """Validate ``X`` and return the logits ``Z[L]``, of shape (n_samples, n_outputs)."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=FLOAT_DTYPES, accept_sparse=SPARSE_FORMATS)
        coefs, intercepts = self._get_network()
        # Compute in the input's precision; casting the weights is cheaper than X.
        coefs = [W.astype(X.dtype, copy=False) for W in coefs]
        intercepts = [b.astype(X.dtype, copy=False) for b in intercepts]
        return predict_logits(X, coefs, intercepts, self._hidden_activation())


class _MiniBatches:
    """The mini-batches of one training set, epoch after epoch, without copying ``X``.

    A single full batch is ``X`` itself; without shuffling, each batch is a view
    of ``X``. With shuffling, each epoch permutes an index and gathers every batch
    into buffers allocated once, so a yielded batch is valid only until the next.
    Sparse batches are gathered by SciPy, from CSR: a CSC ``X`` is converted once,
    since picking rows out of columns is slow.
    """

    def __init__(self, X, Y, sample_weight, batch_size, shuffle, rng):
        self.Y, self.sample_weight = Y, sample_weight
        self.batch_size = batch_size
        self.rng = rng
        # Shuffling a single full batch would only reorder the sum over samples.
        self.gather = shuffle and batch_size < X.shape[0]
        if self.gather:
            self.indices = np.arange(X.shape[0])
            self.Y_buffer = np.empty((batch_size, Y.shape[1]), dtype=Y.dtype)
            if sparse.issparse(X):
                X = X.tocsr()
            else:
                self.X_buffer = np.empty((batch_size, X.shape[1]), dtype=X.dtype)
        self.X = X

    def epoch(self):
        """Yield ``(X_batch, Y_batch, w_batch, batch_weight)``; skip zero-weight batches.

        ``w_batch`` is None without sample weights; ``batch_weight`` is the batch's
        number of samples or the sum of its weights.
        """
        n_samples = self.X.shape[0]
        if self.batch_size >= n_samples:
            yield from self._weighted(self.X, self.Y, slice(None))
            return
        if self.gather:
            self.rng.shuffle(self.indices)
        for start in range(0, n_samples, self.batch_size):
            stop = min(start + self.batch_size, n_samples)
            if not self.gather:
                rows = slice(start, stop)
                yield from self._weighted(self.X[rows], self.Y[rows], rows)
                continue
            rows = self.indices[start:stop]
            # mode="clip" skips a bounds check that would buffer the output.
            Y_batch = np.take(self.Y, rows, axis=0, out=self.Y_buffer[: stop - start], mode="clip")
            if sparse.issparse(self.X):
                X_batch = self.X[rows]
            else:
                X_batch = np.take(
                    self.X, rows, axis=0, out=self.X_buffer[: stop - start], mode="clip"
                )
            yield from self._weighted(X_batch, Y_batch, rows)

    def _weighted(self, X_batch, Y_batch, rows):
        """Yield the batch with its weights, unless they are all zero."""
        if self.sample_weight is None:
            yield X_batch, Y_batch, None, X_batch.shape[0]
            return
        w_batch = self.sample_weight[rows]
        batch_weight = _weight_sum(w_batch)
        if batch_weight > 0:  # zero-weight samples carry no gradient
            yield X_batch, Y_batch, w_batch, batch_weight


def _weight_sum(sample_weight):
    """The sum of the weights, in float64: a float32 sum can overflow."""
    return float(sample_weight.sum(dtype=np.float64))


def _is_fitted(estimator):
    try:
        check_is_fitted(estimator)
    except Exception:
        return False
    return True


def _copy_network(coefs, intercepts, dtype):
    """C-ordered copies of the weights in ``dtype``, free to be updated in place."""
    return (
        [np.array(W, dtype=dtype, order="C") for W in coefs],
        [np.array(b, dtype=dtype, order="C") for b in intercepts],
    )


def _make_generator(random_state):
    """The one ``numpy.random.Generator`` of a fit, from a scikit-learn ``random_state``.

    An int seeds it directly; ``None`` or a ``RandomState`` seeds it from that
    ``RandomState`` (``None``: NumPy's global one), as scikit-learn's convention has it.
    """
    if isinstance(random_state, Integral):
        return np.random.default_rng(int(random_state))
    seed = check_random_state(random_state).randint(np.iinfo(np.int32).max)
    return np.random.default_rng(seed)


def _check_sample_weight(sample_weight, X):
    """Validate ``sample_weight`` against ``X``: an array of shape (n_samples,) in X's dtype.

    Returns None when no weights are given. Raises ValueError for a wrong shape,
    non-finite or negative weights, or weights that are all zero.
    """
    if sample_weight is None:
        return None
    n_samples = X.shape[0]
    if isinstance(sample_weight, Real):
        sample_weight = np.full(n_samples, sample_weight, dtype=X.dtype)
    sample_weight = check_array(
        sample_weight, ensure_2d=False, dtype=X.dtype, input_name="sample_weight"
    )
    if sample_weight.shape != (n_samples,):
        raise ValueError(
            f"sample_weight.shape == {sample_weight.shape}, expected ({n_samples},): "
            "one weight per sample."
        )
    if (sample_weight < 0).any():
        raise ValueError("sample_weight must be non-negative; it has negative values.")
    if not sample_weight.any():
        raise ValueError("sample_weight must contain at least one non-zero weight.")
    return sample_weight
