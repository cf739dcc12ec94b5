"""Model files from others and saves that fail: the cases of issue 22, one test each.

``load`` must refuse, with a ValueError that names the file, what is not a
regular file, corrupt zip layers, bad values and parameters that do not match
the arrays; ``save`` must replace its target in one step, and read back from
the path it was given.
"""

import copy
import errno
import io
import os
import threading
import zipfile

import numpy as np
import pytest
from _helpers import fit_quietly
from _model_files import (
    header_member,
    header_of,
    members,
    npy_bytes,
    npy_header_bytes,
    patch_member_fields,
    stored,
    zip_bytes,
)
from sklearn.datasets import make_classification

import skdeepnn
from skdeepnn import DeepNNClassifier, LogisticRegressionGD

X, Y = make_classification(n_samples=60, n_features=5, n_informative=3, n_classes=3,
                           random_state=0)  # fmt: skip


@pytest.fixture(scope="module")
def network():
    """A fitted classifier with batch normalization and Adam."""
    model = DeepNNClassifier(hidden_layer_sizes=(4, 3), batch_norm=True, max_iter=3,
                             random_state=0)  # fmt: skip
    return fit_quietly(model, X, Y)


@pytest.fixture(scope="module")
def network_file(network, tmp_path_factory):
    """The bytes of ``network``'s model file."""
    path = tmp_path_factory.mktemp("saved") / "model.npz"
    skdeepnn.save(network, path)
    return path.read_bytes()


def refused(data, tmp_path, match):
    """Write ``data`` as a file, and check that ``load`` refuses it with a ValueError that
    names the file and matches ``match``."""
    path = tmp_path / "tampered.npz"
    path.write_bytes(data)
    with pytest.raises(ValueError, match=match) as error:
        skdeepnn.load(path)
    assert str(path) in str(error.value)


def edited(data, header=None, **arrays):
    """The model file ``data`` with its JSON header changed by ``header(h)`` and the named
    members replaced by arrays (or raw bytes), everything else as it was."""
    files = members(data)
    if header is not None:
        content = header_of(files["__header__.npy"])
        header(content)
        files["__header__.npy"] = header_member(content)
    for key, value in arrays.items():
        files[f"{key}.npy"] = value if isinstance(value, bytes) else npy_bytes(value)
    return zip_bytes(stored(files))


# -- not a regular file ------------------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_load_refuses_a_named_pipe_without_blocking(tmp_path):
    pipe = tmp_path / "model.npz"
    os.mkfifo(pipe)
    outcome = {}

    def load():
        try:
            skdeepnn.load(pipe)
        except Exception as error:
            outcome["error"] = error

    thread = threading.Thread(target=load, daemon=True)
    thread.start()
    thread.join(timeout=10)
    blocked = thread.is_alive()
    if blocked:  # open the writing end, so that the blocked reader sees the end of the file
        os.close(os.open(pipe, os.O_WRONLY | os.O_NONBLOCK))
        thread.join(timeout=10)
    assert not blocked, "load blocked on a named pipe"
    assert isinstance(outcome["error"], ValueError)
    assert "named pipe, not a regular file" in str(outcome["error"])


@pytest.mark.parametrize("path", ["directory", os.devnull])
def test_load_refuses_what_is_not_a_regular_file(path, tmp_path):
    if path == "directory":
        path = tmp_path
    with pytest.raises(ValueError, match="not a regular file"):
        skdeepnn.load(path)


def test_load_refuses_a_file_over_max_bytes(network_file, tmp_path):
    path = tmp_path / "model.npz"
    path.write_bytes(network_file)
    with pytest.raises(ValueError, match="over the limit of 1,000 .load's max_bytes"):
        skdeepnn.load(path, max_bytes=1000)
    assert skdeepnn.load(path, max_bytes=len(network_file)).n_iter_ == 3


# -- bombs ---------------------------------------------------------------------------------


def test_load_refuses_a_huge_deflated_member_before_inflating_it(network_file, tmp_path):
    from _model_files import deflated_zeros

    n_bytes = 2**32 - 1  # 4 GiB of zeros in about 4 MB
    prefix = npy_header_bytes("|u1", (n_bytes - 128,))
    data = deflated_zeros(prefix, n_bytes - len(prefix))
    entry = {"name": "coefs_0.npy", "data": data, "method": zipfile.ZIP_DEFLATED, "size": n_bytes}
    files = members(network_file)
    files.pop("coefs_0.npy")
    refused(zip_bytes([*stored(files), entry]), tmp_path, "coefs_0.npy is compressed")


def test_load_refuses_an_npy_header_declaring_a_huge_shape(network_file, tmp_path):
    member = npy_header_bytes("<f8", (10**12, 5)) + bytes(160)
    refused(edited(network_file, coefs_0=member), tmp_path,
            r"coefs_0 \(layer 0 weights\) has shape \(1000000000000, 5\)")  # fmt: skip


