"""numba's fused kernels against the NumPy reference, and the setting that picks them.

The reference (``_activations``, ``_losses``, ``_optimizers``) is tested against
hand-worked values elsewhere; here each fused loop must give what the reference
gives, to rounding, in float32 and float64, and a whole fit must follow the same
path. The tests that run numba skip where it is not installed; CI runs them in an
environment with the ``[fast]`` extra.
"""

import os
import subprocess
import sys
from types import SimpleNamespace

import numpy as np
import pytest
from _helpers import fit_quietly
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import make_classification, make_multilabel_classification

import skdeepnn
from skdeepnn import DeepNNClassifier, LogisticRegressionGD, _kernels
from skdeepnn._activations import relu, relu_derivative
from skdeepnn._kernels import FusedReLU, FusedStep
from skdeepnn._layers import Activation, Linear
from skdeepnn._losses import binary_log_loss_and_gradient, categorical_log_loss_and_gradient
from skdeepnn._network import NumpyBackend
from skdeepnn._optimizers import Adam, Momentum, RMSProp

DTYPES = [np.float32, np.float64]
RTOL = {np.float32: 2e-5, np.float64: 1e-12}

#: The optimizers with a fused step, each made over a list of parameter vectors.
FUSED_OPTIMIZERS = pytest.mark.parametrize(
    "make",
    [
        lambda p: Adam(p, 0.01, beta_1=0.8, beta_2=0.99, epsilon=1e-7),
        lambda p: RMSProp(p, 0.01, beta_2=0.9, epsilon=1e-6),
        lambda p: Momentum(p, 0.1, beta_1=0.7),
        lambda p: Momentum(p, 0.1, beta_1=0.7, nesterov=True),
    ],
    ids=["adam", "rmsprop", "momentum", "nesterov"],
)


@pytest.fixture(autouse=True)
def default_settings(monkeypatch):
    """Each test starts from the defaults, whatever a test before it set."""
    monkeypatch.setattr(skdeepnn._config, "_config", {})


@pytest.fixture
def fused():
    pytest.importorskip("numba")
    with skdeepnn.config_context(kernels="numba"):
        return _kernels.backend_for_fit()


def _logits(dtype, shape=(37, 5), scale=3.0):
    rng = np.random.default_rng(0)
    Z = (scale * rng.standard_normal(shape)).astype(dtype)
    Z[0, 0], Z[1, :] = 60.0, -60.0  # saturated rows: exp underflows, no NaN
    return Z


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize(
    "reference, targets, kernel",
    [
        (categorical_log_loss_and_gradient, "class_index", "softmax_log_loss"),
        (binary_log_loss_and_gradient, "labels", "sigmoid_log_loss"),
    ],
)
def test_fused_losses_match_the_reference(calls, dtype, weighted, reference, targets, kernel):
    from skdeepnn import _numba_kernels
    from skdeepnn._kernels import FusedBackend

    fused = FusedBackend(_numba_kernels)  # made after the spy: its calls are counted
    rng = np.random.default_rng(1)
    Z = _logits(dtype)
    if targets == "class_index":  # as ClassificationHead encodes a softmax's targets
        Y = rng.integers(0, Z.shape[1], (Z.shape[0], 1)).astype(np.int32)
    else:
        Y = rng.integers(0, 2, Z.shape).astype(dtype)
    sample_weight = rng.uniform(0, 3, Z.shape[0]).astype(dtype) if weighted else None
    dZ_reference, dZ_fused = Z.copy(), Z.copy()
    loss_reference = reference(dZ_reference, Y, sample_weight)
    loss_fused = fused.loss(reference)(dZ_fused, Y, sample_weight)
    assert fused.loss(reference) is not reference
    assert calls == {kernel: 1}  # the loop ran, not the reference
    assert isinstance(loss_fused, float)
    assert_allclose(loss_fused, loss_reference, rtol=RTOL[dtype])
    assert dZ_fused.dtype == dtype
    assert_allclose(dZ_fused, dZ_reference, rtol=RTOL[dtype], atol=RTOL[dtype] / Z.shape[0])


