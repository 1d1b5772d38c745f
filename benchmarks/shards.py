"""One shard of a sharded ``bench run``: one system over one slice of pages, shard in → shard out.

A run's pages are cut into *slices* of ``pages_per_shard`` pages in the run's page order; the
driver writes each slice once as an input file (``OUT/_shards/inputs/cNNNNN.parquet``: page record,
gold record and page metadata as JSON, the raw bytes as binary), so a shard reads only its own
pages, by path, wherever it runs. A shard is (one system, one slice); the plan depends only on the
pages, the systems and ``pages_per_shard`` — never on the engine or the number of workers.

``run_shard`` looks outputs up in the output cache (read only), runs the missing pages through a
``benchmarks.pool.WorkerPool`` (per-page timeout, crash and memory isolation, invalid outputs),
scores every page (``Task.stats_by_system``: per-page sufficient statistics) and writes
``OUT/_shards/sNNNNN/predictions.parquet``: the prediction rows (no run_id), each page's statistics
(``stat.*`` columns) and the new outputs for the cache (``cache_output``; the driver inserts them,
so the SQLite cache keeps a single writer). ``_done`` is written last, atomically, with the
shard's fingerprint; a shard whose ``_done`` carries the current fingerprint is never run again.
"""

from __future__ import annotations

import hashlib
import importlib
import itertools
import json
import os
import shutil
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

#: Bump when a shard writes something else for the same inputs (invalidates every `_done`).
HARNESS_VERSION = "1"
#: Pages per shard: a killed run loses at most one shard per worker; a few hundred pages amortise
#: a worker pool's start (one system's libraries) and keep the task count moderate.
PAGES_PER_SHARD = 200
WORK = "_shards"
DONE = "_done"
INPUT_ROW_GROUP = 32  # pages scored at a time
#: Pages whose raw HTML the driver holds at once while writing inputs (one input row group each):
#: a few, since one page can be 5 MB of HTML and its parse for gold-in-page several times that.
RAW_BATCH = 4
STAT = "stat."  # prefix of the per-page statistic columns of a shard's file
EXTRA_COLUMNS = ("cache_key", "cache_output")  # beside the prediction columns


@dataclass(frozen=True)
class BenchShard:
    """One unit of work: ``system`` over the pages of the input file ``input_path``. Picklable and
    small: a Ray task receives this and reads its pages itself."""

    index: int
    system: str
    version: str
    task: str
    input_path: str
    work_dir: str
    fingerprint: str
    n_pages: int
    timeout: float
    memory_mb: int | None
    modules: tuple[str, ...] = ()
    metrics: tuple[str, ...] | None = None
    cache: str | None = None  # the output cache folder (read only here)
    # memory bounds of the shard's own pool (Ray); they never change an output, so not in the fingerprint
    recycle_mb: float | None = None
    heavy_bytes: int | None = None

    @property
    def name(self) -> str:
        return f"s{self.index:05d}"

    @property
    def output(self) -> Path:
        return Path(self.work_dir) / "predictions.parquet"


def lean_arrow_memory() -> None:
    """Make Arrow give freed memory back to the system at once (jemalloc, no decay), where this
    pyarrow has jemalloc. Its default allocator keeps what a big row group of raw HTML needed, and
    the Python objects of the next shard cannot reuse it: the run's peak would be their sum."""
    try:
        pa.set_memory_pool(pa.jemalloc_memory_pool())
        pa.jemalloc_set_decay_ms(0)
    except (NotImplementedError, AttributeError, pa.ArrowException):
        pass


def digest(payload: Any) -> str:
    """A short stable hash of a JSON-able value."""
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()[:32]


def shard_fingerprint(task: str, system: str, version: str, input_fingerprint: str, metrics: Sequence[str] | None,
                      timeout: float, memory_mb: int | None, modules: Sequence[str]) -> str:
    """What a shard's file depends on: the task, the system and its version, its pages (the input
    slice's fingerprint: ids, texts, gold), the metric set, the isolation settings and the harness."""
    return digest({"v": HARNESS_VERSION, "task": task, "system": system, "version": version, "input": input_fingerprint,
                   "metrics": list(metrics) if metrics else None, "timeout": timeout, "memory_mb": memory_mb,
                   "modules": list(modules)})


