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

from benchmarks.metrics import Metric, macro_prf, register_metric

DEFAULT_N = 5
STAT_KEYS = ("rouge_n_precision", "rouge_n_recall", "rouge_n_f1")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_NON_SPACE = re.compile(r"\S")


def is_chinese(text: str | None, language: str | None = None) -> bool:
    """Whether a page is cut into words with jieba (as WebMainBench cuts Chinese) rather than at spaces.

    Parameters
    ----------
    text : str or None
        The page's gold text, looked at only when ``language`` is unknown.
    language : str or None
        The page's language code; ``zh`` or ``zh-*`` is Chinese, any other code is not.

    Returns
    -------
    bool
        ``language`` starts with ``zh``, or (no language) at least 30% of the non-space characters
        of ``text`` are Han.

    Examples
    --------
    >>> is_chinese("北京是中国的首都"), is_chinese("Paris is the capital"), is_chinese("Paris", "zh-Hans")
    (True, False, True)
    """
    if language:
        return language.lower().startswith("zh")
    text = text or ""
    chars = len(_NON_SPACE.findall(text))
    return chars > 0 and len(_HAN.findall(text)) / chars >= 0.3


def tokenize(text: str | None, chinese: bool = False) -> list[str]:
    """The tokens ROUGE-N counts n-grams of, markup kept (Markdown is scored as the system wrote it).

    Parameters
    ----------
    text : str or None
        A gold or predicted text.
    chinese : bool
        Cut with ``jieba.lcut`` (whitespace-only pieces dropped) instead of splitting at whitespace.

    Returns
    -------
    list of str
        Tokens, case and punctuation kept; ``[]`` for None or "".

    Examples
    --------
    >>> tokenize("# Title **bold** text")
    ['#', 'Title', '**bold**', 'text']
    """
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
    """ROUGE-N between a gold and a predicted text, as WebMainBench computes it (see the module).

    Parameters
    ----------
    gold, pred : str or None
        Gold main text and system output (None or blank: empty).
    n : int
        N-gram length (WebMainBench uses 5).
    language : str or None
        The page's language, to choose jieba for Chinese (``is_chinese``).

    Returns
    -------
    tuple of float
        (precision, recall, F1): overlap of the n-gram multisets over the predicted, over the gold
        n-grams, and their harmonic mean; (1, 1, 1) when both texts are empty, 0 when one side has
        fewer than ``n`` tokens and the other is not empty.

    Examples
    --------
    >>> [round(v, 4) for v in rouge_n("the cat sat on the mat today", "the cat sat on the mat yesterday", n=2)]
    [0.8333, 0.8333, 0.8333]
    >>> rouge_n("", None)
    (1.0, 1.0, 1.0)
    """
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
    """Per-page sufficient statistics for ``aggregate``: ``rouge_n`` under the family's keys.

    Parameters
    ----------
    gold, pred : str or None
        Gold main text and system output (Markdown as is).
    language : str or None
        The page's language (``is_chinese``).
    n : int
        N-gram length.

    Returns
    -------
    dict
        ``rouge_n_precision``, ``rouge_n_recall``, ``rouge_n_f1``.

    Examples
    --------
    >>> {k: round(v, 4) for k, v in page_stats("the cat sat on the mat today", "the cat sat on a mat", n=2).items()}
    {'rouge_n_precision': 0.6, 'rouge_n_recall': 0.5, 'rouge_n_f1': 0.5455}
    """
    return dict(zip(STAT_KEYS, rouge_n(gold, pred, n, language)))


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
    >>> {k: float(v) for k, v in aggregate({"rouge_n_f1": x, "rouge_n_precision": x, "rouge_n_recall": x}).items()}
    {'f1': 0.75, 'precision': 0.75, 'recall': 0.75}
    """
    return macro_prf(stats, "rouge_n")


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
