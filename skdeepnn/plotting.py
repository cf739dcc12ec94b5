"""Figures of a fitted network's training, in scikit-learn's Display style.

``LossCurveDisplay`` draws the curves that every skdeepnn estimator records while it
trains: the training loss of each epoch (``loss_curve_``), the validation loss and
score when there is a validation set (``validation_loss_curve_``,
``validation_scores_``), and the epoch that was best (``best_iteration_``). These are
the course's "plot the cost" figures, with the validation curves of course 2 beside
them: a validation loss that turns up while the training loss keeps falling is
overfitting, and early stopping keeps the weights of its lowest point.

matplotlib is optional (``pip install "skdeepnn[plot]"``): it is imported only when
a figure is drawn, so importing this module does not need it.
"""

import numpy as np
from sklearn.base import is_regressor
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

__all__ = ["LossCurveDisplay"]

# The default look of each line; the caller's keyword arguments take precedence.
_TRAINING_STYLE = {"color": "tab:blue", "linestyle": "-"}
_VALIDATION_STYLE = {"color": "tab:orange", "linestyle": "-"}
_SCORE_STYLE = {"color": "tab:green", "linestyle": "--"}
_BEST_STYLE = {"color": "black", "linestyle": ":"}


def _import_pyplot(caller):
    """``matplotlib.pyplot``, or an ImportError that says how to install it."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as error:
        raise ImportError(
            f'{caller} needs matplotlib, which is not installed: pip install "skdeepnn[plot]" '
            "(or pip install matplotlib)."
        ) from error
    return plt


def _line_style(defaults, overrides):
    """``defaults`` updated with the caller's ``overrides``, aliases ("c", "ls", ...)
    resolved first so that a caller's "c" replaces a default "color"."""
    from matplotlib.cbook import normalize_kwargs
    from matplotlib.lines import Line2D

    return {**normalize_kwargs(defaults, Line2D), **normalize_kwargs(overrides or {}, Line2D)}


def _as_curve(values):
    """A recorded curve as a 1-D float array, or None when it was not recorded."""
    if values is None:
        return None
    curve = np.asarray(values, dtype=float).ravel()
    return curve if curve.size else None


