"""Cutting an immutable release ``data/vX.Y.Z/`` from the configured sources and staged gold.

Steps: ingest every source of ``data/sources.yaml`` into a scratch folder → near-duplicate
clusters over all pages → grouped splits → write each table per split → manifest → one atomic
rename of the finished folder to ``data/vX.Y.Z``. A crash or Ctrl-C at any point leaves only a
scratch folder (``data/.tmp-…``, cleaned up on the next run), never a partial release. A crash
after the rename (before ``.huggingface.yaml`` is rewritten) leaves a complete release; running
the same release again is refused but rewrites the config. tests/test_release_atomicity.py kills
the process at each stage of ``KILL_STAGES`` (``PAGEGOLD_RELEASE_KILL_AT``) to prove it.

Releases never overwrite: an existing version is refused. A release does not copy what its
parent already holds: for each table and split, when every parent row is unchanged, the new
manifest lists the parent's files and writes only the new rows (see ``_plan_table``).
Gold staged by the Label Studio bridge (``data/staging/<table>.parquet``) joins the release.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import os
import shutil
import signal
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import yaml

from curation import dataset, engines, near_dup, rebase, schema, shards, splits
from curation.ingest import ingest
from curation.labelstudio.staging import staging_dir
from curation.normalise import NORMALISER_VERSION
from curation.parquet_io import ShardWriter, sha256_file

#: Row identity per table: a row with the same key and digest is "unchanged".
KEYS = {"pages": ("page_id",), "boilerplate_gold": ("page_id", "origin"), "zone_gold": ("page_id", "origin"),
        "entity_gold": ("page_id", "origin"), "annotations": ("project", "annotation_id", "updated_at")}
LOCK = ".release.lock"
#: Staging files copied into the release beside the tables, for provenance (conflicts, policy).
STAGED_DOCUMENTS = ("conflicts.jsonl", "adjudication.json", "review_log.jsonl", "amendments.jsonl")
#: Points of a release where ``PAGEGOLD_RELEASE_KILL_AT=<stage>`` makes the process SIGKILL itself
#: (a test hook: no cleanup runs, as with a power cut or ``kill -9``).
KILL_STAGES = ("scratch", "ingested", "tables", "manifest", "renamed")


def _stage(name: str) -> None:
    if os.environ.get("PAGEGOLD_RELEASE_KILL_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)


def load_recipe(path: Path) -> list[dict[str, Any]]:
    """The sources of a release recipe; each one's ``format`` must be a registered corpus format."""
    from curation.sources.formats import choices

    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    for src in spec["sources"]:
        if src.get("format", "auto") not in choices():
            raise dataset.ReleaseError(f"{path}: source {src.get('name')!r} has format {src.get('format')!r}; "
                                       f"known formats: {', '.join(choices())} (docs/corpora.md)")
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
    from_sources: bool = False,
    engine: str | engines.Engine = "local",
    jobs: int | None = None,
    address: str | None = None,
    files_per_shard: int = shards.FILES_PER_SHARD,
) -> Path:
    """Build ``data/v<version>``; returns its path. Raises ReleaseError when refused.

    By default the pages come from the latest release (raw bytes, metadata, splits) and only
    sources of the recipe that it does not hold yet are ingested; ``from_sources`` re-ingests
    every source of the recipe (maintainers with the corpora).

    ``engine``, ``jobs`` and ``address`` choose where the heavy steps run, as for ``pagegold
    ingest`` (``curation.engines.make_engine``; or an Engine the caller owns, not closed here): the
    ingest of each source (cut into shards of ``files_per_shard`` files or corpus pages) and the
    near-duplicate map and reduce tasks (``files_per_shard`` pages per map task). The release's
    files are the same on every engine and for any ``jobs``; only ``manifest.json``'s ``created``
    time differs between two runs."""
    root = root or dataset.data_dir()
    checkout = checkout or root.parent
    name = dataset.version_name(version)
    target = root / name
    if target.exists():
        from curation.hub import write_hf_config

        write_hf_config(checkout, root)  # completes a run killed between its rename and this write
        raise dataset.ReleaseError(f"release {name} already exists at {target}: releases are immutable, choose a new version")
    existing = dataset.list_versions(root)
    if existing and dataset.parse_version(existing[-1]) >= dataset.parse_version(name):
        raise dataset.ReleaseError(f"release {name} is not newer than the latest release {existing[-1]}")
    parent = existing[-1] if existing else None
    recipe = recipe or root / "sources.yaml"
    sources = load_recipe(recipe)

    with release_lock(root):
        runner = engines.make_engine(engine, jobs, address) if isinstance(engine, str) else engine
        try:
            return _build_locked(name, root, target, parent, recipe, sources, checkout, log, from_sources,
                                 runner, files_per_shard)
        finally:
            if isinstance(engine, str):
                runner.close()


