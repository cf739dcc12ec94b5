"""Time skdeepnn against scikit-learn's MLPClassifier, and PyTorch's CPU build when installed.

Run it with ``python benchmarks/bench_mlp.py`` (about 10 minutes on 2 cores;
``--quick`` for a smaller run); ``--sections`` picks what to run, a comma-separated
list of ``adam, gd, logistic, predict, memory, small, startup, scaling`` or ``all`` (the
default is all but ``scaling``, which takes longer). Everything is measured side by side in one
run, as medians of ``--repeats`` runs. The first five sections use synthetic data made
here: ``--samples`` rows of ``--features`` standard-normal features whose 10 classes
come from a random ReLU "teacher" network, so that accuracy means something.

They print, as Markdown tables:

- seconds per epoch of mini-batch Adam (float32 and float64) and per iteration of
  full-batch gradient descent, with the GFLOP/s each reached; skdeepnn is timed with
  its NumPy kernels and, when numba is installed, with its fused numba kernels
  (``skdeepnn.set_config(kernels=...)``). Each is the marginal
  cost of an epoch: a fit of ``1 + k`` epochs minus a 1-epoch fit, divided by ``k``,
  so that a fit's fixed costs (validating X, set-up) do not count as training;
- the limit: the same matrix products timed alone, at the same shapes, on this machine;
- LogisticRegressionGD's seconds per iteration against its two products alone;
- predict latency for 1 row and for 100,000 rows;
- the peak memory of one fit beyond the input (NumPy allocations, by tracemalloc), and of
  one with early stopping (MLPClassifier copies the data it splits; skdeepnn does not);
- the test accuracy each library reached, so that speed never comes from doing less.

``small`` (``bench_small.py``) times whole fits at default settings on scikit-learn's
digits and breast-cancer data sets, against ``MLPClassifier()`` and
``LogisticRegression()``. ``startup`` (``bench_startup.py``) times new processes: the
import, the quickstart with each kernel, and numba's compilation. ``scaling``
(``bench_scaling.py``) times a fixed small network against the number of rows (up to
``--scaling-max``) and against its width, fits the log-log slope, tracks peak memory,
and writes ``--out`` (JSON) and ``--figure`` (PNG).

PyTorch is optional and never a dependency of skdeepnn: it is timed only if it imports.
"""

import argparse
import functools
import gc
import importlib.util
import os
import platform
import statistics
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier
from threadpoolctl import threadpool_info, threadpool_limits

import skdeepnn
from skdeepnn import DeepNNClassifier, LogisticRegressionGD

try:  # optional
    import torch
except ImportError:
    torch = None

#: skdeepnn's kernels to time side by side: NumPy's reference, and numba's fused loops
#: when numba is installed (the ``[fast]`` extra: ``pip install ".[fast]"``).
KERNELS = ("numpy", "numba") if importlib.util.find_spec("numba") else ("numpy",)

HIDDEN = (256, 128)
N_CLASSES = 10
BATCH_SIZE = 256
LEARNING_RATE = 1e-3
ALPHA = 1e-4

SECTIONS = ("adam", "gd", "logistic", "predict", "memory", "small", "startup", "scaling")
DEFAULT_SECTIONS = "adam,gd,logistic,predict,memory,small,startup"
LARGE_DATA_SECTIONS = ("adam", "gd", "logistic", "predict", "memory")
ROOT = Path(__file__).resolve().parent.parent


# -- data ----------------------------------------------------------------------------


def make_data(n_samples, n_features, seed=0):
    """Standard-normal features labelled by a random two-layer ReLU network."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, n_features), dtype=np.float32)
    hidden = np.maximum(X @ rng.standard_normal((n_features, 64), dtype=np.float32), 0)
    y = (hidden @ rng.standard_normal((64, N_CLASSES), dtype=np.float32)).argmax(axis=1)
    return X, y


def median_time(function, repeats):
    times = []
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


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


def fit_quietly(model, X, y):
    """``model.fit(X, y)`` without ConvergenceWarning (timed fits stop early on purpose)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y)


# -- the limit: the epoch's matrix products alone ---------------------------------------


