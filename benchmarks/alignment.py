"""Map entity spans found in some text back onto the page text, and tell article from boilerplate.

An entity system may read (a) the gold main text, (b) the whole page text or (c) a boilerplate
system's output. Scores and leaks are always computed in page-text offsets (the offsets of
``entity_gold``), so every input is a ``TextView``: the text the system reads plus ``char_map``,
the page offset of each of its characters (-1 where a character has no counterpart on the page).

* (b) ``TextView.identity(page_text)`` — offsets are the page's own.
* (a) ``TextView.from_zones(page_text, zones)`` — the gold main zones (annotated MAIN spans, or
  the gold main blocks) cut out of the page text and joined by "\\n": exact, piecewise offsets.
* (c) ``TextView.aligned(extracted, page_text)`` — extractors rewrite text (whitespace, joined
  or split paragraphs, dropped inline parts, changed quotes), so offsets are recovered by
  alignment, in two passes:

  1. *anchors*: every line of the extracted text is whitespace-folded and searched verbatim in the
     whitespace-folded page text, left to right from the end of the previous anchor (then, for
     lines the extractor moved, e.g. a title put first, from the start of the page); a found line
     maps character by character;
  2. *gaps*: a line with no verbatim match is aligned with ``difflib.SequenceMatcher``
     (Ratcliff–Obershelp: longest common substrings, recursively; ``autojunk`` off) against the
     page text between its neighbouring anchors (at most ``max_gap`` characters), so that an
     edited paragraph still maps its unchanged characters and never jumps outside its place.

  A span maps to [page offset of its first mapped character, page offset of its last mapped
  character + 1]; a span none of whose characters map, or whose image is more than twice its
  length (+8), is *unaligned* and reported as such (it cannot be scored or located on the page).

A predicted entity in page offsets is a *leak* when it overlaps no main zone of the gold: it was
found in boilerplate (gold entities only cover the main content).
"""

from __future__ import annotations

import bisect
import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

_WS = re.compile(r"\s+")


@dataclass
class TextView:
    """A text a system reads, with the page offset of every character (``-1`` = none)."""

    text: str
    char_map: np.ndarray  # int64, len(text)

    @classmethod
    def identity(cls, page_text: str) -> TextView:
        return cls(page_text, np.arange(len(page_text), dtype=np.int64))

    @classmethod
    def from_zones(cls, page_text: str, zones: Iterable[tuple[int, int]]) -> TextView:
        """The page's main zones, in page order, joined by newlines (the joins map to -1)."""
        parts: list[str] = []
        maps: list[np.ndarray] = []
        for start, end in merge_zones(zones):
            if parts:
                parts.append("\n")
                maps.append(np.array([-1], dtype=np.int64))
            parts.append(page_text[start:end])
            maps.append(np.arange(start, end, dtype=np.int64))
        char_map = np.concatenate(maps) if maps else np.zeros(0, dtype=np.int64)
        return cls("".join(parts), char_map)

    @classmethod
    def aligned(cls, text: str, page_text: str, max_gap: int = 20_000) -> TextView:
        return cls(text, align_text(text, page_text, max_gap=max_gap))

    @property
    def coverage(self) -> float:
        """Share of non-space characters that map onto the page (alignment quality)."""
        keep = np.array([not c.isspace() for c in self.text], dtype=bool)
        return float((self.char_map[keep] >= 0).mean()) if keep.any() else 1.0

    def to_page(self, start: int, end: int) -> tuple[int, int] | None:
        """Page offsets of the view span [start, end), or None when it cannot be placed."""
        mapped = self.char_map[start:end]
        mapped = mapped[mapped >= 0]
        if len(mapped) == 0:
            return None
        page_start, page_end = int(mapped[0]), int(mapped[-1]) + 1
        if page_end <= page_start or page_end - page_start > 2 * (end - start) + 8:
            return None
        return page_start, page_end


