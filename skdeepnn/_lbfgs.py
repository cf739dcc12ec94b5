"""solver="lbfgs": SciPy's L-BFGS-B on the packed parameter vector, apart from the epoch loop.

L-BFGS is deterministic and full-batch: it has no mini-batches, learning rate,
dropout or validation set, so none of the epoch loop's rules apply. One
iteration counts as one epoch for ``loss_curve_``, ``n_iter_`` and the callbacks.
"""

import numpy as np
import scipy.optimize
from sklearn.exceptions import ConvergenceWarning

from ._loop import Training
from ._stopping import raise_diverged
from ._warnings import warn_fit_caller


def minimize_lbfgs(network, data, settings, tasks, model_after, first_epoch=0):
    """Minimize the full-batch cost of ``network`` in place; return the ``Training`` record.

    SciPy works in float64; the network keeps its own dtype. ``settings.max_iter``
    bounds the iterations, ``settings.max_fun`` the cost evaluations (line searches
    take several), and ``settings.tol`` the gradient: it stops once no entry of the
    (projected) gradient exceeds ``tol``. Each iteration is a
    callback subtask, and a callback can stop the minimization.

    Parameters
    ----------
    network : Network
    data : TrainingData
        The whole training set: its ``X``, ``Y`` and ``sample_weight``.
    settings : Settings
    tasks : FitTasks
    model_after : callable
        ``ModelView.after``: ``model_after(n_epochs)`` is what a callback task is given.
    first_epoch : int
        Iterations already run (warm start).
    """
    X, Y, sample_weight = data.X, data.Y, data.sample_weight
    training = Training(network.coefs, network.intercepts, None, network.batch_norm)
    last = {}

    def objective(theta):
        network.load_vector(theta)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            last["cost"] = float(network.cost_and_gradient(X, Y, sample_weight))
        if training.start_cost is None:  # the starting point's, L-BFGS's first evaluation
            training.start_cost = last["cost"]
        return last["cost"], network.gradient_vector()

    accepted = network.vector()

    def after_iteration(theta):
        # The line search's last evaluation is at the accepted point theta.
        np.copyto(accepted, theta)
        training.record(last["cost"])
        iteration = first_epoch + len(training.loss_curve)
        if last["cost"] < training.best_loss:
            training.best_loss, training.best_iteration = last["cost"], iteration
        network.load_vector(theta)  # what a callback's fitted_estimator sees
        stop = tasks.end_epoch(model_after(iteration))
        tasks.begin_epoch(model_after(iteration))
        if stop:
            last["stopped by a callback"] = True
            raise StopIteration  # SciPy ends the minimization at theta

    tasks.begin_epoch(model_after(first_epoch))
    try:
        result = scipy.optimize.minimize(
            objective,
            network.vector(),
            jac=True,
            method="L-BFGS-B",
            callback=after_iteration,
            options=_scipy_options(settings),
        )
    except KeyboardInterrupt:
        network.load_vector(accepted)
        warn_fit_caller(
            "Training interrupted (KeyboardInterrupt) after iteration "
            f"{first_epoch + len(training.loss_curve)}: the model keeps the weights "
            "reached so far.",
            UserWarning,
        )
        return _with_full_batch_statistics(network, X, sample_weight, training)
    finally:
        tasks.end_epoch()  # the subtask opened for an iteration that never ran
    network.load_vector(result.x)
    _check_result(result, training, network, first_epoch)
    if result.status != 0 and "stopped by a callback" not in last:
        warn_fit_caller(
            f"{settings.estimator_name}'s L-BFGS stopped before converging ({result.message}); "
            "increase max_iter or max_fun.",
            ConvergenceWarning,
        )
    return _with_full_batch_statistics(network, X, sample_weight, training)


def _scipy_options(settings):
    """L-BFGS-B's options: the iteration and evaluation limits, and ``tol`` as ``gtol``."""
    return {
        "maxiter": settings.max_iter,
        "maxfun": settings.max_fun,
        "gtol": settings.tol,
        # SciPy's default ftol (2.2e-9) would stop on a relative decrease of the
        # cost first, and a tol below about 1e-6 would have no effect.
        "ftol": 64 * np.finfo(np.float64).eps,
    }


def _check_result(result, training, network, first_epoch):
    """Raise if the minimization diverged; record the cost of a start already optimal."""
    if not (np.isfinite(result.fun) and np.isfinite(training.loss_curve).all()):
        # A line search's trial point overflowed the cost; L-BFGS-B then stops "abnormally".
        raise_diverged(
            first_epoch + len(training.loss_curve),
            f"the loss became {result.fun:.4g}",
        )
    if not training.loss_curve:  # already optimal where it started
        training.record(float(result.fun))
        training.best_loss, training.best_iteration = float(result.fun), first_epoch + 1
    if not network.all_finite():
        raise_diverged(first_epoch + len(training.loss_curve), "the weights overflowed")


def _with_full_batch_statistics(network, X, sample_weight, training):
    """Batch norm's statistics at the final weights: L-BFGS's trial points never entered them."""
    if network.batch_norm is not None:
        network.take_full_batch_statistics(X, sample_weight)
    return training
