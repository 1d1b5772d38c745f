"""Span checks shared by push (pre-annotations) and pull (annotations): nothing is ever fixed.

Each Label Studio region is checked against the page text it claims to label: offsets inside
the text, ``value.text == text[start:end]``, a label that its group in the labeling config has.
A failing region yields a reason string; callers keep such results out of gold.
"""

from __future__ import annotations

from typing import Any

from curation.labelstudio import config

Span = dict[str, Any]  # {"start", "end", "label", "text"}


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
    if item.get("to_name") != config.TEXT_NAME:
        return None, None, f"{where}: points at {item.get('to_name')!r}, not the page text"
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
    if label not in groups[group]:
        return None, None, f"{where}: label {label!r} is not in group {group!r} {sorted(groups[group])}"
    span_text = value.get("text")
    if span_text != text[start:end]:
        return None, None, f"{where}: span text {_short(str(span_text))} differs from text[{start}:{end}] {_short(text[start:end])}"
    return group, {"start": start, "end": end, "label": label, "text": span_text}, None


def check_result(result: Any, text: str) -> tuple[list[Span], list[Span], list[str]]:
    """Check a whole result list: ``(zones, entities, reasons)``; only valid spans are returned."""
    if not isinstance(result, list):
        return [], [], [f"result is not a list ({type(result).__name__})"]
    zones, entities, reasons = [], [], []
    for i, item in enumerate(result):
        group, span, reason = check_region(item, text, i)
        if reason:
            reasons.append(reason)
        elif group == config.ZONES:
            zones.append(span)
        else:
            entities.append(span)
    key = lambda s: (s["start"], s["end"], s["label"])  # noqa: E731 - a stable order for comparisons
    return sorted(zones, key=key), sorted(entities, key=key), reasons


def region(group: str, start: int, end: int, label: str, text: str, rid: str) -> dict[str, Any]:
    """A Label Studio result item for a text span (used for pre-annotations and in tests)."""
    return {
        "id": rid,
        "from_name": group,
        "to_name": config.TEXT_NAME,
        "type": "labels",
        "value": {"start": start, "end": end, "text": text[start:end], "labels": [label]},
    }
