"""Block-level precision/recall/F1 against the gold main-block mask.

Definition (PageGold's own): a page's normalised ``text`` is a sequence of blocks (schemas/pages.yaml).
Gold marks some blocks main (``boilerplate_gold.main_blocks``). A system's output text is projected
onto the blocks: walking the blocks in reading order, a block is *predicted main* when at least
``threshold`` (default ½) of its lowercased ``\\w+`` tokens can be taken from the output's remaining
token multiset (tokens are consumed, so a menu word that the output contains once cannot make
every menu block main). Blocks without tokens are ignored. Per page: TP/FP/FN are counts of blocks;
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


def predicted_blocks(text: str, blocks: Sequence[Mapping[str, int]], output: str | None, threshold: float = 0.5) -> list[int]:
    """Indices of blocks of ``text`` that ``output`` covers (see module docstring)."""
    remaining = Counter(_WORD_RE.findall((output or "").lower()))
    chosen = []
    if not remaining:
        return chosen
    for i, block in enumerate(blocks):
        tokens = Counter(_WORD_RE.findall(text[block["start"] : block["end"]].lower()))
        size = sum(tokens.values())
        if size == 0:
            continue
        covered = tokens & remaining
        if sum(covered.values()) >= threshold * size:
            chosen.append(i)
            remaining -= covered
    return chosen


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
