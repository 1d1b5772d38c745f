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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

Span = tuple[int, int, str]  # (start, end exclusive, label)

MODES: tuple[str, ...] = ("strict", "exact", "partial", "type")
FIELDS: tuple[str, ...] = ("correct", "incorrect", "partial", "missed", "spurious")
COR, INC, PAR, MIS, SPU = range(5)
_STRICT, _EXACT, _PARTIAL, _TYPE = range(4)
CONLL_FIELDS: tuple[str, ...] = ("correct", "n_pred", "n_gold")


def as_spans(entities: Iterable[Any]) -> list[Span]:
    """Normalise dicts ``{"start","end","label"}`` or tuples to validated ``(start, end, label)``."""
    spans: list[Span] = []
    for ent in entities:
        if isinstance(ent, Mapping):
            start, end, label = ent["start"], ent["end"], ent["label"]
        else:
            start, end, label = ent[0], ent[1], ent[2]
        if not (isinstance(start, int) and isinstance(end, int)) or start < 0 or end <= start:
            raise ValueError(f"invalid entity span {ent!r}: need integers 0 <= start < end (end exclusive)")
        spans.append((start, end, label))
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


def _remove(items: list[Span], common: Counter) -> list[Span]:
    """Items minus a multiset (sorted input stays sorted)."""
    if not common:
        return items
    left = Counter(common)
    out = []
    for item in items:
        if left.get(item, 0) > 0:
            left[item] -= 1
        else:
            out.append(item)
    return out


def _remove_bounds(items: list[Span], common: Counter) -> list[Span]:
    if not common:
        return items
    left = Counter(common)
    out = []
    for item in items:
        key = (item[0], item[1])
        if left.get(key, 0) > 0:
            left[key] -= 1
        else:
            out.append(item)
    return out


def _multiset_common(a: list, b: list) -> Counter:
    sa, sb = set(a), set(b)
    if len(sa) == len(a) and len(sb) == len(b):  # fast path: no duplicates (the usual case)
        return Counter(sa & sb)
    return Counter(a) & Counter(b)


def _mode_counts(gold: list[Span], pred: list[Span]) -> list[list[int]]:
    """The 4×5 SemEval counts (modes × COR/INC/PAR/MIS/SPU) of one document; inputs sorted."""
    ng, npred = len(gold), len(pred)
    # strict and type share the exact pass on (start, end, label)
    common = _multiset_common(gold, pred)
    n_common = sum(common.values())
    lg, lp = _remove(gold, common), _remove(pred, common)
    if lg and lp:
        inc_strict = _pair_first(lp, lg)
        t_same, t_other = _pair_type(lp, lg)
    else:
        inc_strict = t_same = t_other = 0
    # exact and partial share the exact pass on (start, end) alone
    gb = [(s, e) for s, e, _ in gold]
    pb = [(s, e) for s, e, _ in pred]
    common_b = _multiset_common(gb, pb)
    n_common_b = sum(common_b.values())
    if n_common_b == n_common:  # no boundary-only matches: the leftovers are the strict ones
        inc_exact = inc_strict
    else:
        lgb, lpb = _remove_bounds(gold, common_b), _remove_bounds(pred, common_b)
        inc_exact = _pair_first(lpb, lgb) if lgb and lpb else 0
    t_cor = n_common + t_same
    return [
        [n_common, inc_strict, 0, ng - n_common - inc_strict, npred - n_common - inc_strict],
        [n_common_b, inc_exact, 0, ng - n_common_b - inc_exact, npred - n_common_b - inc_exact],
        [n_common_b, 0, inc_exact, ng - n_common_b - inc_exact, npred - n_common_b - inc_exact],
        [t_cor, t_other, 0, ng - t_cor - t_other, npred - t_cor - t_other],
    ]


