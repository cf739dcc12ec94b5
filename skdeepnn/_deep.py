"""The hidden layers that DeepNNClassifier and DeepNNRegressor share.

Their sizes, activation, initialization, dropout and batch normalization, and
where the fitted weights live (``coefs_``, ``intercepts_``, batch norm's
``gammas_`` ...). The two estimators differ only in their output head.
"""

from numbers import Integral, Real

from ._activations import ACTIVATIONS
from ._base import BaseNetwork
from ._batch_norm import BatchNorm
from ._params import Boolean, DropoutRates, Interval, LayerSizes, Options


class DeepNetwork(BaseNetwork):
    """``[LINEAR -> g] x (L-1)`` hidden layers before the output head; not for direct use."""

    _parameter_constraints = {
        **BaseNetwork._parameter_constraints,
        "hidden_layer_sizes": [LayerSizes()],
        "dropout": [DropoutRates()],
        "batch_norm": [Boolean()],
        "batch_norm_momentum": [Interval(Real, 0, 1, closed="left")],
        "activation": [Options(*(name for name in ACTIVATIONS if name != "softmax"))],
        "init": [Options("auto", "he", "xavier", "small_random", "zeros")],
    }

    def _hidden_layer_sizes(self):
        sizes = self.hidden_layer_sizes
        if isinstance(sizes, Integral):
            return [int(sizes)]
        return [int(n) for n in sizes]

    def _hidden_activation(self):
        return self.activation

    def _keep_probs(self):
        n_hidden = len(self._hidden_layer_sizes())
        if isinstance(self.dropout, Real):
            rates = [float(self.dropout)] * n_hidden
        else:
            rates = [float(rate) for rate in self.dropout]
            if len(rates) != n_hidden:
                raise ValueError(
                    f"dropout has {len(rates)} rates but hidden_layer_sizes has "
                    f"{n_hidden} hidden layers: give one rate per hidden layer, or one float."
                )
        if not any(rates):
            return None
        return [1 - rate for rate in rates]

    def _batch_norm_momentum(self):
        if not self.batch_norm or not self._hidden_layer_sizes():
            return None
        return float(self.batch_norm_momentum)

    def _fitted_batch_norm(self):
        if getattr(self, "gammas_", None) is None:
            return None
        # No momentum: the statistics only move in training, which sets its own.
        return BatchNorm(
            self.gammas_,
            self.betas_,
            self.running_means_,
            self.running_vars_,
            momentum=None,
            n_updates=self._batch_norm_updates,
        )

    def _initializer(self):
        if self.init != "auto":
            return self.init
        if not self._hidden_layer_sizes():
            # A linear model's cost is convex, with no symmetry between hidden
            # units to break: start at zero, as the course's logistic regression.
            return "zeros"
        return "he" if self.activation in ("relu", "leaky_relu") else "xavier"

    def _get_network(self):
        return self.coefs_, self.intercepts_

    def _network_attributes(self, coefs, intercepts, batch_norm=None):
        normalized = batch_norm is not None
        return {
            "coefs_": coefs,
            "intercepts_": intercepts,
            "n_layers_": len(coefs) + 1,
            "gammas_": batch_norm.gammas if normalized else None,
            "betas_": batch_norm.betas if normalized else None,
            "running_means_": batch_norm.running_means if normalized else None,
            "running_vars_": batch_norm.running_vars if normalized else None,
            "_batch_norm_updates": batch_norm.n_updates if normalized else 0,
        }
