"""Test-session settings shared by every test module."""

import importlib.util
import os

# scikit-learn's array API checks need SciPy's array API support, which SciPy reads
# once at import: set it before anything imports SciPy.
os.environ.setdefault("SCIPY_ARRAY_API", "1")

# pytest imports every module of the package for its doctests; the numba kernels
# import numba, which only the [fast] extra installs (tests/test_kernels.py tests them),
# and skdeepnn.onnx imports skl2onnx and runs onnxruntime, which only the [onnx] extra
# installs (tests/test_onnx.py tests it).
collect_ignore = []
if importlib.util.find_spec("numba") is None:
    collect_ignore.append("skdeepnn/_numba_kernels.py")
if any(importlib.util.find_spec(name) is None for name in ("skl2onnx", "onnxruntime")):
    collect_ignore.append("skdeepnn/onnx.py")
