"""Entity label scheme of PageGold: CoNLL-2003's PER, ORG, LOC, MISC, and the OntoNotes mapping.

Gold entities use the four CoNLL-2003 labels (Tjong Kim Sang & De Meulder 2003, "Introduction to
the CoNLL-2003 Shared Task"); the written guidelines are in ``docs/entity_guidelines.md``.
Systems trained on OntoNotes 5.0 (spaCy's English pipelines) predict 18 labels; they are mapped
onto CoNLL before scoring, as the design fixes:

==========================================  =======
OntoNotes label                             CoNLL
==========================================  =======
PERSON                                      PER
ORG                                         ORG
GPE, LOC, FAC                               LOC
NORP, EVENT, PRODUCT, WORK_OF_ART,          MISC
LAW, LANGUAGE
DATE, TIME, PERCENT, MONEY, QUANTITY,       dropped (numeric and temporal: not entities
ORDINAL, CARDINAL                           under CoNLL-2003)
==========================================  =======

Known mismatches between the two schemes (why a perfect OntoNotes tagger cannot score 1.0):
FAC (buildings, airports, roads) is LOC here although CoNLL-2003 annotators sometimes tagged
airports as ORG; NORP adjectives ("Russian", "North Korean") are MISC, as in CoNLL-2003, while
OntoNotes also tags NORP nouns for groups ("Democrats"), which CoNLL would call ORG.
"""

from __future__ import annotations

from collections.abc import Iterable

LABELS: tuple[str, ...] = ("PER", "ORG", "LOC", "MISC")

ONTONOTES_TO_CONLL: dict[str, str | None] = {
    "PERSON": "PER",
    "ORG": "ORG",
    "GPE": "LOC",
    "LOC": "LOC",
    "FAC": "LOC",
    "NORP": "MISC",
    "EVENT": "MISC",
    "PRODUCT": "MISC",
    "WORK_OF_ART": "MISC",
    "LAW": "MISC",
    "LANGUAGE": "MISC",
    "DATE": None,
    "TIME": None,
    "PERCENT": None,
    "MONEY": None,
    "QUANTITY": None,
    "ORDINAL": None,
    "CARDINAL": None,
}

# Labels that are already CoNLL pass through unchanged (some pipelines, e.g. xx_ent_wiki_sm,
# predict PER/ORG/LOC/MISC directly); "PER" and "MISC" are not OntoNotes labels, so no clash.
_PASSTHROUGH = {label: label for label in LABELS}


class UnknownLabel(ValueError):
    """A label that is neither CoNLL nor OntoNotes: refused rather than silently dropped."""


def to_conll(label: str) -> str | None:
    """Map one predicted label to CoNLL; ``None`` means the type is dropped (numeric/temporal).

    Raises UnknownLabel for anything else, because silently dropping unknown labels (what
    nervaluate does with labels outside ``tags``) hides bugs in a system's label mapping.
    """
    if label in _PASSTHROUGH:
        return label
    try:
        return ONTONOTES_TO_CONLL[label]
    except KeyError:
        raise UnknownLabel(
            f"entity label {label!r} is neither CoNLL-2003 ({', '.join(LABELS)}) nor OntoNotes 5.0 "
            f"({', '.join(ONTONOTES_TO_CONLL)})"
        ) from None


def check_labels(labels: Iterable[str], where: str = "") -> None:
    """Raise UnknownLabel listing every label outside the CoNLL scheme."""
    bad = sorted({label for label in labels if label not in _PASSTHROUGH})
    if bad:
        suffix = f" in {where}" if where else ""
        raise UnknownLabel(
            f"labels {bad}{suffix} are not CoNLL-2003 labels ({', '.join(LABELS)}); map OntoNotes labels "
            "with benchmarks.labels.to_conll before scoring"
        )
