"""Warm ingest pages per CPU-second of two checkouts, measured in turns (paired runs on a noisy machine).

    python -m benchmarks.perf.ingest_paired --reference ../pagegold-before        # AEB, 12 pairs; a checkout of the other commit
    python -m benchmarks.perf.ingest_paired --reference ../pagegold-before --pairs 20 --corpus ../shared/corpora/wcxb-dev --format wcxb

One long-lived process per checkout (``PYTHONPATH`` = that checkout) ingests the corpus in process
(``curation.ingest.ingest``, ``jobs=1``, a fresh output folder each time) when told to, and reports
the CPU seconds of that run. After two warm-up runs each, the two processes run in turns, the
first of each pair alternating, so the two runs of a pair see nearly the same load from the other
tenants of the machine. Printed: each side's best and median pages/CPU-s over its runs, and the
median of the pairs' CPU ratios (reference / this checkout: above 1 means this checkout is faster),
which other tenants disturb far less than the rates themselves.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parents[2]
DEFAULT_CORPUS = HERE.parent / "shared" / "corpora" / "aeb"
#: The worker: one ingest per line read from stdin, its pages and CPU seconds printed back.
WORKER = """
import shutil, sys, time
from pathlib import Path
from curation.ingest import ingest
corpus, fmt, out = sys.argv[1], sys.argv[2], Path(sys.argv[3])
for _ in sys.stdin:
    shutil.rmtree(out, ignore_errors=True)
    start = time.process_time()
    pages = ingest([corpus], fmt, out, fmt=fmt, jobs=1)["pages"]
    print(pages, time.process_time() - start, flush=True)
"""


class Side:
    """A worker process ingesting with one checkout's code."""

    def __init__(self, checkout: Path, corpus: Path, fmt: str, scratch: Path):
        env = {**os.environ, "PYTHONPATH": str(checkout), "PYTHONDONTWRITEBYTECODE": "1"}
        self.proc = subprocess.Popen([sys.executable, "-c", WORKER, str(corpus), fmt, str(scratch)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True, env=env, cwd=scratch.parent)  # fmt: skip
        self.cpu: list[float] = []
        self.pages = 0

    def run(self) -> float:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write("run\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise SystemExit(f"the ingest worker stopped (exit {self.proc.wait()})")
        pages, cpu = line.split()
        self.pages = int(pages)
        return float(cpu)

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        self.proc.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reference", type=Path, required=True, help="a checkout of the commit to compare with (git worktree add DIR REV)")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="the corpus folder (default: ../shared/corpora/aeb)")
    parser.add_argument("--format", default="aeb", help="its --format (default: aeb)")
    parser.add_argument("--pairs", type=int, default=12, help="measured pairs of runs (default: 12)")
    args = parser.parse_args()
    for path in (args.reference, args.corpus):
        if not path.exists():
            sys.exit(f"{path} not found")
    with tempfile.TemporaryDirectory(prefix="ingest-paired-") as tmp:
        sides = {"reference": Side(args.reference.resolve(), args.corpus.resolve(), args.format, Path(tmp) / "reference"),
                 "this checkout": Side(HERE, args.corpus.resolve(), args.format, Path(tmp) / "this")}  # fmt: skip
        try:
            for side in sides.values():
                side.run(), side.run()  # warm-up: imports, models, first-use costs
            ratios = []
            for i in range(args.pairs):
                order = list(sides.values()) if i % 2 == 0 else list(sides.values())[::-1]
                cpu = {id(side): side.run() for side in order}
                for side in order:
                    side.cpu.append(cpu[id(side)])
                ratios.append(sides["reference"].cpu[-1] / sides["this checkout"].cpu[-1])
        finally:
            for side in sides.values():
                side.close()
    print(f"{args.corpus} ({args.format}), {args.pairs} pairs of warm in-process ingests, taking turns")
    for name, side in sides.items():
        rates = sorted(side.pages / cpu for cpu in side.cpu)
        print(f"  {name:<14} {side.pages} pages: best {rates[-1]:6.1f}, median {statistics.median(rates):6.1f} pages/CPU-s")
    print(f"  median CPU ratio reference / this checkout: {statistics.median(ratios):.3f} "
          f"(pairs: {min(ratios):.3f} to {max(ratios):.3f})")


if __name__ == "__main__":
    main()
