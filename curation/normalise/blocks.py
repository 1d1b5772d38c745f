"""Assembling normalised text from blocks: whitespace folding, NFC, code-point offsets.

A block is one unit of reading order (a heading, a paragraph, a list item, a table row, a line
of a text dump). Inside a block every run of whitespace becomes one space and the ends are
trimmed; control characters are dropped; the result is NFC. Empty blocks are dropped. The page
text is the blocks joined by a newline, so offsets are exact by construction.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

# \s covers Unicode whitespace, including NO-BREAK SPACE, which a browser renders as a space.
WHITESPACE = re.compile(r"\s+")
# C0/C1 controls and U+FFFE/U+FFFF; tab and newline are whitespace and folded instead.
CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")


def clean_block(raw_text: str) -> str:
    """Normalise one block's text: drop controls, fold whitespace, trim, NFC."""
    text = WHITESPACE.sub(" ", CONTROLS.sub("", raw_text)).strip()
    # Only non-ASCII text can change under NFC; skip the call for the common case.
    return text if text.isascii() else unicodedata.normalize("NFC", text)


@dataclass
class BlockText:
    """Accumulates blocks and their offsets into one text."""

    parts: list[str] = field(default_factory=list)
    blocks: list[dict] = field(default_factory=list)
    length: int = 0

    def add(self, raw_text: str, tag: str, path: str) -> None:
        text = clean_block(raw_text)
        if not text:
            return
        if self.parts:
            self.length += 1  # the "\n" that joins blocks
        start = self.length
        self.length += len(text)
        self.parts.append(text)
        self.blocks.append({"start": start, "end": self.length, "tag": tag, "path": path})

    @property
    def text(self) -> str:
        return "\n".join(self.parts)
