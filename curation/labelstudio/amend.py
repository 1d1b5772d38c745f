"""Guideline amendments: reviewed changes to released entity gold, each with its rule and reason.

When a guideline decision changes (docs/entity_guidelines.md, "Decisions 1.1"), the pages already
annotated are brought in line by a reviewer who reads each candidate span against the rule and
writes one decision a line (JSONL), e.g. ``data/amendments/entity-guidelines-1.1.jsonl``::

    {"page_id": "…", "text_sha256": "…", "start": 12, "end": 14, "text": "UK", "label": "MISC",
     "decision": "relabel", "new_label": "LOC", "rule": "modifier", "reason": "…"}

``decision`` is ``relabel`` (``new_label``), ``drop`` or ``add`` (a span missing from the gold,
``label`` its label). ``pagegold annotate adjudicate --amendments FILE`` applies them after the
usual adjudication: to the freshly adjudicated gold of a page, else to the page's entity gold in
the release read. Nothing is applied unless every decision fits: the page text must still hash to
``text_sha256``, the span must be in the gold (or, for ``add``, absent) with ``text`` equal to
``text[start:end]``, and a reason is required. The file is copied to staging as
``amendments.jsonl`` so the release ships it beside the review log.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from curation.labelstudio import config, spans

DECISIONS = ("relabel", "drop", "add")
FIELDS = ("page_id", "text_sha256", "start", "end", "text", "label", "decision", "rule", "reason")


class AmendmentError(ValueError):
    """An amendment that does not fit the gold; the message names the line and the problem."""


def load(path: Path) -> list[dict[str, Any]]:
    """The amendments of a JSONL file, each with its line number as ``_line``."""
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError as exc:
            raise AmendmentError(f"{path}:{n}: not JSON ({exc})") from None
        missing = [f for f in FIELDS if row.get(f) in (None, "")] if isinstance(row, dict) else list(FIELDS)
        if missing:
            raise AmendmentError(f"{path}:{n}: missing {', '.join(missing)}")
        if row["decision"] not in DECISIONS:
            raise AmendmentError(f"{path}:{n}: decision {row['decision']!r} is not one of {', '.join(DECISIONS)}")
        if row["decision"] == "relabel" and row.get("new_label") not in config.label_groups()[config.ENTITIES]:
            labels = sorted(config.label_groups()[config.ENTITIES])
            raise AmendmentError(f"{path}:{n}: relabel needs new_label, one of {labels}")
        out.append({**row, "_line": n})
    return out


def apply(gold: dict[str, list[dict[str, Any]]], pages: dict[str, dict[str, Any]],
          amendments: list[dict[str, Any]], source: str = "amendments") -> tuple[dict[str, list], Counter]:
    """Amended copies of ``gold`` ({page_id: entities}); counts by (rule, decision). All or nothing."""
    out = {pid: [dict(e) for e in ents] for pid, ents in gold.items()}
    counts: Counter = Counter()
    for a in amendments:
        where = f"{source}:{a['_line']} ({a['page_id']} [{a['start']}, {a['end']}) {a['text']!r})"
        page = pages.get(a["page_id"])
        if page is None or a["page_id"] not in out:
            raise AmendmentError(f"{where}: page has no entity gold to amend")
        if page["text_sha256"] != a["text_sha256"]:
            raise AmendmentError(f"{where}: the page text changed since the decision (text_sha256)")
        if page["text"][a["start"] : a["end"]] != a["text"]:
            raise AmendmentError(f"{where}: text differs from the page text {page['text'][a['start']:a['end']]!r}")
        ents = out[a["page_id"]]
        hit = [e for e in ents if (e["start"], e["end"], e["label"]) == (a["start"], a["end"], a["label"])]
        if a["decision"] == "add":
            if any((e["start"], e["end"]) == (a["start"], a["end"]) for e in ents):
                raise AmendmentError(f"{where}: already in the gold")
            new = {"start": a["start"], "end": a["end"], "label": a["label"], "text": a["text"]}
            reasons = spans.check_entities([], [new])
            if reasons:
                raise AmendmentError(f"{where}: {reasons[0]}")
            ents.append(new)
        elif not hit:
            raise AmendmentError(f"{where}: no {a['label']} span there in the gold")
        elif a["decision"] == "drop":
            ents.remove(hit[0])
        else:
            hit[0]["label"] = a["new_label"]
        counts[(a["rule"], a["decision"])] += 1
    for ents in out.values():
        ents.sort(key=lambda e: (e["start"], e["end"], e["label"]))
    return out, counts
