"""Adjudication: staged annotations → staged gold, with a stated policy and every conflict listed.

Policy (``POLICY``), applied per page:

1. Input: the usable annotations (valid, not cancelled; the latest per annotator; see
   agreement.latest_annotations). Only annotations made on the page's text in the release read
   are used; annotations of an older text are listed as ``stale`` and ignored.
2. Reviewer wins: with ``reviewer`` given, a page the reviewer annotated takes the reviewer's
   entities and zones as gold; each span of another annotator that differs is listed as
   ``overruled``.
3. Otherwise strict majority. An entity (start, end, label) is gold when more than half of the
   page's annotators marked it; a span marked by fewer is listed as ``entity-minority`` (same
   offsets with another label shows up as two such entries). Each character takes the zone label
   that more than half of the annotators who marked zones gave it; characters without one are
   unmarked, and each such run is listed as ``zone-no-majority``. A single annotator's
   annotation is taken as it is.
4. Entity gold covers main content: when the page has gold zones, an entity not inside a gold
   MAIN span is dropped and listed as ``entity-outside-main``.
5. Released gold is never replaced by a later round: when the release read already holds
   adjudicated gold for a page and this adjudication would give it different entities or zones
   (e.g. a new project annotated it, or only that project is adjudicated), no row is staged for
   the page (the release keeps its gold) and a ``review-new-round`` item lists both versions.
   Only a reviewer who annotated the page (``--reviewer``) changes released gold.
   Each annotator's vote counts once: a span repeated in one annotation is one vote.

Outputs (layout in staging.py): ``entity_gold.parquet`` (origin ``labelstudio:adjudicated``),
``boilerplate_gold.parquet`` for pages with zone annotations (``main_spans`` = the MAIN runs,
``main_blocks`` = blocks at least half inside them, ``main_text`` = their text), ``conflicts.jsonl``
and ``adjudication.json``.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np

from curation import dataset, schema
from curation.labelstudio import staging
from curation.labelstudio.agreement import CATEGORIES, latest_annotations, span_f1

POLICY = "reviewer-wins-else-strict-majority; entities only inside gold MAIN zones"
ORIGIN = "labelstudio:adjudicated"
NAMES = {v: k for k, v in CATEGORIES.items()}


@dataclass
class AdjudicationReport:
    pages: int = 0
    entity_gold: int = 0
    zone_gold: int = 0
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    staging: Path | None = None
    amended: Counter = field(default_factory=Counter)  # (rule, decision) -> spans changed


def _zone_matrix(rows: list[dict[str, Any]], n: int) -> np.ndarray:
    out = np.zeros((len(rows), n), dtype=np.int8)
    for i, row in enumerate(rows):
        for z in row["zones"]:
            out[i, z["start"] : z["end"]] = CATEGORIES[z["label"]]
    return out


def _runs(values: np.ndarray) -> list[tuple[int, int, int]]:
    """Maximal runs (start, end, value) of equal values."""
    if len(values) == 0:
        return []
    cuts = np.flatnonzero(np.diff(values)) + 1
    starts = np.concatenate([[0], cuts])
    ends = np.concatenate([cuts, [len(values)]])
    return [(int(s), int(e), int(values[s])) for s, e in zip(starts, ends)]


def majority_zones(rows: list[dict[str, Any]], text: str) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """(MAIN spans, no-majority spans) of the annotators who marked zones."""
    marked = [r for r in rows if r["zones"]]
    matrix = _zone_matrix(marked, len(text))
    gold = np.zeros(len(text), dtype=np.int8)
    need = len(marked) // 2 + 1
    counts = {c: (matrix == c).sum(axis=0) for c in (0, 1, 2)}
    decided = np.zeros(len(text), dtype=bool)
    for c in (0, 1, 2):
        won = counts[c] >= need
        gold[won] = c
        decided |= won
    undecided = ~decided
    # A newline between two MAIN blocks joins them: nobody can choose whether to mark it.
    newline = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32) == ord("\n")
    main = gold == CATEGORIES["MAIN"]
    for s, e, v in _runs(main.astype(np.int8)):
        if v == 0 and s > 0 and e < len(text) and newline[s:e].all():
            main[s:e] = True
    undecided &= ~newline
    main_spans = [(s, e) for s, e, v in _runs(main.astype(np.int8)) if v]
    return main_spans, [(s, e) for s, e, v in _runs(undecided.astype(np.int8)) if v]


def _page(page: dict[str, Any], rows_by: dict[str, dict[str, Any]], reviewer: str | None, conflicts: list) -> tuple[list, list | None]:
    pid, text = page["page_id"], page["text"]
    note = lambda kind, **kw: conflicts.append({"page_id": pid, "kind": kind, **kw})  # noqa: E731
    key = lambda s: (s["start"], s["end"], s["label"])  # noqa: E731
    if reviewer and reviewer in rows_by:
        gold_row = rows_by[reviewer]
        entities = sorted(gold_row["entities"], key=key)
        zones_known = bool(gold_row["zones"])
        main = majority_zones([gold_row], text)[0] if zones_known else []  # merges adjacent MAIN regions
        gold_keys = {key(s) for s in entities}
        for who, row in rows_by.items():
            for s in row["entities"]:
                if who != reviewer and key(s) not in gold_keys:
                    note("overruled", annotator=who, span=s, by=reviewer)
    else:
        need = len(rows_by) // 2 + 1
        votes = Counter(k for row in rows_by.values() for k in {key(s) for s in row["entities"]})  # one vote each
        entities = []
        for k, n in sorted(votes.items()):
            span = {"start": k[0], "end": k[1], "label": k[2], "text": text[k[0] : k[1]]}
            if n >= need:
                entities.append(span)
            else:
                who = sorted(a for a, r in rows_by.items() if any(key(s) == k for s in r["entities"]))
                note("entity-minority", span=span, marked_by=who, of=len(rows_by))
        zones_known = any(r["zones"] for r in rows_by.values())
        main, undecided = majority_zones(list(rows_by.values()), text) if zones_known else ([], [])
        for s, e in undecided:
            note("zone-no-majority", start=s, end=e, text=text[s:e][:200],
                 labels={a: sorted({z["label"] for z in r["zones"] if z["start"] < e and s < z["end"]}) or ["unmarked"]
                         for a, r in rows_by.items() if r["zones"]})
    if zones_known:
        kept = []
        for s in entities:
            if any(a <= s["start"] and s["end"] <= b for a, b in main):
                kept.append(s)
            else:
                note("entity-outside-main", span=s)
        entities = kept
    return entities, (main if zones_known else None)


def _released_gold(version: str) -> dict[str, tuple[list[tuple], list[tuple] | None]]:
    """Adjudicated gold in the release read: ``{page_id: (sorted entity keys, MAIN spans or None)}``."""
    out: dict[str, tuple[list[tuple], list[tuple] | None]] = {}
    for row in dataset.read_table("entity_gold", version).to_pylist():
        if row["origin"] == ORIGIN:
            out[row["page_id"]] = (sorted((e["start"], e["end"], e["label"]) for e in row["entities"]), None)
    for row in dataset.read_table("boilerplate_gold", version).to_pylist():
        if row.get("origin") == ORIGIN and row["page_id"] in out and row.get("main_spans") is not None:
            out[row["page_id"]] = (out[row["page_id"]][0], [(m["start"], m["end"]) for m in row["main_spans"]])
    return out


def _amend(entity_rows: list[dict[str, Any]], path: Path, version: str, folder: Path,
           report: AdjudicationReport) -> list[dict[str, Any]]:
    """Apply reviewed amendments; pages not adjudicated now start from the release's entity gold."""
    import shutil

    from curation.labelstudio import amend

    items = amend.load(path)
    wanted = {a["page_id"] for a in items}
    rows = {r["page_id"]: r for r in entity_rows}
    released = [r for r in dataset.read_table("entity_gold", version).to_pylist() if r["page_id"] in wanted]
    for r in released:
        if r["page_id"] not in rows and r["origin"] == ORIGIN:
            rows[r["page_id"]] = r
    columns = ["page_id", "text", "text_sha256"]
    pages = {p["page_id"]: p for p in dataset.iter_pages(version, ids=wanted, columns=columns)}
    amended, report.amended = amend.apply({pid: r["entities"] for pid, r in rows.items()}, pages, items, str(path))
    for pid, ents in amended.items():
        rows[pid] = {**rows[pid], "entities": ents}
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, folder / "amendments.jsonl")
    return [rows[pid] for pid in sorted(rows)]


