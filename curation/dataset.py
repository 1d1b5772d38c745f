"""Read released tables: the one way code (benchmarks, Label Studio bridge, tests) reaches data/.

A release is ``data/vX.Y.Z/manifest.json`` plus Parquet files. The manifest lists, for every
table, its files (paths relative to ``data/``, each with its split, sha256 and row count). A
later release lists unchanged files of its parent instead of copying them.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from curation import schema

VERSION_RE = re.compile(r"^v?(\d+)\.(\d+)\.(\d+)$")
SPLITS = ("train", "dev", "test")


class ReleaseError(RuntimeError):
    """A release is missing, malformed or fails its checks."""


def data_dir() -> Path:
    """``$PAGEGOLD_DATA_DIR`` if set, else the ``data/`` folder of this checkout."""
    env = os.environ.get("PAGEGOLD_DATA_DIR")
    return Path(env) if env else Path(__file__).resolve().parent.parent / "data"


def parse_version(version: str) -> tuple[int, int, int]:
    match = VERSION_RE.match(version.strip())
    if not match:
        raise ReleaseError(f"{version!r} is not a release version (expected MAJOR.MINOR.PATCH, e.g. 1.0.0)")
    return tuple(int(x) for x in match.groups())  # type: ignore[return-value]


def version_name(version: str) -> str:
    """Canonical folder name, ``v1.0.0``, for ``1.0.0`` or ``v1.0.0``."""
    return "v{}.{}.{}".format(*parse_version(version))


def list_versions(root: Path | None = None) -> list[str]:
    """Released versions (folders with a manifest), oldest first."""
    root = root or data_dir()
    if not root.is_dir():
        return []
    found = [p.name for p in root.iterdir() if VERSION_RE.match(p.name) and (p / "manifest.json").is_file()]
    return sorted(found, key=parse_version)


def latest_version(root: Path | None = None) -> str:
    versions = list_versions(root)
    if not versions:
        raise ReleaseError(f"no release found under {root or data_dir()} (build one with `pagegold release 1.0.0`)")
    return versions[-1]


def read_manifest(version: str | None = None, root: Path | None = None) -> dict[str, Any]:
    root = root or data_dir()
    name = version_name(version) if version else latest_version(root)
    path = root / name / "manifest.json"
    if not path.is_file():
        raise ReleaseError(f"release {name} not found: {path} does not exist (known: {', '.join(list_versions(root)) or 'none'})")
    return json.loads(path.read_text(encoding="utf-8"))


def table_files(manifest: dict[str, Any], table: str, split: str | None = None) -> list[dict[str, Any]]:
    entry = manifest["tables"].get(table)
    if entry is None:
        return []
    return [f for f in entry["files"] if split is None or f["split"] == split]


def read_table(
    table: str,
    version: str | None = None,
    split: str | None = None,
    columns: list[str] | None = None,
    root: Path | None = None,
) -> pa.Table:
    """Read one released table (all splits unless ``split`` is given) as an Arrow table."""
    root = root or data_dir()
    manifest = read_manifest(version, root)
    if split is not None and split not in SPLITS:
        raise ReleaseError(f"unknown split {split!r} (expected one of {', '.join(SPLITS)})")
    files = table_files(manifest, table, split)
    spec = schema.load(table, manifest.get("schema_versions", {}).get(table))
    if not files:
        arrow = spec.arrow if columns is None else pa.schema([spec.arrow.field(c) for c in columns])
        return arrow.empty_table()
    parts = [pq.read_table(root / f["path"], columns=columns or f.get("columns")) for f in files]
    return pa.concat_tables([p.replace_schema_metadata(None) for p in parts])


def file_columns(entry: dict[str, Any], columns: list[str] | None) -> list[str] | None:
    """Columns to read from one manifest file entry: a file shared with another table (e.g. a
    schema-1.0 ``pages`` file listed under ``raw_pages``) is read through its entry's projection."""
    return columns or entry.get("columns")


