"""Span checks shared by push (pre-annotations) and pull (annotations): nothing is ever fixed.

Each Label Studio region is checked against the page text it claims to label: offsets inside
the text, ``value.text == text[start:end]``, a label that its group in the labeling config has.
A failing region yields a reason string; callers keep such results out of gold.

Then the annotation as a whole (``check_entities``), for what cannot be an entity whatever its
offsets (issue 14: the one-<Text> config let a hotkey turn a whole zone into an ORG):

* one region carrying both a zone label and an entity label (the same region id in both groups);
* an entity spanning a block boundary (a newline): names never cross blocks;
* an entity longer than ``MAX_ENTITY_CHARS``;
* an entity covering a whole zone region of the same annotation.
"""

from __future__ import annotations

from typing import Any

from curation.labelstudio import config

Span = dict[str, Any]  # {"start", "end", "label", "text"}

# Twice the longest entity of the v1.1.0 entity gold (77 code points: "Handbook of Life Support
# Systems for Spacecraft and Extraterrestrial Habitats", a cited book title; 4,035 spans, none with
# a newline). A real name longer than this is far less likely than a zone-sized slip.
LONGEST_GOLD_ENTITY = 77
MAX_ENTITY_CHARS = 2 * LONGEST_GOLD_ENTITY


def _short(s: str, n: int = 40) -> str:
    return repr(s if len(s) <= n else s[: n - 1] + "…")


def check_region(item: Any, text: str, index: int) -> tuple[str | None, Span | None, str | None]:
    """Check one result item: ``(group, span, None)`` when valid, ``(None, None, reason)`` otherwise."""
    where = f"region {index}" + (f" ({item.get('id')})" if isinstance(item, dict) and item.get("id") else "")
    if not isinstance(item, dict):
        return None, None, f"{where}: not an object"
    groups = config.label_groups()
    if item.get("type") != "labels":
        return None, None, f"{where}: unsupported result type {item.get('type')!r} (only text labels are used)"
    group = item.get("from_name")
    if group not in groups:
        return None, None, f"{where}: unknown label group {group!r} (expected one of {sorted(groups)})"
    if item.get("to_name") != config.target(group):
        return None, None, f"{where}: points at {item.get('to_name')!r}, not {config.target(group)!r} (the {group} view)"
    value = item.get("value")
    if not isinstance(value, dict):
        return None, None, f"{where}: no value"
    start, end = value.get("start"), value.get("end")
    if not all(isinstance(x, int) and not isinstance(x, bool) for x in (start, end)):
        return None, None, f"{where}: start/end are not integer offsets ({start!r}, {end!r})"
    if not 0 <= start < end <= len(text):
        return None, None, f"{where}: offsets [{start}, {end}) outside the text (length {len(text)}) or empty"
    labels = value.get("labels")
    if not isinstance(labels, list) or len(labels) != 1:
        return None, None, f"{where}: expected exactly one label, got {labels!r}"
    label = labels[0]
    if not isinstance(label, str):  # e.g. [["PER"]]: not hashable, not a label
        return None, None, f"{where}: label {label!r} is not a string"
    if label not in groups[group]:
        return None, None, f"{where}: label {label!r} is not in group {group!r} {sorted(groups[group])}"
    span_text = value.get("text")
    if span_text != text[start:end]:
        return None, None, f"{where}: span text {_short(str(span_text))} differs from text[{start}:{end}] {_short(text[start:end])}"
    return group, {"start": start, "end": end, "label": label, "text": span_text}, None


def _both_groups(result: list[Any]) -> list[str]:
    """Reasons for region ids that carry labels of both groups (Label Studio exports one item per group)."""
    by_id: dict[str, dict[str, list[str]]] = {}
    for item in result:
        group = item.get("from_name") if isinstance(item, dict) else None
        if group in (config.ZONES, config.ENTITIES) and item.get("id") is not None:
            labels = (item.get("value") or {}).get("labels") if isinstance(item.get("value"), dict) else None
            by_id.setdefault(str(item["id"]), {}).setdefault(group, []).extend(
                labels if isinstance(labels, list) else [])
    return [f"region {rid}: carries a zone label {groups[config.ZONES]} and an entity label {groups[config.ENTITIES]}; "
            "a region is either a zone or an entity" for rid, groups in by_id.items() if len(groups) == 2]


