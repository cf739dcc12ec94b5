"""scikit-learn's own estimator checks, over every public estimator."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from skdeepnn import DeepNNClassifier, DeepNNRegressor, LogisticRegressionGD


def expected_failures(estimator):
    """The checks an estimator cannot pass by design, with the reason."""
    if isinstance(estimator, DeepNNRegressor) and estimator.loss == "poisson":
        return {
            "check_regressor_multioutput": "its targets are negative, which the Poisson "
            "deviance refuses (its positive_only tag is not applied there)"
        }
    return {}


@parametrize_with_checks(
    [
        DeepNNClassifier(),
        DeepNNClassifier(batch_norm=True),
        LogisticRegressionGD(),
        DeepNNRegressor(),
        DeepNNRegressor(loss="huber"),
        DeepNNRegressor(loss="poisson"),
    ],
    expected_failed_checks=expected_failures,
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