def test_load_refuses_a_huge_shape_that_the_header_agrees_with(network_file, tmp_path):
    def huge(header):
        header["attributes"]["n_features_in_"] = 10**12

    member = npy_header_bytes("<f8", (10**12, 4)) + bytes(160)
    match = r"declares a float64 array of shape \(1000000000000, 4\) but holds 160 bytes"
    refused(edited(network_file, huge, coefs_0=member), tmp_path, match)


def test_load_refuses_a_member_larger_than_the_file(network_file, tmp_path):
    files = members(network_file)
    entries = stored(files)
    entries[1]["size"] = 2**32 - 1
    refused(zip_bytes(entries), tmp_path, "declares 4,294,967,295 bytes")


def test_load_refuses_a_zip_directory_of_a_million_members(tmp_path):
    entries = [{"name": f"m{i}.npy", "data": b""} for i in range(40_000)]
    refused(zip_bytes(entries), tmp_path, "zip directory asks for .* bytes in one read")


def test_overlapping_members_are_refused():
    from skdeepnn._archive import _checked_members

    infos = [zipfile.ZipInfo(f"{name}.npy") for name in ("a", "b")]
    for info in infos:  # both at the start of a 1,000-byte file
        info.header_offset, info.file_size, info.compress_size = 0, 600, 600
    with pytest.raises(ValueError, match="1,200 bytes together, more than the file's 1,000"):
        _checked_members(infos, 1000)


# -- corrupt zip layers ------------------------------------------------------------------


@pytest.mark.parametrize(
    "fields, match",
    [
        ({"method": 99}, "compressed .zip method 99"),
        ({"method": zipfile.ZIP_LZMA}, "compressed .zip method 14"),
        ({"flags": 0x1}, "encrypted .zip flag 0x1"),
        ({"flags": 0x40}, "strongly encrypted"),
        ({"flags": 0x20}, "patched data"),
    ],
)
def test_load_refuses_zip_flags_with_a_value_error(fields, match, network_file, tmp_path):
    refused(patch_member_fields(network_file, "coefs_0.npy", **fields), tmp_path, match)


def test_load_refuses_a_list_where_the_header_has_a_label(network_file, tmp_path):
    def change(header):
        header["params"]["class_weight"] = {"pairs": [[[1], 2.0]]}

    refused(edited(network_file, change), tmp_path, r"class_weight has the label \[1\]")


def test_load_refuses_a_list_for_a_class_name(network_file, tmp_path):
    refused(edited(network_file, lambda h: h.update(class_name=["DeepNNClassifier"])),
            tmp_path, "names the class")  # fmt: skip


def test_load_refuses_a_corrupt_member_by_its_crc(network_file, tmp_path):
    data = bytearray(network_file)
    with zipfile.ZipFile(io.BytesIO(network_file)) as archive:
        info = archive.getinfo("coefs_1.npy")
    data[info.header_offset + 30 + len(info.filename) + 20 + 150] ^= 0xFF  # in the weights
    refused(bytes(data), tmp_path, "Bad CRC-32")


def test_every_flip_of_a_zip_header_byte_is_refused_or_harmless(tmp_path):
    """Each byte of the zip's headers and directory flipped in turn (the data are
    guarded by their CRC): every file loads the saved model or is refused."""
    model = fit_quietly(LogisticRegressionGD(max_iter=2, solver="adam"), X, Y)
    path = tmp_path / "model.npz"
    skdeepnn.save(model, path)
    data = path.read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        infos = archive.infolist()
    positions = [i for info in infos for i in range(info.header_offset, info.header_offset + 60)]
    positions += range(data.index(b"PK\x01\x02"), len(data))
    outcomes = {"refused": 0, "loaded": 0}
    for position in positions:
        flipped = bytearray(data)
        flipped[position] ^= 0xFF
        path.write_bytes(flipped)
        try:
            loaded = skdeepnn.load(path)
        except ValueError:
            outcomes["refused"] += 1
            continue
        outcomes["loaded"] += 1
        np.testing.assert_array_equal(loaded.coef_, model.coef_)
        np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    assert outcomes["refused"] > outcomes["loaded"] > 0


# -- values and parameters -------------------------------------------------------------


@pytest.mark.parametrize(
    "key, value, match",
    [
        ("coefs_0", np.nan, "coefs_0 holds NaN"),
        ("coefs_0", np.inf, r"coefs_0 holds values from .* to inf"),
        ("coefs_1", 1e308, "coefs_1 holds values from .* to 1e\\+308"),
        ("intercepts_2", np.nan, "intercepts_2 holds NaN"),
        ("running_vars_0", -1.0, "running_vars_0 holds negative variances"),
        ("gammas_1", -np.inf, "gammas_1 holds values from -inf"),
        ("optimizer_state_0", np.nan, "optimizer_state_0 holds NaN"),
        ("optimizer_state_1", -1.0, "squared-gradient averages are negative"),
    ],
)
def test_load_refuses_bad_values(key, value, match, network_file, tmp_path):
    array = np.lib.format.read_array(io.BytesIO(members(network_file)[f"{key}.npy"]))
    array[0] = value
    refused(edited(network_file, **{key: array}), tmp_path, match)


