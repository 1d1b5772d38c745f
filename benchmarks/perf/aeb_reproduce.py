"""Reproduce the published AEB table from the 32 outputs shipped with the benchmark, and time it.

    python -m benchmarks.perf.aeb_reproduce [--aeb DIR] [--resamples 1000] [--jobs N]
                                            [--reference-evaluate PATH]

Scores every ``output/*.json`` against ``ground-truth.json`` with PageGold's AEB port (1,000
bootstrap resamples each, as AEB's ``evaluate.py``; the same work as ``pagegold bench score
--metric aeb --pred …`` with every output), compares F1, precision, recall and accuracy with
``benchmarks/reference/aeb_published.json`` at three decimals, and prints the time taken against
AEB's own ``evaluate.py`` — measured here if ``--reference-evaluate`` points at a copy of it (run
in a scratch folder laid out like the AEB repo; AEB's current outputs use the ``{output,
version}`` shape, which the copy must unwrap), else the recorded 19 s. ``--jobs`` defaults to one
process per core; AEB's script uses one. Exit status 1 if any value disagrees.
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
from pathlib import Path

from benchmarks.tasks import get_task

REFERENCE = Path(__file__).resolve().parent.parent / "reference" / "aeb_published.json"
RECORDED_AEB_SECONDS = 19.0  # AEB's evaluate.py, all 32 outputs, 1,000 resamples, on the project machine
KEYS = ("f1", "precision", "recall", "accuracy")


def default_aeb_dir() -> Path:
    return Path(os.environ.get("PAGEGOLD_AEB_DIR", Path(__file__).resolve().parents[3] / "shared" / "corpora" / "aeb"))


def _cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the scoring workers)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def time_reference_evaluate(evaluate_py: Path, aeb: Path, resamples: int) -> tuple[float, float]:
    """Run AEB's own evaluate.py on the same files (in a scratch copy laid out like its repo)."""
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        shutil.copy(evaluate_py, tmp / "evaluate.py")
        shutil.copy(aeb / "ground-truth.json", tmp / "ground-truth.json")
        os.symlink(aeb / "output", tmp / "output")
        cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime
        start = time.perf_counter()
        subprocess.run([sys.executable, "evaluate.py", "--n-bootstrap", str(resamples)], cwd=tmp, check=True, capture_output=True)
        return time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime - cpu0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--aeb", type=Path, default=default_aeb_dir(), help="AEB folder with ground-truth.json and output/")
    parser.add_argument("--resamples", type=int, default=1000)
    parser.add_argument("--reference-evaluate", type=Path, help="a copy of AEB's evaluate.py to time on this machine")
    parser.add_argument("--json", type=Path, help="also write the scores here")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="score outputs in this many processes (default: one per core)")
    args = parser.parse_args(argv)

    published = json.loads(REFERENCE.read_text())["outputs"]
    task = get_task("boilerplate")
    outputs = sorted((args.aeb / "output").glob("*.json"))
    if not outputs:
        print(f"no outputs under {args.aeb / 'output'}", file=sys.stderr)
        return 2

    gold = args.aeb / "ground-truth.json"
    start, cpu_start = time.perf_counter(), _cpu_seconds()
    results = task.score_many(gold, outputs, "aeb", resamples=args.resamples, jobs=args.jobs)
    scores = {Path(k).stem: v for k, v in results.items()}
    ours, ours_cpu = time.perf_counter() - start, _cpu_seconds() - cpu_start

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

    theirs, label = RECORDED_AEB_SECONDS, "recorded"
    print(f"PageGold: {ours:.2f} s wall, {ours_cpu:.2f} s CPU (all processes) for {len(rows)} outputs × {args.resamples} resamples ({args.jobs} process(es))")
    if args.reference_evaluate:
        theirs, theirs_cpu = time_reference_evaluate(args.reference_evaluate, args.aeb, args.resamples)
        print(f"AEB evaluate.py (measured here): {theirs:.1f} s wall, {theirs_cpu:.1f} s CPU → "
              f"{theirs / ours:.1f}× faster (wall), {theirs_cpu / max(ours_cpu, 1e-9):.1f}× (CPU)")
    else:
        print(f"AEB evaluate.py: {theirs:.1f} s ({label}) → {theirs / ours:.1f}× faster (wall)")
    if args.json:
        args.json.write_text(json.dumps(scores, indent=1))
    return 0 if n_match == len(rows) else 1


if __name__ == "__main__":
    sys.exit(main())
