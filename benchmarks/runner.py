"""Run systems over pages in isolated parallel workers, cache their outputs, score them.

``run(task, systems, pages, gold, …)`` is the whole benchmark: outputs come from the cache when
(system, system version, page) was seen before (``cache_key``) — so an interrupted run resumes
where it stopped — and from ``benchmarks.pool.WorkerPool`` otherwise. A failed page (error,
timeout, crash) is recorded with its status and scored as the task's empty output. Scores are
per-page sufficient statistics (``Task.page_stats``); ``results_rows`` aggregates them overall and
per breakdown with seeded bootstrap intervals.
"""

from __future__ import annotations

import datetime as _dt
import functools
import json
import os
import re
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks import gold_in_page, stats
from benchmarks.pool import Job, WorkerPool, output_problem
from benchmarks.systems import GOLD_TEXT, GOLD_ZONES, HTML, REGISTRY
from benchmarks.systems.boilerplate import GOLD_KEY

BREAKDOWNS = ("source", "page_type", "domain", "language", "complexity", "gold_in_page")
MIN_PAGES_FOR_INTERVAL = 10  # smaller breakdown groups get a point estimate without an interval
RAW_COLUMNS = ["page_id", "raw", "raw_format", "encoding"]  # read page by page when jobs are due
PAGE_COLUMNS = ["page_id", "source", "source_id", "url", "domain", "page_type", "language", "text", "blocks",
                "text_sha256", "split"]
_WORD = re.compile(r"\w+")


def cache_dir() -> Path:
    return Path(os.environ.get("PAGEGOLD_CACHE", ".cache/pagegold"))


def cache_key(page: dict[str, Any]) -> str:
    """What a system's output depends on: the raw bytes (``page_id`` is their hash) and the
    normalised text (``text_sha256``; text-input systems read it). Keying by the text alone would
    hand one page's output to another whose HTML differs but whose visible text is the same (all
    pages that show no text without JavaScript share one)."""
    return f"{page['page_id']}/{page['text_sha256']}"


class OutputCache:
    """System outputs keyed by (system, version, ``cache_key``) in one SQLite file.

    Only successful outputs (``ok``, checked by ``pool.output_problem``) are cached: an error,
    timeout or crash may come from the
    harness or the machine rather than the system (a pipeline unknown to a worker, a full disk),
    so the next run retries it. Only the parent process writes, so there is no locking to get wrong.
    """

    def __init__(self, path: Path | None, read_only: bool = False) -> None:
        """``read_only``: open an existing cache without creating or changing it (a shard task reads
        the cache while the driver, its only writer, adds to it); a missing file is an empty cache."""
        self.db = None
        if path is not None and read_only:
            if (path / "outputs.sqlite").exists():
                self.db = sqlite3.connect(f"file:{path / 'outputs.sqlite'}?mode=ro", uri=True, timeout=60)
        elif path is not None:
            path.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(path / "outputs.sqlite")
            # outputs_v2: keyed by cache_key; the first table, keyed by text_sha256 alone, is ignored
            self.db.execute(
                "CREATE TABLE IF NOT EXISTS outputs_v2 (system TEXT, version TEXT, input_key TEXT, status TEXT,"
                " output TEXT, error TEXT, seconds REAL, PRIMARY KEY (system, version, input_key))"
            )

    def get(self, system: str, version: str, keys: Sequence[str]) -> dict[str, tuple]:
        if self.db is None:
            return {}
        found = {}
        try:
            for start in range(0, len(keys), 500):
                chunk = list(keys[start : start + 500])
                q = ("SELECT input_key, status, output, error, seconds FROM outputs_v2 "
                     f"WHERE system=? AND version=? AND input_key IN ({','.join('?' * len(chunk))})")
                for key, status, output, error, seconds in self.db.execute(q, [system, version, *chunk]):
                    found[key] = (status, json.loads(output), error, seconds)
        except sqlite3.OperationalError:  # read-only, on a cache made before outputs_v2: nothing to reuse
            return {}
        return found

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None

    def put(self, system: str, version: str, key: str, status: str, output: Any, error: str | None, seconds: float) -> None:
        if self.db is None or status != "ok":
            return
        self.db.execute("INSERT OR REPLACE INTO outputs_v2 VALUES (?,?,?,?,?,?,?)", (system, version, key, status, json.dumps(output), error, seconds))

    def commit(self) -> None:
        if self.db is not None:
            self.db.commit()


