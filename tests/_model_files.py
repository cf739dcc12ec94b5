"""Helpers that take model files apart and build tampered ones, byte by byte.

``members`` reads a model file's members as raw ``.npy`` bytes; ``zip_bytes``
writes a zip archive from members described field by field (method, flags, the
declared sizes and CRC), so that a test can build what ``np.savez`` never writes:
compressed or encrypted members, sizes that lie, bombs.
"""

import io
import json
import struct
import zipfile
import zlib

import numpy as np

LOCAL = struct.Struct("<4s5H3L2H")
CENTRAL = struct.Struct("<4s6H3L5H2L")
END = struct.Struct("<4s4H2LH")


def members(data):
    """``{name: bytes}`` of the members of the zip archive ``data``, as stored uncompressed."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def npy_bytes(array):
    """``array`` as the bytes of a ``.npy`` file (object arrays pickled, as np.save would)."""
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, np.asanyarray(array), allow_pickle=True)
    return buffer.getvalue()


def npy_header_bytes(descr, shape, fortran_order=False):
    """A ``.npy`` format 1.0 header declaring ``descr`` and ``shape``, with no data."""
    buffer = io.BytesIO()
    header = {"descr": descr, "fortran_order": fortran_order, "shape": shape}
    np.lib.format.write_array_header_1_0(buffer, header)
    return buffer.getvalue()


def header_of(member_bytes):
    """The JSON header of a model file, from its ``__header__.npy`` member's bytes."""
    array = np.lib.format.read_array(io.BytesIO(member_bytes))
    return json.loads(array.tobytes().decode("utf-8"))


def header_member(header):
    """The ``__header__.npy`` member's bytes for the JSON ``header``, a dict or its text."""
    text = header if isinstance(header, str) else json.dumps(header)
    return npy_bytes(np.frombuffer(text.encode("utf-8"), dtype=np.uint8))


def zip_bytes(entries):
    """A zip archive of ``entries``, each a dict with ``name`` and ``data`` (the bytes as
    stored) and optionally ``method`` (0 stored, 8 deflated), ``flags``, ``size`` (the
    declared uncompressed size) and ``crc``; the defaults describe ``data`` truly."""
    body, directory = bytearray(), bytearray()
    for entry in entries:
        name, data = entry["name"].encode(), entry["data"]
        method, flags = entry.get("method", 0), entry.get("flags", 0)
        size = entry.get("size", len(data))
        crc = entry.get("crc", zlib.crc32(data) if method == 0 else 0)
        fields = (20, flags, method, 0, 0x21, crc, len(data), size, len(name), 0)
        offset = len(body)
        body += LOCAL.pack(b"PK\x03\x04", *fields) + name + data
        directory += CENTRAL.pack(b"PK\x01\x02", 20, *fields, 0, 0, 0, 0, offset) + name
    count = len(entries)
    end = END.pack(b"PK\x05\x06", 0, 0, count, count, len(directory), len(body), 0)
    return bytes(body + directory + end)


def stored(files):
    """``zip_bytes`` entries storing each ``{name: bytes}`` uncompressed."""
    return [{"name": name, "data": data} for name, data in files.items()]


def deflated_zeros(prefix, n_zeros):
    """A raw deflate stream of ``prefix`` then ``n_zeros`` zero bytes, made in a few
    milliseconds whatever ``n_zeros``: after a full flush, a block of compressed zeros
    refers to nothing before it, so one such block repeated is a valid stream."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = compressor.compress(prefix) + compressor.flush(zlib.Z_FULL_FLUSH)
    unit = 1 << 24
    block = compressor.compress(bytes(unit)) + compressor.flush(zlib.Z_FULL_FLUSH)
    count, rest = divmod(n_zeros, unit)
    return head + block * count + compressor.compress(bytes(rest)) + compressor.flush()


def patch_member_fields(data, name, **fields):
    """``data`` with the zip fields ``flags`` or ``method`` of member ``name`` set to new
    values in both its local header and its directory entry."""
    where = {"flags": (6, 8), "method": (8, 10)}  # offsets in the local and central headers
    out = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        local = archive.getinfo(name).header_offset
    central = data.index(b"PK\x01\x02")
    while data[central + 46 : central + 46 + len(name)] != name.encode():
        central = data.index(b"PK\x01\x02", central + 4)
    for field, value in fields.items():
        local_at, central_at = where[field]
        struct.pack_into("<H", out, local + local_at, value)
        struct.pack_into("<H", out, central + central_at, value)
    return bytes(out)
