"""Property tests: ``load`` on tampered model files, and its memory and time on the worst.

Hypothesis tampers with saved files of three models (a classifier with batch
normalization and Adam, a regressor with RMSProp, a logistic regression):
byte flips, truncations, edits of the JSON header, replaced, removed or added
members, and bombs (compressed members that inflate to gigabytes, sizes and
shapes that lie). Every outcome must be the saved model, or, when the edit made
another valid model, a model whose arrays are the file's and that predicts; or
a ValueError that names the file. ``derandomize=True`` draws the same examples
on every run; ``--hypothesis-show-statistics`` shows how many ended each way.
"""

import functools
import io
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings
import zipfile

import numpy as np
import pytest
from _helpers import fit_quietly
from _model_files import (
    deflated_zeros,
    header_member,
    header_of,
    members,
    npy_bytes,
    npy_header_bytes,
    stored,
    zip_bytes,
)
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from sklearn.datasets import make_classification, make_regression

import skdeepnn
from skdeepnn import DeepNNClassifier, DeepNNRegressor, LogisticRegressionGD
from skdeepnn._persistence import MAX_HEADER_BYTES

X, Y = make_classification(n_samples=40, n_features=4, n_informative=3, n_redundant=0,
                           n_classes=3, random_state=0)  # fmt: skip
Y_REG = make_regression(n_samples=40, n_features=4, random_state=0)[1] / 100

SETTINGS = settings(
    max_examples=60,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
MODELS = ("network", "regressor", "logistic")


@functools.cache
def saved(name):
    """``(model, bytes of its file)`` for one of ``MODELS``."""
    if name == "network":
        model = DeepNNClassifier(hidden_layer_sizes=(3, 2), batch_norm=True, max_iter=2,
                                 random_state=0)  # fmt: skip
        fit_quietly(model, X, Y)
    elif name == "regressor":
        model = DeepNNRegressor(hidden_layer_sizes=(3,), solver="rmsprop", max_iter=2,
                                random_state=0)  # fmt: skip
        fit_quietly(model, X, Y_REG)
    else:
        model = fit_quietly(LogisticRegressionGD(max_iter=2, solver="adam"), X, Y)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.npz")
        skdeepnn.save(model, path)
        with open(path, "rb") as file:
            return model, file.read()


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("tampered")


def arrays_of(model):
    """The model's fitted arrays by their file names."""
    if hasattr(model, "coef_"):
        return {"coef_": model.coef_, "intercept_": model.intercept_}
    out = {}
    for name in ("coefs_", "intercepts_", "gammas_", "betas_", "running_means_", "running_vars_"):
        for i, array in enumerate(getattr(model, name) or ()):
            out[f"{name}{i}"] = array
    return out


def load_or_refuse(data, folder):
    """The model ``load`` reads from ``data``, or None if it refused it with a ValueError
    that names the file; any other exception fails the test."""
    path = folder / "tampered.npz"
    path.write_bytes(data)
    started = time.perf_counter()
    try:
        loaded = skdeepnn.load(path)
    except ValueError as error:
        assert str(path) in str(error)
        event("refused")
        loaded = None
    assert time.perf_counter() - started < 5
    return loaded


def assert_is_the_saved_model(loaded, model):
    event("loaded: the saved model")
    assert type(loaded) is type(model)
    assert loaded.get_params() == model.get_params()
    for key, array in arrays_of(model).items():
        np.testing.assert_array_equal(arrays_of(loaded)[key], array)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


def assert_is_the_files_model(loaded, data):
    """A model loaded from an edited file: its arrays are the file's, and it predicts."""
    event("loaded: an edited but valid model")
    files = members(data)
    for key, array in arrays_of(loaded).items():
        stored_array = np.lib.format.read_array(io.BytesIO(files[f"{key}.npy"]))
        np.testing.assert_array_equal(array, stored_array)
        assert np.isfinite(array).all()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert loaded.predict(X).shape[0] == len(X)


# -- byte flips and truncations ------------------------------------------------------------


@SETTINGS
@given(
    name=st.sampled_from(MODELS),
    flips=st.lists(
        st.tuples(st.floats(0, 1, exclude_max=True), st.integers(1, 255)), min_size=1, max_size=4
    ),  # fmt: skip
)
def test_byte_flips(name, flips, folder):
    model, data = saved(name)
    flipped = bytearray(data)
    for where, mask in flips:
        flipped[int(where * len(data))] ^= mask
    loaded = load_or_refuse(bytes(flipped), folder)
    if loaded is not None:
        assert_is_the_saved_model(loaded, model)


@SETTINGS
@given(name=st.sampled_from(MODELS), where=st.floats(0, 1, exclude_max=True))
def test_truncations(name, where, folder):
    model, data = saved(name)
    assert load_or_refuse(data[: int(where * len(data))], folder) is None


# -- the JSON header -----------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.sampled_from([10**400, -(10**400)])
    | st.floats()
    | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=6,
)


