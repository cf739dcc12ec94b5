"""Fit time at default settings on small data sets: skdeepnn against scikit-learn.

The section ``small`` of ``python benchmarks/bench_mlp.py``; run it alone with
``python benchmarks/bench_mlp.py --sections small`` (or ``python benchmarks/bench_small.py``).

On scikit-learn's digits (1,797 x 64, 10 classes) and breast-cancer (569 x 30, 2 classes)
data sets, split 75/25 with ``random_state=0`` and standardized beforehand, it times
``DeepNNClassifier(random_state=0)`` against ``MLPClassifier(random_state=0)`` (both at
their defaults: Adam, 100 hidden units, ``max_iter=200``, stopping when the loss stalls)
and, for reference, ``LogisticRegressionGD`` against ``LogisticRegression``. Each time is
the median of whole ``fit`` calls, validation and set-up included, since that is what a
user waits for; the libraries take turns (A, B, A, B, ...) after one untimed warm-up fit
each, so that the machine's noise falls on both alike. Since the two may stop after
different numbers of iterations, ``n_iter_`` and the time per iteration are shown too,
with each model's test accuracy.
"""

import statistics
import sys

import numpy as np
from bench_mlp import fit_quietly, interleaved_times
from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

from skdeepnn import DeepNNClassifier, LogisticRegressionGD

DATASETS = {"digits": load_digits, "breast_cancer": load_breast_cancer}

# (skdeepnn's label, its estimator, scikit-learn's label, its estimator), at defaults.
PAIRS = (
    (
        "DeepNNClassifier()",
        lambda: DeepNNClassifier(random_state=0),
        "MLPClassifier()",
        lambda: MLPClassifier(random_state=0),
    ),
    (
        "LogisticRegressionGD()",
        lambda: LogisticRegressionGD(random_state=0),
        "LogisticRegression()",
        lambda: LogisticRegression(random_state=0),
    ),
)


def load(name):
    """The 75/25 split of a data set, standardized on its training part."""
    X, y = DATASETS[name](return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0)
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), y_train, y_test


def time_pair(pair, X_train, y_train, repeats):
    """Median seconds of whole fits of the two estimators of ``pair``, taking turns after
    one untimed warm-up fit each, and the last model each fitted (fits are deterministic)."""
    ours_label, make_ours, theirs_label, make_theirs = pair
    models = {}

    def fit(label, make):
        models[label] = fit_quietly(make(), X_train, y_train)

    times = interleaved_times(
        {
            ours_label: lambda: fit(ours_label, make_ours),
            theirs_label: lambda: fit(theirs_label, make_theirs),
        },
        repeats,
        warm_up=True,
    )
    return {label: statistics.median(seconds) for label, seconds in times.items()}, models


def measure(repeats):
    """One dict per (data set, pair of estimators) with medians, accuracies and n_iter_."""
    results = []
    for data_name in DATASETS:
        X_train, X_test, y_train, y_test = load(data_name)
        for pair in PAIRS:
            seconds, models = time_pair(pair, X_train, y_train, repeats)
            labels = (pair[0], pair[2])
            results.append(
                {
                    "data": data_name,
                    "shape": X_train.shape,
                    "n_classes": len(np.unique(y_train)),
                    "labels": labels,
                    "seconds": tuple(seconds[label] for label in labels),
                    "accuracy": tuple(models[label].score(X_test, y_test) for label in labels),
                    # LogisticRegression's n_iter_ is an array (one entry per fit it ran).
                    "n_iter": tuple(int(np.max(models[label].n_iter_)) for label in labels),
                }
            )
    return results


def report(repeats=5):
    print(
        f"\n## Small data, default settings: whole fit, median of {repeats} "
        f"(test accuracy on a 25% split)\n"
    )
    print(
        "| data (train rows x features, classes) | skdeepnn / scikit-learn estimators "
        "| fit skdeepnn | fit scikit-learn | ratio | test accuracy | n_iter_ "
        "| per iteration |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for row in measure(repeats):
        (ours, theirs), (acc_ours, acc_theirs) = row["seconds"], row["accuracy"]
        iter_ours, iter_theirs = row["n_iter"]
        print(
            f"| {row['data']} ({row['shape'][0]} x {row['shape'][1]}, {row['n_classes']}) "
            f"| {row['labels'][0]} / {row['labels'][1]} "
            f"| {ours * 1e3:.0f} ms | {theirs * 1e3:.0f} ms | {ours / theirs:.2f}x "
            f"| {acc_ours:.4f} / {acc_theirs:.4f} | {iter_ours} / {iter_theirs} "
            f"| {ours / iter_ours * 1e3:.2f} / {theirs / iter_theirs * 1e3:.2f} ms |"
        )


if __name__ == "__main__":
    from bench_mlp import main

    main(["--sections", "small", *sys.argv[1:]])
