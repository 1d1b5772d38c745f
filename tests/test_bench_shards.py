"""Sharded `bench run`: same numbers as the in-memory runner, resume after kill -9, streamed predictions.

Real systems and real processes throughout; the Ray tests (``-m ray``) start one private local Ray
for the module (2 CPUs, no dashboard, RAY_TMPDIR under /tmp) as tests/test_scale_out.py does.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import bench_fault_systems
import numpy as np
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from ray_session import private_ray
from sigkill import sigkill_when

from benchmarks import runner, shard_inputs, sharded_run
from benchmarks import shards as S
from benchmarks.perf.aeb_live import aeb_pages
from benchmarks.tasks import get_task
from pagegold.cli import main

FIXTURE = Path(__file__).parent / "fixtures" / "aeb"
TASK = get_task("boilerplate")
TESTS = str(Path(__file__).parent)
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def fixture_pages():
    pages, gold = aeb_pages(FIXTURE)
    return pages, {p["page_id"]: gold[p["page_id"]] for p in pages}


def source_of(pages, gold) -> shard_inputs.PageSource:
    """The AEB fixture pages as a page source: text records, gold, raw records in reverse order."""
    light = [{k: v for k, v in p.items() if k != "raw"} for p in pages]
    raw = [{"page_id": p["page_id"], "raw": p["raw"], "raw_format": "html", "encoding": p.get("encoding")} for p in pages]
    return shard_inputs.PageSource.held("fixture", lambda: light, gold, lambda: iter(raw[::-1]))


def release_available() -> bool:
    from curation import dataset

    try:
        dataset.latest_version()
    except dataset.ReleaseError:
        return False
    return True


def bench(*args: str) -> list[str]:
    return [sys.executable, "-m", "pagegold.cli", "bench", "run", *args]


def cli(args: list[str]) -> str:
    result = CliRunner().invoke(main, args[3:], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def same_files(a: Path, b: Path, *names: str) -> None:
    for name in names:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def predictions_without_timing(run: Path) -> list[dict]:
    return [{k: v for k, v in row.items() if k != "seconds"} for row in pq.read_table(run / "predictions.parquet").to_pylist()]


def test_sharded_run_gives_the_in_memory_runners_numbers(fixture_pages, tmp_path):
    pages, gold = fixture_pages
    systems = ["html-text", "full-text", "gold", "test-error"]
    whole = runner.run(TASK, systems, pages, gold, jobs=2, cache=None, modules=["bench_fault_systems"])
    result, summary = sharded_run.run_sharded(TASK, systems, source_of(pages, gold), tmp_path / "run", jobs=2,
                                              pages_per_shard=2, modules=["bench_fault_systems"], run_id="r1")
    assert summary["extra"]["shards"] == {"total": 4 * 2, "ran": 8, "skipped": 0}
    for name in systems:
        assert whole.stats[name].keys() == result.stats[name].keys()
        for key, values in whole.stats[name].items():
            np.testing.assert_array_equal(values, result.stats[name][key], err_msg=f"{name} {key}")
    assert [p["gold_in_page"] for p in whole.pages] == [p["gold_in_page"] for p in result.pages]
    assert [(f["system"], f["page_id"], f["status"]) for f in whole.failures] == \
           [(f["system"], f["page_id"], f["status"]) for f in result.failures]
    streamed = pq.ParquetFile(tmp_path / "run" / "predictions.parquet")
    assert streamed.num_row_groups == 8  # one per shard: written as shards finished, not held in memory
    rows = streamed.read().to_pylist()
    assert {r["run_id"] for r in rows} == {"r1"}
    keep = ("system", "page_id", "text", "status", "error")
    assert [{k: r[k] for k in keep} for r in rows] == [{k: r[k] for k in keep} for r in whole.predictions]
    # the same run on one worker and one shard per system: the same statistics
    one, _ = sharded_run.run_sharded(TASK, systems[:2], source_of(pages, gold), tmp_path / "one", jobs=1,
                                     pages_per_shard=100, modules=["bench_fault_systems"], run_id="r1")
    for name in systems[:2]:
        for key, values in one.stats[name].items():
            np.testing.assert_array_equal(values, result.stats[name][key])


def test_rerun_skips_finished_shards_and_a_changed_system_list_keeps_the_others(fixture_pages, tmp_path):
    pages, gold = fixture_pages
    out = tmp_path / "run"
    first, s1 = sharded_run.run_sharded(TASK, ["html-text", "full-text"], source_of(pages, gold), out, pages_per_shard=2)
    again, s2 = sharded_run.run_sharded(TASK, ["full-text", "html-text", "gold"], source_of(pages, gold), out,
                                        pages_per_shard=2)
    assert s2["extra"]["shards"] == {"total": 6, "ran": 2, "skipped": 4}  # only gold's two shards ran
    assert again.run_id == first.run_id  # the folder's run id is kept
    assert again.timing["n_run"] == len(pages)
    for key, values in first.stats["html-text"].items():
        np.testing.assert_array_equal(values, again.stats["html-text"][key])


@pytest.mark.skipif(not release_available(), reason="no release in data/")
def test_killed_run_resumes_only_unfinished_shards(tmp_path):
    out = tmp_path / "run"
    args = bench("--source", "aeb", "--split", "test", "--systems", "html-text,resiliparse", "--jobs", "1", "--no-cache",
                 "--pages-per-shard", "3", "--resamples", "50", "--out", str(out))
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    sigkill_when(proc, lambda: len(list(out.glob("_shards/*/c*/_done"))) >= 5, "bench run", timeout=120)  # mid-run
    finished = {p: (p.stat().st_mtime_ns, p.read_text()) for p in out.glob("_shards/*/c*/_done")}
    total = 2 * 15  # 45 AEB test pages in slices of 3, two systems
    assert 5 <= len(finished) < total
    assert not (out / "results.parquet").exists()

    cli(args)
    run = json.loads((out / "run.json").read_text())
    assert run["shards"] == {"total": total, "ran": total - len(finished), "skipped": len(finished)}
    assert run["timing"]["n_run"] == 3 * (total - len(finished))  # only the unfinished shards' pages ran again
    for marker, (mtime, text) in finished.items():  # finished shards were not touched
        assert (marker.stat().st_mtime_ns, marker.read_text()) == (mtime, text)
    assert not list(out.rglob("*.tmp-*"))

    clean = tmp_path / "clean"
    cli(bench(*args[5:-2], "--out", str(clean), "--run-id", run["run_id"]))
    same_files(out, clean, "results.parquet", "leaderboard.md")
    assert predictions_without_timing(out) == predictions_without_timing(clean)


def test_bad_options_are_named(tmp_path, monkeypatch):
    res = CliRunner().invoke(main, ["bench", "run", "--systems", "html-text", "--address", "auto", "--out", str(tmp_path)])
    assert res.exit_code != 0 and "--address only applies to --engine ray" in res.output
    res = CliRunner().invoke(main, ["bench", "run", "--systems", "html-text", "--run-id", "a/b", "--out", str(tmp_path)])
    assert res.exit_code != 0 and "--run-id" in res.output
    res = CliRunner().invoke(main, ["bench", "run", "--systems", "html-text", "--pages-per-shard", "0"])
    assert res.exit_code != 0 and "--pages-per-shard" in res.output
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray → ImportError
    res = CliRunner().invoke(main, ["bench", "run", "--systems", "html-text", "--engine", "ray", "--out", str(tmp_path)])
    assert res.exit_code != 0 and "pip install 'pagegold[ray]'" in res.output


# -- Ray ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def local_ray():
    pytest.importorskip("ray")
    with private_ray(pythonpath=(TESTS, str(ROOT))) as ray:  # Ray's workers import bench_fault_systems by name
        yield ray


@pytest.mark.ray
@pytest.mark.skipif(not release_available(), reason="no release in data/")
def test_ray_and_local_runs_are_identical_and_share_the_cache(local_ray, tmp_path):
    common = ("--source", "aeb", "--split", "dev", "--systems", "html-text,full-text,gold", "--pages-per-shard", "4",
              "--resamples", "100", "--run-id", "same")
    local, ray_run = tmp_path / "local", tmp_path / "ray"
    cli(bench(*common, "--jobs", "2", "--out", str(local), "--cache", str(tmp_path / "c-local")))
    cli(bench(*common, "--engine", "ray", "--out", str(ray_run), "--cache", str(tmp_path / "c-ray")))
    same_files(local, ray_run, "results.parquet", "leaderboard.md", "page_stats.parquet")
    assert predictions_without_timing(local) == predictions_without_timing(ray_run)
    meta = json.loads((ray_run / "run.json").read_text())
    assert meta["engine"] == "ray" and meta["shards"] == {"total": 12, "ran": 12, "skipped": 0}
    pids = {json.loads(p.read_text())["pid"] for p in ray_run.glob("_shards/*/c*/_done")}
    assert os.getpid() not in pids  # the shards ran in Ray's workers
    n_pages = meta["n_pages"]
    assert meta["timing"]["n_run"] == 3 * n_pages
    # the outputs Ray's shards produced were cached by the driver: a local run reuses them …
    cli(bench(*common, "--jobs", "2", "--out", str(tmp_path / "local2"), "--cache", str(tmp_path / "c-ray")))
    assert json.loads((tmp_path / "local2" / "run.json").read_text())["timing"]["n_run"] == 2 * n_pages
    # … and Ray's shards read what a local run cached (the baselines are never cached)
    cli(bench(*common, "--engine", "ray", "--out", str(tmp_path / "ray2"), "--cache", str(tmp_path / "c-local")))
    assert json.loads((tmp_path / "ray2" / "run.json").read_text())["timing"]["n_run"] == 2 * n_pages
    same_files(local, tmp_path / "ray2", "results.parquet", "leaderboard.md")
    assert local_ray.is_initialized()  # joined the test's Ray: left running


@pytest.mark.ray
def test_hangs_and_crashes_are_per_page_failures_on_ray(local_ray, fixture_pages, tmp_path):
    pages, gold = fixture_pages
    systems = ["test-hang", "test-crash", "html-text"]
    result, summary = sharded_run.run_sharded(TASK, systems, source_of(pages, gold), tmp_path / "run", engine="ray",
                                              jobs=2, pages_per_shard=3, timeout=20.0, memory_mb=1024,
                                              modules=["bench_fault_systems"])
    failed = {(f["system"], f["page_id"], f["status"]) for f in result.failures}
    crashed = {p["page_id"] for p in pages if p["page_id"][0] in "01234567"}
    assert failed == {("test-hang", bench_fault_systems.HANG_ON, "timeout")} | {("test-crash", p, "crash") for p in crashed}
    assert summary["extra"]["shards"]["ran"] == 3 * 2
    rows = pq.read_table(tmp_path / "run" / "predictions.parquet").to_pylist()
    assert {r["status"] for r in rows if r["system"] == "html-text"} == {"ok"}
    assert all(json.loads(p.read_text())["pid"] != os.getpid() for p in (tmp_path / "run").glob("_shards/*/c*/_done"))


def test_shard_files_hold_statistics_and_new_outputs_only(fixture_pages, tmp_path):
    pages, gold = fixture_pages
    cache = tmp_path / "cache"
    sharded_run.run_sharded(TASK, ["html-text"], source_of(pages, gold), tmp_path / "a", cache=cache, pages_per_shard=100)
    second, _ = sharded_run.run_sharded(TASK, ["html-text"], source_of(pages, gold), tmp_path / "b", cache=cache,
                                        pages_per_shard=100)
    assert second.timing["n_run"] == 0  # every output came from the cache
    (shard_file,) = (tmp_path / "b").glob("_shards/*/c00000/predictions.parquet")
    table = pq.read_table(shard_file)
    assert table.column("cache_output").null_count == len(pages)  # cached outputs are not stored twice
    assert any(name.startswith(S.STAT) for name in table.column_names)
    assert "run_id" not in table.column_names


@pytest.mark.skipif(not release_available(), reason="no release in data/")
def test_driver_memory_does_not_grow_with_the_pages(tmp_path):
    """Measured, not assumed: the same 25 release pages copied 200 and 1,200 times (varied bytes).
    The in-memory runner's driver grew by ~270 MB from 250 to 1,500 such pages; this one by ~20 MB."""
    from benchmarks.perf.process_tree import measure
    from benchmarks.perf.synthetic_pages import release_seeds, write_pages_folder

    seeds = release_seeds(25)
    peaks = {}
    for n in (200, 1200):
        folder = write_pages_folder(tmp_path / f"pages-{n}", n, seeds)
        out = tmp_path / f"run-{n}"
        done, usage = measure(bench("--pages", str(folder), "--systems", "full-text", "--jobs", "1", "--no-cache",
                                    "--resamples", "0", "--out", str(out)), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               cwd=ROOT)
        assert done.returncode == 0, done.stderr[-2000:]
        peaks[n] = usage.peak_process_mb  # the driver: it reads the pages, scores and writes the tables
        assert pq.ParquetFile(out / "predictions.parquet").num_row_groups == -(-n // S.PAGES_PER_SHARD)
    assert peaks[1200] - peaks[200] < 80, peaks
