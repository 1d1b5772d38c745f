"""`make bench` installs only the chosen systems' extras, and a run in a log prints progress lines."""

from __future__ import annotations

import importlib.util
import io
import subprocess
from pathlib import Path

from click.testing import CliRunner

from benchmarks.progress import LineProgress
from pagegold.cli import main

ROOT = Path(__file__).resolve().parent.parent


def test_extras_follow_the_registry() -> None:
    from benchmarks.systems import REGISTRY
    from benchmarks.tasks import TASKS

    declared = sorted(
        {REGISTRY[n].extra for n in TASKS["boilerplate"].systems() if getattr(REGISTRY[n], "extra", None)}
    )
    every = CliRunner().invoke(main, ["bench", "extras", "--all"])
    assert every.exit_code == 0 and every.output.strip().split(",") == [e for e in declared if e]
    assert CliRunner().invoke(main, ["bench", "extras", "--systems", "trafilatura,resiliparse"]).output.strip() == ""
    news = CliRunner().invoke(main, ["bench", "extras", "--systems", "trafilatura,news-please"]).output.strip()
    assert news == ("" if importlib.util.find_spec("newsplease") else "newsplease")
    bad = CliRunner().invoke(main, ["bench", "extras", "--systems", "nosuch"])
    assert bad.exit_code == 2 and "unknown boilerplate systems: nosuch" in bad.output


def test_make_bench_asks_for_the_chosen_systems_extras_only() -> None:
    dry = subprocess.run(
        ["make", "-n", "bench", "SYSTEMS=trafilatura"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert dry.returncode == 0, dry.stderr
    assert "bench extras --task boilerplate --systems trafilatura" in dry.stdout
    assert "newsplease" not in dry.stdout  # no unconditional news-please install any more


def test_line_progress_prints_rate_and_eta() -> None:
    now = [0.0]
    out = io.StringIO()
    bar = LineProgress("run", unit="pages", every=10, seconds=1e9, stream=out, clock=lambda: now[0])
    for done in range(1, 31):
        now[0] = done * 0.5  # 2 pages per second
        bar(done, 40)
    lines = out.getvalue().splitlines()
    assert lines == [
        "run: 10/40 pages (25%), 2.0/s, ETA 0:15",
        "run: 20/40 pages (50%), 2.0/s, ETA 0:10",
        "run: 30/40 pages (75%), 2.0/s, ETA 0:05",
    ]
    now[0] = 100.0
    bar(40, 40)  # the last update is always printed
    assert out.getvalue().splitlines()[-1].startswith("run: 40/40 pages (100%)")


def test_bench_run_prints_progress_lines_without_a_tty(tmp_path: Path) -> None:
    res = CliRunner().invoke(
        main,
        [
            "bench",
            "run",
            "--systems",
            "resiliparse",
            "--source",
            "aeb",
            "--split",
            "dev",
            "--jobs",
            "1",
            "--out",
            str(tmp_path / "run"),
            "--cache",
            str(tmp_path / "c"),
            "--resamples",
            "10",
        ],
    )
    assert res.exit_code == 0, res.output
    lines = [line for line in res.stderr.splitlines() if line.startswith("boilerplate: 1 systems")]
    assert lines and "(100%)" in lines[-1] and "/s, ETA" in lines[-1]
