"""Zone pre-labels that follow the guidelines: headline, byline and lede are MAIN.

Source gold often leaves them out (AEB's ``articleBody`` starts after the lede), so the block
mask of ``boilerplate_gold`` would pre-label them BOILERPLATE and every annotator would have to
fix them. ``guideline_main_blocks`` adds them back, looking only at the few blocks just before
the first MAIN block (``LOOKBACK``), each judged on its own:

* headline: a block of 3+ words that the page ``title`` contains, or that contains the title
  with the site name cut off (titles read "Headline | Site" or "Headline - Site");
* byline: a short block (<= 120 characters) starting "By"/"Written by", naming "Published"/
  "Updated", or holding a date (month name and day or year, or an ISO date);
* lede: a block between a detected headline and the body, of 8+ words ending like a sentence.

A block matching none stays as the source gold had it (share buttons, section names, ads). Only
article pages are touched (``page_type`` "article" or unknown): a forum, listing or product page
has no headline/byline/lede in this sense. Zone
pre-labels are then one region per block (``zone_regions``): fixing a zone is a click on the
line and a hotkey (m or b), never a re-drag.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from curation.labelstudio import config, spans

LOOKBACK = 6
_MONTH = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
BYLINE = re.compile(
    rf"^(by|written by|words by)\s|\b(published|updated|posted)\b|\b{_MONTH}\s+\d{{1,2}}\b|\b\d{{1,2}}\s+{_MONTH}\b"
    rf"|\b{_MONTH}\s+\d{{4}}\b|\b\d{{4}}-\d{{2}}-\d{{2}}\b",
    re.IGNORECASE,
)
SENTENCE_END = re.compile(r"[.!?…][\"'”’)]?$")
_SITE_SUFFIX = re.compile(r"\s+[|\-–—:·]\s+[^|\-–—:·]{1,60}$")


def _norm(s: str) -> str:
    return " ".join(re.findall(r"\w+", s.casefold()))


def is_headline(block: str, title: str | None) -> bool:
    """True when ``block`` is the page's headline according to its ``title``."""
    if not title or len(block.split()) < 3:
        return False
    b, t = _norm(block), _norm(title)
    bare = _norm(_SITE_SUFFIX.sub("", title.strip()))
    return bool(b) and (b == t or b == bare or (len(b) >= 15 and b in t) or (len(bare) >= 15 and bare in b))


def is_byline(block: str) -> bool:
    return len(block) <= 120 and bool(BYLINE.search(block))


def is_lede(block: str) -> bool:
    return len(block.split()) >= 8 and bool(SENTENCE_END.search(block.strip()))


def guideline_main_blocks(page: dict[str, Any], main_blocks: Iterable[int]) -> tuple[list[int], list[int]]:
    """``(main blocks with headline/byline/lede added, the blocks added)``; see the module docstring."""
    main = set(main_blocks)
    if not main or page.get("page_type") not in (None, "article"):
        return sorted(main), []
    blocks, text, first = page["blocks"], page["text"], min(main)
    window = list(range(max(0, first - LOOKBACK), first))
    lines = {i: text[blocks[i]["start"] : blocks[i]["end"]].strip() for i in window}
    headline = next((i for i in window if is_headline(lines[i], page.get("title"))), None)
    added = []
    for i in window:
        line = lines[i]
        if not line:
            continue
        if i == headline or is_byline(line) or (headline is not None and i > headline and is_lede(line)):
            added.append(i)
    return sorted(main | set(added)), added


def zone_regions(page: dict[str, Any], main_blocks: Iterable[int]) -> list[dict[str, Any]]:
    """One MAIN or BOILERPLATE region per non-empty block, so each line can be relabelled alone."""
    main = set(main_blocks)
    text, regions = page["text"], []
    for i, block in enumerate(page["blocks"]):
        if block["end"] > block["start"]:
            label = config.MAIN if i in main else config.BOILERPLATE
            regions.append(spans.region(config.ZONES, block["start"], block["end"], label, text, f"z{len(regions)}"))
    return regions
