"""Ingest: read inputs, run the record steps, write pages (+ source gold) as Parquet — sharded.

The input is cut into deterministic shards (curation.shards); each shard runs the same steps on
an engine (curation.engines: local process pool or Ray) and writes its own files; then the global
exact-repeat step runs as map → bucket → reduce (curation.exact_repeats) and a merge writes the
final reports. Local and Ray runs, with any number of workers, give byte-identical tables.

Output folder layout (``--out DIR``):
    pages-sNNNNN-00000.parquet …            the ``pages`` table (split = "unassigned"), by shard
    boilerplate_gold-sNNNNN-00000.parquet … gold that came with the source (AEB, WCXB), if any
    quarantine.jsonl                        one {"path", "reason"} per rejected input
    notes.jsonl                             non-fatal findings (e.g. a contradicted charset)
    summary.json                            counts, the source, the normaliser version, shards
    _shards/sNNNNN/                         per-shard work (kept: a rerun skips finished shards)

Resuming: a shard whose ``_done`` marker matches its inputs' fingerprint is not run again, so
rerunning a killed ingest (even after kill -9) only runs the unfinished shards.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from curation import engines, exact_repeats, pipeline, shards
from curation.normalise import NORMALISER_VERSION
from curation.parquet_io import ROW_GROUP_ROWS
from curation.steps import INGEST_STEPS

TABLES = ("pages", "boilerplate_gold")
#: progress(shards finished, shards total, pages written so far)
Progress = Callable[[int, int, int], None]


def ingest(
    paths: list[str],
    source: str,
    out: Path,
    fmt: str = "auto",
    license: str | None = None,
    progress: Progress | None = None,
    page_type: str | None = None,
    engine: str | engines.Engine = "local",
    jobs: int | None = None,
    address: str | None = None,
    files_per_shard: int = shards.FILES_PER_SHARD,
    steps: Sequence[pipeline.Step] | None = None,
) -> dict[str, Any]:
    """Ingest ``paths`` into ``out``; returns the summary (also written to summary.json).

    ``steps`` are the record steps each shard runs, in order (default:
    ``curation.steps.INGEST_STEPS``: normalise, drop exact repeats, metadata, align gold); each
    takes and yields ``curation.pipeline.PageRecord``s. A shard finished with other steps is redone.

    ``engine`` is "local" (``jobs`` processes; 1 = in this process) or "ray" (``address``: None
    for a private local Ray, "auto" or "ray://HOST:PORT" for a cluster), or an Engine instance
    the caller owns (it is not closed here).
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    _remove_temp_files(out)
    plan, plan_rejects = shards.plan(paths, source, fmt, license, page_type, out, files_per_shard)
    _remove_stale_shards(out, plan)
    steps = list(INGEST_STEPS if steps is None else steps)
    names = shards.step_names(steps)
    done: dict[int, dict[str, Any]] = {}
    for shard in plan:
        marker = shards.read_done(shard)
        if marker is not None and marker.get("steps", names) == names:
            done[shard.index] = marker
    todo = [shard for shard in plan if shard.index not in done]
    owned = isinstance(engine, str)
    runner = engines.make_engine(engine, jobs, address) if isinstance(engine, str) else engine
    try:
        written = sum(d["pages"] for d in done.values())
        if progress:
            progress(len(done), len(plan), written)

        def on_shard(i: int, result: dict[str, Any]) -> None:
            nonlocal written
            done[todo[i].index] = result
            written += result["pages"]
            if progress:
                progress(len(done), len(plan), written)

        runner.map(shards.run_shard_with, [(shard, tuple(steps)) for shard in todo], on_shard)
        work_dirs = [shard.work_dir for shard in plan]
        repeats = [r for part in runner.map(exact_repeats.reduce_partition, exact_repeats.partitions(work_dirs)) for r in part]
    finally:
        if owned:
            runner.close()
    summary = _merge(out, plan, done, plan_rejects, repeats)
    summary.update(
        source=source, format=fmt, inputs=[str(p) for p in paths],
        shards={"total": len(plan), "ran": len(todo), "skipped": len(plan) - len(todo)},
        engine=runner.name,
    )  # fmt: skip
    shards.atomic_write_text(out / "summary.json", json.dumps(summary, indent=2) + "\n")
    return summary


