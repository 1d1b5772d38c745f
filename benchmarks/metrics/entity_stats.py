"""The entity metric family: per-page counts of ``benchmarks.metrics.entities`` plus leaks.

Per page it reports the SemEval-2013 / CoNLL counts and the leak counts: a predicted entity that
overlaps no gold main zone lies in boilerplate (a *leak*); ``leak_rate`` = leaks / placed predicted
entities, summed over pages (micro). Spans that cannot be placed on the page (alignment failed)
count as spurious predictions and as ``unaligned``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from benchmarks.alignment import ZoneIndex, zones_from_gold
from benchmarks.labels import LABELS
from benchmarks.metrics import Metric, register_metric
from benchmarks.metrics import entities as M

MODES = M.MODES
FIELDS = M.FIELDS
LEAK_KEYS = ("n_pred", "n_leaks", "n_unaligned", "has_zones")



def stat_keys(labels: Sequence[str] = LABELS) -> list[str]:
    """The per-page statistic names of the entity family, overall and per label.

    Parameters
    ----------
    labels : sequence of str
        Entity labels (default: the CoNLL-2003 four).

    Returns
    -------
    list of str
        SemEval counts per mode, CoNLL counts, the same per label, then the leak counts.

    Examples
    --------
    >>> stat_keys(("PER",))[:3], stat_keys(("PER",))[-4:]
    (['strict_correct', 'strict_incorrect', 'strict_partial'], ['n_pred', 'n_leaks', 'n_unaligned', 'has_zones'])
    """
    keys = [f"{m}_{f}" for m in MODES for f in FIELDS] + [f"conll_{f}" for f in M.CONLL_FIELDS]
    for label in labels:
        keys += [f"{label}_{m}_{f}" for m in MODES for f in FIELDS] + [f"{label}_conll_{f}" for f in M.CONLL_FIELDS]
    return keys + list(LEAK_KEYS)


def page_stats(gold_entities: Sequence[Any], output: Any, zones: Sequence[tuple[int, int]] | None = None) -> dict[str, float]:
    """Per-page sufficient statistics (counts) of one system output against gold entities.

    Parameters
    ----------
    gold_entities : sequence
        The page's gold entities (page-text offsets).
    output : mapping, sequence or None
        The system's output: ``{"entities": [...], "unaligned": n}`` or a list of entities.
        Unaligned spans count as spurious in every mode.
    zones : sequence of (int, int), optional
        The page's gold main zones; a predicted entity outside all of them is a leak.

    Returns
    -------
    dict
        ``stat_keys()`` → counts (floats).

    Examples
    --------
    >>> out = {"entities": [{"start": 0, "end": 5, "label": "PER"}, {"start": 20, "end": 25, "label": "ORG"}], "unaligned": 1}
    >>> s = page_stats([{"start": 0, "end": 5, "label": "PER"}], out, zones=[(0, 10)])
    >>> s["strict_correct"], s["strict_spurious"], s["n_pred"], s["n_leaks"]
    (1.0, 2.0, 3.0, 1.0)
    """
    if output is None:
        predicted: list[Any] = []
        unaligned = 0
    elif isinstance(output, Mapping):
        predicted = list(output.get("entities") or ())
        unaligned = int(output.get("unaligned") or 0)
    else:
        predicted = list(output)
        unaligned = 0
    overall, per_label, conll, conll_label = M.page_counts(gold_entities, predicted)
    out: dict[str, float] = {}
    for m, mode in enumerate(MODES):
        for f, field in enumerate(FIELDS):
            out[f"{mode}_{field}"] = overall[m][f]
    # spans that could not be placed on the page are still predictions: spurious in every mode
    for mode in MODES:
        out[f"{mode}_spurious"] += unaligned
    for f, field in enumerate(M.CONLL_FIELDS):
        out[f"conll_{field}"] = conll[f]
    out["conll_n_pred"] += unaligned
    for label in LABELS:
        rows = per_label.get(label)
        crow = conll_label.get(label, (0, 0, 0))
        for m, mode in enumerate(MODES):
            for f, field in enumerate(FIELDS):
                out[f"{label}_{mode}_{field}"] = rows[m][f] if rows else 0
        for f, field in enumerate(M.CONLL_FIELDS):
            out[f"{label}_conll_{field}"] = crow[f]
    out["n_pred"] = len(predicted) + unaligned
    out["n_unaligned"] = unaligned
    if zones is not None:
        index = ZoneIndex(zones)
        pred = M.as_spans(predicted)
        out["n_leaks"] = sum(index.is_leak(s, e) for s, e, _ in pred)
        out["has_zones"] = 1
    else:
        out["n_leaks"] = 0
        out["has_zones"] = 0
    return {k: float(v) for k, v in out.items()}


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1), 0.0)


def aggregate(stats_: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Micro P/R/F1 per mode (and per label), CoNLL F1 and the leak rate; last axis = pages.

    ``leak_rate`` = leaks / placed predicted entities on pages with zone gold; ``unaligned_rate``
    = unaligned / predicted entities.

    Parameters
    ----------
    stats_ : mapping of str to numpy.ndarray
        ``page_stats`` keys → arrays of shape ``(..., n_pages)``.

    Returns
    -------
    dict of str to numpy.ndarray
        ``<mode>_precision|recall|f1``, ``conll_*``, the same per label, ``leak_rate``,
        ``unaligned_rate``.

    Examples
    --------
    >>> out = {"entities": [{"start": 0, "end": 5, "label": "PER"}, {"start": 20, "end": 25, "label": "ORG"}], "unaligned": 1}
    >>> s = page_stats([{"start": 0, "end": 5, "label": "PER"}], out, zones=[(0, 10)])
    >>> a = aggregate({k: np.array([v]) for k, v in s.items()})
    >>> round(float(a["strict_precision"]), 4), float(a["strict_recall"]), float(a["leak_rate"])
    (0.3333, 1.0, 0.5)
    """
    s = {k: np.asarray(v, dtype=float).sum(axis=-1) for k, v in stats_.items()}
    out: dict[str, np.ndarray] = {}
    for prefix in [""] + [f"{label}_" for label in LABELS]:
        if f"{prefix}strict_correct" not in s:
            continue
        counts = np.stack([np.stack([s[f"{prefix}{m}_{f}"] for f in FIELDS], axis=-1) for m in MODES], axis=-2)
        scores = M.prf(counts)
        for i, mode in enumerate(MODES):
            for key in ("precision", "recall", "f1"):
                out[f"{prefix}{mode}_{key}"] = scores[key][..., i]
        conll = M.conll_prf(np.stack([s[f"{prefix}conll_{f}"] for f in M.CONLL_FIELDS], axis=-1))
        for key in ("precision", "recall", "f1"):
            out[f"{prefix}conll_{key}"] = conll[key]
    if "n_leaks" in s:
        placed = s["n_pred"] - s["n_unaligned"]
        if "has_zones" in stats_:
            # pages without zone gold cannot have leaks counted: leave their predictions out
            zoned = np.asarray(stats_["has_zones"], dtype=float)
            placed = ((np.asarray(stats_["n_pred"], dtype=float) - np.asarray(stats_["n_unaligned"], dtype=float)) * zoned).sum(axis=-1)
        out["leak_rate"] = _ratio(s["n_leaks"], placed)
        out["unaligned_rate"] = _ratio(s["n_unaligned"], s["n_pred"])
    return out


class Entities(Metric):
    """Micro P/R/F1 per SemEval mode and label, CoNLL F1, and the leak rate, against ``entity_gold``."""

    name = "entities"
    task = "entities"
    stat_keys = tuple(stat_keys())
    columns = ("strict_f1", "strict_precision", "strict_recall", "exact_f1", "partial_f1", "type_f1", "conll_f1", "leak_rate")
    board = columns
    gold_fields = ("entities",)
    from_files = False  # ``bench score --task entities`` has its own file contract (semeval, conll)

    def page_stats(self, page, gold, output):
        if gold.get("text_sha256") and page.get("text_sha256") and gold["text_sha256"] != page["text_sha256"]:
            raise ValueError(f"page {page.get('page_id')}: gold refers to another text (text_sha256 differs)")
        return page_stats(gold["entities"], output, zones_from_gold(dict(page), dict(gold)))

    def supports(self, page, gold):
        return gold.get("entities") is not None  # a page with no entity is gold too (every prediction is spurious)

    def aggregate(self, stats):
        return aggregate(stats)


register_metric(Entities())
