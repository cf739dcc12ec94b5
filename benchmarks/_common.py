"""What the benchmarks share: timing, data, memory, the machine's description, the command line.

Every ``bench_*.py`` script imports from this module and from no other script, so that
each runs alone (``python benchmarks/bench_small.py``) and ``run_all.py`` runs them all.
A script is a module with

- ``SECTIONS``, the names of the sections it measures (``--sections`` picks among them);
- ``run(args, sections)``, which measures and prints the chosen ``sections``;
- optionally ``add_arguments(parser)``, for options of its own;

and ends with ``if __name__ == "__main__": main([sys.modules[__name__]])``.
"""

import argparse
import gc
import importlib.util
import json
import os
import platform
import statistics
import sys
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
import sklearn
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_info, threadpool_limits

import skdeepnn

try:  # optional
    import torch
except ImportError:
    torch = None

#: skdeepnn's kernels to time side by side: NumPy's reference, and numba's fused loops
#: when numba is installed (the ``[fast]`` extra: ``pip install ".[fast]"``).
KERNELS = ("numpy", "numba") if importlib.util.find_spec("numba") else ("numpy",)

N_CLASSES = 10
ROOT = Path(__file__).resolve().parent.parent


# -- data and fits ---------------------------------------------------------------------


def make_data(n_samples, n_features, seed=0):
    """Standard-normal features labelled by a random two-layer ReLU network."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, n_features), dtype=np.float32)
    hidden = np.maximum(X @ rng.standard_normal((n_features, 64), dtype=np.float32), 0)
    y = (hidden @ rng.standard_normal((64, N_CLASSES), dtype=np.float32)).argmax(axis=1)
    return X, y


def fit_quietly(model, X, y):
    """``model.fit(X, y)`` without ConvergenceWarning (timed fits stop early on purpose)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y)


# -- timing and memory -------------------------------------------------------------------


def interleaved_times(functions, repeats, warm_up=False):
    """Time each of ``functions`` (a dict of name: callable) ``repeats`` times, taking
    turns (A, B, A, B, ...) so that the machine's noise falls on all of them alike.

    Returns a dict of name: list of seconds. With ``warm_up``, each runs once untimed first.
    """
    if warm_up:
        for function in functions.values():
            function()
    times = {name: [] for name in functions}
    for _ in range(repeats):
        for name, function in functions.items():
            gc.collect()
            start = time.perf_counter()
            function()
            times[name].append(time.perf_counter() - start)
    return times


def median_time(function, repeats):
    """The median seconds of ``repeats`` runs of ``function``."""
    return statistics.median(interleaved_times({"": function}, repeats)[""])


def medians(times):
    """The median of each list of ``times`` (a dict of name: list of seconds)."""
    return {name: statistics.median(seconds) for name, seconds in times.items()}


def median_ratio(numerators, denominators):
    """The median of the rounds' ratios: a slow spell of the machine falls on one round,
    whose measurements ran side by side, rather than on one of the two."""
    return statistics.median(a / b for a, b in zip(numerators, denominators, strict=True))


def peak_memory(function):
    """Peak bytes allocated while ``function`` runs (NumPy and Python, by tracemalloc).

    Arrays made before the call, such as X, do not count: this is the memory beyond them.
    """
    gc.collect()
    tracemalloc.start()
    try:
        function()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# -- the machine and the results ---------------------------------------------------------


def blas_info():
    """The BLAS libraries loaded (threadpoolctl): internal_api, version, num_threads."""
    return [
        {key: info[key] for key in ("internal_api", "version", "num_threads")}
        for info in threadpool_info()
        if info["user_api"] == "blas"
    ]


def cpu_name():
    """The processor's model name (from /proc/cpuinfo on Linux), or its architecture."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as file:
            for line in file:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def describe_machine():
    """The machine and the versions, for a results file."""
    return {
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "sklearn": sklearn.__version__,
        "skdeepnn": skdeepnn.__version__,
        "blas": blas_info(),
        "load_average_start": os.getloadavg(),
    }


def print_header(sections):
    """The two lines a run starts with: the machine, then the sections, BLAS and load."""
    blas = {
        f"{info['internal_api']} {info['num_threads']} thread{'s' * (info['num_threads'] != 1)}"
        for info in blas_info()
    }
    print(
        f"# skdeepnn benchmark: {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores, NumPy {np.__version__}"
        + (f", PyTorch {torch.__version__}" if torch else ", PyTorch not installed")
    )
    print(
        f"# sections: {', '.join(sections)}; "
        f"BLAS: {', '.join(sorted(blas))}; load average at start {os.getloadavg()[0]:.2f}"
    )


def write_json(results, path):
    """Write ``results`` to ``path`` (JSON), making its folder if needed."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=1) + "\n")
    print(f"\nResults written to {path}")


# -- the command line ---------------------------------------------------------------------


def n_repeats(args, default):
    """Runs per median: ``--repeats``, else 1 with ``--quick``, else ``default``."""
    return args.repeats or (1 if args.quick else default)


def sections_type(known):
    """``--sections``' parser: a comma-separated list of ``known`` names, or all."""

    def parse(text):
        names = [name.strip() for name in text.split(",") if name.strip()]
        if names == ["all"]:
            return set(known)
        unknown = sorted(set(names) - set(known))
        if unknown or not names:
            raise argparse.ArgumentTypeError(
                f"unknown section(s) {', '.join(unknown) or '(none given)'}; "
                f"choose from {', '.join(known)} or all"
            )
        return set(names)

    return parse


def make_parser(benchmarks, default_sections, description):
    known = [name for benchmark in benchmarks for name in benchmark.SECTIONS]
    default = ",".join(default_sections or known)
    parser = argparse.ArgumentParser(description=description)
    # argparse applies ``type`` to a string default, so --sections' default is a set too.
    parser.add_argument(
        "--sections",
        type=sections_type(known),
        default=default,
        help=f"comma-separated, from {', '.join(known)}, or all (default: {default})",
    )
    parser.add_argument(
        "--repeats",
        type=int,
        default=None,
        help="runs per median (default: 3; 5 for small; 1 with --quick)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="10,000 samples, 1 repeat, scaling up to 30,000 rows",
    )
    parser.add_argument(
        "--blas-threads",
        type=int,
        default=None,
        help="limit BLAS to this many threads (threadpoolctl; default: BLAS's own choice)",
    )
    for benchmark in benchmarks:
        if hasattr(benchmark, "add_arguments"):
            benchmark.add_arguments(parser)
    return parser


def main(benchmarks, argv=None, default_sections=None):
    """Run the sections of ``benchmarks`` (modules, see this module's docstring) that
    ``--sections`` names (by default ``default_sections``, else all), in their order."""
    description = (sys.modules["__main__"].__doc__ or "").strip().split("\n")[0]
    args = make_parser(benchmarks, default_sections, description).parse_args(argv)
    if args.blas_threads is not None:
        threadpool_limits(limits=args.blas_threads, user_api="blas")
    if torch is not None:
        torch.set_num_threads(args.blas_threads or os.cpu_count())
    print_header([name for b in benchmarks for name in b.SECTIONS if name in args.sections])
    for benchmark in benchmarks:
        chosen = {name for name in benchmark.SECTIONS if name in args.sections}
        if chosen:
            benchmark.run(args, chosen)
