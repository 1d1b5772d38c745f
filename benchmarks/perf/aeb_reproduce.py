"""Reproduce the published AEB table from the 32 outputs shipped with the benchmark, and time it.

    python -m benchmarks.perf.aeb_reproduce [--aeb DIR] [--resamples 1000] [--jobs N]
                                            [--reference-evaluate PATH]

Scores every ``output/*.json`` against ``ground-truth.json`` with PageGold's AEB port (1,000
bootstrap resamples each, as AEB's ``evaluate.py``; the same work as ``pagegold bench score
--metric aeb --pred …`` with every output), compares F1, precision, recall and accuracy with
``benchmarks/reference/aeb_published.json`` at three decimals, and prints the time taken against
AEB's own ``evaluate.py`` — measured here if ``--reference-evaluate`` points at a copy of it (run
in a scratch folder laid out like the AEB repo; AEB's current outputs use the ``{output,
version}`` shape, which the copy must unwrap), else the recorded 19 s. Exit status 1 if any value
disagrees.

How time is counted, so that both sides are compared like with like: AEB's script is one Python
process, measured whole (interpreter start, imports, reading, scoring, bootstrap) by the kernel's
account of a waited-for child, user + system CPU. PageGold is scored the same way, in a fresh
child process, once with ``--jobs 1`` and once with ``--jobs N`` (default: one per core); a
child's CPU includes that of its own scoring workers, which it waits for. Each PageGold line
also gives the scoring alone (from reading the files to the results, as measured inside the child:
its own CPU plus its reaped workers'), i.e. without interpreter start and imports.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REFERENCE = Path(__file__).resolve().parent.parent / "reference" / "aeb_published.json"
RECORDED_AEB_SECONDS = 19.0  # AEB's evaluate.py, all 32 outputs, 1,000 resamples, on the project machine
KEYS = ("f1", "precision", "recall", "accuracy")


def default_aeb_dir() -> Path:
    return Path(os.environ.get("PAGEGOLD_AEB_DIR", Path(__file__).resolve().parents[3] / "shared" / "corpora" / "aeb"))


def _cpu_seconds(who: int) -> float:
    """User + system CPU seconds of this process (``RUSAGE_SELF``) or of its reaped children."""
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


@dataclass(frozen=True)
class Timing:
    wall: float  # whole process, start to exit
    cpu: float  # whole process (and the workers it waited for), user + system
    scoring_wall: float | None = None  # reading + scoring + bootstrap only (PageGold)
    scoring_cpu: float | None = None


def _run_child(cmd: list[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> tuple[Timing, str]:
    """Run a command to its end; its wall time and the CPU the kernel counts for it and its children."""
    cpu0 = _cpu_seconds(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, env=env, check=True, capture_output=True, text=True)
    return Timing(time.perf_counter() - start, _cpu_seconds(resource.RUSAGE_CHILDREN) - cpu0), done.stdout


def time_reference_evaluate(evaluate_py: Path, aeb: Path, resamples: int) -> Timing:
    """Run AEB's own evaluate.py on the same files (in a scratch copy laid out like its repo)."""
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        shutil.copy(evaluate_py, tmp / "evaluate.py")
        shutil.copy(aeb / "ground-truth.json", tmp / "ground-truth.json")
        os.symlink(aeb / "output", tmp / "output")
        timing, _ = _run_child([sys.executable, "evaluate.py", "--n-bootstrap", str(resamples)], cwd=tmp)
        return timing


def score(aeb: Path, resamples: int, jobs: int) -> tuple[dict[str, dict], float, float]:
    """Scores of every output, and the wall and CPU seconds (this process and its reaped workers)."""
    from benchmarks.tasks import get_task

    task = get_task("boilerplate")
    outputs = sorted((aeb / "output").glob("*.json"))
    start, cpu_start = time.perf_counter(), _cpu_seconds(resource.RUSAGE_SELF) + _cpu_seconds(resource.RUSAGE_CHILDREN)
    # score_many waits for its worker processes (the pool is shut down), so their CPU is counted
    results = task.score_many(aeb / "ground-truth.json", outputs, "aeb", resamples=resamples, jobs=jobs)
    cpu = _cpu_seconds(resource.RUSAGE_SELF) + _cpu_seconds(resource.RUSAGE_CHILDREN) - cpu_start
    return {Path(k).stem: v for k, v in results.items()}, time.perf_counter() - start, cpu


