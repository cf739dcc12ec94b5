"""scikit-learn's callback API (``sklearn.callback``, 1.9 and later), where it exists.

A fit is one root task with one subtask per epoch (per iteration for "gd" and
"lbfgs"). At the end of each epoch the callbacks may ask for the model as it
stands (a ``fitted_estimator``, built from the attributes this module hands
over) and may ask training to stop. With an older scikit-learn the estimators
have no ``set_callbacks`` and every hook here does nothing.
"""

import functools

try:
    from sklearn.callback import CallbackSupportMixin, with_callbacks
except ImportError:  # scikit-learn < 1.9

    class CallbackSupportMixin:
        """Stands in for scikit-learn's mixin: no callbacks to set."""

    def with_callbacks(method):
        """Stands in for scikit-learn's decorator, with the same one frame around ``method``
        (warnings raised inside a fit count on it to point at the caller)."""

        @functools.wraps(method)
        def without_callbacks(estimator, *args, **kwargs):
            return method(estimator, *args, **kwargs)

        return without_callbacks


class FitTasks:
    """The callback tasks of one fit: its root task and one subtask per epoch.

    Parameters
    ----------
    estimator : estimator instance
        The estimator being fitted; its root callback context is set up here.
    task_name : str
        "fit" or "partial_fit".
    max_epochs : int
        The most epoch subtasks the fit can run.
    X, y : array-like
        The training data, as the callbacks will see it (a scorer may predict on it).
    metadata : dict or None
        ``{"sample_weight": ...}`` when the fit has weights.
    """

    def __init__(self, estimator, task_name, max_epochs, X, y, metadata):
        self.estimator = estimator
        self.data = {"X": X, "y": y, "metadata": metadata}
        self.root = None
        self.epoch = None
        if hasattr(estimator, "_init_callback_context"):
            self.root = estimator._init_callback_context(
                task_name=task_name, max_subtasks=max_epochs
            )
        # Without callbacks of its own (set or propagated from a meta-estimator),
        # the fit skips the per-epoch contexts (a "gd" fit can run 10,000 epochs)
        # and the work of preparing data for them.
        self.has_callbacks = self.root is not None and bool(
            getattr(estimator, "_skl_callbacks", [])
        )

    def begin_fit(self):
        if self.root is not None:
            self.root.call_on_fit_task_begin(estimator=self.estimator, **self.data)

    def end_fit(self):
        """End the root task; the estimator holds its fitted attributes by now."""
        if self.root is not None:
            self.root.call_on_fit_task_end(
                estimator=self.estimator, **self.data, reconstruction_attributes={}
            )

    def begin_epoch(self, fitted_attributes):
        """Open the next epoch's subtask.

        ``fitted_attributes`` is a callable returning the attributes of the model
        as it stands; it is called only if a callback asks for the model.
        """
        if self.has_callbacks:
            self.epoch = self.root.subcontext(task_name="epoch")
            self.epoch.call_on_fit_task_begin(
                estimator=self.estimator, **self.data, reconstruction_attributes=fitted_attributes
            )

    def end_epoch(self, fitted_attributes=None):
        """Close the open epoch's subtask; True when a callback asks training to stop.

        Without ``fitted_attributes`` the subtask ends empty: the callbacks get no
        data (L-BFGS opens one subtask more than the iterations it runs).
        """
        if self.epoch is None:
            return False
        epoch, self.epoch = self.epoch, None
        if fitted_attributes is None:
            return epoch.call_on_fit_task_end(estimator=self.estimator)
        return epoch.call_on_fit_task_end(
            estimator=self.estimator, **self.data, reconstruction_attributes=fitted_attributes
        )