def _paths(value, prefix=()):
    """Every path to a value inside the JSON ``value``."""
    yield prefix
    if isinstance(value, (dict, list)):
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, child in items:
            yield from _paths(child, (*prefix, key))


@st.composite
def header_edits(draw, header):
    """``header`` with one value replaced or deleted, or a new key added."""
    header = json.loads(json.dumps(header))
    path = draw(st.sampled_from(list(_paths(header))[1:]))
    parent = functools.reduce(lambda node, key: node[key], path[:-1], header)
    action = draw(st.sampled_from(["replace", "delete", "add"]))
    if action == "replace":
        parent[path[-1]] = draw(JSON_VALUES)
    elif action == "delete":
        del parent[path[-1]]
    elif isinstance(parent, dict):
        parent[draw(st.text(max_size=8))] = draw(JSON_VALUES)
    else:
        parent.append(draw(JSON_VALUES))
    return header


@SETTINGS
@given(name=st.sampled_from(MODELS), data=st.data())
def test_header_edits(name, data, folder):
    model, original = saved(name)
    files = members(original)
    header = data.draw(header_edits(header_of(files["__header__.npy"])))
    files["__header__.npy"] = header_member(header)
    edited = zip_bytes(stored(files))
    loaded = load_or_refuse(edited, folder)
    if loaded is None:
        return
    assert_is_the_files_model(loaded, edited)
    if hasattr(loaded, "partial_fit"):  # it trains on, or refuses the data clearly
        y = Y_REG if name == "regressor" else Y
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                loaded.partial_fit(X, y)
            except ValueError:
                event("partial_fit refused")


# -- members -------------------------------------------------------------------------------

DTYPES = st.sampled_from(["<f8", "<f4", ">f8", "<f2", "<i8", "|u1", "|b1", "<U3", "<c16", "|O"])


@st.composite
def arrays(draw, like):
    """An array like ``like`` (its shape and dtype, other values) or of another shape
    and dtype, with NaN, infinities and huge values among its floats."""
    dtype = np.dtype(like.dtype if draw(st.booleans()) else draw(DTYPES))
    shape = like.shape if draw(st.booleans()) else draw(hnp.array_shapes(min_dims=0, max_side=5))
    if dtype.kind == "O":
        return np.array([{"a": 1}, None], dtype=object)
    return draw(hnp.arrays(dtype, shape))


@SETTINGS
@given(name=st.sampled_from(MODELS), data=st.data())
def test_member_edits(name, data, folder):
    model, original = saved(name)
    files = members(original)
    key = data.draw(st.sampled_from(sorted(files)))
    action = data.draw(st.sampled_from(["replace", "replace", "delete", "add", "rename"]))
    if action == "replace":
        array = np.lib.format.read_array(io.BytesIO(files[key]), allow_pickle=False)
        files[key] = npy_bytes(data.draw(arrays(array)))
    elif action == "delete":
        del files[key]
    elif action == "add":
        files[data.draw(st.sampled_from(["payload.npy", "coefs_9.npy", "x"]))] = files[key]
    else:
        files[data.draw(st.sampled_from(["coefs_0", "classes_.npz", "../evil.npy"]))] = files.pop(
            key
        )
    edited = zip_bytes(stored(files))
    loaded = load_or_refuse(edited, folder)
    if loaded is not None:
        assert_is_the_files_model(loaded, edited)


# -- bombs ---------------------------------------------------------------------------------


