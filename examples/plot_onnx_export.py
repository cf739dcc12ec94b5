"""Deploying a Pipeline with ONNX
==============================

ONNX is a file format for models that runtimes in C++, C#, Java, JavaScript and
on phones can run, with neither Python nor skdeepnn installed, and without loading
a pickle. This example exports a fitted Pipeline (a scaler, then a
``DeepNNClassifier`` with batch normalization and dropout) to ONNX, runs the graph
with onnxruntime, checks that it predicts what the Pipeline predicts, and times one
row and a batch against ``predict``.

It needs the ``[onnx]`` extra: ``pip install "skdeepnn[onnx]"`` (skl2onnx, which
converts, and onnxruntime and onnx, which run and check the graph).
"""

# %%
# A Pipeline to export
# --------------------
# Importing ``skdeepnn.onnx`` registers skdeepnn's converters with skl2onnx, so that
# ``skl2onnx.to_onnx`` converts a Pipeline ending in a skdeepnn estimator as it
# converts one ending in a scikit-learn model. The graph computes in the precision of
# its input: a float32 sample gives a float graph, the usual choice for serving.
import statistics
import time

import matplotlib.pyplot as plt
import numpy as np
import onnx
import onnxruntime as ort
import skl2onnx
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import skdeepnn.onnx  # noqa: F401 (registers the converters)
from skdeepnn import DeepNNClassifier

X, y = load_digits(return_X_y=True)
X = X.astype(np.float32)
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)
model = make_pipeline(
    StandardScaler(),
    DeepNNClassifier(
        hidden_layer_sizes=(64, 32),
        batch_norm=True,
        dropout=0.1,
        learning_rate=0.01,
        early_stopping=True,
        random_state=0,
    ),
).fit(X_train, y_train)
print(f"test accuracy of the Pipeline: {model.score(X_test, y_test):.4f}")

# zipmap=False: the probabilities as one matrix, rather than a dict per row.
onnx_model = skl2onnx.to_onnx(model, X_train[:1], options={"zipmap": False})
onnx.checker.check_model(onnx_model, full_check=True)
serialized = onnx_model.SerializeToString()
operators = sorted({node.op_type for node in onnx_model.graph.node})
print(f"ONNX graph: {len(serialized) / 1024:.1f} KiB, operators {', '.join(operators)}")

# %%
# Batch normalization is folded into the ``Gemm`` of each hidden layer, as
# ``predict`` folds it, and dropout is absent: both only act in training.
#
# The same predictions
# --------------------
# The graph has one input, ``X``, and two outputs, as skl2onnx's classifiers have:
# the labels and the probabilities.
session = ort.InferenceSession(serialized, providers=["CPUExecutionProvider"])
print("inputs:", [(i.name, i.type, i.shape) for i in session.get_inputs()])
print("outputs:", [(o.name, o.type, o.shape) for o in session.get_outputs()])
labels, proba = session.run(None, {"X": X_test})
same_labels = np.array_equal(labels, model.predict(X_test))
largest = np.abs(proba - model.predict_proba(X_test)).max()
print(f"same labels as predict: {same_labels}; largest probability difference {largest:.1e}")
if not same_labels or largest > 1e-5:
    raise SystemExit("the ONNX graph predicts differently from the Pipeline")

# %%
# How fast
# --------
# Serving often predicts one row at a time, where the cost of a call, not the
# arithmetic, decides: ``predict`` validates its input and goes through the
# Pipeline's steps in Python, the graph runs in onnxruntime's C++. For a batch the
# matrix products dominate both. Each time is the median of several rounds, the two
# taking turns.
batch = np.tile(X_test, (23, 1))[:10_000]
one_row = X_test[:1]


def median_seconds(function, rounds):
    """The median wall-clock time of ``rounds`` calls of ``function``."""
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


cases = {"1 row": (one_row, 200), f"{len(batch):,} rows": (batch, 15)}
timings = {}
for case, (rows, rounds) in cases.items():
    timings[case] = {
        "predict": median_seconds(lambda rows=rows: model.predict(rows), rounds),
        "onnxruntime": median_seconds(lambda rows=rows: session.run(None, {"X": rows}), rounds),
    }
    seconds = timings[case]
    print(
        f"{case:>12}: predict {seconds['predict'] * 1e3:8.3f} ms, "
        f"onnxruntime {seconds['onnxruntime'] * 1e3:8.3f} ms "
        f"({seconds['predict'] / seconds['onnxruntime']:.1f}x)"
    )

# %%
# The times on this machine, in milliseconds (log scale).
fig, ax = plt.subplots(figsize=(7, 3.5))
width = 0.38
for k, name in enumerate(["predict", "onnxruntime"]):
    values = [timings[case][name] * 1e3 for case in cases]
    ax.bar(np.arange(len(cases)) + (k - 0.5) * width, values, width, label=name)
ax.set_xticks(np.arange(len(cases)), list(cases))
ax.set_yscale("log")
ax.set_ylabel("milliseconds per call")
ax.set_title("The Pipeline's predict against its ONNX graph")
ax.legend()
fig.tight_layout()
plt.show()
