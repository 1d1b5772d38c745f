"""The labeling config in ``schemas/labeling_config.xml`` and the label groups it declares."""

from __future__ import annotations

import functools
import xml.etree.ElementTree as ET
from importlib import resources

TEXT_NAME = "text"  # the <Text name=...> entity regions point at
ZONES_TEXT_NAME = "zones_text"  # the second <Text> of the same text, for zone regions only
ZONES = "zones"
ENTITIES = "entities"
MAIN, BOILERPLATE = "MAIN", "BOILERPLATE"


@functools.cache
def label_config() -> str:
    """The XML as Label Studio receives it."""
    return (resources.files("schemas") / "labeling_config.xml").read_text(encoding="utf-8")


TARGETS = {ZONES: ZONES_TEXT_NAME, ENTITIES: TEXT_NAME}  # label group -> the <Text> it labels


def target(group: str) -> str:
    """The ``to_name`` a region of ``group`` must carry."""
    return TARGETS[group]


@functools.cache
def label_groups() -> dict[str, frozenset[str]]:
    """``{from_name: {label, ...}}`` for the two <Labels> groups, each on its own <Text>.

    Zones and entities must label different <Text> objects of the same ``$text``: an entity
    selection can then never add its label to a zone region (issue 14).
    """
    root = ET.fromstring(label_config())
    texts = {t.get("name"): t.get("value") for t in root.iter("Text")}
    groups = {}
    for labels in root.iter("Labels"):
        name = labels.get("name")
        if name in TARGETS and labels.get("toName") == TARGETS[name] and texts.get(TARGETS[name]) == "$text":
            groups[name] = frozenset(label.get("value") for label in labels.iter("Label"))
    if set(groups) != {ZONES, ENTITIES}:
        raise ValueError(f"schemas/labeling_config.xml must declare Labels {ZONES!r} on <Text {ZONES_TEXT_NAME}> and "
                         f"{ENTITIES!r} on <Text {TEXT_NAME}>, both of $text; found {sorted(groups)}")
    return groups