def test_one_hot_softmax_targets_go_to_the_reference(calls):
    """The fused softmax loop reads class indices; one-hot rows (the course's form)
    get the reference's result, not the loop's."""
    from skdeepnn import _numba_kernels
    from skdeepnn._kernels import FusedBackend

    Z = _logits(np.float64)
    one_hot = np.eye(Z.shape[1])[np.random.default_rng(3).integers(0, Z.shape[1], Z.shape[0])]
    loss = FusedBackend(_numba_kernels).loss(categorical_log_loss_and_gradient)
    for Y in (one_hot, one_hot.astype(np.int64)):  # integer one-hot rows too
        dZ_reference, dZ_fused = Z.copy(), Z.copy()
        loss_reference = categorical_log_loss_and_gradient(dZ_reference, Y)
        assert loss(dZ_fused, Y) == loss_reference
        assert_array_equal(dZ_fused, dZ_reference)
    assert "softmax_log_loss" not in calls


def test_losses_without_a_fused_form_are_the_reference(fused):
    def my_loss(Z, Y, sample_weight=None):
        return 0.0

    assert fused.loss(my_loss) is my_loss


@pytest.mark.parametrize("dtype", DTYPES)
def test_fused_relu_matches_the_reference(fused, dtype):
    rng = np.random.default_rng(2)
    Z = _logits(dtype, (29, 7))
    Z[2, :3] = [0.0, np.nan, -np.inf]
    Z[3, 0] = -1.0
    b = rng.standard_normal(7).astype(dtype)
    b[:3] = 0
    for activation in ("tanh", "sigmoid", "leaky_relu", "identity"):  # the reference's
        linear = Linear(np.eye(7, dtype=dtype), b)
        layers = fused.hidden_layer(linear, None, activation)
        assert [type(layer) for layer in layers] == [Linear, Activation] and linear.adds_bias
    linear = Linear(np.eye(7, dtype=dtype), b)
    layer = fused.hidden_layer(linear, None, "relu")[1]
    assert isinstance(layer, FusedReLU) and not linear.adds_bias  # the fused pass adds it
    A_reference = relu(Z + b)
    A_fused = Z.copy()
    layer.forward(A_fused, None)
    assert_array_equal(A_fused, A_reference)  # each entry is one rounding: bit for bit
    assert np.isnan(A_fused[2, 1]) and A_fused[2, 2] == 0  # NaN kept, -inf cut to 0

    dA = rng.standard_normal(Z.shape).astype(dtype)
    dA[3, 0] = np.nan  # where A is 0, the reference keeps NaN * 0 = NaN
    dA[3, 1] = np.inf
    A = np.nan_to_num(A_reference)
    with np.errstate(invalid="ignore"):  # inf * 0, as in a diverging run
        dZ_reference = relu_derivative(A, dA.copy())
    layer.A = A
    assert_array_equal(layer.backward(dA.copy(), None), dZ_reference)
    assert np.isnan(dZ_reference[3, 0])