def time_pagegold(aeb: Path, resamples: int, jobs: int) -> tuple[Timing, dict[str, dict]]:
    """Score in a fresh child process (``--score-only``), measured as AEB's script is."""
    cmd = [sys.executable, "-m", "benchmarks.perf.aeb_reproduce", "--score-only", "--aeb", str(aeb),
           "--resamples", str(resamples), "--jobs", str(jobs)]
    root = str(Path(__file__).resolve().parents[2])  # this checkout first, installed or not
    env = os.environ | {"PYTHONPATH": os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)}
    timing, out = _run_child(cmd, env=env)
    report = json.loads(out)
    return Timing(timing.wall, timing.cpu, report["wall"], report["cpu"]), report["scores"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--aeb", type=Path, default=default_aeb_dir(), help="AEB folder with ground-truth.json and output/")
    parser.add_argument("--resamples", type=int, default=1000)
    parser.add_argument("--reference-evaluate", type=Path, help="a copy of AEB's evaluate.py to time on this machine")
    parser.add_argument("--json", type=Path, help="also write the scores here")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="score outputs in this many processes (default: one per core); --jobs 1 is timed too")
    parser.add_argument("--score-only", action="store_true", help=argparse.SUPPRESS)  # the timed child
    args = parser.parse_args(argv)

    if not sorted((args.aeb / "output").glob("*.json")):
        print(f"no outputs under {args.aeb / 'output'}", file=sys.stderr)
        return 2
    if args.score_only:
        scores, wall, cpu = score(args.aeb, args.resamples, args.jobs)
        print(json.dumps({"scores": scores, "wall": wall, "cpu": cpu}))
        return 0

    published = json.loads(REFERENCE.read_text())["outputs"]
    timings: dict[int, Timing] = {}
    for jobs in dict.fromkeys((1, args.jobs)):
        timings[jobs], scores = time_pagegold(args.aeb, args.resamples, jobs)

    n_match, rows = 0, []
    for name, s in scores.items():
        ref = published.get(name)
        diffs = [] if ref is None else [k for k in KEYS if round(s[k], 3) != ref[k]]
        ok = ref is not None and not diffs
        n_match += ok
        rows.append((name, s, ref, "ok" if ok else ("no reference" if ref is None else "DIFF " + ",".join(diffs))))

    print(f"{'output':<22}{'F1':>7}{'P':>7}{'R':>7}{'acc':>7}   {'F1±':>6} {'pub±':>6}  check")
    for name, s, ref, status in rows:
        pub_std = f"{ref['f1_std']:.3f}" if ref else "-"
        print(f"{name:<22}{s['f1']:7.3f}{s['precision']:7.3f}{s['recall']:7.3f}{s['accuracy']:7.3f}   {s['f1_std']:6.3f} {pub_std:>6}  {status}")
    print(f"\n{n_match}/{len(rows)} outputs match the published F1, precision, recall and accuracy at 3 decimals")

    theirs = time_reference_evaluate(args.reference_evaluate, args.aeb, args.resamples) if args.reference_evaluate else None
    for jobs, t in timings.items():
        line = (f"PageGold --jobs {jobs}: whole process {t.wall:.2f} s wall, {t.cpu:.2f} s CPU; scoring alone "
                f"{t.scoring_wall:.2f} s wall, {t.scoring_cpu:.2f} s CPU ({len(rows)} outputs × {args.resamples} resamples)")
        print(line)
    if theirs is not None:
        print(f"AEB evaluate.py (measured here, one process): {theirs.wall:.2f} s wall, {theirs.cpu:.2f} s CPU")
        for jobs, t in timings.items():
            print(f"  vs --jobs {jobs}: whole process {theirs.wall / t.wall:.1f}× faster (wall), "
                  f"{theirs.cpu / max(t.cpu, 1e-9):.1f}× (CPU); scoring alone {theirs.wall / t.scoring_wall:.1f}× (wall), "
                  f"{theirs.cpu / max(t.scoring_cpu, 1e-9):.1f}× (CPU)")
    else:
        t = timings[args.jobs]
        print(f"AEB evaluate.py: {RECORDED_AEB_SECONDS:.1f} s (recorded) → {RECORDED_AEB_SECONDS / t.wall:.1f}× faster (wall, whole process)")
    if args.json:
        args.json.write_text(json.dumps(scores, indent=1))
    return 0 if n_match == len(rows) else 1


if __name__ == "__main__":
    sys.exit(main())
