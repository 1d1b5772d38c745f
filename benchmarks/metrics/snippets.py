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

from benchmarks.metrics import Metric, register_metric, sum_over_pages

_WS = re.compile(r"\s+")
STAT_KEYS = ("snip_tp", "snip_fn", "snip_fp", "snip_tn")


def fold(text: str) -> str:
    """Whitespace folded to single spaces and trimmed: snippets and outputs are compared folded.

    Parameters
    ----------
    text : str
        A snippet or an output.

    Returns
    -------
    str
        The folded text.

    Examples
    --------
    >>> fold("  Hello \\n  World ")
    'Hello World'
    """
    return _WS.sub(" ", text).strip()


def snippet_counts(pred: str | None, with_snippets: Sequence[str] = (), without_snippets: Sequence[str] = ()) -> tuple[int, int, int, int]:
    """(TP, FN, FP, TN) of one page.

    A ``with`` snippet found in the output is a TP (missing: FN); a ``without`` snippet found is
    an FP (absent: TN). Comparison after ``fold``.

    Parameters
    ----------
    pred : str or None
        System output (None: empty).
    with_snippets, without_snippets : sequence of str
        Snippets that must, and must not, appear.

    Returns
    -------
    tuple of int
        (TP, FN, FP, TN).

    Examples
    --------
    >>> snippet_counts("The cat sat. Share this!", ["cat sat", "dog ran"], ["Share this"])
    (1, 1, 1, 0)
    """
    with_snippets = [s for s in (fold(x) for x in with_snippets or ()) if s]
    without_snippets = [s for s in (fold(x) for x in without_snippets or ()) if s]
    if not pred:
        return 0, len(with_snippets), 0, len(without_snippets)
    text = fold(pred)
    tp = sum(1 for s in with_snippets if s in text)
    fp = sum(1 for s in without_snippets if s in text)
    return tp, len(with_snippets) - tp, fp, len(without_snippets) - fp


def page_stats(pred: str | None, with_snippets: Sequence[str] = (), without_snippets: Sequence[str] = ()) -> dict[str, float]:
    """Per-page sufficient statistics for ``aggregate``: ``snippet_counts`` as floats.

    Parameters
    ----------
    pred : str or None
        System output.
    with_snippets, without_snippets : sequence of str
        Snippets that must, and must not, appear.

    Returns
    -------
    dict
        ``snip_tp``, ``snip_fn``, ``snip_fp``, ``snip_tn``.

    Examples
    --------
    >>> page_stats("The cat sat.", ["cat sat"], ["Share this"])
    {'snip_tp': 1.0, 'snip_fn': 0.0, 'snip_fp': 0.0, 'snip_tn': 1.0}
    """
    return dict(zip(STAT_KEYS, map(float, snippet_counts(pred, with_snippets, without_snippets))))


def aggregate(stats: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Micro precision, recall, F1 and accuracy from the summed counts (NaN pages left out).

    Parameters
    ----------
    stats : mapping of str to numpy.ndarray
        ``page_stats`` keys → arrays of shape ``(..., n_pages)``.

    Returns
    -------
    dict of str to numpy.ndarray
        ``f1``, ``precision``, ``recall``, ``accuracy``.

    Examples
    --------
    >>> s = {"snip_tp": np.array([1.0, 1.0, np.nan]), "snip_fn": np.array([1.0, 0.0, np.nan]),
    ...      "snip_fp": np.array([1.0, 0.0, np.nan]), "snip_tn": np.array([0.0, 1.0, np.nan])}
    >>> {k: round(float(v), 4) for k, v in aggregate(s).items()}
    {'f1': 0.6667, 'precision': 0.6667, 'recall': 0.6667, 'accuracy': 0.6}
    """
    tp, fn, fp, tn = (sum_over_pages(stats[k]) for k in STAT_KEYS)
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = tp / (tp + fp)
        recall = tp / (tp + fn)
        f1 = 2 * precision * recall / (precision + recall)
        accuracy = (tp + tn) / (tp + tn + fp + fn)
    return {"f1": f1, "precision": precision, "recall": recall, "accuracy": accuracy}


class Snippets(Metric):
    """trafilatura's evaluation: snippets that must (not) appear in the output, micro sums."""

    name = "snippets"
    prefix = "snippet"
    stat_keys = STAT_KEYS
    columns = ("snippet_f1", "snippet_precision", "snippet_recall", "snippet_accuracy")
    board = ("snippet_f1",)
    gold_fields = ("with_snippets", "without_snippets")  # either is enough (``supports``)

    def supports(self, page, gold):
        return bool(gold.get("with_snippets") or gold.get("without_snippets"))

    def page_stats(self, page, gold, output):
        text = output if isinstance(output, str) else None
        return page_stats(text, gold.get("with_snippets") or (), gold.get("without_snippets") or ())

    def aggregate(self, stats):
        return {f"snippet_{k}": v for k, v in aggregate(stats).items()}


register_metric(Snippets())