@pytest.mark.parametrize("dtype", DTYPES)
@FUSED_OPTIMIZERS
@pytest.mark.parametrize("decay", [0.05, 0.0])
def test_fused_optimizer_steps_match_the_reference(fused, dtype, make, decay):
    rng = np.random.default_rng(3)
    start = rng.standard_normal(1000).astype(dtype)
    gradients = [(rng.standard_normal(1000) * scale).astype(dtype) for scale in (1, 0.1, 5, 1e-3)]
    n_weights = 600  # the L2 term applies to the first 600 entries, the "weights"
    params_reference, params_fused = start.copy(), start.copy()
    reference, optimizer = make([params_reference]), make([params_fused])
    # The step reads the network's packed vectors and alpha; a batch weight of 4
    # makes the L2 factor alpha / m = decay.
    network = SimpleNamespace(
        params=params_fused, alpha=4 * decay, parameters=SimpleNamespace(n_weights=n_weights)
    )
    step = fused.step(network, optimizer)
    assert isinstance(step, FusedStep)
    for gradient in gradients:
        with_l2 = gradient.copy()  # as Network.cost_and_gradient adds it: dW += alpha / m W
        if decay:  # with alpha = 0 it adds nothing
            with_l2[:n_weights] += dtype(decay) * params_reference[:n_weights]
        reference.update([params_reference], [with_l2])
        network.param_grads = gradient
        step.update(4.0)
        assert params_fused.dtype == dtype
    assert not np.allclose(params_fused, start)
    assert_allclose(params_fused, params_reference, rtol=RTOL[dtype], atol=1e-7)
    for mine, theirs in zip(optimizer._state(), reference._state(), strict=True):
        assert_allclose(mine, theirs, rtol=RTOL[dtype], atol=1e-9)
    assert getattr(optimizer, "t", None) == getattr(reference, "t", None)


@pytest.mark.parametrize("dtype", DTYPES)
@FUSED_OPTIMIZERS
@pytest.mark.parametrize("decay", [0.05, 0.0])
def test_fused_steps_clip_the_gradient_with_its_l2_term_as_the_reference(fused, dtype, make, decay):
    """max_grad_norm: the fused step clips g + decay W (the reference's gradient), then
    steps as the reference step does on the clipped vector."""
    from skdeepnn._network import Step

    rng = np.random.default_rng(4)
    start = rng.standard_normal(1000).astype(dtype)
    gradients = [(rng.standard_normal(1000) * scale).astype(dtype) for scale in (1, 0.01, 5)]
    n_weights, max_norm = 600, 2.0
    params_reference, params_fused = start.copy(), start.copy()
    reference = Step(SimpleNamespace(params=params_reference), make([params_reference]), max_norm)
    network = SimpleNamespace(
        params=params_fused, alpha=4 * decay, parameters=SimpleNamespace(n_weights=n_weights)
    )
    step = fused.step(network, make([params_fused]), max_norm)
    assert isinstance(step, FusedStep)
    clipped = 0
    for gradient in gradients:
        with_l2 = gradient.copy()
        if decay:
            with_l2[:n_weights] += dtype(decay) * params_reference[:n_weights]
        clipped += np.linalg.norm(with_l2.astype(np.float64)) > max_norm
        reference.network.param_grads = with_l2
        reference.update(4.0)
        network.param_grads = gradient.copy()
        step.update(4.0)
    assert 0 < clipped < len(gradients)  # both a clipped and an unclipped step
    assert_allclose(params_fused, params_reference, rtol=RTOL[dtype], atol=1e-6)


def test_gradient_descent_keeps_its_own_step(fused):
    from skdeepnn._network import Step
    from skdeepnn._optimizers import GradientDescent

    step = fused.step(SimpleNamespace(), GradientDescent([np.zeros(3)], 0.1))
    assert type(step) is Step


@pytest.fixture
def calls(fused, monkeypatch):
    """Counts the calls to each numba kernel, which still run: a fit with
    kernels="numba" must use them, not fall back to the reference unseen."""
    from skdeepnn import _numba_kernels

    counts = {}
    for name in ("adam_step", "rmsprop_step", "momentum_step", "bias_relu",
                 "relu_backward", "softmax_log_loss", "sigmoid_log_loss"):  # fmt: skip
        kernel = getattr(_numba_kernels, name)

        def counted(*args, kernel=kernel, name=name):
            counts[name] = counts.get(name, 0) + 1
            return kernel(*args)

        monkeypatch.setattr(_numba_kernels, name, counted)
    return counts


def _fit_both(make, X, y, **fit_params):
    with skdeepnn.config_context(kernels="numpy"):
        reference = fit_quietly(make(), X, y, **fit_params)
    with skdeepnn.config_context(kernels="numba"):
        fused = fit_quietly(make(), X, y, **fit_params)
    return reference, fused