def read_done(shard: BenchShard) -> dict[str, Any] | None:
    """The shard's `_done` record when it is finished for the current fingerprint, else None."""
    try:
        done = json.loads((Path(shard.work_dir) / DONE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return done if done.get("fingerprint") == shard.fingerprint and shard.output.exists() else None


# -- input slices ------------------------------------------------------------------------------------

INPUT_SCHEMA = pa.schema([("page_id", pa.string()), ("page", pa.string()), ("gold", pa.string()), ("meta", pa.string()),
                          ("raw", pa.binary())])


class InputWriter:
    """Writes one slice's input file a row group at a time (temp name, renamed on ``close``), so
    the driver holds the raw bytes of ``RAW_BATCH`` pages at most."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = path.with_name(path.name + f".tmp-{os.getpid()}")
        self.writer = pq.ParquetWriter(self.tmp, INPUT_SCHEMA, compression="zstd")

    def write(self, pages: Sequence[dict[str, Any]], golds: Sequence[dict[str, Any]],
              metas: Sequence[dict[str, Any]]) -> None:
        """Pages with their raw bytes (``raw``), their gold and metadata: one row group."""
        raws = [p.get("raw") for p in pages]
        self.writer.write_table(pa.table({
            "page_id": [p["page_id"] for p in pages],
            "page": [json.dumps({k: v for k, v in p.items() if k != "raw"}, ensure_ascii=False, default=str) for p in pages],
            "gold": [json.dumps(g, ensure_ascii=False, default=str) for g in golds],
            "meta": [json.dumps(m, ensure_ascii=False) for m in metas],
            "raw": [r.encode("utf-8") if isinstance(r, str) else r for r in raws],
        }, schema=INPUT_SCHEMA))

    def close(self) -> None:
        self.writer.close()
        os.replace(self.tmp, self.path)


def iter_raw(path: str | Path) -> Iterator[bytes | None]:
    """The raw bytes of a slice's pages in order, read one small row group at a time."""
    parquet = pq.ParquetFile(path)
    for group in range(parquet.num_row_groups):
        yield from parquet.read_row_group(group, columns=["raw"]).column("raw").to_pylist()


def read_input(path: str | Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Pages (without raw bytes: ``iter_raw``) and gold of a slice's input file."""
    table = pq.read_table(path, columns=["page", "gold"])
    pages = [json.loads(p) for p in table.column("page").to_pylist()]
    golds = [json.loads(g) for g in table.column("gold").to_pylist()]
    return pages, golds


# -- running one shard ---------------------------------------------------------------------------------


def _cache_hits(cache: str | None, system: str, version: str, keys: list[str]) -> dict[str, tuple]:
    """Cached outputs of ``system`` for ``keys``, read only (the driver is the cache's only writer)."""
    from benchmarks.runner import OutputCache

    store = OutputCache(Path(cache) if cache is not None else None, read_only=True)
    try:
        return store.get(system, version, keys)
    finally:
        store.close()


def run_shard(shard: BenchShard, workers: int = 1, pool: Any = None,
              progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Run one shard into its folder and return its `_done` record.

    ``pool``: a running ``WorkerPool`` to use (the local engine keeps one per system across that
    system's shards); otherwise one of ``workers`` workers is started for the shard when any page
    is not in the cache. ``progress(n)`` is called as pages finish. Idempotent: a dead attempt's
    folder is removed first, and `_done` is written last.
    """
    import time

    from benchmarks.pool import Job, WorkerPool, output_problem
    from benchmarks.runner import _job_page, cache_key, prediction_row
    from benchmarks.systems import HTML, REGISTRY
    from benchmarks.tasks import get_task

    lean_arrow_memory()
    for module in shard.modules:  # systems registered by plug-in modules (tests' fault systems)
        importlib.import_module(module)
    task = get_task(shard.task)
    system = REGISTRY[shard.system]
    if system.version != shard.version:
        raise RuntimeError(f"{shard.system} is version {system.version} here but {shard.version} where the run was "
                           "planned: install the same software on every node")
    work = Path(shard.work_dir)
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    parent_cpu0 = time.process_time()
    pages, golds = read_input(shard.input_path)
    keys = [cache_key(p) for p in pages]
    hits = _cache_hits(shard.cache, shard.system, shard.version, keys) if system.cacheable else {}
    outcomes: dict[int, tuple] = {}
    todo = []
    for i, key in enumerate(keys):
        hit = hits.get(key)
        if hit is not None and output_problem(system.task, hit[1]) is None:
            outcomes[i] = (*hit, True)
        else:
            todo.append(i)
    if progress and outcomes:
        progress(len(outcomes))
    worker_cpu, recycled = 0.0, 0
    if todo:
        wanted = set(todo)

        def due() -> Iterator[Job]:
            """Jobs in page order, each page joined with its raw bytes only while its job is made."""
            raws = iter_raw(shard.input_path) if HTML in system.needs else itertools.repeat(None)
            for i, raw in zip(range(len(pages)), raws):
                if i in wanted:
                    yield Job(i, shard.system, _job_page(pages[i] | {"raw": raw}, golds[i], system), len(raw or b""))

        jobs = due()
        own = pool is None
        if own:
            pool = WorkerPool(workers=workers, timeout=shard.timeout, memory_mb=shard.memory_mb, modules=shard.modules,
                              recycle_mb=shard.recycle_mb, heavy_bytes=shard.heavy_bytes)
            pool.__enter__()
        cpu0, recycled0 = pool.worker_cpu, pool.recycled
        try:
            for out in pool.run(jobs):
                outcomes[out.key] = (out.status, out.output, out.error, out.seconds, False)
                if progress:
                    progress(1)
            worker_cpu = pool.worker_cpu - cpu0
            recycled = pool.recycled - recycled0
        finally:
            if own:
                pool.__exit__(None, None, None)
    scored = [o[1] if o[0] == "ok" else task.empty_output() for o in (outcomes[i] for i in range(len(pages)))]
    stats = score(task, shard.system, pages, golds, scored, shard.metrics)
    rows = []
    for i, page in enumerate(pages):
        status, output, *_, cached = outcomes[i]
        fresh = status == "ok" and not cached and system.cacheable
        rows.append({**prediction_row(task, shard.system, shard.version, page, outcomes[i]),
                     "cache_key": keys[i], "cache_output": json.dumps(output) if fresh else None})
    write_output(shard.output, rows, stats)
    done = {
        "shard": shard.index, "system": shard.system, "fingerprint": shard.fingerprint, "pages": len(pages),
        "ran": len(todo), "cached": len(pages) - len(todo),
        "failed": sum(1 for r in rows if r["status"] != "ok"),
        "system_cpu": float(sum(o[3] or 0.0 for o in outcomes.values())), "worker_cpu": worker_cpu,
        "shard_cpu": time.process_time() - parent_cpu0, "pid": os.getpid(), "recycled": recycled,
    }
    from curation.shards import atomic_write_text

    atomic_write_text(work / DONE, json.dumps(done, indent=1) + "\n")
    return done


def score(task: Any, system: str, pages: Sequence[dict[str, Any]], golds: Sequence[dict[str, Any]],
          outputs: Sequence[Any], metrics: Sequence[str] | None) -> dict[str, np.ndarray]:
    """Per-page statistics of one system's outputs, ``INPUT_ROW_GROUP`` pages at a time: the
    statistics of a page do not depend on the others, and the scorers' working memory stays small."""
    from benchmarks.metrics import blocks

    parts = []
    for start in range(0, len(pages), INPUT_ROW_GROUP):
        end = start + INPUT_ROW_GROUP
        parts.append(task.stats_by_system(pages[start:end], golds[start:end], {system: list(outputs[start:end])},
                                          metrics)[system])
        # The block metric keeps the last pages' token profiles for the next system on the same
        # page; a shard scores one system, and the next shard of this slice comes much later.
        getattr(blocks, "_PAGE_CACHE", {}).clear()
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]} if parts else {}


def run_shard_task(shard: BenchShard) -> dict[str, Any]:
    """``run_shard`` with one worker: what an engine maps over shards (one Ray task per shard)."""
    return run_shard(shard, workers=1)


def prediction_schema() -> pa.Schema:
    """The predictions table's schema without ``run_id`` (added at the merge)."""
    from curation import schema

    arrow = schema.load("predictions").arrow
    return pa.schema([f for f in arrow if f.name != "run_id"])


def write_output(path: Path, rows: list[dict[str, Any]], stats: dict[str, np.ndarray]) -> None:
    """A shard's file: prediction columns, cache columns, one float column per page statistic."""
    fields = list(prediction_schema()) + [pa.field("cache_key", pa.string()), pa.field("cache_output", pa.string())]
    columns: dict[str, Any] = {f.name: pa.array([r.get(f.name) for r in rows], type=f.type) for f in fields}
    for key, values in stats.items():
        columns[STAT + key] = pa.array(np.asarray(values, dtype=float), type=pa.float64())
    tmp = path.with_name(path.name + f".tmp-{os.getpid()}")
    pq.write_table(pa.table(columns), tmp, compression="zstd")
    os.replace(tmp, path)
