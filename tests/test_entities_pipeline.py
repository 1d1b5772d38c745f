"""End-to-end entity machinery on hand-made pages with known answers: inputs, alignment, leaks, task."""

from __future__ import annotations

import json

import numpy as np
import pytest
from entity_fixtures import extracted_article, seed_like_page

from benchmarks import stats
from benchmarks.alignment import TextView, ZoneIndex, align_text, zones_from_gold
from benchmarks.labels import UnknownLabel, to_conll
from benchmarks.metrics.entities import evaluate
from benchmarks.systems import GOLD_ZONES, REGISTRY, System
from benchmarks.systems.base import MissingDependency
from benchmarks.systems.ner import get_entity_system
from benchmarks.systems.ner_baselines import Gazetteer, GazetteerNER
from benchmarks.tasks import TASKS
from benchmarks.tasks.entities import (
    GOLD_MAIN,
    PAGE_TEXT,
    PipelineSystem,
    aggregate,
    page_stats,
    place,
    run_on_input,
)


@pytest.fixture(scope="module")
def seed():
    return seed_like_page()


def surfaces(output: dict) -> list[str]:
    return [e["text"] for e in output["entities"]]


# -- labels ----------------------------------------------------------------------------------------


def test_ontonotes_mapping():
    assert [to_conll(x) for x in ("PERSON", "GPE", "FAC", "LOC", "NORP", "LAW", "ORG", "DATE", "CARDINAL")] == [
        "PER", "LOC", "LOC", "LOC", "MISC", "MISC", "ORG", None, None]
    with pytest.raises(UnknownLabel, match="neither CoNLL"):
        to_conll("PERS")


# -- alignment -------------------------------------------------------------------------------------


def test_alignment_maps_reflowed_text_exactly(seed):
    page, gold, _ = seed
    extracted = extracted_article(page, gold)
    view = TextView.aligned(extracted, page["text"])
    assert view.coverage > 0.99
    for ent in gold["entities"]:
        # find the entity in the extracted text and map it back
        at = extracted.find(ent["text"].replace("'", "’"))
        if ent["text"] == "Pyongyang":
            at = extracted.find("Pyongyang")
        assert at >= 0, ent
        start, end = view.to_page(at, at + len(ent["text"]))
        assert page["text"][start:end].replace("’", "'") == ent["text"]


def test_alignment_edited_line_and_unplaceable_span():
    page = "Intro line\nThe summit in Pyongyang was held on Wednesday.\nFooter"
    extracted = "The summit in Pyongyang, North Korea, was held on Wednesday."  # an edited line
    view = TextView.aligned(extracted, page)
    at = extracted.index("Pyongyang")
    assert view.to_page(at, at + 9) == (page.index("Pyongyang"), page.index("Pyongyang") + 9)
    at = extracted.index("North Korea")
    assert view.to_page(at, at + len("North Korea")) is None  # not on the page: unaligned
    # a moved line (title first) is still found
    m = align_text("Footer\nIntro line", page)
    assert m[0] == page.index("Footer") and m[-1] == page.index("line") + 3


def test_zone_index():
    index = ZoneIndex([(10, 20), (30, 40), (18, 25)])
    assert index.zones == [(10, 25), (30, 40)]
    assert index.is_leak(0, 10) and index.is_leak(25, 30) and index.is_leak(40, 45)
    assert not index.is_leak(5, 11) and not index.is_leak(24, 31) and not index.is_leak(35, 36)


# -- the seed-like page: boilerplate entities are leaks ---------------------------------------------


def oracle(page, gold, boiler):
    """A perfect tagger that also tags the boilerplate: entities of both kinds, page offsets."""
    return {"entities": gold["entities"] + boiler, "unaligned": 0}


def test_known_answers_leaks_on_whole_page(seed):
    page, gold, boiler = seed
    zones = zones_from_gold(page, gold)
    stats_ = page_stats(gold["entities"], oracle(page, gold, boiler), zones)
    n_gold, n_boiler = len(gold["entities"]), len(boiler)
    assert stats_["strict_correct"] == n_gold and stats_["strict_spurious"] == n_boiler
    assert stats_["n_leaks"] == n_boiler
    agg = aggregate({k: np.array([v]) for k, v in stats_.items()})
    assert agg["leak_rate"] == pytest.approx(n_boiler / (n_gold + n_boiler))
    assert agg["strict_precision"] == pytest.approx(n_gold / (n_gold + n_boiler))
    assert agg["strict_recall"] == pytest.approx(1.0)
    # the same tagger on the gold main text: no leak, perfect score
    view = TextView.from_zones(page["text"], zones)
    on_main = [e for e in gold["entities"]]
    back = place(view, [{"start": int(np.flatnonzero(view.char_map == e["start"])[0]),
                         "end": int(np.flatnonzero(view.char_map == e["end"] - 1)[0]) + 1,
                         "label": e["label"]} for e in on_main], page["text"])
    s2 = page_stats(gold["entities"], back, zones)
    assert s2["n_leaks"] == 0 and s2["strict_correct"] == n_gold and s2["strict_spurious"] == 0


