"""The version of skdeepnn, in a module of its own: importable without NumPy (by the
build) and without a cycle (by the estimators, which write it into their pickles)."""

__version__ = "0.1.0.dev0"
