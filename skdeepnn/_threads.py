"""BLAS threads by problem size: a fit whose matrix products are small runs them on one.

A BLAS library splits each matrix product among its threads, and for small products
the split costs more than it gains: on 2 cores, a (100,) network on digits' 64
features trains no faster on OpenBLAS's 2 threads than on one when the machine is
quiet, and four times slower beside one busy process, whose core the second thread
waits for (``benchmarks/bench_defaults.py``, section ``threads``). ``blas_threads_for``
is where a fit is entered (``_base``): below ``ONE_THREAD_BELOW`` it runs the fit
with BLAS limited to one thread, through threadpoolctl (which scikit-learn depends
on). It only ever lowers the limit, so it never gives a fit more threads than the
machine, the user's ``threadpool_limits`` or a joblib worker allow; larger fits keep
whatever limit is set. The engine's math does not know about it.

Prediction keeps BLAS's threads: one forward pass gains nothing measurable from one
thread on a quiet machine.
"""

import threading
from contextlib import nullcontext

from threadpoolctl import ThreadpoolController

#: A batch's forward products (rows x weights, i.e. multiply-adds) below which a fit
#: runs BLAS on one thread. Measured on 2 cores (OpenBLAS 0.3, medians of 5
#: interleaved fits of fixed epochs, 1 thread's time / 2 threads'): quiet, 0.95 at
#: 1.5e6 (digits' 64 features, (100,), batches of 200), 1.01 at 3.8e6, 1.28 at 1.4e7,
#: 1.38 at 4.7e7 (784 features, (256, 128)); beside a busy process, 0.24 to 0.40 at
#: every one of these sizes. ``benchmarks/bench_defaults.py --sections threads`` (7
#: rounds) later: 0.97, 0.95, 1.17 and 1.47 quiet, 0.26 to 0.44 busy. Below about 4e6
#: one thread is as fast quietly and far faster on a busy machine; above it, threads
#: win on a quiet one.
ONE_THREAD_BELOW = 4e6

#: threadpoolctl's controller of the BLAS libraries: finding them takes milliseconds,
#: once; each limit then costs microseconds (a partial_fit call is often a few ms).
_controllers = {}


def blas_threads_for(batch_rows, layer_sizes):
    """The context a fit runs in: one BLAS thread if its products are small, else as is.

    Only a fit in the main thread changes the limit. OpenBLAS's thread pool is the
    whole process's, and threadpoolctl lets one thread at a time set it: fits in
    threads of their own (a thread pool, joblib's threading backend) would undo each
    other's limits, and keep BLAS's. A joblib worker process fits in its main thread.
    On some CPUs BLAS's rounding depends on its thread count, so such a fit in another
    thread (Dask's threaded scheduler, say) can differ from the main thread's in the
    last bits; ``threadpool_limits(limits=1, user_api="blas")`` around both makes them
    equal (``examples/out_of_core.py`` does so).

    Parameters
    ----------
    batch_rows : int
        The rows of one batch (all of them for a full-batch solver).
    layer_sizes : list of int
        ``[n_x, n_1, ..., n_L]``.
    """
    n_weights = sum(a * b for a, b in zip(layer_sizes[:-1], layer_sizes[1:], strict=False))
    small = batch_rows * n_weights < ONE_THREAD_BELOW
    if not small or threading.current_thread() is not threading.main_thread():
        return nullcontext()
    if "blas" not in _controllers:
        _controllers["blas"] = ThreadpoolController().select(user_api="blas")
    return _controllers["blas"].limit(limits=1)


def batch_rows_of(solver, batch_size, n_rows):
    """The rows of a batch, as the engine takes them (``Settings.batch_rows``)."""
    if solver in ("gd", "lbfgs") or batch_size == "auto" and n_rows <= 200:
        return n_rows
    return 200 if batch_size == "auto" else min(batch_size, n_rows)
