"""Tests of skdeepnn.plotting: LossCurveDisplay draws the curves an estimator recorded."""

import subprocess
import sys
import warnings

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from sklearn.datasets import make_regression  # noqa: E402
from sklearn.exceptions import ConvergenceWarning, NotFittedError  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from skdeepnn import DeepNNClassifier, DeepNNRegressor, LogisticRegressionGD  # noqa: E402
from skdeepnn.plotting import LossCurveDisplay  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def _fit(estimator, X, y, **fit_params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # short runs on purpose
        return estimator.fit(X, y, **fit_params)


@pytest.fixture(scope="module")
def early_stopped(noisy):
    X_train, _, y_train, _ = noisy
    net = DeepNNClassifier(
        hidden_layer_sizes=(64,), learning_rate=0.01, early_stopping=True, random_state=0
    )
    return _fit(net, X_train, y_train)


@pytest.fixture(scope="module")
def plain(noisy):
    X_train, _, y_train, _ = noisy
    return _fit(
        DeepNNClassifier(hidden_layer_sizes=(16,), max_iter=30, random_state=0), X_train, y_train
    )


def _x(line):
    return np.asarray(line.get_xdata(), dtype=float)


def _y(line):
    return np.asarray(line.get_ydata(), dtype=float)


def test_lines_hold_the_recorded_curves(early_stopped):
    net = early_stopped
    display = LossCurveDisplay.from_estimator(net)

    n = net.n_iter_
    np.testing.assert_array_equal(_x(display.line_), np.arange(1, n + 1))
    np.testing.assert_array_equal(_y(display.line_), net.loss_curve_)
    np.testing.assert_array_equal(_x(display.validation_line_), np.arange(1, n + 1))
    np.testing.assert_array_equal(_y(display.validation_line_), net.validation_loss_curve_)
    np.testing.assert_array_equal(_x(display.score_line_), np.arange(1, n + 1))
    np.testing.assert_array_equal(_y(display.score_line_), net.validation_scores_)
    assert display.score_line_.axes is display.score_ax_
    assert display.validation_line_.axes is display.ax_
    assert display.figure_ is display.ax_.figure


def test_best_iteration_marker_is_at_the_kept_epoch(early_stopped):
    net = early_stopped
    display = LossCurveDisplay.from_estimator(net)

    assert net.best_iteration_ < net.n_iter_  # early stopping ran past its best epoch
    assert list(display.best_line_.get_xdata()) == [net.best_iteration_] * 2
    # best_iteration_ counts from 1: epoch b is the curve's entry b - 1.
    best_val_loss = net.validation_loss_curve_[net.best_iteration_ - 1]
    assert best_val_loss == net.best_loss_ == min(net.validation_loss_curve_)
    assert str(net.best_iteration_) in display.best_line_.get_label()


def test_labels_and_legend(early_stopped):
    display = LossCurveDisplay.from_estimator(early_stopped)

    assert display.ax_.get_xlabel() == "epoch"
    assert display.ax_.get_ylabel() == "loss"
    assert display.score_ax_.get_ylabel() == "validation accuracy"
    legend = display.ax_.get_legend()  # one legend, gathering both axes' lines
    assert display.score_ax_.get_legend() is None
    texts = [text.get_text() for text in legend.get_texts()]
    assert texts == [
        "training loss (DeepNNClassifier)",
        "validation loss (DeepNNClassifier)",
        f"best iteration: {early_stopped.best_iteration_} (DeepNNClassifier)",
        "validation accuracy (DeepNNClassifier)",
    ]


def test_without_validation_there_are_no_validation_lines(plain):
    display = LossCurveDisplay.from_estimator(plain, name="net")

    assert plain.validation_loss_curve_ is None and plain.validation_scores_ is None
    assert display.validation_line_ is None
    assert display.score_line_ is None
    assert display.score_ax_ is None
    np.testing.assert_array_equal(_y(display.line_), plain.loss_curve_)
    # Without early stopping the best iteration is the lowest training loss.
    assert list(display.best_line_.get_xdata()) == [plain.best_iteration_] * 2
    assert plain.loss_curve_[plain.best_iteration_ - 1] == min(plain.loss_curve_)
    assert display.line_.get_label() == "training loss (net)"
    assert display.ax_.get_legend() is not None


def test_validation_set_without_early_stopping_is_drawn(noisy):
    X_train, X_val, y_train, y_val = noisy
    net = _fit(
        DeepNNClassifier(hidden_layer_sizes=(8,), max_iter=15, random_state=0),
        X_train, y_train, X_val=X_val, y_val=y_val,
    )  # fmt: skip
    display = LossCurveDisplay.from_estimator(net)

    np.testing.assert_array_equal(_y(display.validation_line_), net.validation_loss_curve_)
    np.testing.assert_array_equal(_y(display.score_line_), net.validation_scores_)


def test_pipeline_takes_its_last_step(noisy):
    X_train, _, y_train, _ = noisy
    pipe = _fit(
        make_pipeline(
            StandardScaler(),
            DeepNNClassifier(hidden_layer_sizes=(8,), early_stopping=True, random_state=0),
        ),
        X_train,
        y_train,
    )
    display = LossCurveDisplay.from_estimator(pipe)

    np.testing.assert_array_equal(_y(display.line_), pipe[-1].loss_curve_)
    np.testing.assert_array_equal(_y(display.validation_line_), pipe[-1].validation_loss_curve_)
    assert display.estimator_name == "DeepNNClassifier"


def test_draws_on_the_given_axes(plain):
    fig, (left, right) = plt.subplots(ncols=2)
    display = LossCurveDisplay.from_estimator(plain, ax=right)

    assert display.ax_ is right
    assert display.figure_ is fig
    assert display.line_ in right.lines
    assert not left.lines


def test_two_estimators_on_one_axes(plain, early_stopped):
    fig, ax = plt.subplots()
    first = LossCurveDisplay.from_estimator(plain, ax=ax, name="plain")
    second = LossCurveDisplay.from_estimator(
        early_stopped, ax=ax, name="early", line_kwargs={"c": "tab:red"}
    )

    assert first.line_ in ax.lines and second.line_ in ax.lines
    assert second.line_.get_color() == "tab:red"  # the alias "c" replaced the default
    assert first.line_.get_color() == "tab:blue"


@pytest.mark.parametrize("fitted_pipeline", [False, True])
def test_unfitted_raises_not_fitted_error(fitted_pipeline):
    net = DeepNNClassifier()
    estimator = make_pipeline(StandardScaler(), net) if fitted_pipeline else net
    with pytest.raises(NotFittedError):
        LossCurveDisplay.from_estimator(estimator)


def test_objects_without_loss_curve_raise_type_error(noisy):
    X_train, _, y_train, _ = noisy
    logreg = LogisticRegression().fit(X_train, y_train)
    with pytest.raises(TypeError, match="loss_curve_"):
        LossCurveDisplay.from_estimator(logreg)
    with pytest.raises(TypeError, match="fitted estimator"):
        LossCurveDisplay.from_estimator([0.5, 0.4, 0.3])

    search = GridSearchCV(LogisticRegressionGD(max_iter=5), {"alpha": [0.0]}, cv=2)
    _fit(search, X_train, y_train)
    with pytest.raises(TypeError, match="best_estimator_"):
        LossCurveDisplay.from_estimator(search)


def test_regressor_and_logistic_regression(noisy):
    X, y = make_regression(n_samples=200, n_features=5, noise=5.0, random_state=0)
    y = (y - y.mean()) / y.std()
    reg = _fit(DeepNNRegressor(hidden_layer_sizes=(8,), early_stopping=True, random_state=0), X, y)
    display = LossCurveDisplay.from_estimator(reg)
    assert display.score_ax_.get_ylabel() == "validation R²"
    np.testing.assert_array_equal(_y(display.score_line_), reg.validation_scores_)

    X_train, _, y_train, _ = noisy
    logreg = _fit(LogisticRegressionGD(max_iter=50), X_train, y_train)
    display = LossCurveDisplay.from_estimator(logreg, log_scale=True)
    np.testing.assert_array_equal(_y(display.line_), logreg.loss_curve_)
    assert display.ax_.get_yscale() == "log"
    assert display.validation_line_ is None


def test_scoring_names_the_score_axis(noisy):
    X_train, _, y_train, _ = noisy
    net = _fit(
        DeepNNClassifier(
            hidden_layer_sizes=(8,), early_stopping=True, scoring="f1_macro", random_state=0
        ),
        X_train,
        y_train,
    )
    display = LossCurveDisplay.from_estimator(net)
    assert display.score_ax_.get_ylabel() == "validation f1_macro"


def test_curves_given_directly():
    display = LossCurveDisplay(
        loss_curve=[1.0, 0.8, 0.6, 0.5, 0.45],
        validation_loss_curve=[0.7, 0.65],  # a warm-started fit validated its last 2 epochs
        validation_scores=[0.6, 0.62],
        best_iteration=4,
        score_name="accuracy",
    ).plot(best_line_kwargs={"color": "red"})

    np.testing.assert_array_equal(_x(display.line_), [1, 2, 3, 4, 5])
    np.testing.assert_array_equal(_x(display.validation_line_), [4, 5])
    np.testing.assert_array_equal(_x(display.score_line_), [4, 5])
    assert display.best_line_.get_color() == "red"
    assert display.best_line_.get_linestyle() == ":"
    assert display.line_.get_label() == "training loss"  # no name, no suffix


def test_curves_not_recorded_are_left_out():
    display = LossCurveDisplay(loss_curve=[0.5, 0.4], validation_loss_curve=[]).plot()
    assert display.validation_line_ is None
    assert display.score_line_ is None
    assert display.best_line_ is None


def test_missing_matplotlib_says_how_to_install_it(monkeypatch, plain):
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)  # makes the import fail
    with pytest.raises(ImportError, match=r'pip install "skdeepnn\[plot\]"'):
        LossCurveDisplay(loss_curve=[0.5, 0.4]).plot()
    with pytest.raises(ImportError, match=r'pip install "skdeepnn\[plot\]"'):
        LossCurveDisplay.from_estimator(plain)


def test_importing_does_not_import_matplotlib():
    code = (
        "import sys, skdeepnn, skdeepnn.plotting\n"
        "from skdeepnn.plotting import LossCurveDisplay\n"
        "LossCurveDisplay(loss_curve=[1.0])\n"
        "assert 'matplotlib' not in sys.modules, 'matplotlib was imported'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
