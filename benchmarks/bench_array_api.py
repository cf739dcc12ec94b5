"""One Adam epoch through scikit-learn's array API dispatch: NumPy, PyTorch tensors, and a
hand-written PyTorch loop of the same network on the same device.

The section ``array_api`` of ``python benchmarks/run_all.py``; run it alone with
``SCIPY_ARRAY_API=1 python benchmarks/bench_array_api.py`` (``--rows`` to shrink the
data, ``--quick`` for 10,000 rows and 1 round, ``--repeats`` for the rounds, default 5).
scikit-learn dispatches only when ``SCIPY_ARRAY_API=1`` is in the environment before it
is imported; without it, or without PyTorch, the PyTorch rows are skipped with a message
and the NumPy row is still measured.

The shape is ``bench_mlp.py``'s: ``--rows`` x 784 float32 synthetic rows
(``_common.make_data``, default 60,000), 10 classes, hidden layers (256, 128) of ReLU,
mini-batches of 256, Adam with learning rate 1e-3, betas (0.9, 0.999), L2 alpha 1e-4,
shuffled batches. The device is ``"cuda"`` when ``torch.cuda.is_available()``, else the
CPU; the report says which. Measured, each once a round, taking turns
(``_common.interleaved_times``, after one untimed warm-up run of each), ``--repeats``
rounds:

- ``DeepNNClassifier(max_iter=1)`` fitted on NumPy arrays (the NumPy path);
- the same fitted on PyTorch tensors on the device, with ``array_api_dispatch`` on
  (y a tensor on the device too);
- with CuPy importable and a CUDA device, the same on CuPy arrays;
- the anchor: the same network in PyTorch written by hand (``nn.Sequential`` of
  Linear-ReLU-Linear-ReLU-Linear, ``torch.optim.Adam`` with the same learning rate, betas
  and L2 as weight decay, ``CrossEntropyLoss``, a ``randperm`` shuffle, the same batch
  size) for one epoch on the same device;
- the limit: the epoch's own matrix products alone (forward ``A @ W``, backward
  ``A.T @ dZ`` and ``dZ @ W.T``, at the epoch's shapes, into preallocated outputs), in
  NumPy on the CPU, in PyTorch on the device (and in CuPy).

Every time is a whole one-epoch fit, fixed costs included (validating X, set-up, the
targets' move to the device; for the anchor, building the network and the optimizer),
which is how a user meets it; the seconds are medians of the rounds, each ratio the median
of the rounds' ratios (``_common.median_ratio``). "Share of the device's matmul rate" is
the limit's time over the fit's: 100% would be a fit that does nothing but its products.
After the timings, one fit of each is scored on 10,000 held-out rows, and the NumPy and
PyTorch fits' probabilities compared (same seed: same start and same batches).

The report, a Markdown file, goes to ``--array-api-output``
(default ``benchmarks/results/bench_array_api.md``).
"""

import importlib.util
import os
import statistics
import sys
from types import SimpleNamespace

import numpy as np
import sklearn
from _common import (
    N_CLASSES,
    ROOT,
    cpu_name,
    fit_quietly,
    interleaved_times,
    main,
    make_data,
    median_ratio,
    medians,
    n_repeats,
    torch,
)

import skdeepnn
from skdeepnn import DeepNNClassifier

SECTIONS = ("array_api",)

N_FEATURES = 784
HIDDEN = (256, 128)
BATCH_SIZE = 256
LEARNING_RATE = 1e-3
BETAS = (0.9, 0.999)
ALPHA = 1e-4
N_TEST = 10_000

DISPATCH_READY = os.environ.get("SCIPY_ARRAY_API") == "1"
CUPY = importlib.util.find_spec("cupy") is not None


def add_arguments(parser):
    parser.add_argument(
        "--rows",
        "--array-api-rows",
        dest="array_api_rows",
        type=int,
        default=60_000,
        help="array_api: training rows (default 60,000; 10,000 with --quick)",
    )
    parser.add_argument(
        "--array-api-output",
        default=ROOT / "benchmarks" / "results" / "bench_array_api.md",
        help="array_api: where to write the Markdown report (default benchmarks/results/)",
    )


# -- what is timed -----------------------------------------------------------------------


def network_flops(n_rows, layer_sizes):
    """Floating-point operations of the products of one forward and backward pass over
    ``n_rows`` rows: ``2 m a b`` for each of ``Z = A @ W`` and ``dW = A.T @ dZ`` per layer,
    and for ``dA = dZ @ W.T`` but at the input layer (as ``bench_mlp.network_flops``)."""
    pairs = list(zip(layer_sizes[:-1], layer_sizes[1:], strict=True))
    return n_rows * (sum(4 * a * b for a, b in pairs) + sum(2 * a * b for a, b in pairs[1:]))