def check_entities(zones: list[Span], entities: list[Span]) -> list[str]:
    """Reasons why an entity of an otherwise valid annotation cannot be an entity (module docstring)."""
    reasons = []
    for e in entities:
        where = f"entity {e['label']} [{e['start']}, {e['end']}) {_short(e['text'])}"
        if "\n" in e["text"]:
            reasons.append(f"{where}: spans a block boundary (newline); a name lies inside one block")
        if e["end"] - e["start"] > MAX_ENTITY_CHARS:
            reasons.append(f"{where}: {e['end'] - e['start']} characters, longer than {MAX_ENTITY_CHARS} "
                           f"(2 x the longest gold entity)")
        for z in zones:
            if e["start"] <= z["start"] and z["end"] <= e["end"]:
                reasons.append(f"{where}: covers the whole {z['label']} zone [{z['start']}, {z['end']})")
                break
    return reasons


def check_result(result: Any, text: str) -> tuple[list[Span], list[Span], list[str]]:
    """Check a whole result list: ``(zones, entities, reasons)``; only valid spans are returned."""
    if not isinstance(result, list):
        return [], [], [f"result is not a list ({type(result).__name__})"]
    zones, entities, reasons = [], [], []
    for i, item in enumerate(result):
        group, span, reason = check_region(item, text, i)
        if reason:
            reasons.append(reason)
            if len(reasons) >= MAX_REASONS:
                reasons.append(f"… more regions not checked (result has {len(result)} regions)")
                break
        elif group == config.ZONES:
            zones.append({**span, "_index": i})
        else:
            entities.append({**span, "_index": i})
    reasons += _both_groups(result) + check_entities(zones, entities)
    key = lambda s: (s["start"], s["end"], s["label"])  # noqa: E731 - a stable order for comparisons
    # Zones may nest or repeat with the same label (a MAIN drawn over per-line MAIN pre-labels
    # means the same); a character cannot be MAIN and BOILERPLATE. Entities never overlap.
    reasons += _layout_problems(zones, "zone", same_label_ok=True) + _layout_problems(entities, "entity")
    strip = lambda spans: sorted(({k: v for k, v in s.items() if k != "_index"} for s in spans), key=key)  # noqa: E731
    return strip(zones), strip(entities), reasons[: MAX_REASONS + 1]


#: Reasons listed per annotation at most (a 100,000-region annotation gets a short list).
MAX_REASONS = 20


def _layout_problems(spans: list[dict[str, Any]], kind: str, same_label_ok: bool = False) -> list[str]:
    """Repeated or overlapping regions of one group in one annotation (issue 12): a repeat would be
    a silent extra vote, an overlap an ambiguous label in the gold."""
    problems: list[str] = []
    widest = None  # the region reaching furthest so far, in (start, end) order
    for s in sorted(spans, key=lambda s: (s["start"], s["end"], s["label"], s["_index"])):
        clash = widest is not None and s["start"] < widest["end"]
        if clash and same_label_ok and s["label"] == widest["label"]:
            clash = False
        if clash:
            same = (s["start"], s["end"], s["label"]) == (widest["start"], widest["end"], widest["label"])
            other = f"region {widest['_index']}"
            where = f"[{widest['start']}, {widest['end']}) {widest['label']}"
            how = f"repeats {other}" if same else f"overlaps {other} {where}"
            problems.append(f"region {s['_index']}: {kind} [{s['start']}, {s['end']}) {s['label']} {how}")
            if len(problems) >= MAX_REASONS:
                return problems
        if widest is None or s["end"] > widest["end"]:
            widest = s
    return problems


def region(group: str, start: int, end: int, label: str, text: str, rid: str) -> dict[str, Any]:
    """A Label Studio result item for a text span (used for pre-annotations and in tests)."""
    return {
        "id": rid,
        "from_name": group,
        "to_name": config.target(group),
        "type": "labels",
        "value": {"start": start, "end": end, "text": text[start:end], "labels": [label]},
    }