def network_flops(n_rows, layer_sizes):
    """Floating-point operations of one forward and backward pass over ``n_rows`` rows.

    Per layer: ``Z = A_prev @ W`` and ``dW = A_prev.T @ dZ``, each ``2 m n_prev n``;
    ``dA_prev = dZ @ W.T`` too, except for the input layer, which needs none. In all,
    ``6 m sum(n[l-1] n[l]) - 2 m n[0] n[1]`` for ``m`` rows (checked below).
    """
    pairs = list(zip(layer_sizes[:-1], layer_sizes[1:], strict=True))
    per_row = sum(2 * 2 * a * b for a, b in pairs) + sum(2 * a * b for a, b in pairs[1:])
    closed_form = 6 * sum(a * b for a, b in pairs) - 2 * layer_sizes[0] * layer_sizes[1]
    assert per_row == closed_form, "the input layer's dA_prev must be left out"
    return n_rows * per_row


def matmul_epoch(X, layer_sizes, batch_size):
    """A function that runs only the products of one epoch, with preallocated outputs:
    its time is the limit."""
    dtype = X.dtype
    rng = np.random.default_rng(0)
    weights = [
        rng.standard_normal((a, b)).astype(dtype)
        for a, b in zip(layer_sizes[:-1], layer_sizes[1:], strict=True)
    ]
    n_samples = X.shape[0]
    batch_size = min(batch_size, n_samples)
    acts = [np.empty((batch_size, n), dtype) for n in layer_sizes]
    grads_W = [np.empty_like(W) for W in weights]

    def epoch():
        for start in range(0, n_samples, batch_size):
            m = min(batch_size, n_samples - start)
            acts_m = [X[start : start + m]] + [a[:m] for a in acts[1:]]
            for layer, W in enumerate(weights):
                np.matmul(acts_m[layer], W, out=acts_m[layer + 1])
            for layer in range(len(weights) - 1, -1, -1):
                dZ = acts_m[layer + 1]
                np.matmul(acts_m[layer].T, dZ, out=grads_W[layer])
                if layer > 0:
                    np.matmul(dZ, weights[layer].T, out=acts_m[layer])

    epoch()  # warm up
    return epoch


# -- fitting each library ----------------------------------------------------------------


def fit_skdeepnn(X, y, solver, epochs, batch_size, kernels="numpy", early_stopping=False):
    learning_rate = LEARNING_RATE if solver == "adam" else 0.1
    model = DeepNNClassifier(
        hidden_layer_sizes=HIDDEN,
        solver=solver,
        learning_rate=learning_rate,
        batch_size=batch_size,
        alpha=ALPHA,
        max_iter=epochs,
        tol=0,
        n_iter_no_change=epochs + 1,
        early_stopping=early_stopping,
        random_state=0,
    )
    with skdeepnn.config_context(kernels=kernels):
        return fit_quietly(model, X, y)


def fit_mlp(X, y, solver, epochs, batch_size, early_stopping=False):
    if solver == "adam":
        options = dict(solver="adam", learning_rate_init=LEARNING_RATE)
    else:  # full-batch gradient descent is sgd without momentum on one batch; without
        # shuffle=False, MLPClassifier would copy all of X every iteration to reorder it.
        options = dict(
            solver="sgd",
            learning_rate_init=0.1,
            momentum=0.0,
            nesterovs_momentum=False,
            shuffle=False,
        )
    model = MLPClassifier(
        hidden_layer_sizes=HIDDEN,
        batch_size=batch_size,
        alpha=ALPHA,
        max_iter=epochs,
        tol=0,
        n_iter_no_change=epochs + 1,
        early_stopping=early_stopping,
        random_state=0,
        **options,
    )
    return fit_quietly(model, X, y)


class TorchModel:
    """The same network and training in PyTorch, for the CPU comparison."""

    def __init__(self, X, y, solver, epochs, batch_size):
        torch.manual_seed(0)
        dtype = torch.float32 if X.dtype == np.float32 else torch.float64
        sizes = [X.shape[1], *HIDDEN, N_CLASSES]
        layers = []
        for a, b in zip(sizes[:-1], sizes[1:], strict=True):
            layers += [torch.nn.Linear(a, b, dtype=dtype), torch.nn.ReLU()]
        self.net = torch.nn.Sequential(*layers[:-1])
        params = self.net.parameters()
        # L2 as alpha / (2 m) ||W||^2 on the mean loss is weight decay alpha / m.
        decay = ALPHA / batch_size
        if solver == "adam":
            optimizer = torch.optim.Adam(params, lr=LEARNING_RATE, weight_decay=decay)
        else:
            optimizer = torch.optim.SGD(params, lr=0.1, weight_decay=decay)
        Xt, yt = torch.from_numpy(X), torch.from_numpy(y.astype(np.int64))
        loss_function = torch.nn.CrossEntropyLoss()
        for _ in range(epochs):
            order = torch.randperm(len(yt)) if batch_size < len(yt) else None
            for start in range(0, len(yt), batch_size):
                rows = slice(start, start + batch_size)
                X_batch, y_batch = (
                    (Xt[rows], yt[rows]) if order is None else (Xt[order[rows]], yt[order[rows]])
                )
                optimizer.zero_grad(set_to_none=True)
                loss_function(self.net(X_batch), y_batch).backward()
                optimizer.step()

    def predict(self, X):
        with torch.no_grad():
            return self.net(torch.from_numpy(X)).argmax(dim=1).numpy()


