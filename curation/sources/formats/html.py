"""Folders of HTML files, each page optionally with sidecar gold beside it.

``NAME.html`` (or .htm/.xhtml, optionally .gz) is a page; ``NAME.txt`` beside it is its gold main
text; ``NAME.json`` may carry any key of a :mod:`jsonl <curation.sources.formats.jsonl>` line
(main_text, with, without, url, split, page_type, language, title). Any other file gets a note.
The page's source_id is its path relative to the folder given, without suffix.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from curation.sources import Rejected
from curation.sources.files import HTML_SUFFIXES, expand, read_files
from curation.sources.formats import Format, describe, gold_of, load_json, register
from curation.sources.formats.jsonl import fields_from


def _stem(path: Path) -> str:
    name = path.name[:-3] if path.name.lower().endswith(".gz") else path.name
    return name[: -len(Path(name).suffix)] if Path(name).suffix else name


def sidecar(page: Path) -> dict[str, Any] | Rejected:
    """Record fields from the page's NAME.json and/or NAME.txt (the .txt is the main text)."""
    base = page.parent / _stem(page)
    out: dict[str, Any] = {}
    json_path, txt_path = base.with_name(base.name + ".json"), base.with_name(base.name + ".txt")
    if json_path.is_file():
        obj = load_json(json_path)
        if isinstance(obj, Rejected):
            return obj
        if not isinstance(obj, dict):
            return Rejected(
                str(json_path), "sidecar gold must be a JSON object (keys: main_text, with, without, url, …)"
            )
        out.update(fields_from(obj, "sidecar:json"))
    if txt_path.is_file():
        try:
            text = txt_path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            return Rejected(str(txt_path), f"cannot read sidecar gold: {exc}")
        snippets = out.get("gold", {})
        out["gold"] = gold_of(text, snippets.get("with_snippets"), snippets.get("without_snippets"), "sidecar:txt")
    return out


class _PerFile(Format):
    """A format read file by file (the ingest planner cuts its file list into shards)."""

    per_file = True

    def _files(self, root: Path) -> list[Path]:
        return [p for p in expand([root], self.name) if isinstance(p, Path)]

    def problem(self, root: Path) -> str | None:
        return None if root.exists() and self._files(root) else describe(root)

    def count(self, root: Path) -> int:
        return max(len(self._files(root)), 1)

    def read(self, root: Path, source: str, license: str = "unknown") -> Iterator[dict | Rejected]:
        ids = None if Path(root).is_file() else self.ids(root)
        return read_files([root], source, self.name, license, ids=ids, notes=True)

    def ids(self, root: Path) -> list[str]:
        from curation.sources.formats import source_id_of
        from curation.sources.safe_io import display

        return [display(source_id_of(root, p, self.suffixes)) for p in self._files(root)]


@register
class HTML(_PerFile):
    name = "html"
    description = "HTML files (.html/.htm/.xhtml[.gz]); sidecar gold NAME.txt (main text) or NAME.json"
    suffixes = HTML_SUFFIXES
    expected = "HTML files (.html, .htm, .xhtml, optionally .gz), with optional NAME.txt / NAME.json gold"
