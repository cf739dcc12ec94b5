"""Package-wide settings: which kernels train the networks.

One setting so far, ``kernels``:

- ``"auto"`` (the default): numba's kernels for a fit large enough to repay their
  start-up, when numba is installed; NumPy's otherwise (``_kernels.backend_for_fit``
  and its ``AUTO_NUMBA_WORK``). A small fit never imports numba.
- ``"numpy"``: the NumPy code of ``_network``, ``_losses`` and ``_optimizers``, which
  follows the course line by line. The reference.
- ``"numba"``: the same steps fused into compiled loops (``_numba_kernels``), one
  pass over memory where NumPy takes several. Needs numba, which the ``[fast]`` extra
  installs (``pip install ".[fast]"``); results agree with NumPy's to rounding.

A new process pays about 0.8 s on its first fit with numba's kernels to import numba
and load the compiled kernels, more than a small fit gains: "auto" weighs the two
(``benchmarks/bench_startup.py`` measures both).

The environment variable ``SKDEEPNN_KERNELS`` sets the default, which reaches the
worker processes of a grid search too; ``set_config`` and ``config_context`` change
it in this process, for all its threads (each fit reads it once, when it starts).
"""

import os
from contextlib import contextmanager

KERNELS = ("auto", "numpy", "numba")

_config = {}


def _check_kernels(kernels, source):
    if kernels not in KERNELS:
        allowed = ", ".join(map(repr, KERNELS))
        raise ValueError(f"{source} must be one of {allowed}; got {kernels!r}.")
    return kernels


def _default_kernels():
    return _check_kernels(os.environ.get("SKDEEPNN_KERNELS", "auto"), "SKDEEPNN_KERNELS")


def get_config():
    """The current settings, as a dict.

    Read more in the :ref:`User Guide <fused-kernels>`.

    Returns
    -------
    config : dict
        ``{"kernels": ...}``; see ``set_config``. Without ``set_config``, the
        environment variable ``SKDEEPNN_KERNELS``, else "auto".
    """
    return {"kernels": _config.get("kernels") or _default_kernels()}


def set_config(kernels=None):
    """Change skdeepnn's settings for this process.

    Read more in the :ref:`User Guide <fused-kernels>`.

    Parameters
    ----------
    kernels : {"auto", "numpy", "numba"}, default=None
        What trains the networks from the next fit on: "numpy", the reference
        that follows the course; "numba", numba's fused loops, which need the
        ``[fast]`` extra and give the same results to rounding; or "auto" (the
        default setting), numba's loops for a fit large enough to repay loading
        them when numba is installed, NumPy's otherwise. None leaves the setting
        unchanged.

    Examples
    --------
    Train with numba's kernels from now on (``config_context`` does it for a block):

    >>> import skdeepnn
    >>> skdeepnn.set_config(kernels="numba")  # doctest: +SKIP
    """
    if kernels is not None:
        _config["kernels"] = _check_kernels(kernels, "kernels")


@contextmanager
def config_context(*, kernels=None):
    """Change skdeepnn's settings inside a ``with`` block, then put them back.

    The change holds for the whole process while the block runs, its other threads
    included: fits in threads of their own should not use different kernels.

    Read more in the :ref:`User Guide <fused-kernels>`.

    Parameters
    ----------
    kernels : {"auto", "numpy", "numba"}, default=None
        See ``set_config``.

    Yields
    ------
    None
        The block runs with the changed settings.

    Examples
    --------
    >>> import skdeepnn
    >>> with skdeepnn.config_context(kernels="numpy"):
    ...     skdeepnn.get_config()["kernels"]
    'numpy'
    """
    previous = dict(_config)
    set_config(kernels=kernels)
    try:
        yield
    finally:
        _config.clear()
        _config.update(previous)
