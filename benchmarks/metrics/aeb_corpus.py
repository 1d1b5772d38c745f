"""AEB's per-page statistics for many pages at once: the counts, from the fastest path built.

The definition is AEB's ``evaluate.py`` (see ``aeb``): ``\\w+`` tokens, multisets of 4-token
shingles (a text of 1–3 tokens is one shorter shingle), TP = Σ min(gold count, predicted count),
FP and FN the rest of each side, all three divided by their sum; accuracy = equal token lists.
``corpus_stats`` gives the numbers of the literal port ``aeb.page_stats``, page by page, bit for
bit: both paths below count integers (``RawCounts``), and the division is the same here for both.
``tests/test_metrics_fast.py`` checks each path against the port, property by property.

Paths: ``aeb_compiled`` (a C scan of each prediction against a per-page index of the gold, built
with the package) and ``aeb_arrays`` (numpy and Arrow, where the C scan is not built).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

NGRAM = 4
STAT_KEYS = ("aeb_tp", "aeb_fp", "aeb_fn", "aeb_exact")
Backend = Literal["auto", "compiled", "arrays"]


@dataclass(frozen=True)
class RawCounts:
    """AEB's counts per page (float arrays holding integers, as AEB's own counts)."""

    tp: np.ndarray  # predicted shingles found in the gold page, each up to its gold count
    pred_shingles: np.ndarray  # shingles of the prediction
    gold_shingles: np.ndarray  # shingles of the gold
    exact: np.ndarray  # 1.0 where the token lists are equal


def _module(backend: Backend):
    from benchmarks.metrics import aeb_compiled

    if backend == "compiled" or (backend == "auto" and aeb_compiled.AVAILABLE):
        return aeb_compiled
    if backend not in ("auto", "arrays"):
        raise ValueError(f"unknown AEB backend {backend!r} (expected 'auto', 'compiled' or 'arrays')")
    from benchmarks.metrics import aeb_arrays

    return aeb_arrays


def prepare_gold(gold: Sequence[str | None], backend: Backend = "auto") -> None:
    """Index a gold corpus now, so that ``corpus_stats`` calls against it (in this process or in
    processes forked from it) find it ready.

    Parameters
    ----------
    gold : sequence of str or None
        The gold main texts, in the order later ``corpus_stats`` calls give them.
    backend : {"auto", "compiled", "arrays"}
        The path that will score (``corpus_stats``).

    Returns
    -------
    None

    Examples
    --------
    >>> prepare_gold(["the cat sat on the mat", "a dog ran"])
    >>> corpus_stats(["the cat sat on the mat", "a dog ran"], ["a dog ran", "a dog ran"])["aeb_exact"].tolist()
    [0.0, 1.0]
    """
    _module(backend).prepare_gold(gold)


def corpus_stats(gold: Sequence[str | None], pred: Sequence[str | None], backend: Backend = "auto") -> dict[str, np.ndarray]:
    """Per-page statistics of aligned gold/prediction lists, as arrays: ``aeb.page_stats`` of
    every page.

    Parameters
    ----------
    gold, pred : sequence of str or None
        Gold main texts and system outputs, page by page.
    backend : {"auto", "compiled", "arrays"}
        "auto": the compiled scan when it is built, else numpy and Arrow (the same numbers).

    Returns
    -------
    dict of str to numpy.ndarray
        ``aeb_tp``, ``aeb_fp``, ``aeb_fn`` (normalised shingle counts) and ``aeb_exact`` → one
        value per page.

    Examples
    --------
    >>> {k: v.tolist() for k, v in corpus_stats(["the cat sat on the mat", "a dog ran"], ["the cat sat on a mat", None]).items()}
    {'aeb_tp': [0.2, 0.0], 'aeb_fp': [0.4, 0.0], 'aeb_fn': [0.4, 1.0], 'aeb_exact': [0.0, 0.0]}
    """
    if len(gold) != len(pred):
        raise ValueError(f"{len(gold)} gold texts but {len(pred)} predictions")
    return normalise(_module(backend).raw_counts(gold, pred))


def normalise(counts: RawCounts) -> dict[str, np.ndarray]:
    """AEB's normalised (TP, FP, FN) and exact match from the counts: each of TP, FP, FN divided
    by their sum (left as they are where the sum is 0: a page without shingles on either side).

    Parameters
    ----------
    counts : RawCounts
        Per-page counts.

    Returns
    -------
    dict of str to numpy.ndarray
        ``STAT_KEYS`` → one value per page.

    Examples
    --------
    >>> c = RawCounts(np.array([1.0, 0.0]), np.array([3.0, 0.0]), np.array([3.0, 0.0]), np.array([0.0, 1.0]))
    >>> {k: v.tolist() for k, v in normalise(c).items()}
    {'aeb_tp': [0.2, 0.0], 'aeb_fp': [0.4, 0.0], 'aeb_fn': [0.4, 0.0], 'aeb_exact': [0.0, 1.0]}
    """
    tp = counts.tp
    fp = counts.pred_shingles - tp
    fn = counts.gold_shingles - tp
    total = tp + fp + fn
    with np.errstate(divide="ignore", invalid="ignore"):
        norm = [np.where(total > 0, x / total, x) for x in (tp, fp, fn)]
    return dict(zip(STAT_KEYS, (*norm, counts.exact)))
