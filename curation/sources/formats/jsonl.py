"""Generic JSONL: one page per line, the layout to convert any labelled corpus to.

Each line: ``{"id", "html" | "path", "url"?, "main_text"?, "with"?, "without"?, "split"?,
"page_type"?, "language"?, "title"?}``. ``path`` is relative to the JSONL file's folder. A line with
neither ``main_text`` nor snippets is a page without gold.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from curation.sources import Rejected
from curation.sources.formats import Format, describe, gold_of, jsonl_files, jsonl_objects, read_page, record, register

#: keys of a JSONL line (and of an html page's NAME.json sidecar) → record fields
HINTS = {
    "url": "url",
    "page_type": "page_type",
    "split": "split_hint",
    "language": "language_hint",
    "title": "title_hint",
}


def fields_from(obj: dict[str, Any], origin: str) -> dict[str, Any]:
    """Record fields (url, page type, hints, gold) from a JSONL line or a sidecar JSON object."""
    out: dict[str, Any] = {field: obj[key] for key, field in HINTS.items() if obj.get(key) is not None}
    main_text = obj.get("main_text")
    if main_text is not None or obj.get("with") is not None or obj.get("without") is not None:
        out["gold"] = gold_of(main_text, obj.get("with"), obj.get("without"), origin)
    return out



@register
class JSONL(Format):
    name = "jsonl"
    description = 'Generic JSONL: {"id", "html"|"path", "main_text"?, "with"?, "without"?, "split"?, …} per line'
    suffixes = (".jsonl",)
    expected = 'a .jsonl file (or a folder of them) with {"id", "html" or "path", …} per line'

    def problem(self, root: Path) -> str | None:
        return None if jsonl_files(root) else describe(root)

    def count(self, root: Path) -> int:
        return max(sum(sum(1 for line in f.open("rb") if line.strip()) for f in jsonl_files(root)), 1)

    def read(self, root: Path, source: str, license: str = "unknown") -> Iterator[dict | Rejected]:
        root = Path(root)
        files = jsonl_files(root)
        if not files:
            yield Rejected(str(root), f"not a jsonl corpus: expected {self.expected}; found {describe(root)}")
        seen: dict[str, str] = {}
        for item in jsonl_objects(files):
            if isinstance(item, Rejected):
                yield item
                continue
            file, lineno, obj = item
            where = f"{file}:{lineno}"
            if not isinstance(obj, dict) or obj.get("id") is None or ("html" not in obj and "path" not in obj):
                yield Rejected(where, 'expected an object with "id" and "html" or "path"')
                continue
            page_id = str(obj["id"])
            if page_id in seen:
                yield Rejected(where, f"id {page_id!r} already used at {seen[page_id]}")
                continue
            seen[page_id] = where
            if "html" in obj:
                raw: bytes | Rejected = str(obj["html"] or "").encode("utf-8")
            else:
                raw = read_page(file.parent / str(obj["path"]), file.parent)
            if isinstance(raw, Rejected):
                yield raw
                continue
            yield record(where, source, page_id, raw, license, **fields_from(obj, "jsonl:main_text"))
