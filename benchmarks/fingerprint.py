"""The fingerprint of the training core: what a few dozen short seeded fits produce.

A refactoring of the core must leave every number a fit produces equal to rounding.
This script fits each configuration below and stores its loss curves, validation
curves, iteration count and predictions; ``compare`` fits them again with the code
as it is now and reports the largest relative difference of each.

Usage::

    python benchmarks/fingerprint.py record before.npz
    python benchmarks/fingerprint.py compare before.npz [--rtol 1e-9]

float64 fits are compared at ``--rtol`` (1e-9 by default); float32 fits at 1e-4,
where a reordered sum changes the last digits.
"""

import argparse
import sys
import warnings

import numpy as np
from scipy import sparse
from sklearn.datasets import load_breast_cancer, load_digits, make_multilabel_classification
from sklearn.preprocessing import StandardScaler

import skdeepnn
from skdeepnn import DeepNNClassifier, DeepNNRegressor, LogisticRegressionGD


def _data():
    X, y = load_digits(return_X_y=True)
    X = StandardScaler().fit_transform(X[:400])
    y = y[:400]
    Xb, yb = load_breast_cancer(return_X_y=True)
    Xb = StandardScaler().fit_transform(Xb[:300])
    yb = yb[:300]
    Xm, Ym = make_multilabel_classification(300, 20, n_classes=4, random_state=0)
    Xm = StandardScaler().fit_transform(Xm)
    rng = np.random.default_rng(0)
    Xr = rng.normal(size=(300, 8))
    yr = Xr @ rng.normal(size=8) + 0.1 * rng.normal(size=300)
    Yr = np.column_stack([yr, np.sin(Xr[:, 0])])
    counts = rng.poisson(np.exp(0.3 * Xr[:, 0]))
    return {
        "digits": (X, y),
        "binary": (Xb, yb),
        "multilabel": (Xm, Ym),
        "regression": (Xr, yr),
        "multioutput": (Xr, Yr),
        "counts": (Xr, counts),
    }


SHORT = {"max_iter": 12, "random_state": 0, "hidden_layer_sizes": (16, 8)}


def _classifier_cases():
    cases = {}
    for solver in ("gd", "sgd", "momentum", "rmsprop", "adam", "lbfgs"):
        lr = {"gd": 0.5, "sgd": 0.05, "momentum": 0.05, "rmsprop": 0.002}.get(solver, 0.005)
        model = DeepNNClassifier(solver=solver, learning_rate=lr, **SHORT)
        cases[f"clf-{solver}"] = ("digits", model)
    cases["clf-nesterov"] = (
        "digits",
        DeepNNClassifier(solver="momentum", nesterov=True, learning_rate=0.05, **SHORT),
    )
    for activation in ("tanh", "sigmoid", "leaky_relu", "identity"):
        cases[f"clf-{activation}"] = (
            "digits",
            DeepNNClassifier(activation=activation, learning_rate=0.005, **SHORT),
        )
    cases["clf-dropout"] = ("digits", DeepNNClassifier(dropout=0.2, learning_rate=0.005, **SHORT))
    cases["clf-dropout-tanh"] = (
        "digits",
        DeepNNClassifier(dropout=[0.3, 0.1], activation="tanh", learning_rate=0.005, **SHORT),
    )
    cases["clf-batchnorm"] = (
        "digits",
        DeepNNClassifier(batch_norm=True, learning_rate=0.005, **SHORT),
    )
    cases["clf-batchnorm-gd"] = (
        "digits",
        DeepNNClassifier(batch_norm=True, solver="gd", learning_rate=0.5, **SHORT),
    )
    cases["clf-batchnorm-lbfgs"] = (
        "digits",
        DeepNNClassifier(batch_norm=True, solver="lbfgs", **SHORT),
    )
    cases["clf-batchnorm-dropout"] = (
        "digits",
        DeepNNClassifier(
            batch_norm=True, dropout=0.1, activation="tanh", learning_rate=0.005, **SHORT
        ),
    )
    cases["clf-early-stopping"] = (
        "digits",
        DeepNNClassifier(early_stopping=True, n_iter_no_change=3, learning_rate=0.01, **SHORT),
    )
    cases["clf-early-stopping-scoring"] = (
        "digits",
        DeepNNClassifier(early_stopping=True, scoring="accuracy", learning_rate=0.01, **SHORT),
    )
    cases["clf-balanced"] = (
        "binary",
        DeepNNClassifier(class_weight="balanced", learning_rate=0.01, **SHORT),
    )
    cases["clf-binary"] = ("binary", DeepNNClassifier(learning_rate=0.01, **SHORT))
    cases["clf-multilabel"] = ("multilabel", DeepNNClassifier(learning_rate=0.01, **SHORT))
    cases["clf-alpha"] = ("digits", DeepNNClassifier(alpha=0.1, learning_rate=0.005, **SHORT))
    for schedule in ("invscaling", "exponential", "step", "adaptive"):
        cases[f"clf-{schedule}"] = (
            "digits",
            DeepNNClassifier(solver="sgd", lr_schedule=schedule, learning_rate=0.05, **SHORT),
        )
    cases["clf-no-hidden"] = (
        "digits",
        DeepNNClassifier(**{**SHORT, "hidden_layer_sizes": ()}, learning_rate=0.01),
    )
    return cases


