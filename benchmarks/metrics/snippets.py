"""trafilatura-style snippet scoring: must-have ("with") and must-not-have ("without") snippets.

Source: trafilatura's evaluation (github.com/adbar/trafilatura, ``tests/comparison.py``,
``evaluate_result`` and ``calculate_scores``); WCXB ships the same kind of snippets per page.

Definition: per page, each ``with`` snippet found in the output is a TP (missing: FN), each
``without`` snippet found is a FP (absent: TN). "Found" = substring match after folding runs of
whitespace to one space on both sides (trafilatura matches raw substrings of its own text output;
folding makes outputs of tools with different line breaking comparable). An empty/failed output
counts every ``with`` as FN and every ``without`` as TN, as trafilatura does for ``None``.
Counts are **summed over pages (micro)**: precision = TP/(TP+FP), recall = TP/(TP+FN),
accuracy = (TP+TN)/all, F1 = 2PR/(P+R).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import numpy as np

_WS = re.compile(r"\s+")
STAT_KEYS = ("snip_tp", "snip_fn", "snip_fp", "snip_tn")


def fold(text: str) -> str:
    return _WS.sub(" ", text).strip()


def snippet_counts(pred: str | None, with_snippets: Sequence[str] = (), without_snippets: Sequence[str] = ()) -> tuple[int, int, int, int]:
    """(TP, FN, FP, TN) of one page."""
    with_snippets = [s for s in (fold(x) for x in with_snippets or ()) if s]
    without_snippets = [s for s in (fold(x) for x in without_snippets or ()) if s]
    if not pred:
        return 0, len(with_snippets), 0, len(without_snippets)
    text = fold(pred)
    tp = sum(1 for s in with_snippets if s in text)
    fp = sum(1 for s in without_snippets if s in text)
    return tp, len(with_snippets) - tp, fp, len(without_snippets) - fp


def page_stats(pred: str | None, with_snippets: Sequence[str] = (), without_snippets: Sequence[str] = ()) -> dict[str, float]:
    return dict(zip(STAT_KEYS, map(float, snippet_counts(pred, with_snippets, without_snippets))))


def aggregate(stats: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    tp, fn, fp, tn = (np.asarray(stats[k], dtype=float).sum(-1) for k in STAT_KEYS)
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = tp / (tp + fp)
        recall = tp / (tp + fn)
        f1 = 2 * precision * recall / (precision + recall)
        accuracy = (tp + tn) / (tp + tn + fp + fn)
    return {"f1": f1, "precision": precision, "recall": recall, "accuracy": accuracy}
