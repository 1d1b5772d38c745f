"""ROUGE-N per page (N = 5 by default), as WebMainBench scores Markdown output.

Source: opendatalab/WebMainBench, ``webmainbench/metrics/text_metrics.py`` (``TextRougeNgramMetric``):
n-grams from ``rouge_score.rouge_scorer._create_ngrams`` and counts from ``_score_ngrams`` of the
``rouge-score`` package (overlap = Σ min of the two n-gram multisets; precision = overlap / predicted
n-grams, recall = overlap / gold n-grams, F1 their harmonic mean); both texts empty → 1.

Tokens: whitespace-separated strings, case and punctuation kept (so Markdown markup such as ``**``,
``#`` or ``[text](url)`` counts: the output is scored **as is**, which is the point of the metric
for Markdown systems); Chinese pages are cut with ``jieba.lcut`` as WebMainBench does (it cuts every
page with jieba; here only pages whose language is ``zh``, or, language unknown, whose gold text is
mostly Han characters), whitespace-only pieces dropped. A text of fewer than N tokens has no
n-grams: against a non-empty side it scores 0. Corpus values: macro means over pages.

``rouge_n`` is the pure function; ``page_stats``/``aggregate`` are the metric-family glue.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping

import numpy as np

from benchmarks.metrics import Metric, mean_over_pages, register_metric

DEFAULT_N = 5
STAT_KEYS = ("rouge_n_precision", "rouge_n_recall", "rouge_n_f1")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_NON_SPACE = re.compile(r"\S")


def is_chinese(text: str | None, language: str | None = None) -> bool:
    """``language`` zh*, or (unknown) at least 30% of the non-space characters are Han."""
    if language:
        return language.lower().startswith("zh")
    text = text or ""
    chars = len(_NON_SPACE.findall(text))
    return chars > 0 and len(_HAN.findall(text)) / chars >= 0.3


def tokenize(text: str | None, chinese: bool = False) -> list[str]:
    """Whitespace tokens; jieba words (without whitespace pieces) for Chinese."""
    if not text:
        return []
    if chinese:
        import jieba

        jieba.setLogLevel(logging.WARNING)  # it logs its dictionary loading to stderr
        return [t for t in jieba.lcut(text) if t.strip()]
    return text.split()


def rouge_n(
    gold: str | None, pred: str | None, n: int = DEFAULT_N, language: str | None = None
) -> tuple[float, float, float]:
    """(precision, recall, F1) of ROUGE-N between a gold and a predicted text."""
    try:
        from rouge_score.rouge_scorer import _create_ngrams, _score_ngrams
    except ImportError as exc:  # pragma: no cover - declared in the metrics extra
        raise ImportError('ROUGE-N needs rouge-score: pip install "pagegold[metrics]"') from exc
    if not (gold or "").strip() and not (pred or "").strip():
        return 1.0, 1.0, 1.0
    chinese = is_chinese(gold, language)
    score = _score_ngrams(_create_ngrams(tokenize(gold, chinese), n), _create_ngrams(tokenize(pred, chinese), n))
    return score.precision, score.recall, score.fmeasure


# -- metric-family glue (per-page statistics, vectorised aggregation) ------------------------------


def page_stats(gold: str | None, pred: str | None, language: str | None = None, n: int = DEFAULT_N) -> dict[str, float]:
    return dict(zip(STAT_KEYS, rouge_n(gold, pred, n, language)))


def aggregate(stats: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Macro means over the last axis (pages with NaN statistics left out)."""
    return {
        "f1": mean_over_pages(stats["rouge_n_f1"]),
        "precision": mean_over_pages(stats["rouge_n_precision"]),
        "recall": mean_over_pages(stats["rouge_n_recall"]),
    }


class RougeN(Metric):
    """ROUGE-5 against the gold main text (WebMainBench), on the output as the system gave it."""

    name = "rouge-n"
    prefix = "rouge_n"
    stat_keys = STAT_KEYS
    columns = ("rouge_n_f1", "rouge_n_precision", "rouge_n_recall")
    gold_fields = ("main_text",)
    reads_markup = True

    def page_stats(self, page, gold, output):
        return page_stats(gold["main_text"], output if isinstance(output, str) else None, page.get("language"))

    def aggregate(self, stats):
        return {f"rouge_n_{k}": v for k, v in aggregate(stats).items()}


register_metric(RougeN())
