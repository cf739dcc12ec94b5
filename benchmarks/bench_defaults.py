"""What a new user sees first: scores and fit times at default settings, against MLP.

The sections ``defaults``, ``partial_fit``, ``auto`` and ``threads`` of
``python benchmarks/run_all.py``; run them alone with ``python benchmarks/bench_defaults.py``
(about 12 minutes on 2 cores; ``--quick``: one seed, about 4). It writes
``benchmarks/results/bench_defaults.md`` (``--defaults-out``) besides printing.

- ``defaults``: ``DeepNNClassifier()`` / ``DeepNNRegressor()`` against ``MLPClassifier()``
  / ``MLPRegressor()``, each at its defaults (``random_state`` aside) in a
  ``StandardScaler`` pipeline, 5-fold cross-validated (stratified for single-label
  classes) with three seeds (the folds' and the estimators'), on scikit-learn's
  bundled iris, digits, breast cancer, wine and diabetes and on generated data
  (``make_classification``, 2,000 rows; ``make_multilabel_classification``, 5 labels,
  scored by subset accuracy; ``make_friedman1``). MLPRegressor learns a standardized
  target (``TransformedTargetRegressor``): without it, its defaults stop far from a fit
  of diabetes' targets in the hundreds. Scores are means over the seeds with their
  standard deviation (the spread); fit times the sums of the five folds' ``fit``, the
  libraries taking turns seed by seed, the ratio the median of the seeds' ratios.
- ``partial_fit``: digits (75/25 split, standardized) and the multilabel set fed in 10
  chunks, one ``partial_fit`` per chunk; the test score after 1, 5, 10, 20 and 50 passes
  over the chunks (means over ten seeds, and the difference seed by seed with its standard
  error), and the time per pass, medians over the seeds.
- ``auto``: new processes fitting with ``SKDEEPNN_KERNELS=numpy`` and ``=numba`` (numba's
  disk cache filled) on either side of ``kernels="auto"``'s break-even
  (``_kernels.AUTO_NUMBA_WORK``): what the first fit of a process pays or saves with
  numba's kernels (skipped without numba).
- ``threads``: fits of fixed epochs with BLAS on one thread against its default, by the
  size of a batch's products, on the quiet machine and beside one busy Python process
  (``_threads.ONE_THREAD_BELOW``).
"""

