"""Aligning a gold main text onto a page's blocks: the main-block mask.

Method (deterministic; documented in the README, "Aligning gold onto blocks"):
1. Tokenise the page text and the gold text into lowercased ``\\w+`` words; every page token
   remembers its block.
2. Align the two token sequences by their longest common subsequence (rapidfuzz LCSseq
   opcodes). Only runs of at least MIN_RUN equal tokens count as matches, so that common words
   scattered through navigation do not align by chance.
3. A block is main when at least MAIN_SHARE of its tokens are matched. A short block (fewer
   than MIN_RUN tokens: a heading, "Key Points") is main when all its tokens fall in any equal
   run and a neighbouring block is main.
4. Quality: ``alignment_recall`` = gold tokens matched inside main blocks / all gold tokens;
   ``alignment_precision`` = matched tokens in main blocks / all tokens in main blocks.
"""

from __future__ import annotations

import re

from rapidfuzz.distance import LCSseq

WORD = re.compile(r"\w+")
MIN_RUN = 3
MAIN_SHARE = 0.5


def tokens(text: str) -> list[str]:
    lowered = _lowered(text)
    return WORD.findall(lowered) if lowered is not None else list(map(str.lower, WORD.findall(text)))


def _lowered(text: str) -> str | None:
    """``text.lower()`` when tokenising it gives the lowercased tokens of ``text`` at the same
    offsets (one pass in C instead of one ``lower()`` per token), else None. That holds when every
    character lowercases to one character (the length is kept; not so for U+0130 'İ') and on its
    own: Python's only context-dependent lowercasing is the Greek final sigma, so no 'Σ'. Every
    1-character lowercasing keeps a character's ``\\w`` class (tests/test_ingest_speed.py checks all
    of Unicode for the running Python), so the token boundaries are the same."""
    lowered = text.lower()
    return lowered if len(lowered) == len(text) and "Σ" not in text else None


def block_tokens(text: str, blocks: list[dict]) -> tuple[list[str], list[int]]:
    """Tokens of the page text and, for each, the index of its block."""
    toks, ranges = _tokens_by_block(text, blocks)
    owner: list[int] = []
    for index, (start, end) in enumerate(ranges):
        owner.extend([index] * (end - start))
    return toks, owner


def _tokens_by_block(text: str, blocks: list[dict]) -> tuple[list[str], list[tuple[int, int]]]:
    """Tokens of the page text, and each block's [start, end) range in them."""
    toks: list[str] = []
    ranges: list[tuple[int, int]] = []
    findall, lower = WORD.findall, str.lower
    lowered = _lowered(text)
    for block in blocks:
        start = len(toks)
        if lowered is not None:
            toks.extend(findall(lowered, block["start"], block["end"]))
        else:
            toks.extend(map(lower, findall(text, block["start"], block["end"])))  # as findall(text[start:end])
        ranges.append((start, len(toks)))
    return toks, ranges


def align_main_blocks(text: str, blocks: list[dict], gold: str | None) -> tuple[list[int], float | None, float | None]:
    """Return (main block indices, alignment_recall, alignment_precision) for ``gold`` on a page.

    A snippet-only gold has no main text (``None``): nothing to align, like an empty one.
    """
    gold_toks = tokens(gold or "")
    if not gold_toks:
        return [], None, None
    page_toks, ranges = _tokens_by_block(text, blocks)
    strong = [False] * len(page_toks)  # matched in a run of >= MIN_RUN
    weak = [False] * len(page_toks)  # matched in any run
    for op in LCSseq.opcodes(page_toks, gold_toks):
        if op.tag != "equal":
            continue
        run = op.src_end - op.src_start  # equal runs never overlap: each token is set once
        weak[op.src_start : op.src_end] = [True] * run
        strong[op.src_start : op.src_end] = [run >= MIN_RUN] * run

    n_blocks = len(blocks)
    total = [end - start for start, end in ranges]
    matched = [sum(strong[start:end]) for start, end in ranges]
    is_main = [total[b] >= MIN_RUN and matched[b] >= MAIN_SHARE * total[b] for b in range(n_blocks)]
    for b, (start, end) in enumerate(ranges):
        if 0 < total[b] < MIN_RUN and all(weak[start:end]):
            neighbours = (b > 0 and is_main[b - 1]) or (b + 1 < n_blocks and is_main[b + 1])
            is_main[b] = bool(neighbours)

    main = [b for b in range(n_blocks) if is_main[b]]
    # Tokens of main blocks that count as matched: those in long runs, or all of a short block's.
    in_main_matched = sum(matched[b] if total[b] >= MIN_RUN else total[b] for b in main)
    in_main_total = sum(total[b] for b in main)
    recall = min(in_main_matched / len(gold_toks), 1.0)
    precision = in_main_matched / in_main_total if in_main_total else 0.0
    return main, round(recall, 4), round(precision, 4)