def _assert_same_fit(fused, reference, rtol):
    assert fused.n_iter_ == reference.n_iter_
    assert_allclose(fused.loss_curve_, reference.loss_curve_, rtol=rtol)
    weights = "coef_" if hasattr(reference, "coef_") else "coefs_"
    for mine, theirs in zip(getattr(fused, weights), getattr(reference, weights), strict=True):
        assert mine.dtype == theirs.dtype
        assert_allclose(mine, theirs, rtol=rtol, atol=rtol)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("solver", ["adam", "rmsprop", "momentum", "nesterov", "sgd", "lbfgs"])
def test_a_fit_with_fused_kernels_follows_the_reference(calls, dtype, solver):
    X, y = make_classification(n_samples=120, n_features=8, n_informative=5, n_classes=3,
                               random_state=0)  # fmt: skip
    X = X.astype(dtype)

    def make():
        return DeepNNClassifier(
            hidden_layer_sizes=(16, 8), solver="momentum" if solver == "nesterov" else solver,
            nesterov=solver == "nesterov", max_iter=8, batch_size=32, learning_rate=0.01,
            alpha=0.5, random_state=0, n_iter_no_change=np.inf,
        )  # fmt: skip

    reference, fused_model = _fit_both(make, X, y)
    _assert_same_fit(fused_model, reference, rtol=1e-4 if dtype == np.float32 else 1e-9)
    assert calls["bias_relu"] and calls["relu_backward"] and calls["softmax_log_loss"]
    step = {"adam": "adam_step", "rmsprop": "rmsprop_step", "momentum": "momentum_step",
            "nesterov": "momentum_step"}.get(solver)  # fmt: skip
    if step is not None:
        assert calls[step] == 8 * 4  # 8 epochs of 4 batches (120 rows, 32 a batch)
        assert calls[step] == sum(v for k, v in calls.items() if k.endswith("_step"))


@pytest.mark.parametrize(
    "make, data, fit_params",
    [
        (lambda: LogisticRegressionGD(max_iter=30, random_state=0), "binary", {}),
        (lambda: LogisticRegressionGD(max_iter=30, random_state=0), "multiclass", {}),
        (
            lambda: DeepNNClassifier(hidden_layer_sizes=(12,), max_iter=10, random_state=0),
            "multilabel",
            {},
        ),  # fmt: skip
        (
            lambda: DeepNNClassifier(
                hidden_layer_sizes=(12,), max_iter=10, dropout=0.2, random_state=0
            ),
            "multiclass",
            {},
        ),  # fmt: skip
        (
            lambda: DeepNNClassifier(
                hidden_layer_sizes=(12,), max_iter=10, activation="tanh", random_state=0
            ),
            "binary",
            {},
        ),  # fmt: skip
        (
            lambda: DeepNNClassifier(
                hidden_layer_sizes=(12, 6),
                max_iter=10,
                batch_norm=True,
                batch_size=16,
                random_state=0,
            ),
            "multiclass",
            {},
        ),  # fmt: skip
        (
            lambda: DeepNNClassifier(
                hidden_layer_sizes=(12,),
                max_iter=10,
                alpha=0.0,
                class_weight="balanced",
                random_state=0,
            ),
            "multiclass",
            {},
        ),  # fmt: skip
        (
            lambda: DeepNNClassifier(
                hidden_layer_sizes=(12,), max_iter=10, batch_size=16, random_state=0
            ),
            "multiclass",
            "weights",
        ),  # fmt: skip
    ],
    ids=[
        "logistic-binary",
        "logistic-multiclass",
        "multilabel",
        "dropout",
        "tanh",
        "batch-norm",
        "class-weight-no-l2",
        "sample-weight-with-zeros",
    ],  # fmt: skip
)
def test_every_head_and_layer_follows_the_reference(calls, make, data, fit_params):
    if data == "multilabel":
        X, y = make_multilabel_classification(n_samples=80, n_classes=4, random_state=0)
    else:
        n_classes = 2 if data == "binary" else 3
        X, y = make_classification(n_samples=90, n_classes=n_classes, n_informative=4,
                                   weights=[0.6] + [0.4 / (n_classes - 1)] * (n_classes - 1),
                                   random_state=0)  # fmt: skip
    if fit_params == "weights":  # zero-weight rows, which batches must leave out of m
        fit_params = {"sample_weight": np.random.default_rng(0).choice([0.0, 0.5, 2.0], len(y))}
    reference, fused_model = _fit_both(make, X, y, **fit_params)
    _assert_same_fit(fused_model, reference, rtol=1e-9)
    assert_array_equal(fused_model.predict(X), reference.predict(X))
    if make().solver == "adam":  # LogisticRegressionGD's "gd" has no fused step
        assert calls["adam_step"] > 0
    loss = "sigmoid_log_loss" if data in ("binary", "multilabel") else "softmax_log_loss"
    assert calls[loss] > 0