def _label_counts(gold: list[Span], pred: list[Span]) -> list[list[int]]:
    """Counts of a document filtered to one label (all spans share it; inputs sorted)."""
    ng, npred = len(gold), len(pred)
    common = _multiset_common(gold, pred)
    n_common = sum(common.values())
    lg, lp = _remove(gold, common), _remove(pred, common)
    if lg and lp:
        m = _pair_first(lp, lg)
        t_same, _ = _pair_type(lp, lg)
    else:
        m = t_same = 0
    t_cor = n_common + t_same
    row = [n_common, m, 0, ng - n_common - m, npred - n_common - m]
    return [row, list(row), [n_common, 0, m, ng - n_common - m, npred - n_common - m], [t_cor, 0, 0, ng - t_cor, npred - t_cor]]


# -- per-page counts and aggregation -------------------------------------------------------------


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


def page_counts(gold: Iterable[Any], pred: Iterable[Any]) -> tuple[list[list[int]], dict[str, list[list[int]]], list[int], dict[str, list[int]]]:
    """SemEval and CoNLL counts of one document (overall, per label)."""
    g = sorted(as_spans(gold))
    p = sorted(as_spans(pred))
    overall = _mode_counts(g, p)
    by_label_g: dict[str, list[Span]] = {}
    by_label_p: dict[str, list[Span]] = {}
    for span in g:
        by_label_g.setdefault(span[2], []).append(span)
    for span in p:
        by_label_p.setdefault(span[2], []).append(span)
    per_label = {}
    conll_label = {}
    gset_all, pset_all = set(g), set(p)
    for label in by_label_g.keys() | by_label_p.keys():
        lg, lp = by_label_g.get(label, []), by_label_p.get(label, [])
        per_label[label] = _label_counts(lg, lp)
        gs, ps = set(lg), set(lp)
        conll_label[label] = [len(gs & ps), len(ps), len(gs)]
    conll = [len(gset_all & pset_all), len(pset_all), len(gset_all)]
    return overall, per_label, conll, conll_label


def count_pages(golds: Sequence[Iterable[Any]], preds: Sequence[Iterable[Any]]) -> EntityCounts:
    """Per-page counts for aligned lists of documents (one gold and one prediction list per page)."""
    if len(golds) != len(preds):
        raise ValueError(f"{len(golds)} gold documents but {len(preds)} predicted ones")
    n = len(golds)
    overall = np.zeros((n, 4, 5), dtype=np.int64)
    conll = np.zeros((n, 3), dtype=np.int64)
    per_label: dict[str, np.ndarray] = {}
    conll_label: dict[str, np.ndarray] = {}
    for i, (gold, pred) in enumerate(zip(golds, preds)):
        o, pl, c, cl = page_counts(gold, pred)
        overall[i] = o
        conll[i] = c
        for label, counts in pl.items():
            if label not in per_label:
                per_label[label] = np.zeros((n, 4, 5), dtype=np.int64)
                conll_label[label] = np.zeros((n, 3), dtype=np.int64)
            per_label[label][i] = counts
            conll_label[label][i] = cl[label]
    return EntityCounts(overall, per_label, conll, conll_label)


def prf(counts: np.ndarray) -> dict[str, np.ndarray]:
    """Precision, recall, F1 from summed counts of shape (..., 4 modes, 5 fields); 0 on 0/0.

    Vectorised over leading axes, so bootstrap resamples ((B, 4, 5) sums) cost one call.
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
    """CoNLL exact-match precision, recall, F1 from summed (correct, n_pred, n_gold)."""
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

    Keys: ``strict``, ``exact``, ``partial``, ``type`` (each with precision, recall, f1 and the
    COR/INC/PAR/MIS/SPU counts), ``conll`` (exact-match P/R/F1) and ``per_label`` → label → the same.
    ``pages`` optionally selects (or resamples) page indices.
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
    """Score aligned lists of documents; see the module docstring for every definition."""
    return summarise(count_pages(golds, preds))


def conll_scores(golds: Sequence[Iterable[Any]], preds: Sequence[Iterable[Any]]) -> dict[str, float]:
    """CoNLL-2003 exact-match micro precision, recall and F1 (conlleval / seqeval strict)."""
    counts = count_pages(golds, preds)
    return {k: float(v) for k, v in conll_prf(counts.conll.sum(axis=0)).items()}
