"""Run the extractors live on AEB's 181 pages with AEB's calls and compare with its published table.

    python -m benchmarks.perf.aeb_live [--aeb DIR] [--systems a,b] [--jobs 2] [--cache DIR]

Pages are read straight from ``html/*.html.gz`` (not from a release), so this checks the systems
and the runner independently of the normaliser. For each system that has a published AEB row
(``benchmarks/reference/aeb_published.json``) it prints our F1 ± bootstrap std next to the
published F1 ± and the installed vs published version, and for every system its median CPU ms per
page (a JS system's Node CPU included). ``--systems readability-js,defuddle,postlight,article-extractor,trafilatura``
puts the JavaScript extractors beside a Python one.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

from benchmarks import stats
from benchmarks.perf.aeb_reproduce import REFERENCE, default_aeb_dir
from benchmarks.runner import run
from benchmarks.systems import split_available
from benchmarks.tasks import get_task

# our system name → AEB output name
AEB_NAMES = {"trafilatura": "trafilatura", "readability": "readability", "html-text": "html-text", "justext": "justext",
             "goose3": "goose3", "inscriptis": "inscriptis", "newspaper4k": "newspaper", "news-please": "news_please",
             "html2text": "html2text", "readability-js": "readability_js"}


def aeb_pages(aeb: Path) -> tuple[list[dict], dict[str, dict]]:
    """Page records (the fields systems read) and gold records for AEB, without the normaliser."""
    import html_text

    truth = json.loads((aeb / "ground-truth.json").read_text(encoding="utf-8"))
    pages, gold = [], {}
    for path in sorted((aeb / "html").glob("*.html.gz")):
        pid = path.name.split(".")[0]
        raw = gzip.open(path).read()
        text = html_text.extract_text(raw.decode("utf-8", errors="replace"))
        url = truth[pid].get("url")
        pages.append({"page_id": pid, "source": "aeb", "url": url, "domain": urlsplit(url or "").hostname, "page_type": "article",
                      "raw": raw, "raw_format": "html", "encoding": "utf-8", "text": text, "blocks": [],
                      "text_sha256": hashlib.sha256(raw).hexdigest(), "split": "test"})
        gold[pid] = {"page_id": pid, "main_text": truth[pid]["articleBody"], "main_blocks": None}
    return pages, gold


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--aeb", type=Path, default=default_aeb_dir())
    parser.add_argument("--systems", default="all")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=120)
    parser.add_argument("--cache", type=Path, default=None, help="output cache dir (default: none, always run)")
    args = parser.parse_args(argv)

    task = get_task("boilerplate")
    names = task.systems() if args.systems == "all" else args.systems.split(",")
    available, missing = split_available(names)
    for name, exc in missing.items():
        print(f"skip {name}: {exc}", file=sys.stderr)
    pages, gold = aeb_pages(args.aeb)
    start = time.perf_counter()
    result = run(task, available, pages, gold, jobs=args.jobs, timeout=args.timeout, cache=args.cache, metrics=("aeb",))
    wall = time.perf_counter() - start
    published = json.loads(REFERENCE.read_text())["outputs"]
    print(f"{'system':<24}{'version':>24}{'F1':>8}{'±':>7}{'P':>7}{'R':>7}{'acc':>7}{'CPU ms':>8}"
          f"   {'AEB F1':>7}{'±':>7} {'AEB ver':>9}  within ±")
    cpu_ms: dict[str, list[float]] = {}
    for row in result.predictions:
        cpu_ms.setdefault(row["system"], []).append(1000 * (row["seconds"] or 0.0))
    for name in available:
        est = stats.bootstrap(task.aggregate, result.stats[name], 1000)
        ref = published.get(AEB_NAMES.get(name, ""))
        f1, sd = est["aeb_f1"].value, est["aeb_f1"].std
        tail = ""
        if ref:
            within = abs(f1 - ref["f1"]) <= ref["f1_std"]
            tail = f"{ref['f1']:7.3f}{ref['f1_std']:7.3f} {ref['version']:>9}  {'yes' if within else 'NO'} (Δ {f1 - ref['f1']:+.3f})"
        print(f"{name:<24}{result.versions[name]:>24}{f1:8.3f}{sd:7.3f}{est['aeb_precision'].value:7.3f}"
              f"{est['aeb_recall'].value:7.3f}{est['aeb_accuracy'].value:7.3f}"
              f"{statistics.median(cpu_ms[name]):8.1f}   {tail}")
    fails = {}
    for f in result.failures:
        fails.setdefault(f["system"], []).append(f["status"])
    print(f"\nfailures: {fails or 'none'}; wall {wall:.1f} s with {args.jobs} workers; system CPU {result.timing['system_cpu']:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
