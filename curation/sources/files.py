"""Plain files and folders: HTML (.html, .htm, optionally .gz), text dumps (.txt) and WARC files."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from curation.sources.rejected import Rejected
from curation.sources.safe_io import MAX_DECOMPRESSED, display, read_file, refusal  # noqa: F401 - re-exported

HTML_SUFFIXES = (".html", ".htm", ".xhtml")
TEXT_SUFFIXES = (".txt",)
WARC_SUFFIXES = (".warc", ".arc")


def read_bytes(path: Path) -> bytes:
    """Read a file, transparently gunzipping ``*.gz`` (every member), bounded while reading
    (curation.sources.safe_io); errors say what is wrong with which file."""
    return read_file(path)


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


@dataclass(frozen=True)
class Skipped:
    """Files found in a folder that are not inputs of the format (by suffix): one note, not pages."""

    path: str
    note: str


def _found(root: Path, fmt: str) -> Iterator[Path | Rejected | Skipped]:
    """Files under the folder ``root`` (sorted, links not followed out of it): inputs by suffix,
    a Rejected for each one that must not be read (see safe_io.refusal), and one Skipped note
    counting the files whose suffix is not an input."""
    skipped: Counter = Counter()
    for folder, dirs, files in os.walk(root, followlinks=False):
        dirs.sort()
        here = Path(folder)
        for name in dirs:  # a linked folder: its files are read at their real place, if inside
            if (here / name).is_symlink() and (why := refusal(here / name, root)) and "outside" in why:
                yield Rejected(display(here / name), why)
        for name in sorted(files):
            path = here / name
            if not kind_of(path, fmt):
                skipped["".join(path.suffixes[-2:]) or "(no suffix)"] += 1
                continue
            why = refusal(path, root)
            yield path if why is None else Rejected(display(path), why)
    if skipped:
        kinds = ", ".join(f"{display(k)} ×{n}" for k, n in skipped.most_common(8))
        count = sum(skipped.values())
        yield Skipped(display(root), f"{count} file(s) not read: not an input of --format {fmt} by suffix ({kinds}); "
                                     "name them, or choose a --format")


def expand(paths: Iterable[str | Path], fmt: str) -> Iterator[Path | Rejected | Skipped]:
    """Files named or found (recursively, sorted) under the given paths; each file once.

    A folder is a boundary: a symlink in it that leaves it is refused; special files (FIFOs,
    sockets, devices), dangling links and link loops get a quarantine line without being opened.
    """
    seen: set[Path] = set()
    for given in paths:
        path = Path(given)
        if not path.exists() and not path.is_symlink():
            yield Rejected(display(given), "no such file or directory")
            continue
        if path.is_dir():
            found: Iterable[Path | Rejected | Skipped] = _found(path, fmt)
        else:
            why = refusal(path)
            found = [path if why is None else Rejected(display(path), why)]
        for file in found:
            if isinstance(file, (Rejected, Skipped)):
                yield file
                continue
            key = file.resolve()
            if key in seen:
                yield Rejected(display(file), "path given twice (already read in this run)")
                continue
            seen.add(key)
            yield file


def read_files(paths: Iterable[str | Path], source: str, fmt: str = "auto", license: str = "unknown") -> Iterator[dict | Rejected]:
    """Raw records from HTML files, text dumps and WARC files (by suffix, or all as ``fmt``)."""
    from curation.sources.warc import read_warc

    for item in expand(paths, fmt):
        if isinstance(item, Skipped):  # the planner notes these; a shard only gets named files
            continue
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
            yield Rejected(display(item), f"cannot read: {exc}")
            continue
        stem = display(item.name.split(".")[0])
        yield {
            "path": display(item),
            "source": source,
            "source_id": stem,
            "url": None,
            "raw": raw,
            "raw_format": kind,
            "http_charset": None,
            "license": license,
            "page_type": None,
        }
