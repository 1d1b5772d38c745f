"""Normalisation speed beside resiliparse and trafilatura, and ingest peak memory.

Usage:
    python benchmarks/perf/normalise_speed.py [--corpus ../shared/corpora/aeb] [--pages 10000]

1. On the AEB pages (HTML decoded once, outside the timings), CPU time per page of:
   PageGold's normaliser (text + blocks), resiliparse's full-text extraction
   (``extract_plain_text(HTMLTree.parse(html), main_content=False)``) and ``trafilatura.extract``.
   Targets: within 3× of resiliparse, at least 5× faster than trafilatura.
2. Ingests N pages (the AEB pages repeated with a varying comment so each is a distinct page)
   in a child process and prints its peak RSS. Target: under 1 GB for 10,000 pages.
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEFAULT_CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpora" / "aeb"


def per_page_ms(fn, htmls: list[str]) -> float:
    times = []
    for html in htmls:
        t = time.process_time()
        fn(html)
        times.append((time.process_time() - t) * 1000)
    return statistics.mean(times)


def speed(corpus: Path) -> None:
    import trafilatura
    from resiliparse.extract.html2text import extract_plain_text
    from resiliparse.parse.html import HTMLTree

    from curation.normalise.html import html_to_blocks

    htmls = [gzip.open(f).read().decode("utf-8", "replace") for f in sorted((corpus / "html").glob("*.html.gz"))]
    ours = per_page_ms(html_to_blocks, htmls)
    resili = per_page_ms(lambda h: extract_plain_text(HTMLTree.parse(h), main_content=False), htmls)
    traf = per_page_ms(trafilatura.extract, htmls)
    print(f"{len(htmls)} AEB pages, mean CPU ms per page")
    print(f"  pagegold normaliser  {ours:7.2f}")
    print(f"  resiliparse full     {resili:7.2f}   pagegold / resiliparse = {ours / resili:.2f}x (target <= 3)")
    print(f"  trafilatura.extract  {traf:7.2f}   trafilatura / pagegold = {traf / ours:.1f}x (target >= 5)")


def make_pages(corpus: Path, n: int, out: Path) -> None:
    raws = [gzip.open(f).read() for f in sorted((corpus / "html").glob("*.html.gz"))]
    out.mkdir(parents=True)
    for i in range(n):
        (out / f"{i:06d}.html").write_bytes(raws[i % len(raws)] + f"<!-- copy {i} -->".encode())


def memory(corpus: Path, n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        pages = Path(tmp) / "pages"
        make_pages(corpus, n, pages)
        code = (
            "import resource, sys, time; from pathlib import Path; from curation.ingest import ingest; t = time.time(); "
            f"s = ingest([{str(pages)!r}], 'perf', Path({tmp!r}) / 'out'); "
            "print(s['pages'], round(time.time() - t, 1), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)"
        )
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        written, seconds, peak_mb = result.stdout.split()
        print(f"ingest of {written} pages: {seconds} s ({int(written) / float(seconds):.0f} pages/s), peak RSS {peak_mb} MB (target < 1024)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="AEB folder (html/*.html.gz)")
    parser.add_argument("--pages", type=int, default=10_000, help="pages for the memory run")
    args = parser.parse_args()
    if not (args.corpus / "html").is_dir():
        sys.exit(f"{args.corpus}/html not found: pass --corpus pointing at the AEB corpus folder")
    speed(args.corpus)
    memory(args.corpus, args.pages)


if __name__ == "__main__":
    main()
