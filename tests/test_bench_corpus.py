"""``bench run --corpus/--pages``, ``bench export``, ``bench score`` inputs and ``file:`` systems, via the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from pagegold.cli import main
from tests import corpus_fixtures as fx


def cli(*args: str, ok: bool = True):
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert (result.exit_code == 0) == ok, result.output
    return result


def run_corpus(corpus: Path, out: Path, systems: str, *options: str, cache: bool = False):
    """``bench run --corpus`` on one worker, without intervals (and without the cache unless asked)."""
    no_cache = () if cache else ("--no-cache",)
    return cli("bench", "run", "--corpus", str(corpus), *options, "--systems", systems, "--jobs", "1", *no_cache,
               "--resamples", "0", "--out", str(out))


def overall(run: Path, system: str, metric: str) -> float:
    rows = pq.read_table(run / "results.parquet").to_pylist()
    (row,) = [r for r in rows if r["system"] == system and r["group_by"] == "all" and r["metric"] == metric]
    return row["value"]


@pytest.fixture
def jsonl_corpus(tmp_path: Path) -> Path:
    return fx.write_jsonl(tmp_path / "gen" / "pages.jsonl")


def test_run_on_a_corpus_in_place_with_a_file_system(tmp_path, jsonl_corpus, monkeypatch):
    monkeypatch.setenv("PAGEGOLD_DATA_DIR", str(tmp_path / "no-data"))  # nothing may be read or written there
    outputs = tmp_path / "outputs.jsonl"
    outputs.write_text(
        json.dumps({"id": "g-0", "text": fx.main_text("Generic 0")})
        + "\n"
        + json.dumps({"id": "g-2", "text": fx.BODY[1]})
        + "\n",
        encoding="utf-8",
    )
    run = tmp_path / "run"
    run_corpus(jsonl_corpus, run, f"file:{outputs},html-text", "--format", "jsonl", "--split", "test")
    preds = pq.read_table(run / "predictions.parquet").to_pylist()
    assert {(p["system"], p["source_id"], p["status"]) for p in preds} == {
        (f"file:{outputs}", "g-0", "ok"),
        (f"file:{outputs}", "g-2", "ok"),
        ("html-text", "g-0", "ok"),
        ("html-text", "g-2", "ok"),
    }
    # g-2's gold has snippets only: missing for BoW (not a 0 that would halve the mean)
    assert overall(run, f"file:{outputs}", "bow_f1") == pytest.approx(1.0)
    assert overall(run, f"file:{outputs}", "snippet_recall") == pytest.approx(1.0)
    assert not (tmp_path / "no-data").exists()
    assert f"on corpus:jsonl:{jsonl_corpus}, 2 pages" in (run / "leaderboard.md").read_text()
    pages = json.loads((run / "run.json").read_text())["pages"]  # page_stats.parquet stays numeric
    assert {p["source_id"] for p in pages} == {"g-0", "g-2"}


def test_a_page_missing_from_a_file_system_is_an_error_for_that_page(tmp_path, jsonl_corpus):
    outputs = tmp_path / "aeb-shaped.json"
    outputs.write_text(json.dumps({"output": {"g-1": {"articleBody": "x"}}, "version": "7"}), encoding="utf-8")
    run = tmp_path / "run"
    run_corpus(jsonl_corpus, run, f"file:{outputs}", "--format", "jsonl")
    failures = json.loads((run / "run.json").read_text())["failures"]
    assert len(failures) == 2 and all("is not in" in f["error"] for f in failures)


def test_a_corpus_run_keeps_the_quarantine_beside_its_results(tmp_path):
    corpus = fx.write_aeb(tmp_path / "aeb")
    (corpus / "html" / "01aa1.html.gz").write_bytes(b"not gzip")
    run = tmp_path / "run"
    run_corpus(corpus, run, "gold", cache=True)
    (bad,) = [json.loads(line) for line in (run / "quarantine.jsonl").read_text().splitlines()]
    assert bad["path"].endswith("01aa1.html.gz") and "gzip" in bad["reason"]
    assert json.loads((run / "run.json").read_text())["n_pages"] == 2


def test_export_as_aeb_rescores_identically(tmp_path):
    corpus = fx.write_aeb(tmp_path / "aeb")
    run = tmp_path / "run"
    run_corpus(corpus, run, "html-text")
    out = tmp_path / "exp"
    cli("bench", "export", str(run), "--as", "aeb", "--out", str(out))
    shaped = json.loads((out / "html-text.json").read_text())
    assert set(shaped["output"]) == set(json.loads((corpus / "ground-truth.json").read_text()))  # the corpus's own ids
    for gold in (out / "ground-truth.json", corpus / "ground-truth.json"):
        for pred in (out / "html-text.json", run, run / "predictions.parquet"):
            scored = json.loads(
                cli("bench", "score", "--gold", str(gold), "--pred", str(pred), "--resamples", "0", "--json").output
            )
            assert scored["aeb_f1"] == pytest.approx(overall(run, "html-text", "aeb_f1"), abs=1e-12)
            assert scored["bow_f1"] == pytest.approx(overall(run, "html-text", "bow_f1"), abs=1e-12)
    cli("bench", "export", str(run), "--as", "jsonl", "--key", "page_id", "--out", str(tmp_path / "j"))
    lines = [json.loads(line) for line in (tmp_path / "j" / "html-text.jsonl").read_text().splitlines()]
    page_ids = {p["page_id"] for p in json.loads((run / "run.json").read_text())["pages"]}
    assert {line["id"] for line in lines} == page_ids


def test_score_reads_wcxb_results_and_notes_what_it_ignores(tmp_path):
    folder = fx.write_wcxb_split(tmp_path / "wcxb")
    results = tmp_path / "results.json"
    results.write_text(
        json.dumps({"0001": fx.main_text("Page 0001"), "0002": None, "n_pages": 2, "failed": [], "seconds": 1.5})
    )
    scored = json.loads(
        cli(
            "bench",
            "score",
            "--gold",
            str(folder),
            "--pred",
            str(results),
            "--metric",
            "bow",
            "--resamples",
            "0",
            "--json",
        ).output
    )
    assert scored["f1"] == pytest.approx(0.5) and "3 entries that are not texts ignored" in scored["note"]


def test_score_refuses_a_run_with_several_systems_only_when_one_is_named_wrong(tmp_path):
    corpus = fx.write_aeb(tmp_path / "aeb")
    run = tmp_path / "run"
    run_corpus(corpus, run, "html-text,gold")
    both = json.loads(
        cli(
            "bench",
            "score",
            "--gold",
            str(corpus / "ground-truth.json"),
            "--pred",
            str(run),
            "--metric",
            "aeb",
            "--resamples",
            "0",
            "--json",
        ).output
    )
    assert both[f"{run}#gold"]["f1"] == pytest.approx(1.0) and both[f"{run}#html-text"]["f1"] < 1.0
    bad = cli("bench", "score", "--gold", str(corpus / "ground-truth.json"), "--pred", f"{run}#nope", ok=False)
    assert "no system 'nope' (has: gold, html-text)" in bad.output


def test_run_on_pages_of_an_ingest(tmp_path):
    out = tmp_path / "ingested"
    cli("ingest", str(fx.write_wcxb_root(tmp_path / "wcxb")), "--source", "w", "--out", str(out))  # auto: WCXB's root
    assert len([r for f in out.glob("pages-*.parquet") for r in pq.read_table(f).to_pylist()]) == 5
    run = tmp_path / "run"
    cli("bench", "run", "--pages", str(out), "--systems", "gold", "--jobs", "1", "--resamples", "0", "--out", str(run))
    assert overall(run, "gold", "aeb_f1") == pytest.approx(1.0)
    assert len(json.loads((run / "run.json").read_text())["pages"]) == 5


def test_layout_errors_are_one_line(tmp_path):
    root = fx.write_wcxb_root(tmp_path / "wcxb")
    bad = cli(
        "bench",
        "run",
        "--corpus",
        str(root / "dev" / "ground-truth"),
        "--format",
        "wcxb",
        "--systems",
        "gold",
        ok=False,
    )
    assert "not a wcxb corpus: expected" in bad.output and "found the ground-truth/ folder" in bad.output
    assert "Traceback" not in bad.output
    bad = cli("ingest", str(root), "--format", "aeb", "--source", "x", "--out", str(tmp_path / "o"), ok=False)
    assert (
        "not a aeb corpus: expected a folder with ground-truth.json" in bad.output
        and "found a folder holding dev/" in bad.output
    )
    bad = cli("bench", "run", "--corpus", str(root), "--split", "train", "--systems", "gold", ok=False)
    assert "no split 'train'" in bad.output


def test_ingest_html_folder_notes_unread_files_and_quarantines_id_collisions(tmp_path):
    root = fx.write_html_sidecars(tmp_path / "side")
    (root / "a.htm").write_text(fx.article("Clash"), encoding="utf-8")
    out = tmp_path / "o"
    cli("ingest", str(root), "--format", "html", "--source", "side", "--out", str(out))
    pages = [r for f in out.glob("pages-*.parquet") for r in pq.read_table(f).to_pylist()]
    assert sorted(p["source_id"] for p in pages) == ["a", "b.v2", "sub/a"]
    quarantine = [json.loads(line) for line in (out / "quarantine.jsonl").read_text().splitlines()]
    assert len(quarantine) == 1 and quarantine[0]["path"].endswith("a.html") and "a.htm" in quarantine[0]["reason"]
    notes = [json.loads(line) for line in (out / "notes.jsonl").read_text().splitlines()]
    assert any("(no suffix) ×1" in n["note"] for n in notes)  # README: noted, not read
    gold = [r for f in out.glob("boilerplate_gold-*.parquet") for r in pq.read_table(f).to_pylist()]
    assert len(gold) == 3 and all("river bridge" in g["main_text"] for g in gold)  # a.htm takes a.txt too


def test_score_takes_any_recognised_corpus_as_gold(tmp_path):
    root = fx.write_wcxb_root(tmp_path / "wcxb")
    results = tmp_path / "results.json"
    results.write_text(json.dumps({f"000{i}": fx.main_text(f"Page 000{i}") for i in range(1, 6)}))
    scored = json.loads(
        cli("bench", "score", "--gold", str(root), "--pred", str(results), "--resamples", "0", "--json").output
    )
    assert (
        scored["n_pages"] == 5
        and scored["aeb_f1"] == pytest.approx(1.0)
        and scored["snippet_recall"] == pytest.approx(1.0)
    )
    l3s = fx.write_l3s(tmp_path / "l3s")
    preds = tmp_path / "p.jsonl"
    preds.write_text(json.dumps({"id": "0", "text": "Headline 0"}) + "\n")
    scored = json.loads(
        cli("bench", "score", "--gold", str(l3s), "--pred", str(preds), "--resamples", "0", "--json").output
    )
    assert scored["n_pages"] == 2 and scored["n_missing_predictions"] == 1 and 0 < scored["bow_recall"] < 0.2


def board_columns(leaderboard: str) -> list[str]:
    """The column names of a leaderboard.md's main table (its first Markdown table)."""
    head = next(line for line in leaderboard.splitlines() if line.startswith("| # |"))
    return [c.strip() for c in head.strip("|").split("|")]


