"""How `bench run` scales: 1k → 10k → 100k synthetic pages × fast systems, local engine and Ray.

For each size, the release's pages are copied with varied bytes into an ingest folder
(``benchmarks.perf.synthetic_pages``) and ``pagegold bench run --pages`` runs the systems over it
without the output cache, measured as a whole process tree (``benchmarks.perf.process_tree``):
wall seconds, CPU seconds, system-pages per CPU second ("pages/s/core": the work per core, not
the wall rate), peak RSS of the tree and of its largest process, and Ray's daemons apart.

    python benchmarks/perf/bench_scale.py                                  # 1k and 10k, both engines
    python benchmarks/perf/bench_scale.py --sizes 1000,10000,100000 --engines local
    python benchmarks/perf/bench_scale.py --systems full-text,html-text --jobs 2 --work /tmp/scale

Time should grow linearly with the pages and memory stay flat: the driver holds the gold and
per-page statistics, never the pages' text, outputs or predictions (docs/scale_out.md).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.perf.process_tree import measure
from benchmarks.perf.synthetic_pages import release_seeds, write_pages_folder

#: fast extractors (ms per page) with different libraries: the harness, not the systems, is measured
SYSTEMS = "full-text,html-text,resiliparse,inscriptis"


def run_once(pages: Path, out: Path, systems: str, engine: str, jobs: int, pages_per_shard: int,
             resamples: int) -> dict:
    """One measured ``bench run --pages`` into ``out`` (emptied first); its figures as a dict."""
    shutil.rmtree(out, ignore_errors=True)
    cmd = [sys.executable, "-m", "pagegold.cli", "bench", "run", "--pages", str(pages), "--systems", systems,
           "--jobs", str(jobs), "--no-cache", "--resamples", str(resamples), "--pages-per-shard", str(pages_per_shard),
           "--engine", engine, "--out", str(out)]
    env = dict(os.environ)
    env.setdefault("RAY_TMPDIR", tempfile.mkdtemp(prefix="ray", dir="/tmp"))  # short: Ray's socket paths
    done, usage = measure(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if done.returncode != 0:
        raise SystemExit(f"bench run failed ({engine}, {pages}):\n{done.stderr[-3000:]}")
    run = json.loads((out / "run.json").read_text())
    return {"wall": usage.wall_seconds, "cpu": usage.cpu_seconds, "tree_mb": usage.peak_tree_mb,
            "process_mb": usage.peak_process_mb, "ray_daemons_mb": usage.peak_ray_daemons_mb,
            "n_pages": run["n_pages"], "n_systems": len(run["systems"]), "shards": run["shards"]["total"]}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000", help="comma-separated page counts")
    parser.add_argument("--engines", default="local,ray", help="comma-separated: local, ray")
    parser.add_argument("--systems", default=SYSTEMS, help="comma-separated systems")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes / Ray CPUs")
    parser.add_argument("--pages-per-shard", type=int, default=200)
    parser.add_argument("--resamples", type=int, default=0,
                        help="bootstrap resamples (0: the engine is measured, not the statistics)")
    parser.add_argument("--seeds", type=int, default=1000,
                        help="seed pages copied, spread evenly over the release's gold pages (sizes that are "
                             "multiples of it repeat the same mix, so their rows compare like with like)")
    parser.add_argument("--work", type=Path, default=None, help="folder for inputs and runs (default: a temp folder)")
    args = parser.parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-scale-"))
    seeds = release_seeds(args.seeds)
    print(f"{len(seeds)} seed pages from the release; work folder {work}", file=sys.stderr)
    header = (f"{'pages':>8} {'engine':>6} {'shards':>6} {'wall s':>8} {'CPU s':>8} {'pages/s/core':>12} "
              f"{'tree MB':>8} {'largest MB':>10} {'Ray daemons MB':>14}")
    rows = []
    for size in (int(s) for s in args.sizes.split(",")):
        folder = write_pages_folder(work / f"pages-{size}", size, seeds)
        for engine in args.engines.split(","):
            r = run_once(folder, work / f"run-{size}-{engine}", args.systems, engine, args.jobs, args.pages_per_shard,
                         args.resamples)
            rate = r["n_pages"] * r["n_systems"] / r["cpu"] if r["cpu"] else float("nan")
            rows.append(f"{r['n_pages']:>8} {engine:>6} {r['shards']:>6} {r['wall']:>8.1f} {r['cpu']:>8.1f} "
                        f"{rate:>12.1f} {r['tree_mb']:>8.0f} {r['process_mb']:>10.0f} {r['ray_daemons_mb']:>14.0f}")
            print(rows[-1], file=sys.stderr)
        shutil.rmtree(folder, ignore_errors=True)  # 100k pages of HTML are several GB
    print(f"systems: {args.systems}; jobs {args.jobs}; pages/s/core = system-pages per CPU second of the tree")
    print(header)
    print("\n".join(rows))


if __name__ == "__main__":
    main()
