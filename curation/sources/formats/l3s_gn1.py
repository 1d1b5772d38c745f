"""L3S-GN1 (Kohlschütter et al. 2010, boilerpipe's Google-News set).

``original/NAME.html`` and ``annotated/NAME.html`` of the same pages; annotated content is wrapped
in ``span`` elements of class ``x-nc-sel0``…``x-nc-sel5`` (0 not content, 1 headline, 2 full text,
3 supplemental, 4 related content, 5 user comments). The gold main text is classes 1–3 by default
(the convention of Bevendorff et al. 2023); set ``PAGEGOLD_L3S_CLASSES`` (e.g. ``2`` or ``1,2,3,5``)
to choose others.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from curation.sources import Rejected
from curation.sources.formats import Format, describe, gold_of, read_page, record, register, source_id_of

DEFAULT_CLASSES = (1, 2, 3)
PAGE_SUFFIXES = (".html", ".htm")


def main_classes() -> tuple[int, ...]:
    """The x-nc-sel classes that make the main text (``PAGEGOLD_L3S_CLASSES`` or 1,2,3)."""
    value = os.environ.get("PAGEGOLD_L3S_CLASSES", "").strip()
    if not value:
        return DEFAULT_CLASSES
    try:
        classes = tuple(sorted({int(v) for v in value.split(",") if v.strip()}))
    except ValueError:
        raise ValueError(f"PAGEGOLD_L3S_CLASSES={value!r}: expected comma-separated numbers 0-5, e.g. 1,2,3") from None
    if not classes or not set(classes) <= set(range(6)):
        raise ValueError(f"PAGEGOLD_L3S_CLASSES={value!r}: expected comma-separated numbers 0-5, e.g. 1,2,3")
    return classes


def annotated_text(raw: bytes, classes: tuple[int, ...]) -> str:
    """Text of the outermost spans of the chosen classes, one block per span, in document order."""
    import lxml.html

    tree = lxml.html.fromstring(raw)
    wanted = {f"x-nc-sel{c}" for c in classes}
    blocks = []
    for span in tree.iter("span"):
        if not wanted & set((span.get("class") or "").split()):
            continue
        if any(wanted & set((a.get("class") or "").split()) for a in span.iterancestors("span")):
            continue  # inside a chosen span already counted
        text = " ".join(span.text_content().split())
        if text:
            blocks.append(text)
    return "\n".join(blocks)


def _pages(root: Path) -> list[Path]:
    folder = root / "original"
    return (
        sorted(p for p in folder.rglob("*") if p.is_file() and p.name.lower().endswith(PAGE_SUFFIXES))
        if folder.is_dir()
        else []
    )


@register
class L3SGN1(Format):
    name = "l3s-gn1"
    description = "L3S-GN1: original/NAME.html + annotated/NAME.html (x-nc-sel0..5 spans); main = classes 1-3"
    suffixes = PAGE_SUFFIXES
    expected = "original/ and annotated/ folders holding the same NAME.html files"
    auto_rank = 30

    def problem(self, root: Path) -> str | None:
        if (root / "annotated").is_dir() and _pages(root):
            return None
        return describe(root)

    def count(self, root: Path) -> int:
        return max(len(_pages(root)), 1)

    def read(self, root: Path, source: str, license: str = "unknown") -> Iterator[dict | Rejected]:
        root = Path(root)
        pages = _pages(root)
        if not pages or not (root / "annotated").is_dir():
            yield Rejected(str(root), f"not an l3s-gn1 corpus: expected {self.expected}; found {describe(root)}")
            return
        classes = main_classes()
        for page in pages:
            raw = read_page(page, root)
            if isinstance(raw, Rejected):
                yield raw
                continue
            rel = page.relative_to(root / "original")
            annotated = root / "annotated" / rel
            fields = {}
            if annotated.is_file():
                try:
                    main = annotated_text(annotated.read_bytes(), classes)
                except (OSError, ValueError) as exc:
                    yield Rejected(str(annotated), f"cannot read annotated page: {exc}")
                    continue
                fields["gold"] = gold_of(main, origin="l3s-gn1:x-nc-sel" + "".join(map(str, classes)))
            yield record(page, source, source_id_of(root / "original", page, PAGE_SUFFIXES), raw, license, **fields)
