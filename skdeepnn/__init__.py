"""skdeepnn: scikit-learn compatible neural networks on a small NumPy core."""

from ._classifier import DeepNNClassifier
from ._logistic import LogisticRegressionGD
from ._persistence import load, save
from ._regressor import DeepNNRegressor

__version__ = "0.1.0.dev0"

__all__ = [
    "DeepNNClassifier",
    "DeepNNRegressor",
    "LogisticRegressionGD",
    "__version__",
    "load",
    "save",
]