def test_partial_fit_carries_the_fused_optimizer_on(fused):
    """Adam's step count and averages go on from one partial_fit call to the next,
    with either kernel, along the same path."""
    X, y = make_classification(n_samples=100, n_features=6, random_state=0)
    models = {}
    for kernels in ("numpy", "numba"):
        with skdeepnn.config_context(kernels=kernels):
            model = DeepNNClassifier(hidden_layer_sizes=(10,), batch_size=20, random_state=0)
            for start in range(0, 100, 25):
                model.partial_fit(X[start : start + 25], y[start : start + 25], classes=[0, 1])
        models[kernels] = model
    assert models["numba"]._optimizer.t == models["numpy"]._optimizer.t == 8
    _assert_same_fit(models["numba"], models["numpy"], rtol=1e-9)


def test_settings_are_checked_and_restored(monkeypatch):
    monkeypatch.delenv("SKDEEPNN_KERNELS", raising=False)
    assert skdeepnn.get_config() == {"kernels": "auto"}  # by the fit's size, the default
    with skdeepnn.config_context(kernels="numpy"):
        assert skdeepnn.get_config() == {"kernels": "numpy"}
        assert isinstance(_kernels.backend_for_fit(np.inf), NumpyBackend)
    with skdeepnn.config_context(kernels="numba"):
        assert skdeepnn.get_config() == {"kernels": "numba"}
    assert skdeepnn.get_config() == {"kernels": "auto"}
    with pytest.raises(ValueError, match="kernels must be one of 'auto', 'numpy', 'numba'; got"):
        skdeepnn.set_config(kernels="fast")
    with pytest.raises(ValueError, match="kernels must be one of"):
        with skdeepnn.config_context(kernels="fast"):
            pass
    assert skdeepnn.get_config() == {"kernels": "auto"}


def test_auto_picks_numba_for_large_fits_only(monkeypatch):
    pytest.importorskip("numba")
    monkeypatch.delenv("SKDEEPNN_KERNELS", raising=False)
    small = _kernels.backend_for_fit(_kernels.AUTO_NUMBA_WORK / 2)
    large = _kernels.backend_for_fit(_kernels.AUTO_NUMBA_WORK)
    assert type(small) is NumpyBackend
    assert isinstance(large, _kernels.FusedBackend)


def test_auto_without_numba_trains_with_numpy(monkeypatch):
    monkeypatch.delenv("SKDEEPNN_KERNELS", raising=False)
    monkeypatch.setattr(_kernels.importlib.util, "find_spec", lambda name: None)
    assert type(_kernels.backend_for_fit(np.inf)) is NumpyBackend
    # numba installed but failing to import: the reference too, where "numba" raises
    monkeypatch.undo()
    monkeypatch.delenv("SKDEEPNN_KERNELS", raising=False)
    monkeypatch.setattr(_kernels, "_loaded", {})
    monkeypatch.setitem(sys.modules, "skdeepnn._numba_kernels", None)  # its import fails
    monkeypatch.delattr(skdeepnn, "_numba_kernels", raising=False)
    if _kernels.importlib.util.find_spec("numba") is not None:
        assert type(_kernels.backend_for_fit(np.inf)) is NumpyBackend


