"""How fit time and memory grow with the number of rows and the width: skdeepnn and MLP.

The section ``scaling`` of ``python benchmarks/run_all.py``, not run by default since it
takes longer (``run_all.py --sections all`` includes it); run it alone with
``python benchmarks/bench_scaling.py``, ``--scaling-max 3e4`` (or ``--quick``) for a short run.

One configuration, the same in both libraries: one hidden layer of 64 ReLU units, Adam at
its defaults, batches of 200, exactly 3 epochs (``tol=0, n_iter_no_change=np.inf``),
``random_state=0``, on the float32 synthetic data of ``_common.make_data`` with 50
features and 10 classes. It times whole fits (validation and set-up included), medians of
``--repeats`` with the libraries taking turns,

- against n_samples = 1e3, 3e3, ..., 1e6 (up to ``--scaling-max``), with the log-log slope
  of time against n_samples from 1e4 rows on (1 means linear) and the peak memory of a fit
  beyond X (tracemalloc), which should stay flat if a fit makes no copy of X;
- against the width, 16 to 1024 hidden units, at 1e5 rows (or ``--scaling-max``), with the
  slope from 256 units on.

It writes the measurements to ``--out`` (JSON) and, with matplotlib, a log-log figure to
``--figure``.
"""

import datetime
import os
import sys
from pathlib import Path

import numpy as np
from _common import (
    ROOT,
    describe_machine,
    fit_quietly,
    interleaved_times,
    main,
    make_data,
    medians,
    n_repeats,
    peak_memory,
    write_json,
)
from sklearn.neural_network import MLPClassifier

from skdeepnn import DeepNNClassifier

SECTIONS = ("scaling",)

N_SAMPLES = (1_000, 3_000, 10_000, 30_000, 100_000, 300_000, 1_000_000)
WIDTHS = (16, 32, 64, 128, 256, 512, 1024)
N_FEATURES = 50
HIDDEN = 64
WIDTH_SAMPLES = 100_000
SLOPE_FROM_SAMPLES = 10_000
SLOPE_FROM_WIDTH = 256
LIBRARIES = {"skdeepnn": DeepNNClassifier, "MLPClassifier": MLPClassifier}


def add_arguments(parser):
    parser.add_argument(
        "--scaling-max",
        type=float,
        default=None,
        help="scaling: the largest n_samples (default 1e6; 3e4 with --quick)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=ROOT / "benchmarks" / "results" / "scaling.json",
        help="scaling: where to write the results (JSON; default benchmarks/results/)",
    )
    parser.add_argument(
        "--figure",
        default=str(ROOT / "docs" / "images" / "scaling.png"),
        help="scaling: the log-log figure (PNG; default docs/images/scaling.png; '' for none)",
    )


def make_model(library, hidden):
    return LIBRARIES[library](
        hidden_layer_sizes=(hidden,),
        max_iter=3,
        tol=0,
        n_iter_no_change=np.inf,
        batch_size=200,
        random_state=0,
    )


def measure(X, y, hidden, repeats, memory):
    """Median fit seconds (and all of them) per library, and, with ``memory``, the peak
    bytes of one more fit beyond X. There is no warm-up fit: the memory fits, which run
    first at each n_samples, warm each library up before the first timing."""
    point = {"n_samples": len(X), "hidden": hidden, "X_bytes": X.nbytes}
    if memory:
        point["peak_bytes"] = {
            name: peak_memory(lambda name=name: fit_quietly(make_model(name, hidden), X, y))
            for name in LIBRARIES
        }
    times = interleaved_times(
        {name: lambda name=name: fit_quietly(make_model(name, hidden), X, y) for name in LIBRARIES},
        repeats,
    )
    point["seconds"] = times
    point["median"] = medians(times)
    return point


def slope(points, key, start, measure="median"):
    """Per library, the log-log slope of ``point[measure]`` (median seconds, or peak bytes)
    against ``point[key]`` from ``start`` on, by least squares (np.polyfit on the logs)."""
    chosen = [point for point in points if point[key] >= start]
    if len(chosen) < 2:
        return {name: None for name in LIBRARIES}
    x = np.log([point[key] for point in chosen])
    return {
        name: float(np.polyfit(x, np.log([point[measure][name] for point in chosen]), 1)[0])
        for name in LIBRARIES
    }


def format_slopes(slopes):
    return ", ".join(
        f"{name} {value:.2f}" if value is not None else f"{name} n/a (fewer than 2 points)"
        for name, value in slopes.items()
    )