class LossCurveDisplay:
    """The training loss of each epoch, and the validation loss and score if recorded.

    Build it with :meth:`from_estimator` from a fitted estimator, or directly from
    the curves; then :meth:`plot` draws it. All parameters are stored as attributes.

    The training loss (``loss_curve_``) is drawn against the epoch, counted from 1
    (for ``solver="gd"`` and ``"lbfgs"`` an epoch is one iteration on the whole
    training set). The validation loss shares its axis; the validation score
    (accuracy, R², or ``scoring``'s) gets a second y axis on the right, since it
    is on another scale and higher is better. A vertical dotted line marks the
    best iteration: with early stopping, the epoch whose weights the model kept.

    Read more in the :ref:`User Guide <early-stopping>`.

    Parameters
    ----------
    loss_curve : array-like of shape (n_epochs,)
        The training loss of each epoch.
    validation_loss_curve : array-like of shape (n_validated,), default=None
        The validation loss after each epoch; None if there was no validation set.
        A curve shorter than ``loss_curve`` (a warm-started fit that validated only
        its own epochs) is drawn against the last ``n_validated`` epochs.
    validation_scores : array-like of shape (n_validated,), default=None
        The validation score after each epoch; None if there was no validation set.
    best_iteration : int, default=None
        The best epoch, counted from 1, to mark; None draws no mark.
    score_name : str, default=None
        What the validation score is, for the label of its axis; None labels it
        "validation score".
    estimator_name : str, default=None
        The estimator's name, shown in the legend; None shows none.

    Attributes
    ----------
    line_ : matplotlib Line2D
        The training loss.
    validation_line_ : matplotlib Line2D or None
        The validation loss; None when it was not recorded.
    score_line_ : matplotlib Line2D or None
        The validation score, on ``score_ax_``; None when it was not recorded.
    best_line_ : matplotlib Line2D or None
        The vertical line at ``best_iteration``; None without one.
    ax_ : matplotlib Axes
        The axes of the losses.
    score_ax_ : matplotlib Axes or None
        The second y axis (``ax_.twinx()``) of the validation score, or None.
    figure_ : matplotlib Figure
        The figure of ``ax_``.

    See Also
    --------
    LossCurveDisplay.from_estimator : The curves a fitted estimator recorded.
    sklearn.model_selection.LearningCurveDisplay : Scores against training set sizes.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")  # draw without a window
    >>> import matplotlib.pyplot as plt
    >>> from sklearn.datasets import make_classification
    >>> from skdeepnn import DeepNNClassifier
    >>> from skdeepnn.plotting import LossCurveDisplay
    >>> X, y = make_classification(n_samples=300, random_state=0)
    >>> net = DeepNNClassifier(
    ...     hidden_layer_sizes=(16,), learning_rate=0.01, early_stopping=True, random_state=0
    ... ).fit(X, y)
    >>> display = LossCurveDisplay.from_estimator(net)
    >>> list(display.line_.get_ydata()) == net.loss_curve_
    True
    >>> display.best_line_.get_xdata()[0] == net.best_iteration_
    True
    >>> display.score_ax_.get_ylabel()
    'validation accuracy'
    >>> plt.close(display.figure_)

    The same curves, given directly and drawn on axes of your own:

    >>> fig, ax = plt.subplots()
    >>> display = LossCurveDisplay(loss_curve=[0.9, 0.5, 0.3, 0.25], best_iteration=4)
    >>> display.plot(ax=ax, log_scale=True).ax_ is ax
    True
    >>> display.validation_line_ is None
    True
    >>> plt.close(fig)
    """

    def __init__(
        self,
        *,
        loss_curve,
        validation_loss_curve=None,
        validation_scores=None,
        best_iteration=None,
        score_name=None,
        estimator_name=None,
    ):
        self.loss_curve = loss_curve
        self.validation_loss_curve = validation_loss_curve
        self.validation_scores = validation_scores
        self.best_iteration = best_iteration
        self.score_name = score_name
        self.estimator_name = estimator_name

    def plot(
        self,
        ax=None,
        *,
        name=None,
        log_scale=False,
        line_kwargs=None,
        validation_line_kwargs=None,
        score_line_kwargs=None,
        best_line_kwargs=None,
    ):
        """Draw the curves.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            The axes to draw on; None draws on a new figure.
        name : str, default=None
            The estimator's name in the legend; None takes ``estimator_name``.
        log_scale : bool, default=False
            Draw the losses on a logarithmic y axis, which shows the slow late
            decrease of a long training run (the score's axis stays linear).
        line_kwargs : dict, default=None
            Keyword arguments of matplotlib's ``plot`` for the training loss.
        validation_line_kwargs : dict, default=None
            Keyword arguments of ``plot`` for the validation loss.
        score_line_kwargs : dict, default=None
            Keyword arguments of ``plot`` for the validation score.
        best_line_kwargs : dict, default=None
            Keyword arguments of ``axvline`` for the best iteration's mark.

        Returns
        -------
        display : LossCurveDisplay
            This object, with the drawn lines and axes as attributes.
        """
        plt = _import_pyplot(f"{type(self).__name__}.plot")
        from matplotlib.ticker import MaxNLocator

        if ax is None:
            _, ax = plt.subplots()
        name = self.estimator_name if name is None else name
        suffix = f" ({name})" if name else ""

        loss = _as_curve(self.loss_curve)
        loss = np.empty(0) if loss is None else loss
        n_epochs = loss.size
        epochs = np.arange(1, n_epochs + 1)
        (self.line_,) = ax.plot(
            epochs,
            loss,
            **_line_style({**_TRAINING_STYLE, "label": f"training loss{suffix}"}, line_kwargs),
        )

        self.validation_line_ = None
        validation_loss = _as_curve(self.validation_loss_curve)
        if validation_loss is not None:
            (self.validation_line_,) = ax.plot(
                self._validated_epochs(validation_loss.size, n_epochs),
                validation_loss,
                **_line_style(
                    {**_VALIDATION_STYLE, "label": f"validation loss{suffix}"},
                    validation_line_kwargs,
                ),
            )

        self.best_line_ = None
        if self.best_iteration is not None:
            best = int(self.best_iteration)
            self.best_line_ = ax.axvline(
                best,
                **_line_style(
                    {**_BEST_STYLE, "label": f"best iteration: {best}{suffix}"}, best_line_kwargs
                ),
            )

        ax.set_xlabel("epoch")
        ax.set_ylabel("loss")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        if log_scale:
            ax.set_yscale("log")

        self._draw_scores(ax, n_epochs, suffix, score_line_kwargs)
        self._draw_legend(ax)
        self.ax_ = ax
        self.figure_ = ax.figure
        return self

    def _draw_scores(self, ax, n_epochs, suffix, score_line_kwargs):
        """The validation scores, on a second y axis of their own (if there are any)."""
        self.score_line_ = self.score_ax_ = None
        scores = _as_curve(self.validation_scores)
        if scores is None:
            return
        score_label = f"validation {self.score_name or 'score'}"
        self.score_ax_ = ax.twinx()
        (self.score_line_,) = self.score_ax_.plot(
            self._validated_epochs(scores.size, n_epochs),
            scores,
            **_line_style({**_SCORE_STYLE, "label": f"{score_label}{suffix}"}, score_line_kwargs),
        )
        self.score_ax_.set_ylabel(score_label)

    def _draw_legend(self, ax):
        """One legend for both y axes, drawn by the losses' axes, which go on top of the
        score's so that the legend is not hidden and "best" avoids the loss lines."""
        handles, labels = ax.get_legend_handles_labels()
        if self.score_ax_ is not None:
            more_handles, more_labels = self.score_ax_.get_legend_handles_labels()
            handles, labels = handles + more_handles, labels + more_labels
            ax.set_zorder(self.score_ax_.get_zorder() + 1)
            self.score_ax_.set_facecolor(ax.get_facecolor())  # the background, now below
            self.score_ax_.patch.set_visible(True)
            ax.patch.set_visible(False)
        ax.legend(handles, labels, loc="best", fontsize="small")

    @staticmethod
    def _validated_epochs(n_validated, n_epochs):
        """The epochs of a validation curve: the last ``n_validated`` of training."""
        first = max(n_epochs - n_validated, 0) + 1
        return np.arange(first, first + n_validated)

    @classmethod
    def from_estimator(cls, estimator, *, ax=None, name=None, **kwargs):
        """Draw the curves that a fitted estimator recorded while it trained.

        Parameters
        ----------
        estimator : estimator or Pipeline
            A fitted ``DeepNNClassifier``, ``DeepNNRegressor`` or
            ``LogisticRegressionGD``, or a fitted Pipeline whose last step is one
            (any estimator with a ``loss_curve_``, such as scikit-learn's MLP,
            works too). Its ``loss_curve_``, ``validation_loss_curve_``,
            ``validation_scores_`` and ``best_iteration_`` are drawn; those it did
            not record are left out.
        ax : matplotlib Axes, default=None
            The axes to draw on; None draws on a new figure.
        name : str, default=None
            The name in the legend; None takes the estimator's class name.
        **kwargs : dict
            Passed to :meth:`plot`: ``log_scale``, ``line_kwargs`` ...

        Returns
        -------
        display : LossCurveDisplay

        Raises
        ------
        sklearn.exceptions.NotFittedError
            If the estimator is not fitted.
        TypeError
            If it is not an estimator, or records no ``loss_curve_``.
        """
        caller = f"{cls.__name__}.from_estimator"
        _import_pyplot(caller)
        model = estimator[-1] if isinstance(estimator, Pipeline) else estimator
        if not hasattr(model, "fit"):
            raise TypeError(
                f"{caller} expects a fitted estimator or a Pipeline ending in one; "
                f"got {type(model).__name__}: {model!r}."
            )
        check_is_fitted(model)
        if getattr(model, "loss_curve_", None) is None:
            hint = ""
            if hasattr(model, "best_estimator_"):
                hint = " For a search (GridSearchCV ...), pass its best_estimator_."
            raise TypeError(
                f"{caller} needs an estimator that records its training loss in "
                f"loss_curve_ (DeepNNClassifier, DeepNNRegressor, LogisticRegressionGD); "
                f"{type(model).__name__} has none.{hint}"
            )
        display = cls(
            loss_curve=model.loss_curve_,
            validation_loss_curve=getattr(model, "validation_loss_curve_", None),
            validation_scores=getattr(model, "validation_scores_", None),
            best_iteration=getattr(model, "best_iteration_", None),
            score_name=_score_name(model),
            estimator_name=type(model).__name__ if name is None else name,
        )
        return display.plot(ax=ax, **kwargs)


def _score_name(model):
    """The name of the score in ``validation_scores_``: ``scoring``'s, or the default
    score of the model's kind (accuracy, subset accuracy, R²)."""
    scoring = getattr(model, "scoring", None)
    if isinstance(scoring, str):
        return scoring
    if callable(scoring):
        return getattr(scoring, "__name__", None) or "score"
    fitted_head = getattr(model, "_fitted_head", None)  # skdeepnn's estimators
    if fitted_head is not None:
        return fitted_head().score_name
    return "R²" if is_regressor(model) else "accuracy"
