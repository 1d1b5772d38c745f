"""ROUGE-LSum per page, as in Bevendorff et al. 2023.

Source: J. Bevendorff, S. Gupta, J. Kiesel, B. Stein, "An Empirical Comparison of Web Content
Extraction Algorithms", SIGIR 2023; scored with Google's ``rouge-score`` package.

Definition: ``rouge_scorer.RougeScorer(["rougeLsum"], use_stemmer=False)`` with a whitespace
tokenizer (tokens are whitespace-separated strings, case and punctuation kept); "sentences" for
the summary-level LCS are the text's lines. Per page the F-measure (and P, R); corpus values are the
mean (macro) and the median over pages. An empty prediction or gold scores 0 unless both are empty
(then 1), because the package returns 0 for any empty side.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping

import numpy as np

STAT_KEYS = ("rouge_lsum_precision", "rouge_lsum_recall", "rouge_lsum_f1")


class _WhitespaceTokenizer:
    """rouge-score's default tokenizer lowercases and drops punctuation; Bevendorff et al. split on whitespace."""

    def tokenize(self, text: str) -> list[str]:
        return text.split()


@functools.lru_cache(maxsize=1)
def _scorer():
    try:
        from rouge_score import rouge_scorer
    except ImportError as exc:  # pragma: no cover - declared in the metrics extra
        raise ImportError('ROUGE-LSum needs rouge-score: pip install "pagegold[metrics]"') from exc
    return rouge_scorer.RougeScorer(["rougeLsum"], use_stemmer=False, tokenizer=_WhitespaceTokenizer())


def _lines(text: str) -> str:
    # rougeLsum splits "sentences" on newlines; blank lines would be empty sentences
    return "\n".join(line for line in text.splitlines() if line.strip())


def rouge_lsum(gold: str | None, pred: str | None) -> tuple[float, float, float]:
    """Per-page (precision, recall, F1) of ROUGE-LSum."""
    gold, pred = _lines(gold or ""), _lines(pred or "")
    if not gold.split() and not pred.split():
        return 1.0, 1.0, 1.0
    s = _scorer().score(gold, pred)["rougeLsum"]
    return s.precision, s.recall, s.fmeasure


def page_stats(gold: str | None, pred: str | None) -> dict[str, float]:
    return dict(zip(STAT_KEYS, rouge_lsum(gold, pred)))


def aggregate(stats: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    f1 = np.asarray(stats["rouge_lsum_f1"], dtype=float)
    return {
        "f1": f1.mean(-1),
        "median": np.median(f1, axis=-1),
        "precision": np.asarray(stats["rouge_lsum_precision"], dtype=float).mean(-1),
        "recall": np.asarray(stats["rouge_lsum_recall"], dtype=float).mean(-1),
    }
