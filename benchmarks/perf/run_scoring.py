"""Time the scoring of a finished run: ``task.stats_by_system`` on its stored predictions.

    python -m benchmarks.perf.run_scoring RUN_DIR [--repeat 3] [--metric aeb --metric blocks …]

``bench run`` reports a ``scoring`` wall time in run.json, taken on a machine that was just busy
running systems. This re-scores the run's predictions (``predictions.parquet``) against the same
release pages and gold, as the runner does, and prints the CPU and wall seconds of the whole
scoring and of each metric family alone (only the ``--metric`` families when given; the best of
``--repeat`` runs; caches are cleared before each, so every run does the full work), so that two
versions of the metrics can be compared on the same outputs.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq


def load(run_dir: Path) -> tuple[Any, list[dict], list[dict], dict[str, list]]:
    """The run's task, its pages and gold in scoring order, and each system's outputs."""
    from benchmarks.runner import load_release
    from benchmarks.tasks import get_task

    meta = json.loads((run_dir / "run.json").read_text())
    task = get_task(meta["task"])
    release = load_release(task, meta["dataset_version"])
    by_id = {p["page_id"]: p for p in release.pages}
    pages = [by_id[p["page_id"]] for p in meta["pages"]]
    golds = [release.gold[p["page_id"]] for p in pages]
    position = {p["page_id"]: i for i, p in enumerate(pages)}
    outputs: dict[str, list] = {name: [task.empty_output()] * len(pages) for name in meta["systems"]}
    for row in pq.read_table(run_dir / "predictions.parquet").to_pylist():
        if row["page_id"] in position and row["system"] in outputs and row["status"] == "ok":
            outputs[row["system"]][position[row["page_id"]]] = task.output_from_prediction(row)
    return task, pages, golds, outputs


def _clear_caches() -> None:
    from benchmarks.metrics import aeb, aeb_arrays, aeb_compiled, blocks, bow

    aeb_compiled._gold.cache_clear()
    aeb_arrays._gold_index.cache_clear()
    aeb._profile.cache_clear()
    bow._tokens.cache_clear()
    blocks._PAGE_CACHE.clear()


def time_scoring(task: Any, pages: list[dict], golds: list[dict], outputs: dict[str, list], metrics: list[str] | None,
                 repeat: int) -> tuple[float, float]:
    """Best (CPU, wall) seconds of ``repeat`` full scorings."""
    best_cpu = best_wall = float("inf")
    for _ in range(repeat):
        _clear_caches()
        cpu, wall = time.process_time(), time.perf_counter()
        task.stats_by_system(pages, golds, outputs, metrics)
        best_cpu, best_wall = min(best_cpu, time.process_time() - cpu), min(best_wall, time.perf_counter() - wall)
    return best_cpu, best_wall


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run_dir", type=Path, help="a bench run output folder (run.json, predictions.parquet)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--metric", action="append", help="time only this family (repeatable; default: all, then each)")
    args = parser.parse_args(argv)
    if not (args.run_dir / "run.json").is_file() or not (args.run_dir / "predictions.parquet").is_file():
        print(f"{args.run_dir}: not a bench run folder (needs run.json and predictions.parquet)", file=sys.stderr)
        return 2
    task, pages, golds, outputs = load(args.run_dir)
    families = args.metric or list(task.run_metrics)
    print(f"{len(outputs)} systems × {len(pages)} pages; best of {args.repeat}")
    if not args.metric:
        cpu, wall = time_scoring(task, pages, golds, outputs, None, args.repeat)
        print(f"{'all run metrics':<18}{cpu:8.2f} s CPU {wall:8.2f} s wall")
    for family in families:
        cpu, wall = time_scoring(task, pages, golds, outputs, [family], args.repeat)
        print(f"{family:<18}{cpu:8.2f} s CPU {wall:8.2f} s wall")
    return 0


if __name__ == "__main__":
    sys.exit(main())
