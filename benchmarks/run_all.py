"""Run skdeepnn's benchmarks, every section of every ``bench_*.py`` script, in one command.

``python benchmarks/run_all.py`` (about 25 minutes on 2 cores; ``--quick`` for a smaller
run) runs, in this order, the sections

- ``adam, gd, logistic, predict, memory`` of ``bench_mlp.py``: the same (256, 128) ReLU
  network trained on ``--samples`` x ``--features`` synthetic rows by skdeepnn (with each
  of its kernels), scikit-learn's MLPClassifier and PyTorch's CPU build when installed,
  against the matrix products alone;
- ``small`` of ``bench_small.py``: whole fits at default settings on scikit-learn's
  digits and breast-cancer data sets, against ``MLPClassifier()`` and
  ``LogisticRegression()``;
- ``defaults, partial_fit, auto, threads`` of ``bench_defaults.py``: cross-validated
  scores and fit times at default settings against MLP on small data sets, the score per
  pass of partial_fit, the break-even of ``kernels="auto"`` in new processes, and BLAS's
  threads against one by the size of a fit (writes ``results/bench_defaults.md``);
- ``startup`` of ``bench_startup.py``: new processes, the import, the quickstart with
  each kernel, and numba's compilation;
- ``onnx`` of ``bench_onnx.py``: one row and a batch predicted by skdeepnn's and
  MLPClassifier's ONNX graphs in onnxruntime and by both ``predict``s (skipped, with a
  message, without the ``[onnx]`` extra);
- ``array_api`` of ``bench_array_api.py``: one Adam epoch of the same network on NumPy
  arrays, on PyTorch tensors through scikit-learn's array API dispatch (CUDA when
  available, else the CPU; CuPy too when it imports on a CUDA machine) and in a
  hand-written PyTorch loop on the same device, against the epoch's matrix products
  alone, writing ``--array-api-output`` (Markdown); the PyTorch rows need
  ``SCIPY_ARRAY_API=1`` in the environment and are skipped, with a message, without it;
- ``scaling`` of ``bench_scaling.py``, not by default since it takes longer (about 8
  minutes more): a fixed small network against the number of rows (up to
  ``--scaling-max``) and against its width, writing ``--out`` (JSON) and ``--figure`` (PNG).

``--sections`` picks some (a comma-separated list, or ``all``); each script also runs
alone with its own sections and options (``python benchmarks/bench_small.py``). They
print Markdown tables; ``benchmarks/results/`` holds the run the README quotes.
"""

import bench_array_api
import bench_defaults
import bench_mlp
import bench_onnx
import bench_scaling
import bench_small
import bench_startup
from _common import main

BENCHMARKS = (
    bench_mlp, bench_small, bench_defaults, bench_startup, bench_onnx, bench_array_api,
    bench_scaling,
)  # fmt: skip
#: All but scaling, which takes longer: ``--sections all`` adds it.
DEFAULT_SECTIONS = [name for b in BENCHMARKS if b is not bench_scaling for name in b.SECTIONS]

if __name__ == "__main__":
    main(BENCHMARKS, default_sections=DEFAULT_SECTIONS)
