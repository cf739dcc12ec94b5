"""Prediction through ONNX: skdeepnn's graph, MLPClassifier's graph, and both ``predict``s.

Run ``python benchmarks/bench_onnx.py`` (``--quick`` for a short run, ``--output
PATH`` to write the Markdown table to a file too); it needs the ``[onnx]`` extra.
Self-contained: it imports nothing from the other benchmark scripts.

The same (256, 128) ReLU network with 10 classes, on 784 synthetic float32 features,
is fitted for a few epochs in skdeepnn (``DeepNNClassifier``) and in scikit-learn
(``MLPClassifier``); the weights reached do not matter, only the shapes. Each is
exported to ONNX as float32 (skdeepnn's converter from ``skdeepnn.onnx``, skl2onnx's
own for ``MLPClassifier``; both with ``zipmap=False``) and checked against its
``predict`` first. Then one row and a batch are predicted four ways: the two
``predict`` calls and the two graphs in onnxruntime. Each round runs every one of
the four once, in turn, so that a change in the machine's load falls on all of them;
each figure is the median of the rounds.
"""

import argparse
import os
import platform
import statistics
import time
import warnings

import numpy as np
import onnx
import onnxruntime as ort
import skl2onnx
import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

import skdeepnn
from skdeepnn import DeepNNClassifier
from skdeepnn.onnx import to_onnx

HIDDEN = (256, 128)
N_FEATURES, N_CLASSES = 784, 10


def synthetic_data(n_rows, seed=0):
    """``X`` (float32, standard normal) and labels of ``N_CLASSES`` linear classes."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_rows, N_FEATURES), dtype=np.float32)
    weights = rng.standard_normal((N_FEATURES, N_CLASSES), dtype=np.float32)
    return X, (X @ weights).argmax(axis=1)


def fitted_models(X, y, epochs):
    """skdeepnn's and scikit-learn's networks after ``epochs`` Adam epochs."""
    settings = {"hidden_layer_sizes": HIDDEN, "max_iter": epochs, "random_state": 0}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return {
            "skdeepnn": DeepNNClassifier(**settings).fit(X, y),
            "MLPClassifier": MLPClassifier(**settings).fit(X, y),
        }


def onnx_session(model, X_sample):
    """An onnxruntime session of ``model``'s float32 graph, checked by onnx.checker."""
    options = {"zipmap": False}
    if isinstance(model, DeepNNClassifier):
        graph = to_onnx(model, X_sample, **options)
    else:
        graph = skl2onnx.to_onnx(model, X_sample, options=options)
    onnx.checker.check_model(graph, full_check=True)
    return ort.InferenceSession(graph.SerializeToString(), providers=["CPUExecutionProvider"])


def predictors(models, X_check):
    """The four ways to predict, each a function of the rows, after checking that each
    graph gives its model's labels."""
    calls = {}
    for name, model in models.items():
        session = onnx_session(model, X_check[:1])
        labels = session.run(None, {"X": X_check})[0]
        if not np.array_equal(labels, model.predict(X_check)):
            raise SystemExit(f"{name}'s ONNX graph predicts other labels than its predict")
        calls[f"{name} predict"] = model.predict
        calls[f"{name} ONNX"] = lambda rows, session=session: session.run(None, {"X": rows})
    return calls


def interleaved_medians(calls, rows, rounds):
    """Median seconds of each of ``calls`` on ``rows``, every call once a round."""
    times = {name: [] for name in calls}
    for _ in range(rounds):
        for name, call in calls.items():
            start = time.perf_counter()
            call(rows)
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(seconds) for name, seconds in times.items()}


def format_seconds(seconds):
    """Microseconds below a millisecond, else milliseconds."""
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} us"
    return f"{seconds * 1e3:.1f} ms"


def table(results):
    """A Markdown table: one row per case, one column per way to predict."""
    names = list(next(iter(results.values())))
    lines = [
        "| rows | " + " | ".join(names) + " | skdeepnn ONNX / predict | skdeepnn / MLP ONNX |",
        "|---" * (len(names) + 3) + "|",
    ]
    for case, seconds in results.items():
        ratios = [
            seconds["skdeepnn ONNX"] / seconds["skdeepnn predict"],
            seconds["skdeepnn ONNX"] / seconds["MLPClassifier ONNX"],
        ]
        cells = [format_seconds(seconds[name]) for name in names]
        cells += [f"{ratio:.2f}x" for ratio in ratios]
        lines.append(f"| {case} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def cpu_name():
    """The processor's model name (from /proc/cpuinfo on Linux), or its architecture."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as file:
            for line in file:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.machine()


def versions():
    """The machine and the versions that the figures depend on, in a sentence."""
    return (
        f"{cpu_name()}, {os.cpu_count()} cores; "
        f"skdeepnn {skdeepnn.__version__}, NumPy {np.__version__}, scikit-learn "
        f"{sklearn.__version__}, skl2onnx {skl2onnx.__version__}, onnxruntime "
        f"{ort.__version__}, onnx {onnx.__version__}"
    )


def main():
    """Fit, export and check the two networks, time the four ways, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds, a smaller batch")
    parser.add_argument("--output", help="also write the Markdown report to this file")
    args = parser.parse_args()
    batch_rows, rounds = (2_000, 5) if args.quick else (10_000, 15)
    X_train, y_train = synthetic_data(5_000)
    X_test, _ = synthetic_data(batch_rows, seed=1)
    calls = predictors(fitted_models(X_train, y_train, epochs=2), X_test)
    results = {
        "1": interleaved_medians(calls, X_test[:1], rounds * 20),
        f"{batch_rows:,}": interleaved_medians(calls, X_test, rounds),
    }
    report = (
        f"## Prediction through ONNX, {HIDDEN} ReLU network, {N_FEATURES} float32 "
        f"features, {N_CLASSES} classes\n\nMedians of {rounds * 20} rounds (1 row) and "
        f"{rounds} rounds (the batch), the four taking turns. {versions()}.\n\n"
        f"{table(results)}\n"
    )
    print(report)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as file:
            file.write(report)


if __name__ == "__main__":
    main()
