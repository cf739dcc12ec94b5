"""Two versions of skdeepnn side by side: the code here against another checkout.

For a change of the core that must be no slower: each round runs every case once
with each version, in a fresh process apiece (alternating, so that a busy spell of
the machine falls on both), and the report gives each version's median and the
median of the rounds' ratios.

Cases: an Adam epoch at the benchmark's shape (60,000 x 784 float32, hidden layers
(256, 128), batches of 200), with the NumPy reference and (when numba is installed)
the fused kernels; a full-batch "gd" iteration at the same shape; and a default
fit on the digits data (StandardScaler, then DeepNNClassifier()).

Usage::

    git worktree add /tmp/before <commit>
    python benchmarks/compare_versions.py /tmp/before [--rounds 5] [--quick]
"""

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
CASES = ("adam", "adam-numba", "gd", "digits")


def _data(n_samples, n_features):
    import numpy as np

    rng = np.random.default_rng(0)
    X = rng.standard_normal((n_samples, n_features), dtype=np.float32)
    hidden = np.maximum(X @ rng.standard_normal((n_features, 64), dtype=np.float32), 0)
    return X, (hidden @ rng.standard_normal((64, 10), dtype=np.float32)).argmax(axis=1)


def run_case(case, quick):
    """Seconds one case takes in this process (the worker's side)."""
    import numpy as np
    from sklearn.datasets import load_digits
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    import skdeepnn
    from skdeepnn import DeepNNClassifier

    warnings.simplefilter("ignore", ConvergenceWarning)
    if case == "digits":
        X, y = load_digits(return_X_y=True)
        DeepNNClassifier(max_iter=1).fit(X[:300], y[:300])  # the first fit's costs, untimed
        model = make_pipeline(StandardScaler(), DeepNNClassifier(random_state=0))
        start = time.perf_counter()
        model.fit(X, y)
        return time.perf_counter() - start
    X, y = _data(6_000 if quick else 60_000, 784)
    solver, epochs = ("gd", 3) if case == "gd" else ("adam", 2)
    model = DeepNNClassifier(
        hidden_layer_sizes=(256, 128), solver=solver, batch_size=200, alpha=1e-4,
        learning_rate=0.1 if solver == "gd" else 1e-3, max_iter=epochs, tol=0,
        n_iter_no_change=np.inf, random_state=0,
    )  # fmt: skip
    kernels = "numba" if case.endswith("numba") else "numpy"
    with skdeepnn.config_context(kernels=kernels):
        # A process's first fit pays once (imports, numba's compilation, first-touch
        # memory): outside the timed one.
        DeepNNClassifier(max_iter=1, hidden_layer_sizes=(256, 128)).fit(X[:300], y[:300])
        start = time.perf_counter()
        model.fit(X, y)
    return (time.perf_counter() - start) / epochs


def _worker_time(source, case, quick):
    env = {**os.environ, "PYTHONPATH": str(source)}
    command = [sys.executable, __file__, "--worker", case] + (["--quick"] if quick else [])
    output = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    return json.loads(output.stdout.strip().splitlines()[-1])


def compare(before, rounds, quick, cases=CASES):
    """Each case's times for ``before`` and for this checkout, round by round."""
    cases = [c for c in cases if c != "adam-numba" or importlib.util.find_spec("numba")]
    times = {case: {"before": [], "after": []} for case in cases}
    for round_ in range(rounds):
        for case in cases:
            for version, source in (("before", before), ("after", HERE)):
                times[case][version].append(_worker_time(source, case, quick)["seconds"])
        print(f"round {round_ + 1}/{rounds} done", file=sys.stderr)
    return times


def report(times, before):
    print(f"before: {before}\nafter:  {HERE}")
    print(f"{'case':<12} {'before (s)':>11} {'after (s)':>10} {'after / before':>15}")
    for case, runs in times.items():
        ratios = [a / b for a, b in zip(runs["after"], runs["before"], strict=True)]
        spread = f"{min(ratios):.2f}-{max(ratios):.2f}"
        print(
            f"{case:<12} {statistics.median(runs['before']):>11.3f} "
            f"{statistics.median(runs['after']):>10.3f} "
            f"{statistics.median(ratios):>8.3f} ({spread})"
        )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", nargs="?", help="the other checkout's root")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="6,000 rows, to try it out")
    parser.add_argument("--cases", default=",".join(CASES), help="a comma-separated list")
    parser.add_argument("--worker", choices=CASES, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        import skdeepnn

        seconds = run_case(args.worker, args.quick)
        print(json.dumps({"seconds": seconds, "from": skdeepnn.__file__}))
        return
    if args.before is None:
        parser.error("give the other checkout's root")
    cases = args.cases.split(",")
    report(compare(Path(args.before).resolve(), args.rounds, args.quick, cases), args.before)


if __name__ == "__main__":
    main()