def test_fit_work_counts_the_fused_passes():
    """Per epoch: each batch's step over every parameter, each row over every unit."""
    X = np.zeros((450, 6))
    data = SimpleNamespace(X=X, Y=np.zeros((450, 1)))
    layout = SimpleNamespace(sizes=lambda n_x, n_out: [n_x, 8, 5, n_out])
    model = SimpleNamespace(layout=layout, head=SimpleNamespace(n_outputs=3))
    settings = SimpleNamespace(max_iter=7, incremental=False)
    n_parameters = 7 * 8 + 9 * 5 + 6 * 3  # weights and biases
    n_batches = 3  # 450 rows in batches of 200
    per_epoch = n_batches * n_parameters + 450 * (8 + 5 + 3)
    assert _kernels.fit_work(data, model, 200, settings) == 7 * per_epoch
    settings.incremental = True  # partial_fit: one epoch
    assert _kernels.fit_work(data, model, 200, settings) == per_epoch


def test_a_large_fit_at_the_default_uses_the_fused_kernels(calls, monkeypatch):
    """With "auto", a fit whose work reaches the threshold trains with numba's kernels
    and ends where the reference does; one below it never calls them."""
    monkeypatch.delenv("SKDEEPNN_KERNELS", raising=False)
    X, y = make_classification(n_samples=120, n_features=8, n_classes=3, n_informative=5,
                               random_state=0)  # fmt: skip
    params = dict(hidden_layer_sizes=(16,), max_iter=5, batch_size=32, random_state=0,
                  n_iter_no_change=np.inf)  # fmt: skip
    monkeypatch.setattr(_kernels, "AUTO_NUMBA_WORK", np.inf)
    small = fit_quietly(DeepNNClassifier(**params), X, y)
    assert calls == {}
    monkeypatch.setattr(_kernels, "AUTO_NUMBA_WORK", 1.0)
    large = fit_quietly(DeepNNClassifier(**params), X, y)
    assert calls["adam_step"] == 5 * 4 and calls["relu_backward"] > 0
    _assert_same_fit(large, small, rtol=1e-9)


def test_a_small_fit_at_the_default_never_imports_numba():
    # A new process: a default fit of digits' size trains with NumPy, and never pays
    # numba's import (about 0.4 s) and kernels' loading.
    code = (
        "import sys, warnings; warnings.simplefilter('ignore');"
        "from sklearn.datasets import load_digits; from skdeepnn import DeepNNClassifier;"
        "DeepNNClassifier(random_state=0).fit(*load_digits(return_X_y=True));"
        "print('numba' in sys.modules)"
    )
    env = {key: value for key, value in os.environ.items() if key != "SKDEEPNN_KERNELS"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert result.stdout.strip() == "False", result.stderr


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
        with pytest.raises(ImportError, match=r"its \[fast\] extra, pip install '\.\[fast\]'"):
            model.fit(X, y)
    assert not hasattr(model, "coefs_")


def test_importing_skdeepnn_does_not_import_numba():
    # numba takes about 0.4 s to import: only a fit that uses its kernels pays it.
    code = "import sys, skdeepnn; print('numba' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr


@pytest.mark.parametrize("solver", ["adam", "momentum", "sgd"])
def test_a_clipped_fit_with_fused_kernels_follows_the_reference(calls, solver):
    X, y = make_classification(n_samples=120, n_features=8, n_informative=5, n_classes=3,
                               random_state=0)  # fmt: skip

    def make():
        return DeepNNClassifier(
            hidden_layer_sizes=(16,), solver=solver, max_iter=6, batch_size=32,
            learning_rate=0.05, alpha=0.5, max_grad_norm=0.3, random_state=0,
            n_iter_no_change=np.inf,
        )  # fmt: skip

    reference, fused_model = _fit_both(make, X, y)
    _assert_same_fit(fused_model, reference, rtol=1e-9)
    assert calls["relu_backward"] > 0
