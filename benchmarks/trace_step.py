"""Which of skdeepnn's modules one mini-batch step touches, from ``fit`` to the update.

Runs ``DeepNNClassifier().fit`` on a small data set with a profiler hook that notes
the module of every skdeepnn function called: from the call of ``fit`` until the
first optimizer update returns (the set-up: validation, the head, the engine, the
network, and the first step), then the next mini-batch step alone (its batch,
forward and backward propagation, the loss, the update). What a newcomer opens
to follow one step, and how often the walk changes files.

Usage::

    python benchmarks/trace_step.py [--kernels numpy|numba]
"""

import argparse
import sys
import warnings
from pathlib import Path

import numpy as np

import skdeepnn
from skdeepnn import DeepNNClassifier


def trace_calls():
    """The skdeepnn module of every skdeepnn function call from ``fit`` until the second
    optimizer update returns, in order, and where the first update's calls end."""
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(300, 10)), rng.integers(0, 3, 300)
    calls, updates = [], []

    def profile(frame, event, arg):
        if len(updates) == 2:
            return
        name = frame.f_globals.get("__name__", "")
        if not name.startswith("skdeepnn"):
            return
        if event == "call":
            calls.append(name)
        elif event == "return" and frame.f_code.co_name == "update":
            if name == "skdeepnn._optimizers":
                updates.append(len(calls))

    model = DeepNNClassifier(max_iter=1, batch_size=100, random_state=0)
    sys.setprofile(profile)
    try:  # batches of 100: the second update is the first epoch's second step
        model.fit(X, y)
    finally:
        sys.setprofile(None)
    return calls, updates[0]


def first_seen(names):
    return list(dict.fromkeys(names))


def switches(names):
    """How often the call sequence moves from one module to another."""
    return sum(a != b for a, b in zip(names, names[1:], strict=False))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kernels", default="numpy", choices=("numpy", "numba"))
    args = parser.parse_args(argv)
    with skdeepnn.config_context(kernels=args.kernels), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # max_iter=1 is the point
        calls, first_update = trace_calls()
    package = Path(skdeepnn.__file__).parent
    n_modules = len(list(package.glob("*.py")))
    set_up, step = calls[:first_update], calls[first_update:]
    print(f"skdeepnn at {package}, kernels={args.kernels} ({n_modules} modules)")
    print(
        f"from fit to the first update: {len(first_seen(set_up))} modules, "
        f"{switches(set_up)} switches between them"
    )
    for module in first_seen(set_up):
        print("   ", module)
    print(
        f"one mini-batch step (the next batch to its update): {len(first_seen(step))} "
        f"modules, {switches(step)} switches"
    )
    for module in first_seen(step):
        print("   ", module)


if __name__ == "__main__":
    main()