import os
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from _common import ROOT, interleaved_times, main, median_ratio, n_repeats
from sklearn.compose import TransformedTargetRegressor
from sklearn.datasets import (
    load_breast_cancer,
    load_diabetes,
    load_digits,
    load_iris,
    load_wine,
    make_classification,
    make_friedman1,
    make_multilabel_classification,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import KFold, StratifiedKFold, cross_validate, train_test_split
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from skdeepnn import DeepNNClassifier, DeepNNRegressor

SECTIONS = ("defaults", "partial_fit", "auto", "threads")

#: name: (loader, bundled with scikit-learn, regression)
DATASETS = {
    "iris": (lambda: load_iris(return_X_y=True), True, False),
    "digits": (lambda: load_digits(return_X_y=True), True, False),
    "breast cancer": (lambda: load_breast_cancer(return_X_y=True), True, False),
    "wine": (lambda: load_wine(return_X_y=True), True, False),
    "diabetes (R²)": (lambda: load_diabetes(return_X_y=True), True, True),
    "make_classification 2,000": (
        lambda: make_classification(2000, n_features=20, n_informative=10, random_state=0),
        False,
        False,
    ),
    "multilabel, 5 labels (subset accuracy)": (
        lambda: make_multilabel_classification(1000, n_features=20, n_classes=5, random_state=0),
        False,
        False,
    ),
    "friedman1 (R²)": (
        lambda: make_friedman1(1000, n_features=10, noise=1.0, random_state=0),
        False,
        True,
    ),
}

PASSES = (1, 5, 10, 20, 50)
N_CHUNKS = 10

_LINES = []


def say(line=""):
    """Print ``line`` and keep it for the results file."""
    print(line, flush=True)
    _LINES.append(line)


def add_arguments(parser):
    parser.add_argument(
        "--defaults-out",
        default=str(ROOT / "benchmarks" / "results" / "bench_defaults.md"),
        help="where bench_defaults.py writes its tables (Markdown)",
    )


# -- defaults: cross-validated scores and fit times --------------------------------------


def estimators(regression, seed):
    """(skdeepnn's, MLP's) at their defaults, each in a StandardScaler pipeline."""
    if regression:
        scaled = {"transformer": StandardScaler()}
        mlp = TransformedTargetRegressor(MLPRegressor(random_state=seed), **scaled)
        return (
            make_pipeline(StandardScaler(), DeepNNRegressor(random_state=seed)),
            make_pipeline(StandardScaler(), mlp),
        )
    return (
        make_pipeline(StandardScaler(), DeepNNClassifier(random_state=seed)),
        make_pipeline(StandardScaler(), MLPClassifier(random_state=seed)),
    )


def cross_validated(name, seeds):
    """Per library: the mean CV score of each seed and the seconds its 5 fits took."""
    load, _, regression = DATASETS[name]
    X, y = load()
    results = {"skdeepnn": ([], []), "MLP": ([], [])}
    for seed in seeds:
        if regression or np.ndim(y) == 2:
            folds = KFold(5, shuffle=True, random_state=seed)
        else:
            folds = StratifiedKFold(5, shuffle=True, random_state=seed)
        for label, model in zip(results, estimators(regression, seed), strict=True):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                scores = cross_validate(model, X, y, cv=folds)
            results[label][0].append(float(np.mean(scores["test_score"])))
            results[label][1].append(float(np.sum(scores["fit_time"])))
    return results


def report_defaults(seeds):
    say(
        f"\n## Default settings against MLP: 5-fold CV score (mean over {len(seeds)} seeds "
        "± their standard deviation) and fit time\n"
    )
    say(
        "| data | skdeepnn | MLP | difference | fit skdeepnn | fit MLP "
        "| skdeepnn / MLP (median of seeds) |"
    )
    say("|---|---|---|---|---|---|---|")
    totals, differences = {"skdeepnn": 0.0, "MLP": 0.0}, []
    for name, (_, bundled, _) in DATASETS.items():
        results = cross_validated(name, seeds)
        (ours, our_times), (theirs, their_times) = results["skdeepnn"], results["MLP"]
        totals["skdeepnn"] += sum(our_times)
        totals["MLP"] += sum(their_times)
        differences.append(np.mean(ours) - np.mean(theirs))
        say(
            f"| {name}{'' if bundled else ' (generated)'} "
            f"| {np.mean(ours):.4f} ± {np.std(ours):.4f} "
            f"| {np.mean(theirs):.4f} ± {np.std(theirs):.4f} | {differences[-1]:+.4f} "
            f"| {sum(our_times):.2f} s | {sum(their_times):.2f} s "
            f"| {median_ratio(our_times, their_times):.2f}x |"
        )
    say(
        f"\nMean difference in score {np.mean(differences):+.4f}; total fit time "
        f"{totals['skdeepnn']:.1f} s against {totals['MLP']:.1f} s: "
        f"{totals['skdeepnn'] / totals['MLP']:.2f}x."
    )


# -- partial_fit: score per pass ---------------------------------------------------------


def incremental_scores(make, X_train, y_train, X_test, y_test, classes):
    """The test score after each of ``PASSES`` passes over ``N_CHUNKS`` chunks, and the
    median seconds of a pass."""
    model, scores, seconds = make(), {}, []
    chunks = np.array_split(np.arange(len(X_train)), N_CHUNKS)
    for done in range(1, max(PASSES) + 1):
        start = time.perf_counter()
        for rows in chunks:
            model.partial_fit(X_train[rows], y_train[rows], classes=classes)
        seconds.append(time.perf_counter() - start)
        if done in PASSES:
            scores[done] = model.score(X_test, y_test)
    return scores, statistics.median(seconds)


def report_partial_fit(seeds):
    say(
        f"\n## partial_fit, {N_CHUNKS} chunks per pass: test score after each number of "
        f"passes, mean over {len(seeds)} seeds ± their standard deviation; the difference "
        "seed by seed, ± its standard error; the time per pass, median of the seeds\n"
    )
    say("| data | library | " + " | ".join(f"{p} passes" for p in PASSES) + " | per pass |")
    say("|---|---|" + "---|" * (len(PASSES) + 1))
    for name in ("digits", "multilabel, 5 labels (subset accuracy)"):
        X, y = DATASETS[name][0]()
        multilabel = np.ndim(y) == 2
        rows = {"skdeepnn": [], "MLP": []}
        for seed in seeds:
            X_train, X_test, y_train, y_test = train_test_split(
                X, y, test_size=0.25, random_state=seed, stratify=None if multilabel else y
            )
            scaler = StandardScaler().fit(X_train)
            X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
            classes = None if multilabel else np.unique(y)
            if multilabel:  # MLPClassifier's first partial_fit needs classes; skdeepnn's not
                classes_mlp = np.arange(y.shape[1])
            makers = {
                "skdeepnn": lambda seed=seed: DeepNNClassifier(random_state=seed),
                "MLP": lambda seed=seed: MLPClassifier(random_state=seed),
            }
            for label, make in makers.items():
                given = classes_mlp if multilabel and label == "MLP" else classes
                rows[label].append(
                    incremental_scores(make, X_train, y_train, X_test, y_test, given)
                )
        for label, runs in rows.items():
            cells = []
            for p in PASSES:
                scores = [run[0][p] for run in runs]
                cells.append(f"{np.mean(scores):.4f} ± {np.std(scores):.4f}")
            per_pass = statistics.median(run[1] for run in runs)
            say(f"| {name} | {label} | " + " | ".join(cells) + f" | {per_pass * 1e3:.1f} ms |")
        cells = []
        for p in PASSES:
            gaps = [ours[0][p] - theirs[0][p] for ours, theirs in zip(*rows.values(), strict=True)]
            cells.append(f"{np.mean(gaps):+.4f} ± {np.std(gaps) / np.sqrt(len(gaps)):.4f}")
        say(f"| {name} | difference | " + " | ".join(cells) + " | |")


# -- auto: numba's start-up against what its kernels save --------------------------------

FIT_CODE = (
    "import sys, warnings; warnings.simplefilter('ignore'); import numpy as np;"
    "from skdeepnn import DeepNNClassifier;"
    "n, f, e = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]);"
    "rng = np.random.default_rng(0); X = rng.standard_normal((n, f));"
    "y = (X[:, :3] @ rng.standard_normal((3, 10))).argmax(1);"
    "DeepNNClassifier(max_iter=e, tol=0, n_iter_no_change=float('inf'), random_state=0).fit(X, y)"
)


def fresh_fit(n_rows, n_features, epochs, kernels):
    env = {**os.environ, "SKDEEPNN_KERNELS": kernels}
    arguments = [sys.executable, "-c", FIT_CODE, str(n_rows), str(n_features), str(epochs)]
    subprocess.run(arguments, env=env, check=True, capture_output=True)


def report_auto(repeats):
    from skdeepnn import _kernels  # the constant measured here

    try:
        import numba  # noqa: F401
    except ImportError:
        say("\nnumba is not installed: the break-even of kernels='auto' is not measured.")
        return
    threshold = _kernels.AUTO_NUMBA_WORK
    say(
        f"\n## kernels='auto': a new process's fit, NumPy's kernels against numba's "
        f"(cache filled), medians of {repeats} rounds; auto's break-even {threshold:.2g}\n"
    )
    say("| fit (rows x 64 features, (100,)) | work / break-even | numpy | numba | numba - numpy |")
    say("|---|---|---|---|---|")
    fresh_fit(200, 64, 2, "numba")  # numba's cache filled
    # _kernels.fit_work: 50 batches of 200 rows x 7,510 parameters, 10,000 rows x 110 units
    per_epoch = 50 * (65 * 100 + 101 * 10) + 10_000 * (100 + 10)
    for epochs in (30, 100, 300):
        fits = {
            kernels: lambda kernels=kernels, epochs=epochs: fresh_fit(10_000, 64, epochs, kernels)
            for kernels in ("numpy", "numba")
        }
        times = interleaved_times(fits, repeats)
        difference = statistics.median(
            b - a for a, b in zip(times["numpy"], times["numba"], strict=True)
        )
        say(
            f"| 10,000 x 64, {epochs} epochs | {epochs * per_epoch / threshold:.2f} "
            f"| {statistics.median(times['numpy']):.2f} s "
            f"| {statistics.median(times['numba']):.2f} s "
            f"| {difference:+.2f} s |"
        )


# -- threads: one BLAS thread against the default ----------------------------------------

THREAD_CASES = (
    (1797, 64, (100,)),
    (2000, 64, (256,)),
    (2000, 256, (256,)),
    (4000, 784, (256, 128)),
)


def thread_ratio(n_rows, n_features, hidden, repeats):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n_rows, n_features))
    y = (X[:, :3] @ rng.standard_normal((3, 10))).argmax(1)
    epochs = max(2, int(4e8 / (n_rows * n_features * hidden[0])))

    def fit(limit):
        with threadpool_limits(limits=limit, user_api="blas"), warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            DeepNNClassifier(
                hidden_layer_sizes=hidden, max_iter=epochs, tol=0, n_iter_no_change=np.inf,
                random_state=0, init="he",
            ).fit(X, y)  # fmt: skip

    from skdeepnn import _threads

    default = os.cpu_count()
    # The fits keep the limit they are given: skdeepnn's own would set one thread for both.
    threshold, _threads.ONE_THREAD_BELOW = _threads.ONE_THREAD_BELOW, 0
    try:
        times = interleaved_times({1: lambda: fit(1), default: lambda: fit(default)}, repeats, True)
    finally:
        _threads.ONE_THREAD_BELOW = threshold
    return median_ratio(times[1], times[default])


