"""Time skdeepnn against scikit-learn's MLPClassifier, and PyTorch's CPU build when installed.

The sections ``adam, gd, logistic, predict, memory`` of ``python benchmarks/run_all.py``
(which runs every benchmark, about 10 minutes on 2 cores); run them alone with
``python benchmarks/bench_mlp.py`` (``--quick`` for a smaller run, ``--sections`` to pick
some). Everything is measured side by side in one run, as medians of ``--repeats`` runs, on
synthetic data made here (``_common.make_data``): ``--samples`` rows of ``--features``
standard-normal features whose 10 classes come from a random ReLU "teacher" network, so
that accuracy means something.

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

PyTorch is optional and never a dependency of skdeepnn: it is timed only if it imports.
"""

import functools
import statistics
import sys
from types import SimpleNamespace

import numpy as np
from _common import (
    KERNELS,
    N_CLASSES,
    fit_quietly,
    main,
    make_data,
    median_ratio,
    median_time,
    n_repeats,
    peak_memory,
    torch,
)
from sklearn.neural_network import MLPClassifier

import skdeepnn
from skdeepnn import DeepNNClassifier, LogisticRegressionGD

SECTIONS = ("adam", "gd", "logistic", "predict", "memory")

HIDDEN = (256, 128)
BATCH_SIZE = 256
LEARNING_RATE = 1e-3
ALPHA = 1e-4


def add_arguments(parser):
    parser.add_argument("--samples", type=int, default=60_000)
    parser.add_argument("--features", type=int, default=784)
    parser.add_argument("--epochs", type=int, default=3, help="Adam epochs per timed fit")
    parser.add_argument("--gd-iterations", type=int, default=5)


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


def shared_options(epochs, batch_size, early_stopping):
    """What both libraries' classifiers are given alike: the network, L2, the batches,
    exactly ``epochs`` epochs (no stopping on the loss) and the seed."""
    return dict(
        hidden_layer_sizes=HIDDEN,
        batch_size=batch_size,
        alpha=ALPHA,
        max_iter=epochs,
        tol=0,
        n_iter_no_change=epochs + 1,
        early_stopping=early_stopping,
        random_state=0,
    )


