"""Entity-extraction metrics: SemEval-2013 Task 9.1 (strict / exact / partial / type) and CoNLL F1.

Pure functions from gold and predicted spans to counts and scores. A span is
``(start, end, label)`` with ``end`` EXCLUSIVE, in code points of the page text.

SemEval-2013 (Segura-Bedmar, Martínez & Herrero Zazo 2013, "SemEval-2013 Task 9: Extraction of
Drug-Drug Interactions from Biomedical Texts", §4; popularised for NER by D. Batista's
"Named-Entity evaluation metrics based on entity-level" and the ``nervaluate`` package) sorts every
gold and predicted entity into one of five outcomes:

* COR correct — the prediction matches a gold entity (what "matches" means depends on the mode);
* INC incorrect — it overlaps a gold entity but does not match it;
* PAR partial — (partial mode only) it overlaps a gold entity with different boundaries;
* MIS missed — a gold entity that no prediction was paired with;
* SPU spurious — a prediction that overlaps no (unpaired) gold entity.

Modes: ``strict`` = same boundaries and same label; ``exact`` = same boundaries, any label;
``partial`` = same boundaries is COR, overlap is PAR, label ignored; ``type`` = overlap and same
label is COR, overlap with another label is INC. With ACT = COR+INC+PAR+SPU (predictions) and
POS = COR+INC+PAR+MIS (gold), precision = (COR + ½·PAR)/ACT and recall = (COR + ½·PAR)/POS
(PAR is always 0 outside partial mode), F1 their harmonic mean; 0 where a denominator is 0.

Pairing (the paper does not specify it; this is where implementations differ):
1. exact pass — every prediction whose (start, end[, label]) equals an unpaired gold entity is
   paired with it first (for strict and type the label must match too; exact/partial ignore it);
2. overlap pass — the remaining predictions, in (start, end, label) order, each take the first
   remaining overlapping gold entity in the same order (type mode: the same-label overlapping gold
   with the closest boundaries, |Δstart|+|Δend|, else the first overlapping one of another label).
The result does not depend on the order of the input lists, and an exact match is never taken away
by an earlier, inexact prediction.

Per label (``per_label``) every mode is computed as if only that label existed: gold and
predictions are filtered to the label, then scored. This is what nervaluate 1.2.1, seqeval and
conlleval report per type; as a consequence per-label counts do NOT add up to the overall ones —
an overall INC with the wrong type becomes a MIS of the gold label and a SPU of the predicted one.

Agreement with the reference implementations (tested in tests/test_entities_metrics.py):

* nervaluate 1.2.1 (called with inclusive ends, ``end - 1``, and both lists sorted by start):
  equal counts, precision, recall and F1 in all four modes, overall and per label, whenever the
  gold spans of a document do not overlap one another, the predicted spans do not overlap one
  another, and no gold entity is longer than 100 characters. Outside that domain they differ, by
  design: (a) nervaluate pairs greedily in input order, so an inexact prediction listed first can
  take the gold entity that a later prediction matches exactly (we pair exact matches first);
  (b) nervaluate ignores overlaps below ``min_overlap_percentage`` = 1 % of the gold span, so a
  1-character overlap with a gold entity longer than 100 characters is not an overlap there;
  (c) nervaluate silently drops labels missing from ``tags``; we score every label given (the
  entity task refuses labels outside the CoNLL scheme instead).
* seqeval 1.2.2 ``mode="strict", scheme=IOB2`` and conlleval: CoNLL exact-match precision,
  recall and F1 (``conll_scores``) and the strict mode here are equal on any flat (IOB-encodable)
  annotation; seqeval counts unique (type, start, end) chunks, so duplicated spans, which IOB
  cannot encode, are counted once by ``conll_scores`` but once per copy by the SemEval modes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

Span = tuple[int, int, str]  # (start, end exclusive, label)

MODES: tuple[str, ...] = ("strict", "exact", "partial", "type")
FIELDS: tuple[str, ...] = ("correct", "incorrect", "partial", "missed", "spurious")
COR, INC, PAR, MIS, SPU = range(5)
CONLL_FIELDS: tuple[str, ...] = ("correct", "n_pred", "n_gold")


def as_spans(entities: Iterable[Any]) -> list[Span]:
    """Normalise dicts ``{"start","end","label"}`` or tuples to validated ``(start, end, label)``.

    Parameters
    ----------
    entities : iterable
        Entities as dicts or ``(start, end, label)`` tuples (end exclusive).

    Returns
    -------
    list of tuple
        ``(start, end, label)``; a ValueError names a non-integer or empty span.

    Examples
    --------
    >>> as_spans([{"start": 0, "end": 5, "label": "PER"}, (10, 14, "LOC")])
    [(0, 5, 'PER'), (10, 14, 'LOC')]
    """
    try:
        spans = [(e["start"], e["end"], e["label"]) if type(e) is dict else (e[0], e[1], e[2]) for e in entities]
    except (KeyError, IndexError, TypeError) as exc:
        raise ValueError(f"an entity needs start, end and label ({exc!r})") from None
    for span in spans:
        start, end = span[0], span[1]
        # type() is, not isinstance: bool is an int subclass and must not pass as an offset
        if type(start) is not int or type(end) is not int or not 0 <= start < end:
            raise ValueError(f"invalid entity span {span!r}: need integers 0 <= start < end (end exclusive)")
    return spans


# -- pairing -------------------------------------------------------------------------------------


def _pair_first(preds: list[Span], golds: list[Span]) -> int:
    """Overlap pass: each prediction (sorted) takes the first unpaired overlapping gold. Returns pairs."""
    taken = [False] * len(golds)
    pairs = 0
    lo = 0
    for ps, pe, _ in preds:
        # golds are sorted by start: skip the finished prefix, stop at the first gold past the prediction
        # (a gold that ends before this prediction starts cannot overlap any later one either)
        while lo < len(golds) and (taken[lo] or golds[lo][1] <= ps):
            lo += 1
        for j in range(lo, len(golds)):
            gs, ge, _ = golds[j]
            if gs >= pe:
                break
            if not taken[j] and ps < ge:
                taken[j] = True
                pairs += 1
                break
    return pairs


def _pair_type(preds: list[Span], golds: list[Span]) -> tuple[int, int]:
    """Type-mode overlap pass: prefer the closest same-label gold, else the first other-label one.

    Returns (same-label pairs, other-label pairs).
    """
    taken = [False] * len(golds)
    same = other = 0
    for ps, pe, pl in preds:
        best = -1
        best_dist = 0
        first_other = -1
        for j, (gs, ge, gl) in enumerate(golds):
            if gs >= pe:
                break
            if taken[j] or ge <= ps:
                continue
            if gl == pl:
                dist = abs(ps - gs) + abs(pe - ge)
                if best < 0 or dist < best_dist:
                    best, best_dist = j, dist
            elif first_other < 0:
                first_other = j
        if best >= 0:
            taken[best] = True
            same += 1
        elif first_other >= 0:
            taken[first_other] = True
            other += 1
    return same, other



@dataclass
class EntityCounts:
    """Per-page sufficient statistics: sum them over any subset of pages and call ``scores``.

    ``overall`` has shape (n_pages, 4 modes, 5 fields); ``per_label[label]`` likewise;
    ``conll`` (n_pages, 3) = unique correct chunks, predicted chunks, gold chunks;
    ``conll_per_label[label]`` likewise.
    """

    overall: np.ndarray
    per_label: dict[str, np.ndarray]
    conll: np.ndarray
    conll_per_label: dict[str, np.ndarray]

    @property
    def n_pages(self) -> int:
        return int(self.overall.shape[0])


# -- per-page counts ----------------------------------------------------------------------------


def _split_common(gold: list, pred: list, key=None) -> tuple[int, list, list, list]:
    """Exact pass: pair equal items (multiset). Returns (#pairs, paired items, gold left, pred left).

    ``key`` (None or a function) reduces an item to what must be equal, e.g. its boundaries.
    """
    gk = gold if key is None else [key(x) for x in gold]
    pk = pred if key is None else [key(x) for x in pred]
    gs, ps = set(gk), set(pk)
    if len(gs) == len(gk) and len(ps) == len(pk):  # fast path: no duplicated spans (the usual case)
        common = gs & ps
        if not common:
            return 0, [], gold, pred
        paired = [x for x, k in zip(gold, gk) if k in common]
        lg = [x for x, k in zip(gold, gk) if k not in common]
        lp = [x for x, k in zip(pred, pk) if k not in common]
        return len(common), paired, lg, lp
    left = Counter(gk) & Counter(pk)
    n = sum(left.values())
    left_p = Counter(left)
    paired, lg, lp = [], [], []
    for x, k in zip(gold, gk):
        if left.get(k, 0) > 0:
            left[k] -= 1
            paired.append(x)
        else:
            lg.append(x)
    for x, k in zip(pred, pk):
        if left_p.get(k, 0) > 0:
            left_p[k] -= 1
        else:
            lp.append(x)
    return n, paired, lg, lp


def _bounds(span: Span) -> tuple[int, int]:
    return span[0], span[1]


def _row(cor: int, inc: int, par: int, n_gold: int, n_pred: int) -> list[int]:
    return [cor, inc, par, n_gold - cor - inc - par, n_pred - cor - inc - par]


def page_counts(
    gold: Iterable[Any], pred: Iterable[Any]
) -> tuple[list[list[int]], dict[str, list[list[int]]], list[int], dict[str, list[int]]]:
    """SemEval counts (4 modes × COR/INC/PAR/MIS/SPU) and CoNLL counts of one document.

    Per label reuses the overall exact pass: filtering to one label and then pairing equal
    (start, end, label) spans gives the same pairs as pairing first and then filtering, and on
    one label exact = strict.

    Parameters
    ----------
    gold, pred : iterable
        Gold and predicted entities of one document (see ``as_spans``).

    Returns
    -------
    tuple
        (overall, per label, conll, conll per label): overall is 4 rows (strict, exact, partial,
        type) of [COR, INC, PAR, MIS, SPU]; conll is [correct, n_pred, n_gold].

    Examples
    --------
    >>> overall, per_label, conll, _ = page_counts([(0, 5, "PER"), (10, 14, "LOC")], [(0, 5, "PER"), (10, 14, "ORG")])
    >>> overall[0], conll
    ([1, 1, 0, 0, 0], [1, 2, 2])
    """
    g = sorted(as_spans(gold))
    p = sorted(as_spans(pred))
    ng, npred = len(g), len(p)
    # strict and type: exact pass on (start, end, label)
    n_common, paired, lg, lp = _split_common(g, p)
    if lg and lp:
        inc_strict = _pair_first(lp, lg)
        t_same, t_other = _pair_type(lp, lg)
    else:
        inc_strict = t_same = t_other = 0
    # exact and partial: exact pass on (start, end) only
    if lg and lp:
        n_common_b, _, lgb, lpb = _split_common(lg, lp, _bounds)
        n_common_b += n_common
        inc_b = _pair_first(lpb, lgb) if lgb and lpb else 0
    else:
        n_common_b, inc_b = n_common, 0
    t_cor = n_common + t_same
    overall = [
        _row(n_common, inc_strict, 0, ng, npred),
        _row(n_common_b, inc_b, 0, ng, npred),
        _row(n_common_b, 0, inc_b, ng, npred),
        _row(t_cor, t_other, 0, ng, npred),
    ]

    # per label, from the overall exact pass and the leftovers filtered to the label
    n_gold_l = Counter(x[2] for x in g)
    n_pred_l = Counter(x[2] for x in p)
    common_l = Counter(x[2] for x in paired)
    left_g: dict[str, list[Span]] = {}
    left_p: dict[str, list[Span]] = {}
    if lg and lp:
        for x in lg:
            left_g.setdefault(x[2], []).append(x)
        for x in lp:
            left_p.setdefault(x[2], []).append(x)
    per_label: dict[str, list[list[int]]] = {}
    for label in n_gold_l.keys() | n_pred_l.keys():
        a, b, c = common_l[label], n_gold_l[label], n_pred_l[label]
        lgl, lpl = left_g.get(label), left_p.get(label)
        if lgl and lpl:
            m = _pair_first(lpl, lgl)
            t = _pair_type(lpl, lgl)[0]
        else:
            m = t = 0
        strict = _row(a, m, 0, b, c)
        per_label[label] = [strict, list(strict), _row(a, 0, m, b, c), _row(a + t, 0, 0, b, c)]

    # CoNLL counts unique chunks (what IOB can encode); without duplicates that is the exact pass
    gset, pset = set(g), set(p)
    if len(gset) == ng and len(pset) == npred:
        conll = [n_common, npred, ng]
        conll_l = {label: [common_l[label], n_pred_l[label], n_gold_l[label]] for label in per_label}
    else:
        both = gset & pset
        conll = [len(both), len(pset), len(gset)]
        cb, cp, cg = Counter(x[2] for x in both), Counter(x[2] for x in pset), Counter(x[2] for x in gset)
        conll_l = {label: [cb[label], cp[label], cg[label]] for label in per_label}
    return overall, per_label, conll, conll_l


def count_pages(golds: Sequence[Iterable[Any]], preds: Sequence[Iterable[Any]]) -> EntityCounts:
    """Per-page counts for aligned lists of documents (one gold and one prediction list per page).

    Parameters
    ----------
    golds, preds : sequence of iterable
        Gold and predicted entities, page by page.

    Returns
    -------
    EntityCounts
        Arrays with a leading page axis, summed by ``summarise`` and ``bootstrap``.

    Examples
    --------
    >>> counts = count_pages([[(0, 5, "PER")], [(0, 3, "ORG")]], [[(0, 5, "PER")], []])
    >>> counts.overall.shape
    (2, 4, 5)
    """
    if len(golds) != len(preds):
        raise ValueError(f"{len(golds)} gold documents but {len(preds)} predicted ones")
    n = len(golds)
    rows = [page_counts(gold, pred) for gold, pred in zip(golds, preds)]
    overall = np.array([r[0] for r in rows], dtype=np.int64).reshape(n, 4, 5)
    conll = np.array([r[2] for r in rows], dtype=np.int64).reshape(n, 3)
    labels = sorted({label for r in rows for label in r[1]})
    per_label: dict[str, np.ndarray] = {}
    conll_label: dict[str, np.ndarray] = {}
    zero_modes = [[0] * 5] * 4
    for label in labels:
        per_label[label] = np.array([r[1].get(label, zero_modes) for r in rows], dtype=np.int64).reshape(n, 4, 5)
        conll_label[label] = np.array([r[3].get(label, (0, 0, 0)) for r in rows], dtype=np.int64).reshape(n, 3)
    return EntityCounts(overall, per_label, conll, conll_label)


def prf(counts: np.ndarray) -> dict[str, np.ndarray]:
    """Precision, recall, F1 from summed counts of shape (..., 4 modes, 5 fields); 0 on 0/0.

    Vectorised over leading axes, so bootstrap resamples ((B, 4, 5) sums) cost one call.

    Parameters
    ----------
    counts : numpy.ndarray
        COR/INC/PAR/MIS/SPU per mode, shape ``(..., 4, 5)``.

    Returns
    -------
    dict of str to numpy.ndarray
        ``precision``, ``recall``, ``f1``, each of shape ``(..., 4)``.

    Examples
    --------
    >>> prf(np.array([[3, 0, 0, 1, 1]] * 4))["f1"].tolist()
    [0.75, 0.75, 0.75, 0.75]
    """
    counts = np.asarray(counts, dtype=np.float64)
    cor, inc, par, mis, spu = (counts[..., k] for k in range(5))
    act = cor + inc + par + spu
    pos = cor + inc + par + mis
    hit = cor + 0.5 * par
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(act > 0, hit / np.where(act > 0, act, 1), 0.0)
        recall = np.where(pos > 0, hit / np.where(pos > 0, pos, 1), 0.0)
        denom = precision + recall
        f1 = np.where(denom > 0, 2 * precision * recall / np.where(denom > 0, denom, 1), 0.0)
    return {"precision": precision, "recall": recall, "f1": f1}


def conll_prf(counts: np.ndarray) -> dict[str, np.ndarray]:
    """CoNLL exact-match precision, recall, F1 from summed (correct, n_pred, n_gold).

    Parameters
    ----------
    counts : numpy.ndarray
        Shape ``(..., 3)``.

    Returns
    -------
    dict of str to numpy.ndarray
        ``precision``, ``recall``, ``f1`` (0 on 0/0).

    Examples
    --------
    >>> {k: round(float(v), 4) for k, v in conll_prf(np.array([3, 4, 5])).items()}
    {'precision': 0.75, 'recall': 0.6, 'f1': 0.6667}
    """
    counts = np.asarray(counts, dtype=np.float64)
    cor, npred, ngold = counts[..., 0], counts[..., 1], counts[..., 2]
    precision = np.where(npred > 0, cor / np.where(npred > 0, npred, 1), 0.0)
    recall = np.where(ngold > 0, cor / np.where(ngold > 0, ngold, 1), 0.0)
    denom = precision + recall
    f1 = np.where(denom > 0, 2 * precision * recall / np.where(denom > 0, denom, 1), 0.0)
    return {"precision": precision, "recall": recall, "f1": f1}


def _mode_table(summed: np.ndarray) -> dict[str, dict[str, float | int]]:
    scores = prf(summed)
    table: dict[str, dict[str, float | int]] = {}
    for m, mode in enumerate(MODES):
        row: dict[str, float | int] = {k: float(scores[k][m]) for k in ("precision", "recall", "f1")}
        row.update({field: int(summed[m, f]) for f, field in enumerate(FIELDS)})
        row["actual"] = int(summed[m, COR] + summed[m, INC] + summed[m, PAR] + summed[m, SPU])
        row["possible"] = int(summed[m, COR] + summed[m, INC] + summed[m, PAR] + summed[m, MIS])
        table[mode] = row
    return table


def _conll_table(summed: np.ndarray) -> dict[str, float | int]:
    scores = conll_prf(summed)
    row: dict[str, float | int] = {k: float(v) for k, v in scores.items()}
    row.update({field: int(summed[f]) for f, field in enumerate(CONLL_FIELDS)})
    return row


def summarise(counts: EntityCounts, pages: np.ndarray | None = None) -> dict[str, Any]:
    """Micro-averaged scores (sums over pages, then ratios) as one JSON-able dict.

    Parameters
    ----------
    counts : EntityCounts
        From ``count_pages``.
    pages : numpy.ndarray, optional
        Page indices to select (or resample).

    Returns
    -------
    dict
        ``strict``, ``exact``, ``partial``, ``type`` (each with precision, recall, f1 and the
        COR/INC/PAR/MIS/SPU counts), ``conll`` (exact-match P/R/F1) and ``per_label`` → label →
        the same.

    Examples
    --------
    >>> counts = count_pages([[(0, 5, "PER")], [(0, 3, "ORG")]], [[(0, 5, "PER")], []])
    >>> s = summarise(counts)["strict"]
    >>> s["precision"], s["recall"], s["missed"]
    (1.0, 0.5, 1)
    """
    sel = slice(None) if pages is None else pages
    out: dict[str, Any] = _mode_table(counts.overall[sel].sum(axis=0))
    out["conll"] = _conll_table(counts.conll[sel].sum(axis=0))
    per_label: dict[str, Any] = {}
    for label in sorted(counts.per_label):
        table: dict[str, Any] = _mode_table(counts.per_label[label][sel].sum(axis=0))
        table["conll"] = _conll_table(counts.conll_per_label[label][sel].sum(axis=0))
        per_label[label] = table
    out["per_label"] = per_label
    out["n_pages"] = int(counts.overall[sel].shape[0])
    return out


def evaluate(golds: Sequence[Iterable[Any]], preds: Sequence[Iterable[Any]]) -> dict[str, Any]:
    """Score aligned lists of documents; see the module docstring for every definition.

    Parameters
    ----------
    golds, preds : sequence of iterable
        Gold and predicted entities, document by document.

    Returns
    -------
    dict
        As ``summarise``.

    Examples
    --------
    >>> evaluate([[(0, 5, "PER"), (10, 14, "LOC")]], [[(0, 5, "PER"), (10, 14, "ORG")]])["strict"]["f1"]
    0.5
    """
    return summarise(count_pages(golds, preds))


def conll_scores(golds: Sequence[Iterable[Any]], preds: Sequence[Iterable[Any]]) -> dict[str, float]:
    """CoNLL-2003 exact-match micro precision, recall and F1 (conlleval / seqeval strict).

    Parameters
    ----------
    golds, preds : sequence of iterable
        Gold and predicted entities, document by document.

    Returns
    -------
    dict of str to float
        ``precision``, ``recall``, ``f1``.

    Examples
    --------
    >>> conll_scores([[(0, 5, "PER"), (10, 14, "LOC")]], [[(0, 5, "PER"), (10, 14, "ORG")]])
    {'precision': 0.5, 'recall': 0.5, 'f1': 0.5}
    """
    counts = count_pages(golds, preds)
    return {k: float(v) for k, v in conll_prf(counts.conll.sum(axis=0)).items()}


def bootstrap(counts: EntityCounts, resamples: int = 1000, seed: int = 0) -> dict[str, dict[str, float]]:
    """Seeded percentile bootstrap (pages resampled with replacement) of each mode's micro P/R/F1.

    Page weights (how often each page is drawn) times the per-page counts give every resample's
    sums in one matrix product, so 1,000 resamples of 10,000 pages take well under a second.

    Parameters
    ----------
    counts : EntityCounts
        From ``count_pages``.
    resamples : int
        Number of bootstrap resamples.
    seed : int
        Seed of the resampling.

    Returns
    -------
    dict
        mode → {"<metric>_ci_low", "<metric>_ci_high", "<metric>_std"} (95 % percentile
        interval; std with ddof=1, as ``benchmarks.stats``).

    Examples
    --------
    >>> counts = count_pages([[(0, 5, "PER")], [(0, 3, "ORG")]], [[(0, 5, "PER")], []])
    >>> ci = bootstrap(counts, resamples=50, seed=0)["strict"]
    >>> ci["recall_ci_low"], ci["recall_ci_high"]
    (0.0, 1.0)
    """
    n = counts.n_pages
    if n == 0 or resamples <= 0:
        return {}
    rng = np.random.default_rng(seed)
    weights = np.stack([np.bincount(rng.integers(0, n, size=n), minlength=n) for _ in range(resamples)])
    summed = (weights @ counts.overall.reshape(n, -1)).reshape(resamples, 4, 5)
    scores = prf(summed)
    conll = conll_prf(weights @ counts.conll)
    out: dict[str, dict[str, float]] = {}
    for m, mode in enumerate(MODES):
        out[mode] = {}
        for key in ("precision", "recall", "f1"):
            values = scores[key][:, m]
            lo, hi = np.percentile(values, [2.5, 97.5])
            out[mode].update({f"{key}_ci_low": float(lo), f"{key}_ci_high": float(hi), f"{key}_std": float(values.std(ddof=1))})
    out["conll"] = {}
    for key, values in conll.items():
        lo, hi = np.percentile(values, [2.5, 97.5])
        out["conll"].update({f"{key}_ci_low": float(lo), f"{key}_ci_high": float(hi), f"{key}_std": float(values.std(ddof=1))})
    return out