def adjudicate(version: str | None = None, reviewer: str | None = None, project: str | None = None,
               staging_dir: Path | None = None, amendments: Path | None = None) -> AdjudicationReport:
    """Turn ``staging/annotations.parquet`` into staged gold; see the module docstring.

    ``amendments``: a reviewed JSONL of guideline amendments (curation/labelstudio/amend.py),
    applied last, to the adjudicated gold of a page or else to its released entity gold.
    """
    folder = staging.staging_dir(staging_dir)
    with staging.lock(folder, "adjudicate"):  # never read annotations a concurrent pull is rewriting
        return _adjudicate(version, reviewer, project, folder, amendments)


def _adjudicate(version: str | None, reviewer: str | None, project: str | None, folder: Path,
                amendments: Path | None) -> AdjudicationReport:
    version = dataset.version_name(version) if version else dataset.latest_version()
    groups = latest_annotations(staging.read("annotations", folder / staging.ANNOTATIONS), project)
    pages = {p["page_id"]: p for p in dataset.iter_pages(
        version, ids={pid for pid, _ in groups}, columns=["page_id", "text", "text_sha256", "blocks", "split"])}
    report = AdjudicationReport(staging=folder)
    released = _released_gold(version)
    entity_rows, zone_rows = [], []
    for (pid, sha), rows_by in sorted(groups.items()):
        page = pages.get(pid)
        if page is None or page["text_sha256"] != sha:
            report.conflicts.append({"page_id": pid, "kind": "stale", "text_sha256": sha, "annotators": sorted(rows_by),
                                     "reason": f"not the page's text in {version}"})
            continue
        report.pages += 1
        entities, main = _page(page, rows_by, reviewer, report.conflicts)
        if pid in released and not (reviewer and reviewer in rows_by):
            before_entities, before_main = released[pid]
            now = sorted((e["start"], e["end"], e["label"]) for e in entities)
            if now != before_entities or (main is not None and [tuple(m) for m in main] != before_main):
                report.conflicts.append({
                    "page_id": pid, "kind": "review-new-round", "annotators": sorted(rows_by),
                    "released_entities": len(before_entities), "proposed_entities": len(now),
                    "reason": f"{version} already holds adjudicated gold for this page; this round differs, so it "
                              "is a review item (adjudicate with --reviewer after reviewing), never a replacement"})
                continue
        pairs = [span_f1(a["entities"], b["entities"]) for a, b in combinations(rows_by.values(), 2)]
        entity_rows.append({
            "page_id": pid, "text_sha256": sha, "entities": entities, "origin": ORIGIN, "n_annotators": len(rows_by),
            "agreement": sum(pairs) / len(pairs) if pairs else None, "split": page["split"],
        })
        if main is not None:
            covered = np.zeros(len(page["text"]), dtype=bool)
            for s, e in main:
                covered[s:e] = True
            blocks = [i for i, b in enumerate(page["blocks"]) if b["end"] > b["start"] and covered[b["start"] : b["end"]].mean() >= 0.5]
            zone_rows.append({
                "page_id": pid, "text_sha256": sha, "main_text": "\n".join(page["text"][s:e] for s, e in main),
                "main_blocks": blocks, "main_spans": [{"start": s, "end": e} for s, e in main],
                "origin": ORIGIN, "split": page["split"],
            })
    if amendments is not None:
        entity_rows = _amend(entity_rows, amendments, version, folder, report)
    staging.write_table(schema.load("entity_gold").table(entity_rows), folder / staging.ENTITY_GOLD)
    staging.write_table(schema.load("boilerplate_gold").table(zone_rows), folder / staging.BOILERPLATE_GOLD)
    staging.write_jsonl(report.conflicts, folder / staging.CONFLICTS)
    report.entity_gold, report.zone_gold = len(entity_rows), len(zone_rows)
    staging.write_text(json.dumps({
        "policy": POLICY, "reviewer": reviewer, "project": project, "release": version,
        "pages": report.pages, "entity_gold_rows": len(entity_rows), "zone_gold_rows": len(zone_rows),
        "amendments": {f"{r}:{d}": n for (r, d), n in sorted(report.amended.items())},
        "conflicts": Counter(c["kind"] for c in report.conflicts), "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }, indent=2, sort_keys=True) + "\n", folder / staging.REPORT)
    return report
