"""``bench run`` as deterministic shards on a local pool or Ray, predictions streamed to disk.

The driver (this module) never holds all pages, outputs or predictions:

1. **Inputs** (``benchmarks.shard_inputs``). The pages (a release, a corpus read in place, an ingest folder) are streamed in the
   run's page order and cut into slices of ``pages_per_shard``; each slice is written once to
   ``OUT/_shards/inputs/cNNNNN.parquet`` with its raw bytes, gold and page metadata (breakdown
   groups, gold-in-page coverage), beside a ``cNNNNN.json`` marker holding the slice's
   fingerprint and metadata. A slice whose marker matches is not read or written again.
2. **Shards.** One shard per (system, slice), system-major (``benchmarks.shards``). The local
   engine runs them one at a time in this process, one ``WorkerPool(jobs)`` per system (its
   libraries only); the Ray engine runs one Ray task per shard with a one-worker pool inside. A
   shard whose `_done` matches its fingerprint is skipped; the driver inserts each finished
   shard's new outputs into the output cache (its only writer).
3. **Merge.** ``predictions.parquet`` is written one row group per shard, in plan order, with the
   run id added; the per-page statistics (small numeric arrays) give ``results.parquet``,
   ``page_stats.parquet`` and ``run.json`` exactly as an in-memory run would.

The result depends on the pages, the systems and ``pages_per_shard`` only: both engines give
byte-identical ``results.parquet`` and leaderboards for the same run id. A run's id is kept in
``OUT/_shards/run.json`` so that rerunning the same command after a kill resumes the same run.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks import shards as S
from benchmarks.runner import RunResult
from benchmarks.shard_inputs import PageSource, Slice, prepare_inputs_apart


def _slug(system: str) -> str:
    """A folder name for a system's shards (names hold ':', '/', '+'), unique by a hash suffix."""
    return re.sub(r"[^A-Za-z0-9._+-]", "_", system)[:60] + "-" + S.digest(system)[:8]


def plan(task: Any, systems: Sequence[str], versions: Mapping[str, str], slices: Sequence[Slice], work: Path, *,
         timeout: float, memory_mb: int | None, modules: Sequence[str] = (), metrics: Sequence[str] | None = None,
         cache: Path | None = None, recycle_mb: float | None = None, heavy_bytes: int | None = None) -> list[S.BenchShard]:
    """One shard per (system, slice), system-major: the same list on every engine."""
    out = []
    for name in systems:
        for sl in slices:
            fingerprint = S.shard_fingerprint(task.name, name, versions[name], sl.fingerprint, metrics, timeout,
                                              memory_mb, modules)
            out.append(S.BenchShard(
                index=len(out), system=name, version=versions[name], task=task.name, input_path=sl.path,
                work_dir=str((work / _slug(name) / f"c{sl.index:05d}").resolve()), fingerprint=fingerprint,
                n_pages=sl.n_pages, timeout=timeout, memory_mb=memory_mb, modules=tuple(modules),
                metrics=tuple(metrics) if metrics else None, cache=str(cache.resolve()) if cache else None,
                recycle_mb=recycle_mb, heavy_bytes=heavy_bytes))
    return out


def new_run_id() -> str:
    """A fresh run id: UTC time and a random suffix."""
    return _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]


def _run_id(work: Path, given: str | None) -> str:
    """The run id: the one given, else the unfinished (or finished) run's in this folder, else new."""
    state = work / "run.json"
    if given is None:
        try:
            given = json.loads(state.read_text(encoding="utf-8"))["run_id"]
        except (OSError, ValueError, KeyError):
            given = new_run_id()
    from curation.shards import atomic_write_text

    atomic_write_text(state, json.dumps({"run_id": given}) + "\n")
    return given


def _store_outputs(store: Any, shard: S.BenchShard) -> None:
    """Insert a finished shard's new outputs into the cache (the driver is its only writer)."""
    import pyarrow.parquet as pq

    table = pq.read_table(shard.output, columns=["cache_key", "cache_output", "status", "seconds"])
    for key, output, status, seconds in zip(*(table.column(c).to_pylist() for c in table.column_names)):
        if output is not None:
            store.put(shard.system, shard.version, key, status, json.loads(output), None, seconds)
    store.commit()


