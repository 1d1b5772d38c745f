"""Carrying annotation spans from one normalised text of a page to the next (a normaliser bump).

Offsets are mapped through an exact character diff of the old and new text (rapidfuzz's Indel
opcodes): a span moves only when every character it covers lies in one unchanged ("equal") run,
so the carried span covers exactly the same characters. Any other span is not guessed at: the
row goes to a review list and stays out of gold until someone re-annotates it.
"""

from __future__ import annotations

from bisect import bisect_right
from typing import Any

from rapidfuzz.distance import Indel


class OffsetMap:
    """Maps [start, end) spans of ``old`` onto ``new`` where the covered characters are unchanged."""

    def __init__(self, old: str, new: str) -> None:
        self.runs = [(op.src_start, op.src_end, op.dest_start) for op in Indel.opcodes(old, new) if op.tag == "equal"]
        self.starts = [r[0] for r in self.runs]

    def span(self, start: int, end: int) -> tuple[int, int] | None:
        """The new offsets of ``old[start:end]``, or None when any of its characters changed."""
        i = bisect_right(self.starts, start) - 1
        if i < 0:
            return None
        s0, s1, d0 = self.runs[i]
        if start >= s0 and end <= s1 and end > start:
            return start - s0 + d0, end - s0 + d0
        return None


def carry_row(row: dict[str, Any], table: str, old: str, new: str, new_sha: str,
              blocks: list[dict[str, Any]]) -> tuple[dict[str, Any] | None, int]:
    """(row with spans moved onto ``new``, or None when any span changed; spans that moved).

    ``table`` is ``entity_gold`` (``entities``: start, end, label, text) or ``zone_gold``
    (``main_spans``; ``main_blocks`` re-derived as blocks at least half inside the zones).
    """
    omap = OffsetMap(old, new)
    key = "entities" if table == "entity_gold" else "main_spans"
    moved = []
    for span in row[key] or []:
        got = omap.span(span["start"], span["end"])
        if got is None:
            return None, 0
        moved.append({**span, "start": got[0], "end": got[1]})
    out = {**row, key: moved, "text_sha256": new_sha}
    if table == "zone_gold":
        out["main_blocks"] = [i for i, b in enumerate(blocks)
                              if sum(max(0, min(b["end"], s["end"]) - max(b["start"], s["start"])) for s in moved)
                              * 2 >= b["end"] - b["start"]]
    return out, len(moved)