def test_capitalisation_baseline_leaks_trending_names(seed):
    page, gold, _ = seed
    cap = get_entity_system("capitalisation")
    whole = run_on_input(cap, page, PAGE_TEXT)
    main = run_on_input(cap, page, GOLD_MAIN, gold=gold)
    zones = zones_from_gold(page, gold)
    leaks = [e["text"] for e in whole["entities"] if ZoneIndex(zones).is_leak(e["start"], e["end"])]
    assert any("Taylor Swift" in t for t in leaks) and any("Mbappé" in t for t in leaks)
    assert page_stats(gold["entities"], main, zones)["n_leaks"] == 0
    assert "Pyongyang" in surfaces(main)  # possessive stripped, month/weekday skipped
    assert "Wednesday" not in surfaces(main) and "March" not in surfaces(main)


def test_gazetteer_longest_match_and_majority_label():
    gaz = Gazetteer([("North Korea", "LOC"), ("North Korean", "MISC"), ("Kim Jong Un", "PER"), ("Kim", "PER"),
                     ("Putin", "PER"), ("Putin", "PER"), ("Putin", "ORG")])
    text = "Kim Jong Un met Putin; North Korean media, North Korea."
    found = [(text[e["start"]:e["end"]], e["label"]) for e in gaz.match(text)]
    assert found == [("Kim Jong Un", "PER"), ("Putin", "PER"), ("North Korean", "MISC"), ("North Korea", "LOC")]
    system = GazetteerNER(entries=(("Taylor Swift", "PER"),))
    assert system.extract("Taylor Swift, not Taylor.") == [{"start": 0, "end": 12, "label": "PER"}]


# -- the pipeline: extractor + NER, aligned back ---------------------------------------------------


class FakeExtractor(System):
    name = "test-fake-extractor"
    task = "boilerplate"
    needs = frozenset({GOLD_ZONES})  # it cheats: the "extracted" article is built from the gold zones

    def run(self, page):
        from entity_fixtures import extracted_article, seed_like_page

        return extracted_article(page, seed_like_page()[1])


@pytest.fixture
def fake_extractor():
    REGISTRY.add(FakeExtractor.name, FakeExtractor())
    yield FakeExtractor.name
    for name in [n for n in REGISTRY if n.startswith(FakeExtractor.name)]:  # and its pipelines
        REGISTRY.remove(name)


def test_pipeline_matches_gold_main_and_removes_leaks(seed, fake_extractor):
    page, gold, _ = seed
    zones = zones_from_gold(page, gold)
    pipe = PipelineSystem(extractor=fake_extractor, ner="capitalisation")
    assert pipe.name == f"{fake_extractor}+capitalisation"
    out = pipe.run(dict(page))
    ref = run_on_input(get_entity_system("capitalisation"), page, GOLD_MAIN, gold=gold)
    assert out["unaligned"] == 0
    # same spans, except where the extractor re-wrapped a line (the run stops at the line break)
    same = {(e["start"], e["end"]) for e in out["entities"]} & {(e["start"], e["end"]) for e in ref["entities"]}
    assert len(same) >= len(ref["entities"]) - 1
    assert page_stats(gold["entities"], out, zones)["n_leaks"] == 0
    whole = PipelineSystem(extractor="page_text", ner="capitalisation").run(dict(page))
    assert page_stats(gold["entities"], whole, zones)["n_leaks"] >= 3


# -- the task: stats, aggregation, bootstrap through the shared statistics ---------------------------


def test_task_stats_equal_direct_metrics(seed):
    page, gold, boiler = seed
    task = TASKS["entities"]
    outputs = [oracle(page, gold, boiler), {"entities": gold["entities"][:5], "unaligned": 2}, None]
    rows = [task.page_stats(page, gold, out) for out in outputs]
    st = {k: np.array([r[k] for r in rows]) for k in rows[0]}
    agg = task.aggregate(st)
    direct = evaluate([gold["entities"]] * 3, [outputs[0]["entities"], gold["entities"][:5], []])
    for mode in ("strict", "exact", "partial", "type"):
        assert agg[f"{mode}_recall"] == pytest.approx(direct[mode]["recall"])
    # the two unaligned spans are spurious predictions
    assert agg["strict_precision"] == pytest.approx(direct["strict"]["correct"] / (direct["strict"]["actual"] + 2))
    est = stats.bootstrap(task.aggregate, st, resamples=200, seed=1)
    assert est["strict_f1"].ci_low <= est["strict_f1"].value <= est["strict_f1"].ci_high
    assert "leak_rate" in est and "PER_strict_f1" in est


# -- bring your own predictions: the issue-5 contract ------------------------------------------------