def run_sharded(task: Any, systems: Sequence[str], source: PageSource, out: Path, *, engine: str = "local",
                jobs: int = 1, address: str | None = None, pages_per_shard: int = S.PAGES_PER_SHARD,
                timeout: float = 60.0, memory_mb: int | None = 4096, cache: Path | None = None,
                modules: Sequence[str] = (), metrics: Sequence[str] | None = None, run_id: str | None = None,
                progress: Callable[[int, int], None] | None = None, recycle_mb: float | None = None,
                heavy_bytes: int | None = None) -> tuple[RunResult, dict[str, Any]]:
    """Run ``systems`` over ``source`` in shards on ``engine``; write ``out/predictions.parquet``.

    ``recycle_mb`` and ``heavy_bytes`` bound the workers' memory (``benchmarks.pool.WorkerPool``:
    a worker over ``recycle_mb`` after a page is replaced; pages of ``heavy_bytes`` or more of HTML
    run one at a time); they change no result.

    Returns the run (per-page statistics, page metadata, failures, timing; no predictions in
    memory) and run.json's extra keys (engine, shard counts). Write the rest with
    ``runner.write_summary``.
    """
    from benchmarks.pool import WorkerPool
    from benchmarks.runner import OutputCache
    from benchmarks.systems import REGISTRY

    if pages_per_shard < 1:
        raise ValueError("pages_per_shard must be at least 1")
    S.lean_arrow_memory()
    for module in modules:
        __import__(module)
    out = Path(out)
    work = out / S.WORK
    work.mkdir(parents=True, exist_ok=True)
    run_id = _run_id(work, run_id)
    t0, parent_cpu0 = time.perf_counter(), time.process_time()
    slices, metas = prepare_inputs_apart(source, work, pages_per_shard)
    if not slices:
        raise ValueError(f"no pages with gold in {source.label}")
    versions = {name: REGISTRY[name].version for name in systems}
    shards = plan(task, systems, versions, slices, work, timeout=timeout, memory_mb=memory_mb, modules=modules,
                  metrics=metrics, cache=cache, recycle_mb=recycle_mb, heavy_bytes=heavy_bytes)
    done: dict[int, dict[str, Any]] = {}
    for shard in shards:
        record = S.read_done(shard)
        if record is not None:
            done[shard.index] = record
    pending = [s for s in shards if s.index not in done]
    skipped = len(done)
    total = len(systems) * len(metas)
    finished = sum(s.n_pages for s in shards if s.index in done)
    if progress:
        progress(finished, total)
    store = OutputCache(cache)
    t1 = time.perf_counter()

    def tick(n: int) -> None:
        nonlocal finished
        finished += n
        if progress:
            progress(finished, total)

    def on_done(shard: S.BenchShard, record: dict[str, Any]) -> None:
        done[shard.index] = record
        _store_outputs(store, shard)

    if pending and engine == "local":
        pool, pool_system = None, None
        try:
            for shard in pending:
                if pool is not None and pool_system != shard.system:  # one system's libraries at a time
                    pool.__exit__(None, None, None)
                    pool = None
                if pool is None:
                    pool = WorkerPool(workers=jobs, timeout=timeout, memory_mb=memory_mb, modules=modules,
                                      recycle_mb=recycle_mb, heavy_bytes=heavy_bytes).__enter__()
                    pool_system = shard.system
                on_done(shard, S.run_shard(shard, pool=pool, progress=tick))
        finally:
            if pool is not None:
                pool.__exit__(None, None, None)
    elif pending:
        from curation.engines import make_engine

        runner = make_engine(engine, jobs, address)
        try:
            def on_result(i: int, record: dict[str, Any]) -> None:
                on_done(pending[i], record)
                tick(pending[i].n_pages)

            runner.map(S.run_shard_task, pending, on_result)
        finally:
            runner.close()
    t2 = time.perf_counter()
    result = RunResult(run_id=run_id, task=task.name, dataset_version=source.label, pages=metas, versions=versions)
    seconds = merge(result, shards, out / "predictions.parquet")
    ran = [done[s.index] for s in pending]
    result.timing = {
        "systems_wall": t2 - t1, "inputs": t1 - t0, "merge": time.perf_counter() - t2, "jobs": jobs,
        "n_run": sum(r["ran"] for r in ran), "system_cpu": sum(r["system_cpu"] for r in ran),
        "worker_cpu": sum(r["worker_cpu"] for r in ran), "parent_cpu": time.process_time() - parent_cpu0,
        "workers_recycled": sum(r.get("recycled", 0) for r in ran),
    }
    extra = {"engine": engine, "pages_per_shard": pages_per_shard,
             "shards": {"total": len(shards), "ran": len(pending), "skipped": skipped}}
    return result, {"median_seconds": seconds, "extra": extra}


def merge(result: RunResult, shards: Sequence[S.BenchShard], predictions: Path) -> dict[str, float]:
    """Stream the shards' files into ``predictions`` (one row group per shard, plan order) and fill
    ``result``'s statistics and failures; returns each system's median seconds per page."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from curation import schema

    target = schema.load("predictions").arrow_with_hf_metadata()
    names = [f.name for f in S.prediction_schema()]
    per_system: dict[str, list[dict[str, np.ndarray]]] = {}
    seconds: dict[str, list[np.ndarray]] = {}
    tmp = predictions.with_name(predictions.name + ".tmp")
    with pq.ParquetWriter(tmp, target) as writer:
        for shard in shards:
            parquet = pq.ParquetFile(shard.output)
            stat_cols = [c for c in parquet.schema_arrow.names if c.startswith(S.STAT)]
            table = parquet.read(columns=names)
            run_ids = pa.array([result.run_id] * table.num_rows, type=pa.string())
            writer.write_table(table.add_column(0, target.field("run_id"), run_ids).cast(target))
            stats = parquet.read(columns=stat_cols)
            per_system.setdefault(shard.system, []).append(
                {c[len(S.STAT):]: stats.column(c).to_numpy() for c in stat_cols})
            seconds.setdefault(shard.system, []).append(np.nan_to_num(table.column("seconds").to_numpy(zero_copy_only=False)))
            status = table.column("status").to_pylist()
            if any(s != "ok" for s in status):
                ids, errors = table.column("page_id").to_pylist(), table.column("error").to_pylist()
                result.failures.extend({"system": shard.system, "page_id": p, "status": s, "error": e}
                                       for p, s, e in zip(ids, status, errors) if s != "ok")
    tmp.replace(predictions)
    for name, parts in per_system.items():
        result.stats[name] = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    return {k: float(np.median(np.concatenate(v))) for k, v in seconds.items()}