def iter_pages(
    version: str | None = None,
    split: str | None = None,
    source: str | None = None,
    ids: Iterable[str] | None = None,
    columns: list[str] | None = None,
    root: Path | None = None,
) -> Iterator[dict[str, Any]]:
    """Yield page records (dicts with the ``pages`` columns) of a release, filtered as asked.

    Reads one Parquet row group at a time, so memory stays flat however large the release.
    """
    root = root or data_dir()
    manifest = read_manifest(version, root)
    wanted = set(ids) if ids is not None else None
    if columns is not None and "raw" in columns and "raw_pages" in manifest["tables"]:
        yield from _iter_with_raw(manifest, split, source, wanted, columns, root)
        return
    names = schema.load("pages", manifest.get("schema_versions", {}).get("pages")).column_names
    read_cols = None if columns is None else sorted(set(columns) | {"page_id", "source"}, key=names.index)
    for f in table_files(manifest, "pages", split):
        parquet = pq.ParquetFile(root / f["path"])
        for group in range(parquet.num_row_groups):
            if wanted is not None:  # look at the ids first: most row groups hold none of a few wanted pages
                keys = parquet.read_row_group(group, columns=["page_id"]).column("page_id")
                mask = pc.is_in(keys, value_set=pa.array(sorted(wanted), type=keys.type))
                if not pc.any(mask).as_py():
                    continue
                rows = parquet.read_row_group(group, columns=read_cols).filter(mask).to_pylist()
            else:
                rows = parquet.read_row_group(group, columns=read_cols).to_pylist()
            for row in rows:
                if source is not None and row["source"] != source:
                    continue
                if wanted is not None and row["page_id"] not in wanted:
                    continue
                yield row


#: Raw pages decoded at a time when streaming a release's HTML: a few pages, not a row group.
RAW_BATCH_ROWS = 4


def _iter_with_raw(manifest: dict[str, Any], split: str | None, source: str | None, wanted: set[str] | None,
                   columns: list[str], root: Path) -> Iterator[dict[str, Any]]:
    """Pages with their ``raw`` bytes joined from ``raw_pages`` (releases from 2.0.0 on), streamed
    ``RAW_BATCH_ROWS`` raw pages at a time (a raw row group can hold ~50 MB of HTML); the other page
    columns (small) are held in memory."""
    other = [c for c in columns if c != "raw"]
    meta = {}
    for row in iter_pages(manifest["version"], split, source, wanted, other, root):
        meta[row["page_id"]] = row
    for f in table_files(manifest, "raw_pages", split):
        parquet = pq.ParquetFile(root / f["path"])
        for batch in parquet.iter_batches(batch_size=RAW_BATCH_ROWS, columns=["page_id", "raw"]):
            for row in batch.to_pylist():
                page = meta.get(row["page_id"])
                if page is not None:
                    yield {**page, "raw": row["raw"]}


def boilerplate_gold_by_page(
    version: str | None = None, split: str | None = None, prefer: str = "source", root: Path | None = None
) -> dict[str, dict[str, Any]]:
    """One boilerplate_gold row per page. A page can have two: its source's gold (``aeb:…``,
    ``wcxb:…``) and annotated zones (``labelstudio:…``). ``prefer="source"`` keeps the source's
    (comparable with the published benchmarks); ``prefer="annotation"`` keeps the annotated zones
    (what entity gold is drawn inside)."""
    if prefer not in ("source", "annotation"):
        raise ValueError(f"prefer must be 'source' or 'annotation', not {prefer!r}")
    rows = read_table("boilerplate_gold", version, split, root=root).to_pylist()
    if prefer == "annotation":  # from 2.0.0 on, annotated zones are their own table
        rows += read_table("zone_gold", version, split, root=root).to_pylist()

    def rank(row: dict[str, Any]) -> int:
        annotated = str(row["origin"]).startswith("labelstudio")
        return int(annotated) if prefer == "annotation" else int(not annotated)

    out: dict[str, dict[str, Any]] = {}
    for row in sorted(rows, key=lambda r: (rank(r), r["origin"])):
        out[row["page_id"]] = row  # the highest-ranked row is written last and wins
    return out
