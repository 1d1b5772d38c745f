"""Runner: real extractors in isolated workers, real faults, cache/resume, tables, reports, compare."""

from __future__ import annotations

import json
from pathlib import Path

import bench_fault_systems
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from benchmarks import runner
from benchmarks.perf.aeb_live import aeb_pages
from benchmarks.tasks import get_task
from curation import schema
from pagegold.cli import main

FIXTURE = Path(__file__).parent / "fixtures" / "aeb"
TASK = get_task("boilerplate")


@pytest.fixture(scope="module")
def pages_gold():
    pages, gold = aeb_pages(FIXTURE)
    return pages, {p["page_id"]: gold[p["page_id"]] for p in pages}


def test_faults_are_isolated_and_recorded(pages_gold, tmp_path):
    pages, gold = pages_gold
    systems = ["test-crash", "test-hang", "test-memory", "test-error", "gold", "empty", "resiliparse"]
    res = runner.run(TASK, systems, pages, gold, jobs=2, timeout=10.0, memory_mb=1024, cache=tmp_path / "cache",
                     modules=["bench_fault_systems"])
    by = {}
    for f in res.failures:
        by.setdefault(f["system"], set()).add(f["status"])
    assert by["test-hang"] == {"timeout"}
    assert [f["page_id"] for f in res.failures if f["system"] == "test-hang"] == [bench_fault_systems.HANG_ON]
    assert by["test-memory"] == {"crash"}
    assert by["test-error"] == {"error"}
    crashed = {p["page_id"] for p in pages if p["page_id"][0] in "01234567"}
    assert {f["page_id"] for f in res.failures if f["system"] == "test-crash"} == crashed
    assert "gold" not in by and "empty" not in by and "resiliparse" not in by
    agg = {name: TASK.aggregate(res.stats[name]) for name in systems}
    assert agg["gold"]["aeb_f1"] == pytest.approx(1.0) and agg["gold"]["aeb_accuracy"] == 1.0
    assert agg["test-error"]["aeb_recall"] == 0.0  # failed pages are scored as empty output
    assert 0.3 < agg["resiliparse"]["aeb_f1"] < 1.0
    errors = [p for p in res.predictions if p["system"] == "test-error"]
    assert all("cannot parse" in p["error"] for p in errors)


def test_cache_resumes_and_tables_match_schemas(pages_gold, tmp_path):
    pages, gold = pages_gold
    systems = ["trafilatura", "html-text", "full-text", "gold"]
    first = runner.run(TASK, systems, pages, gold, jobs=2, cache=tmp_path / "cache", dataset_version="fixture")
    assert first.timing["n_run"] == len(systems) * len(pages)
    second = runner.run(TASK, systems, pages, gold, jobs=2, cache=tmp_path / "cache", dataset_version="fixture")
    # extractors come from the cache; the cheap baselines are recomputed
    assert second.timing["n_run"] == 2 * len(pages)
    for name in systems:
        for key in first.stats[name]:
            assert list(first.stats[name][key]) == pytest.approx(list(second.stats[name][key]), nan_ok=True)
    paths = runner.write(second, TASK, tmp_path / "run", resamples=100)
    schema.load("results").validate(pq.read_table(paths["results"]))
    schema.load("predictions").validate(pq.read_table(paths["predictions"]))
    results = pd.read_parquet(paths["results"])
    overall = results[(results.group_by == "all") & (results.metric == "aeb_recall")].set_index("system")["value"]
    assert overall["full-text"] > 0.9  # the page text holds (nearly) all the article
    assert set(results.group_by) == {"all", "source", "page_type", "domain", "language", "complexity", "gold_in_page"}

    cli = CliRunner()
    out = cli.invoke(main, ["bench", "report", str(tmp_path / "run")])
    assert out.exit_code == 0, out.output
    html = (tmp_path / "run" / "report.html").read_text()
    assert html.count("data:image/png;base64,") >= 2 and "<img" in html
    md = (tmp_path / "run" / "leaderboard.md").read_text()
    assert md.index("| gold |") < md.index("| full-text |")
    out = cli.invoke(main, ["bench", "compare", "gold", "full-text", "--run", str(tmp_path / "run"), "--json", "--resamples", "200"])
    assert out.exit_code == 0, out.output
    cmp = json.loads(out.output)
    assert cmp["diff"] > 0 and cmp["ci_low"] > 0 and cmp["p_bootstrap"] < 0.05


