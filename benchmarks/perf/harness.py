"""Harness cost and parallel speed-up of ``benchmarks.runner`` on AEB's pages.

    python -m benchmarks.perf.harness [--systems trafilatura,readability,justext,goose3] [--pages 181]

Runs the systems on the pages with 1 worker and then with 2 (no cache, same pages), and prints:

* harness overhead = (parent CPU + workers' CPU − Σ CPU the systems spent on pages) / Σ system CPU:
  everything but the systems' own work (shipping pages, pickling outputs, scoring, bookkeeping),
  measured in CPU seconds so that other load on the machine does not distort it; the wall-clock
  variant (wall − system CPU)/system CPU with 1 worker is printed too (it also counts waiting);
* speed-up = wall(1 worker) / wall(2 workers): run it on an otherwise idle 2-core machine.
"""

from __future__ import annotations

import argparse
import sys
import time

from benchmarks.perf.aeb_live import aeb_pages
from benchmarks.perf.aeb_reproduce import default_aeb_dir
from benchmarks.runner import run
from benchmarks.tasks import get_task


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--aeb", default=default_aeb_dir())
    parser.add_argument("--systems", default="trafilatura,readability,justext,goose3")
    parser.add_argument("--pages", type=int, default=181)
    args = parser.parse_args(argv)
    from pathlib import Path

    pages, gold = aeb_pages(Path(args.aeb))
    pages = pages[: args.pages]
    task, systems = get_task("boilerplate"), args.systems.split(",")
    walls, cpu = {}, {}
    for jobs in (1, 2):
        start = time.perf_counter()
        result = run(task, systems, pages, gold, jobs=jobs, cache=None, metrics=("aeb", "bow"))
        walls[jobs] = time.perf_counter() - start
        cpu[jobs] = result.timing["system_cpu"]
        t = result.timing
        harness = t["parent_cpu"] + t["worker_cpu"] - t["system_cpu"]
        print(f"{jobs} worker(s): wall {walls[jobs]:.2f} s, system CPU {cpu[jobs]:.2f} s, workers CPU {t['worker_cpu']:.2f} s, "
              f"parent CPU {t['parent_cpu']:.2f} s (scoring {t['scoring']:.2f} s) → harness CPU {harness:.2f} s = {harness / cpu[jobs]:.1%} of system CPU")
    print(f"harness overhead, wall-clock with 1 worker: {(walls[1] - cpu[1]) / cpu[1]:.1%} of system CPU  (target < 10%)")
    print(f"speed-up 2 workers vs 1: {walls[1] / walls[2]:.2f}×  (target ≥ 1.7× on 2 cores)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
