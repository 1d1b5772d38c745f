"""trafilatura's evaluation set: a JSON file mapping URL → ``{"file", "with": [...], "without": [...], …}``.

The named HTML files live in folders beside the JSON file (trafilatura's repository keeps them in
``tests/eval/`` and ``tests/cache/``). Gold is snippets only: ``with`` must be in the extracted main
text, ``without`` must not. source_id is the URL (the set's own key).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from curation.sources import Rejected
from curation.sources.formats import (
    Format,
    describe,
    gold_of,
    load_json,
    read_page,
    record,
    register,
)

#: an evaluation folder holds one JSON file (a few at most); more means another layout
MAX_JSON_FILES = 3


def _json_file(root: Path) -> Path | None:
    """The evaluation JSON: ``root`` itself, or the one JSON file of a folder whose entries name files."""
    candidates = [root] if root.is_file() else sorted(root.glob("*.json")) if root.is_dir() else []
    if len(candidates) > MAX_JSON_FILES:  # a folder of many JSON files (WCXB's ground-truth/) is another layout
        return None
    for path in candidates:
        data = load_json(path)
        if (
            isinstance(data, dict)
            and data
            and all(isinstance(v, dict) and "file" in v for v in list(data.values())[:5])
        ):
            return path
    return None


def _find(base: Path, name: str) -> Path | None:
    for folder in [base, *sorted(p for p in base.iterdir() if p.is_dir())]:
        if (folder / name).is_file():
            return folder / name
    return None


@register
class TrafilaturaEval(Format):
    name = "trafilatura-eval"
    description = 'trafilatura evaluation: JSON {url: {"file", "with", "without"}} + HTML in sibling folders'
    suffixes = (".json", ".html", ".htm")
    expected = 'a JSON file {url: {"file", "with": [...], "without": [...]}} with the HTML files in folders beside it'
    auto_rank = 35

    def problem(self, root: Path) -> str | None:
        return None if _json_file(root) else describe(root)

    def count(self, root: Path) -> int:
        path = _json_file(root)
        data = load_json(path) if path else None
        return max(len(data), 1) if isinstance(data, dict) else 1

    def read(self, root: Path, source: str, license: str = "unknown") -> Iterator[dict | Rejected]:
        root = Path(root)
        path = _json_file(root)
        if path is None:
            yield Rejected(
                str(root), f"not a trafilatura-eval corpus: expected {self.expected}; found {describe(root)}"
            )
            return
        data = load_json(path)
        for url in sorted(data):
            entry = data[url]
            if not isinstance(entry, dict) or not isinstance(entry.get("file"), str):
                yield Rejected(f"{path}#{url}", 'entry has no "file" name')
                continue
            page = _find(path.parent, entry["file"])
            if page is None:
                yield Rejected(f"{path}#{url}", f"file {entry['file']!r} not found in {path.parent} or its subfolders")
                continue
            raw = read_page(page, path.parent)
            if isinstance(raw, Rejected):
                yield raw
                continue
            yield record(
                page,
                source,
                url,
                raw,
                license,
                url=url,
                title_hint=entry.get("title"),
                gold=gold_of(None, entry.get("with") or [], entry.get("without") or [], "trafilatura-eval:snippets"),
            )
