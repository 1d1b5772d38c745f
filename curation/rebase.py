"""Pages of a new release built from its parent release rather than from the original corpora.

``pagegold release`` reads the parent's raw bytes (``raw_pages``, or for releases made before it
existed the schema-1.0 ``pages`` files through a column projection) and its page metadata; when the
normaliser version changed, every page is normalised again and the gold is carried: the source's
gold is re-aligned onto the new blocks, annotated spans move only where the characters they cover
are unchanged (``curation.carry``), anything else goes to a review list. Sources already in the
parent are never re-read, so a clone without the corpora can release.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from curation import dataset, schema
from curation.align import align_main_blocks
from curation.carry import carry_row
from curation.normalise import NORMALISER_VERSION, PageError, normalise
from curation.steps.metadata import language_of


def raw_entries(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    """The parent's raw_pages file entries; for a release before raw_pages, its pages files
    projected onto the raw_pages columns (the bytes are read in place, never copied)."""
    if "raw_pages" in manifest["tables"]:
        return [dict(f) for f in manifest["tables"]["raw_pages"]["files"]]
    cols = schema.load("raw_pages").column_names
    return [{**f, "columns": cols} for f in manifest["tables"]["pages"]["files"]]


def iter_raw(entries: list[dict[str, Any]], root: Path) -> Iterator[dict[str, Any]]:
    """Raw rows of the given file entries, one row group at a time."""
    for f in entries:
        parquet = pq.ParquetFile(root / f["path"])
        for group in range(parquet.num_row_groups):
            yield from parquet.read_row_group(group, columns=["page_id", "raw_format", "raw"]).to_pylist()


def parent_pages(parent: str, root: Path) -> list[dict[str, Any]]:
    """The parent's page rows with the current ``pages`` columns (raw is never among them)."""
    cols = schema.load("pages").column_names
    return dataset.read_table("pages", parent, columns=cols, root=root).to_pylist()


def renormalise(pages: list[dict[str, Any]], parent_manifest: dict[str, Any], root: Path, log) -> dict[str, Any]:
    """Normalise every parent page again in place; returns {page_id: {old text, reason}} for pages
    whose text changed and {page_id: reason} of pages the new rules reject (dropped)."""
    by_id = {p["page_id"]: p for p in pages}
    changed: dict[str, dict[str, Any]] = {}
    rejected: dict[str, str] = {}
    for raw in iter_raw(raw_entries(parent_manifest), root):
        page = by_id.get(raw["page_id"])
        if page is None:
            continue
        try:
            new = normalise(raw["raw"], raw["raw_format"])
        except (PageError, RecursionError) as exc:
            rejected[page["page_id"]] = str(exc) or "document nesting too deep to parse"
            continue
        if new.text_sha256 != page["text_sha256"]:
            before = f"{page['encoding']} ({page['encoding_source']})"
            after = f"{new.encoding} ({new.encoding_source})"
            reason = f"encoding {before} → {after}" if before != after else "normaliser rules (same encoding)"
            changed[page["page_id"]] = {"old_text": page["text"], "old_sha": page["text_sha256"], "reason": reason,
                                        "notes": list(new.notes)}
            page["language"] = language_of(new.text)
        page.update(text=new.text, blocks=new.blocks, text_sha256=new.text_sha256, encoding=new.encoding,
                    encoding_source=new.encoding_source, title=new.title if raw["raw_format"] == "html" else page["title"],
                    normaliser_version=NORMALISER_VERSION)
    for pid in rejected:
        pages.remove(by_id[pid])
    log(f"re-normalised {len(pages)} pages with normaliser {NORMALISER_VERSION}: {len(changed)} texts changed, "
        f"{len(rejected)} rejected")
    return {"changed": changed, "rejected": rejected}


def carry_gold(table: str, rows: list[dict[str, Any]], pages: dict[str, dict[str, Any]],
               changed: dict[str, dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(rows valid for the new texts, review items) for one gold table.

    A row whose text_sha256 is its page's current one is kept; one made on the parent's text of a
    changed page is carried (source gold re-aligned, annotated spans mapped); anything else is
    reviewed, not kept.
    """
    kept, review = [], []
    for row in rows:
        page = pages.get(row["page_id"])
        if page is None:
            review.append({"table": table, "page_id": row["page_id"], "origin": row.get("origin"),
                           "reason": "page not in this release"})
            continue
        if row["text_sha256"] == page["text_sha256"]:
            kept.append(row)
            continue
        change = changed.get(row["page_id"])
        if change is None or row["text_sha256"] != change["old_sha"]:
            review.append({"table": table, "page_id": row["page_id"], "origin": row.get("origin"),
                           "reason": "made on a text that is neither the page's current nor its parent's"})
            continue
        if table == "boilerplate_gold":
            blocks, recall, precision = align_main_blocks(page["text"], page["blocks"], row["main_text"])
            kept.append({**row, "text_sha256": page["text_sha256"], "main_blocks": blocks,
                         "alignment_recall": recall, "alignment_precision": precision})
            continue
        moved, _ = carry_row(row, table, change["old_text"], page["text"], page["text_sha256"], page["blocks"])
        if moved is None:
            review.append({"table": table, "page_id": row["page_id"], "origin": row.get("origin"),
                           "reason": f"a span covers characters the new normaliser changed ({change['reason']})"})
        else:
            kept.append(moved)
    return kept, review
