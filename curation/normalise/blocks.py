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
    # str.split() splits on exactly the characters \s matches (str.isspace; tests check all of
    # Unicode), so this is WHITESPACE.sub(" ", ...).strip() at about half the cost.
    text = " ".join(CONTROLS.sub("", raw_text).split())
    # Only non-ASCII text can change under NFC; skip the call for the common case.
    return text if text.isascii() else unicodedata.normalize("NFC", text)


#: Joins the blocks of a page for clean_blocks: neither whitespace nor a control character, so
#: neither dropping controls nor splitting on whitespace crosses it (checked absent first).
_JOIN = "\ue000"


def clean_blocks(raw_texts: list[str]) -> list[str]:
    """``[clean_block(t) for t in raw_texts]``, with one search for controls over the joined texts
    instead of one per block (a page has hundreds of blocks, and each call has a fixed cost)."""
    if not raw_texts:
        return []
    joined = _JOIN.join(raw_texts)
    if joined.count(_JOIN) != len(raw_texts) - 1:  # a page that uses the code point itself
        return [clean_block(t) for t in raw_texts]
    if CONTROLS.search(joined) is not None:
        raw_texts = CONTROLS.sub("", joined).split(_JOIN)
    normalize = unicodedata.normalize
    folded = (" ".join(t.split()) for t in raw_texts)
    return [t if t.isascii() else normalize("NFC", t) for t in folded]


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

    def extend(self, items: list[tuple[str, str, str]]) -> None:
        """``add`` each (raw_text, tag, path) in order; the same result, cleaned in one batch."""
        parts, blocks = self.parts, self.blocks
        length = self.length
        for text, (_, tag, path) in zip(clean_blocks([raw for raw, _, _ in items]), items):
            if not text:
                continue
            if parts:
                length += 1
            start = length
            length += len(text)
            parts.append(text)
            blocks.append({"start": start, "end": length, "tag": tag, "path": path})
        self.length = length

    @property
    def text(self) -> str:
        return "\n".join(self.parts)