def _fold(text: str) -> tuple[str, np.ndarray]:
    """Whitespace runs → one space; returns the folded text and each folded char's index in ``text``."""
    out: list[str] = []
    idx: list[int] = []
    pos = 0
    for match in _WS.finditer(text):
        out.append(text[pos : match.start()])
        idx.extend(range(pos, match.start()))
        out.append(" ")
        idx.append(match.start())
        pos = match.end()
    out.append(text[pos:])
    idx.extend(range(pos, len(text)))
    return "".join(out), np.asarray(idx, dtype=np.int64)


def align_text(text: str, page_text: str, max_gap: int = 20_000) -> np.ndarray:
    """Page offset of every character of ``text`` (-1 if unmatched); see the module docstring."""
    char_map = np.full(len(text), -1, dtype=np.int64)
    folded_page, page_idx = _fold(page_text)
    # lines of the extracted text, each folded and stripped, with their char indices into `text`
    lines: list[tuple[str, np.ndarray]] = []
    offset = 0
    for raw_line in text.split("\n"):
        folded, idx = _fold(raw_line)
        lead = len(folded) - len(folded.lstrip())
        stripped = folded.strip()
        if stripped:
            lines.append((stripped, idx[lead : lead + len(stripped)] + offset))
        offset += len(raw_line) + 1

    # pass 1: verbatim anchors, in order
    found: list[int | None] = []  # folded-page start of each line, or None
    cursor = 0
    for line, idx in lines:
        at = folded_page.find(line, cursor)
        if at < 0:
            at = folded_page.find(line)  # moved by the extractor (e.g. the title put first)
            if at < 0:
                found.append(None)
                continue
        else:
            cursor = at + len(line)
        found.append(at)
        char_map[idx] = page_idx[at : at + len(line)]

    # pass 2: the other lines, inside the page region between their neighbouring anchors
    ends = [None if at is None else at + len(lines[i][0]) for i, at in enumerate(found)]
    for i, (line, idx) in enumerate(lines):
        if found[i] is not None:
            continue
        lo = next((ends[j] for j in range(i - 1, -1, -1) if ends[j] is not None), 0)
        hi = next((found[j] for j in range(i + 1, len(lines)) if found[j] is not None), len(folded_page))
        if hi < lo:  # neighbours out of order (a moved line): search after the previous one
            hi = len(folded_page)
        hi = min(hi, lo + max_gap)
        region = folded_page[lo:hi]
        if not region:
            continue
        matcher = difflib.SequenceMatcher(None, line, region, autojunk=False)
        for block in matcher.get_matching_blocks():
            if block.size < 2 and not line[block.a : block.a + 1].isalnum():
                continue  # lone punctuation/space matches are noise
            for k in range(block.size):
                char_map[idx[block.a + k]] = page_idx[lo + block.b + k]
    return char_map


def merge_zones(zones: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted, merged [start, end) zones (adjacent or overlapping zones become one)."""
    merged: list[list[int]] = []
    for start, end in sorted((int(s), int(e)) for s, e in zones if e > s):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(s, e) for s, e in merged]


def zones_from_gold(page: dict, gold: dict | None) -> list[tuple[int, int]] | None:
    """Main zones of a page in page offsets: annotated ``main_spans``, else the ``main_blocks``."""
    if not gold:
        return None
    spans = gold.get("main_spans")
    if spans:
        return merge_zones((s["start"], s["end"]) for s in spans)
    blocks_idx = gold.get("main_blocks")
    if blocks_idx is not None and page.get("blocks") is not None:
        blocks = page["blocks"]
        return merge_zones((blocks[i]["start"], blocks[i]["end"]) for i in blocks_idx)
    return None


class ZoneIndex:
    """Answers "does [start, end) overlap a main zone?" in O(log n)."""

    def __init__(self, zones: Sequence[tuple[int, int]]):
        self.zones = merge_zones(zones)
        self.starts = [s for s, _ in self.zones]

    def overlaps(self, start: int, end: int) -> bool:
        i = bisect.bisect_right(self.starts, start) - 1  # last zone starting at or before `start`
        if i >= 0 and self.zones[i][1] > start:
            return True
        return i + 1 < len(self.zones) and self.zones[i + 1][0] < end

    def is_leak(self, start: int, end: int) -> bool:
        return not self.overlaps(start, end)
