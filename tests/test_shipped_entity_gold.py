"""The committed entity gold (v1.1.0): coverage, span checks, and the seed page's leaks."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from curation import dataset
from curation.labelstudio.spans import check_result, region

CHECKOUT = Path(__file__).resolve().parent.parent
SEED = "b20242af86ab0e5a"


def gold_rows():
    return dataset.read_table("entity_gold", "1.1.0").to_pylist()


def test_entity_gold_covers_the_required_pages_and_every_span_passes_the_pull_checks():
    rows = gold_rows()
    pages = {p["page_id"]: p for p in dataset.iter_pages("1.1.0", ids={r["page_id"] for r in rows},
                                                          columns=["page_id", "source", "page_type", "text", "text_sha256", "split"])}  # fmt: skip
    assert sum(1 for r in rows if r["entities"]) >= 81
    sources = Counter(pages[r["page_id"]]["source"] for r in rows)
    assert sources["seed"] == 1 and sources["aeb"] >= 60 and sources["wcxb-dev"] >= 20
    assert all(pages[r["page_id"]]["page_type"] == "article" for r in rows)
    splits = Counter(r["split"] for r in rows)
    assert splits["test"] >= 40 and splits["train"] >= 30
    assert sum(1 for r in rows if r["n_annotators"] >= 2) >= 0.2 * len(rows)  # the second pass
    for r in rows:
        page = pages[r["page_id"]]
        assert r["text_sha256"] == page["text_sha256"]
        result = [region("entities", e["start"], e["end"], e["label"], page["text"], f"e{i}") for i, e in enumerate(r["entities"])]
        for item, e in zip(result, r["entities"]):
            item["value"]["text"] = e["text"]  # check the stored text, not a recomputed one
        _, entities, reasons = check_result(result, page["text"])
        assert reasons == [] and len(entities) == len(r["entities"])


def test_seed_gold_has_the_article_entities_not_the_trending_names():
    seed = next(r for r in gold_rows() if r["page_id"] == SEED)
    names = {e["text"] for e in seed["entities"]}
    assert {"Vladimir Putin", "Kim Jong Un", "Pyongyang", "North Korea", "United Nations"} <= names
    assert not names & {"Taylor Swift", "Deepika Padukone", "Kylian Mbappe", "Scooter Braun"}


def test_whole_page_ner_on_the_seed_shows_trending_names_as_leaks():
    from benchmarks.alignment import ZoneIndex
    from benchmarks.systems.ner import get_entity_system
    from benchmarks.tasks.entities import PAGE_TEXT, run_on_input

    page = next(dataset.iter_pages("1.1.0", ids=[SEED]))
    zones = dataset.boilerplate_gold_by_page("1.1.0", prefer="annotation")[SEED]
    main = ZoneIndex([(z["start"], z["end"]) for z in zones["main_spans"]])
    for name in ("spacy-sm", "capitalisation"):  # a real NER model and the baseline
        out = run_on_input(get_entity_system(name), page, PAGE_TEXT)
        leaks = {page["text"][e["start"] : e["end"]] for e in out["entities"] if main.is_leak(e["start"], e["end"])}
        trending = ("Taylor Swift", "Deepika Padukone", "Kylian Mbappe", "Scooter Braun", "Iker Casillas")
        assert any(n in t for t in leaks for n in trending), (name, sorted(leaks)[:20])
        assert not any("Pyongyang" in t for t in leaks)  # the article's places are not leaks