MAIN_TEXT_FAMILIES = ("aeb", "bow", "rouge", "block")


def missing(value: float | None) -> bool:
    """A statistic left out (null in Parquet, or NaN), as opposed to a score such as 0."""
    return value is None or value != value


def test_a_snippet_only_corpus_ranks_by_snippet_f1_with_no_main_text_columns(tmp_path):
    # issue 11 must-show: trafilatura-eval gold is snippets only; no AEB/BoW/ROUGE/block number may be 0 for it
    corpus = fx.write_trafilatura_eval(tmp_path / "te")
    run = tmp_path / "run"
    run_corpus(corpus, run, "html-text,trafilatura")
    cli("bench", "report", str(run), "--out", str(tmp_path / "report"))
    for board in (run / "leaderboard.md", tmp_path / "report" / "leaderboard.md"):
        text = board.read_text(encoding="utf-8")
        assert text.startswith("# Boilerplate leaderboard (snippet_f1)\n\nRanked by `snippet_f1`"), text
        columns = board_columns(text)
        assert "snippet_f1" in columns and not [c for c in columns if c.startswith(MAIN_TEXT_FAMILIES)], columns
        ranked = [line.split("|")[2].strip() for line in text.splitlines() if line.startswith(("| 1 |", "| 2 |"))]
        assert ranked == ["trafilatura", "html-text"]  # snippet F1 1.0 (main text only) above 0.667 (whole page)
    rows = pq.read_table(run / "results.parquet").to_pylist()
    assert not [r for r in rows if r["metric"].startswith(MAIN_TEXT_FAMILIES) and not missing(r["value"])]
    page_stats = pq.read_table(run / "page_stats.parquet").to_pylist()
    assert page_stats and all(missing(r["aeb_tp"]) and missing(r["bow_f1"]) for r in page_stats)
    assert all(r["snip_tp"] == 2 for r in page_stats)  # both "with" snippets found by either system


