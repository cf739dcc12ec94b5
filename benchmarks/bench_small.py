"""Fit time at default settings on small data sets: skdeepnn against scikit-learn.

The section ``small`` of ``python benchmarks/run_all.py``; run it alone with
``python benchmarks/bench_small.py``.

On scikit-learn's digits (1,797 x 64, 10 classes) and breast-cancer (569 x 30, 2 classes)
data sets, split 75/25 with ``random_state=0`` and standardized beforehand, it times
``DeepNNClassifier(random_state=0)`` against ``MLPClassifier(random_state=0)`` (both at
their defaults: Adam, 100 hidden units, ``max_iter=200``, stopping when the loss stalls)
and, for reference, ``LogisticRegressionGD`` against ``LogisticRegression``; skdeepnn with
its NumPy kernels and, when numba is installed, with its numba kernels. Each time is the
median of whole ``fit`` calls, validation and set-up included, since that is what a user
waits for; the libraries take turns (A, B, A, B, ...) after one untimed warm-up fit each,
so that the machine's noise falls on all alike, and each ratio is the median of the
rounds' ratios. Since the two may stop after
different numbers of iterations, ``n_iter_`` and the time per iteration are shown too,
with each model's test accuracy.
"""

import sys

import numpy as np
from _common import KERNELS, fit_quietly, interleaved_times, main, median_ratio, medians, n_repeats
from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

import skdeepnn
from skdeepnn import DeepNNClassifier, LogisticRegressionGD

SECTIONS = ("small",)

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
    """Median seconds of whole fits of skdeepnn's estimator of ``pair`` (with each of
    ``KERNELS``) and scikit-learn's, taking turns after one untimed warm-up fit each,
    and the last model each fitted (fits are deterministic).

    The warm-up fit with numba's kernels loads them (import, compiled code from the
    disk cache): the times are those of a process that has fitted once, as a grid
    search's worker has. ``bench_startup.py`` times the first fit.
    """
    ours_label, make_ours, theirs_label, make_theirs = pair
    models = {}

    def fit(label, make, kernels=None):
        with skdeepnn.config_context(kernels=kernels):
            models[label] = fit_quietly(make(), X_train, y_train)

    fits = {
        f"{ours_label} {kernels}": lambda kernels=kernels: fit(
            f"{ours_label} {kernels}", make_ours, kernels
        )
        for kernels in KERNELS
    }
    fits[theirs_label] = lambda: fit(theirs_label, make_theirs)
    times = interleaved_times(fits, repeats, warm_up=True)
    # The ratio of each round's times, then their median (see ``median_ratio``).
    ratios = {label: median_ratio(seconds, times[theirs_label]) for label, seconds in times.items()}
    return medians(times), ratios, models


def measure(repeats):
    """One dict per (data set, pair of estimators) with medians, accuracies and n_iter_,
    skdeepnn's kernels first and scikit-learn's estimator last."""
    results = []
    for data_name in DATASETS:
        X_train, X_test, y_train, y_test = load(data_name)
        for pair in PAIRS:
            seconds, ratios, models = time_pair(pair, X_train, y_train, repeats)
            labels = [f"{pair[0]} {kernels}" for kernels in KERNELS] + [pair[2]]
            results.append(
                {
                    "data": data_name,
                    "shape": X_train.shape,
                    "n_classes": len(np.unique(y_train)),
                    "labels": (pair[0], pair[2]),
                    "seconds": [seconds[label] for label in labels],
                    "ratios": [ratios[label] for label in labels[:-1]],
                    "accuracy": [models[label].score(X_test, y_test) for label in labels],
                    # LogisticRegression's n_iter_ is an array (one entry per fit it ran).
                    "n_iter": [int(np.max(models[label].n_iter_)) for label in labels],
                }
            )
    return results


def run(args, sections):
    report(n_repeats(args, 5))


def report(repeats=5):
    print(
        f"\n## Small data, default settings: whole fit, median of {repeats} "
        f"(test accuracy on a 25% split)\n"
    )
    ours = [f"skdeepnn ({kernels})" for kernels in KERNELS]
    header = ["data (train rows x features, classes)", "skdeepnn / scikit-learn estimators"]
    header += [f"fit {label}" for label in ours] + ["fit scikit-learn"]
    header += [f"{label} / scikit-learn (median of rounds)" for label in ours]
    header += ["test accuracy", "n_iter_", "per iteration"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in measure(repeats):
        seconds = row["seconds"]
        cells = [
            f"{row['data']} ({row['shape'][0]} x {row['shape'][1]}, {row['n_classes']})",
            f"{row['labels'][0]} / {row['labels'][1]}",
        ]
        cells += [f"{t * 1e3:.0f} ms" for t in seconds]
        cells += [f"{ratio:.2f}x" for ratio in row["ratios"]]
        cells += [
            " / ".join(f"{a:.4f}" for a in row["accuracy"]),
            " / ".join(str(i) for i in row["n_iter"]),
            " / ".join(f"{t / i * 1e3:.2f}" for t, i in zip(seconds, row["n_iter"], strict=True))
            + " ms",
        ]
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main([sys.modules[__name__]])
