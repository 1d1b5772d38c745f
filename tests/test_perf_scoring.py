"""The timing scripts of the scoring: what aeb_reproduce counts as CPU, and its timed child's report."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from benchmarks.perf import aeb_reproduce, run_scoring

FIXTURE = Path(__file__).parent / "fixtures" / "aeb"
ROOT = Path(__file__).resolve().parents[1]

BURN = "import time\nt = time.process_time()\nwhile time.process_time() - t < {s}: pass\n"


def test_a_childs_cpu_includes_the_workers_it_waits_for():
    # the child burns 0.2 s itself and waits for a worker of its own that burns 0.4 s
    code = BURN.format(s=0.2) + f"import subprocess, sys\nsubprocess.run([sys.executable, '-c', {BURN.format(s=0.4)!r}], check=True)\n"
    timing, _ = aeb_reproduce._run_child([sys.executable, "-c", code])
    assert timing.cpu >= 0.55  # both processes, user + system
    assert timing.wall >= 0.55


def test_the_timed_child_scores_and_reports_its_own_time():
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-m", "benchmarks.perf.aeb_reproduce", "--score-only", "--aeb", str(FIXTURE),
                          "--resamples", "20", "--jobs", "2"], capture_output=True, text=True, check=True, env=env, cwd=ROOT)
    report = json.loads(out.stdout)
    assert sorted(report["scores"]) == sorted(p.stem for p in (FIXTURE / "output").glob("*.json"))
    assert 0 < report["scores"]["goose3"]["f1"] <= 1
    assert report["cpu"] > 0 and report["wall"] > 0


def test_run_scoring_names_a_folder_that_is_not_a_run(tmp_path, capsys):
    assert run_scoring.main([str(tmp_path)]) == 2
    assert "not a bench run folder" in capsys.readouterr().err