def draw(results, path):
    """Time against n_samples and against width, log-log, both libraries, with slopes."""
    from matplotlib.figure import Figure  # only here: matplotlib is not otherwise needed

    figure = Figure(figsize=(11, 4.4), layout="constrained")
    axes = figure.subplots(1, 2)
    panels = (
        (axes[0], "by_samples", "n_samples", "slope_samples", SLOPE_FROM_SAMPLES),
        (axes[1], "by_width", "hidden", "slope_width", SLOPE_FROM_WIDTH),
    )
    for ax, key, x_key, slope_key, start in panels:
        points = results[key]
        x = np.array([point[x_key] for point in points], dtype=float)
        for (name, color), marker in zip(
            {"skdeepnn": "tab:blue", "MLPClassifier": "tab:orange"}.items(), "os", strict=True
        ):
            y = np.array([point["median"][name] for point in points])
            value = results[slope_key][name]
            label = name + (f" (slope {value:.2f})" if value is not None else "")
            ax.loglog(x, y, marker=marker, color=color, label=label)
            fitted = x >= start
            if value is not None:  # the fitted line over the points it was fitted to
                intercept = np.polyfit(np.log(x[fitted]), np.log(y[fitted]), 1)[1]
                ax.loglog(
                    x[fitted],
                    np.exp(intercept) * x[fitted] ** value,
                    color=color,
                    linewidth=7,
                    alpha=0.25,
                    solid_capstyle="round",
                )
        ax.grid(True, which="both", alpha=0.3)
        ax.set_ylabel(f"fit time, s (median of {results['repeats']})")
        ax.legend()
    axes[0].set_xlabel("n_samples")
    axes[0].set_title(
        f"hidden ({HIDDEN},), {N_FEATURES} features, 3 epochs; "
        f"slope (shaded) from {SLOPE_FROM_SAMPLES:,} rows",
        fontsize=10,
    )
    axes[1].set_xlabel("hidden units")
    axes[1].set_title(
        f"{results['width_samples']:,} rows, 3 epochs; "
        f"slope (shaded) from {SLOPE_FROM_WIDTH} units",
        fontsize=10,
    )
    machine = results["machine"]
    figure.suptitle(
        f"Fit time, skdeepnn {machine['skdeepnn']} and scikit-learn {machine['sklearn']} "
        f"MLPClassifier ({machine['cpu_count']} cores, NumPy {machine['numpy']})",
        fontsize=11,
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)


def run(args, sections):
    if args.scaling_max is None:
        args.scaling_max = 30_000 if args.quick else 1_000_000
    report(
        repeats=n_repeats(args, 3),
        max_samples=int(args.scaling_max),
        out=args.out,
        figure=args.figure or None,
    )


def report_by_samples(X_all, y_all, sizes, repeats, results):
    """Fit time and peak memory against the first ``sizes`` rows of ``X_all``: print
    them, and add them and their slopes to ``results``."""
    print(
        "| n_samples | skdeepnn | MLPClassifier | skdeepnn / MLP "
        "| peak beyond X: skdeepnn | MLPClassifier |"
    )
    print("|---|---|---|---|---|---|")
    by_samples = []
    for n in sizes:
        point = measure(X_all[:n], y_all[:n], HIDDEN, repeats, memory=True)
        by_samples.append(point)
        ours, mlp = point["median"]["skdeepnn"], point["median"]["MLPClassifier"]
        peaks = [
            f"{peak / 2**20:.1f} MiB ({peak / point['X_bytes']:.2f} x X)"
            for peak in point["peak_bytes"].values()
        ]
        print(
            f"| {n:,} | {ours:.3f} s | {mlp:.3f} s | {ours / mlp:.2f}x | {peaks[0]} | {peaks[1]} |",
            flush=True,
        )
    results["by_samples"] = by_samples
    results["slope_samples"] = slope(by_samples, "n_samples", SLOPE_FROM_SAMPLES)
    results["slope_memory"] = slope(by_samples, "n_samples", SLOPE_FROM_SAMPLES, "peak_bytes")
    print(
        f"\nLog-log slope from {SLOPE_FROM_SAMPLES:,} rows on (1 = linear in n_samples, "
        f"0 = flat): fit time {format_slopes(results['slope_samples'])}; "
        f"peak memory beyond X {format_slopes(results['slope_memory'])}"
    )


def report_by_width(X, y, repeats, results):
    """Fit time against the width, on ``X``: print it, and add it and its slope to
    ``results``."""
    print(f"\n| hidden units ({len(X):,} rows) | skdeepnn | MLPClassifier | ratio |")
    print("|---|---|---|---|")
    by_width = []
    for hidden in WIDTHS:
        point = measure(X, y, hidden, repeats, memory=False)
        by_width.append(point)
        ours, mlp = point["median"]["skdeepnn"], point["median"]["MLPClassifier"]
        print(f"| {hidden} | {ours:.3f} s | {mlp:.3f} s | {ours / mlp:.2f}x |", flush=True)
    results["by_width"] = by_width
    results["slope_width"] = slope(by_width, "hidden", SLOPE_FROM_WIDTH)
    print(
        f"\nLog-log slope of fit time against width from {SLOPE_FROM_WIDTH} units: "
        f"{format_slopes(results['slope_width'])}"
    )


def report(repeats=3, max_samples=1_000_000, out=None, figure=None):
    sizes = [n for n in N_SAMPLES if n <= max_samples]
    width_samples = min(WIDTH_SAMPLES, max_samples)
    X_all, y_all = make_data(max(sizes[-1], width_samples), N_FEATURES)
    results = {
        "machine": describe_machine(),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "configuration": "hidden_layer_sizes=(h,), max_iter=3, tol=0, n_iter_no_change=inf, "
        "batch_size=200, random_state=0; float32, 50 features, 10 classes",
        "repeats": repeats,
        "max_samples": max_samples,
        "width_samples": width_samples,
    }
    print(
        f"\n## Scaling: whole fit of 3 Adam epochs, hidden ({HIDDEN},), batch 200, float32, "
        f"{N_FEATURES} features; median of {repeats}\n"
    )
    report_by_samples(X_all, y_all, sizes, repeats, results)
    report_by_width(X_all[:width_samples], y_all[:width_samples], repeats, results)
    results["machine"]["load_average_end"] = os.getloadavg()

    if out is not None:
        write_json(results, out)
    if figure:
        draw(results, Path(figure))
        print(f"Figure written to {figure}")
    return results


if __name__ == "__main__":
    main([sys.modules[__name__]])
