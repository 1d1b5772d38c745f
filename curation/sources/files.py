"""Plain files and folders: HTML (.html, .htm, optionally .gz), text dumps (.txt) and WARC files."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from curation.sources.rejected import Note, Rejected
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
    if fmt == "html":  # an html folder: pages by suffix; NAME.txt / NAME.json beside them are gold
        return "html" if base.endswith(HTML_SUFFIXES) else None
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
                if not (fmt == "html" and is_sidecar(path)):
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
    """Files named or found (recursively, sorted) under the given paths; each file once."""
    for item in expand_with_roots(paths, fmt):
        yield item[0] if isinstance(item, tuple) else item


def expand_with_roots(paths: Iterable[str | Path], fmt: str) -> Iterator[tuple[Path, Path] | Rejected | Skipped]:
    """(file, the folder its ``source_id`` is relative to) for each file named or found under the
    given paths (recursively, sorted); each file once.

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
            root = path
        else:
            why = refusal(path)
            found = [path if why is None else Rejected(display(path), why)]
            root = path.parent
        for file in found:
            if isinstance(file, (Rejected, Skipped)):
                yield file
                continue
            key = file.resolve()
            if key in seen:
                yield Rejected(display(file), "path given twice (already read in this run)")
                continue
            seen.add(key)
            yield file, root


def is_sidecar(path: Path) -> bool:
    """NAME.txt / NAME.json beside an HTML page NAME.html[.gz] (its gold, under ``--format html``)."""
    if path.suffix.lower() not in (".txt", ".json"):
        return False
    stem = path.name[: -len(path.suffix)]
    return any((path.parent / f"{stem}{s}{gz}").is_file() for s in HTML_SUFFIXES for gz in ("", ".gz"))


def read_files(paths: Iterable[str | Path], source: str, fmt: str = "auto", license: str = "unknown",
               ids: Iterable[str] | None = None, notes: bool = False) -> Iterator[dict | Rejected | Note]:
    """Raw records from HTML files, text dumps and WARC files (by suffix, or all as ``fmt``).

    ``ids`` are the files' source_ids in order (their paths relative to the folder given, without
    suffix: ``curation.sources.formats.source_id_of``); without them, the path's file name is used.
    Under ``--format html`` a page's sidecar NAME.txt (main text) or NAME.json gold is read too.
    ``notes``: yield a Note for files not read (ingest's planner notes them itself).
    """
    from curation.sources.formats import source_id_of
    from curation.sources.formats.html import sidecar
    from curation.sources.warc import read_warc

    id_list = list(ids) if ids is not None else None
    n = -1
    for item in expand(paths, fmt):
        if isinstance(item, Skipped):  # the planner notes these; a shard only gets named files
            if notes:
                yield Note(item.path, item.note)
            continue
        if isinstance(item, Rejected):
            yield item
            continue
        n += 1
        kind = kind_of(item, fmt) or "html"
        if kind == "warc":
            yield from read_warc([item], source, license)
            continue
        try:
            raw = read_bytes(item)
        except (OSError, ValueError) as exc:
            yield Rejected(display(item), f"cannot read: {exc}")
            continue
        suffixes = HTML_SUFFIXES if kind == "html" else TEXT_SUFFIXES
        record = {
            "path": display(item),
            "source": source,
            "source_id": id_list[n] if id_list is not None else display(source_id_of(item.parent, item, suffixes)),
            "url": None,
            "raw": raw,
            "raw_format": kind,
            "http_charset": None,
            "license": license,
            "page_type": None,
        }
        if fmt == "html":
            extra = sidecar(item)
            if isinstance(extra, Rejected):
                yield extra
                continue
            record.update(extra)
        yield record
