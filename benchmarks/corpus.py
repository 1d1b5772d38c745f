"""Benchmark a corpus where it lies: ``bench run --corpus PATH`` and ``bench run --pages DIR``.

``load_corpus`` reads a corpus in any registered layout (``curation.sources.formats``),
normalises its pages in memory exactly as ingest does (same normaliser, same gold alignment) and
returns what ``benchmarks.runner.run`` takes: page records without their raw bytes, gold by
page_id, and a callable that streams the raw bytes again when a page's jobs are due. Nothing is
written under ``data/`` and nothing is re-split: each page keeps the corpus's own split (WCXB's
``dev``/``test``, a JSONL ``split`` key), or ``all`` where the layout has none.

``load_pages`` does the same for an ``ingest`` output folder (pages-*.parquet and
boilerplate_gold-*.parquet).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from curation import pipeline
from curation.align import align_main_blocks
from curation.normalise.blocks import clean_block
from curation.sources import formats
from curation.steps.metadata import add_metadata
from curation.steps.normalise import normalise_pages

#: what a page keeps for scoring and breakdowns (its raw bytes are streamed again when needed)
KEEP = (
    "page_id",
    "source",
    "source_id",
    "url",
    "domain",
    "page_type",
    "language",
    "title",
    "text",
    "blocks",
    "text_sha256",
    "split",
    "raw_format",
    "encoding",
)
ALL = "all"


class CorpusError(ValueError):
    """The corpus cannot be benchmarked as asked; the message says why and what to do."""


@dataclass
class Corpus:
    """A corpus read in place: pages (no raw bytes) and gold keyed by page_id, in reading order."""

    label: str  # the run's dataset_version: "corpus:FORMAT:ABSOLUTE_PATH" or "pages:ABSOLUTE_PATH"
    pages: list[dict[str, Any]]
    gold: dict[str, dict[str, Any]]
    raw_pages: Callable[[], Iterable[dict[str, Any]]]
    splits: dict[str, int] = field(default_factory=dict)  # the corpus's splits → pages
    quarantine: list[dict[str, str]] = field(default_factory=list)
    notes: list[dict[str, str]] = field(default_factory=list)
    without_gold: int = 0


def resolve_format(path: Path, fmt: str = "auto") -> formats.Format:
    """The named format after checking the layout, or the one ``auto`` recognises."""
    if fmt != "auto":
        found = formats.get(fmt)
        found.check(path)
        return found
    detected = formats.detect(path)
    if detected is None:
        html = formats.get("html")
        if html.problem(path) is None:
            return html
        known = ", ".join(n for n in formats.FORMATS.names())
        raise formats.LayoutError(
            f"{path}: no known corpus layout recognised (found {formats.describe(path)}); "
            f"name one with --format ({known}); layouts: docs/corpora.md"
        )
    return detected


def _without_html(records: Iterable[dict[str, Any]], ctx: pipeline.Context) -> Iterator[dict[str, Any]]:
    """Drop the parsed HTML before the metadata step: a benchmark needs language and domain, not the
    publication date (htmldate would parse every page again)."""
    for record in records:
        record.pop("_html", None)
        yield record


def _gold_entry(page: dict[str, Any], gold: dict[str, Any]) -> dict[str, Any]:
    """The runner's gold record for a page (the shape of a ``boilerplate_gold`` row).

    ``main_text`` is None where the reader says the layout has no main text (``has_main_text``
    False, snippets only): the main-text metric families then count the page as missing, never 0.
    Otherwise a missing or empty main text is an empty gold, "" (WCXB's evaluate.py keeps such
    pages in its P and R means).
    """
    main_text = None if gold.get("has_main_text") is False else (gold.get("main_text") or "")
    main_blocks = None
    if main_text:
        main_blocks, _, _ = align_main_blocks(page["text"], page["blocks"], main_text)
    return {
        "page_id": page["page_id"],
        "text_sha256": page["text_sha256"],
        "main_text": main_text,
        "main_blocks": main_blocks,
        "main_spans": None,
        "origin": gold.get("origin"),
        "has_main_text": main_text is not None,
        "with_snippets": [clean_block(s) for s in gold.get("with_snippets", [])] or None,
        "without_snippets": [clean_block(s) for s in gold.get("without_snippets", [])] or None,
    }


def load_corpus(
    path: str | Path, fmt: str = "auto", split: str | None = None, source: str | None = None, license: str | None = None
) -> Corpus:
    """Read, normalise and align a corpus in place; only pages with gold (and of ``split``) are kept.

    Raises LayoutError when ``path`` is not the layout asked for, CorpusError when no page
    qualifies, or when two pages share a source_id.
    """
    root = Path(path)
    form = resolve_format(root, fmt)
    source = source or root.name
    license = license or form.license
    ctx = pipeline.Context()

    def hinted(records: Iterable[Any]) -> Iterator[Any]:
        for record in records:
            if isinstance(record, dict):  # the normaliser overwrites split and title: keep the corpus's
                record["_corpus"] = {
                    "split": record.get("split_hint"),
                    "title": record.get("title_hint"),
                    "language": record.get("language_hint"),
                }
            yield record

    pages: list[dict[str, Any]] = []
    gold: dict[str, dict[str, Any]] = {}
    splits: dict[str, int] = {}
    by_source_id: dict[str, str] = {}
    without_gold = 0
    steps = [normalise_pages, _without_html, add_metadata]
    for record in pipeline.run(hinted(form.read(root, source, license)), steps, ctx):
        hints = record.pop("_corpus")
        own = str(record["source_id"])
        if own in by_source_id:
            raise CorpusError(
                f"{root}: source_id {own!r} is both {by_source_id[own]} and {record['path']}: ids must be unique"
            )
        by_source_id[own] = record["path"]
        record["split"] = str(hints["split"] or ALL)
        record["title"] = hints["title"] or record.get("title")
        record["language"] = hints["language"] or record.get("language")
        splits[record["split"]] = splits.get(record["split"], 0) + 1
        record_gold = record.pop("gold", None)
        if record_gold is None:
            without_gold += 1
            continue
        if split not in (None, ALL) and record["split"] != split:
            continue
        page = {k: record.get(k) for k in KEEP}
        if page["page_id"] in gold:  # the same bytes twice: keep both pages, told apart by their source_id
            page["page_id"] = f"{page['page_id']}~{own}"
        page["path"] = record["path"]
        pages.append(page)
        gold[page["page_id"]] = _gold_entry(page, record_gold)
    if split not in (None, ALL) and split not in splits:
        raise CorpusError(
            f"{root}: no split {split!r} in this {form.name} corpus (its splits: "
            f"{', '.join(f'{k} ({v} pages)' for k, v in sorted(splits.items())) or 'none'}; or --split all)"
        )
    if not pages:
        raise CorpusError(
            f"{root}: no page with gold read as {form.name} ({without_gold} pages without gold, "
            f"{len(ctx.quarantine)} quarantined{': ' + ctx.quarantine[0]['reason'] if ctx.quarantine else ''})"
        )
    order = {p["path"]: p for p in pages}

    def raw_pages() -> Iterator[dict[str, Any]]:
        for record in form.read(root, source, license):
            page = order.get(record.get("path")) if isinstance(record, dict) else None
            if page is not None:
                yield {
                    "page_id": page["page_id"],
                    "raw": record["raw"],
                    "raw_format": page["raw_format"],
                    "encoding": page["encoding"],
                }

    return Corpus(
        f"corpus:{form.name}:{root.resolve()}", pages, gold, raw_pages, splits, ctx.quarantine, ctx.notes, without_gold
    )


def load_pages(folder: str | Path, split: str | None = None) -> Corpus:
    """An ``ingest`` output folder (pages-*.parquet + boilerplate_gold-*.parquet) as a Corpus."""
    import pyarrow.parquet as pq

    folder = Path(folder)
    page_files = sorted(folder.glob("pages-*.parquet"))
    if not page_files:
        raise CorpusError(
            f"{folder}: not an ingest output folder: expected pages-*.parquet files; found {formats.describe(folder)}"
        )
    if split not in (None, ALL):
        raise CorpusError(f"{folder}: ingest output has no splits yet (all pages are 'unassigned'); use --split all")
    gold: dict[str, dict[str, Any]] = {}
    for f in sorted(folder.glob("boilerplate_gold-*.parquet")):
        for row in pq.read_table(f).to_pylist():
            gold.setdefault(row["page_id"], row | {"has_main_text": row.get("main_text") is not None})
    if not gold:
        raise CorpusError(f"{folder}: no boilerplate_gold-*.parquet rows (the source shipped no gold)")
    columns = [c for c in KEEP if c != "split"]
    pages = []
    for f in page_files:
        for row in pq.read_table(f, columns=columns).to_pylist():
            if row["page_id"] in gold:
                pages.append(row | {"split": ALL})

    def raw_pages() -> Iterator[dict[str, Any]]:
        for f in page_files:
            parquet = pq.ParquetFile(f)
            for group in range(parquet.num_row_groups):
                yield from parquet.read_row_group(
                    group, columns=["page_id", "raw", "raw_format", "encoding"]
                ).to_pylist()

    return Corpus(f"pages:{folder.resolve()}", pages, gold, raw_pages, {ALL: len(pages)})


def write_rejects(loaded: Corpus, out: Path) -> dict[str, Path]:
    """The corpus's quarantined inputs and notes beside a run's results (nothing dropped silently)."""
    paths = {}
    for name, rows in (("quarantine", loaded.quarantine), ("notes", loaded.notes)):
        if rows:
            path = Path(out) / f"{name}.jsonl"
            path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
            paths[name] = path
    return paths