@contextlib.contextmanager
def release_lock(root: Path) -> Iterator[None]:
    """One release per data folder at a time (``data/.release.lock``, an OS lock that dies with
    its process): a second run would delete the first one's scratch folder."""
    root.mkdir(parents=True, exist_ok=True)
    path = root / LOCK
    with path.open("a") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            message = f"another release is running in {root} (it holds {path}); wait for it to finish"
            raise dataset.ReleaseError(message) from None
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _build_locked(name: str, root: Path, target: Path, parent: str | None, recipe: Path, sources: list[dict[str, Any]],
                  checkout: Path, log, from_sources: bool, engine: engines.Engine, files_per_shard: int) -> Path:
    from curation.hub import write_hf_config

    # Under the lock, whatever a killed run left is garbage: its scratch folder, and a
    # .huggingface.yaml it may not have rewritten after its rename (rewritten here and at the end).
    for stale in root.glob(".tmp-*"):
        shutil.rmtree(stale, ignore_errors=True)
    write_hf_config(checkout, root)
    scratch = root / f".tmp-{name}-{os.getpid()}"
    stage = scratch / name
    stage.mkdir(parents=True)
    _stage("scratch")
    parent_manifest = dataset.read_manifest(parent, root) if parent else None
    if parent_manifest and not from_sources:
        held = set(dataset.read_table("pages", parent, columns=["source"], root=root).column("source").to_pylist())
        sources = [s for s in sources if s["name"] not in held]
        log(f"building on {parent}: {len(held)} sources kept from it, {len(sources)} new in {recipe.name}")
    try:
        ingest_dirs = []
        for src in sources:
            paths = [str((checkout / p).resolve()) for p in src["paths"]]
            missing = [p for p in paths if not Path(p).exists()]
            if missing:
                raise dataset.ReleaseError(f"source {src['name']!r}: input not found: {', '.join(missing)} (see {recipe})")
            out = scratch / "ingest" / src["name"]
            summary = ingest(paths, src["name"], out, fmt=src["format"], license=src.get("license"), page_type=src.get("page_type"),
                             engine=engine, files_per_shard=files_per_shard)
            log(f"ingested {src['name']}: {summary['pages']} pages, {summary['quarantined']} quarantined")
            ingest_dirs.append(out)
            _stage("ingested")
        manifest = _write_tables(name, root, stage, ingest_dirs, parent, log, inherit=not from_sources, engine=engine,
                                 pages_per_task=files_per_shard)
        if parent and not from_sources and (root / parent / "LICENSES").is_dir():
            shutil.copytree(root / parent / "LICENSES", stage / "LICENSES")
        _copy_licenses(sources, checkout, stage)
        _stage("tables")
        manifest["licenses"] = sorted(p.name for p in (stage / "LICENSES").glob("*")) if (stage / "LICENSES").exists() else []
        (stage / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        _stage("manifest")
        os.rename(stage, target)  # the commit point: atomic on one filesystem
        _stage("renamed")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    write_hf_config(checkout, root)
    return target


def _read_rows(files: list[Path], columns: list[str] | None = None) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for f in files:
        rows.extend(pq.read_table(f, columns=columns).to_pylist())
    return rows


def _write_tables(name: str, root: Path, stage: Path, ingest_dirs: list[Path], parent: str | None, log,
                  inherit: bool = True, engine: engines.Engine | None = None,
                  pages_per_task: int = near_dup.PAGES_PER_TASK) -> dict[str, Any]:
    """Plan and write every table. ``inherit``: the parent's pages (re-normalised when the
    normaliser changed) plus the ingested new sources; else the ingested pages only (the parent
    still gives splits, carried annotation gold and files to reuse). Near-duplicates are found on
    ``engine`` (default: in this process), in the scratch folder beside ``stage``."""
    page_files = sorted(f for d in ingest_dirs for f in d.glob("pages-*.parquet"))
    meta_cols = schema.load("pages").column_names
    pages_meta = _read_rows(page_files, meta_cols)
    parent_manifest = dataset.read_manifest(parent, root) if parent else None
    split_source = parent
    previous: dict[str, str] = {}
    if split_source:
        prev = dataset.read_table("pages", split_source, columns=["page_id", "split"], root=root)
        previous = dict(zip(prev.column("page_id").to_pylist(), prev.column("split").to_pylist()))
    rebased = {"changed": {}, "rejected": {}}
    if parent_manifest and inherit:
        inherited = rebase.parent_pages(parent, root)
        if parent_manifest.get("normaliser_version") != NORMALISER_VERSION:
            rebased = rebase.renormalise(inherited, parent_manifest, root, log)
        known = {p["page_id"] for p in inherited}
        pages_meta = inherited + [p for p in pages_meta if p["page_id"] not in known]

    if parent_manifest and inherit and len(pages_meta) == len(inherited) and not any(rebased.values()):
        # The parent's very texts and nothing new: its clusters stand (recomputing gives the same links).
        duplicate_of = {p["page_id"]: p["duplicate_of"] for p in pages_meta if p["duplicate_of"]}
    else:
        dup = near_dup.clusters_of_rows(((p["page_id"], p["text"], p["text_sha256"]) for p in pages_meta),
                                        stage.parent / "near-dup", engine, pages_per_task)
        duplicate_of = {p: rep for p, rep in dup.items() if rep != p}
    # Released pages never change split: a duplicate link between two released splits is dropped.
    crossing = [p for p, rep in duplicate_of.items() if p in previous and rep in previous and previous[p] != previous[rep]]
    for p in crossing:
        del duplicate_of[p]
    split_of = splits.assign_splits([(p["page_id"], p["domain"], duplicate_of.get(p["page_id"])) for p in pages_meta], previous)
    log(f"{len(pages_meta)} pages, {len(duplicate_of)} near/exact duplicates ({len(crossing)} links across released "
        f"splits dropped), splits {dict(Counter(split_of.values()))}")

    def finish(row: dict[str, Any]) -> dict[str, Any]:
        row["split"] = split_of[row["page_id"]]
        if "duplicate_of" in row:
            row["duplicate_of"] = duplicate_of.get(row["page_id"])
        return row

    pages_meta = [finish(p) for p in pages_meta]
    by_id = {p["page_id"]: p for p in pages_meta}
    tables: dict[str, Any] = {}
    changelog: dict[str, Any] = {}
    tables["pages"], changelog["pages"] = _plan_table("pages", lambda: iter(pages_meta), root, stage, name, parent_manifest)
    changelog["pages"]["text_changed"] = [
        {"page_id": pid, "source": by_id[pid]["source"], "source_id": by_id[pid]["source_id"], "reason": c["reason"]}
        for pid, c in sorted(rebased["changed"].items()) if pid in by_id]
    changelog["pages"]["rejected_by_normaliser"] = [{"page_id": pid, "reason": r} for pid, r in sorted(rebased["rejected"].items())]
    tables["raw_pages"] = _raw_table(page_files, parent_manifest, split_of, stage, name, by_id)

    ingested_gold = [finish(r) for r in _read_rows(sorted(f for d in ingest_dirs for f in d.glob("boilerplate_gold-*.parquet")))]
    staging = staging_dir() if os.environ.get("PAGEGOLD_STAGING_DIR") else root / "staging"
    parent_rows = {t: _parent_rows(t, parent_manifest, root) for t in ("boilerplate_gold", "zone_gold", "entity_gold", "annotations")}
    # Annotated zones used to share boilerplate_gold (schema 1.0); they now have their own table.
    source_gold = [r for r in parent_rows["boilerplate_gold"] if not _from_annotation("boilerplate_gold", r)]
    zones = parent_rows["zone_gold"] + [r for r in parent_rows["boilerplate_gold"] if _from_annotation("boilerplate_gold", r)]
    candidates = {"boilerplate_gold": source_gold, "zone_gold": zones, "entity_gold": parent_rows["entity_gold"],
                  "annotations": parent_rows["annotations"]}
    staged_bp = staging / "boilerplate_gold.parquet"
    if staged_bp.is_file():
        for r in pq.read_table(staged_bp).to_pylist():
            (candidates["zone_gold"] if _from_annotation("boilerplate_gold", r) else candidates["boilerplate_gold"]).append(r)
        log(f"staged boilerplate_gold: rows from {staged_bp}")
    for table in ("entity_gold", "annotations"):
        staged = staging / f"{table}.parquet"
        if staged.is_file():
            extra = pq.read_table(staged).to_pylist()
            candidates[table] += extra
            log(f"staged {table}: {len(extra)} rows from {staged}")
            _refuse_broken_spans(table, extra, {p["page_id"]: p["text"] for p in pages_meta}, staged)
    review: list[dict[str, Any]] = []
    for table in ("boilerplate_gold", "zone_gold", "entity_gold", "annotations"):
        cols = schema.load(table).column_names
        rows = [{c: r.get(c) for c in cols} for r in candidates[table]]
        if table != "annotations":
            rows, lost = rebase.carry_gold(table, rows, by_id, rebased["changed"])
            review += lost
            for r in rows:
                r["split"] = split_of.get(r["page_id"], r.get("split"))
        keyed = {_key(table, r): r for r in rows}  # later rows (staged) replace earlier ones (parent)
        if table == "boilerplate_gold":  # a re-ingested source's gold replaces the parent's row, never doubles it
            keyed.update((_key(table, r), finish(r)) for r in ingested_gold)
        rows = list(keyed.values())
        if rows:
            tables[table], changelog[table] = _plan_table(table, lambda rows=rows: iter(rows), root, stage, name, parent_manifest)
    changelog["review"] = {"rows": len(review), "by_table": dict(Counter(r["table"] for r in review))}
    documents = copy_documents(staging, stage)
    if review:
        (stage / "annotation").mkdir(exist_ok=True)
        path = stage / "annotation" / "review_carry.jsonl"
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in review), encoding="utf-8")
        documents.append({"path": f"{stage.name}/annotation/{path.name}", "sha256": sha256_file(path), "bytes": path.stat().st_size})

    return {
        "version": name[1:],
        "parent": split_source[1:] if split_source else None,
        "created": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
        "normaliser_version": NORMALISER_VERSION,
        "schema_versions": {t: schema.load(t).version for t in tables},
        "tables": tables,
        "documents": documents,
        "changelog": changelog,
    }


