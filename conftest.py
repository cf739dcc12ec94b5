"""Test-session settings shared by every test module."""

import importlib.util
import os

# scikit-learn's array API checks need SciPy's array API support, which SciPy reads
# once at import: set it before anything imports SciPy.
os.environ.setdefault("SCIPY_ARRAY_API", "1")

# pytest imports every module of the package for its doctests; the numba kernels
# import numba, which only the [fast] extra installs (tests/test_kernels.py tests them).
if importlib.util.find_spec("numba") is None:
    collect_ignore = ["skdeepnn/_numba_kernels.py"]
