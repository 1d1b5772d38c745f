"""Reviewing disagreements: a sheet of every disputed span, and decisions → the reviewer's annotation.

``sheet`` lists, for each page with two or more annotators, the entities all annotators agree
on and every **disputed item** with an id: an entity span (start, end, label) that some but not
all annotators marked, or a run of characters the annotators put in different zones. The
reviewer reads the page and writes one decision per disputed item, with a reason:

    {"page_id": "…", "id": "e3", "decision": "keep" | "drop" | "relabel", "label": "ORG", "reason": "…"}
    {"page_id": "…", "id": "z1", "decision": "main" | "boilerplate", "reason": "…"}

``resolve`` refuses decisions that are missing, unknown or without a reason, then builds the
reviewer's annotation: the agreed entities plus the kept/relabelled ones, the agreed zones with
the disputed runs decided; an entity left outside the final MAIN zones is not included. The
annotation is created in Label Studio under the reviewer's user, so ``adjudicate --reviewer``
makes it gold and the decisions file ships with the release as the adjudication log.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from curation.labelstudio import config, spans
from curation.labelstudio.adjudicate import _runs, _zone_matrix
from curation.labelstudio.agreement import CATEGORIES

ENTITY_DECISIONS = ("keep", "drop", "relabel")
ZONE_DECISIONS = ("main", "boilerplate")


class ReviewError(ValueError):
    """Decisions that do not settle the sheet; the message says which and why."""


def _key(span: dict[str, Any]) -> tuple[int, int, str]:
    return span["start"], span["end"], span["label"]


def page_sheet(page_id: str, text: str, rows_by: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The review sheet of one page: agreed entities, disputed entities and disputed zone runs."""
    annotators = sorted(rows_by)
    marked = {a: {_key(s) for s in rows_by[a]["entities"]} for a in annotators}
    every = set.union(*marked.values())
    agreed = sorted(k for k in every if all(k in m for m in marked.values()))
    disputed = sorted(every - set(agreed))
    items = []
    for i, (s, e, label) in enumerate(disputed, start=1):
        items.append({"id": f"e{i}", "kind": "entity", "start": s, "end": e, "label": label, "text": text[s:e],
                      "marked_by": [a for a in annotators if (s, e, label) in marked[a]],
                      "context": text[max(0, s - 80) : e + 80]})  # fmt: skip
    matrix = _zone_matrix([rows_by[a] for a in annotators], len(text))
    differs = (matrix != matrix[0]).any(axis=0)
    newline = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32) == ord("\n")
    n = 0
    for s, e, v in _runs((differs & ~newline).astype(np.int8)):
        if v:
            n += 1
            labels = {a: config_name(int(matrix[j, s])) for j, a in enumerate(annotators)}
            items.append({"id": f"z{n}", "kind": "zone", "start": s, "end": e, "text": text[s:e][:400], "labels": labels})
    agreed_main = (matrix == CATEGORIES["MAIN"]).all(axis=0)
    return {
        "page_id": page_id,
        "annotators": annotators,
        "agreed_entities": [{"start": s, "end": e, "label": label, "text": text[s:e]} for s, e, label in agreed],
        "agreed_main": [(s, e) for s, e, v in _runs(agreed_main.astype(np.int8)) if v],
        "disputed": items,
    }


def config_name(category: int) -> str:
    return {v: k for k, v in CATEGORIES.items()}.get(category, "unmarked")


def check_decisions(sheet: dict[str, Any], decisions: dict[str, dict[str, Any]]) -> None:
    for item in sheet["disputed"]:
        d = decisions.get(item["id"])
        where = f"page {sheet['page_id']} item {item['id']} ({item.get('text', '')[:40]!r})"
        if d is None:
            raise ReviewError(f"{where}: no decision")
        allowed = ENTITY_DECISIONS if item["kind"] == "entity" else ZONE_DECISIONS
        if d.get("decision") not in allowed:
            raise ReviewError(f"{where}: decision {d.get('decision')!r} is not one of {allowed}")
        if not str(d.get("reason", "")).strip():
            raise ReviewError(f"{where}: a decision needs a reason")
        if d["decision"] == "relabel" and d.get("label") not in ("PER", "ORG", "LOC", "MISC"):
            raise ReviewError(f"{where}: relabel needs a label PER, ORG, LOC or MISC")
    unknown = set(decisions) - {i["id"] for i in sheet["disputed"]}
    if unknown:
        raise ReviewError(f"page {sheet['page_id']}: decisions for unknown items {sorted(unknown)}")


def resolved_result(sheet: dict[str, Any], decisions: dict[str, dict[str, Any]], text: str) -> list[dict[str, Any]]:
    """The reviewer's Label Studio result for one page (zones + entities) after checking decisions."""
    check_decisions(sheet, decisions)
    main = np.zeros(len(text), dtype=bool)
    for s, e in sheet["agreed_main"]:
        main[s:e] = True
    entities = [dict(x) for x in sheet["agreed_entities"]]
    for item in sheet["disputed"]:
        d = decisions[item["id"]]
        if item["kind"] == "zone":
            main[item["start"] : item["end"]] = d["decision"] == "main"
        elif d["decision"] in ("keep", "relabel"):
            label = d.get("label") if d["decision"] == "relabel" else item["label"]
            entities.append({"start": item["start"], "end": item["end"], "label": label, "text": item["text"]})
    newline = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32) == ord("\n")
    result = []
    for s, e, v in _runs(main.astype(np.int8)):
        if not newline[s:e].all():
            result.append(spans.region(config.ZONES, s, e, "MAIN" if v else "BOILERPLATE", text, f"z{len(result)}"))
    taken: list[dict[str, Any]] = []
    for ent in sorted(entities, key=lambda x: (x["start"], -x["end"])):
        clash = next((t for t in taken if ent["start"] < t["end"] and t["start"] < ent["end"]), None)
        if clash is not None:  # the reviewer must choose between overlapping spans, not us
            raise ReviewError(f"page {sheet['page_id']}: kept entities overlap: {clash['text']!r} ({clash['label']}) "
                              f"and {ent['text']!r} ({ent['label']}); drop one")
        if main[ent["start"] : ent["end"]].all():
            taken.append(ent)
            result.append(spans.region(config.ENTITIES, ent["start"], ent["end"], ent["label"], text, f"e{len(result)}"))
    return result


def load_decisions(path: Path) -> dict[str, dict[str, dict[str, Any]]]:
    """Decisions JSONL → {page_id: {item id: decision}}."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            d = json.loads(line)
            out.setdefault(d["page_id"], {})[d["id"]] = d
        except (ValueError, KeyError) as exc:
            raise ReviewError(f"{path}:{n}: not a decision object with page_id and id ({exc})") from exc
    return out