def write_jsonl(path, records):
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def test_score_files_contract(tmp_path, seed):
    page, gold, boiler = seed
    g = write_jsonl(tmp_path / "gold.jsonl", [{"page_id": page["page_id"], "entities": gold["entities"], "text_sha256": page["text_sha256"]}])
    p = write_jsonl(tmp_path / "pred.jsonl", [{"page_id": page["page_id"], "entities": gold["entities"] + boiler}])
    result = TASKS["entities"].score_files(g, p, resamples=50)
    for mode in ("strict", "exact", "partial", "type"):
        assert {"precision", "recall", "f1", "correct", "incorrect", "partial", "missed", "spurious"} <= result[mode].keys()
    assert result["strict"]["spurious"] == len(boiler)
    assert set(result["per_label"]) == {"PER", "ORG", "LOC", "MISC"}
    assert result["per_label"]["PER"]["strict"]["spurious"] == 3
    json.dumps(result)  # JSON-able

    bad = write_jsonl(tmp_path / "bad.jsonl", [{"page_id": page["page_id"], "entities": [{"start": 0, "end": 3, "label": "PERSON"}]}])
    with pytest.raises(UnknownLabel, match="not CoNLL-2003"):
        TASKS["entities"].score_files(g, bad, resamples=0)
    other = write_jsonl(tmp_path / "other.jsonl", [{"page_id": page["page_id"], "entities": [], "text_sha256": "0" * 64}])
    with pytest.raises(ValueError, match="refused"):
        TASKS["entities"].score_files(g, other, resamples=0)


def test_cli_score_json(tmp_path, seed):
    from click.testing import CliRunner

    from pagegold.cli import main

    page, gold, boiler = seed
    g = write_jsonl(tmp_path / "gold.jsonl", [{"page_id": page["page_id"], "entities": gold["entities"]}])
    p = write_jsonl(tmp_path / "pred.jsonl", [{"page_id": page["page_id"], "entities": gold["entities"][:8]}])
    result = CliRunner().invoke(main, ["bench", "score", "--task", "entities", "--gold", str(g), "--pred", str(p), "--json", "--resamples", "0"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["strict"]["recall"] == pytest.approx(8 / len(gold["entities"]))
    assert data["strict"]["precision"] == 1.0 and data["strict"]["missed"] == len(gold["entities"]) - 8


def test_predictions_file_system(tmp_path, seed):
    page, gold, _ = seed
    path = write_jsonl(tmp_path / "p.jsonl", [{"page_id": page["page_id"], "entities": gold["entities"][:3], "text_sha256": page["text_sha256"]}])
    system = get_entity_system(f"file:{path}")
    assert run_on_input(system, page, PAGE_TEXT)["entities"][0]["text"] == "Putin"
    with pytest.raises(ValueError, match="refused"):
        system.run(dict(page, text_sha256="f" * 64))
    with pytest.raises(KeyError, match="not in"):
        system.run(dict(page, page_id="unknown"))


def test_missing_spacy_model_gives_pip_hint():
    system = get_entity_system("spacy:xx_no_such_pipeline")
    with pytest.raises(MissingDependency, match="spacy download|pip install"):
        system.extract("Some text")


def test_pipeline_task_scores_each_input_in_process(seed, fake_extractor):
    """The three inputs through the pipeline task's own scoring path (what ``bench run`` does after
    the workers): page text leaks boilerplate entities, the gold zones and a clean extractor do not."""
    from benchmarks.runner import _job_page

    task = TASKS["pipeline"]
    page, gold, _ = seed
    second = dict(page, page_id="seedlike0000002", source="other")
    pages = [page, second]
    golds = [gold, dict(gold, page_id=second["page_id"])]
    names = ["page_text+capitalisation", "gold+capitalisation", f"{fake_extractor}+capitalisation"]
    outputs = {n: [REGISTRY[n].run(_job_page(p, g, REGISTRY[n])) for p, g in zip(pages, golds)] for n in names}
    scores = {n: {k: float(v) for k, v in task.aggregate(s).items()} for n, s in task.stats_by_system(pages, golds, outputs).items()}
    assert scores["page_text+capitalisation"]["leak_rate"] > 0.2
    assert scores["gold+capitalisation"]["leak_rate"] == 0 and scores[f"{fake_extractor}+capitalisation"]["leak_rate"] == 0
    assert scores["gold+capitalisation"]["strict_precision"] > scores["page_text+capitalisation"]["strict_precision"]


def test_pipeline_task_names_and_versions(tmp_path, fake_extractor):
    task = TASKS["pipeline"]
    assert f"{fake_extractor}+capitalisation" in task.systems() and "gold+spacy-sm" in task.systems()
    assert task.get_system("gold+capitalisation").name == "gold+capitalisation"
    with pytest.raises(KeyError, match="extractor"):
        task.get_system("capitalisation")
    path = write_jsonl(tmp_path / "v.jsonl", [{"page_id": "a", "entities": []}])
    v1 = get_entity_system(f"file:{path}").version
    write_jsonl(path, [{"page_id": "a", "entities": [{"start": 0, "end": 1, "label": "PER"}]}])
    assert get_entity_system(f"file:{path}").version != v1
    assert GazetteerNER(entries=(("A B", "PER"),)).version.endswith("entries-1")
