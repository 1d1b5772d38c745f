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

_WORD_RE = re.compile(r"\w+")
STAT_KEYS = ("bow_precision", "bow_recall", "bow_f1")


def tokenize(text: str | None) -> list[str]:
    """Lowercased ``\\w+`` words (cached briefly: the block metric tokenises the same output)."""
    return list(_tokens(text)) if text else []


@functools.lru_cache(maxsize=32)
def _tokens(text: str) -> tuple[str, ...]:
    return tuple(_WORD_RE.findall(text.lower()))


def word_prf(gold: str | None, pred: str | None) -> tuple[float, float, float]:
    """Per-page (precision, recall, F1) of lowercased word multisets, WCXB's ``word_f1``."""
    pred_tokens, gold_tokens = tokenize(pred), tokenize(gold)
    if not gold_tokens:
        return (1.0, 1.0, 1.0) if not pred_tokens else (0.0, 0.0, 0.0)
    if not pred_tokens:
        return (0.0, 0.0, 0.0)
    overlap = sum((Counter(pred_tokens) & Counter(gold_tokens)).values())
    p, r = overlap / len(pred_tokens), overlap / len(gold_tokens)
    return p, r, (2 * p * r / (p + r) if p + r > 0 else 0.0)


def page_stats(gold: str | None, pred: str | None) -> dict[str, float]:
    return dict(zip(STAT_KEYS, word_prf(gold, pred)))


def aggregate(stats: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Macro means over the last axis."""
    return {
        "f1": np.asarray(stats["bow_f1"], dtype=float).mean(-1),
        "precision": np.asarray(stats["bow_precision"], dtype=float).mean(-1),
        "recall": np.asarray(stats["bow_recall"], dtype=float).mean(-1),
    }
