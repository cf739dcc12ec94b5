"""Prediction through ONNX: skdeepnn's graph, MLPClassifier's graph, and both ``predict``s.

The section ``onnx`` of ``python benchmarks/run_all.py``; run it alone with
``python benchmarks/bench_onnx.py`` (``--quick`` for a short run, ``--onnx-output PATH``
to write the Markdown report to a file too). It needs the ``[onnx]`` extra (skl2onnx,
onnxruntime and onnx); without it, the section says so and is skipped.

The same (256, 128) ReLU network with 10 classes, on 784 synthetic float32 features
(``_common.make_data``), is fitted for a few epochs in skdeepnn (``DeepNNClassifier``)
and in scikit-learn (``MLPClassifier``); the weights reached do not matter, only the
shapes. Each is exported to ONNX as float32 (skdeepnn's converter from ``skdeepnn.onnx``,
skl2onnx's own for ``MLPClassifier``; both with ``zipmap=False``) and checked against its
``predict`` first. Then one row and a batch are predicted four ways: the two ``predict``
calls and the two graphs in onnxruntime. Each round runs every one of the four once, in
turn (``_common.interleaved_times``), so that a change in the machine's load falls on all
of them; each time is the median of the rounds (``--repeats`` rounds for the batch, 20
times as many for one row), and each ratio the median of the rounds' ratios.
"""

import gc
import os
import sys
from functools import partial

import numpy as np
import sklearn
from _common import (
    N_CLASSES,
    cpu_name,
    fit_quietly,
    interleaved_times,
    main,
    make_data,
    median_ratio,
    medians,
    n_repeats,
)
from sklearn.neural_network import MLPClassifier

import skdeepnn
from skdeepnn import DeepNNClassifier

try:  # the [onnx] extra
    import onnx
    import onnxruntime as ort
    import skl2onnx

    from skdeepnn.onnx import to_onnx
except ImportError as error:
    MISSING = error.name or "the [onnx] extra"
else:
    MISSING = None

SECTIONS = ("onnx",)

HIDDEN = (256, 128)
N_FEATURES = 784
#: One-row rounds per batch round: one row takes microseconds, a batch milliseconds.
ROW_ROUNDS = 20


def add_arguments(parser):
    parser.add_argument(
        "--onnx-output",
        default=None,
        help="onnx: also write its Markdown report to this file",
    )


def fitted_models(X, y, epochs):
    """skdeepnn's and scikit-learn's networks after ``epochs`` Adam epochs."""
    settings = {"hidden_layer_sizes": HIDDEN, "max_iter": epochs, "random_state": 0}
    return {
        "skdeepnn": fit_quietly(DeepNNClassifier(**settings), X, y),
        "MLPClassifier": fit_quietly(MLPClassifier(**settings), X, y),
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


def time_calls(calls, rows, rounds):
    """Seconds of each of ``calls`` on ``rows``, every call once a round, ``rounds`` rounds.

    ``interleaved_times`` collects garbage before each call, outside the timing; with the
    objects already made frozen (``gc.freeze``), that takes microseconds, not the tens of
    milliseconds a full collection of skl2onnx's and onnxruntime's objects would, a
    thousand times the call it precedes.
    """
    gc.collect()
    gc.freeze()
    try:
        return interleaved_times(
            {name: partial(call, rows) for name, call in calls.items()}, rounds
        )
    finally:
        gc.unfreeze()


def format_seconds(seconds):
    """Microseconds below a millisecond, else milliseconds."""
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} us"
    return f"{seconds * 1e3:.1f} ms"


def table(results):
    """A Markdown table: one row per case (``results``: case: seconds of each round, by
    way to predict), one column per way to predict, then two ratios."""
    names = list(next(iter(results.values())))
    lines = [
        "| rows | " + " | ".join(names) + " | skdeepnn ONNX / predict | skdeepnn / MLP ONNX |",
        "|---" * (len(names) + 3) + "|",
    ]
    for case, times in results.items():
        seconds = medians(times)
        ratios = [
            median_ratio(times["skdeepnn ONNX"], times["skdeepnn predict"]),
            median_ratio(times["skdeepnn ONNX"], times["MLPClassifier ONNX"]),
        ]
        cells = [format_seconds(seconds[name]) for name in names]
        cells += [f"{ratio:.2f}x" for ratio in ratios]
        lines.append(f"| {case} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def versions():
    """The machine and the versions that the figures depend on, in a sentence."""
    return (
        f"{cpu_name()}, {os.cpu_count()} cores; "
        f"skdeepnn {skdeepnn.__version__}, NumPy {np.__version__}, scikit-learn "
        f"{sklearn.__version__}, skl2onnx {skl2onnx.__version__}, onnxruntime "
        f"{ort.__version__}, onnx {onnx.__version__}"
    )


def run(args, sections):
    """Fit, export and check the two networks, time the four ways, print the table."""
    if MISSING:
        print(
            "\n## Prediction through ONNX\n\n"
            f'Skipped: {MISSING} is not installed (the [onnx] extra: pip install ".[onnx]").'
        )
        return
    rounds = n_repeats(args, 15)
    batch_rows = 2_000 if args.quick else 10_000
    X_train, y_train = make_data(5_000, N_FEATURES)
    X_test, _ = make_data(batch_rows, N_FEATURES, seed=1)
    calls = predictors(fitted_models(X_train, y_train, epochs=2), X_test)
    results = {
        "1": time_calls(calls, X_test[:1], rounds * ROW_ROUNDS),
        f"{batch_rows:,}": time_calls(calls, X_test, rounds),
    }
    report = (
        f"## Prediction through ONNX, {HIDDEN} ReLU network, {N_FEATURES} float32 "
        f"features, {N_CLASSES} classes\n\nMedians of {rounds * ROW_ROUNDS} rounds (1 row) "
        f"and {rounds} rounds (the batch), the four taking turns. {versions()}.\n\n"
        f"{table(results)}\n"
    )
    print("\n" + report)
    if args.onnx_output:
        with open(args.onnx_output, "w", encoding="utf-8") as file:
            file.write(report)


if __name__ == "__main__":
    main([sys.modules[__name__]])
