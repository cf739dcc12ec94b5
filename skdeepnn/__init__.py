"""skdeepnn: scikit-learn compatible neural networks on a small NumPy core."""

from ._classifier import DeepNNClassifier
from ._logistic import LogisticRegressionGD

__version__ = "0.1.0.dev0"

__all__ = ["DeepNNClassifier", "LogisticRegressionGD", "__version__"]
