"""The ``.npz`` archives of model files: read within bounds, written atomically.

A model file is a zip archive of uncompressed ``.npy`` members, as ``np.savez``
writes it. ``open_archive`` reads one that may come from anyone: it opens only
regular files (a named pipe would block, a device never ends), describes each
member from the zip's directory without trusting it (a member must be stored
uncompressed, unencrypted, inside the file, and the members together no larger
than the file), and ``Archive.read_array`` parses a member's ``.npy`` header and
lets the caller check its dtype and shape before allocating anything. So no
array larger than the file is ever allocated, and the work is linear in the
file's size. Whatever goes wrong raises an exception, which ``load`` turns into
its ValueError.

``write_atomically`` writes a new file beside the target, flushes and fsyncs
it, then renames it onto the target: a reader sees the old file or the new one,
and a failed or interrupted write leaves the old file as it was.
"""

import contextlib
import math
import os
import secrets
import stat
import zipfile

import numpy as np
from numpy.lib import format as npy_format

#: No single read of an archive may ask for more bytes. zipfile reads the zip's
#: directory in one piece, so this bounds the directory, and with it the number
#: of members and the memory zipfile spends describing them (about ten times the
#: directory's bytes). A model's directory takes about 80 bytes a member.
READ_LIMIT = 1 << 20
#: The largest ``.npy`` header read: numpy's own default for untrusted files.
NPY_HEADER_LIMIT = 10_000
# The zip flag bits of encryption (traditional and strong) and of patched data:
# np.savez sets none of them.
_REFUSED_FLAGS = {0x01: "encrypted", 0x20: "patched data", 0x40: "strongly encrypted"}
_FILE_KINDS = {
    stat.S_ISDIR: "a directory",
    stat.S_ISFIFO: "a named pipe",
    stat.S_ISCHR: "a character device",
    stat.S_ISBLK: "a block device",
    stat.S_ISSOCK: "a socket",
}


class _BoundedFile:
    """A file whose every read asks for at most ``limit`` bytes (see ``READ_LIMIT``)."""

    def __init__(self, file, size, limit):
        self._file, self._size, self._limit = file, size, limit

    def read(self, n=-1):
        if n is None or n < 0:
            n = self._size - self._file.tell()
        if n > self._limit:
            raise ValueError(
                f"its zip directory asks for {n:,} bytes in one read, over the "
                f"{self._limit:,} that a model file's few members take"
            )
        return self._file.read(n)

    def seek(self, offset, whence=os.SEEK_SET):
        return self._file.seek(offset, whence)

    def tell(self):
        return self._file.tell()

    def seekable(self):
        return True


class Archive:
    """The members of an open model file.

    Parameters
    ----------
    zip_file : zipfile.ZipFile
    size : int
        The file's size in bytes.

    Attributes
    ----------
    keys : set of str
        The members' names without their ``.npy`` suffix, as ``np.load`` names them.
    """

    def __init__(self, zip_file, size):
        self._zip = zip_file
        self._members = _checked_members(zip_file.infolist(), size)
        self.keys = set(self._members)

    def read_array(self, key, check):
        """The array of member ``key``, read after ``check(dtype, shape)`` accepts its header.

        ``check`` raises a ValueError to refuse. The array is allocated only once
        its size in bytes is exactly what the member holds after its header, and
        it is returned in native byte order.
        """
        info = self._members[key]
        with self._zip.open(info) as member:
            version = npy_format.read_magic(member)
            if version != (1, 0):
                raise ValueError(f"its member {info.filename} is .npy format {version}, not 1.0")
            shape, fortran_order, dtype = npy_format.read_array_header_1_0(
                member, max_header_size=NPY_HEADER_LIMIT
            )
            check(dtype, shape)
            held = info.file_size - member.tell()
            if dtype.itemsize * math.prod(shape) != held:
                raise ValueError(
                    f"its member {info.filename} declares a {dtype} array of shape {shape} "
                    f"but holds {held:,} bytes of data"
                )
            # A Fortran-ordered array's bytes are those of its transpose in C order.
            array = np.empty(shape[::-1] if fortran_order else shape, dtype=dtype)
            _read_into(member, array)
        if fortran_order:
            array = array.T
        return array if dtype.isnative else array.astype(dtype.newbyteorder("="))


