"""Span adapters any entity system can be wrapped in: ``<system>@<adapter>``, e.g. ``spacy-sm@conll``.

An adapted system is a system of its own (its own name, version and leaderboard row): the inner
system's output is never changed in place. The one adapter, ``conll`` (``conll-spans``), moves
OntoNotes-style spans to CoNLL-2003's conventions, which the entity gold follows
(docs/entity_guidelines.md):

* a leading determiner is not part of the name: "the White House" → "White House"
  (``the``, ``a``, ``an``, any case, followed by whitespace);
* a trailing possessive is not part of the name: "Google's" → "Google", "Democrats'" → "Democrats"
  (``'s``, ``’s``, and a bare ``'``/``’`` after an ``s``);
* party nouns are organisations: OntoNotes tags "Democrats"/"Republicans" NORP (→ MISC), CoNLL
  tags the parties ORG (``PARTY_NOUNS``).

An entity left empty by the stripping is dropped. The adapter works in the inner system's text
offsets, so it composes with every input (page text, gold zones, an extractor's output).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from benchmarks.systems.base import register
from benchmarks.systems.ner import Entity, EntitySystem, get_entity_system

CONLL_VERSION = "1"  # bump when the rules change: part of the adapted system's version (cache key)
_DETERMINER = re.compile(r"(?:the|a|an)\s+", re.IGNORECASE)
_POSSESSIVE = re.compile(r"(?:['’]s|(?<=s)['’])$")
PARTY_NOUNS = frozenset({"Democrats", "Republicans"})


def conll_spans(text: str, entities: Sequence[Entity]) -> list[Entity]:
    """Entities of ``text`` moved to CoNLL-2003 span conventions (pure: the input is not changed)."""
    out: list[Entity] = []
    for ent in entities:
        start, end, label = int(ent["start"]), int(ent["end"]), ent["label"]
        m = _DETERMINER.match(text, start, end)
        if m and m.end() < end:
            start = m.end()
        m = _POSSESSIVE.search(text[start:end])
        if m:
            end = start + m.start()
        while end > start and text[end - 1].isspace():
            end -= 1
        if end <= start:
            continue
        if text[start:end] in PARTY_NOUNS:
            label = "ORG"
        out.append({**ent, "start": start, "end": end, "label": label})
    return out


ADAPTERS: dict[str, tuple[str, Callable[[str, Sequence[Entity]], list[Entity]]]] = {
    # adapter name → (version, function)
    "conll": (CONLL_VERSION, conll_spans),
}


@dataclass(frozen=True)
class AdaptedNER(EntitySystem):
    """``inner`` entity system with the span adapter ``adapter`` applied to its output."""

    description: ClassVar[str] = "an entity system with a span adapter (benchmarks.systems.ner_conll)"
    inner: str = ""
    adapter: str = "conll"

    def __post_init__(self) -> None:
        if self.adapter not in ADAPTERS:
            raise KeyError(f"unknown span adapter {self.adapter!r} (known: {', '.join(ADAPTERS)})")
        object.__setattr__(self, "name", f"{self.inner}@{self.adapter}")
        object.__setattr__(self, "description", f"{self.inner} with {self.adapter}-spans: {_doc_line()}")

    @property
    def system(self) -> EntitySystem:
        return get_entity_system(self.inner)

    @property
    def package(self) -> str | None:  # type: ignore[override]  # cacheable exactly when the inner system is
        return self.system.package

    @property
    def version(self) -> str:
        return f"{self.system.version}+{self.adapter}-spans-{ADAPTERS[self.adapter][0]}"

    def check_available(self) -> None:
        self.system.check_available()

    def extract(self, text: str) -> list[Entity]:
        return ADAPTERS[self.adapter][1](text, self.system.extract(text))

    def run(self, page: dict[str, Any]) -> list[Entity]:
        return ADAPTERS[self.adapter][1](page["text"], self.system.run(page))


def _doc_line() -> str:
    return "no leading determiner, no trailing possessive, Democrats/Republicans → ORG"


def adapted_system(name: str) -> AdaptedNER:
    """``spacy-sm@conll`` → the adapter ``conll`` around ``spacy-sm``."""
    inner, _, adapter = name.rpartition("@")
    if not inner:
        raise KeyError(f"an adapted entity system is named <system>@<adapter>, e.g. spacy-sm@conll (got {name!r})")
    return AdaptedNER(inner=inner, adapter=adapter)


for _name in ("spacy-sm@conll", "spacy-md@conll"):
    register(adapted_system(_name))