@dataclass
class RunResult:
    run_id: str
    task: str
    dataset_version: str
    pages: list[dict[str, Any]]  # page metadata (no raw bytes) in scoring order
    predictions: list[dict[str, Any]] = field(default_factory=list)
    stats: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)  # system → per-page stats
    versions: dict[str, str] = field(default_factory=dict)
    failures: list[dict[str, Any]] = field(default_factory=list)
    timing: dict[str, float] = field(default_factory=dict)


def complexity(page_text: str, gold_text: str) -> str:
    """Page complexity bucket from the share of the page's words that are main content.

    Bevendorff et al. 2023 split pages by complexity; PageGold uses the main-content ratio
    (gold words / page words): ``low`` ≥ 0.5, ``medium`` 0.2–0.5, ``high`` < 0.2 (mostly boilerplate).
    """
    page_words = len(_WORD.findall(page_text or ""))
    ratio = len(_WORD.findall(gold_text or "")) / page_words if page_words else 1.0
    return "low" if ratio >= 0.5 else ("medium" if ratio >= 0.2 else "high")


def _page_meta(page: dict[str, Any], gold: dict[str, Any]) -> dict[str, Any]:
    """What a run keeps of a page: identity, breakdown groups, and how much of its gold it holds."""
    meta = {k: page.get(k) for k in ("page_id", "source", "source_id", "domain", "page_type", "language", "text_sha256",
                                     "split")}
    coverage = gold_in_page.coverage(page, gold.get("main_text"))
    return meta | {
        "complexity": complexity(page["text"], gold.get("main_text") or ""),
        "gold_coverage": None if coverage is None else round(coverage, 4),
        "gold_in_page": gold_in_page.bucket(coverage),
    }


def prediction_row(task: Any, system: str, version: str, page: dict[str, Any], outcome: tuple) -> dict[str, Any]:
    """A ``predictions`` row (without ``run_id``) for ``system`` on ``page``; ``outcome`` is
    (status, output, error, seconds, …) and a failed page's output is written as none."""
    status, output, error, seconds = outcome[:4]
    return {
        "task": task.name, "system": system, "system_version": version, "input": task.input,
        "page_id": page["page_id"], "source_id": page.get("source_id"), "text_sha256": page["text_sha256"],
        **task.prediction_fields(output if status == "ok" else None),
        "status": status, "error": error, "seconds": seconds,
    }


def _job_page(page: dict[str, Any], gold: dict[str, Any], system: Any) -> dict[str, Any]:
    """What ``system`` reads of a page: identity, url and text always, and what its ``needs`` ask for
    (the raw bytes and codec, the gold main text, the gold zones)."""
    out = {k: page.get(k) for k in ("page_id", "source_id", "url", "text", "text_sha256")}
    needs = system.needs
    if HTML in needs:
        out.update(raw=page.get("raw"), encoding=page.get("encoding"))
    if GOLD_TEXT in needs:
        out[GOLD_KEY] = gold.get("main_text") or ""
    if GOLD_ZONES in needs:  # e.g. an entity system on the gold main zones: input (a), exact offsets
        out["blocks"] = page.get("blocks")
        out["gold"] = {k: gold.get(k) for k in ("main_spans", "main_blocks", "main_text")}
    return out


@dataclass
class ReleaseData:
    """What a run reads of a release: its name, the pages with gold (no raw bytes), the gold by
    page_id, and a callable that streams the raw records (``run(raw_pages=…)``)."""

    version: str
    pages: list[dict[str, Any]]
    gold: dict[str, dict[str, Any]]
    raw_pages: Callable[[], Iterable[dict[str, Any]]]


def load_release(task: Any, version: str | None = None, split: str | None = None, source: str | None = None,
                 root: Path | None = None) -> ReleaseData:
    """The pages of a release (default: the latest) that have ``task`` gold, their gold, and their raw
    records as a stream. Raises ``curation.dataset.ReleaseError`` for a missing release and
    ValueError when no page has gold."""
    from curation import dataset

    version = dataset.version_name(version) if version else dataset.latest_version(root)
    gold = task.load_gold(version, split, source, root)
    pages = list(dataset.iter_pages(version, split, source, ids=list(gold), columns=PAGE_COLUMNS, root=root))
    if not pages:
        raise ValueError(f"no pages with {task.name} gold in release {version} (split={split}, source={source})")
    raw_pages = functools.partial(dataset.iter_pages, version, split, source, ids=list(gold), columns=RAW_COLUMNS, root=root)
    return ReleaseData(version, pages, gold, raw_pages)