@pytest.mark.parametrize(
    "change, match",
    [
        (lambda h: h["optimizer"].update(t=10**400), "step count t is invalid"),
        (lambda h: h["optimizer"].update(t=-1), "step count t is invalid"),
        (lambda h: h["optimizer"].update(learning_rate=float("inf")), "learning_rate is invalid"),
        (lambda h: h["params"].update(batch_norm=False),
         "batch_norm=False with 2 hidden layers, and it has batch normalization arrays"),
        (lambda h: h["params"].update(hidden_layer_sizes=[4, 4]),
         r"coefs_1 \(layer 1 weights\) has shape \(4, 3\)"),
        (lambda h: h["params"].update(hidden_layer_sizes=[4]), "n_layers_=4 does not fit"),
        (lambda h: h["params"].update(class_weight={"pairs": [[0, float("nan")]]}),
         "weight nan"),
        (lambda h: h["params"].update(class_weight={"pairs": [[0, -1]]}), "weight -1"),
        (lambda h: h["params"].update(class_weight={"pairs": [[7, 1.0]]}),
         r"labels \[7\] that are not classes_"),
        (lambda h: h["attributes"].update(n_features_in_=-5), "n_features_in_ is invalid"),
        (lambda h: h["attributes"].update(loss_curve_=[0.5] * 10 + [[1]]), "loss_curve_"),
    ],
)  # fmt: skip
def test_load_refuses_headers_that_do_not_fit(change, match, network_file, tmp_path):
    refused(edited(network_file, change), tmp_path, match)


def test_old_files_load_as_before(network, network_file, tmp_path):
    """A file written by np.savez itself, as save did before it wrote atomically."""
    path = tmp_path / "old.npz"
    arrays = {name[:-4]: np.lib.format.read_array(io.BytesIO(data))
              for name, data in members(network_file).items()}  # fmt: skip
    np.savez(path, **arrays)
    loaded = skdeepnn.load(path)
    np.testing.assert_array_equal(loaded.predict_proba(X), network.predict_proba(X))


def test_save_refuses_a_model_that_load_would_refuse(network, tmp_path):
    changed = copy.copy(network).set_params(batch_norm=False)
    with pytest.raises(ValueError, match="save refuses .* batch_norm=False"):
        skdeepnn.save(changed, tmp_path / "model.npz")
    assert list(tmp_path.iterdir()) == []


# -- save ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["model", "model.npz", "model.skdeepnn"])
def test_load_reads_the_path_that_save_was_given(name, network, tmp_path):
    skdeepnn.save(network, tmp_path / name)
    assert [path.name for path in tmp_path.iterdir()] == [name]
    loaded = skdeepnn.load(str(tmp_path / name))
    np.testing.assert_array_equal(loaded.predict_proba(X), network.predict_proba(X))


def test_a_missing_file_points_to_the_npz_an_older_save_wrote(network, tmp_path):
    skdeepnn.save(network, tmp_path / "model.npz")
    with pytest.raises(ValueError, match=r"no such file; .*model.npz exists"):
        skdeepnn.load(tmp_path / "model")


@pytest.mark.parametrize(
    "failure", [OSError(errno.ENOSPC, "No space left on device"), KeyboardInterrupt()]
)
def test_a_failed_save_leaves_the_old_file_as_it_was(failure, network, tmp_path, monkeypatch):
    path = tmp_path / "model.npz"
    old = fit_quietly(LogisticRegressionGD(max_iter=2), X, Y)
    skdeepnn.save(old, path)
    before = path.read_bytes()
    write_array = np.lib.format.write_array
    calls = []

    def failing_write_array(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:  # midway: two members written
            raise failure
        return write_array(*args, **kwargs)

    monkeypatch.setattr(np.lib.format, "write_array", failing_write_array)
    with pytest.raises(type(failure)):
        skdeepnn.save(network, path)
    assert len(calls) == 3
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["model.npz"]
    monkeypatch.undo()
    np.testing.assert_array_equal(skdeepnn.load(path).coef_, old.coef_)


def test_concurrent_loads_see_the_old_model_or_the_new(network, tmp_path):
    path = tmp_path / "model.npz"
    other = fit_quietly(DeepNNClassifier(hidden_layer_sizes=(4, 3), batch_norm=True,
                                         max_iter=5, random_state=1), X, Y)  # fmt: skip
    skdeepnn.save(network, path)
    done, failures, seen = threading.Event(), [], set()

    def reload():
        while not done.is_set():
            try:
                seen.add(float(skdeepnn.load(path).coefs_[0][0, 0]))
            except Exception as error:
                failures.append(error)

    readers = [threading.Thread(target=reload) for _ in range(2)]
    for reader in readers:
        reader.start()
    for i in range(40):
        skdeepnn.save(other if i % 2 == 0 else network, path)
    done.set()
    for reader in readers:
        reader.join()
    assert failures == []
    assert seen <= {float(network.coefs_[0][0, 0]), float(other.coefs_[0][0, 0])}
    assert [p.name for p in tmp_path.iterdir()] == ["model.npz"]
