"""The labeling config in ``schemas/labeling_config.xml`` and the label groups it declares."""

from __future__ import annotations

import functools
import xml.etree.ElementTree as ET
from importlib import resources

TEXT_NAME = "text"  # the <Text name=...> every region must point at
ZONES = "zones"
ENTITIES = "entities"
MAIN, BOILERPLATE = "MAIN", "BOILERPLATE"


@functools.cache
def label_config() -> str:
    """The XML as Label Studio receives it."""
    return (resources.files("schemas") / "labeling_config.xml").read_text(encoding="utf-8")


@functools.cache
def label_groups() -> dict[str, frozenset[str]]:
    """``{from_name: {label, ...}}`` for every <Labels> group pointing at the text."""
    root = ET.fromstring(label_config())
    groups = {}
    for labels in root.iter("Labels"):
        if labels.get("toName") == TEXT_NAME:
            groups[labels.get("name")] = frozenset(label.get("value") for label in labels.iter("Label"))
    if set(groups) != {ZONES, ENTITIES}:
        raise ValueError(f"schemas/labeling_config.xml must declare Labels groups {ZONES!r} and {ENTITIES!r}, found {sorted(groups)}")
    return groups
