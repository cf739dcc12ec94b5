"""Grid search on a Dask cluster
===============================

A grid search fits one model per candidate and fold, and those fits are
independent: scikit-learn hands them to joblib, and joblib's ``"dask"`` backend
hands them on to the workers of a Dask cluster, on this machine or on many. This
script tunes the hidden layers and the learning rate of a standardized
``DeepNNClassifier`` on the digits that way, then runs the very same search in
this process alone, and checks that both agree: the same best parameters and the
same cross-validated scores, since each fit depends only on its data and its
``random_state``, not on where it ran.

It needs Dask and its distributed scheduler: ``pip install ".[distributed]"``. Run it
as a plain script (it is not part of the documentation's executed gallery)::

    python examples/distributed_grid_search.py                  # a LocalCluster here
    python examples/distributed_grid_search.py tcp://host:8786  # an existing cluster

With no argument it starts a ``distributed.LocalCluster`` of two worker processes
with one thread each, on the loopback interface, and closes it at the end. Given a
scheduler's address, it connects to that cluster instead; its workers need
skdeepnn (and the same versions of NumPy and scikit-learn) installed.
"""

import argparse
import time
import warnings

import joblib
import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from skdeepnn import DeepNNClassifier

GRID = {
    "deepnnclassifier__hidden_layer_sizes": [(128,), (256, 128)],
    "deepnnclassifier__learning_rate": [1e-3, 1e-2],
}


def make_search(n_jobs):
    """The search to run: 2 x 2 candidates, 3 folds, 12 fits plus the refit.

    ``tol=0`` gives every fit the same budget, ``max_iter`` epochs, however fast its
    training loss levels off.
    """
    model = make_pipeline(
        StandardScaler(),
        DeepNNClassifier(max_iter=100, tol=0.0, batch_size=64, random_state=0),
    )
    return GridSearchCV(model, GRID, cv=3, n_jobs=n_jobs)


def dask_backend():
    """joblib's Dask backend: ``parallel_config`` from joblib 1.3 on, else ``parallel_backend``."""
    if hasattr(joblib, "parallel_config"):
        return joblib.parallel_config(backend="dask")
    return joblib.parallel_backend("dask")


def run(search, X_train, y_train, X_test, y_test, where):
    start = time.perf_counter()
    search.fit(X_train, y_train)
    seconds = time.perf_counter() - start
    accuracy = search.score(X_test, y_test)
    print(f"{where} ({seconds:.1f} s)")
    print(f"  best parameters:   {search.best_params_}")
    print(f"  best CV accuracy:  {search.best_score_:.4f}")
    print(f"  test accuracy:     {accuracy:.4f}")
    return accuracy


def main(address=None):
    # BLAS on one thread in this process, as on the workers (distributed starts them with
    # OMP_NUM_THREADS=1 and the like): the local search then runs on one core, the Dask
    # one on one core per worker, and no BLAS threads fight over the same cores.
    with threadpool_limits(limits=1, user_api="blas"):
        compare(address)


def compare(address):
    try:
        from distributed import Client, LocalCluster
    except ImportError as error:
        raise SystemExit(
            f"This example needs dask and distributed ({error}). Install them with\n"
            '    pip install ".[distributed]"\n'
            "from the skdeepnn source folder."
        ) from None

    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=0
    )
    # Every fit stops at max_iter on purpose (tol=0). The filter holds in this process;
    # recent scikit-learn (1.7 on) passes it on to the fits that joblib runs elsewhere.
    warnings.simplefilter("ignore", ConvergenceWarning)

    cluster = None
    if address is None:
        cluster = LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        )
        address = cluster
    try:
        with Client(address) as client:
            n_threads = sum(client.nthreads().values())
            where = f"on Dask: {len(client.nthreads())} workers, {n_threads} threads"
            on_dask = make_search(n_jobs=-1)
            with dask_backend():
                dask_accuracy = run(on_dask, X_train, y_train, X_test, y_test, where)
    finally:
        if cluster is not None:
            cluster.close()

    # The same search, one fit after the other.
    here = make_search(n_jobs=1)
    here_accuracy = run(here, X_train, y_train, X_test, y_test, "in this process alone")

    # Each fit is determined by its fold and its random_state: where it ran changes
    # nothing. (The refit on the whole training set runs in this process in both cases.)
    same_params = on_dask.best_params_ == here.best_params_
    scores = ["mean_test_score", *(f"split{k}_test_score" for k in range(3))]
    same_scores = all(
        np.allclose(on_dask.cv_results_[name], here.cv_results_[name], rtol=1e-12, atol=0)
        for name in scores
    )
    identical = all(
        np.array_equal(on_dask.cv_results_[name], here.cv_results_[name]) for name in scores
    )
    print(f"same best parameters: {same_params}")
    print(f"same CV scores for every candidate and fold: {same_scores} (bit for bit: {identical})")
    assert same_params, (on_dask.best_params_, here.best_params_)
    assert same_scores, (
        on_dask.cv_results_["mean_test_score"],
        here.cv_results_["mean_test_score"],
    )
    assert dask_accuracy == here_accuracy, (dask_accuracy, here_accuracy)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "scheduler",
        nargs="?",
        default=None,
        help="address of a Dask scheduler, e.g. tcp://host:8786 (default: a LocalCluster "
        "of 2 worker processes here)",
    )
    main(parser.parse_args().scheduler)