def test_bench_run_cli_on_the_shipped_release(tmp_path):
    from curation import dataset

    try:
        version = dataset.latest_version()
    except dataset.ReleaseError:
        pytest.skip("no release in data/")
    out = tmp_path / "run"
    res = CliRunner().invoke(main, ["bench", "run", "--task", "boilerplate", "--systems", "resiliparse,gold,full-text,empty",
                                    "--source", "aeb", "--split", "dev", "--jobs", "2", "--out", str(out),
                                    "--cache", str(tmp_path / "cache"), "--resamples", "100"])
    assert res.exit_code == 0, res.output
    results = pd.read_parquet(out / "results.parquet")
    overall = results[results.group_by == "all"].pivot_table(index="system", columns="metric", values="value")
    assert overall.loc["gold", "aeb_f1"] == pytest.approx(1.0)
    assert overall.loc["gold", "block_f1"] > 0.9  # gold text projected onto the blocks recovers main_blocks
    assert overall.loc["full-text", "aeb_recall"] > 0.95
    assert overall.loc["empty", "aeb_f1"] == 0.0
    assert set(results.dataset_version) == {version}
    assert (out / "report.html").exists() and (out / "leaderboard.md").exists()
    res = CliRunner().invoke(main, ["bench", "run", "--systems", "no-such-system", "--out", str(out)])
    assert res.exit_code != 0 and "unknown boilerplate systems: no-such-system" in res.output


def test_pool_reads_jobs_lazily(pages_gold):
    # the runner hands the pool a generator that loads each page's raw HTML when its job is due:
    # the pool must not drain it up front, or memory grows with the release again
    from benchmarks.pool import Job, WorkerPool

    pages, _ = pages_gold
    pulled: list[int] = []

    def jobs():
        for i in range(12):
            pulled.append(i)
            yield Job(("html-text", i), "html-text", pages[i % len(pages)])

    with WorkerPool(workers=1, timeout=30) as pool:
        outcomes = pool.run(jobs())
        first = next(outcomes)
        assert len(pulled) <= 2, pulled
        rest = list(outcomes)
    assert first.status == "ok" and len(rest) == 11 and all(o.status == "ok" for o in rest)


def test_streamed_raw_pages_give_the_same_run(pages_gold):
    pages, gold = pages_gold
    light = [{k: v for k, v in p.items() if k != "raw"} for p in pages]
    raw = [{"page_id": p["page_id"], "raw": p["raw"], "raw_format": "html", "encoding": p.get("encoding")} for p in pages]
    both = runner.run(TASK, ["html-text", "full-text"], pages, gold, jobs=2, cache=None)
    streamed = runner.run(TASK, ["html-text", "full-text"], light, gold, jobs=2, cache=None, raw_pages=lambda: iter(raw[::-1]))
    for name in ("html-text", "full-text"):
        for key, values in both.stats[name].items():
            np.testing.assert_array_equal(values, streamed.stats[name][key], err_msg=f"{name} {key}")
    assert [p["gold_in_page"] for p in both.pages] == [p["gold_in_page"] for p in streamed.pages]


def test_cache_tells_pages_with_the_same_text_apart(pages_gold, tmp_path):
    # pages that show no text without JavaScript all have the same (empty) text, but extractors
    # read their HTML: each must get its own output back from the cache
    pages, gold = pages_gold
    same_text = [dict(p, text="", text_sha256="e3b0c442") for p in pages[:3]]
    first = runner.run(TASK, ["html-text"], same_text, gold, jobs=1, cache=tmp_path / "cache")
    again = runner.run(TASK, ["html-text"], same_text, gold, jobs=1, cache=tmp_path / "cache")
    assert again.timing["n_run"] == 0
    texts = [p["text"] for p in first.predictions]
    assert len(set(texts)) == 3
    assert [p["text"] for p in again.predictions] == texts


def test_a_slow_starting_worker_does_not_time_out_its_first_page():
    """A page's timeout counts from when its worker is ready: a worker that takes 3 s to import
    (a busy machine, heavy systems) must not fail a page whose timeout is 2 s. Before the READY
    handshake every page given to a fresh worker timed out, and so did its replacement's."""
    from benchmarks.pool import Job, WorkerPool

    page = {"page_id": "p", "source_id": "p", "url": None, "text": "Hello world.", "text_sha256": "x",
            "raw": b"<html><body><p>Hello world.</p></body></html>", "encoding": "utf-8"}
    with WorkerPool(workers=1, timeout=2.0, modules=["slow_import_module"]) as pool:
        outcomes = list(pool.run([Job(i, "html-text", page) for i in range(2)]))
    assert [o.status for o in outcomes] == ["ok", "ok"], outcomes


def test_workers_that_cannot_start_stop_the_pool_with_a_reason():
    from benchmarks.pool import Job, WorkerPool

    with pytest.raises(RuntimeError, match="died while starting"):
        with WorkerPool(workers=1, timeout=2.0, modules=["no_such_module_for_pagegold_tests"]) as pool:
            list(pool.run([Job(0, "html-text", {"page_id": "p", "text": "x", "text_sha256": "x"})]))