# -- the report -------------------------------------------------------------------------


def per_epoch(train, epochs, repeats):
    """Seconds per epoch without a fit's fixed costs (validation, set-up, first touch):
    the time of a fit of ``1 + epochs`` epochs minus that of a 1-epoch fit."""
    one = median_time(lambda: train(1), repeats)
    more = median_time(lambda: train(1 + epochs), repeats)
    return (more - one) / epochs


def epochs_in_rounds(trainers, limit, epochs, repeats):
    """Seconds per epoch of each trainer, and of the products alone, in ``repeats`` rounds.

    In each round every library trains once for 1 epoch and once for ``1 + epochs``
    (their difference over ``epochs`` is the marginal epoch, as in ``per_epoch``), and
    ``limit`` (an epoch of products alone) runs once: a slow spell of the machine then
    falls on one round, whose measurements were taken side by side, and the ratios of
    each round can be compared.

    Each trainer first runs 1 epoch untimed: numba's kernels load (or compile) at their
    first call in a process, which no round should count.

    Returns a dict of label: list of seconds, one per round, with "limit" among them.
    """
    for train in trainers.values():
        train(1)
    rounds = {"limit": [], **{label: [] for label in trainers}}
    for _ in range(repeats):
        rounds["limit"].append(median_time(limit, 1))
        for label, train in trainers.items():
            one = median_time(lambda train=train: train(1), 1)
            more = median_time(lambda train=train: train(1 + epochs), 1)
            rounds[label].append((more - one) / epochs)
    return rounds


