"""WebMainBench (opendatalab): JSONL, one page per line.

Each line has ``html`` (annotated elements carry ``cc-select="true"``), ``main_html``,
``convert_main_content`` (the main content as text/Markdown), optionally ``groundtruth_content``
(hand-checked text, preferred as gold when present), ``url``, ``track_id`` and
``meta.language`` / ``meta.style`` / ``meta.level``. The page type is ``meta.style`` lowercased.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from curation.sources import Rejected
from curation.sources.formats import Format, describe, gold_of, jsonl_files, jsonl_objects, record, register


def _first_line(path: Path) -> dict | None:
    try:
        with path.open("rb") as fh:
            for line in fh:
                if line.strip():
                    obj = json.loads(line)
                    return obj if isinstance(obj, dict) else None
    except (OSError, ValueError):
        return None
    return None


@register
class WebMainBench(Format):
    name = "webmainbench"
    description = "WebMainBench JSONL: html (cc-select annotations), main_html, convert_main_content, meta"
    suffixes = (".jsonl",)
    expected = 'a .jsonl file (or folder of them) whose lines have "html" and "convert_main_content"'
    auto_rank = 40

    def problem(self, root: Path) -> str | None:
        files = jsonl_files(root)
        if not files:
            return describe(root)
        first = _first_line(files[0])
        if first is None or "html" not in first or "convert_main_content" not in first:
            keys = ", ".join(sorted(first)) if first else "no JSON object"
            return f"{files[0].name} whose first line has {keys}"
        return None

    def count(self, root: Path) -> int:
        return max(sum(sum(1 for line in f.open("rb") if line.strip()) for f in jsonl_files(root)), 1)

    def read(self, root: Path, source: str, license: str = "unknown") -> Iterator[dict | Rejected]:
        root = Path(root)
        found = self.problem(root)
        if found is not None:
            yield Rejected(str(root), f"not a webmainbench corpus: expected {self.expected}; found {found}")
            return
        seen: dict[str, str] = {}
        for item in jsonl_objects(jsonl_files(root)):
            if isinstance(item, Rejected):
                yield item
                continue
            file, lineno, obj = item
            where = f"{file}:{lineno}"
            if not isinstance(obj, dict) or not isinstance(obj.get("html"), str):
                yield Rejected(where, 'expected an object with an "html" string')
                continue
            own = str(obj.get("track_id") or obj.get("id") or f"{file.stem}:{lineno}")
            if own in seen:
                yield Rejected(where, f"track_id {own!r} already used at {seen[own]}")
                continue
            seen[own] = where
            meta = obj.get("meta") if isinstance(obj.get("meta"), dict) else {}
            main = obj.get("groundtruth_content") or obj.get("convert_main_content")
            origin = (
                "webmainbench:groundtruth_content"
                if obj.get("groundtruth_content")
                else "webmainbench:convert_main_content"
            )
            style = meta.get("style")
            yield record(
                where,
                source,
                own,
                obj["html"].encode("utf-8"),
                license,
                url=obj.get("url"),
                page_type=str(style).lower() if style else None,
                language_hint=meta.get("language"),
                level_hint=meta.get("level"),
                gold=gold_of(main, origin=origin),
            )
