"""Test-session settings shared by every test module."""

import os

# scikit-learn's array API checks need SciPy's array API support, which SciPy reads
# once at import: set it before anything imports SciPy.
os.environ.setdefault("SCIPY_ARRAY_API", "1")
