"""Sharded ingest throughput and memory at growing sizes, on the local and Ray engines.

Pages are the AEB corpus's HTML repeated, each copy made distinct by an HTML comment (so no page
is an exact repeat); they measure throughput only. Every run is a fresh `pagegold ingest`
subprocess; its whole process tree (pool workers, or Ray's raylet/workers) is sampled from /proc
for resident memory and CPU time. Expect time to grow linearly with pages and peak memory to stay
flat. "pages/CPU-s" (pages per second of CPU time, i.e. per fully used core) is the figure to
compare on a shared machine, where wall-clock pages/s/core also measures the other tenants.

    python benchmarks/perf/ingest_scale.py --sizes 1000 10000 50000 --jobs 2
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.perf import process_tree

DEFAULT_CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpora" / "aeb"


def make_pages(corpus: Path, n: int, out: Path) -> int:
    """n distinct HTML files from the corpus pages; returns their total bytes."""
    raws = [gzip.open(f).read() for f in sorted((corpus / "html").glob("*.html.gz"))]
    out.mkdir(parents=True)
    total = 0
    for i in range(n):
        data = raws[i % len(raws)] + f"<!-- copy {i} -->".encode()
        (out / f"{i:06d}.html").write_bytes(data)
        total += len(data)
    return total


def run(pages: Path, out: Path, engine: str, jobs: int, env: dict[str, str]) -> dict:
    cmd = [sys.executable, "-m", "pagegold.cli", "ingest", str(pages), "--source", "perf", "--out", str(out), "--engine", engine, "--jobs", str(jobs)]
    done, usage = process_tree.measure(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if done.returncode != 0:
        raise SystemExit(f"ingest failed ({engine}):\n{done.stdout}\n{done.stderr}")
    summary = json.loads((out / "summary.json").read_text())
    return {"pages": summary["pages"], "seconds": usage.wall_seconds, "cpu": usage.cpu_seconds,
            "peak_tree_mb": usage.peak_tree_mb, "peak_proc_mb": usage.peak_process_mb}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="AEB folder (html/*.html.gz)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 50_000], help="page counts to run")
    parser.add_argument("--engines", nargs="+", default=["local", "ray"], choices=["local", "ray"])
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="cores: pool workers, or CPUs of the private Ray")
    parser.add_argument("--tmp", type=Path, default=None, help="scratch folder (needs ~2 × 175 KB per page)")
    args = parser.parse_args()
    if not (args.corpus / "html").is_dir():
        sys.exit(f"{args.corpus}/html not found: pass --corpus pointing at the AEB corpus folder")
    scratch = Path(tempfile.mkdtemp(prefix="ingest-scale-", dir=args.tmp))
    env = {**os.environ, "RAY_TMPDIR": tempfile.mkdtemp(prefix="ray", dir="/tmp")}
    print(f"{'engine':<6} {'pages':>7} {'seconds':>8} {'pages/s':>8} {'pages/s/core':>13} {'CPU-s':>7} "
          f"{'pages/CPU-s':>12} {'peak tree MB':>13} {'peak proc MB':>13}  (jobs={args.jobs})")
    try:
        for n in args.sizes:
            pages = scratch / f"in-{n}"
            make_pages(args.corpus, n, pages)
            for engine in args.engines:
                out = scratch / f"out-{engine}-{n}"
                r = run(pages, out, engine, args.jobs, env)
                rate = r["pages"] / r["seconds"]
                print(f"{engine:<6} {r['pages']:>7} {r['seconds']:>8.1f} {rate:>8.1f} {rate / args.jobs:>13.1f} {r['cpu']:>7.0f} "
                      f"{r['pages'] / r['cpu']:>12.1f} {r['peak_tree_mb']:>13.0f} {r['peak_proc_mb']:>13.0f}", flush=True)
                shutil.rmtree(out)
            shutil.rmtree(pages)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        shutil.rmtree(env["RAY_TMPDIR"], ignore_errors=True)


if __name__ == "__main__":
    main()
