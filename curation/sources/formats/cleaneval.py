"""CleanEval (ACL SIGWAC 2007): HTML pages beside cleaned gold text files.

Each page ``NAME.html`` (any folder under the root) pairs with a gold ``NAME.txt`` (same folder or
another folder of the root, e.g. ``input/`` and ``gold/``). A gold file's first line may be
``URL: …``; its paragraphs start with ``<p>``, headings with ``<h>`` and list items with ``<l>``.
The gold main text is those blocks, markers removed, one paragraph per block.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from curation.sources import Rejected
from curation.sources.formats import Format, describe, gold_of, read_page, record, register, source_id_of

MARKER = re.compile(r"^\s*<(p|h|l)>\s*", re.IGNORECASE | re.MULTILINE)
PAGE_SUFFIXES = (".html", ".htm")


def parse_gold(text: str) -> tuple[str | None, str]:
    """(URL from a first ``URL:`` line, main text with one block per marked paragraph)."""
    url = None
    lines = text.splitlines()
    if lines and lines[0].strip().lower().startswith("url:"):
        url = lines[0].split(":", 1)[1].strip() or None
        lines = lines[1:]
    parts = MARKER.split("\n".join(lines))
    blocks = [" ".join(body.split()) for body in parts[2::2]] if len(parts) > 1 else [" ".join(parts[0].split())]
    if len(parts) > 1 and parts[0].strip():
        blocks.insert(0, " ".join(parts[0].split()))
    return url, "\n\n".join(b for b in blocks if b)


def _pairs(root: Path) -> tuple[list[tuple[Path, Path | None]], dict[str, list[Path]]]:
    if not root.is_dir():
        return [], {}
    files = sorted(p for p in root.rglob("*") if p.is_file())
    pages = [p for p in files if p.name.lower().endswith(PAGE_SUFFIXES)]
    golds: dict[str, list[Path]] = {}
    for p in files:
        if p.suffix.lower() == ".txt":
            golds.setdefault(p.stem, []).append(p)
    stem = lambda p: p.name[: -len(p.suffix)]  # noqa: E731
    return [(p, next(iter(golds.get(stem(p), [])), None)) for p in pages], golds


@register
class CleanEval(Format):
    name = "cleaneval"
    description = "CleanEval: NAME.html pages with gold NAME.txt (URL: line, <p>/<h>/<l> paragraphs)"
    suffixes = (".html", ".htm", ".txt")
    expected = "NAME.html pages with gold NAME.txt files (first line 'URL: …', paragraphs marked <p>, <h>, <l>)"

    def problem(self, root: Path) -> str | None:
        pairs, _ = _pairs(root)
        if any(gold for _, gold in pairs):
            return None
        return describe(root) + (" (HTML pages but no NAME.txt gold beside them)" if pairs else "")

    def count(self, root: Path) -> int:
        return max(len(_pairs(root)[0]), 1)

    def read(self, root: Path, source: str, license: str = "unknown") -> Iterator[dict | Rejected]:
        root = Path(root)
        pairs, golds = _pairs(root)
        if not pairs:
            yield Rejected(str(root), f"not a cleaneval corpus: expected {self.expected}; found {describe(root)}")
        seen: dict[str, Path] = {}
        for page, gold_path in pairs:
            own = source_id_of(root, page, PAGE_SUFFIXES)
            if own in seen:
                yield Rejected(str(page), f"source_id {own!r} is also {seen[own]}")
                continue
            seen[own] = page
            raw = read_page(page, root)
            if isinstance(raw, Rejected):
                yield raw
                continue
            fields = {}
            if gold_path is not None:
                if len(golds[gold_path.stem]) > 1:
                    yield Rejected(
                        str(page),
                        f"several gold files named {gold_path.name}: {', '.join(map(str, golds[gold_path.stem]))}",
                    )
                    continue
                try:
                    url, main = parse_gold(gold_path.read_text(encoding="utf-8", errors="replace"))
                except OSError as exc:
                    yield Rejected(str(gold_path), f"cannot read gold: {exc}")
                    continue
                fields = {"url": url, "gold": gold_of(main, origin="cleaneval:gold")}
            yield record(page, source, own, raw, license, **fields)