def report_large(args, sections):
    """The sections on the large synthetic data: adam, gd, logistic, predict, memory."""
    repeats = args.repeats or (1 if args.quick else 3)
    X64, y = make_data(args.samples + 10_000, args.features)
    X64 = X64.astype(np.float64)
    X_test64, y_test = X64[args.samples :], y[args.samples :]
    X64, y = X64[: args.samples], y[: args.samples]
    X32, X_test32 = X64.astype(np.float32), X_test64.astype(np.float32)
    layer_sizes = [args.features, *HIDDEN, N_CLASSES]
    n = args.samples
    print(
        f"# data: {n} x {args.features}, {N_CLASSES} classes; network {layer_sizes}; "
        f"medians of {repeats} runs\n"
    )

    rows = []  # (measurement, {"limit" or library: seconds per round}, flops)
    accuracy = {}

    def libraries(X, solver, batch_size):
        """Each library's training of ``e`` epochs, by its label in the table."""
        mlp_solver = "adam" if solver == "adam" else "sgd"
        trainers = {
            f"skdeepnn ({kernels})": (
                lambda e, kernels=kernels: fit_skdeepnn(X, y, solver, e, batch_size, kernels)
            )
            for kernels in KERNELS
        }
        trainers["MLPClassifier"] = lambda e: fit_mlp(X, y, mlp_solver, e, batch_size)
        if torch:
            trainers["PyTorch CPU"] = lambda e: TorchModel(X, y, solver, e, batch_size)
        return trainers

    flops = network_flops(n, layer_sizes)
    if "adam" in sections:
        for name, X, X_test in (("float32", X32, X_test32), ("float64", X64, X_test64)):
            rounds = epochs_in_rounds(
                libraries(X, "adam", BATCH_SIZE),
                matmul_epoch(X, layer_sizes, BATCH_SIZE),
                args.epochs,
                repeats,
            )
            rows.append((f"Adam epoch, batch {BATCH_SIZE}, {name}", rounds, flops))
            if name == "float32":
                for kernels in KERNELS:
                    model = fit_skdeepnn(X, y, "adam", args.epochs, BATCH_SIZE, kernels)
                    accuracy[f"skdeepnn ({kernels})"] = model.score(X_test, y_test)
                accuracy["MLPClassifier"] = fit_mlp(X, y, "adam", args.epochs, BATCH_SIZE).score(
                    X_test, y_test
                )
                if torch:
                    model = TorchModel(X, y, "adam", args.epochs, BATCH_SIZE)
                    accuracy["PyTorch"] = float(np.mean(model.predict(X_test) == y_test))

    if "gd" in sections:
        rounds = epochs_in_rounds(
            libraries(X32, "gd", n), matmul_epoch(X32, layer_sizes, n), args.gd_iterations, repeats
        )
        rows.append(("full-batch gd iteration, float32", rounds, flops))

    if rows:
        print_speed_table(rows)

    if "logistic" in sections:
        # A full-batch iteration of logistic regression is two products, Z = X @ W and
        # dW = X.T @ dZ: their time alone at this shape is its limit.
        W = np.full((args.features, N_CLASSES), 0.01, dtype=np.float32)
        Z = np.empty((n, N_CLASSES), dtype=np.float32)
        dW = np.empty_like(W)

        def products(times=5):  # an iteration's worth, 5 times: one call is too short to time
            for _ in range(times):
                np.matmul(X32, W, out=Z)
                np.matmul(X32.T, Z, out=dW)

        def fit_logistic(iterations, kernels):
            with skdeepnn.config_context(kernels=kernels):
                fit_quietly(LogisticRegressionGD(max_iter=iterations, tol=0), X32, y)

        # In rounds, as the Adam epochs: the products and each kernel's iterations side
        # by side, and the share of each round, whose measurements shared the machine.
        products(1)  # untimed: Z's first touch
        rounds = epochs_in_rounds(
            {kernels: functools.partial(fit_logistic, kernels=kernels) for kernels in KERNELS},
            products,
            10,
            max(5, repeats),
        )
        rounds["limit"] = [seconds / 5 for seconds in rounds["limit"]]
        limit = statistics.median(rounds["limit"])
        print(f"\n| LogisticRegressionGD, float32, {N_CLASSES} classes | per iteration "
              "| its two products alone | share of their rate (median of rounds) |"
              "\n|---|---|---|---|")  # fmt: skip
        for kernels in KERNELS:
            share = statistics.median(
                products_time / iteration
                for products_time, iteration in zip(rounds["limit"], rounds[kernels], strict=True)
            )
            print(
                f"| {kernels} kernels | {statistics.median(rounds[kernels]) * 1e3:.1f} ms "
                f"| {limit * 1e3:.1f} ms | {share:.0%} |"
            )

    if "predict" in sections:
        # Prediction latency, with models trained one epoch.
        ours_model = fit_skdeepnn(X32, y, "adam", 1, BATCH_SIZE)
        mlp_model = fit_mlp(X32, y, "adam", 1, BATCH_SIZE)
        one_row = X_test32[:1]
        big = np.resize(X_test32, (100_000, args.features))
        latency = {}
        for label, model in (("skdeepnn", ours_model), ("MLPClassifier", mlp_model)):
            model.predict(one_row)
            single = median_time(
                lambda model=model: [model.predict(one_row) for _ in range(100)], 5
            )
            bulk = median_time(lambda model=model: model.predict(big), repeats)
            latency[label] = (single / 100, bulk)
        print("\n| predict | skdeepnn | MLPClassifier | ratio |\n|---|---|---|---|")
        print(
            f"| 1 row | {latency['skdeepnn'][0] * 1e6:.0f} us | "
            f"{latency['MLPClassifier'][0] * 1e6:.0f} us | "
            f"{latency['skdeepnn'][0] / latency['MLPClassifier'][0]:.2f}x |"
        )
        print(
            f"| 100,000 rows | {latency['skdeepnn'][1] * 1e3:.0f} ms | "
            f"{latency['MLPClassifier'][1] * 1e3:.0f} ms | "
            f"{latency['skdeepnn'][1] / latency['MLPClassifier'][1]:.2f}x |"
        )

    if "memory" in sections:
        # Peak memory of one Adam epoch, beyond the input (X exists before tracing starts),
        # and with early stopping, whose split MLPClassifier copies out and skdeepnn does not.
        print(
            "\n| peak memory of fit beyond X | float32 | float64 | float32, early_stopping=True |"
            "\n|---|---|---|---|"
        )
        for label, fit in (("skdeepnn", fit_skdeepnn), ("MLPClassifier", fit_mlp)):
            cells = []
            for X, early_stopping in ((X32, False), (X64, False), (X32, True)):
                peak = peak_memory(
                    lambda fit=fit, X=X, early_stopping=early_stopping: fit(
                        X, y, "adam", 1, BATCH_SIZE, early_stopping=early_stopping
                    )
                )
                cells.append(f"{peak / 2**20:.0f} MiB ({peak / X.nbytes:.2f} x X)")
            print(f"| {label} | {' | '.join(cells)} |")

    if accuracy:
        print(
            f"\nTest accuracy after {args.epochs} Adam epochs (float32): "
            + ", ".join(f"{name} {score:.4f}" for name, score in accuracy.items())
        )