@st.composite
def bombs(draw, data):
    """A small file that declares or holds much more than it is: a compressed member
    that inflates to up to 4 GiB, a stored member whose declared size or .npy shape
    is far larger than its bytes."""
    files = members(data)
    key = draw(st.sampled_from([*sorted(files), "payload.npy"]))
    files.pop(key, None)
    entries = stored(files)
    n_bytes = draw(st.integers(2**20, 2**32 - 1))
    kind = draw(st.sampled_from(["deflated", "declared size", "npy shape"]))
    event(f"bomb: {kind}")
    if kind == "deflated":
        prefix = npy_header_bytes("|u1", (n_bytes - 128,))
        data = deflated_zeros(prefix, min(n_bytes, 2**26) - len(prefix))
        entry = {"name": key, "data": data, "method": zipfile.ZIP_DEFLATED, "size": n_bytes}
    elif kind == "declared size":
        entry = {"name": key, "data": npy_bytes(np.zeros(4)), "size": n_bytes}
    else:
        shape = draw(st.lists(st.integers(1, 10**12), min_size=1, max_size=3))
        entry = {"name": key, "data": npy_header_bytes("<f8", tuple(shape)) + bytes(64)}
    position = draw(st.integers(0, len(entries)))
    return zip_bytes([*entries[:position], entry, *entries[position:]])


@settings(SETTINGS, max_examples=30)
@given(name=st.sampled_from(MODELS), data=st.data())
def test_bombs(name, data, folder):
    model, original = saved(name)
    assert load_or_refuse(data.draw(bombs(original)), folder) is None


# -- memory and time of the worst files ------------------------------------------------------

CHILD = """
import json, resource, sys, time
import skdeepnn
skdeepnn.load(sys.argv[1])  # the first load imports and allocates what every load needs
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
report = {}
for path in sys.argv[2:]:
    started = time.perf_counter()
    try:
        skdeepnn.load(path)
        outcome = "loaded"
    except ValueError as error:
        outcome = str(error)[-120:]
    report[path] = {"seconds": time.perf_counter() - started, "outcome": outcome}
grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
report["peak_growth_mib"] = grown / (2**20 if sys.platform == "darwin" else 2**10)
print(json.dumps(report))
"""


def worst_files(data):
    """``{name: bytes}`` of the worst files we could make from the model file ``data``."""
    files = members(data)
    header = header_of(files["__header__.npy"])
    prefix = npy_header_bytes("|u1", (2**32 - 256,))
    bomb = {"name": "payload.npy", "data": deflated_zeros(prefix, 2**32 - 1 - len(prefix)),
            "method": zipfile.ZIP_DEFLATED, "size": 2**32 - 1}  # fmt: skip
    huge_shape = dict(files, **{"coefs_0.npy": npy_header_bytes("<f8", (10**12, 5)) + bytes(8)})
    # The largest headers load reads: a valid one with a loss curve of 1.7 million
    # epochs, and one whose params have 650,000 unknown names (refused once parsed).
    # Their text is built by joining strings: json.dumps would take seconds.
    text = json.dumps(header)
    room = MAX_HEADER_BYTES - len(text) - 64
    curve = ", ".join(["0.5"] * (room // len("0.5, ")))
    long_curve = text.replace('"loss_curve_": [', f'"loss_curve_": [{curve}, ', 1)
    keys = ", ".join(f'"{i:06x}": 0' for i in range(room // len('"000000": 0, ')))
    many_keys = text.replace('"params": {', f'"params": {{{keys}, ', 1)
    directory = [{"name": f"{i}.npy", "data": b""} for i in range(20_000)]
    return {
        "deflated 4 GiB member": zip_bytes([*stored(files), bomb]),
        "npy shape 10**12 x 5": zip_bytes(stored(huge_shape)),
        "zip directory of 1 MB": zip_bytes(directory),
        "8 MiB header, a loss curve": zip_bytes(stored(with_header(files, long_curve))),
        "8 MiB header, many keys": zip_bytes(stored(with_header(files, many_keys))),
    }


def with_header(files, header):
    return {**files, "__header__.npy": header_member(header)}


@pytest.mark.skipif(sys.platform == "win32", reason="resource is POSIX")
def test_memory_and_time_of_load_on_the_worst_files(tmp_path):
    _, data = saved("network")
    valid = tmp_path / "valid.npz"
    valid.write_bytes(data)
    paths = {}
    for name, content in worst_files(data).items():
        paths[name] = tmp_path / f"{name}.npz"
        paths[name].write_bytes(content)
        assert len(content) < 10 * 2**20
    args = [sys.executable, "-c", CHILD, str(valid), *map(str, paths.values())]
    result = subprocess.run(args, capture_output=True, text=True, timeout=120, check=True)
    report = json.loads(result.stdout)
    assert report["peak_growth_mib"] < 200, report  # the largest of all the files' peaks
    for name, path in paths.items():
        entry = report[str(path)]
        assert entry["seconds"] < 10, (name, entry)
        if not name.startswith("8 MiB header, a loss curve"):
            assert entry["outcome"] != "loaded", (name, entry)
