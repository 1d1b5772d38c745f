"""Ingest: read inputs, run the record steps, write pages (+ source gold) as Parquet shards.

Output folder layout (``--out DIR``):
    pages-00000.parquet …            the ``pages`` table (split = "unassigned")
    boilerplate_gold-00000.parquet … gold that came with the source (AEB, WCXB), if any
    quarantine.jsonl                 one {"path", "reason"} per rejected input
    notes.jsonl                      non-fatal findings (e.g. a declared charset the bytes contradict)
    summary.json                     counts, the source, the normaliser version
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from curation import pipeline, sources
from curation.normalise import NORMALISER_VERSION
from curation.parquet_io import ShardWriter
from curation.steps import INGEST_STEPS

LICENSES = {"aeb": "MIT", "wcxb": "CC-BY-4.0", "mozilla": "Apache-2.0"}


def read_inputs(paths: list[str], source: str, fmt: str, license: str | None) -> Iterator[Any]:
    """Raw records (or Rejected) for ``paths`` read as ``fmt``."""
    if fmt not in sources.FORMATS:
        raise ValueError(f"unknown format {fmt!r} (expected one of {', '.join(sources.FORMATS)})")
    readers = {"aeb": sources.read_aeb, "wcxb": sources.read_wcxb, "mozilla": sources.read_mozilla}
    if fmt in readers:
        for path in paths:
            yield from readers[fmt](path, source=source, license=license or LICENSES[fmt])
    elif fmt == "warc":
        yield from sources.read_warc(paths, source, license or "unknown")
    else:
        yield from sources.read_files(paths, source, fmt, license or "unknown")




def page_row(record: dict[str, Any]) -> dict[str, Any]:
    from curation import schema

    return {name: record.get(name) for name in schema.load("pages").column_names}


def ingest(
    paths: list[str],
    source: str,
    out: Path,
    fmt: str = "auto",
    license: str | None = None,
    progress: Iterable | None = None,
    page_type: str | None = None,
) -> dict[str, Any]:
    """Ingest ``paths`` into ``out``; returns the summary (also written to summary.json)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    ctx = pipeline.Context()
    pages = ShardWriter("pages", out, "pages")
    gold = ShardWriter("boilerplate_gold", out, "boilerplate_gold")
    inputs = read_inputs(paths, source, fmt, license)
    if page_type is not None:  # a default for sources that do not say (e.g. a folder of news pages)
        inputs = (r if isinstance(r, sources.Rejected) or r.get("page_type") else {**r, "page_type": page_type} for r in inputs)
    records = pipeline.run(inputs, INGEST_STEPS, ctx)
    if progress is not None:
        records = progress(records)
    try:
        for record in records:
            gold_row = record.pop("_gold_row", None)
            pages.write(page_row(record))
            if gold_row is not None:
                gold.write(gold_row)
            ctx.counts["written"] += 1
        page_files, gold_files = pages.close(), gold.close()
    except BaseException:
        pages.abort()
        gold.abort()
        raise
    summary = {
        "source": source,
        "format": fmt,
        "normaliser_version": NORMALISER_VERSION,
        "inputs": [str(p) for p in paths],
        "pages": ctx.counts["written"],
        "gold": ctx.counts["gold"],
        "quarantined": len(ctx.quarantine),
        "notes": len(ctx.notes),
        "files": [str(f["file"].name) for f in page_files + gold_files],
    }
    _write_jsonl(out / "quarantine.jsonl", ctx.quarantine)
    _write_jsonl(out / "notes.jsonl", ctx.notes)
    _atomic_write_text(out / "summary.json", json.dumps(summary, indent=2) + "\n")
    return summary


def _write_jsonl(path: Path, rows: list[dict]) -> None:
    _atomic_write_text(path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))


def _atomic_write_text(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + f".tmp-{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
