"""Block-level precision/recall/F1 against the gold main-block mask.

Definition (PageGold's own): a page's normalised ``text`` is a sequence of blocks (schemas/pages.yaml).
Gold marks some blocks main (``boilerplate_gold.main_blocks``). A system's output text is projected
onto the blocks: the page's lowercased ``\\w+`` tokens (all blocks, in reading order) are covered by
every page 3-gram that the output also contains (as a multiset, consumed in reading order, so a
phrase the output holds once covers one place on the page); a block is *predicted main* when at
least ``threshold`` (default ½) of its tokens are covered. Blocks without tokens are ignored. Per page: TP/FP/FN are counts of blocks;
P = TP/(TP+FP), R = TP/(TP+FN) with the WCXB empty conventions (no gold main blocks and no
predicted ones → 1). Corpus values are macro means over pages.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

import numpy as np

_WORD_RE = re.compile(r"\w+")
STAT_KEYS = ("block_precision", "block_recall", "block_f1")


def predicted_blocks(text: str, blocks: Sequence[Mapping[str, int]], output: str | None, threshold: float = 0.5, n: int = 3) -> list[int]:
    """Indices of blocks of ``text`` that ``output`` covers (see module docstring)."""
    out_tokens = _WORD_RE.findall((output or "").lower())
    if not out_tokens:
        return []
    tokens, owner = [], []
    for i, block in enumerate(blocks):
        words = _WORD_RE.findall(text[block["start"] : block["end"]].lower())
        tokens.extend(words)
        owner.extend([i] * len(words))
    size = Counter(owner)
    covered = [False] * len(tokens)
    if len(out_tokens) < n or len(tokens) < n:  # too short for n-grams: fall back to whole-text match
        remaining = Counter(out_tokens)
        for j, tok in enumerate(tokens):
            if remaining[tok] > 0:
                remaining[tok] -= 1
                covered[j] = True
    else:
        # a page n-gram found in the output (multiset, consumed in reading order) covers its tokens:
        # an isolated menu word ("Home") is not covered just because the article uses the word
        remaining = Counter(zip(*(out_tokens[k:] for k in range(n))))
        for j, gram in enumerate(zip(*(tokens[k:] for k in range(n)))):
            if remaining[gram] > 0:
                remaining[gram] -= 1
                covered[j : j + n] = [True] * n
    hits = Counter(o for o, c in zip(owner, covered) if c)
    return [i for i in sorted(size) if hits[i] >= threshold * size[i]]


def block_prf(predicted: Iterable[int], gold: Iterable[int], scorable: Iterable[int] | None = None) -> tuple[float, float, float]:
    """(precision, recall, F1) of predicted vs gold block indices, optionally restricted to ``scorable``."""
    pred, true = set(predicted), set(gold)
    if scorable is not None:
        keep = set(scorable)
        pred, true = pred & keep, true & keep
    if not true:
        return (1.0, 1.0, 1.0) if not pred else (0.0, 0.0, 0.0)
    if not pred:
        return 0.0, 0.0, 0.0
    tp = len(pred & true)
    p, r = tp / len(pred), tp / len(true)
    return p, r, (2 * p * r / (p + r) if tp else 0.0)


def page_stats(text: str, blocks: Sequence[Mapping[str, int]], gold_blocks: Iterable[int], output: str | None) -> dict[str, float]:
    scorable = [i for i, b in enumerate(blocks) if _WORD_RE.search(text[b["start"] : b["end"]])]
    return dict(zip(STAT_KEYS, block_prf(predicted_blocks(text, blocks, output), gold_blocks, scorable)))


def aggregate(stats: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {
        "f1": np.asarray(stats["block_f1"], dtype=float).mean(-1),
        "precision": np.asarray(stats["block_precision"], dtype=float).mean(-1),
        "recall": np.asarray(stats["block_recall"], dtype=float).mean(-1),
    }
