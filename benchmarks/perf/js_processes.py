"""Count Node processes while the JavaScript extractors run: one per pool worker, not one per page.

    python -m benchmarks.perf.js_processes [--aeb DIR] [--pages 20] [--jobs 2]
        [--systems readability-js,defuddle,postlight,article-extractor]

Runs the systems over the first ``--pages`` AEB pages (read like ``aeb_live``) and samples, every
50 ms, the ``node`` processes descending from this process (read from ``/proc``). Prints the most
seen at once, how many distinct Node processes ran in total, the number of jobs and failed pages
(with no failures, distinct Node processes = workers) and the largest resident memory of one Node.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from pathlib import Path

from benchmarks.perf.aeb_live import aeb_pages
from benchmarks.perf.aeb_reproduce import default_aeb_dir
from benchmarks.runner import run
from benchmarks.systems import split_available
from benchmarks.tasks import get_task


def _stat(pid: str) -> tuple[str, int] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    comm = text[text.index("(") + 1 : text.rindex(")")]
    return comm, int(text[text.rindex(")") + 2 :].split()[1])


def node_descendants(root: int | None = None) -> set[int]:
    """PIDs of ``node`` processes below ``root`` (default: this process), from ``/proc``."""
    root = root or os.getpid()
    parents, comms = {}, {}
    for pid in os.listdir("/proc"):
        if pid.isdigit() and (info := _stat(pid)):
            comms[int(pid)], parents[int(pid)] = info
    found = set()
    for pid, comm in comms.items():
        if comm != "node":
            continue
        p = parents.get(pid)
        while p and p != root and p in parents:
            p = parents[p]
        if p == root:
            found.add(pid)
    return found


def rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` in MB (0 when it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class NodeSampler(threading.Thread):
    """Samples ``node_descendants`` until stopped: ``peak`` at once, ``seen`` in total, and the
    largest resident memory of one Node process (``peak_rss_mb``)."""

    def __init__(self, interval: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.interval, self.peak, self.seen, self.peak_rss_mb = interval, 0, set(), 0.0
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            now = node_descendants()
            self.peak = max(self.peak, len(now))
            self.seen |= now
            self.peak_rss_mb = max([self.peak_rss_mb, *(rss_mb(pid) for pid in now)])
            time.sleep(self.interval)

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--aeb", type=Path, default=default_aeb_dir())
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--systems", default="readability-js,defuddle,postlight,article-extractor")
    args = parser.parse_args(argv)
    available, missing = split_available(args.systems.split(","))
    for name, exc in missing.items():
        print(f"skip {name}: {exc}", file=sys.stderr)
    if not available:
        return 1
    pages, gold = aeb_pages(args.aeb)
    pages = pages[: args.pages]
    sampler = NodeSampler()
    sampler.start()
    start = time.perf_counter()
    result = run(get_task("boilerplate"), available, pages, gold, jobs=args.jobs, timeout=120, metrics=("aeb",))
    wall = time.perf_counter() - start
    sampler.stop()
    print(
        f"{len(available)} JS systems × {len(pages)} pages = {len(available) * len(pages)} jobs on {args.jobs} workers "
        f"in {wall:.1f} s: at most {sampler.peak} Node processes at once, {len(sampler.seen)} in total; "
        f"{len(result.failures)} failed pages; largest Node RSS {sampler.peak_rss_mb:.0f} MB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