def print_speed_table(rows):
    """The epoch times as a Markdown table: median seconds and GFLOP/s per library, then
    each skdeepnn kernel's time over MLPClassifier's and its share of the limit's rate,
    both the median of the rounds' ratios (see ``epochs_in_rounds``)."""
    labels = list(rows[0][1])
    ours = [label for label in labels if label.startswith("skdeepnn")]
    header = ["measurement", "limit (matmul alone)", *labels[1:]]
    header += [f"{label} / MLP" for label in ours] + [f"{label} / limit rate" for label in ours]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))

    def ratio(numerator, denominator):
        return statistics.median(a / b for a, b in zip(numerator, denominator, strict=True))

    for measurement, rounds, flops in rows:
        cells = [measurement]
        for label in labels:
            seconds = statistics.median(rounds[label])
            cells.append(f"{seconds:.3f} s ({flops / seconds / 1e9:.0f} GFLOP/s)")
        cells += [f"{ratio(rounds[label], rounds['MLPClassifier']):.2f}x" for label in ours]
        cells += [f"{ratio(rounds['limit'], rounds[label]):.0%}" for label in ours]
        print("| " + " | ".join(cells) + " |")


def parse_sections(text):
    names = [name.strip() for name in text.split(",") if name.strip()]
    if names == ["all"]:
        return set(SECTIONS)
    unknown = sorted(set(names) - set(SECTIONS))
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown section(s) {', '.join(unknown) or '(none given)'}; "
            f"choose from {', '.join(SECTIONS)} or all"
        )
    return set(names)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sections",
        type=parse_sections,
        default=DEFAULT_SECTIONS,
        help=f"comma-separated, from {', '.join(SECTIONS)}, or all (default: {DEFAULT_SECTIONS})",
    )
    parser.add_argument("--samples", type=int, default=60_000)
    parser.add_argument("--features", type=int, default=784)
    parser.add_argument("--epochs", type=int, default=3, help="Adam epochs per timed fit")
    parser.add_argument("--gd-iterations", type=int, default=5)
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
    # argparse applies ``type`` to a string default, so --sections' default is a set too.
    args = parser.parse_args(argv)
    if args.quick:
        args.samples = 10_000
        args.repeats = args.repeats or 1
        if args.scaling_max is None:
            args.scaling_max = 30_000
    if args.scaling_max is None:
        args.scaling_max = 1_000_000
    args.scaling_max = int(args.scaling_max)
    return args


def main(argv=None):
    args = parse_args(argv)
    if args.blas_threads is not None:
        threadpool_limits(limits=args.blas_threads, user_api="blas")
    sections = args.sections
    if torch is not None:
        torch.set_num_threads(args.blas_threads or os.cpu_count())
    blas = {
        f"{info['internal_api']} {info['num_threads']} thread{'s' * (info['num_threads'] != 1)}"
        for info in threadpool_info()
        if info["user_api"] == "blas"
    }
    print(
        f"# skdeepnn benchmark: {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores, NumPy {np.__version__}"
        + (f", PyTorch {torch.__version__}" if torch else ", PyTorch not installed")
    )
    print(
        f"# sections: {', '.join(name for name in SECTIONS if name in sections)}; "
        f"BLAS: {', '.join(sorted(blas))}; load average at start {os.getloadavg()[0]:.2f}"
    )
    if any(name in sections for name in LARGE_DATA_SECTIONS):
        report_large(args, sections)
    if "small" in sections:
        import bench_small

        bench_small.report(args.repeats or 5)
    if "startup" in sections:
        import bench_startup

        bench_startup.report(args.repeats or 3)
    if "scaling" in sections:
        import bench_scaling

        bench_scaling.report(
            repeats=args.repeats or 3,
            max_samples=args.scaling_max,
            out=args.out,
            figure=args.figure or None,
        )


if __name__ == "__main__":
    main()