def _refuse_broken_spans(table: str, rows: list[dict[str, Any]], texts: dict[str, str], staged: Path) -> None:
    """Staged entity gold must meet the invariants `verify` checks (spans match the text, none
    across a block boundary, none repeated or overlapping): a release never ships gold it would fail."""
    if table != "entity_gold":
        return
    from curation.verify import spans_problems

    found = [f"{r['page_id']}: {p}" for r in rows if r["page_id"] in texts
             for p in spans_problems(texts[r["page_id"]], r["entities"])]
    if found:
        raise dataset.ReleaseError(f"{staged}: {len(found)} span problem(s), e.g. {found[0]}; "
                                   "fix the annotations, pull and adjudicate again")


def _raw_table(page_files: list[Path], parent_manifest: dict | None, split_of: dict[str, str], stage: Path,
               name: str, pages: dict[str, Any]) -> dict[str, Any]:
    """raw_pages: the parent's raw files listed as they are (when all their pages are still in
    the release), plus the bytes of pages no listed file holds."""
    files = []
    for f in rebase.raw_entries(parent_manifest) if parent_manifest else []:
        ids = pq.read_table(stage.parent.parent / f["path"], columns=["page_id"]).column("page_id").to_pylist()
        if all(i in pages and split_of[i] == f["split"] for i in ids):
            files.append(f)
    known = set()
    for f in files:
        known.update(pq.read_table(stage.parent.parent / f["path"], columns=["page_id"]).column("page_id").to_pylist())
    writers: dict[str, ShardWriter] = {}
    cols = schema.load("raw_pages").column_names
    for f in page_files:
        pf = pq.ParquetFile(f)
        for g in range(pf.num_row_groups):
            for r in pf.read_row_group(g, columns=["page_id", "source", "raw_format", "raw"]).to_pylist():
                if r["page_id"] in known or r["page_id"] not in split_of:
                    continue
                r["split"] = split_of[r["page_id"]]
                if r["split"] not in writers:
                    writers[r["split"]] = ShardWriter("raw_pages", stage / "raw_pages", r["split"])
                writers[r["split"]].write({c: r[c] for c in cols})
    for split, writer in writers.items():
        for shard in writer.close():
            files.append({"path": f"{name}/raw_pages/{shard['file'].name}", "split": split, "rows": shard["rows"],
                          "sha256": shard["sha256"], "bytes": shard["bytes"]})
    return {"rows": sum(f["rows"] for f in files), "files": files,
            "splits": {s: sum(f["rows"] for f in files if f["split"] == s) for s in dataset.SPLITS}}


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
    same_schema = parent_manifest is not None and parent_manifest.get("schema_versions", {}).get(table) == schema.load(table).version
    if parent_manifest and table in parent_manifest["tables"]:
        for f in parent_manifest["tables"][table]["files"]:
            cols = [c for c in schema.load(table).column_names if c != "raw"]
            for r in pq.read_table(root / f["path"], columns=cols).to_pylist():
                parent_rows.setdefault(f["split"], {})[tuple(r[k] for k in key_cols)] = row_digest(r)

    # First pass: which parent rows survive unchanged, per split.
    new_keys: dict[str, dict[tuple, str]] = {}
    for r in rows_fn():
        new_keys.setdefault(_split_of_row(table, r), {})[tuple(r[k] for k in key_cols)] = row_digest(r)
    reuse = {  # a parent file is listed again only when it has this table's current schema
        split: same_schema and all(new_keys.get(split, {}).get(k) == d for k, d in old.items())
        for split, old in parent_rows.items()
    }

    writers: dict[str, ShardWriter] = {}
    counts = Counter()
    for r in rows_fn():
        split = _split_of_row(table, r)
        key = tuple(r[k] for k in key_cols)
        if reuse.get(split) and key in parent_rows[split]:
            continue  # the parent's file already holds this row
        r = {k: v for k, v in r.items() if k != "raw"} if table == "pages" else r
        if split not in writers:
            writers[split] = ShardWriter(table, stage / table, split)
        writers[split].write(r)
        before = parent_rows.get(split, {}).get(key)
        if before is None:
            counts["added"] += 1
        elif before != new_keys[split][key]:  # rewritten beside a changed row is not a change
            counts["changed"] += 1

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
            if not (checkout / src["license_file"]).is_file():
                raise dataset.ReleaseError(f"source {src['name']!r}: licence file not found: {checkout / src['license_file']}")
            shutil.copyfile(checkout / src["license_file"], folder / f"{src['name']}-{src['license']}.txt")
