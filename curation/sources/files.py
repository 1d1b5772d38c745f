"""Plain files and folders: HTML (.html, .htm, optionally .gz), text dumps (.txt) and WARC files."""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path

from curation.sources import Rejected

HTML_SUFFIXES = (".html", ".htm", ".xhtml")
TEXT_SUFFIXES = (".txt",)
WARC_SUFFIXES = (".warc", ".arc")
#: Refuse to decompress past this: a gzip bomb must not exhaust memory.
MAX_DECOMPRESSED = 64 * 1024 * 1024


def read_bytes(path: Path) -> bytes:
    """Read a file, transparently gunzipping ``*.gz``; errors say what is wrong with which file."""
    with path.open("rb") as fh:
        data = fh.read()
    if path.suffix == ".gz":
        try:
            out = zlib.decompressobj(16 + zlib.MAX_WBITS)
            raw = out.decompress(data, MAX_DECOMPRESSED)
            if out.unconsumed_tail:
                raise ValueError(f"decompresses to more than {MAX_DECOMPRESSED // 2**20} MiB")
            if not out.eof:
                raise ValueError("truncated gzip file (compressed stream ends early)")
            return raw
        except zlib.error as exc:
            raise ValueError(f"corrupt gzip file: {exc}") from exc
    return data


def kind_of(path: Path, fmt: str) -> str | None:
    """html, text or warc for a file under format ``fmt`` (auto: by suffix), None to skip it."""
    name = path.name.lower()
    base = name[:-3] if name.endswith(".gz") else name
    if fmt != "auto":
        return fmt
    if base.endswith(HTML_SUFFIXES):
        return "html"
    if base.endswith(TEXT_SUFFIXES):
        return "text"
    if base.endswith(WARC_SUFFIXES):
        return "warc"
    return None


def expand(paths: Iterable[str | Path], fmt: str) -> Iterator[Path | Rejected]:
    """Files named or found (recursively, sorted) under the given paths; each file once."""
    seen: set[Path] = set()
    for given in paths:
        path = Path(given)
        if not path.exists():
            yield Rejected(str(given), "no such file or directory")
            continue
        found = sorted(p for p in path.rglob("*") if p.is_file() and kind_of(p, fmt)) if path.is_dir() else [path]
        for file in found:
            key = file.resolve()
            if key in seen:
                yield Rejected(str(file), "path given twice (already read in this run)")
                continue
            seen.add(key)
            yield file


def read_files(paths: Iterable[str | Path], source: str, fmt: str = "auto", license: str = "unknown") -> Iterator[dict | Rejected]:
    """Raw records from HTML files, text dumps and WARC files (by suffix, or all as ``fmt``)."""
    from curation.sources.warc import read_warc

    for item in expand(paths, fmt):
        if isinstance(item, Rejected):
            yield item
            continue
        kind = kind_of(item, fmt) or "html"
        if kind == "warc":
            yield from read_warc([item], source, license)
            continue
        try:
            raw = read_bytes(item)
        except (OSError, ValueError) as exc:
            yield Rejected(str(item), f"cannot read: {exc}")
            continue
        stem = item.name.split(".")[0]
        yield {
            "path": str(item),
            "source": source,
            "source_id": stem,
            "url": None,
            "raw": raw,
            "raw_format": kind,
            "http_charset": None,
            "license": license,
            "page_type": None,
        }