def fit_skdeepnn(X, y, solver, epochs, batch_size, kernels="numpy", early_stopping=False):
    learning_rate = LEARNING_RATE if solver == "adam" else 0.1
    model = DeepNNClassifier(
        solver=solver,
        learning_rate=learning_rate,
        **shared_options(epochs, batch_size, early_stopping),
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
    model = MLPClassifier(**shared_options(epochs, batch_size, early_stopping), **options)
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


def load_data(n_samples, n_features):
    """The synthetic training rows in float32 and float64, and 10,000 test rows."""
    X64, y = make_data(n_samples + 10_000, n_features)
    X64 = X64.astype(np.float64)
    X_test64, y_test = X64[n_samples:], y[n_samples:]
    X64, y = X64[:n_samples], y[:n_samples]
    return SimpleNamespace(
        X32=X64.astype(np.float32),
        X64=X64,
        X_test32=X_test64.astype(np.float32),
        X_test64=X_test64,
        y=y,
        y_test=y_test,
        layer_sizes=[n_features, *HIDDEN, N_CLASSES],
    )


def libraries(X, y, solver, batch_size):
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


def adam_rows(data, epochs, repeats, rows):
    """Append the Adam epochs' rows (float32 and float64) to ``rows``; return the test
    accuracy each library reached after ``epochs`` float32 epochs."""
    y, y_test = data.y, data.y_test
    flops = network_flops(len(y), data.layer_sizes)
    accuracy = {}
    for name, X, X_test in (
        ("float32", data.X32, data.X_test32),
        ("float64", data.X64, data.X_test64),
    ):
        rounds = epochs_in_rounds(
            libraries(X, y, "adam", BATCH_SIZE),
            matmul_epoch(X, data.layer_sizes, BATCH_SIZE),
            epochs,
            repeats,
        )
        rows.append((f"Adam epoch, batch {BATCH_SIZE}, {name}", rounds, flops))
        if name == "float32":
            for kernels in KERNELS:
                model = fit_skdeepnn(X, y, "adam", epochs, BATCH_SIZE, kernels)
                accuracy[f"skdeepnn ({kernels})"] = model.score(X_test, y_test)
            accuracy["MLPClassifier"] = fit_mlp(X, y, "adam", epochs, BATCH_SIZE).score(
                X_test, y_test
            )
            if torch:
                model = TorchModel(X, y, "adam", epochs, BATCH_SIZE)
                accuracy["PyTorch"] = float(np.mean(model.predict(X_test) == y_test))
    return accuracy


def gd_row(data, iterations, repeats):
    n = len(data.y)
    rounds = epochs_in_rounds(
        libraries(data.X32, data.y, "gd", n),
        matmul_epoch(data.X32, data.layer_sizes, n),
        iterations,
        repeats,
    )
    return ("full-batch gd iteration, float32", rounds, network_flops(n, data.layer_sizes))


def report_logistic(data, repeats):
    # A full-batch iteration of logistic regression is two products, Z = X @ W and
    # dW = X.T @ dZ: their time alone at this shape is its limit.
    X32, y = data.X32, data.y
    W = np.full((X32.shape[1], N_CLASSES), 0.01, dtype=np.float32)
    Z = np.empty((len(y), N_CLASSES), dtype=np.float32)
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
        share = median_ratio(rounds["limit"], rounds[kernels])
        print(
            f"| {kernels} kernels | {statistics.median(rounds[kernels]) * 1e3:.1f} ms "
            f"| {limit * 1e3:.1f} ms | {share:.0%} |"
        )


def report_predict(data, repeats):
    """Prediction latency, with models trained one epoch."""
    ours_model = fit_skdeepnn(data.X32, data.y, "adam", 1, BATCH_SIZE)
    mlp_model = fit_mlp(data.X32, data.y, "adam", 1, BATCH_SIZE)
    one_row = data.X_test32[:1]
    big = np.resize(data.X_test32, (100_000, data.X32.shape[1]))
    latency = {}
    for label, model in (("skdeepnn", ours_model), ("MLPClassifier", mlp_model)):
        model.predict(one_row)
        single = median_time(lambda model=model: [model.predict(one_row) for _ in range(100)], 5)
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


def report_memory(data):
    """Peak memory of one Adam epoch, beyond the input (X exists before tracing starts),
    and with early stopping, whose split MLPClassifier copies out and skdeepnn does not."""
    print(
        "\n| peak memory of fit beyond X | float32 | float64 | float32, early_stopping=True |"
        "\n|---|---|---|---|"
    )
    for label, fit in (("skdeepnn", fit_skdeepnn), ("MLPClassifier", fit_mlp)):
        cells = []
        for X, early_stopping in ((data.X32, False), (data.X64, False), (data.X32, True)):
            peak = peak_memory(
                lambda fit=fit, X=X, early_stopping=early_stopping: fit(
                    X, data.y, "adam", 1, BATCH_SIZE, early_stopping=early_stopping
                )
            )
            cells.append(f"{peak / 2**20:.0f} MiB ({peak / X.nbytes:.2f} x X)")
        print(f"| {label} | {' | '.join(cells)} |")


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
    for measurement, rounds, flops in rows:
        cells = [measurement]
        for label in labels:
            seconds = statistics.median(rounds[label])
            cells.append(f"{seconds:.3f} s ({flops / seconds / 1e9:.0f} GFLOP/s)")
        cells += [f"{median_ratio(rounds[label], rounds['MLPClassifier']):.2f}x" for label in ours]
        cells += [f"{median_ratio(rounds['limit'], rounds[label]):.0%}" for label in ours]
        print("| " + " | ".join(cells) + " |")


def run(args, sections):
    """The sections on the large synthetic data: adam, gd, logistic, predict, memory."""
    repeats = n_repeats(args, 3)
    n_samples = 10_000 if args.quick else args.samples
    data = load_data(n_samples, args.features)
    print(
        f"# data: {n_samples} x {args.features}, {N_CLASSES} classes; "
        f"network {data.layer_sizes}; medians of {repeats} runs\n"
    )
    rows = []  # (measurement, {"limit" or library: seconds per round}, flops)
    accuracy = {}
    if "adam" in sections:
        accuracy = adam_rows(data, args.epochs, repeats, rows)
    if "gd" in sections:
        rows.append(gd_row(data, args.gd_iterations, repeats))
    if rows:
        print_speed_table(rows)
    if "logistic" in sections:
        report_logistic(data, repeats)
    if "predict" in sections:
        report_predict(data, repeats)
    if "memory" in sections:
        report_memory(data)
    if accuracy:
        print(
            f"\nTest accuracy after {args.epochs} Adam epochs (float32): "
            + ", ".join(f"{name} {score:.4f}" for name, score in accuracy.items())
        )


if __name__ == "__main__":
    main([sys.modules[__name__]])
