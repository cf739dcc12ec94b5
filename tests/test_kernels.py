"""numba's fused kernels against the NumPy reference, and the setting that picks them.

The reference (``_activations``, ``_losses``, ``_optimizers``) is tested against
hand-worked values elsewhere; here each fused loop must give what the reference
gives, to rounding, in float32 and float64, and a whole fit must follow the same
path. The tests that run numba skip where it is not installed; CI runs them in an
environment with the ``[fast]`` extra.
"""

import subprocess
import sys

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import make_classification, make_multilabel_classification

import skdeepnn
from skdeepnn import DeepNNClassifier, LogisticRegressionGD, _kernels
from skdeepnn._activations import relu, relu_derivative
from skdeepnn._losses import binary_log_loss_and_gradient, categorical_log_loss_and_gradient
from skdeepnn._optimizers import Adam, Momentum, RMSProp

DTYPES = [np.float32, np.float64]
RTOL = {np.float32: 2e-5, np.float64: 1e-12}


@pytest.fixture
def fused():
    pytest.importorskip("numba")
    with skdeepnn.config_context(kernels="numba"):
        return _kernels.training_kernels()


def _logits(dtype, shape=(37, 5), scale=3.0):
    rng = np.random.default_rng(0)
    Z = (scale * rng.standard_normal(shape)).astype(dtype)
    Z[0, 0], Z[1, :] = 60.0, -60.0  # saturated rows: exp underflows, no NaN
    return Z


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize(
    "reference, targets",
    [
        (categorical_log_loss_and_gradient, "one_hot"),
        (binary_log_loss_and_gradient, "labels"),
    ],
)
def test_fused_losses_match_the_reference(fused, dtype, weighted, reference, targets):
    rng = np.random.default_rng(1)
    Z = _logits(dtype)
    if targets == "one_hot":
        Y = np.eye(Z.shape[1], dtype=dtype)[rng.integers(0, Z.shape[1], Z.shape[0])]
    else:
        Y = rng.integers(0, 2, Z.shape).astype(dtype)
    sample_weight = rng.uniform(0, 3, Z.shape[0]).astype(dtype) if weighted else None
    dZ_reference, dZ_fused = Z.copy(), Z.copy()
    loss_reference = reference(dZ_reference, Y, sample_weight)
    loss_fused = fused.loss(reference)(dZ_fused, Y, sample_weight)
    assert fused.loss(reference) is not reference
    assert isinstance(loss_fused, float)
    assert_allclose(loss_fused, loss_reference, rtol=RTOL[dtype])
    assert dZ_fused.dtype == dtype
    assert_allclose(dZ_fused, dZ_reference, rtol=RTOL[dtype], atol=RTOL[dtype] / Z.shape[0])


def test_losses_without_a_fused_form_are_the_reference(fused):
    def my_loss(Z, Y, sample_weight=None):
        return 0.0

    assert fused.loss(my_loss) is my_loss


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("activation", ["relu", "tanh", "leaky_relu", "sigmoid", "identity"])
def test_fused_activations_match_the_reference(fused, dtype, activation):
    from skdeepnn._activations import ACTIVATIONS, DERIVATIVES

    rng = np.random.default_rng(2)
    Z = _logits(dtype, (29, 7))
    Z[2, :3] = [0.0, np.nan, -np.inf]
    b = rng.standard_normal(7).astype(dtype)
    b[:3] = 0
    A_reference = ACTIVATIONS[activation](Z + b)
    A_fused = fused.forward_activation(Z.copy(), b, activation)
    assert_array_equal(A_fused, A_reference)  # each entry is one rounding: bit for bit

    dA = rng.standard_normal(Z.shape).astype(dtype)
    dA[3, 0] = np.nan  # where A is 0, the reference keeps NaN * 0 = NaN
    A = np.nan_to_num(A_reference)
    dZ_reference = DERIVATIVES[activation](A, dA.copy())
    assert_array_equal(fused.backward_activation(A, dA.copy(), activation), dZ_reference)