def test_a_mixed_corpus_scores_main_text_only_where_the_gold_has_it(tmp_path, jsonl_corpus):
    # g-0 and g-1 have main text, g-2 snippets only: AEB over 2 pages, ranked by aeb_f1
    run = tmp_path / "run"
    run_corpus(jsonl_corpus, run, "gold", "--format", "jsonl", cache=True)
    ids = {p["page_id"]: p["source_id"] for p in json.loads((run / "run.json").read_text())["pages"]}
    stats = {ids[r["page_id"]]: r for r in pq.read_table(run / "page_stats.parquet").to_pylist()}
    assert sorted(stats) == ["g-0", "g-1", "g-2"]
    assert [k for k, r in stats.items() if missing(r["aeb_tp"]) or missing(r["bow_f1"])] == ["g-2"]
    assert [k for k, r in stats.items() if missing(r["snip_tp"])] == ["g-0", "g-1"]
    assert overall(run, "gold", "aeb_f1") == pytest.approx(1.0)
    assert (run / "leaderboard.md").read_text(encoding="utf-8").startswith("# Boilerplate leaderboard (aeb_f1)")


def test_a_corpus_with_main_text_still_ranks_by_aeb_f1(tmp_path):
    run = tmp_path / "run"
    run_corpus(fx.write_aeb(tmp_path / "aeb"), run, "html-text")
    text = (run / "leaderboard.md").read_text(encoding="utf-8")
    assert text.startswith("# Boilerplate leaderboard (aeb_f1)") and "Ranked by" not in text
    assert board_columns(text)[3:6] == ["aeb_f1", "aeb_precision", "aeb_recall"]
    assert 0.5 < overall(run, "html-text", "aeb_f1") < 1.0  # nav and footer cost precision


