"""The corpus-format registry: one module per layout a corpus can come in.

Each module of this package defines one :class:`Format` subclass and registers it with
``@register``; a third-party package adds one through the ``pagegold.formats`` entry-point group.
A format declares its name, how to recognise its layout (``problem`` says what is wrong with a
path that is not), how many records its reader yields (to cut shards without reading pages), its
default licence, the file suffixes it reads, and ``read``: raw page records.

A raw record (what ``curation.pipeline`` consumes) has ``path``, ``source``, ``source_id``,
``url``, ``raw``, ``raw_format``, ``http_charset``, ``license``, ``page_type`` and, where the
layout has them, ``gold`` ({main_text, with_snippets, without_snippets, origin}), ``split_hint``
(the corpus's own split), ``title_hint``, ``language_hint`` and ``domain_hint``. The hints are
what the corpus states; ingest keeps computing title, language and split itself, so an ingest's
tables do not depend on them, while ``bench run --corpus`` uses them (its splits are the corpus's).

``source_id`` is unique and stable within a source: the corpus's own id, or a file's path
relative to the corpus root without its suffix (:func:`source_id_of`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

from curation.plugins import Registry
from curation.sources import Rejected


class LayoutError(ValueError):
    """A path is not the layout of the format asked for; the message says what was expected and found."""


class Format:
    """Base class of a corpus format (subclass it in one module of this package and ``@register`` it)."""

    name: ClassVar[str]
    description: ClassVar[str] = ""
    #: SPDX id used when ``ingest --license`` is not given
    license: ClassVar[str] = "unknown"
    #: suffixes of the files the reader opens (documentation and the per-file planner)
    suffixes: ClassVar[tuple[str, ...]] = ()
    #: the layout in words, for "expected … found …" errors
    expected: ClassVar[str] = ""
    #: True: the input is a list of files read one by one (html, text, warc); False: one corpus root
    per_file: ClassVar[bool] = False
    #: tried, in this order (lower first), by ``--format auto`` on a folder; None: never guessed
    auto_rank: ClassVar[int | None] = None

    def problem(self, root: Path) -> str | None:
        """None when ``root`` is this layout, else what was found there instead (one phrase)."""
        return None

    def check(self, root: Path) -> None:
        """Raise LayoutError naming the path, the expected layout and what is there."""
        found = self.problem(Path(root))
        if found is not None:
            raise LayoutError(f"{root}: not a {self.name} corpus: expected {self.expected}; found {found}")

    def count(self, root: Path) -> int:
        """How many records ``read`` yields for ``root`` (pages plus rejections), without reading pages."""
        raise NotImplementedError

    def read(self, root: Path, source: str, license: str) -> Iterator[dict[str, Any] | Rejected]:
        """Raw page records (or Rejected) in a stable order; never raises for one bad page."""
        raise NotImplementedError


FORMATS: Registry[Format] = Registry("corpus format", "curation.sources.formats", "pagegold.formats")


def register(cls: type[Format]) -> type[Format]:
    """Class decorator: add one instance of the format to ``FORMATS`` under its name."""
    FORMATS.add(cls.name, cls())
    return cls


def get(name: str) -> Format:
    """The format called ``name``; ValueError listing the known names otherwise."""
    try:
        return FORMATS.get(name)
    except KeyError as exc:
        raise ValueError(str(exc.args[0])) from None


def choices() -> list[str]:
    """Values of ``--format``: auto and every registered format."""
    return ["auto", *FORMATS.names()]


def detect(root: Path) -> Format | None:
    """The corpus format whose layout ``root`` has (``--format auto``), or None for plain files."""
    root = Path(root)
    ranked = sorted((f for _, f in FORMATS.items() if f.auto_rank is not None), key=lambda f: f.auto_rank)
    for fmt in ranked:
        if fmt.problem(root) is None:
            return fmt
    return None


def describe(path: Path, limit: int = 6) -> str:
    """What is at ``path``, in a few words, for layout errors."""
    path = Path(path)
    if not path.exists():
        return "nothing (no such file or directory)"
    if not path.is_dir():
        return f"a file ({path.name})"
    names = sorted(p.name + ("/" if p.is_dir() else "") for p in path.iterdir())
    if not names:
        return "an empty folder"
    more = f", … ({len(names)} entries)" if len(names) > limit else ""
    return "a folder holding " + ", ".join(names[:limit]) + more


def source_id_of(root: Path, path: Path, suffixes: tuple[str, ...] = ()) -> str:
    """A file's id within its corpus: its path relative to ``root`` (POSIX) without its suffix.

    ``.gz`` and then one of ``suffixes`` (or, without ``suffixes``, the last suffix) are removed:
    ``a/b.v2.html.gz`` → ``a/b.v2``. Unique within a corpus unless two files differ only in
    suffix, which :func:`unique_ids` reports.
    """
    root, path = Path(root), Path(path)
    rel = path.name if root == path or not path.is_relative_to(root) else path.relative_to(root).as_posix()
    lowered = rel.lower()
    if lowered.endswith(".gz"):
        rel, lowered = rel[:-3], lowered[:-3]
    for suffix in suffixes or (Path(rel).suffix.lower(),):
        if suffix and lowered.endswith(suffix):
            return rel[: -len(suffix)]
    return rel


def load_json(path: Path) -> Any:
    """A JSON file, or Rejected naming the file and the problem."""
    try:
        return json.loads(Path(path).read_bytes())
    except (OSError, ValueError) as exc:
        return Rejected(str(path), f"cannot read JSON: {exc}")


def jsonl_files(root: Path) -> list[Path]:
    """The JSONL files of a corpus given as one file or as a folder of ``*.jsonl``."""
    if root.is_file():
        return [root]
    return sorted(root.glob("*.jsonl")) if root.is_dir() else []


def jsonl_objects(files: list[Path]) -> Iterator[tuple[Path, int, Any] | Rejected]:
    """(file, line number, parsed value) per non-blank line; a line that is not JSON is a ``Rejected``.

    Lines are split on ``\n`` only (binary read), so U+2028 inside a string never cuts a record.
    """
    for file in files:
        with file.open("rb") as fh:
            for lineno, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    yield file, lineno, json.loads(line)
                except ValueError as exc:
                    yield Rejected(f"{file}:{lineno}", f"not valid JSON: {exc}")


def read_page(path: Path, root: Path | None = None) -> bytes | Rejected:
    """A page's bytes (gunzipped for ``*.gz``), bounded while reading (``curation.sources.safe_io``);
    with ``root``, a symlink leaving the corpus folder is refused. Rejected names the file and why."""
    from curation.sources.safe_io import read_file

    try:
        return read_file(Path(path), root=root)
    except (OSError, ValueError) as exc:
        return Rejected(str(path), f"cannot read: {exc}")


def record(path: Path | str, source: str, source_id: str, raw: bytes, license: str, **fields: Any) -> dict[str, Any]:
    """A raw page record with the defaults every reader shares (html, no charset, no URL)."""
    out: dict[str, Any] = {
        "path": str(path),
        "source": source,
        "source_id": source_id,
        "url": None,
        "raw": raw,
        "raw_format": "html",
        "http_charset": None,
        "license": license,
        "page_type": None,
    }
    out.update(fields)
    return out


def gold_of(
    main_text: str | None, with_snippets: Any = None, without_snippets: Any = None, origin: str = ""
) -> dict[str, Any]:
    """The ``gold`` field of a record: main text (None when the layout has only snippets) and snippets.

    None, not "": ``boilerplate_gold.main_text`` is null for snippet-only gold (schemas/), and the
    metric families read None as "this gold has no main text" (``Metric.supports``), so AEB, BoW,
    ROUGE and blocks leave the page out instead of scoring it 0 against an empty gold.
    """
    gold: dict[str, Any] = {"main_text": main_text, "origin": origin}
    if with_snippets is not None or without_snippets is not None:
        gold["with_snippets"] = [str(s) for s in with_snippets or []]
        gold["without_snippets"] = [str(s) for s in without_snippets or []]
    if main_text is None:
        gold["has_main_text"] = False
    return gold


__all__ = ["FORMATS", "Format", "LayoutError", "choices", "describe", "detect", "get", "register", "source_id_of"]
