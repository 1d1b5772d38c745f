"""Hostile system outputs and process faults in `bench run` (issue 12).

Outputs that cannot be stored or scored (a lone surrogate, None, an int, a dict, NaN) and outputs
over the size cap are recorded as ``invalid`` failures of their page — never counted ok, never
cached; the run still writes its tables. Workers and everything they start die with the run, also
when the parent is killed with SIGKILL. Systems are real (tests/bench_hostile_systems.py).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import bench_hostile_systems
import pyarrow.parquet as pq
import pytest

from benchmarks import pool, runner
from benchmarks.perf.aeb_live import aeb_pages
from benchmarks.tasks import get_task

FIXTURE = Path(__file__).parent / "fixtures" / "aeb"
TASK = get_task("boilerplate")
TESTS = str(Path(__file__).parent)


@pytest.fixture(scope="module")
def pages_gold():
    pages, gold = aeb_pages(FIXTURE)
    pages = pages[:3]
    return pages, {p["page_id"]: gold[p["page_id"]] for p in pages}


def test_unstorable_outputs_are_invalid_failures_never_cached(pages_gold, tmp_path):
    pages, gold = pages_gold
    systems = [f"hostile-{k}" for k in bench_hostile_systems.VALUES] + ["html-text"]
    for attempt in range(2):  # before: the write crashed, and the rerun crashed again from the cache
        res = runner.run(
            TASK,
            systems,
            pages,
            gold,
            jobs=2,
            timeout=30,
            memory_mb=1024,
            cache=tmp_path / "cache",
            modules=["bench_hostile_systems"],
        )
        paths = runner.write(res, TASK, tmp_path / f"run{attempt}", resamples=10)
        failed = {(f["system"], f["status"]) for f in res.failures}
        assert failed == {(s, "invalid") for s in systems if s != "html-text"}  # before: None/int/dict/NaN were "ok"
        assert res.timing["n_run"] == len(systems) * len(pages) - (
            len(pages) if attempt else 0
        )  # only html-text cached
        preds = pq.read_table(paths["predictions"]).to_pylist()
        assert {p["status"] for p in preds if p["system"] == "hostile-surrogate"} == {"invalid"}
        assert all("surrogate" in p["error"] or "not" in p["error"] for p in preds if p["status"] == "invalid")
    errors = {f["system"]: f["error"] for f in res.failures}
    assert "UTF-8" in errors["hostile-surrogate"] and "float" in errors["hostile-nan"]
    assert "str" in errors["hostile-int"] and "None" in errors["hostile-none"]


def test_output_problem_names_each_defect():
    assert (
        pool.output_problem("entities", {"entities": [{"start": float("nan"), "end": 3}]})
        == "output holds NaN or infinity"
    )
    assert "JSON" in pool.output_problem("entities", {"entities": [object()]})
    assert "over the 1 MiB cap" in pool.output_problem("entities", {"entities": ["x" * (1 << 20)]}, max_bytes=1 << 20)
    assert pool.output_problem("boilerplate", "fine text   with any valid character") is None


def test_cached_unstorable_output_from_an_older_run_is_run_again(pages_gold, tmp_path):
    pages, gold = pages_gold
    store = runner.OutputCache(tmp_path / "cache")
    version = runner.REGISTRY["html-text"].version
    store.put("html-text", version, runner.cache_key(pages[0]), "ok", "bad \ud800 cached", None, 0.1)
    store.commit()
    res = runner.run(TASK, ["html-text"], pages, gold, jobs=1, cache=tmp_path / "cache")
    assert res.timing["n_run"] == len(pages) and not res.failures  # the bad cached output is not used
    runner.write(res, TASK, tmp_path / "run", resamples=10)


SIZE_PROBE = """
import resource, sys
sys.path.insert(0, {tests!r})
from benchmarks import pool, runner
from benchmarks.perf.aeb_live import aeb_pages
from benchmarks.tasks import get_task
import bench_hostile_systems
pool.MAX_OUTPUT_BYTES = 8 * 1024 * 1024
from pathlib import Path
pages, gold = aeb_pages(Path({fixture!r}))
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
task, modules = get_task("boilerplate"), ["bench_hostile_systems"]
res = runner.run(task, ["hostile-huge"], pages, gold, jobs=2, memory_mb=1024, modules=modules)
print(sorted({{(f["status"], f["error"][:40]) for f in res.failures}}), len(res.failures), len(pages))
print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) // 1024)
"""


@pytest.mark.memory_bomb
def test_output_over_the_size_cap_is_a_failure_and_never_reaches_the_parent(tmp_path):
    code = SIZE_PROBE.format(tests=TESTS, fixture=str(FIXTURE))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    failures, grown = done.stdout.strip().split("\n")
    assert "('invalid', 'output is 24 MiB, over the 8 MiB cap" in failures
    n_fail, n_pages = failures.rsplit(" ", 2)[-2:]
    assert n_fail == n_pages
    # each 24 MiB output stays in its worker: the parent grows by less than two of them
    assert int(grown) < 48, f"parent RSS grew by {grown} MB"


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in state  # a zombie has exited (its parent just has not reaped it)


def _wait_dead(pids: list[int], seconds: float = 15.0) -> list[int]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and any(map(_alive, pids)):
        time.sleep(0.2)
    return [p for p in pids if _alive(p)]


EXIT_PROBE = """
import sys
sys.path.insert(0, {tests!r})
from pathlib import Path
from benchmarks import runner
from benchmarks.perf.aeb_live import aeb_pages
from benchmarks.tasks import get_task
import bench_hostile_systems
pages, gold = aeb_pages(Path({fixture!r}))
res = runner.run(get_task("boilerplate"), ["hostile-spawn"], pages[:3], gold, jobs=2, modules=["bench_hostile_systems"])
print(len(res.failures))
"""


def test_pool_exit_kills_what_the_workers_started(tmp_path):
    # a fresh process: the forkserver (and so the workers) must see HOSTILE_PIDS in their environment
    env = os.environ | {"HOSTILE_PIDS": str(tmp_path / "pids")}
    done = subprocess.run(
        [sys.executable, "-c", EXIT_PROBE.format(tests=TESTS, fixture=str(FIXTURE))],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.stdout.strip() == "0", done.stderr[-2000:]
    pids = [int(x) for line in (tmp_path / "pids").read_text().split("\n") if line for x in line.split()]
    assert len(pids) == 6
    left = _wait_dead(pids)
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert left == []  # before: every `sleep 300` outlived the run


KILL_PROBE = """
import sys
sys.path.insert(0, {tests!r})
from benchmarks import runner
from benchmarks.perf.aeb_live import aeb_pages
from benchmarks.tasks import get_task
from pathlib import Path
import bench_hostile_systems
pages, gold = aeb_pages(Path({fixture!r}))
task, modules = get_task("boilerplate"), ["bench_hostile_systems"]
runner.run(task, ["hostile-spawn"], pages[:2], gold, jobs=2, timeout=600, modules=modules)
"""


def test_kill_9_of_the_parent_takes_down_forkserver_workers_and_their_children(tmp_path):
    pid_file = tmp_path / "pids"
    env = os.environ | {"HOSTILE_PIDS": str(pid_file), "HOSTILE_HANG": "1"}
    parent = subprocess.Popen([sys.executable, "-c", KILL_PROBE.format(tests=TESTS, fixture=str(FIXTURE))], env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (not pid_file.exists() or pid_file.read_text().count("\n") < 2):
        time.sleep(0.2)
    pids = [int(x) for line in pid_file.read_text().split("\n") if line for x in line.split()]
    assert len(pids) == 4, "the workers did not start"
    descendants = subprocess.run(["pgrep", "-P", str(parent.pid)], capture_output=True, text=True).stdout.split()
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    left = _wait_dead(pids + [int(d) for d in descendants])
    for pid in left:  # do not leave them running if the test fails
        os.kill(pid, signal.SIGKILL)
    assert left == []  # before: the forkserver, both workers and both `sleep 300` kept running
