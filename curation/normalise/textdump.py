"""Text dumps (one page as plain text, like the seed page) → blocks, one per non-empty line.

A dump may open with a header line ``date YYYY-MM-DD <section>``; it is page metadata, not page
text, so it is taken out of the text and returned as (published, section).
"""

from __future__ import annotations

import re

from curation.normalise.blocks import BlockText

HEADER = re.compile(r"^\s*date\s+(\d{4}-\d{2}-\d{2})\b\s*(.*)$")


def text_to_blocks(text: str) -> tuple[BlockText, dict[str, str | None]]:
    lines = text.splitlines()
    meta: dict[str, str | None] = {"published": None, "section": None}
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is not None and (match := HEADER.match(lines[first])):
        meta = {"published": match.group(1), "section": match.group(2).strip() or None}
        lines[first] = ""
    out = BlockText()
    for number, line in enumerate(lines, start=1):
        out.add(line, "line", f"line[{number}]")
    return out, meta
