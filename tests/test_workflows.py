"""What users do with the estimators: Pipelines, grid search, cloning, persistence."""

import warnings

import joblib
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_digits, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skdeepnn import DeepNNClassifier, LogisticRegressionGD


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:600], y[:600]


def test_grid_search_over_hidden_units_and_learning_rate_in_a_pipeline(digits):
    X, y = digits
    pipeline = Pipeline(
        [
            ("scale", StandardScaler()),
            ("net", DeepNNClassifier(max_iter=30, random_state=0)),
        ]
    )
    grid = GridSearchCV(
        pipeline,
        {"net__hidden_layer_sizes": [(16,), (32, 16)], "net__learning_rate": [1e-3, 1e-2]},
        cv=3,
        n_jobs=2,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        grid.fit(X, y)
    assert len(grid.cv_results_["params"]) == 4
    assert np.all(np.isfinite(grid.cv_results_["mean_test_score"]))
    assert grid.best_params_["net__learning_rate"] == 1e-2  # 30 epochs favour the larger step
    assert grid.score(X, y) > 0.95


@pytest.mark.parametrize("Estimator", [DeepNNClassifier, LogisticRegressionGD])
def test_clone_gives_an_unfitted_copy_with_the_same_parameters(Estimator, digits):
    estimator = Estimator(learning_rate=0.05, max_iter=3, random_state=7)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        estimator.fit(*digits)
    copy = clone(estimator)
    assert copy.get_params() == estimator.get_params()
    assert not hasattr(copy, "classes_")


def test_cross_val_score(digits):
    X, y = digits
    model = Pipeline([("scale", StandardScaler()), ("lr", LogisticRegressionGD(max_iter=300))])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        scores = cross_val_score(model, X, y, cv=3)
    assert scores.shape == (3,) and scores.min() > 0.8  # chance is 0.1


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("Estimator", [DeepNNClassifier, LogisticRegressionGD])
def test_joblib_round_trip_gives_identical_predictions(Estimator, dtype, tmp_path):
    X, y = make_classification(
        n_samples=200, n_features=8, n_classes=3, n_informative=4, random_state=0
    )
    X = X.astype(dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = Estimator(max_iter=20, random_state=0).fit(X, y)
    path = tmp_path / "model.joblib"
    joblib.dump(model, path)
    loaded = joblib.load(path)
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    assert loaded.get_params() == model.get_params()
