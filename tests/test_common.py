"""scikit-learn's own estimator checks, over every public estimator."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from skdeepnn import DeepNNClassifier, LogisticRegressionGD


@parametrize_with_checks(
    [DeepNNClassifier(), DeepNNClassifier(batch_norm=True), LogisticRegressionGD()]
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
