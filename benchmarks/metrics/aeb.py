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
``(..., n_pages)`` so one call scores all bootstrap resamples at once.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Mapping, Sequence

import numpy as np

# the same flags as AEB (IGNORECASE etc. change nothing for \w+ but keep the port literal)
_TOKEN_RE = re.compile(r"\w+", re.UNICODE | re.MULTILINE | re.IGNORECASE | re.DOTALL)
NGRAM = 4
STAT_KEYS = ("aeb_tp", "aeb_fp", "aeb_fn", "aeb_exact")


def tokenize(text: str | None) -> list[str]:
    """AEB tokens: ``\\w+`` runs, case kept."""
    return _TOKEN_RE.findall(text or "")


def shingles(tokens: Sequence[str], n: int = NGRAM) -> Counter:
    """Multiset of n-token shingles; 1..n-1 tokens give one short shingle, none give none."""
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
    """Normalised (TP, FP, FN) of one page, as AEB's ``string_shingle_matching``."""
    if n != NGRAM:
        g, p = shingles(tokenize(gold), n), shingles(tokenize(pred), n)
        tp = float(sum((g & p).values()))
        fp, fn = float(sum(p.values())) - tp, float(sum(g.values())) - tp
        s = tp + fp + fn
        return (tp / s, fp / s, fn / s) if s > 0 else (tp, fp, fn)
    return _page(gold, pred)[:3]


def exact_match(gold: str | None, pred: str | None) -> float:
    """AEB accuracy of one page: 1.0 if the token lists are equal."""
    return float(tokenize(gold) == tokenize(pred))


def page_stats(gold: str | None, pred: str | None) -> dict[str, float]:
    """Per-page sufficient statistics for ``aggregate``."""
    return dict(zip(STAT_KEYS, _page(gold, pred)))


def page_precision_recall(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """AEB's per-page ``precision_score`` and ``recall_score``, elementwise."""
    perfect = (fp == 0) & (fn == 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(perfect, 1.0, np.where(tp + fp == 0, 0.0, tp / (tp + fp)))
        r = np.where(perfect, 1.0, np.where(tp + fn == 0, 0.0, tp / (tp + fn)))
    return p, r


def aggregate(stats: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """AEB precision, recall, F1 (of the means) and accuracy over the last axis.

    A selection without any non-empty prediction has no defined precision (AEB's ``statistics.mean``
    raises there); PageGold scores it 0, so that the ``empty`` baseline gets F1 = 0 instead of an
    error. A selection without non-empty gold has an undefined recall (NaN).
    """
    tp, fp, fn = (np.asarray(stats[k], dtype=float) for k in ("aeb_tp", "aeb_fp", "aeb_fn"))
    exact = np.asarray(stats["aeb_exact"], dtype=float)
    p_page, r_page = page_precision_recall(tp, fp, fn)
    p_mask, r_mask = (tp + fp) > 0, (tp + fn) > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        n_pred = p_mask.sum(-1)
        precision = np.where(n_pred > 0, np.where(p_mask, p_page, 0.0).sum(-1) / np.maximum(n_pred, 1), 0.0)
        recall = np.where(r_mask, r_page, 0.0).sum(-1) / r_mask.sum(-1)
        f1 = np.where(precision + recall > 0, 2 * precision * recall / np.where(precision + recall > 0, precision + recall, 1.0), 0.0)
    return {"f1": f1, "precision": precision, "recall": recall, "accuracy": exact.mean(-1)}


def corpus_stats(gold: Sequence[str | None], pred: Sequence[str | None]) -> dict[str, np.ndarray]:
    """Per-page statistics of aligned gold/prediction lists, as arrays."""
    if len(gold) != len(pred):
        raise ValueError(f"{len(gold)} gold texts but {len(pred)} predictions")
    rows = [page_stats(g, p) for g, p in zip(gold, pred)]
    return {k: np.array([r[k] for r in rows], dtype=float) for k in STAT_KEYS}