def run(
    task: Any,
    systems: Sequence[str],
    pages: Sequence[dict[str, Any]],
    gold: dict[str, dict[str, Any]],
    *,
    dataset_version: str = "unknown",
    jobs: int = 1,
    timeout: float = 60.0,
    memory_mb: int | None = 4096,
    cache: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
    modules: Sequence[str] = (),
    metrics: Sequence[str] | None = None,
    raw_pages: Callable[[], Iterable[dict[str, Any]]] | None = None,
) -> RunResult:
    """Run ``systems`` on ``pages`` (those with gold), score, and return everything needed for tables.

    ``pages`` need not hold the raw HTML: give ``raw_pages``, a callable returning an iterable of
    ``{page_id, raw, raw_format, encoding}`` records, and each page's raw bytes are read when its
    jobs are due and dropped after, so memory does not grow with the release.
    """
    pages = [p for p in pages if p["page_id"] in gold]
    result = RunResult(
        run_id=_dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6],
        task=task.name, dataset_version=dataset_version,
        pages=[_page_meta(p, gold[p["page_id"]]) for p in pages],
    )
    store = OutputCache(cache)
    outcomes: dict[tuple[str, int], tuple] = {}
    todo: dict[int, list[str]] = {}  # page index → systems still to run on it
    keys = [cache_key(p) for p in pages]
    t0 = time.perf_counter()
    for name in systems:
        system = REGISTRY[name]
        version = system.version
        result.versions[name] = version
        hits = store.get(name, version, keys) if system.cacheable else {}
        for i in range(len(pages)):
            hit = hits.get(keys[i])
            if hit is not None and output_problem(system.task, hit[1]) is not None:
                hit = None  # an output an older version stored that cannot be written: run it again
            if hit is not None:
                outcomes[(name, i)] = (*hit, True)
            else:
                todo.setdefault(i, []).append(name)

    def due_jobs() -> Iterator[Job]:
        """Jobs page by page, each page joined with its raw record only while its jobs are made;
        pages whose gold is not all in their visible text get their gold coverage refined here."""
        position = {p["page_id"]: i for i, p in enumerate(pages)}
        refine = {i for i, meta in enumerate(result.pages)
                  if meta["gold_in_page"] not in ("complete", "no gold text") and not pages[i].get("raw")}
        for record in raw_pages() if raw_pages is not None else pages:
            i = position.get(record["page_id"])
            if i is None or (i not in todo and i not in refine):
                continue
            page = pages[i] | record
            if i in refine:
                result.pages[i] = _page_meta(page, gold[page["page_id"]])
            for name in todo.get(i, ()):
                yield Job((name, i), name, _job_page(page, gold[page["page_id"]], REGISTRY[name]))

    total, done = len(systems) * len(pages), len(outcomes)
    if progress:
        progress(done, total)
    system_cpu = sum(o[3] or 0.0 for o in outcomes.values())
    worker_cpu, parent_cpu0 = 0.0, time.process_time()
    if not todo:
        for _ in due_jobs():  # nothing to run, but the gold coverage still needs the raw pages
            pass
    else:
        with WorkerPool(workers=jobs, timeout=timeout, memory_mb=memory_mb, modules=modules) as pool:
            for n, out in enumerate(pool.run(due_jobs()), 1):
                name, i = out.key
                outcomes[(name, i)] = (out.status, out.output, out.error, out.seconds, False)
                if REGISTRY[name].cacheable:
                    store.put(name, result.versions[name], keys[i], out.status, out.output, out.error, out.seconds)
                if n % 50 == 0:
                    store.commit()  # resumable: an interrupted run keeps what it finished
                system_cpu += out.seconds or 0.0
                done += 1
                if progress:
                    progress(done, total)
            worker_cpu = pool.worker_cpu
    store.commit()
    t1 = time.perf_counter()

    golds = [gold[page["page_id"]] for page in pages]
    scored: dict[str, list[Any]] = {}
    for name in systems:
        scored[name] = []
        for i, page in enumerate(pages):
            status, output, error = outcomes[(name, i)][:3]
            scored[name].append(output if status == "ok" else task.empty_output())
            if status != "ok":
                result.failures.append({"system": name, "page_id": page["page_id"], "status": status, "error": error})
            result.predictions.append({"run_id": result.run_id,
                                       **prediction_row(task, name, result.versions[name], page, outcomes[(name, i)])})
    result.stats = task.stats_by_system(pages, golds, scored, metrics)
    t2 = time.perf_counter()
    result.timing = {"systems_wall": t1 - t0, "scoring": t2 - t1, "system_cpu": system_cpu, "jobs": jobs, "n_run": sum(map(len, todo.values())),
                     "worker_cpu": worker_cpu, "parent_cpu": time.process_time() - parent_cpu0}
    return result


