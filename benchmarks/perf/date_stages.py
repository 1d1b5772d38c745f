"""Where ingest's publication date (htmldate's ``find_date``) spends its time, and which check decides.

    python -m benchmarks.perf.date_stages                                   # AEB
    python -m benchmarks.perf.date_stages --corpus ../shared/corpora/wcxb-dev --format wcxb

For every page of the corpus, the HTML ``curation.steps.metadata.published_of`` is given (the
normaliser's decoded text) goes through htmldate exactly as ingest calls it. Printed, in CPU ms per
page (best of ``--passes`` passes):

- ``find_date`` in all;
- its ``load_html``: lxml's parse of the whole page (with its small repairs), tree kept;
- freeing that tree (lxml/libxml2 frees node by node);
- the checks after the parse (the rest).

Then how many pages each check of ``find_date`` decided, in the order it runs them: the date in the
URL of ``<link rel="canonical">``, ``<meta>`` headers, JSON-LD, ``<abbr>``, date-bearing elements,
``<title>``/``<h1>``, ``<time>``, timestamps in the serialised HTML, ``<img>``, idiosyncrasies, a
date in the page's text (fast mode's last resort), or none. Every check reads the tree of the whole
page (the canonical link, the first deciding ``<meta>`` and JSON-LD block can be anywhere in it), which
is why the parse cannot be skipped or cut short without risking a different date.
"""

from __future__ import annotations

import argparse
import functools
import gc
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

DEFAULT_CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpora" / "aeb"
#: find_date's checks in the order it runs them (htmldate.core names), as printed.
CHECKS = {
    "extract_url_date": "URL of <link rel=canonical>",
    "examine_header": "<meta> headers",
    "json_search": "JSON-LD",
    "examine_abbr_elements": "<abbr>",
    "examine_elements": "date-bearing elements, <title>/<h1>",
    "examine_time_elements": "<time>",
    "pattern_search": "timestamp / text patterns",
    "img_search": "<img>",
    "idiosyncrasies_search": "idiosyncrasies",
}


def page_html(corpus: Path, fmt: str) -> list[str]:
    """The decoded HTML ingest hands to htmldate, for every HTML page of the corpus that normalises."""
    import tempfile

    from curation import shards
    from curation.normalise import PageError, normalise

    plan, _ = shards.plan([str(corpus)], "date-stages", fmt, None, None, Path(tempfile.gettempdir()) / "unused", 10**9)
    html = []
    for shard in plan:
        for record in shards.read_shard(shard):
            if not isinstance(record, dict) or record["raw_format"] != "html":
                continue
            try:
                page = normalise(record["raw"], record["raw_format"], record.get("http_charset"))
            except PageError:
                continue
            html.append(page.html)
    return html


def best_ms(pages: list[str], run: Callable[[str], Any], passes: int) -> float:
    """Best CPU ms per page of ``run`` over all pages, the collector off (as in an ingest shard)."""
    best = float("inf")
    for _ in range(passes):
        start = time.process_time()
        for html in pages:
            run(html)
        best = min(best, time.process_time() - start)
    return 1000 * best / len(pages)


@contextmanager
def deciding_check(decided: list[str]) -> Iterator[None]:
    """While active, ``decided`` gets the name of the find_date check that returned a date (the first
    top-level one: checks called from inside another check, e.g. the ``og:url`` reserve of
    ``examine_header``, do not count)."""
    import htmldate.core as core

    originals = {name: getattr(core, name) for name in CHECKS}
    depth = [0]

    def wrap(name: str, check: Callable) -> Callable:
        @functools.wraps(check)
        def run(*args: Any, **kwargs: Any) -> Any:
            depth[0] += 1
            try:
                result = check(*args, **kwargs)
            finally:
                depth[0] -= 1
            if result is not None and depth[0] == 0 and not decided:
                decided.append(name)
            return result

        return run

    for name, check in originals.items():
        setattr(core, name, wrap(name, check))
    try:
        yield
    finally:
        for name, check in originals.items():
            setattr(core, name, check)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="the corpus folder (default: ../shared/corpora/aeb)")
    parser.add_argument("--format", default="aeb", help="its --format (default: aeb)")
    parser.add_argument("--passes", type=int, default=3, help="timed passes over the pages; the best counts (default: 3)")
    args = parser.parse_args()
    if not args.corpus.exists():
        raise SystemExit(f"{args.corpus} not found: pass --corpus")
    from htmldate.utils import load_html

    from curation.steps.metadata import published_of

    pages = page_html(args.corpus, args.format)
    if not pages:
        raise SystemExit(f"no HTML page of {args.corpus} normalised")
    published_of(pages[0])  # imports and first-use costs out of the timings
    gc.disable()
    try:
        total = best_ms(pages, published_of, args.passes)
        parse = free = float("inf")
        for _ in range(args.passes):
            start = time.process_time()
            trees = [load_html(html) for html in pages]
            parsed = time.process_time()
            del trees
            parse, free = min(parse, parsed - start), min(free, time.process_time() - parsed)
        parse, free = 1000 * parse / len(pages), 1000 * free / len(pages)
    finally:
        gc.enable()
    decided: Counter = Counter()
    for html in pages:
        names: list[str] = []
        with deciding_check(names):
            date = published_of(html)
        decided[names[0] if names and date is not None else None] += 1
    print(f"{args.corpus} ({args.format}): {len(pages)} HTML pages, {sum(map(len, pages)) // len(pages):,} characters on average")
    print(f"CPU ms per page (best of {args.passes} passes)")
    print(f"  find_date in all                      {total:6.2f}")
    print(f"    lxml parse of the whole page        {parse:6.2f}")
    print(f"    freeing the tree                    {free:6.2f}")
    print(f"    the checks                          {total - parse - free:6.2f}")
    print("pages decided by each check, in find_date's order:")
    for name, label in CHECKS.items():
        print(f"  {label:<38} {decided[name]:6d}  {100 * decided[name] / len(pages):5.1f}%")
    print(f"  {'no date':<38} {decided[None]:6d}  {100 * decided[None] / len(pages):5.1f}%")


if __name__ == "__main__":
    main()