def test_fused_relu_keeps_nan_so_that_divergence_is_seen(fused):
    Z = np.array([[np.nan, -1.0, 2.0]])
    fused.forward_activation(Z, np.zeros(3), "relu")
    assert np.isnan(Z[0, 0]) and Z[0, 1] == 0 and Z[0, 2] == 2
    # The reference agrees: NumPy's maximum propagates NaN.
    assert np.isnan(relu(np.array([np.nan])))[0]
    assert_array_equal(relu_derivative(np.array([1.0]), np.array([3.0])), [3.0])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "make",
    [
        lambda p: Adam(p, 0.01, beta_1=0.8, beta_2=0.99, epsilon=1e-7),
        lambda p: RMSProp(p, 0.01, beta_2=0.9, epsilon=1e-6),
        lambda p: Momentum(p, 0.1, beta_1=0.7),
        lambda p: Momentum(p, 0.1, beta_1=0.7, nesterov=True),
    ],
    ids=["adam", "rmsprop", "momentum", "nesterov"],
)
def test_fused_optimizer_steps_match_the_reference(fused, dtype, make):
    rng = np.random.default_rng(3)
    start = rng.standard_normal(1000).astype(dtype)
    gradients = [(rng.standard_normal(1000) * scale).astype(dtype) for scale in (1, 0.1, 5, 1e-3)]
    n_weights, decay = 600, 0.05  # the L2 term of the first 600 entries, the "weights"
    params_reference, params_fused = start.copy(), start.copy()
    reference, optimizer = make([params_reference]), make([params_fused])
    step = fused.optimizer_step(optimizer, n_weights)
    for gradient in gradients:
        with_l2 = gradient.copy()  # as backward_propagation adds it: dW += alpha / m W
        with_l2[:n_weights] += dtype(decay) * params_reference[:n_weights]
        reference.update([params_reference], [with_l2])
        step([params_fused], [gradient], decay)
        assert params_fused.dtype == dtype
    assert not np.allclose(params_fused, start)
    assert_allclose(params_fused, params_reference, rtol=RTOL[dtype], atol=1e-7)
    for mine, theirs in zip(optimizer._state(), reference._state(), strict=True):
        assert_allclose(mine, theirs, rtol=RTOL[dtype], atol=1e-9)
    assert getattr(optimizer, "t", None) == getattr(reference, "t", None)


def test_gradient_descent_keeps_its_own_step(fused):
    from skdeepnn._optimizers import GradientDescent

    assert fused.optimizer_step(GradientDescent([np.zeros(3)], 0.1), 3) is None


def _fit_both(make, X, y):
    with skdeepnn.config_context(kernels="numpy"):
        reference = make().fit(X, y)
    with skdeepnn.config_context(kernels="numba"):
        fused = make().fit(X, y)
    return reference, fused


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("solver", ["adam", "rmsprop", "momentum", "sgd", "lbfgs"])
def test_a_fit_with_fused_kernels_follows_the_reference(fused, dtype, solver):
    X, y = make_classification(n_samples=120, n_features=8, n_informative=5, n_classes=3,
                               random_state=0)  # fmt: skip
    X = X.astype(dtype)

    def make():
        return DeepNNClassifier(
            hidden_layer_sizes=(16, 8), solver=solver, max_iter=8, batch_size=32,
            learning_rate=0.01, alpha=0.5, random_state=0, n_iter_no_change=np.inf,
        )  # fmt: skip

    with pytest.warns(Warning) if solver == "lbfgs" else _no_warning():
        reference, fused_model = _fit_both(make, X, y)
    assert fused_model.n_iter_ == reference.n_iter_
    rtol = 1e-4 if dtype == np.float32 else 1e-9
    assert_allclose(fused_model.loss_curve_, reference.loss_curve_, rtol=rtol)
    for mine, theirs in zip(fused_model.coefs_, reference.coefs_, strict=True):
        assert mine.dtype == dtype
        assert_allclose(mine, theirs, rtol=rtol, atol=rtol)


