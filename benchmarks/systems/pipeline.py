"""Pipelines: a boilerplate extractor then an entity system, named ``<extractor>+<entity system>``.

A pipeline is not registered one pair at a time: the registry composes ``trafilatura+spacy-sm``
the first time the name is looked up (``REGISTRY.add_composer``), from any registered extractor
and any entity system ``benchmarks.systems.ner.get_entity_system`` knows. The extractor ``gold``
(or ``gold_main``) stands for input (a), the gold main zones; ``page_text`` for input (b).

Inputs, and how spans get back to page-text offsets:

* ``page_text``   — (b) the whole normalised page text;
* ``gold_main``   — (a) the gold main zones of the page text (``TextView.from_zones``);
* ``<extractor>`` — (c) the output of a boilerplate system, aligned back onto the page
  (``benchmarks.alignment``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from benchmarks.alignment import TextView, zones_from_gold
from benchmarks.systems.base import GOLD_ZONES, REGISTRY, MissingDependency, System, SystemRegistry
from benchmarks.systems.ner import EntitySystem, get_entity_system

GOLD_MAIN = "gold_main"
GOLD_TEXT_KEY = "gold_main_text"  # where the runner puts the gold main text (benchmarks.systems.boilerplate.GOLD_KEY)
PAGE_TEXT = "page_text"
_NOT_EXTRACTORS = (GOLD_MAIN, PAGE_TEXT, "gold")  # inputs that are not a boilerplate system's output


def input_view(page: Mapping[str, Any], input: str, gold: Mapping[str, Any] | None = None, extracted: str | None = None) -> TextView:
    """The text a system reads for ``input`` and its map onto the page text."""
    if input == PAGE_TEXT:
        return TextView.identity(page["text"])
    if input == GOLD_MAIN:
        zones = zones_from_gold(dict(page), dict(gold) if gold else None)
        if zones is None:
            raise ValueError(f"page {page.get('page_id')}: input gold_main needs gold main zones (boilerplate_gold main_spans or main_blocks)")
        return TextView.from_zones(page["text"], zones)
    if extracted is None:
        raise ValueError(f"input {input!r}: the boilerplate system's output is needed")
    return TextView.aligned(extracted, page["text"])


def place(view: TextView, entities: Sequence[Mapping[str, Any]], page_text: str) -> dict[str, Any]:
    """Map a system's entities from its input text onto the page: the task's output record."""
    placed: list[dict[str, Any]] = []
    unaligned = 0
    for ent in entities:
        span = view.to_page(int(ent["start"]), int(ent["end"]))
        if span is None:
            unaligned += 1
            continue
        placed.append({"start": span[0], "end": span[1], "label": ent["label"], "text": page_text[span[0] : span[1]]})
    return {"entities": placed, "unaligned": unaligned}


def run_on_input(
    system: EntitySystem, page: Mapping[str, Any], input: str = PAGE_TEXT, gold: Mapping[str, Any] | None = None, extracted: str | None = None
) -> dict[str, Any]:
    """Run an entity system on one input of a page; entities come back in page offsets."""
    if input == PAGE_TEXT:
        entities = system.run(dict(page))  # lets file-backed systems look the page up
        return place(TextView.identity(page["text"]), entities, page["text"])
    view = input_view(page, input, gold, extracted)
    return place(view, system.extract(view.text), page["text"])


@dataclass(frozen=True)
class PipelineSystem(System):
    """Boilerplate extractor then entity system: ``trafilatura+spacy-sm`` (input (c)).

    ``run(page)`` extracts the main text, runs NER on it and aligns the spans back onto the page.
    The extractor ``gold`` stands for input (a): it needs the gold zones under ``page["gold"]``.
    """

    task: ClassVar[str] = "pipeline"
    extractor: str = ""
    ner: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", f"{self.extractor}+{self.ner}")

    @property
    def needs(self) -> frozenset[str]:  # type: ignore[override]
        if self.extractor in (GOLD_MAIN, "gold"):
            return frozenset({GOLD_ZONES})
        if self.extractor == PAGE_TEXT:
            return frozenset()
        return REGISTRY[self.extractor].needs | get_entity_system(self.ner).needs

    @property
    def cacheable(self) -> bool:  # type: ignore[override]
        # cached when either part is (as before: a pipeline of two baselines is recomputed)
        extractor = REGISTRY.get(self.extractor, None) if self.extractor not in _NOT_EXTRACTORS else None
        return get_entity_system(self.ner).cacheable or bool(extractor and extractor.cacheable)

    @property
    def version(self) -> str:
        parts = [get_entity_system(self.ner).version]
        if self.extractor not in _NOT_EXTRACTORS:
            parts.insert(0, REGISTRY[self.extractor].version)
        return "+".join(parts)

    def check_available(self) -> None:
        if self.extractor not in _NOT_EXTRACTORS:
            if self.extractor not in REGISTRY:
                raise MissingDependency(f"unknown boilerplate system {self.extractor!r}")
            REGISTRY[self.extractor].check_available()
        get_entity_system(self.ner).check_available()

    def run(self, page: dict[str, Any]) -> dict[str, Any]:
        ner = get_entity_system(self.ner)
        if self.extractor in (GOLD_MAIN, "gold"):
            if page.get("gold") or page.get("main_spans") or page.get("main_blocks"):
                return run_on_input(ner, page, GOLD_MAIN, gold=page.get("gold") or page)
            if page.get(GOLD_TEXT_KEY) is not None:  # only the gold main text: align it onto the page
                return run_on_input(ner, page, "gold_main_text", extracted=page[GOLD_TEXT_KEY])
            raise ValueError("input gold_main needs the gold zones (page['gold']) or the gold main text (page['gold_main_text'])")
        if self.extractor == PAGE_TEXT:
            return run_on_input(ner, page, PAGE_TEXT)
        extractor = REGISTRY[self.extractor]
        extracted = extractor.run(page)
        if extractor.output_format == "markdown" and extracted:
            from benchmarks.metrics.markdown_text import to_text

            extracted = to_text(extracted)  # NER reads the text a reader sees, not the markup
        return run_on_input(ner, page, self.extractor, extracted=extracted or "")


def pipeline_system(name: str) -> PipelineSystem:
    if "+" not in name:
        raise KeyError(f"a pipeline is named <extractor>+<entity system>, e.g. trafilatura+spacy-sm (got {name!r})")
    extractor, ner = name.split("+", 1)
    return PipelineSystem(extractor=extractor, ner=ner)


def pipeline_names() -> list[str]:
    """Every registered extractor (but ``empty``) × every registered entity system."""
    extractors = [n for n in REGISTRY.of_task("boilerplate") if n != "empty"]
    return sorted(f"{e}+{n}" for e in extractors for n in REGISTRY.of_task("entities"))


def register_pipelines() -> list[str]:
    """Compose every pipeline of ``pipeline_names`` now (they are otherwise composed on first lookup)."""
    return [name for name in pipeline_names() if REGISTRY.get(name, None) is not None]


def _compose(registry: SystemRegistry, name: str) -> System | None:
    """``<extractor>+<entity system>`` when both parts are known; None for any other name."""
    if "+" not in name:
        return None
    extractor, ner = name.split("+", 1)
    if extractor not in _NOT_EXTRACTORS:
        part = registry.get(extractor, None)
        if part is None or part.task != "boilerplate" or extractor == "empty":
            return None
    try:
        get_entity_system(ner)
    except KeyError:
        return None
    return PipelineSystem(extractor=extractor, ner=ner)


REGISTRY.add_composer(_compose)
