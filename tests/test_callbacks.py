"""scikit-learn's callback API: ``set_callbacks``, ProgressBar and ScoringMonitor, alone
and inside Pipeline and GridSearchCV; and the estimators without it."""

import subprocess
import sys
import warnings

import numpy as np
import pytest
from _helpers import fit_quietly
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skdeepnn import DeepNNClassifier, LogisticRegressionGD

callback = pytest.importorskip("sklearn.callback", reason="scikit-learn < 1.9 has no callbacks")


class Recorder:
    """A FitCallback that records every hook, and can ask training to stop."""

    def __init__(self, stop_after=None):
        self.stop_after = stop_after
        self.events, self.models, self.data = [], [], []

    def setup(self, estimator, context):
        self.events.append("setup")

    def teardown(self, estimator, context):
        self.events.append("teardown")

    def on_fit_task_begin(self, estimator, context, *, fitted_estimator=None):
        self.events.append(("begin", context.task_name))

    def on_fit_task_end(
        self, estimator, context, *, X=None, y=None, metadata=None, fitted_estimator=None
    ):
        self.events.append(("end", context.task_name))
        self.data.append((X, y, metadata))
        if context.task_name in ("epoch",) and fitted_estimator is not None:
            self.models.append(fitted_estimator)
            return self.stop_after is not None and len(self.models) >= self.stop_after
        return False


@pytest.fixture(scope="module")
def data():
    return make_classification(n_samples=200, n_features=6, random_state=0)


def small_net(**params):
    return DeepNNClassifier(
        **{"hidden_layer_sizes": (8,), "max_iter": 6, "tol": 0, "random_state": 0, **params}
    )


@pytest.mark.parametrize("batch_norm", [False, True])
@pytest.mark.parametrize("solver", ["adam", "gd", "lbfgs"])
def test_each_epoch_is_a_task_that_sees_the_model_as_it_stands(solver, batch_norm, data):
    X, y = data
    recorder = Recorder()
    model = small_net(solver=solver, batch_norm=batch_norm).set_callbacks(recorder)
    fit_quietly(model, X, y)
    assert recorder.events[0] == "setup" and recorder.events[-1] == "teardown"
    assert recorder.events[1] == ("begin", "fit") and recorder.events[-2] == ("end", "fit")
    epochs_ended = recorder.events.count(("end", "epoch"))
    # L-BFGS ends one more, empty, subtask: the iteration it opened but never ran.
    assert epochs_ended == model.n_iter_ + (solver == "lbfgs")
    assert [m.n_iter_ for m in recorder.models] == list(range(1, model.n_iter_ + 1))
    # Each fitted_estimator is a snapshot: the last is the final model, the first is not.
    np.testing.assert_array_equal(recorder.models[-1].predict_proba(X), model.predict_proba(X))
    assert not np.allclose(recorder.models[0].coefs_[0], model.coefs_[0])


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_a_callback_can_stop_training(solver, data):
    X, y = data
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)  # a requested stop is no failure
        model = small_net(solver=solver, max_iter=50).set_callbacks(Recorder(stop_after=3))
        model.fit(X, y)
    assert model.n_iter_ == 3 == len(model.loss_curve_)


def test_teardown_runs_when_the_fit_fails(data):
    X, y = data
    recorder = Recorder()
    model = LogisticRegressionGD(learning_rate=1e6, alpha=1e6).set_callbacks(recorder)
    with pytest.raises(ValueError, match="diverged"):
        model.fit(X * 1e3, y)
    assert recorder.events[-1] == "teardown"
    assert not hasattr(model, "coef_") and not hasattr(model, "_callback_fit_ctx")


def test_partial_fit_is_one_epoch_task(data):
    X, y = data
    recorder = Recorder()
    model = small_net().set_callbacks(recorder)
    model.partial_fit(X, y, classes=[0, 1])
    assert recorder.events[1:-1] == [
        ("begin", "partial_fit"),
        ("begin", "epoch"),
        ("end", "epoch"),
        ("end", "partial_fit"),
    ]


def test_scoring_monitor_scores_every_epoch_on_the_training_data(data):
    X, y = data
    monitor = callback.ScoringMonitor(scoring="accuracy")
    model = fit_quietly(small_net().set_callbacks(monitor), X, y)
    rows = monitor.get_logs().data
    epochs = [row for row in rows if row["task_name"] == "epoch"]
    assert len(epochs) == model.n_iter_
    assert epochs[-1]["accuracy"] == pytest.approx(model.score(X, y))