def _merge(out: Path, plan: list[shards.Shard], done: dict[int, dict[str, Any]], plan_rejects: list[dict], repeats: list) -> dict[str, Any]:
    """Final files and reports: link each shard's tables into ``out`` (minus cross-shard repeats)."""
    drop: dict[int, dict[str, tuple[str, str]]] = {}
    for position, page_id, path, first_path in repeats:
        drop.setdefault(position, {})[page_id] = (path, first_path)
    quarantine = [r for r in plan_rejects if "note" not in r]
    notes, final = [r for r in plan_rejects if "note" in r], set()
    pages = gold = 0
    for position, shard in enumerate(plan):
        work, marker = Path(shard.work_dir), done[shard.index]
        quarantine.extend(_read_jsonl(work / "quarantine.jsonl"))
        notes.extend(_read_jsonl(work / "notes.jsonl"))
        dropped = drop.get(position, {})
        # Repeats in shard order of their page path, for a stable quarantine order.
        quarantine.extend({"path": p, "reason": exact_repeats.repeat_reason(pid, first)}
                          for pid, (p, first) in sorted(dropped.items(), key=lambda kv: kv[1][0]))
        for table in TABLES:
            for name in marker["files"][table]:
                rows = _place(work / name, out / name, set(dropped))
                if table == "pages":
                    pages += rows
                else:
                    gold += rows
                final.add(name)
    for table in TABLES:  # files of an earlier run over other inputs must not be read as ours
        for stale in out.glob(f"{table}-*.parquet"):
            if stale.name not in final:
                stale.unlink()
    shards.write_jsonl(out / "quarantine.jsonl", quarantine)
    shards.write_jsonl(out / "notes.jsonl", notes)
    return {
        "normaliser_version": NORMALISER_VERSION,
        "pages": pages,
        "gold": gold,
        "quarantined": len(quarantine),
        "notes": len(notes),
        "files": sorted(final),
    }


def _place(src: Path, dest: Path, drop_ids: set[str]) -> int:
    """Put a shard's file at its final name: a hard link (no copy), or a filtered rewrite when
    some of its pages repeat an earlier shard's. Returns the rows it holds."""
    tmp = dest.with_name(dest.name + f".tmp-{os.getpid()}")
    if not drop_ids:
        try:
            os.link(src, tmp)
        except OSError:  # another filesystem, or no hard links (some network storage)
            shutil.copyfile(src, tmp)
        os.replace(tmp, dest)
        return pq.ParquetFile(dest).metadata.num_rows
    import pyarrow as pa
    import pyarrow.compute as pc

    table = pq.read_table(src)
    keep = pc.invert(pc.is_in(table.column("page_id"), value_set=pa.array(sorted(drop_ids), pa.string())))
    table = table.filter(keep)
    pq.write_table(table, tmp, row_group_size=ROW_GROUP_ROWS, compression="zstd", compression_level=6)
    os.replace(tmp, dest)
    return table.num_rows


def _read_jsonl(path: Path) -> list[dict]:
    return shards.read_jsonl(path)


def _remove_temp_files(out: Path) -> None:
    """Temp files of a dead run (``*.tmp-<pid>``): never valid output, removed before starting.
    One ingest per output folder at a time (a second concurrent run would lose its temp files)."""
    for tmp in [*out.glob("*.tmp-*"), *out.glob(f"{shards.WORK}/*/*.tmp-*")]:
        tmp.unlink(missing_ok=True)


def _remove_stale_shards(out: Path, plan: list[shards.Shard]) -> None:
    """Shard folders beyond the current plan (an earlier run had more shards) are removed."""
    keep = {Path(s.work_dir).name for s in plan}
    work = out / shards.WORK
    if work.is_dir():
        for folder in work.iterdir():
            if folder.name not in keep:
                shutil.rmtree(folder, ignore_errors=True)
