"""skdeepnn: scikit-learn compatible neural networks on a small NumPy core."""

from ._classifier import DeepNNClassifier
from ._config import config_context, get_config, set_config
from ._logistic import LogisticRegressionGD
from ._persistence import load, save
from ._regressor import DeepNNRegressor
from ._version import __version__
from ._warnings import InconsistentVersionWarning

# Public classes name their public module: pickles and skops files then refer to
# skdeepnn.DeepNNClassifier, not to a private module path that may move.
for _public in (
    DeepNNClassifier,
    DeepNNRegressor,
    LogisticRegressionGD,
    InconsistentVersionWarning,
):
    _public.__module__ = __name__
del _public

__all__ = [
    "DeepNNClassifier",
    "DeepNNRegressor",
    "InconsistentVersionWarning",
    "LogisticRegressionGD",
    "__version__",
    "config_context",
    "get_config",
    "load",
    "save",
    "set_config",
]
