"""Warnings raised during a fit, pointing at the user's code rather than at skdeepnn's."""

import os
import sys
import warnings

import sklearn

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))

# scikit-learn's callback decorator wraps fit and partial_fit: its frames sit between
# the user's call and ours, and a warning should skip them too.
_WRAPPER_DIR = os.path.join(os.path.dirname(os.path.abspath(sklearn.__file__)), "callback")


class InconsistentVersionWarning(UserWarning):
    """A pickled estimator was made by another version of skdeepnn than the one loading it.

    Its attributes may not mean what this version expects: refit it, or move the
    model between versions with ``skdeepnn.save`` and ``skdeepnn.load``, whose file
    format is versioned and checked.
    """


def warn_fit_caller(message, category):
    """Warn from inside a fit, pointing at the code that called ``fit`` or ``partial_fit``.

    The warning's ``stacklevel`` is the first frame outside skdeepnn (and outside
    scikit-learn's callback wrapper), found by walking the stack: it stays right
    however deep inside the training engine the warning is raised.
    """
    # stacklevel 1 is this function; 2 its caller, the frame the walk starts from.
    frame, level = sys._getframe(1), 2
    while frame is not None and _is_internal(frame.f_code.co_filename):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)


def _is_internal(filename):
    path = os.path.abspath(filename)
    return path.startswith((_PACKAGE_DIR + os.sep, _WRAPPER_DIR + os.sep))
