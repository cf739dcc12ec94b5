"""MLPClassifier's users: their parameter names and values that skdeepnn spells otherwise
get an error that names skdeepnn's parameter, wherever they are set."""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skdeepnn import DeepNNClassifier, DeepNNRegressor, LogisticRegressionGD
from skdeepnn._params import MLP_NAMES

X = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]] * 5)
y = np.array([0, 1, 1, 0] * 5)


@pytest.mark.parametrize(
    "MLP, Ours", [(MLPClassifier, DeepNNClassifier), (MLPRegressor, DeepNNRegressor)]
)
def test_every_mlp_parameter_is_ours_or_mapped(MLP, Ours):
    missing = set(MLP().get_params()) - set(Ours().get_params())
    assert missing == set(MLP_NAMES)


@pytest.mark.parametrize(
    "name, ours", [("learning_rate_init", "learning_rate"), ("nesterovs_momentum", "nesterov")]
)
@pytest.mark.parametrize("Estimator", [DeepNNClassifier, DeepNNRegressor, LogisticRegressionGD])
def test_an_mlp_name_in_the_constructor_names_ours(Estimator, name, ours):
    with pytest.raises(TypeError, match=f"no parameter '{name}': .* is {ours} here"):
        Estimator(**{name: 0.1})


def test_an_mlp_name_in_set_params_a_pipeline_or_a_grid_names_ours():
    with pytest.raises(ValueError, match="'momentum': .* is beta_1"):
        DeepNNClassifier().set_params(momentum=0.9)
    pipeline = make_pipeline(StandardScaler(), DeepNNClassifier())
    with pytest.raises(ValueError, match="learning_rate_init is learning_rate here"):
        pipeline.set_params(deepnnclassifier__learning_rate_init=0.1)
    search = GridSearchCV(pipeline, {"deepnnclassifier__learning_rate_init": [0.1]}, cv=2)
    with pytest.raises(ValueError, match="MLPClassifier users"):
        search.fit(X, y)


@pytest.mark.parametrize("schedule", ["constant", "invscaling", "adaptive"])
def test_an_mlp_learning_rate_schedule_points_to_lr_schedule(schedule):
    model = DeepNNClassifier(learning_rate=schedule)
    with pytest.raises(TypeError, match=f"is lr_schedule='{schedule}' here"):
        model.fit(X, y)
    assert not hasattr(model, "n_features_in_")  # refused before any work


def test_logistic_activation_points_to_sigmoid():
    with pytest.raises(ValueError, match="activation='logistic' is 'sigmoid' here"):
        DeepNNRegressor(activation="logistic").fit(X, y)


def test_other_names_keep_pythons_error_and_the_estimators_still_clone_and_pickle():
    with pytest.raises(TypeError, match="unexpected keyword argument 'learning_rat'"):
        DeepNNClassifier(learning_rat=0.1)
    model = DeepNNClassifier(learning_rate=0.05, hidden_layer_sizes=(3,))
    assert clone(model).get_params() == model.get_params()
    assert pickle.loads(pickle.dumps(model)).get_params() == model.get_params()
    assert model.set_params(learning_rate=0.2) is model and model.learning_rate == 0.2