def results_rows(result: RunResult, task: Any, resamples: int = stats.DEFAULT_RESAMPLES, seed: int = stats.DEFAULT_SEED,
                 breakdowns: Sequence[str] = BREAKDOWNS) -> list[dict[str, Any]]:
    """Rows of the ``results`` table: every system × (overall and each breakdown group) × metric."""
    rows = []
    for name, per_page in result.stats.items():
        groups: list[tuple[str, str, np.ndarray]] = [("all", "all", np.arange(len(result.pages)))]
        for by in breakdowns:
            values = np.array([str(p.get(by) or "unknown") for p in result.pages])
            for g in sorted(set(values)):
                groups.append((by, g, np.flatnonzero(values == g)))
        for by, group, idx in groups:
            if len(idx) == 0:
                continue
            # an interval from resampling a handful of pages means nothing (most domains have 1-2)
            n_resamples = resamples if len(idx) >= MIN_PAGES_FOR_INTERVAL else 0
            estimates = stats.bootstrap(task.aggregate, {k: v[idx] for k, v in per_page.items()}, n_resamples, seed)
            for metric, est in estimates.items():
                rows.append({
                    "run_id": result.run_id, "task": result.task, "system": name, "system_version": result.versions[name],
                    "input": task.input, "dataset_version": result.dataset_version, "group_by": by, "group": group,
                    "metric": metric, "value": _finite(est.value), "ci_low": _finite(est.ci_low), "ci_high": _finite(est.ci_high),
                    "n_pages": int(len(idx)),
                })
    return rows


def _finite(x: float) -> float | None:
    return float(x) if x is not None and np.isfinite(x) else None


def write(result: RunResult, task: Any, out: Path, resamples: int = stats.DEFAULT_RESAMPLES, seed: int = stats.DEFAULT_SEED) -> dict[str, Path]:
    """Write predictions.parquet, results.parquet and run.json (failures, timing) under ``out``."""
    import pyarrow.parquet as pq

    from curation import schema

    out.mkdir(parents=True, exist_ok=True)
    pq.write_table(schema.load("predictions").table(result.predictions), out / "predictions.parquet")
    seconds: dict[str, list[float]] = {}
    for row in result.predictions:
        seconds.setdefault(row["system"], []).append(row["seconds"] or 0.0)
    median = {k: float(np.median(v)) for k, v in seconds.items()}
    return {"predictions": out / "predictions.parquet", **write_summary(result, task, out, median, resamples, seed)}


def write_summary(result: RunResult, task: Any, out: Path, median_seconds: dict[str, float],
                  resamples: int = stats.DEFAULT_RESAMPLES, seed: int = stats.DEFAULT_SEED,
                  extra: dict[str, Any] | None = None) -> dict[str, Path]:
    """Write results.parquet, page_stats.parquet and run.json from a run's per-page statistics
    (everything but the predictions, which the sharded run streams to disk itself). ``extra``
    adds keys to run.json (the engine and shard counts of a sharded run)."""
    import pandas as pd
    import pyarrow.parquet as pq

    from curation import schema

    out.mkdir(parents=True, exist_ok=True)
    paths = {"results": out / "results.parquet", "run": out / "run.json", "page_stats": out / "page_stats.parquet"}
    frames = []
    for name, per_page in result.stats.items():  # per-page statistics, for `bench compare`
        frames.append(pd.DataFrame({"system": name, "page_id": [p["page_id"] for p in result.pages], **per_page}))
    if frames:
        pd.concat(frames).to_parquet(paths["page_stats"], index=False)
    rows = results_rows(result, task, resamples, seed)
    pq.write_table(schema.load("results").table(rows), paths["results"])
    # the ranking metric for this run's gold: aeb_f1, or snippet_f1 when the gold has snippets only
    primary = task.primary_for(r["metric"] for r in rows if r["group_by"] == "all" and r["value"] is not None)
    paths["run"].write_text(json.dumps({
        "run_id": result.run_id, "task": result.task, "dataset_version": result.dataset_version, "primary_metric": primary,
        "systems": result.versions, "n_pages": len(result.pages), "failures": result.failures, "timing": result.timing,
        "median_seconds_per_page": median_seconds, **(extra or {}),
        "pages": result.pages,
    }, indent=1, default=str))
    return paths
