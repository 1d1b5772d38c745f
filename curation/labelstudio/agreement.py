"""Inter-annotator agreement on the staged annotations, per page and overall.

Inputs: valid, not cancelled annotations of ``staging/annotations.parquet``; for each annotation id
its latest row, and for each (page, annotator) their latest annotation. Pages with two or more
annotators are compared pairwise.

* Entities: span F1 between two annotators, ``2·matches / (|A| + |B|)`` (symmetric, so no side
  is "gold"); strict = same start, end and label; partial = same label and overlapping offsets,
  matched one-to-one (greedy, in text order). Two empty sets agree (F1 = 1). Overall figures are
  micro: matches and sizes summed over all pairs of all pages.
* Zones: Cohen's kappa (scikit-learn) at character level over three categories (MAIN,
  BOILERPLATE, unmarked); newline characters between blocks are left out, since no annotator can
  meaningfully choose them. Pairs where one side marked no zone at all are skipped (counted).
  Kappa is undefined (None) when both sides put every character in one category. Overall: kappa
  of all pairs' characters pooled, and the mean of per-page kappas.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

import numpy as np
import pyarrow as pa

CATEGORIES = {"MAIN": 1, "BOILERPLATE": 2}  # 0 = unmarked


def latest_annotations(table: pa.Table, project: str | None = None) -> dict[tuple[str, str], dict[str, dict[str, Any]]]:
    """``{(page_id, text_sha256): {annotator: row}}`` of usable annotations (valid, not cancelled)."""
    newest: dict[tuple[str, int], dict[str, Any]] = {}
    for row in table.to_pylist():
        if project is not None and row["project"] != project:
            continue
        key = (row["project"], row["annotation_id"])
        if key not in newest or (row["updated_at"] or "") > (newest[key]["updated_at"] or ""):
            newest[key] = row
    pages: dict[tuple[str, str], dict[str, dict[str, Any]]] = defaultdict(dict)
    for row in newest.values():
        if not row["valid"] or row["cancelled"]:
            continue
        who = row["annotator"] or f"annotation-{row['annotation_id']}"
        mine = pages[(row["page_id"], row["text_sha256"])]
        if who not in mine or (row["updated_at"] or "") > (mine[who]["updated_at"] or ""):
            mine[who] = row
    return dict(pages)


def span_matches(a: list[dict[str, Any]], b: list[dict[str, Any]], partial: bool) -> int:
    """How many spans of ``a`` match one of ``b`` (one-to-one)."""
    if not partial:
        return len({(s["start"], s["end"], s["label"]) for s in a} & {(s["start"], s["end"], s["label"]) for s in b})
    used: set[int] = set()
    matches = 0
    for s in sorted(a, key=lambda s: (s["start"], s["end"])):
        for j, t in enumerate(sorted(b, key=lambda s: (s["start"], s["end"]))):
            if j not in used and t["label"] == s["label"] and t["start"] < s["end"] and s["start"] < t["end"]:
                used.add(j)
                matches += 1
                break
    return matches


def span_f1(a: list[dict[str, Any]], b: list[dict[str, Any]], partial: bool = False) -> float:
    if not a and not b:
        return 1.0
    return 2 * span_matches(a, b, partial) / (len(a) + len(b))


def char_labels(zones: list[dict[str, Any]], text: str) -> np.ndarray:
    """One category per character of the text (newlines dropped), from an annotator's zones."""
    labels = np.zeros(len(text), dtype=np.int8)
    for z in zones:
        labels[z["start"] : z["end"]] = CATEGORIES[z["label"]]
    keep = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32) != ord("\n")
    return labels[keep]


def kappa(a: np.ndarray, b: np.ndarray) -> float | None:
    """Cohen's kappa, None where it is undefined (a single category on both sides, or no data)."""
    if len(a) == 0 or (len(set(np.unique(a)) | set(np.unique(b))) < 2):
        return None
    try:
        from sklearn.metrics import cohen_kappa_score
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise RuntimeError("zone agreement needs scikit-learn: pip install 'scikit-learn>=1.4,<2'") from exc
    value = float(cohen_kappa_score(a, b, labels=[0, 1, 2]))
    return None if math.isnan(value) else value


@dataclass
class AgreementReport:
    pages: list[dict[str, Any]] = field(default_factory=list)
    overall: dict[str, Any] = field(default_factory=dict)


def agreement(table: pa.Table, texts: dict[str, str], project: str | None = None) -> AgreementReport:
    """Agreement of every page with two or more annotators. ``texts``: text_sha256 → page text."""
    report = AgreementReport()
    tot = {"strict_m": 0, "partial_m": 0, "size": 0, "pairs": 0, "zone_pairs": 0, "zone_skipped": 0}
    pooled_a, pooled_b, page_kappas = [], [], []
    for (page_id, sha), by_annotator in sorted(latest_annotations(table, project).items()):
        if len(by_annotator) < 2:
            continue
        strict, partial, kappas, observed = [], [], [], []
        for (_, ra), (_, rb) in combinations(sorted(by_annotator.items()), 2):
            ea, eb = ra["entities"] or [], rb["entities"] or []
            strict.append(span_f1(ea, eb))
            partial.append(span_f1(ea, eb, partial=True))
            tot["strict_m"] += 2 * span_matches(ea, eb, False)
            tot["partial_m"] += 2 * span_matches(ea, eb, True)
            tot["size"] += len(ea) + len(eb)
            tot["pairs"] += 1
            if not ra["zones"] or not rb["zones"] or sha not in texts:
                tot["zone_skipped"] += 1
                continue
            ca, cb = char_labels(ra["zones"], texts[sha]), char_labels(rb["zones"], texts[sha])
            pooled_a.append(ca)
            pooled_b.append(cb)
            tot["zone_pairs"] += 1
            observed.append(float((ca == cb).mean()) if len(ca) else 1.0)
            k = kappa(ca, cb)
            if k is not None:
                kappas.append(k)
        page_kappa = sum(kappas) / len(kappas) if kappas else None
        if page_kappa is not None:
            page_kappas.append(page_kappa)
        report.pages.append({
            "page_id": page_id, "text_sha256": sha, "annotators": sorted(by_annotator),
            "entity_strict_f1": sum(strict) / len(strict), "entity_partial_f1": sum(partial) / len(partial),
            "zone_kappa": page_kappa, "zone_observed": sum(observed) / len(observed) if observed else None,
        })
    size = tot["size"]
    report.overall = {
        "pages": len(report.pages), "pairs": tot["pairs"],
        "entity_strict_f1": (tot["strict_m"] / size if size else 1.0) if tot["pairs"] else None,
        "entity_partial_f1": (tot["partial_m"] / size if size else 1.0) if tot["pairs"] else None,
        "zone_kappa_pooled": kappa(np.concatenate(pooled_a), np.concatenate(pooled_b)) if pooled_a else None,
        "zone_kappa_mean": sum(page_kappas) / len(page_kappas) if page_kappas else None,
        "zone_pairs": tot["zone_pairs"], "zone_pairs_skipped": tot["zone_skipped"],
    }
    return report
