"""Synthetic benchmark input at any size: a release's pages copied with varied bytes, as an ingest folder.

Copy ``i`` of a seed page gets ``<!-- pagegold synthetic copy i -->`` appended to its HTML, so
its bytes (and its ``page_id``, their sha256) differ from every other copy while every system
does the same work on it as on the seed; text, blocks and gold are the seed's. The folder has the
layout ``pagegold ingest`` writes (``pages-*.parquet`` with the raw bytes beside the text,
``boilerplate_gold-*.parquet``), so ``pagegold bench run --pages DIR`` reads it.

    python -m benchmarks.perf.synthetic_pages /tmp/syn-10k --pages 10000
"""

from __future__ import annotations

import argparse
import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

#: page columns a ``bench run --pages`` folder needs (``benchmarks.corpus.KEEP`` without split, + raw)
PAGE_COLUMNS = ["page_id", "source", "source_id", "url", "domain", "page_type", "language", "title", "text", "blocks",
                "text_sha256", "raw_format", "encoding", "raw"]
ROWS_PER_FILE = 2000
ROWS_PER_GROUP = 64  # as ingest writes them


def release_seeds(limit: int | None = None, version: str | None = None,
                  root: Path | None = None) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(page with raw bytes, its boilerplate gold) for the release's pages that have gold.

    ``limit`` takes that many pages spread evenly over the gold pages sorted by ``page_id``
    (not the first ones), so the sample has the release's mix of sizes, languages and sources;
    sets whose size is a multiple of ``limit`` then repeat exactly the same mix, which is what a
    scaling table needs to compare sizes (large pages dominate both time and memory).
    """
    from curation import dataset

    gold = dataset.boilerplate_gold_by_page(version, root=root)
    ids = sorted(gold)
    if limit is not None and limit < len(ids):
        ids = [ids[i * len(ids) // limit] for i in range(limit)]
    return [(page, gold[page["page_id"]])
            for page in dataset.iter_pages(version, ids=ids, columns=PAGE_COLUMNS, root=root)]


def copies(seeds: list[tuple[dict[str, Any], dict[str, Any]]], n: int) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """``n`` pages cycling through ``seeds``, each with its own bytes and page_id."""
    for i in range(n):
        page, gold = seeds[i % len(seeds)]
        raw = page["raw"] + f"\n<!-- pagegold synthetic copy {i} -->\n".encode()
        page_id = hashlib.sha256(raw).hexdigest()
        yield (page | {"raw": raw, "page_id": page_id, "source_id": f"syn-{i:07d}", "source": "synthetic"},
               gold | {"page_id": page_id})


def write_pages_folder(out: Path, n: int, seeds: list[tuple[dict[str, Any], dict[str, Any]]]) -> Path:
    """Write ``n`` synthetic pages as an ingest output folder under ``out`` (replacing its tables)."""
    from curation import schema

    if not seeds:
        raise ValueError("no seed pages (a release with boilerplate gold is needed)")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for old in [*out.glob("pages-*.parquet"), *out.glob("boilerplate_gold-*.parquet")]:
        old.unlink()
    page_spec = schema.load("pages")
    page_schema = pa.schema([page_spec.arrow.field(c) if c != "raw" else pa.field("raw", pa.binary())
                             for c in PAGE_COLUMNS])
    gold_schema = schema.load("boilerplate_gold").arrow
    pages: list[dict[str, Any]] = []
    golds: list[dict[str, Any]] = []
    file_no = 0

    def flush() -> None:
        nonlocal file_no
        name = f"s{file_no:05d}-00000.parquet"
        pq.write_table(pa.Table.from_pylist(pages, schema=page_schema), out / f"pages-{name}", row_group_size=ROWS_PER_GROUP)
        pq.write_table(pa.Table.from_pylist(golds, schema=gold_schema), out / f"boilerplate_gold-{name}")
        pages.clear()
        golds.clear()
        file_no += 1

    for page, gold in copies(seeds, n):
        pages.append({c: page.get(c) for c in PAGE_COLUMNS})
        golds.append({f.name: gold.get(f.name) for f in gold_schema})
        if len(pages) == ROWS_PER_FILE:
            flush()
    if pages:
        flush()
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path, help="folder to write (its pages-*/boilerplate_gold-* files are replaced)")
    parser.add_argument("--pages", type=int, default=1000, help="how many pages")
    parser.add_argument("--seeds", type=int, default=None,
                        help="copy only N of the release's pages with gold, spread evenly over them (default: all)")
    args = parser.parse_args(argv)
    write_pages_folder(args.out, args.pages, release_seeds(args.seeds))
    print(f"wrote {args.pages} pages to {args.out}")


if __name__ == "__main__":
    main()
