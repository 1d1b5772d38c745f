"""WCXB bag-of-words F1.

Source: github.com/Murrough-Foley/web-content-extraction-benchmark, ``evaluate.py`` (``word_f1``).

Definition: tokens = ``re.findall(r"\\w+", text.lower())``; per page, overlap = Σ min of the two
token multisets, precision = overlap/|pred|, recall = overlap/|gold|, F1 their harmonic mean.
Empty gold → (1, 1, 1) if the prediction is empty too, else (0, 0, 0); empty prediction → (0, 0, 0).
Corpus values are **macro means over pages** of the per-page precision, recall and F1.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Mapping

import numpy as np

from benchmarks.metrics import Metric, macro_prf, register_metric

_WORD_RE = re.compile(r"\w+")
STAT_KEYS = ("bow_precision", "bow_recall", "bow_f1")


def tokenize(text: str | None) -> list[str]:
    """Lowercased ``\\w+`` words (cached briefly: the block metric tokenises the same output).

    Parameters
    ----------
    text : str or None
        Any text; None counts as empty.

    Returns
    -------
    list of str
        The words in order.

    Examples
    --------
    >>> tokenize("The Cat, the cat!")
    ['the', 'cat', 'the', 'cat']
    """
    return list(_tokens(text)) if text else []


@functools.lru_cache(maxsize=32)
def _tokens(text: str) -> tuple[str, ...]:
    return tuple(_WORD_RE.findall(text.lower()))


def word_prf(gold: str | None, pred: str | None) -> tuple[float, float, float]:
    """Per-page (precision, recall, F1) of lowercased word multisets, WCXB's ``word_f1``.

    Overlap = size of the multiset intersection; P = overlap / predicted words, R = overlap / gold
    words. Empty conventions as WCXB: both empty → 1, one empty → 0.

    Parameters
    ----------
    gold, pred : str or None
        Gold main text and system output.

    Returns
    -------
    tuple of float
        (precision, recall, F1).

    Examples
    --------
    >>> [round(x, 4) for x in word_prf("the cat sat", "the cat ran away")]
    [0.5, 0.6667, 0.5714]
    """
    pred_tokens, gold_tokens = tokenize(pred), tokenize(gold)
    if not gold_tokens:
        return (1.0, 1.0, 1.0) if not pred_tokens else (0.0, 0.0, 0.0)
    if not pred_tokens:
        return (0.0, 0.0, 0.0)
    overlap = sum((Counter(pred_tokens) & Counter(gold_tokens)).values())
    p, r = overlap / len(pred_tokens), overlap / len(gold_tokens)
    return p, r, (2 * p * r / (p + r) if p + r > 0 else 0.0)


def page_stats(gold: str | None, pred: str | None) -> dict[str, float]:
    """Per-page sufficient statistics for ``aggregate``: ``word_prf`` under the family's keys.

    Parameters
    ----------
    gold, pred : str or None
        Gold main text and system output.

    Returns
    -------
    dict
        ``bow_precision``, ``bow_recall``, ``bow_f1``.

    Examples
    --------
    >>> {k: round(v, 4) for k, v in page_stats("the cat sat", "the cat ran away").items()}
    {'bow_precision': 0.5, 'bow_recall': 0.6667, 'bow_f1': 0.5714}
    """
    return dict(zip(STAT_KEYS, word_prf(gold, pred)))


def aggregate(stats: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Macro means over the last axis (pages with NaN statistics left out).

    Parameters
    ----------
    stats : mapping of str to numpy.ndarray
        ``page_stats`` keys → arrays of shape ``(..., n_pages)``.

    Returns
    -------
    dict of str to numpy.ndarray
        ``f1``, ``precision``, ``recall``.

    Examples
    --------
    >>> x = np.array([1.0, 0.5, np.nan])
    >>> {k: float(v) for k, v in aggregate({"bow_f1": x, "bow_precision": x, "bow_recall": x}).items()}
    {'f1': 0.75, 'precision': 0.75, 'recall': 0.75}
    """
    return macro_prf(stats, "bow")


class BagOfWords(Metric):
    """WCXB's bag-of-words precision, recall and F1 against the gold main text, macro means."""

    name = "bow"
    prefix = "bow"
    stat_keys = STAT_KEYS
    columns = ("bow_f1", "bow_precision", "bow_recall")
    board = ("bow_f1",)
    gold_fields = ("main_text",)

    def page_stats(self, page, gold, output):
        return page_stats(gold["main_text"], output if isinstance(output, str) else None)

    def aggregate(self, stats):
        return {f"bow_{k}": v for k, v in aggregate(stats).items()}


register_metric(BagOfWords())
