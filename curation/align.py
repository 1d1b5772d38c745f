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
    return [t.lower() for t in WORD.findall(text)]


def block_tokens(text: str, blocks: list[dict]) -> tuple[list[str], list[int]]:
    """Tokens of the page text and, for each, the index of its block."""
    toks: list[str] = []
    owner: list[int] = []
    for index, block in enumerate(blocks):
        words = tokens(text[block["start"] : block["end"]])
        toks.extend(words)
        owner.extend([index] * len(words))
    return toks, owner


def align_main_blocks(text: str, blocks: list[dict], gold: str | None) -> tuple[list[int], float | None, float | None]:
    """Return (main block indices, alignment_recall, alignment_precision) for ``gold`` on a page.

    A snippet-only gold has no main text (``None``): nothing to align, like an empty one.
    """
    gold_toks = tokens(gold or "")
    if not gold_toks:
        return [], None, None
    page_toks, owner = block_tokens(text, blocks)
    strong = [False] * len(page_toks)  # matched in a run of >= MIN_RUN
    weak = [False] * len(page_toks)  # matched in any run
    for op in LCSseq.opcodes(page_toks, gold_toks):
        if op.tag != "equal":
            continue
        run = op.src_end - op.src_start
        for i in range(op.src_start, op.src_end):
            weak[i] = True
            strong[i] = run >= MIN_RUN

    n_blocks = len(blocks)
    total = [0] * n_blocks
    matched = [0] * n_blocks
    all_weak = [True] * n_blocks
    for i, block in enumerate(owner):
        total[block] += 1
        matched[block] += strong[i]
        all_weak[block] &= weak[i]
    is_main = [total[b] >= MIN_RUN and matched[b] >= MAIN_SHARE * total[b] for b in range(n_blocks)]
    for b in range(n_blocks):
        if 0 < total[b] < MIN_RUN and all_weak[b]:
            neighbours = (b > 0 and is_main[b - 1]) or (b + 1 < n_blocks and is_main[b + 1])
            is_main[b] = bool(neighbours)

    main = [b for b in range(n_blocks) if is_main[b]]
    in_main_matched = sum(1 for i, b in enumerate(owner) if is_main[b] and (strong[i] or total[b] < MIN_RUN))
    in_main_total = sum(total[b] for b in main)
    recall = min(in_main_matched / len(gold_toks), 1.0)
    precision = in_main_matched / in_main_total if in_main_total else 0.0
    return main, round(recall, 4), round(precision, 4)
