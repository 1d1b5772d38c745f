"""AEB shingle metrics: an exact port of ScrapingHub's Article Extraction Benchmark ``evaluate.py``.

Source: github.com/scrapinghub/article-extraction-benchmark, ``evaluate.py`` (MIT).

Definition (per page, then over pages):

* tokens = ``re.findall(r"\\w+", text)`` — case kept, punctuation dropped;
* shingles = all 4-token windows; a text of 1–3 tokens is a single shorter shingle, an empty text
  has none; gold and prediction shingles are compared as multisets:
  TP = Σ min(gold, pred), FP = Σ (pred − gold)⁺, FN = Σ (gold − pred)⁺, then all three divided by
  their sum (AEB normalises them so "longer texts do not have more weight"; ratios are unchanged);
* page precision = 1 if FP = FN = 0, 0 if TP = FP = 0, else TP/(TP+FP); recall likewise;
* precision = mean of page precisions over pages with TP+FP > 0 (a non-empty prediction),
  recall = mean over pages with TP+FN > 0 (non-empty gold),
  **F1 = 2PR/(P+R) of those two means** (not the mean of per-page F1);
* accuracy = share of pages whose token lists are exactly equal;
* "±" = sample standard deviation over bootstrap resamples of pages (AEB: 1,000, unseeded
  ``random``; here a seeded numpy generator, so ± agrees in distribution, not digit for digit).

Everything that is not per page is vectorised: ``aggregate`` takes arrays of shape
``(..., n_pages)`` so one call scores all bootstrap resamples at once (``page_terms`` computes its
page-wise part once, before resampling). The per-page statistics of many pages come from
``corpus_stats`` (``aeb_corpus``: a compiled scan, or numpy and Arrow where it is not built): the
same numbers as the literal port ``page_stats`` here, which ``tests/test_metrics_fast.py`` checks
property by property.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Mapping, Sequence

import numpy as np

from benchmarks.metrics import Metric, mean_over_pages, register_metric
from benchmarks.metrics.aeb_corpus import NGRAM, STAT_KEYS, corpus_stats, prepare_gold

__all__ = ["NGRAM", "STAT_KEYS", "aggregate", "aggregate_terms", "corpus_stats", "exact_match", "page_precision_recall",
           "page_stats", "page_terms", "prepare_gold", "shingle_counts", "shingles", "tokenize"]

# the same flags as AEB (IGNORECASE etc. change nothing for \w+ but keep the port literal)
_TOKEN_RE = re.compile(r"\w+", re.UNICODE | re.MULTILINE | re.IGNORECASE | re.DOTALL)


def tokenize(text: str | None) -> list[str]:
    """AEB tokens: ``\\w+`` runs, case kept (AEB's ``_tokenize``).

    Parameters
    ----------
    text : str or None
        A gold or predicted text; None counts as empty.

    Returns
    -------
    list of str
        The tokens in order.

    Examples
    --------
    >>> tokenize("Hello, world! 42")
    ['Hello', 'world', '42']
    """
    return _TOKEN_RE.findall(text or "")


def shingles(tokens: Sequence[str], n: int = NGRAM) -> Counter:
    """Multiset of n-token shingles; 1..n-1 tokens give one short shingle, none give none.

    Parameters
    ----------
    tokens : sequence of str
        Tokens from ``tokenize``.
    n : int
        Shingle length (AEB: 4).

    Returns
    -------
    collections.Counter
        Shingle (a tuple of tokens) → how often it occurs.

    Examples
    --------
    >>> sorted(shingles(["a", "b", "c", "d", "e"]).items())
    [(('a', 'b', 'c', 'd'), 1), (('b', 'c', 'd', 'e'), 1)]
    >>> shingles(["a", "b"])
    Counter({('a', 'b'): 1})
    """
    if len(tokens) < n:
        return Counter([tuple(tokens)]) if tokens else Counter()
    return Counter(zip(*(tokens[i:] for i in range(n))))


@functools.lru_cache(maxsize=8192)
def _profile(text: str) -> tuple[list[str], Counter, int]:
    """Tokens, shingle multiset and shingle count of a text (cached: gold texts recur across systems)."""
    tokens = tokenize(text)
    counts = shingles(tokens)
    return tokens, counts, sum(counts.values())


def _page(gold: str | None, pred: str | None) -> tuple[float, float, float, float]:
    g_tokens, g, g_total = _profile(gold or "")
    p_tokens = tokenize(pred)
    if len(p_tokens) >= NGRAM:
        windows = zip(*(p_tokens[i:] for i in range(NGRAM)))
        p_total = len(p_tokens) - NGRAM + 1
    else:
        windows = iter([tuple(p_tokens)] if p_tokens else [])
        p_total = 1 if p_tokens else 0
    # Only prediction shingles that occur in the gold can be TP: count those (C-level filter), then
    # TP = Σ min(pred count, gold count) — the same value as AEB's loop over the union of keys.
    hits = Counter(filter(g.__contains__, windows))
    tp = float(sum(map(min, hits.values(), map(g.__getitem__, hits.keys()))))
    fp = float(p_total) - tp
    fn = float(g_total) - tp
    s = tp + fp + fn
    norm = (tp / s, fp / s, fn / s) if s > 0 else (tp, fp, fn)
    return (*norm, float(p_tokens == g_tokens))


def shingle_counts(gold: str | None, pred: str | None, n: int = NGRAM) -> tuple[float, float, float]:
    """Normalised (TP, FP, FN) of one page, as AEB's ``string_shingle_matching``.

    The shingle multisets of gold and prediction are intersected; each count is divided by the
    size of their union, so the three add up to 1 on a page with any shingle.

    Parameters
    ----------
    gold, pred : str or None
        Gold main text and system output (None: empty).
    n : int
        Shingle length.

    Returns
    -------
    tuple of float
        (TP, FP, FN).

    Examples
    --------
    >>> shingle_counts("the cat sat on the mat", "the cat sat on a mat")
    (0.2, 0.4, 0.4)
    """
    if n != NGRAM:
        g, p = shingles(tokenize(gold), n), shingles(tokenize(pred), n)
        tp = float(sum((g & p).values()))
        fp, fn = float(sum(p.values())) - tp, float(sum(g.values())) - tp
        s = tp + fp + fn
        return (tp / s, fp / s, fn / s) if s > 0 else (tp, fp, fn)
    return _page(gold, pred)[:3]


def exact_match(gold: str | None, pred: str | None) -> float:
    """AEB accuracy of one page: 1.0 if the token lists are equal.

    Parameters
    ----------
    gold, pred : str or None
        Gold main text and system output.

    Returns
    -------
    float
        1.0 or 0.0 (punctuation and whitespace do not count; case does).

    Examples
    --------
    >>> exact_match("The cat.", "The  cat"), exact_match("The cat", "the cat")
    (1.0, 0.0)
    """
    return float(tokenize(gold) == tokenize(pred))


def page_stats(gold: str | None, pred: str | None) -> dict[str, float]:
    """Per-page sufficient statistics for ``aggregate``.

    Parameters
    ----------
    gold, pred : str or None
        Gold main text and system output.

    Returns
    -------
    dict
        ``aeb_tp``, ``aeb_fp``, ``aeb_fn`` (``shingle_counts``) and ``aeb_exact`` (``exact_match``).

    Examples
    --------
    >>> page_stats("the cat sat on the mat", "the cat sat on a mat")
    {'aeb_tp': 0.2, 'aeb_fp': 0.4, 'aeb_fn': 0.4, 'aeb_exact': 0.0}
    """
    return dict(zip(STAT_KEYS, _page(gold, pred)))


def page_precision_recall(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """AEB's per-page ``precision_score`` and ``recall_score``, elementwise.

    A page with FP = FN = 0 is perfect (1, 1); otherwise 0/0 is 0.

    Parameters
    ----------
    tp, fp, fn : numpy.ndarray
        Per-page normalised counts (any shape).

    Returns
    -------
    tuple of numpy.ndarray
        (precision, recall), the shape of the inputs.

    Examples
    --------
    >>> p, r = page_precision_recall(np.array([1.0, 0.0, 0.0]), np.array([1.0, 0.0, 1.0]), np.array([0.0, 0.0, 1.0]))
    >>> p.tolist(), r.tolist()
    ([0.5, 1.0, 0.0], [1.0, 1.0, 0.0])
    """
    perfect = (fp == 0) & (fn == 0)
    # counts are ≥ 0, so "TP = FP = 0" is "TP + FP = 0", where precision is 0
    predicted, relevant = tp + fp, tp + fn
    p = np.divide(tp, predicted, out=np.zeros_like(predicted), where=predicted > 0)
    r = np.divide(tp, relevant, out=np.zeros_like(relevant), where=relevant > 0)
    p[perfect] = 1.0
    r[perfect] = 1.0
    return p, r


def aggregate(stats: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """AEB precision, recall, F1 (of the means) and accuracy over the last axis.

    Precision is the mean over pages with a non-empty prediction, recall the mean over pages
    with non-empty gold (AEB's ``evaluate``), F1 the harmonic mean of the two means. A selection
    without any non-empty prediction has no defined precision (AEB's ``statistics.mean`` raises
    there); PageGold scores it 0, so that the ``empty`` baseline gets F1 = 0 instead of an error.
    A selection without non-empty gold has an undefined recall (NaN). Pages whose statistics are
    NaN (gold without main text) are left out.

    Parameters
    ----------
    stats : mapping of str to numpy.ndarray
        ``page_stats`` keys → arrays of shape ``(..., n_pages)``.

    Returns
    -------
    dict of str to numpy.ndarray
        ``f1``, ``precision``, ``recall``, ``accuracy``, reduced over the last axis.

    Examples
    --------
    >>> stats = corpus_stats(["the cat sat on the mat", "a dog ran"], ["the cat sat on a mat", None])
    >>> {k: round(float(v), 4) for k, v in aggregate(stats).items()}
    {'f1': 0.2222, 'precision': 0.3333, 'recall': 0.1667, 'accuracy': 0.0}
    """
    return aggregate_terms(page_terms(stats))


def page_terms(stats: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The page-wise part of ``aggregate``: each page's precision and recall where they count.

    ``aggregate(stats)`` is ``aggregate_terms(page_terms(stats))``, and every term is a function of
    its page alone, so resampling pages commutes with it: bootstrap resamples of the terms give the
    values of resamples of the statistics, bit for bit, without recomputing them per resample.

    Parameters
    ----------
    stats : mapping of str to numpy.ndarray
        ``page_stats`` keys → arrays of shape ``(..., n_pages)``.

    Returns
    -------
    dict of str to numpy.ndarray
        ``p`` (page precision, 0 where the page has no prediction), ``p_mask``, ``r``, ``r_mask``,
        ``exact``, each of the shape of the statistics.

    Examples
    --------
    >>> terms = page_terms({"aeb_tp": np.array([0.2, 0.0]), "aeb_fp": np.array([0.4, 0.0]),
    ...                     "aeb_fn": np.array([0.4, 1.0]), "aeb_exact": np.array([0.0, 0.0])})
    >>> {k: v.tolist() for k, v in terms.items()}
    {'p': [0.3333333333333333, 0.0], 'p_mask': [True, False], 'r': [0.3333333333333333, 0.0], 'r_mask': [True, True], 'exact': [0.0, 0.0]}
    """
    tp, fp, fn = (np.asarray(stats[k], dtype=float) for k in ("aeb_tp", "aeb_fp", "aeb_fn"))
    exact = np.asarray(stats["aeb_exact"], dtype=float)
    scored = ~np.isnan(tp)  # NaN: a page whose gold has no main text (not scored by AEB)
    if not scored.all():
        tp, fp, fn = (np.where(scored, x, 0.0) for x in (tp, fp, fn))
    p_page, r_page = page_precision_recall(tp, fp, fn)
    p_mask, r_mask = ((tp + fp) > 0) & scored, ((tp + fn) > 0) & scored
    return {"p": np.where(p_mask, p_page, 0.0), "p_mask": p_mask, "r": np.where(r_mask, r_page, 0.0), "r_mask": r_mask, "exact": exact}


def aggregate_terms(terms: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """``aggregate`` from ``page_terms`` (masks may come back as 0.0/1.0 floats).

    Parameters
    ----------
    terms : mapping of str to numpy.ndarray
        ``page_terms`` keys → arrays of shape ``(..., n_pages)``.

    Returns
    -------
    dict of str to numpy.ndarray
        ``f1``, ``precision``, ``recall``, ``accuracy``, reduced over the last axis.

    Examples
    --------
    >>> stats = corpus_stats(["the cat sat on the mat", "a dog ran"], ["the cat sat on a mat", None])
    >>> {k: round(float(v), 4) for k, v in aggregate_terms(page_terms(stats)).items()}
    {'f1': 0.2222, 'precision': 0.3333, 'recall': 0.1667, 'accuracy': 0.0}
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        n_pred = terms["p_mask"].sum(-1)
        precision = np.where(n_pred > 0, terms["p"].sum(-1) / np.maximum(n_pred, 1), 0.0)
        recall = terms["r"].sum(-1) / terms["r_mask"].sum(-1)
        f1 = np.where(precision + recall > 0, 2 * precision * recall / np.where(precision + recall > 0, precision + recall, 1.0), 0.0)
    return {"f1": f1, "precision": precision, "recall": recall, "accuracy": mean_over_pages(terms["exact"])}


class AEB(Metric):
    """AEB shingle precision, recall, F1 (of the means) and accuracy against the gold main text."""

    name = "aeb"
    prefix = "aeb"
    stat_keys = STAT_KEYS
    columns = ("aeb_f1", "aeb_precision", "aeb_recall", "aeb_accuracy")
    board = ("aeb_f1", "aeb_precision", "aeb_recall")
    gold_fields = ("main_text",)

    def page_stats(self, page, gold, output):
        return page_stats(gold["main_text"], output if isinstance(output, str) else None)

    def corpus_stats(self, pages, golds, outputs):
        """Vectorised over all pages; pages without gold main text get NaN statistics."""
        keep = [i for i, (p, g) in enumerate(zip(pages, golds)) if self.supports(p, g)]
        texts = [o if isinstance(o, str) else None for o in outputs]
        if len(keep) == len(golds):
            return corpus_stats([g["main_text"] for g in golds], texts)
        out = {k: np.full(len(golds), np.nan) for k in STAT_KEYS}
        if keep:
            part = corpus_stats([golds[i]["main_text"] for i in keep], [texts[i] for i in keep])
            for k in STAT_KEYS:
                out[k][keep] = part[k]
        return out

    def aggregate(self, stats):
        return {f"aeb_{k}": v for k, v in aggregate(stats).items()}

    def resampled(self, stats):
        """The page terms (``page_terms``) and their aggregate: the same values, per resample cheaper."""
        return page_terms(stats), lambda terms: {f"aeb_{k}": v for k, v in aggregate_terms(terms).items()}


register_metric(AEB())
