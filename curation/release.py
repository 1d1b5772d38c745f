"""Cutting an immutable release ``data/vX.Y.Z/`` from the configured sources and staged gold.

Steps: ingest every source of ``data/sources.yaml`` into a scratch folder → near-duplicate
clusters over all pages → grouped splits → write each table per split → manifest → one atomic
rename of the finished folder to ``data/vX.Y.Z``. A crash or Ctrl-C at any point leaves only a
scratch folder (``data/.tmp-…``, cleaned up on the next run), never a partial release.

Releases never overwrite: an existing version is refused. A release does not copy what its
parent already holds: for each table and split, when every parent row is unchanged, the new
manifest lists the parent's files and writes only the new rows (see ``_plan_table``).
Gold staged by the Label Studio bridge (``data/staging/<table>.parquet``) joins the release.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from curation import dataset, near_dup, schema, splits
from curation.ingest import ingest
from curation.labelstudio.staging import staging_dir
from curation.normalise import NORMALISER_VERSION
from curation.parquet_io import ShardWriter, sha256_file

#: Row identity per table: a row with the same key and digest is "unchanged".
KEYS = {"pages": ("page_id",), "boilerplate_gold": ("page_id", "origin"), "entity_gold": ("page_id", "origin"), "annotations": ("project", "annotation_id", "updated_at")}
#: Staging files copied into the release beside the tables, for provenance (conflicts, policy).
STAGED_DOCUMENTS = ("conflicts.jsonl", "adjudication.json", "review_log.jsonl", "amendments.jsonl")


def load_recipe(path: Path) -> list[dict[str, Any]]:
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    return spec["sources"]


def row_digest(row: dict[str, Any]) -> str:
    """Digest of a row's content except raw bytes (page_id already pins them)."""
    payload = {k: v for k, v in row.items() if k != "raw"}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def build_release(
    version: str,
    root: Path | None = None,
    recipe: Path | None = None,
    checkout: Path | None = None,
    log=print,
) -> Path:
    """Build ``data/v<version>``; returns its path. Raises ReleaseError when refused."""
    root = root or dataset.data_dir()
    checkout = checkout or root.parent
    name = dataset.version_name(version)
    target = root / name
    if target.exists():
        raise dataset.ReleaseError(f"release {name} already exists at {target}: releases are immutable, choose a new version")
    existing = dataset.list_versions(root)
    if existing and dataset.parse_version(existing[-1]) >= dataset.parse_version(name):
        raise dataset.ReleaseError(f"release {name} is not newer than the latest release {existing[-1]}")
    parent = existing[-1] if existing else None
    recipe = recipe or root / "sources.yaml"
    sources = load_recipe(recipe)

    for stale in root.glob(".tmp-*"):  # scratch left by an interrupted run
        shutil.rmtree(stale, ignore_errors=True)
    scratch = root / f".tmp-{name}-{os.getpid()}"
    stage = scratch / name
    stage.mkdir(parents=True)
    try:
        ingest_dirs = []
        for src in sources:
            paths = [str((checkout / p).resolve()) for p in src["paths"]]
            missing = [p for p in paths if not Path(p).exists()]
            if missing:
                raise dataset.ReleaseError(f"source {src['name']!r}: input not found: {', '.join(missing)} (see {recipe})")
            out = scratch / "ingest" / src["name"]
            summary = ingest(paths, src["name"], out, fmt=src["format"], license=src.get("license"), page_type=src.get("page_type"))
            log(f"ingested {src['name']}: {summary['pages']} pages, {summary['quarantined']} quarantined")
            ingest_dirs.append(out)
        manifest = _write_tables(name, root, stage, ingest_dirs, parent, log)
        _copy_licenses(sources, checkout, stage)
        manifest["licenses"] = sorted(p.name for p in (stage / "LICENSES").glob("*")) if (stage / "LICENSES").exists() else []
        (stage / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        os.rename(stage, target)  # the commit point: atomic on one filesystem
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    from curation.hub import write_hf_config

    write_hf_config(checkout, root)
    return target


def _read_rows(files: list[Path], columns: list[str] | None = None) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for f in files:
        rows.extend(pq.read_table(f, columns=columns).to_pylist())
    return rows


def _write_tables(name: str, root: Path, stage: Path, ingest_dirs: list[Path], parent: str | None, log) -> dict[str, Any]:
    page_files = sorted(f for d in ingest_dirs for f in d.glob("pages-*.parquet"))
    meta_cols = [c for c in schema.load("pages").column_names if c != "raw"]
    pages_meta = _read_rows(page_files, meta_cols)
    parent_manifest = dataset.read_manifest(parent, root) if parent else None
    previous: dict[str, str] = {}
    if parent_manifest:
        prev = dataset.read_table("pages", parent, columns=["page_id", "split"], root=root)
        previous = dict(zip(prev.column("page_id").to_pylist(), prev.column("split").to_pylist()))

    dup = near_dup.clusters((p["page_id"], p["text"], p["text_sha256"]) for p in pages_meta)
    duplicate_of = {p: rep for p, rep in dup.items() if rep != p}
    split_of = splits.assign_splits([(p["page_id"], p["domain"], duplicate_of.get(p["page_id"])) for p in pages_meta], previous)
    log(f"{len(pages_meta)} pages, {len(duplicate_of)} near/exact duplicates, splits {dict(Counter(split_of.values()))}")

    def finish(row: dict[str, Any]) -> dict[str, Any]:
        row["split"] = split_of[row["page_id"]]
        if "duplicate_of" in row:
            row["duplicate_of"] = duplicate_of.get(row["page_id"])
        return row

    tables: dict[str, Any] = {}
    changelog: dict[str, Any] = {}
    # pages: stream with raw bytes, one parquet row group at a time.
    def page_stream():
        for f in page_files:
            pf = pq.ParquetFile(f)
            for g in range(pf.num_row_groups):
                yield from (finish(r) for r in pf.read_row_group(g).to_pylist())

    tables["pages"], changelog["pages"] = _plan_table("pages", page_stream, root, stage, name, parent_manifest)
    gold_rows = [finish(r) for r in _read_rows(sorted(f for d in ingest_dirs for f in d.glob("boilerplate_gold-*.parquet")))]
    staging = staging_dir() if os.environ.get("PAGEGOLD_STAGING_DIR") else root / "staging"
    for table in ("boilerplate_gold", "entity_gold", "annotations"):
        staged = staging / f"{table}.parquet"
        rows = gold_rows if table == "boilerplate_gold" else []
        # Annotation-derived rows of the parent carry over (the sources do not re-create them);
        # staged rows with the same key replace them.
        carried = {_key(table, r): r for r in _parent_rows(table, parent_manifest, root) if _from_annotation(table, r)}
        if staged.is_file():
            extra = pq.read_table(staged).to_pylist()
            for r in extra:
                if "split" in r and r.get("page_id") in split_of:
                    r["split"] = split_of[r["page_id"]]
                carried[_key(table, r)] = r
            log(f"staged {table}: {len(extra)} rows from {staged}")
        rows = rows + list(carried.values())
        if rows:
            tables[table], changelog[table] = _plan_table(table, lambda rows=rows: iter(rows), root, stage, name, parent_manifest)

    return {
        "version": name[1:],
        "parent": parent[1:] if parent else None,
        "created": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
        "normaliser_version": NORMALISER_VERSION,
        "schema_versions": {t: schema.load(t).version for t in tables},
        "tables": tables,
        "documents": copy_documents(staging, stage),
        "changelog": changelog,
    }


def _key(table: str, row: dict[str, Any]) -> tuple:
    return tuple(row[k] for k in KEYS[table])


def _from_annotation(table: str, row: dict[str, Any]) -> bool:
    return table != "boilerplate_gold" or str(row.get("origin", "")).startswith("labelstudio")


def _parent_rows(table: str, parent_manifest: dict | None, root: Path) -> list[dict[str, Any]]:
    if not parent_manifest or table not in parent_manifest["tables"]:
        return []
    return _read_rows([root / f["path"] for f in parent_manifest["tables"][table]["files"]])


def copy_documents(staging: Path, stage: Path) -> list[dict[str, Any]]:
    """Copy the adjudication's provenance files into the release; returns manifest entries."""
    out = []
    for name in STAGED_DOCUMENTS:
        src = staging / name
        if src.is_file():
            (stage / "annotation").mkdir(exist_ok=True)
            dst = stage / "annotation" / name
            shutil.copyfile(src, dst)
            out.append({"path": f"{stage.name}/annotation/{name}", "sha256": sha256_file(dst), "bytes": dst.stat().st_size})
    return out


def _split_of_row(table: str, row: dict[str, Any]) -> str:
    return row.get("split") or "train"


def _plan_table(table: str, rows_fn, root: Path, stage: Path, name: str, parent_manifest: dict | None):
    """Write one table; reuse parent files for splits whose parent rows are all unchanged."""
    key_cols = KEYS[table]
    parent_rows: dict[str, dict[tuple, str]] = {}
    if parent_manifest and table in parent_manifest["tables"]:
        for f in parent_manifest["tables"][table]["files"]:
            cols = [c for c in schema.load(table).column_names if c != "raw"]
            for r in pq.read_table(root / f["path"], columns=cols).to_pylist():
                parent_rows.setdefault(f["split"], {})[tuple(r[k] for k in key_cols)] = row_digest(r)

    # First pass: which parent rows survive unchanged, per split.
    new_keys: dict[str, dict[tuple, str]] = {}
    for r in rows_fn():
        new_keys.setdefault(_split_of_row(table, r), {})[tuple(r[k] for k in key_cols)] = row_digest(r)
    reuse = {
        split: all(new_keys.get(split, {}).get(k) == d for k, d in old.items())
        for split, old in parent_rows.items()
    }

    writers: dict[str, ShardWriter] = {}
    counts = Counter()
    for r in rows_fn():
        split = _split_of_row(table, r)
        key = tuple(r[k] for k in key_cols)
        if reuse.get(split) and key in parent_rows[split]:
            continue  # the parent's file already holds this row
        if split not in writers:
            writers[split] = ShardWriter(table, stage / table, split)
        writers[split].write(r)
        counts["added" if key not in parent_rows.get(split, {}) else "changed"] += 1

    files = []
    for split in dataset.SPLITS:
        if reuse.get(split):
            files.extend(f for f in parent_manifest["tables"][table]["files"] if f["split"] == split)
        if split in writers:
            for shard in writers[split].close():
                files.append({
                    "path": f"{name}/{table}/{shard['file'].name}",
                    "split": split,
                    "rows": shard["rows"],
                    "sha256": shard["sha256"],
                    "bytes": shard["bytes"],
                })
    removed = sum(1 for s, old in parent_rows.items() for k in old if k not in new_keys.get(s, {}))
    entry = {"rows": sum(f["rows"] for f in files), "files": files, "splits": {s: sum(f["rows"] for f in files if f["split"] == s) for s in dataset.SPLITS}}
    return entry, {"added": counts["added"], "changed": counts["changed"], "removed": removed}


def _copy_licenses(sources: list[dict[str, Any]], checkout: Path, stage: Path) -> None:
    folder = stage / "LICENSES"
    for src in sources:
        if src.get("license_file"):
            folder.mkdir(exist_ok=True)
            shutil.copyfile(checkout / src["license_file"], folder / f"{src['name']}-{src['license']}.txt")