def test_callbacks_see_only_the_training_part_of_a_split(data):
    pd = pytest.importorskip("pandas")
    X, y = data
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    labels = np.where(y == 1, "yes", "no")
    weights = np.linspace(1, 2, len(y))
    recorder = Recorder()
    model = small_net(early_stopping=True, validation_fraction=0.25).set_callbacks(recorder)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(frame, labels, sample_weight=weights)
    X_seen, y_seen, metadata = recorder.data[-1]
    assert isinstance(X_seen, pd.DataFrame) and list(X_seen.columns) == list(frame.columns)
    assert len(X_seen) == len(y_seen) == len(metadata["sample_weight"]) == 150
    # The rows, labels and weights are the training part's own, still matched.
    rows = X_seen.index.to_numpy()
    np.testing.assert_array_equal(y_seen, labels[rows])
    np.testing.assert_array_equal(metadata["sample_weight"], weights[rows])
    # The fitted_estimator predicts on it without a feature-name warning.
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        recorder.models[-1].predict(X_seen)


def test_an_interrupted_epoch_still_ends_its_task(data, monkeypatch):
    from _helpers import interrupt_after

    X, y = data
    recorder = Recorder()
    interrupt_after(monkeypatch, 4)  # the fifth batch
    with pytest.warns(UserWarning, match="interrupted"):
        small_net(batch_size=50, max_iter=10).set_callbacks(recorder).fit(X, y)
    begins = [event for event in recorder.events if event[0] == "begin"]
    ends = [event for event in recorder.events if event[0] == "end"]
    assert len(begins) == len(ends) == 1 + 2  # the fit, epoch 1 and the interrupted epoch 2


def test_sparse_coo_and_a_scalar_weight_with_a_split(data):
    sparse = pytest.importorskip("scipy.sparse")
    X, y = data
    plain = small_net(early_stopping=True)
    watched = small_net(early_stopping=True).set_callbacks(Recorder())
    for model in (plain, watched):
        fit_quietly(model, sparse.coo_matrix(X), y, sample_weight=2.0)
    np.testing.assert_array_equal(plain.predict_proba(X), watched.predict_proba(X))


def test_callbacks_in_a_pipeline_and_a_grid_search(data, capsys):
    pytest.importorskip("rich")
    X, y = data
    monitor = callback.ScoringMonitor(scoring="accuracy")
    pipeline = make_pipeline(StandardScaler(), small_net().set_callbacks(monitor))
    search = GridSearchCV(pipeline, {"deepnnclassifier__max_iter": [2, 3]}, cv=2)
    search.set_callbacks(callback.ProgressBar(max_propagation_depth=None))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X, y)
    assert "DeepNNClassifier - fit" in capsys.readouterr().out
    rows = monitor.get_logs(select="all")
    # 2 candidates x 2 folds, then the refit: each scores its epochs and its whole fit.
    epochs = sum(row["task_name"] == "epoch" for log in rows for row in log.data)
    assert epochs == 2 * (2 + 3) + search.best_params_["deepnnclassifier__max_iter"]


def test_progress_bar_alone(data, capsys):
    pytest.importorskip("rich")
    X, y = data
    fit_quietly(small_net().set_callbacks(callback.ProgressBar()), X, y)
    assert "DeepNNClassifier - fit" in capsys.readouterr().out


def test_clone_keeps_the_callbacks_and_set_callbacks_checks_them(data):
    recorder = Recorder()
    model = small_net().set_callbacks(recorder)
    assert clone(model)._skl_callbacks == [recorder]
    with pytest.raises(TypeError, match="FitCallback"):
        small_net().set_callbacks(object())


def test_without_the_callback_api_the_estimators_still_work():
    """What an older scikit-learn, without sklearn.callback, gets: no set_callbacks."""
    code = """
import sys
import warnings
from sklearn.datasets import make_classification
import sklearn.metrics, sklearn.model_selection  # scikit-learn's own imports of it are done
sys.modules["sklearn.callback"] = None  # importing it now raises ImportError
from skdeepnn import DeepNNClassifier, LogisticRegressionGD
X, y = make_classification(n_samples=100, random_state=0)
for model in (DeepNNClassifier(max_iter=3), LogisticRegressionGD(max_iter=3)):
    assert not hasattr(model, "set_callbacks")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(X, y)
    assert caught[0].filename == "<string>", caught[0].filename  # points at this caller
    assert model.predict(X).shape == (100,)
print("ok")
"""
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_the_validation_split_is_stratified_and_of_the_asked_size():
    """Seen through the training part that the callbacks receive."""
    X, y = make_classification(n_samples=400, weights=[0.8], random_state=0)
    recorder = Recorder()
    model = small_net(early_stopping=True, validation_fraction=0.2).set_callbacks(recorder)
    fit_quietly(model, X, y)
    _, y_train_part, _ = recorder.data[-1]
    assert len(y_train_part) == 320
    # The minority class keeps its share in the training part, to one sample.
    assert abs(np.sum(y_train_part == 1) - 0.8 * np.sum(y == 1)) <= 1
