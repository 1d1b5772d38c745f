"""Memory bounds of ``bench run``: workers replaced when they keep too much, giant pages one at a
time, the driver's memory independent of page size. Every bound must leave the results unchanged."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import bench_fault_systems  # noqa: F401 - registers test-leak in this process too
import pyarrow.parquet as pq

from benchmarks.perf.aeb_live import aeb_pages
from benchmarks.pool import Job, WorkerPool

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = Path(__file__).parent / "fixtures" / "aeb"


def _pages(n: int) -> list[dict]:
    # ids starting with 0-7 make test-leak keep 150 MB; the others keep nothing
    return [{"page_id": f"{i % 10}page{i}", "text": f"text of page {i}"} for i in range(n)]


def test_a_worker_over_the_limit_is_replaced_and_the_outputs_stay_the_same():
    pages = _pages(10)
    runs = {}
    for limit in (None, 250):
        with WorkerPool(workers=2, timeout=60, memory_mb=None, modules=["bench_fault_systems"], recycle_mb=limit) as pool:
            runs[limit] = sorted((o.key, o.status, o.output) for o in pool.run(Job(i, "test-leak", p) for i, p in enumerate(pages)))
            recycled = pool.recycled
        if limit is None:
            assert recycled == 0
        else:  # a worker is over 250 MB after its second leaking page at the latest
            assert recycled >= 2, recycled
    assert runs[None] == runs[250] and all(status == "ok" for _k, status, _o in runs[250])


def test_a_system_whose_libraries_need_more_than_the_limit_is_not_restarted_after_every_page():
    with WorkerPool(workers=1, timeout=60, memory_mb=None, modules=["bench_fault_systems"], recycle_mb=10) as pool:
        quiet = [{"page_id": f"9page{i}", "text": "x"} for i in range(12)]  # ids starting with 9: nothing kept
        outcomes = list(pool.run(Job(i, "test-leak", p) for i, p in enumerate(quiet)))
    assert [o.status for o in outcomes] == ["ok"] * 12
    assert pool.recycled == 0  # every worker is over 10 MB with nothing kept: its floor, not a leak


def test_heavy_pages_never_run_together_but_light_ones_go_on():
    """Two workers; a page of 1 MB or more is heavy. The system sleeps 0.4 s per page and the
    pool's order of starts and outcomes shows which jobs overlapped."""
    events: list[tuple[float, str, int]] = []
    sizes = [2_000_000, 2_000_000, 10, 2_000_000, 10, 10, 2_000_000, 10]
    page = {"page_id": "p", "source_id": "p", "url": None, "text": "x", "text_sha256": "x"}
    with WorkerPool(workers=2, timeout=60, modules=["bench_fault_systems"], heavy_bytes=1_000_000) as pool:
        jobs = [Job(i, "test-sleep", page, size) for i, size in enumerate(sizes)]
        for outcome in pool.run(jobs, on_start=lambda job: events.append((time.monotonic(), "start", job.key))):
            events.append((time.monotonic(), "end", outcome.key))
            assert outcome.status == "ok", outcome
    running: set[int] = set()
    overlapped_light = False
    for _t, what, key in sorted(events):
        if what == "start":
            running.add(key)
            assert sum(sizes[k] >= 1_000_000 for k in running) <= 1, running
            overlapped_light |= len(running) == 2
        else:
            running.discard(key)
    assert overlapped_light  # light pages still ran beside a heavy one
    assert pool.deferred >= 1


def _big_folder(tmp: Path, pad_mb: int) -> Path:
    """The AEB fixture's pages as an ingest folder, each page's HTML padded with ``pad_mb`` MB of
    markup in a comment (same text, same gold: only the bytes the driver reads grow)."""
    from benchmarks.perf.synthetic_pages import write_pages_folder
    from curation import schema

    pages, gold = aeb_pages(FIXTURE)
    gold_fields = [f.name for f in schema.load("boilerplate_gold").arrow]
    seeds = []
    for page in pages:
        raw = page["raw"] + b"<!--" + b"<div>padding</div>" * (pad_mb * 2**20 // 18) + b"-->"
        g = gold[page["page_id"]] | {"text_sha256": page["text_sha256"], "main_blocks": [], "origin": "aeb:fixture",
                                     "split": "unassigned"}
        seeds.append((page | {"raw": raw, "blocks": page.get("blocks") or []}, {f: g.get(f) for f in gold_fields}))
    return write_pages_folder(tmp, 8, seeds)


def test_the_drivers_memory_does_not_grow_with_page_size(tmp_path):
    """Pages of ~0.05 MB and of 24 MB of HTML (8 of each): the driver (not the child preparing
    the inputs) must stay within 40 MB of itself. Reading whole row groups in the driver grew it by
    the pages' size (~200 MB here)."""
    from benchmarks.perf.process_tree import measure

    peaks, results = {}, {}
    for pad in (0, 24):
        folder = _big_folder(tmp_path / f"pages-{pad}", pad)
        out = tmp_path / f"run-{pad}"
        cmd = [sys.executable, "-m", "pagegold.cli", "bench", "run", "--pages", str(folder), "--split", "all",
               "--systems", "full-text", "--jobs", "1", "--no-cache", "--resamples", "0", "--out", str(out),
               "--run-id", "same"]
        done, usage = measure(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
                              interval=0.05)
        assert done.returncode == 0, done.stderr[-2000:]
        peaks[pad] = usage.role_peaks["driver"]
        results[pad] = pq.read_table(out / "results.parquet").drop(["dataset_version"])
    assert peaks[24] - peaks[0] < 40, peaks
    assert results[24].equals(results[0])  # the padding is in a comment: the same scores


def test_a_heavy_page_goes_to_a_fresh_worker_when_the_last_one_kept_memory():
    # page 1 makes the worker keep 150 MB; page 2 is heavy: it must not start on top of that
    pages = [{"page_id": "9first", "text": "a"}, {"page_id": "0keeps", "text": "b"}, {"page_id": "9heavy", "text": "c"}]
    sizes = [0, 0, 5_000_000]
    with WorkerPool(workers=1, timeout=60, memory_mb=None, modules=["bench_fault_systems"], recycle_mb=1000,
                    heavy_bytes=1_000_000) as pool:
        outcomes = sorted((o.key, o.output) for o in pool.run(Job(i, "test-leak", p, s)
                                                                for i, (p, s) in enumerate(zip(pages, sizes))))
    assert outcomes == [(0, "a"), (1, "b"), (2, "c")]
    assert pool.recycled == 1  # not after page 1 (under 1000 MB), but before the heavy page
