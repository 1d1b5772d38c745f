"""How much of a page's gold main text is in the page's HTML at all: the ceiling of any extractor.

Gold main text is annotated on the page as a browser showed it, after JavaScript ran. A saved
HTML file can lack part of it: WCXB's Discourse forum snapshots are empty shells whose posts a
script loads later; React streaming keeps content in ``<div hidden id="S:…">`` until a script moves
it into place; tabs and accordions are hidden by inline style until clicked. No system that reads
the HTML can recover text the file does not hold, and the normaliser's full text (the ``full-text``
baseline) drops what is hidden.

``coverage`` = word recall (WCXB's bag of lowercased ``\\w+`` words) of the gold against all text
of the document body with hidden elements kept (the normaliser's rules otherwise; scripts, styles
and templates stay out). Words, not shingles: the question is whether the text is there, not in
which order (shingle recall also drops wherever an ad or a caption sits between two gold
paragraphs). It reads only the page and its gold, never a system's output. Runs report every
metric by bucket: ``complete`` ≥ 0.95, ``partial`` 0.5–0.95, ``missing`` < 0.5, and
``no gold text`` for pages whose gold main text is empty.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from benchmarks.metrics import bow
from curation.normalise.html import HtmlError, html_to_blocks

COMPLETE, PARTIAL = 0.95, 0.5


def document_text(page: Mapping[str, Any]) -> str:
    """All text of the page body, hidden elements included (text dumps: the page text)."""
    raw = page.get("raw")
    if page.get("raw_format") != "html" or not raw:
        return page.get("text") or ""
    html = raw.decode(page.get("encoding") or "utf-8", errors="replace") if isinstance(raw, bytes) else raw
    try:
        return html_to_blocks(html, keep_hidden=True)[0].text
    except HtmlError:
        return page.get("text") or ""


def coverage(page: Mapping[str, Any], gold_text: str | None) -> float | None:
    """Share of the gold's words found in the page's document text (None without gold text).

    The visible text is tried first: when it already holds enough for ``complete``, the page is
    not parsed again (hidden text can only add words), which keeps this cheap inside a run.
    """
    if not gold_text or not gold_text.strip():
        return None
    visible = bow.word_prf(gold_text, page.get("text") or "")[1]
    if visible >= COMPLETE or page.get("raw_format") != "html":
        return visible
    return max(visible, bow.word_prf(gold_text, document_text(page))[1])


def bucket(value: float | None) -> str:
    if value is None:
        return "no gold text"
    return "complete" if value >= COMPLETE else ("partial" if value >= PARTIAL else "missing")