def products_epoch(X, layer_sizes, empty, matmul, synchronize):
    """A function that runs only the matrix products of one epoch of ``X`` (an array of
    any library), in mini-batches of ``BATCH_SIZE``, into outputs made by ``empty(shape)``;
    ``matmul(a, b, out)`` is the library's product, ``synchronize()`` waits for the device."""
    n_rows = X.shape[0]
    m_full = min(BATCH_SIZE, n_rows)
    pairs = list(zip(layer_sizes[:-1], layer_sizes[1:], strict=True))
    weights = [empty((a, b)) for a, b in pairs]
    for W in weights:
        W[...] = 0.01
    acts = [None] + [empty((m_full, n)) for n in layer_sizes[1:]]
    grads = [empty(W.shape) for W in weights]

    def epoch():
        for start in range(0, n_rows, BATCH_SIZE):
            m = min(BATCH_SIZE, n_rows - start)
            acts_m = [X[start : start + m]] + [a[:m] for a in acts[1:]]
            for layer, W in enumerate(weights):
                matmul(acts_m[layer], W, acts_m[layer + 1])
            for layer in range(len(weights) - 1, -1, -1):
                dZ = acts_m[layer + 1]
                matmul(acts_m[layer].T, dZ, grads[layer])
                if layer > 0:
                    matmul(dZ, weights[layer].T, acts_m[layer])
        synchronize()

    return epoch


def numpy_products(X, layer_sizes):
    return products_epoch(
        X,
        layer_sizes,
        lambda shape: np.empty(shape, X.dtype),
        lambda a, b, out: np.matmul(a, b, out=out),
        lambda: None,
    )


def torch_products(X, layer_sizes):
    return products_epoch(
        X,
        layer_sizes,
        lambda shape: torch.empty(shape, dtype=X.dtype, device=X.device),
        lambda a, b, out: torch.matmul(a, b, out=out),
        torch_synchronizer(X.device),
    )


def cupy_products(X, layer_sizes):
    import cupy

    return products_epoch(
        X,
        layer_sizes,
        lambda shape: cupy.empty(shape, X.dtype),
        lambda a, b, out: cupy.matmul(a, b, out=out),
        cupy.cuda.Device().synchronize,
    )


def torch_synchronizer(device):
    """A function that waits for ``device``'s queued work (nothing to wait for on a CPU)."""
    if torch.device(device).type == "cuda":
        return torch.cuda.synchronize
    return lambda: None


def classifier():
    """One epoch of Adam, shuffled, at bench_mlp's settings, never stopping early."""
    return DeepNNClassifier(
        hidden_layer_sizes=HIDDEN,
        solver="adam",
        learning_rate=LEARNING_RATE,
        beta_1=BETAS[0],
        beta_2=BETAS[1],
        alpha=ALPHA,
        batch_size=BATCH_SIZE,
        max_iter=1,
        tol=0,
        n_iter_no_change=10,
        shuffle=True,
        random_state=0,
    )


def fit_numpy(X, y):
    return fit_quietly(classifier(), X, y)


def fit_dispatched(X, y, synchronize=lambda: None):
    """``classifier()`` fitted on ``X`` and ``y`` of another library, dispatch on."""
    with sklearn.config_context(array_api_dispatch=True):
        model = fit_quietly(classifier(), X, y)
    synchronize()
    return model


def anchor_epoch(X, y):
    """One epoch of the same network and training written by hand in PyTorch, on the
    device of the tensors ``X`` and ``y`` (int64); returns the network."""
    torch.manual_seed(0)
    sizes = [X.shape[1], *HIDDEN, N_CLASSES]
    layers = []
    for a, b in zip(sizes[:-1], sizes[1:], strict=True):
        layers += [torch.nn.Linear(a, b, dtype=X.dtype, device=X.device), torch.nn.ReLU()]
    net = torch.nn.Sequential(*layers[:-1])
    # L2 as alpha / (2 m) ||W||^2 on the mean loss is weight decay alpha / m.
    optimizer = torch.optim.Adam(
        net.parameters(), lr=LEARNING_RATE, betas=BETAS, eps=1e-8, weight_decay=ALPHA / BATCH_SIZE
    )
    loss_function = torch.nn.CrossEntropyLoss()
    order = torch.randperm(len(y), device=X.device)
    for start in range(0, len(y), BATCH_SIZE):
        rows = order[start : start + BATCH_SIZE]
        optimizer.zero_grad(set_to_none=True)
        loss_function(net(X[rows]), y[rows]).backward()
        optimizer.step()
    torch_synchronizer(X.device)()
    return net