def _regressor_cases():
    cases = {}
    for loss in ("squared_error", "huber", "poisson"):
        data = "counts" if loss == "poisson" else "regression"
        cases[f"reg-{loss}"] = (data, DeepNNRegressor(loss=loss, learning_rate=0.005, **SHORT))
    cases["reg-multioutput"] = ("multioutput", DeepNNRegressor(learning_rate=0.005, **SHORT))
    cases["reg-lbfgs"] = ("regression", DeepNNRegressor(solver="lbfgs", **SHORT))
    cases["reg-gd"] = ("regression", DeepNNRegressor(solver="gd", learning_rate=0.05, **SHORT))
    cases["reg-batchnorm"] = (
        "regression",
        DeepNNRegressor(batch_norm=True, learning_rate=0.005, **SHORT),
    )
    cases["reg-early-stopping"] = (
        "regression",
        DeepNNRegressor(early_stopping=True, learning_rate=0.01, **SHORT),
    )
    return cases


def _logistic_cases():
    short = {"max_iter": 30, "random_state": 0}
    if "intercept_init" in LogisticRegressionGD().get_params():
        # The prior start the fingerprint was first recorded with (the course's zero
        # start is the default since): like against like.
        short["intercept_init"] = "prior"
    return {
        "log-gd": ("binary", LogisticRegressionGD(**short)),
        "log-multinomial": ("digits", LogisticRegressionGD(**short)),
        "log-sgd": ("digits", LogisticRegressionGD(solver="sgd", learning_rate=0.01, **short)),
        "log-adam": ("binary", LogisticRegressionGD(solver="adam", learning_rate=0.01, **short)),
        "log-lbfgs": ("digits", LogisticRegressionGD(solver="lbfgs", **short)),
        "log-balanced": ("binary", LogisticRegressionGD(class_weight="balanced", **short)),
        "log-multilabel": ("multilabel", LogisticRegressionGD(**short)),
        "log-no-intercept": ("binary", LogisticRegressionGD(fit_intercept=False, **short)),
    }


def _outputs(model, X):
    if hasattr(model, "predict_proba"):
        return model.predict_proba(X)
    return model.predict(X)


def _record(model):
    out = {"loss_curve": np.asarray(model.loss_curve_), "n_iter": np.asarray(model.n_iter_)}
    if getattr(model, "validation_loss_curve_", None) is not None:
        out["validation_loss"] = np.asarray(model.validation_loss_curve_)
        out["validation_scores"] = np.asarray(model.validation_scores_)
    return out


