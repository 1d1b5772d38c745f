"""benchmarks/perf/date_stages: which of htmldate's checks decides a page's date, and the time split."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import htmldate.core

from benchmarks.perf import date_stages
from curation.steps.metadata import published_of

FIXTURES = Path(__file__).parent / "fixtures"
CANONICAL = '<html><head><link rel="canonical" href="https://example.com/2020/05/17/story.html"></head><body><p>x</p></body></html>'
HEADER = ('<html><head><meta property="article:published_time" content="2021-03-04T10:00:00Z">'
          '<link rel="canonical" href="https://example.com/story.html"></head><body><p>x</p></body></html>')  # fmt: skip


def decided_by(html: str) -> tuple[list[str], str | None]:
    names: list[str] = []
    with date_stages.deciding_check(names):
        date = published_of(html)
    return names, date


def test_the_deciding_check_is_the_first_top_level_one_that_found_a_date():
    assert decided_by(CANONICAL) == (["extract_url_date"], "2020-05-17")
    # the canonical URL has no date, so the <meta> decides (its og:url reserve would be nested)
    assert decided_by(HEADER) == (["examine_header"], "2021-03-04")
    assert decided_by("<html><body><p>nothing</p></body></html>") == ([], None)


def test_htmldate_is_left_as_it_was():
    before = {name: getattr(htmldate.core, name) for name in date_stages.CHECKS}
    decided_by(CANONICAL)
    assert {name: getattr(htmldate.core, name) for name in date_stages.CHECKS} == before


def test_the_report_counts_every_page_once():
    done = subprocess.run([sys.executable, "-m", "benchmarks.perf.date_stages", "--corpus", str(FIXTURES / "aeb"), "--passes", "1"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    pages = int(re.search(r"\): (\d+) HTML pages", done.stdout).group(1))
    counts = [int(m) for m in re.findall(r"^  \S.*?\s(\d+)\s+[\d.]+%$", done.stdout, re.M)]
    assert pages == 4 and len(counts) == len(date_stages.CHECKS) + 1 and sum(counts) == pages
    for part in ("find_date in all", "lxml parse of the whole page", "freeing the tree", "the checks"):
        assert re.search(rf"{part}\s+\d+\.\d\d$", done.stdout, re.M), part
