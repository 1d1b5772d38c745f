"""``pagegold verify``: recheck a release — checksums, row counts, schemas and invariants.

Checks, per version: every listed file exists and has its sha256 and row count; every file's
schema equals the table's schema in ``schemas/``; page_ids are unique; blocks tile the text
(offsets inside the text, in order, no block crossing a newline); text_sha256 matches text;
every gold row's text_sha256 matches its page; no domain and no duplicate cluster spans two
splits; entity spans lie inside the text and their ``text`` equals ``text[start:end]``.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from pathlib import Path

import pyarrow.parquet as pq

from curation import dataset, schema
from curation.parquet_io import sha256_file


def verify_release(version: str, root: Path | None = None) -> list[str]:
    """Return a list of problems (empty when the release checks out)."""
    root = root or dataset.data_dir()
    problems: list[str] = []
    try:
        manifest = dataset.read_manifest(version, root)
    except (dataset.ReleaseError, ValueError) as exc:
        return [str(exc)]
    for table, entry in manifest["tables"].items():
        try:
            spec = schema.load(table, manifest.get("schema_versions", {}).get(table))
        except schema.SchemaError as exc:
            problems.append(f"{table}: {exc}")
            continue
        for f in entry["files"]:
            path = root / f["path"]
            if not path.is_file():
                problems.append(f"{table}: missing file {f['path']}")
                continue
            if sha256_file(path) != f["sha256"]:
                problems.append(f"{table}: checksum mismatch for {f['path']}")
                continue  # its content is not what was released: nothing more to learn from it
            try:
                meta = pq.read_metadata(path)
                if meta.num_rows != f["rows"]:
                    problems.append(f"{table}: {f['path']} has {meta.num_rows} rows, manifest says {f['rows']}")
                spec.validate(pq.read_table(path, columns=dataset.file_columns(f, None)))
            except schema.SchemaError as exc:
                problems.append(f"{table}: {f['path']}: {exc}")
            except (OSError, ValueError) as exc:  # pyarrow: unreadable Parquet
                problems.append(f"{table}: {f['path']} cannot be read: {exc}")
    for doc in manifest.get("documents", []):
        path = root / doc["path"]
        if not path.is_file() or sha256_file(path) != doc["sha256"]:
            problems.append(f"document {doc['path']} is missing or its checksum differs")
    if problems:
        return problems
    problems += _check_pages(version, root)
    return problems


def _check_pages(version: str, root: Path) -> list[str]:
    problems: list[str] = []
    cols = ["page_id", "text", "text_sha256", "blocks", "domain", "duplicate_of", "split"]
    pages = dataset.read_table("pages", version, columns=cols, root=root).to_pylist()
    by_id = {}
    domain_splits: dict[str, set] = defaultdict(set)
    for p in pages:
        if p["page_id"] in by_id:
            problems.append(f"pages: page_id {p['page_id']} appears twice")
        by_id[p["page_id"]] = p
        if hashlib.sha256(p["text"].encode()).hexdigest() != p["text_sha256"]:
            problems.append(f"pages: {p['page_id']}: text_sha256 does not match text")
        if (issue := blocks_problem(p["text"], p["blocks"])) is not None:
            problems.append(f"pages: {p['page_id']}: {issue}")
        if p["domain"]:
            domain_splits[p["domain"]].add(p["split"])
    for domain, found in domain_splits.items():
        if len(found) > 1:
            problems.append(f"splits: domain {domain} is in {sorted(found)}")
    for p in pages:
        rep = p["duplicate_of"]
        if rep and rep in by_id and by_id[rep]["split"] != p["split"]:
            problems.append(f"splits: {p['page_id']} is a duplicate of {rep} but in another split")
    if "raw_pages" in dataset.read_manifest(version, root)["tables"]:
        raw_ids = dataset.read_table("raw_pages", version, columns=["page_id"], root=root).column("page_id").to_pylist()
        if len(raw_ids) != len(set(raw_ids)):
            problems.append("raw_pages: a page_id appears twice")
        if missing := set(by_id) - set(raw_ids):  # raw bytes of a page a later normaliser rejects may stay
            problems.append(f"raw_pages: {len(missing)} pages without raw bytes, e.g. {sorted(missing)[0]}")
    for table in ("boilerplate_gold", "zone_gold", "entity_gold"):
        for row in dataset.read_table(table, version, root=root).to_pylist():
            page = by_id.get(row["page_id"])
            if page is None:
                problems.append(f"{table}: gold for unknown page {row['page_id']}")
            elif row["text_sha256"] != page["text_sha256"]:
                problems.append(f"{table}: {row['page_id']}: text_sha256 differs from the page's")
            elif table == "entity_gold":
                for e in row["entities"]:
                    if not (0 <= e["start"] < e["end"] <= len(page["text"])) or page["text"][e["start"]:e["end"]] != e["text"]:
                        problems.append(f"entity_gold: {row['page_id']}: span {e} does not match the text")
    return problems


def blocks_problem(text: str, blocks: list[dict]) -> str | None:
    """Why ``blocks`` do not tile ``text`` (joined by single newlines), or None."""
    expected = 0
    for i, b in enumerate(blocks):
        if b["start"] != expected or b["end"] <= b["start"] or b["end"] > len(text):
            return f"block {i} has offsets {b['start']}..{b['end']}, expected to start at {expected}"
        if "\n" in text[b["start"] : b["end"]]:
            return f"block {i} contains a newline"
        expected = b["end"] + 1
    if blocks and blocks[-1]["end"] != len(text):
        return "blocks do not reach the end of the text"
    return None