def report_threads(repeats):
    from skdeepnn import _threads  # the constant measured here

    say(
        f"\n## BLAS threads: a fit on one thread / on {os.cpu_count()}, medians of "
        f"{repeats} rounds; below {_threads.ONE_THREAD_BELOW:.2g} (a batch's rows x weights) "
        "a fit runs on one\n"
    )
    say("| fit (rows x features, hidden) | batch rows x weights | quiet | beside a busy process |")
    say("|---|---|---|---|")
    for n_rows, n_features, hidden in THREAD_CASES:
        sizes = [n_features, *hidden, 10]
        product = 200 * sum(a * b for a, b in zip(sizes[:-1], sizes[1:], strict=False))
        quiet = thread_ratio(n_rows, n_features, hidden, repeats)
        hog = subprocess.Popen([sys.executable, "-c", "while True: pass"])
        try:
            busy = thread_ratio(n_rows, n_features, hidden, repeats)
        finally:
            hog.kill()
            hog.wait()
        say(f"| {n_rows} x {n_features}, {hidden} | {product:.2g} | {quiet:.2f} | {busy:.2f} |")


def run(args, sections):
    _LINES.clear()
    seeds = (0,) if args.quick else (0, 1, 2)
    # partial_fit's early passes vary from seed to seed far more than a fit's CV score
    # does (one pass is 10 steps): ten seeds tell a difference from that spread.
    partial_fit_seeds = (0,) if args.quick else tuple(range(10))
    repeats = n_repeats(args, 5)
    load = os.getloadavg()[0]
    say(f"# skdeepnn's defaults against MLP ({os.cpu_count()} cores, load {load:.2f} at start)")
    if "defaults" in sections:
        report_defaults(seeds)
    if "partial_fit" in sections:
        report_partial_fit(partial_fit_seeds)
    if "auto" in sections:
        report_auto(repeats)
    if "threads" in sections:
        report_threads(repeats)
    path = Path(args.defaults_out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(_LINES) + "\n")
    print(f"\nResults written to {path}")


if __name__ == "__main__":
    main([sys.modules[__name__]])
