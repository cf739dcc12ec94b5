"""scikit-learn's own estimator checks, over a grid of configurations of every public
estimator: each solver, activation, initialization and schedule, dropout, batch norm,
early stopping with and without scoring, class weights, no hidden layer, each loss.

A configuration sets what a user who chose it would set with it: decaying schedules
and networks without a hidden layer (a linear model) take ``learning_rate=0.01``,
since the checks' small data give 200 epochs of one or two steps each.
"""

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from skdeepnn import DeepNNClassifier, DeepNNRegressor, LogisticRegressionGD


def network_configurations(Estimator, extra):
    """The settings every network estimator is checked in, plus its own ``extra``."""
    scoring = "f1_macro" if Estimator is DeepNNClassifier else "r2"
    settings = [
        {},
        *({"solver": solver} for solver in ("gd", "sgd", "momentum", "rmsprop", "lbfgs")),
        {"solver": "momentum", "nesterov": True},
        *({"activation": name} for name in ("tanh", "sigmoid", "leaky_relu", "identity")),
        *({"init": name} for name in ("xavier", "small_random")),
        {"dropout": 0.2},
        {"batch_norm": True},
        {"batch_norm": True, "solver": "lbfgs"},
        {"early_stopping": True},
        {"early_stopping": True, "scoring": scoring},
        {"hidden_layer_sizes": (), "learning_rate": 0.01},
        {"lr_schedule": "invscaling", "learning_rate": 0.01},
        {"lr_schedule": "inverse_time", "decay_rate": 0.01, "learning_rate": 0.01},
        {"lr_schedule": "exponential", "decay_rate": 0.99, "learning_rate": 0.01},
        {"lr_schedule": "step", "decay_rate": 0.5, "learning_rate": 0.01},
        {"lr_schedule": "adaptive"},
        *extra,
    ]
    return [Estimator(**params) for params in settings]


ESTIMATORS = [
    *network_configurations(
        DeepNNClassifier,
        [
            {"class_weight": "balanced"},
            {"class_weight": "balanced", "early_stopping": True},
        ],
    ),
    *network_configurations(
        DeepNNRegressor,
        [{"loss": "huber"}, {"loss": "poisson"}, {"loss": "huber", "solver": "lbfgs"}],
    ),
    LogisticRegressionGD(),
    LogisticRegressionGD(class_weight="balanced"),
    LogisticRegressionGD(fit_intercept=False),
    *(LogisticRegressionGD(solver=solver) for solver in ("sgd", "adam", "lbfgs")),
]

SAMPLE_WEIGHT_CHECKS = (
    "check_sample_weight_equivalence_on_dense_data",
    "check_sample_weight_equivalence_on_sparse_data",
)


def expected_failures(estimator):
    """The checks a configuration cannot pass by design, each with its reason."""
    failures = {}
    if getattr(estimator, "dropout", 0):
        reason = "dropout draws its masks per row: repeated rows get other masks than weights"
        failures.update(dict.fromkeys(SAMPLE_WEIGHT_CHECKS, reason))
    if estimator.early_stopping and isinstance(estimator, DeepNNRegressor):
        # (A classifier's check data are too few to split: it trains without early stopping.)
        reason = "the validation split draws rows: repeated rows split otherwise than weights"
        failures.update(dict.fromkeys(SAMPLE_WEIGHT_CHECKS, reason))
    if isinstance(estimator, LogisticRegressionGD) and not estimator.fit_intercept:
        failures["check_class_weight_classifiers"] = (
            "open (issue 10): without an intercept the decision boundary passes through "
            "the origin, and no class weight makes class 0 win on all of the check's data"
        )
    if isinstance(estimator, DeepNNClassifier) and estimator.activation == "tanh":
        failures["check_class_weight_classifiers"] = (
            "open (issue 10): on the check's unscaled inputs (std 20) the tanh units "
            "saturate, and where there are no class-0 samples the network keeps its random "
            "start (weights of 1000 against 0.0001 leave the other classes no gradient): "
            "0.6 of the 3-class test points are predicted class 0, 0.87 are asked"
        )
    if getattr(estimator, "scoring", None) == "f1_macro":
        failures["check_class_weight_classifiers"] = (
            "early stopping keeps the epoch of the best macro F1, which counts every "
            "class alike, where the check's class weights ask for class 0 everywhere"
        )
    if isinstance(estimator, DeepNNRegressor) and estimator.loss == "poisson":
        failures["check_regressor_multioutput"] = (
            "its targets are negative, which the Poisson deviance refuses (its "
            "positive_only tag is not applied there)"
        )
    return failures


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=expected_failures)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


def test_the_grid_holds_every_configuration_once():
    reprs = [repr(estimator) for estimator in ESTIMATORS]
    assert len(reprs) == len(set(reprs))


@pytest.mark.parametrize("Estimator", [DeepNNClassifier, DeepNNRegressor])
def test_the_grid_covers_every_solver_activation_and_schedule(Estimator):
    from skdeepnn._activations import DERIVATIVES
    from skdeepnn._schedules import SCHEDULES

    mine = [e.get_params() for e in ESTIMATORS if type(e) is Estimator]
    default = Estimator().get_params()
    assert {p["solver"] for p in mine} == {"adam", "gd", "sgd", "momentum", "rmsprop", "lbfgs"}
    assert {p["activation"] for p in mine} == set(DERIVATIVES)
    assert {p["lr_schedule"] for p in mine} == set(SCHEDULES)
    assert {p["init"] for p in mine} >= {"auto", "xavier", "small_random"}
    assert any(p["dropout"] != default["dropout"] for p in mine)
    assert any(p["batch_norm"] for p in mine)
    assert any(p["early_stopping"] and p["scoring"] for p in mine)
    assert any(p["hidden_layer_sizes"] == () for p in mine)