# -- the report --------------------------------------------------------------------------


def device_name(device):
    if torch is not None and torch.device(device).type == "cuda":
        return f"cuda ({torch.cuda.get_device_name()})"
    threads = f"{torch.get_num_threads()} torch thread{'s' * (torch.get_num_threads() != 1)}"
    return f"cpu ({cpu_name()}, {os.cpu_count()} cores, {threads})"


def format_seconds(seconds):
    return f"{seconds * 1e3:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


def speed_table(rounds, paths, flops):
    """Markdown: one row per measured path and per limit. ``paths`` maps each timed name
    to (its label, its device's label, the name of its limit in ``rounds``)."""
    seconds = medians(rounds)
    lines = [
        "| one Adam epoch (a max_iter=1 fit) | device | seconds | GFLOP/s "
        "| / NumPy path | / PyTorch anchor | share of the device's matmul rate |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, (label, device, limit) in paths.items():
        cells = [label, device, format_seconds(seconds[name]), f"{flops / seconds[name] / 1e9:.0f}"]
        for reference in ("numpy", "anchor"):
            if reference in rounds:
                cells.append(f"{median_ratio(rounds[name], rounds[reference]):.2f}x")
            else:
                cells.append("-")
        cells.append(f"{median_ratio(rounds[limit], rounds[name]):.0%}" if limit else "-")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def limits_table(rounds, limits, flops):
    seconds = medians(rounds)
    lines = [
        "| the epoch's matrix products alone (the limit) | device | seconds | GFLOP/s |",
        "|---|---|---|---|",
    ]
    for name, (label, device) in limits.items():
        lines.append(
            f"| {label} | {device} | {format_seconds(seconds[name])} "
            f"| {flops / seconds[name] / 1e9:.0f} |"
        )
    return "\n".join(lines)


def to_numpy(array):
    if torch is not None and isinstance(array, torch.Tensor):
        return array.detach().cpu().numpy()
    if hasattr(array, "get"):  # CuPy
        return array.get()
    return np.asarray(array)


def agreement(data, models, anchor_net, device):
    """Test accuracy of each fit after its one epoch, and how far the NumPy and PyTorch
    fits' probabilities are apart (same seed: same start, same batches)."""
    lines = []
    reference = models["numpy"].predict_proba(data.X_test)
    accuracy = {"skdeepnn, NumPy": models["numpy"].score(data.X_test, data.y_test)}
    for name, X_test in data.test_inputs.items():
        with sklearn.config_context(array_api_dispatch=True):
            model = models[name]
            proba = to_numpy(model.predict_proba(X_test))
            labels = to_numpy(model.predict(X_test))
        accuracy[f"skdeepnn, {name}"] = float(np.mean(labels == data.y_test))
        lines.append(
            f"- skdeepnn on {name} against NumPy, same seed: largest difference of "
            f"predict_proba {np.abs(proba - reference).max():.1e}, same label on "
            f"{np.mean(labels == models['numpy'].predict(data.X_test)):.2%} of the rows."
        )
    if anchor_net is not None:
        with torch.no_grad():
            X_test = torch.from_numpy(data.X_test).to(device)
            labels = anchor_net(X_test).argmax(dim=1).cpu().numpy()
        accuracy["PyTorch anchor"] = float(np.mean(labels == data.y_test))
    lines.insert(
        0,
        f"- Test accuracy on {N_TEST:,} held-out rows after one epoch: "
        + ", ".join(f"{name} {score:.4f}" for name, score in accuracy.items())
        + ".",
    )
    return "\n".join(lines)


def versions():
    parts = [
        f"skdeepnn {skdeepnn.__version__}",
        f"NumPy {np.__version__}",
        f"scikit-learn {sklearn.__version__}",
        f"PyTorch {torch.__version__}" if torch is not None else "PyTorch not installed",
    ]
    if CUPY:
        import cupy

        parts.append(f"CuPy {cupy.__version__}")
    return ", ".join(parts)


def run(args, sections):
    """Time the epochs and the limits, in rounds; print the report and write it."""
    repeats = n_repeats(args, 5)
    n_rows = 10_000 if args.quick else args.array_api_rows
    X_all, y_all = make_data(n_rows + N_TEST, N_FEATURES)
    X, y = X_all[:n_rows], y_all[:n_rows]
    layer_sizes = [N_FEATURES, *HIDDEN, N_CLASSES]
    flops = network_flops(n_rows, layer_sizes)
    load_start = os.getloadavg()

    functions = {"numpy": lambda: fit_numpy(X, y), "numpy products": numpy_products(X, layer_sizes)}
    paths = {"numpy": ("skdeepnn, NumPy arrays", "cpu", "numpy products")}
    limits = {"numpy products": ("NumPy", "cpu")}
    notes = []
    test_inputs = {}
    device = None
    if torch is None:
        notes.append("PyTorch is not installed: its rows are skipped.")
    else:
        device = "cuda" if torch.cuda.is_available() else "cpu"
        Xt = torch.from_numpy(X).to(device)
        yt = torch.from_numpy(y.astype(np.int64)).to(device)
        sync = torch_synchronizer(device)
        functions["anchor"] = lambda: anchor_epoch(Xt, yt)
        functions["torch products"] = torch_products(Xt, layer_sizes)
        paths["anchor"] = ("hand-written PyTorch loop (the anchor)", device, "torch products")
        limits["torch products"] = ("PyTorch", device)
        if DISPATCH_READY:
            functions["torch"] = lambda: fit_dispatched(Xt, yt, sync)
            paths["torch"] = ("skdeepnn, PyTorch tensors, dispatch on", device, "torch products")
            test_inputs["PyTorch tensors"] = torch.from_numpy(X_all[n_rows:]).to(device)
        else:
            notes.append(
                "SCIPY_ARRAY_API=1 was not in the environment: scikit-learn cannot "
                "dispatch, so skdeepnn on PyTorch tensors is skipped."
            )
    if CUPY and DISPATCH_READY and device == "cuda":
        import cupy

        Xc, yc = cupy.asarray(X), cupy.asarray(y)
        functions["cupy"] = lambda: fit_dispatched(Xc, yc, cupy.cuda.Device().synchronize)
        functions["cupy products"] = cupy_products(Xc, layer_sizes)
        paths["cupy"] = ("skdeepnn, CuPy arrays, dispatch on", "cuda", "cupy products")
        limits["cupy products"] = ("CuPy", "cuda")
        test_inputs["CuPy arrays"] = cupy.asarray(X_all[n_rows:])
    elif CUPY:
        notes.append("CuPy imports but there is no CUDA device (or no dispatch): skipped.")
    else:
        notes.append("CuPy is not installed: its rows are skipped.")
    # Keep the fitted paths first, then the anchor, in the table.
    order = [name for name in ("numpy", "torch", "cupy", "anchor") if name in paths]
    paths = {name: paths[name] for name in order}

    measured = "device " + (device_name(device) if device else "cpu (NumPy only)")
    print(f"\n# array_api: {n_rows:,} x {N_FEATURES} float32, {measured}; {repeats} rounds")
    rounds = interleaved_times(functions, repeats, warm_up=True)
    load_end = os.getloadavg()

    models = {"numpy": fit_numpy(X, y)}
    if "torch" in functions:
        models["PyTorch tensors"] = fit_dispatched(Xt, yt)
    if "cupy" in functions:
        models["CuPy arrays"] = fit_dispatched(Xc, yc)
    data = SimpleNamespace(X_test=X_all[n_rows:], y_test=y_all[n_rows:], test_inputs=test_inputs)
    anchor_net = anchor_epoch(Xt, yt) if torch is not None else None
    checks = agreement(data, models, anchor_net, device)

    report = (
        f"# benchmarks/bench_array_api.py\n\n"
        f"## One Adam epoch through array API dispatch, {n_rows:,} x {N_FEATURES} float32, "
        f"network {layer_sizes}, batch {BATCH_SIZE}\n\n"
        f"Measured on {measured}. {versions()}. Medians of {repeats} rounds, every "
        f"measurement once a round, taking turns, after one untimed run of each; each ratio "
        f"is the median of the rounds' ratios. Load average (1 min) "
        f"{load_start[0]:.2f} at the start, {load_end[0]:.2f} after the rounds.\n\n"
        f"{speed_table(rounds, paths, flops)}\n\n"
        f"{limits_table(rounds, limits, flops)}\n\n"
        f"{checks}\n"
        + "".join(f"- {note}\n" for note in notes)
        + "\nEach epoch is a whole `max_iter=1` fit, its fixed costs included (validation, "
        "set-up, the targets' one move to the device; the anchor's network and optimizer "
        "built). The share of the matmul rate is the limit's seconds over the fit's, on the "
        "fit's own device: NumPy's products for the NumPy path, PyTorch's for the tensors.\n"
    )
    print("\n" + report)
    path = args.array_api_output
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w", encoding="utf-8") as file:
        file.write(report)
    print(f"Report written to {path}")
    return statistics.median(rounds["numpy"])


if __name__ == "__main__":
    main([sys.modules[__name__]])
