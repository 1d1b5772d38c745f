"""Bounded, boundary-checked reading of inputs: the one place every format reader goes through.

Why one module: a hostile input can hide in the file system (a symlink to ``/etc/passwd``, a FIFO
that blocks ``open`` forever) or in compression (a few KB that inflate to GBs). Each rule below is
applied *before* or *while* reading, never after the whole thing is in memory:

* ``refusal(path, root)``: a reason to refuse a path without opening it — a symlink leaving the
  input root, a dangling symlink or a symlink loop, anything that is not a regular file (FIFO,
  socket, device). ``None`` when the path may be read.
* ``read_file(path, limit)``: at most ``limit`` bytes of a regular file (``.gz`` transparently
  gunzipped, every gzip member, the limit applied to the decompressed stream while inflating).
* ``decode_content(data, encoding, limit)``: an HTTP ``Content-Encoding`` (gzip, deflate, br)
  undone under the same kind of limit.
* ``display(path)``: a path as text that can always be written (a file name's non-UTF-8 bytes
  become ``\\xNN`` escapes), for page records, quarantine lines and messages.

Everything refused raises ``InputRefused`` (a ``ValueError``) with a one-line reason.
"""

from __future__ import annotations

import errno
import os
import stat
import zlib
from pathlib import Path
from types import ModuleType

try:  # zlib-ng inflates the same bytes (and fails with the same messages) in about half the time
    from zlib_ng import zlib_ng as _inflate_module
except ImportError:  # pragma: no cover - zlib-ng is a dependency; stdlib zlib gives the same result
    _inflate_module = zlib  # type: ignore[assignment]

#: Decompressed bytes of one input (a ``.gz`` file, a WARC payload) refused beyond this.
MAX_DECOMPRESSED = 64 * 1024 * 1024
#: Bytes of one plain input file refused beyond this (pages are checked again at 20 MiB).
MAX_FILE_BYTES = 64 * 1024 * 1024
CHUNK = 1 << 16


class InputRefused(ValueError):
    """An input that is not read, with why (goes to the quarantine)."""


def display(path: str | os.PathLike[str]) -> str:
    """``path`` as a string that encodes to UTF-8 (undecodable name bytes shown as ``\\xNN``)."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def refusal(path: Path, root: Path | None = None) -> str | None:
    """Why ``path`` must not be read (checked with ``lstat``/``stat`` only: nothing is opened)."""
    try:
        link = path.is_symlink()
        info = path.stat()  # follows links: raises for a dangling link or a loop
    except OSError as exc:
        if link:
            kind = "a symlink loop" if exc.errno == errno.ELOOP else "a dangling symlink"
            return f"{kind} (target {_target(path)!r} cannot be read)"
        return f"cannot stat: {exc.strerror or exc}"
    if link and root is not None:
        try:
            path.resolve().relative_to(root.resolve())
        except ValueError:
            return f"symlink to {display(path.resolve())}, outside the input folder {display(root)}"
    if not stat.S_ISREG(info.st_mode):
        return f"not a regular file ({_kind(info.st_mode)}); refused without opening it"
    return None


def _target(path: Path) -> str:
    try:
        return display(os.readlink(path))
    except OSError:
        return "?"


def _kind(mode: int) -> str:
    for test, name in (
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISDIR, "a directory"),
    ):
        if test(mode):
            return name
    return "a special file"


def _mib(n: int) -> str:
    return f"{n / 2**20:g} MiB"


def read_file(
    path: Path, limit: int = MAX_FILE_BYTES, decompressed_limit: int = MAX_DECOMPRESSED, root: Path | None = None
) -> bytes:
    """The bytes of a regular file (gunzipped when it ends in ``.gz``), bounded while reading;
    with ``root``, a symlink leaving it is refused."""
    if (why := refusal(path, root)) is not None:
        raise InputRefused(why)
    with path.open("rb") as fh:
        if path.suffix == ".gz":
            return gunzip_stream(fh, decompressed_limit)
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise InputRefused(f"file is larger than {_mib(limit)}; not read further")
    return data


def gunzip_stream(fh, limit: int = MAX_DECOMPRESSED, inflate_module: ModuleType | None = None) -> bytes:
    """Every member of a gzip stream, inflated chunk by chunk; refused past ``limit`` output bytes.

    ``inflate_module``: a zlib-compatible module (default zlib-ng when installed, else ``zlib``);
    tests pass ``zlib`` to check both give the same bytes and the same refusals."""
    zmod = _inflate_module if inflate_module is None else inflate_module
    out = bytearray()
    inflater = zmod.decompressobj(16 + zlib.MAX_WBITS)
    members, fed = 0, False  # fed: the current member has received input
    while data := fh.read(CHUNK):
        try:
            while data:
                fed = True
                out += inflater.decompress(data, limit + 1 - len(out))
                if len(out) > limit:
                    raise InputRefused(f"decompresses to more than {_mib(limit)}")
                data = inflater.unconsumed_tail
                if inflater.eof:  # one member done: what follows is the next member
                    members += 1
                    data = (inflater.unused_data + data).lstrip(b"\0")  # zero padding is allowed
                    inflater, fed = zmod.decompressobj(16 + zlib.MAX_WBITS), False
        except zmod.error as exc:
            raise InputRefused(f"corrupt gzip file: {exc}") from None
    if fed or members == 0:
        raise InputRefused("truncated gzip file (compressed stream ends early)")
    return bytes(out)


def decode_content(data: bytes, encoding: str | None, limit: int = MAX_DECOMPRESSED) -> bytes:
    """Undo an HTTP Content-Encoding under ``limit`` output bytes; identity passes through."""
    enc = (encoding or "").strip().lower()
    if enc in ("", "identity"):
        return data
    if enc in ("gzip", "x-gzip"):
        import io

        return gunzip_stream(io.BytesIO(data), limit)
    if enc == "deflate":
        for wbits in (zlib.MAX_WBITS, -zlib.MAX_WBITS):  # zlib-wrapped, or raw deflate (old servers)
            try:
                inflater = zlib.decompressobj(wbits)
                out = inflater.decompress(data, limit + 1)
            except zlib.error:
                continue
            if len(out) > limit:
                raise InputRefused(f"Content-Encoding deflate decompresses to more than {_mib(limit)}")
            return out
        raise InputRefused("corrupt deflate payload")
    if enc == "br":
        import brotli

        inflater, out = brotli.Decompressor(), bytearray()
        try:
            for start in range(0, max(len(data), 1), CHUNK):
                out += inflater.process(data[start : start + CHUNK], output_buffer_limit=limit + 1 - len(out))
                while len(out) <= limit and not inflater.can_accept_more_data():
                    out += inflater.process(b"", output_buffer_limit=limit + 1 - len(out))
                if len(out) > limit:
                    raise InputRefused(f"Content-Encoding br decompresses to more than {_mib(limit)}")
        except brotli.error as exc:
            raise InputRefused(f"corrupt brotli payload: {exc}") from None
        return bytes(out)
    raise InputRefused(f"unsupported Content-Encoding {encoding!r}")