def test_ingest_writes_snippet_only_gold_as_null_main_text(tmp_path):
    out = tmp_path / "ingested"
    cli("ingest", str(fx.write_trafilatura_eval(tmp_path / "te")), "--format", "trafilatura-eval", "--source", "te",
        "--out", str(out))
    gold = [r for f in out.glob("boilerplate_gold-*.parquet") for r in pq.read_table(f).to_pylist()]
    assert len(gold) == 3 and all(r["main_text"] is None and r["with_snippets"] for r in gold)  # schemas/: null
    run = tmp_path / "run"
    cli("bench", "run", "--pages", str(out), "--systems", "html-text", "--jobs", "1", "--no-cache", "--resamples", "0",
        "--out", str(run))
    assert (run / "leaderboard.md").read_text(encoding="utf-8").startswith("# Boilerplate leaderboard (snippet_f1)")


def test_score_against_a_snippet_only_corpus_gives_snippet_metrics_only(tmp_path):
    root = fx.write_trafilatura_eval(tmp_path / "te")
    preds = tmp_path / "p.jsonl"
    preds.write_text("".join(json.dumps({"id": f"https://eval{i}.example.net/story", "text": fx.BODY[0]}) + "\n"
                             for i in range(3)))
    scored = json.loads(
        cli("bench", "score", "--gold", str(root), "--pred", str(preds), "--resamples", "0", "--json").output
    )
    assert scored["n_pages"] == 3 and scored["snippet_recall"] == pytest.approx(0.5)  # 1 of 2 "with" per page
    assert not [k for k in scored if k.startswith(MAIN_TEXT_FAMILIES)], scored  # absent, not 0


def test_wcxb_without_main_content_stays_an_empty_gold_in_place(tmp_path):
    # WCXB's evaluate.py keeps such pages (2 of wcxb-dev's files) in its P and R means: "" here, not None
    from benchmarks import corpus

    root = fx.write_wcxb_split(tmp_path / "dev")
    truth = json.loads((root / "ground-truth" / "0002.json").read_text())
    del truth["ground_truth"]["main_content"]
    (root / "ground-truth" / "0002.json").write_text(json.dumps(truth))
    loaded = corpus.load_corpus(root, "wcxb")
    assert {p["source_id"]: loaded.gold[p["page_id"]]["main_text"] for p in loaded.pages}["0002"] == ""
    snippets_only = corpus.load_corpus(fx.write_trafilatura_eval(tmp_path / "te"), "trafilatura-eval")
    assert all(g["main_text"] is None for g in snippets_only.gold.values())
