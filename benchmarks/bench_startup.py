"""What a new process pays before it trains: import time, and numba's kernels loading.

The section ``startup`` of ``python benchmarks/run_all.py``; run it alone with
``python benchmarks/bench_startup.py``.

Each measurement starts fresh Python processes, so that nothing is already imported:

- ``import skdeepnn``, and ``import sklearn.neural_network`` beside it: skdeepnn must not
  import numba (about 0.4 s) when it is imported, only when a fit uses its kernels;
- the quickstart (``examples/quickstart.py``: a grid search of 12 fits and a refit on
  digits, over 2 worker processes), whole, with ``SKDEEPNN_KERNELS=numpy`` and
  ``=numba``: each worker process imports numba and loads the compiled kernels from
  numba's disk cache, which the last part of the comparison must repay;
- one fit on digits in a new process with numba's kernels and an empty cache, against
  the same with a filled cache: the cost of compiling the kernels, paid once per
  installation (numba writes the cache next to skdeepnn, or in the user's cache
  directory if that is read-only).

The commands take turns (A, B, A, B, ...), and each figure is a median.
"""

import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT, interleaved_times, main, medians, n_repeats

SECTIONS = ("startup",)

FIT_DIGITS = (
    "import warnings; warnings.simplefilter('ignore');"
    "from sklearn.datasets import load_digits;"
    "from skdeepnn import DeepNNClassifier;"
    "DeepNNClassifier(random_state=0).fit(*load_digits(return_X_y=True))"
)


def run_python(arguments, **environment):
    """Run a new Python process on ``arguments``, with ``environment`` added to this one's."""
    env = {**os.environ, **environment}
    subprocess.run([sys.executable, *arguments], env=env, check=True, capture_output=True)


def run_seconds(arguments, **environment):
    """Wall-clock seconds of a new Python process running ``arguments``."""
    start = time.perf_counter()
    run_python(arguments, **environment)
    return time.perf_counter() - start


def interleaved_medians(commands, repeats):
    """Median seconds of each of ``commands`` (label: (arguments, environment)), in turns."""
    processes = {
        label: lambda arguments=arguments, environment=environment: run_python(
            arguments, **environment
        )
        for label, (arguments, environment) in commands.items()
    }
    return medians(interleaved_times(processes, repeats))


def run(args, sections):
    report(n_repeats(args, 3))


def report(repeats=3):
    has_numba = importlib.util.find_spec("numba") is not None
    print(f"\n## Start-up costs: new processes, medians of {repeats}\n")
    modules = ["skdeepnn", "sklearn.neural_network"] + ["numba"] * has_numba
    commands = {
        f"python -c 'import {module}'": (["-c", f"import {module}"], {}) for module in modules
    }
    imports = interleaved_medians(commands, max(repeats, 5))
    print("| command | seconds |\n|---|---|")
    for label, seconds in imports.items():
        print(f"| `{label}` | {seconds:.3f} s |")
    if not has_numba:
        print("\nnumba is not installed: the kernels' start-up is not measured.")
        return

    quickstart = [str(ROOT / "examples" / "quickstart.py")]
    whole = interleaved_medians(
        {kernels: (quickstart, {"SKDEEPNN_KERNELS": kernels}) for kernels in ("numpy", "numba")},
        repeats,
    )
    with tempfile.TemporaryDirectory() as empty_cache_parent:
        run_seconds(["-c", FIT_DIGITS], SKDEEPNN_KERNELS="numba")  # fills the usual cache
        compile_times, cached_times, numpy_times = [], [], []
        for attempt in range(repeats):
            empty = str(Path(empty_cache_parent) / str(attempt))
            compile_times.append(
                run_seconds(["-c", FIT_DIGITS], SKDEEPNN_KERNELS="numba", NUMBA_CACHE_DIR=empty)
            )
            cached_times.append(run_seconds(["-c", FIT_DIGITS], SKDEEPNN_KERNELS="numba"))
            numpy_times.append(run_seconds(["-c", FIT_DIGITS], SKDEEPNN_KERNELS="numpy"))
    print("\n| new process | NumPy kernels | numba kernels | difference |\n|---|---|---|---|")
    print(
        f"| the quickstart (12 fits and a refit, 2 workers) | {whole['numpy']:.2f} s "
        f"| {whole['numba']:.2f} s | {whole['numba'] - whole['numpy']:+.2f} s |"
    )
    numpy_fit = statistics.median(numpy_times)
    for label, times in (
        ("one digits fit, numba's cache filled", cached_times),
        ("one digits fit, numba's cache empty (compiles)", compile_times),
    ):
        seconds = statistics.median(times)
        print(f"| {label} | {numpy_fit:.2f} s | {seconds:.2f} s | {seconds - numpy_fit:+.2f} s |")


if __name__ == "__main__":
    main([sys.modules[__name__]])