def _read_into(member, array):
    """Fill ``array`` from ``member`` a bounded chunk at a time (no second copy of the
    data); reaching the member's end makes zipfile check its CRC."""
    view = memoryview(array.reshape(-1).view(np.uint8))
    offset = 0
    while offset < len(view):
        chunk = member.read(min(READ_LIMIT, len(view) - offset))
        if not chunk:
            raise ValueError(f"its member {member.name} ends early")
        view[offset : offset + len(chunk)] = chunk
        offset += len(chunk)


def _checked_members(infos, size):
    """``{key: ZipInfo}`` of the archive's members, refused unless each is a distinct
    ``.npy`` file stored uncompressed and unencrypted inside the file's bytes."""
    members, total = {}, 0
    for info in infos:
        name = info.filename
        if not name.endswith(".npy"):
            raise ValueError(f"its member {name!r} is not a .npy array")
        if name[:-4] in members:
            raise ValueError(f"it has two members named {name!r}")
        if info.compress_type != zipfile.ZIP_STORED:
            raise ValueError(
                f"its member {name} is compressed (zip method {info.compress_type}); "
                "model files store their members uncompressed"
            )
        for bit, what in _REFUSED_FLAGS.items():
            if info.flag_bits & bit:
                raise ValueError(f"its member {name} is {what} (zip flag {bit:#x})")
        if info.compress_size != info.file_size or info.header_offset + info.file_size > size:
            raise ValueError(
                f"its member {name} declares {info.file_size:,} bytes, which a "
                f"{size:,}-byte file cannot hold uncompressed"
            )
        total += info.file_size
        members[name[:-4]] = info
    if total > size:
        raise ValueError(
            f"its members declare {total:,} bytes together, more than the file's {size:,}: "
            "they overlap"
        )
    return members


def _open_regular_file(path):
    """``(file, size)`` of ``path`` opened for reading; ValueError unless it is a regular file.

    The file is opened without blocking, so that a named pipe with no writer is
    refused instead of waited on.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        mode = info.st_mode
        if not stat.S_ISREG(mode):
            kind = next((kind for test, kind in _FILE_KINDS.items() if test(mode)), "special")
            raise ValueError(f"it is {kind}, not a regular file")
        file = os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    return file, info.st_size


@contextlib.contextmanager
def open_archive(path, max_bytes):
    """Open the model file at ``path`` as an ``Archive``.

    Parameters
    ----------
    path : str or path-like
    max_bytes : int
        Files larger than this are refused before anything is read.

    Yields
    ------
    archive : Archive
    """
    file, size = _open_regular_file(path)
    with file:
        if size > max_bytes:
            raise ValueError(
                f"it is {size:,} bytes, over the limit of {max_bytes:,} (load's max_bytes)"
            )
        with zipfile.ZipFile(_BoundedFile(file, size, READ_LIMIT)) as zip_file:
            yield Archive(zip_file, size)


def write_atomically(path, write):
    """Write a file at ``path`` with ``write(file)``, replacing any file there in one step.

    ``write`` writes to a new file in the same directory, which is flushed to
    disk and then renamed onto ``path`` (through a symbolic link, onto its
    target); if anything fails or interrupts it, the new file is removed and
    the old one is left as it was.

    Parameters
    ----------
    path : str or path-like
    write : callable
        Called with the new file, open for writing in binary mode.
    """
    target = os.path.realpath(os.fspath(path))
    directory, name = os.path.split(target)
    temporary = os.path.join(directory, f".{name}.{secrets.token_hex(8)}.tmp")
    # Created like any new file (mode 0o666 less the umask), never over an existing one.
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    fd = os.open(temporary, flags, 0o666)
    try:
        with os.fdopen(fd, "wb") as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    _sync_directory(directory)


def _sync_directory(directory):
    """Flush the directory's entry of the renamed file to disk (POSIX), so that the new
    file, not the old one, is there after a power cut."""
    if os.name != "posix":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        # Some file systems refuse to fsync a directory; the rename is done anyway.
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)
