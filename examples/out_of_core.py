"""Training on data larger than memory
====================================

``partial_fit`` trains for one epoch on the rows it is given and keeps everything
else (weights, optimizer state, epoch count) for the next call, so a network can
learn from a data set that never sits in memory whole: it is read a chunk of rows
at a time, and each epoch is one pass over the chunks.

This script writes a classification data set (200,000 rows of 50 float32
features, 40 MB, by default) to a file in a temporary folder, a chunk at a time,
and then trains on it in two ways:

(a) NumPy memory maps. A first pass fits a ``StandardScaler`` with its own
    ``partial_fit``; then each epoch reads the training rows chunk by chunk,
    standardizes them and calls ``DeepNNClassifier.partial_fit``. The held-out
    rows are scored the same way, a chunk at a time.

(b) A Dask array over the same file, one block per chunk. With dask-ml installed,
    ``dask_ml.wrappers.Incremental`` calls ``partial_fit`` on each block in turn;
    with plain Dask, a loop over the array's blocks does the same. Either way the
    model is, bit for bit, the one that (a) trained: the same calls on the same
    rows in the same order. (Incremental shuffles the order of the blocks unless
    told not to; here it is told not to, so that the comparison holds. The rows
    were drawn at random, so their order carries nothing.) Every fit here runs its
    matrix products on one BLAS thread: skdeepnn does so by itself for products this
    small, but only in the main thread, and Dask calls ``partial_fit`` in threads of
    its own, where BLAS would use all of its threads, whose rounding differs from one
    thread's on some CPUs.

Each chunk is read through a memory map of its own rows only, which is closed when
the chunk has been used: a memory map of the whole file would also work, but every
page it has read stays mapped, and counted in the process's resident memory, until
the map is closed. The peak resident memory, printed after part (a) (before Dask is
imported), therefore grows by a few chunks, not by the size of the file: try
``--rows 2000000``, a 400 MB file.

Part (b) needs Dask (``pip install ".[distributed]"``, which brings dask-ml too); without
it, the script runs part (a) and says so. Run it with::

    python examples/out_of_core.py [--rows N] [--chunk-rows N] [--epochs N]

It is a plain script, not part of the documentation's executed gallery.
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from skdeepnn import DeepNNClassifier

N_FEATURES = 50
N_INFORMATIVE = 10
CLASSES = np.array([0, 1, 2])


def peak_memory_mb():
    """The process's peak resident memory so far, in MB of 10**6 bytes (None where not
    measured)."""
    try:
        import resource
    except ImportError:  # Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1e6 if sys.platform == "darwin" else peak * 1024 / 1e6  # bytes or KiB


def spans(start, stop, step):
    """``(begin, end)`` of the chunks of ``range(start, stop)``, ``step`` rows each."""
    return [(i, min(i + step, stop)) for i in range(start, stop, step)]


# -- the data: written to disk a chunk at a time ------------------------------------------


class Problem:
    """A fixed classification problem: a random one-hidden-layer network labels the rows.

    Only the first ``N_INFORMATIVE`` features matter; every feature then gets its own
    offset and scale (from 0.1 to 100), which is what the ``StandardScaler`` is for.
    """

    def __init__(self, seed=0):
        rng = np.random.default_rng(seed)
        self.W1 = rng.normal(size=(N_INFORMATIVE, 16)) / np.sqrt(N_INFORMATIVE)
        self.W2 = rng.normal(size=(16, len(CLASSES)))
        self.offsets = rng.uniform(-50, 50, size=N_FEATURES)
        self.scales = 10.0 ** rng.uniform(-1, 2, size=N_FEATURES)

    def rows(self, n, rng):
        X = rng.standard_normal(size=(n, N_FEATURES), dtype=np.float32)
        y = (np.tanh(X[:, :N_INFORMATIVE] @ self.W1) @ self.W2).argmax(axis=1)
        flipped = rng.random(n) < 0.05  # some label noise
        y[flipped] = rng.choice(CLASSES, size=flipped.sum())
        X *= self.scales.astype(np.float32)
        X += self.offsets.astype(np.float32)
        return X, y.astype(np.int8)


def read_rows(path, dtype, n_columns, start, stop, mode="r"):
    """Rows ``start:stop`` of the 2-D (or, with ``n_columns=None``, 1-D) array stored
    row by row in ``path``, as a memory map of those rows alone."""
    row_shape = () if n_columns is None else (n_columns,)
    row_bytes = np.dtype(dtype).itemsize * int(np.prod(row_shape))
    return np.memmap(
        path, dtype=dtype, mode=mode, offset=start * row_bytes, shape=(stop - start, *row_shape)
    )


def write_data(folder, n_rows, chunk_rows, seed=0):
    """Write ``n_rows`` rows to ``X.f32`` and their labels to ``y.i8`` in ``folder``."""
    X_path, y_path = Path(folder) / "X.f32", Path(folder) / "y.i8"
    # Create both files at their full size (empty); then map and fill a chunk at a time.
    for path, n_bytes in [(X_path, n_rows * N_FEATURES * 4), (y_path, n_rows)]:
        with open(path, "wb") as file:
            file.truncate(n_bytes)
    problem, rng = Problem(seed), np.random.default_rng(seed + 1)
    for start, stop in spans(0, n_rows, chunk_rows):
        X_rows = read_rows(X_path, np.float32, N_FEATURES, start, stop, mode="r+")
        y_rows = read_rows(y_path, np.int8, None, start, stop, mode="r+")
        X_rows[:], y_rows[:] = problem.rows(stop - start, rng)
        X_rows.flush()
        y_rows.flush()
        del X_rows, y_rows
    return X_path, y_path


# -- (a) partial_fit over chunks read from memory maps --------------------------------------


def chunks(X_path, y_path, begin, end, chunk_rows):
    """``(X, y)`` of each chunk of rows ``begin:end``, read from the files one at a time."""
    for start, stop in spans(begin, end, chunk_rows):
        X = np.asarray(read_rows(X_path, np.float32, N_FEATURES, start, stop))
        y = np.asarray(read_rows(y_path, np.int8, None, start, stop))
        yield X, y


def new_model():
    return DeepNNClassifier(
        hidden_layer_sizes=(64, 32), learning_rate=1e-2, batch_size=256, random_state=0
    )


def train_on_memmaps(X_path, y_path, n_train, chunk_rows, epochs):
    scaler = StandardScaler()
    for X, _ in chunks(X_path, y_path, 0, n_train, chunk_rows):
        scaler.partial_fit(X)
    model = new_model()
    for _ in range(epochs):
        for X, y in chunks(X_path, y_path, 0, n_train, chunk_rows):
            model.partial_fit(scaler.transform(X), y, classes=CLASSES)
    return scaler, model


def held_out_accuracy(model, scaler, X_path, y_path, n_train, n_rows, chunk_rows):
    correct = 0
    for X, y in chunks(X_path, y_path, n_train, n_rows, chunk_rows):
        correct += np.count_nonzero(model.predict(scaler.transform(X)) == y)
    return correct / (n_rows - n_train)


# -- (b) the same training on a Dask array ------------------------------------------------


def dask_arrays(X_path, y_path, n_train, chunk_rows):
    """The training rows as Dask arrays, one block per chunk, each read when computed."""
    import dask
    import dask.array as da

    read = dask.delayed(read_rows, pure=True)
    X_blocks, y_blocks = [], []
    for start, stop in spans(0, n_train, chunk_rows):
        X = read(X_path, np.float32, N_FEATURES, start, stop)
        y = read(y_path, np.int8, None, start, stop)
        X_blocks.append(da.from_delayed(X, shape=(stop - start, N_FEATURES), dtype=np.float32))
        y_blocks.append(da.from_delayed(y, shape=(stop - start,), dtype=np.int8))
    return da.concatenate(X_blocks), da.concatenate(y_blocks)


def train_on_dask_blocks(X, y, epochs):
    """Plain Dask: each epoch computes the blocks one after the other and trains on each.

    The blocks come to this process; ``Incremental`` instead sends the model to the
    blocks, on whichever worker holds them.
    """
    import dask

    model = new_model()
    X_blocks, y_blocks = X.to_delayed().ravel(), y.to_delayed().ravel()
    for _ in range(epochs):
        for X_block, y_block in zip(X_blocks, y_blocks, strict=True):
            X_chunk, y_chunk = dask.compute(X_block, y_block)
            model.partial_fit(X_chunk, y_chunk, classes=CLASSES)
    return model


def train_with_incremental(X, y, epochs):
    """dask-ml: ``Incremental.partial_fit`` is one pass over the blocks, in order here."""
    from dask_ml.wrappers import Incremental

    wrapper = Incremental(new_model(), shuffle_blocks=False)
    for _ in range(epochs):
        wrapper.partial_fit(X, y, classes=CLASSES)
    return wrapper.estimator_


def same_model(a, b):
    return all(np.array_equal(p, q) for p, q in zip(a.coefs_, b.coefs_, strict=True)) and all(
        np.array_equal(p, q) for p, q in zip(a.intercepts_, b.intercepts_, strict=True)
    )


def main(n_rows=200_000, chunk_rows=20_000, epochs=3, test_fraction=0.1):
    start = time.perf_counter()
    n_test = max(chunk_rows, round(n_rows * test_fraction) // chunk_rows * chunk_rows)
    n_train = n_rows - n_test
    if n_train <= 0:
        raise SystemExit(f"--rows must hold at least two chunks of {chunk_rows} rows")
    baseline = peak_memory_mb()
    with tempfile.TemporaryDirectory() as folder:
        X_path, y_path = write_data(folder, n_rows, chunk_rows)
        size = X_path.stat().st_size / 1e6
        print(
            f"data: {n_rows} x {N_FEATURES} float32 ({size:.0f} MB) in {folder}, read in chunks "
            f"of {chunk_rows} rows ({size * chunk_rows / n_rows:.1f} MB); "
            f"{n_train} rows to train on, {n_test} held out"
        )

        begin = time.perf_counter()
        scaler, model = train_on_memmaps(X_path, y_path, n_train, chunk_rows, epochs)
        accuracy = held_out_accuracy(model, scaler, X_path, y_path, n_train, n_rows, chunk_rows)
        print(
            f"(a) memory maps: {epochs} epoch{'s' * (epochs != 1)} of partial_fit over "
            f"{len(spans(0, n_train, chunk_rows))} chunks in {time.perf_counter() - begin:.1f} s; "
            f"held-out accuracy {accuracy:.4f}"
        )
        # Measured before Dask is imported: its imports (and dask-ml's: pandas, numba)
        # take more memory than the chunks do.
        peak = peak_memory_mb()
        if peak is not None:
            print(
                f"    peak resident memory: {peak:.0f} MB, {peak - baseline:.0f} MB more than "
                f"before the data were written (the data file: {size:.0f} MB)"
            )

        try:
            import dask  # noqa: F401
        except ImportError:
            print('(b) skipped: it needs Dask (pip install ".[distributed]")')
        else:
            X, y = dask_arrays(X_path, y_path, n_train, chunk_rows)
            X = X.map_blocks(scaler.transform, dtype=np.float32)  # the scaler of (a)
            print(f"(b) a Dask array of {X.numblocks[0]} blocks of {chunk_rows} rows")
            trainers = {"a loop over the Dask blocks": train_on_dask_blocks}
            try:
                import dask_ml.wrappers  # noqa: F401
            except ImportError:
                print("    (dask-ml is not installed: Incremental left out)")
            else:
                trainers["dask-ml's Incremental"] = train_with_incremental
            for name, train in trainers.items():
                begin = time.perf_counter()
                on_dask = train(X, y, epochs)
                same = same_model(on_dask, model)
                print(
                    f"    {name}: {time.perf_counter() - begin:.1f} s; "
                    f"same weights as (a), bit for bit: {same}"
                )
                assert same, f"{name} trained another model than the memory-map loop"

    print(f"done in {time.perf_counter() - start:.1f} s")
    return accuracy


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000, help="rows in the data file")
    parser.add_argument("--chunk-rows", type=int, default=20_000, help="rows read at a time")
    parser.add_argument("--epochs", type=int, default=3, help="passes over the training rows")
    args = parser.parse_args()
    # One BLAS thread for the whole process, Dask's threads included (the docstring says
    # why): the comparisons below are bit for bit.
    with threadpool_limits(limits=1, user_api="blas"):
        main(args.rows, args.chunk_rows, args.epochs)