def run_case(name, data_name, model, data):
    """Fit one case (and its variants: float32, sparse, weights, partial_fit, warm start)."""
    X, y = data[data_name]
    results = {}
    model.fit(X, y)
    results[name] = {**_record(model), "output": _outputs(model, X)}
    if name in ("clf-adam", "reg-squared_error", "log-sgd", "clf-batchnorm"):
        f32 = model.fit(X.astype(np.float32), y)
        results[name + "/float32"] = {**_record(f32), "output": _outputs(f32, X.astype(np.float32))}
    if name in ("clf-adam", "log-gd", "reg-huber"):
        w = np.random.default_rng(1).uniform(0.1, 2.0, size=X.shape[0])
        weighted = model.fit(X, y, sample_weight=w)
        results[name + "/weights"] = {**_record(weighted), "output": _outputs(weighted, X)}
    if name in ("clf-sgd", "log-sgd"):
        Xs = sparse.csr_matrix(np.where(np.abs(X) > 1, X, 0.0))
        fitted = model.fit(Xs, y)
        results[name + "/sparse"] = {**_record(fitted), "output": _outputs(fitted, Xs)}
    if name in ("clf-adam", "reg-squared_error", "clf-batchnorm", "clf-multilabel"):
        est = skdeepnn_clone(model)
        kwargs = {"classes": np.unique(y)} if name.startswith("clf") and np.ndim(y) == 1 else {}
        for start in range(0, X.shape[0], 100):
            est.partial_fit(X[start : start + 100], y[start : start + 100], **kwargs)
        results[name + "/partial_fit"] = {**_record(est), "output": _outputs(est, X)}
        warm = skdeepnn_clone(model).set_params(warm_start=True, max_iter=5)
        warm.fit(X, y)
        warm.fit(X, y)
        results[name + "/warm_start"] = {**_record(warm), "output": _outputs(warm, X)}
    if name == "clf-adam":
        half = X.shape[0] // 2
        val = skdeepnn_clone(model).fit(X[:half], y[:half], X_val=X[half:], y_val=y[half:])
        results[name + "/X_val"] = {**_record(val), "output": _outputs(val, X)}
    return results


def skdeepnn_clone(model):
    from sklearn.base import clone

    return clone(model)


def fingerprint(kernels=("numpy", "numba")):
    data = _data()
    cases = {**_classifier_cases(), **_regressor_cases(), **_logistic_cases()}
    results = {}
    for kernel in kernels:
        if kernel == "numba":
            try:
                import numba  # noqa: F401
            except ImportError:
                continue
        with skdeepnn.config_context(kernels=kernel), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for name, (data_name, model) in cases.items():
                if kernel == "numba" and not _fused(name):
                    continue
                for key, values in run_case(name, data_name, model, data).items():
                    for field, value in values.items():
                        results[f"{kernel}|{key}|{field}"] = value
    return results


def _fused(name):
    """The cases that numba's kernels change: ReLU layers, cross-entropy, the optimizers."""
    return name.startswith(("clf-", "log-")) and not name.endswith(
        ("tanh", "sigmoid", "identity", "leaky_relu")
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=("record", "compare"))
    parser.add_argument("path")
    parser.add_argument("--rtol", type=float, default=1e-9)
    args = parser.parse_args(argv)
    results = fingerprint()
    if args.mode == "record":
        np.savez(args.path, **results)
        n_fits = len({key.rsplit("|", 1)[0] for key in results})
        print(f"recorded {len(results)} arrays from {n_fits} fits")
        return 0
    before = np.load(args.path)
    worst, failures = 0.0, []
    for key in before.files:
        if key not in results:
            failures.append(f"{key}: missing now")
            continue
        old, new = before[key], results[key]
        if old.shape != new.shape:
            failures.append(f"{key}: shape {old.shape} -> {new.shape}")
            continue
        scale = np.maximum(np.abs(old), 1e-12)
        diff = float(np.max(np.abs(new - old) / scale)) if old.size else 0.0
        rtol = 1e-4 if "float32" in key else args.rtol
        worst = max(worst, diff) if "float32" not in key else worst
        if not diff <= rtol:
            failures.append(f"{key}: relative difference {diff:.3g}")
    n_fits = len({k.rsplit("|", 1)[0] for k in before.files})
    print(
        f"compared {len(before.files)} arrays from {n_fits} fits; "
        f"largest float64 relative difference {worst:.3g}"
    )
    for failure in failures:
        print("  DIFFERS", failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
