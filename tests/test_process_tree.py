"""benchmarks.perf.process_tree: the memory and CPU of a whole process tree, children included."""

from __future__ import annotations

import sys

from benchmarks.perf import process_tree

# a parent that starts a child holding ~150 MB for a second and burning ~0.5 s of CPU
CHILD = "import time; b = bytearray(150 * 2**20); b[::4096] = b'x' * len(b[::4096]); t = time.process_time(); " \
        "exec('while time.process_time() - t < 0.5: pass'); time.sleep(0.6)"
PARENT = f"import subprocess, sys; subprocess.run([sys.executable, '-c', {CHILD!r}], check=True)"


def test_measure_counts_the_children_memory_and_cpu():
    done, usage = process_tree.measure([sys.executable, "-c", PARENT], interval=0.05)
    assert done.returncode == 0
    assert usage.peak_tree_mb >= 150, usage  # the child's memory, not only the parent's
    assert usage.peak_process_mb >= 150 and usage.peak_tree_mb > usage.peak_process_mb  # parent + child
    assert usage.cpu_seconds >= 0.5, usage
    assert 140 <= usage.peak_tree_pss_mb <= usage.peak_tree_mb + 1
    assert usage.peak_ray_daemons_mb == 0
    assert usage.processes >= 2


def test_exit_status_is_passed_through(capsys):
    assert process_tree.main(["--", sys.executable, "-c", "raise SystemExit(3)"]) == 3
    assert "exit 3" in capsys.readouterr().err


def test_ray_daemons_are_told_apart_from_ray_workers():
    assert process_tree.is_ray_daemon("gcs_server", "/x/gcs_server --port 1")
    assert process_tree.is_ray_daemon("python", "/venv/bin/python /venv/lib/ray/dashboard/agent.py --x")
    assert not process_tree.is_ray_daemon("ray::run_shard", "ray::run_shard")
    assert not process_tree.is_ray_daemon("python", "/venv/lib/python3.11/site-packages/ray/_private/workers/default_worker.py")


def test_roles_name_the_pool_workers_system_and_the_driver(tmp_path):
    # a driver running one pool worker whose system keeps 150 MB: the report must pin it on that system
    script = ("import sys, time; sys.path.insert(0, 'tests'); from benchmarks.pool import Job, WorkerPool\n"
              "page = {'page_id': '0abc', 'text': 'x'}\n"
              "with WorkerPool(1, modules=['bench_fault_systems']) as pool:\n"
              "    print([o.status for o in pool.run([Job(0, 'test-leak', page)])])\n"
              "    time.sleep(1.0)\n")
    done, usage = process_tree.measure([sys.executable, "-c", script], interval=0.05)
    assert done.returncode == 0
    assert usage.role_peaks.get("worker:test-leak", 0) >= 150, usage.role_peaks
    assert usage.role_peaks["driver"] < 150 and usage.kind_peaks["worker"] >= 150
    assert usage.kinds_at_peak["worker"] >= 150  # the peak is the worker's
    assert usage.top_at_peak[0][1] == "worker:test-leak"
    assert process_tree.kind("node:readability-js") == "node"