def _no_warning():
    import contextlib
    import warnings

    @contextlib.contextmanager
    def context():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # max_iter is reached on purpose
            yield

    return context()


@pytest.mark.parametrize(
    "make, data",
    [
        (lambda: LogisticRegressionGD(max_iter=30, random_state=0), "binary"),
        (lambda: LogisticRegressionGD(max_iter=30, random_state=0), "multiclass"),
        (
            lambda: DeepNNClassifier(hidden_layer_sizes=(12,), max_iter=10, random_state=0),
            "multilabel",
        ),
        (
            lambda: DeepNNClassifier(
                hidden_layer_sizes=(12,), max_iter=10, dropout=0.2, random_state=0
            ),
            "multiclass",
        ),
        (
            lambda: DeepNNClassifier(
                hidden_layer_sizes=(12,), activation="tanh", max_iter=10, random_state=0
            ),
            "binary",
        ),
    ],
    ids=["logistic-binary", "logistic-multiclass", "multilabel", "dropout", "tanh"],
)
def test_every_head_and_layer_follows_the_reference(fused, make, data):
    if data == "multilabel":
        X, y = make_multilabel_classification(n_samples=80, n_classes=4, random_state=0)
    else:
        n_classes = 2 if data == "binary" else 3
        X, y = make_classification(n_samples=90, n_classes=n_classes, n_informative=4,
                                   random_state=0)  # fmt: skip
    with _no_warning():
        reference, fused_model = _fit_both(make, X, y)
    assert_allclose(fused_model.loss_curve_, reference.loss_curve_, rtol=1e-9)
    assert_array_equal(fused_model.predict(X), reference.predict(X))


def test_settings_are_checked_and_restored(monkeypatch):
    monkeypatch.delenv("SKDEEPNN_KERNELS", raising=False)
    assert skdeepnn.get_config() == {"kernels": "numpy"}  # the reference is the default
    assert _kernels.training_kernels() is None
    with skdeepnn.config_context(kernels="numba"):
        assert skdeepnn.get_config() == {"kernels": "numba"}
    assert skdeepnn.get_config() == {"kernels": "numpy"}
    with pytest.raises(ValueError, match="kernels must be one of 'numpy', 'numba'; got 'auto'"):
        skdeepnn.set_config(kernels="auto")
    with pytest.raises(ValueError, match="kernels must be one of"):
        with skdeepnn.config_context(kernels="fast"):
            pass
    assert skdeepnn.get_config() == {"kernels": "numpy"}


def test_the_environment_variable_sets_the_default(monkeypatch):
    monkeypatch.setenv("SKDEEPNN_KERNELS", "numba")
    assert skdeepnn.get_config() == {"kernels": "numba"}
    with skdeepnn.config_context(kernels="numpy"):  # the setting wins over the variable
        assert skdeepnn.get_config() == {"kernels": "numpy"}
    monkeypatch.setenv("SKDEEPNN_KERNELS", "gpu")
    X, y = make_classification(n_samples=20, random_state=0)
    with pytest.raises(ValueError, match="SKDEEPNN_KERNELS must be one of"):
        DeepNNClassifier(max_iter=1).fit(X, y)


def test_numba_asked_for_but_missing_says_how_to_install_it(monkeypatch):
    monkeypatch.setattr(_kernels, "_loaded", {})
    monkeypatch.setitem(sys.modules, "skdeepnn._numba_kernels", None)  # its import fails
    monkeypatch.delattr(skdeepnn, "_numba_kernels", raising=False)
    X, y = make_classification(n_samples=20, random_state=0)
    model = DeepNNClassifier(max_iter=1)
    with skdeepnn.config_context(kernels="numba"):
        with pytest.raises(ImportError, match=r"pip install 'skdeepnn\[fast\]'"):
            model.fit(X, y)
    assert not hasattr(model, "coefs_")


def test_importing_skdeepnn_does_not_import_numba():
    # numba takes about 0.2 s to import: only a fit that uses its kernels pays it.
    code = "import sys, skdeepnn; print('numba' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr
