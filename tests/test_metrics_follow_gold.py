"""Metrics follow the gold: a page is scored only by the metric families its gold supports.

A snippets-only gold (WCXB ground truth without ``main_content``) goes through the real ingest,
release and ``bench run``: the leaderboard ranks by ``snippet_f1`` and says so, and no AEB or BoW
column appears (a metric the gold cannot support is missing, never 0).
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from benchmarks.metrics import METRICS
from benchmarks.tasks import get_task
from curation import dataset
from curation.release import build_release
from pagegold.cli import main

TASK = get_task("boilerplate")
PAGE = ("<html><head><title>Story {i}</title></head><body><nav>Home | World | Sport</nav><article><h1>Story {i}</h1>"
        "<p>The council of town {i} voted on the new bridge budget today.</p><p>Residents of town {i} asked for a ferry.</p>"
        "</article><footer>Copyright Example News {i}</footer></body></html>")  # fmt: skip


def snippet_only_checkout(root: Path, n: int = 6) -> Path:
    """A checkout whose one source is a WCXB-layout folder with with/without snippets and no main content."""
    corpus = root / "corpus"
    (corpus / "html").mkdir(parents=True)
    (corpus / "ground-truth").mkdir()
    for i in range(n):
        key = f"{i:04d}"
        (corpus / "html" / f"{key}.html.gz").write_bytes(gzip.compress(PAGE.format(i=i).encode()))
        truth = {"url": f"https://news{i}.example.com/story/{i}",
                 "ground_truth": {"with": [f"council of town {i} voted"], "without": [f"Copyright Example News {i}"]}}
        (corpus / "ground-truth" / f"{key}.json").write_text(json.dumps(truth))
    (corpus / "metadata.json").write_text(json.dumps({"files": {}}))
    (corpus / "LICENSE").write_text("CC-BY-4.0 (test fixture)\n")
    (root / "data").mkdir()
    (root / "data" / "sources.yaml").write_text(
        "sources:\n  - name: snips\n    format: wcxb\n    paths: [corpus]\n    license: CC-BY-4.0\n    license_file: corpus/LICENSE\n"
    )
    return root


@pytest.fixture
def snippet_release(tmp_path: Path, monkeypatch) -> Path:
    checkout = snippet_only_checkout(tmp_path / "checkout")
    monkeypatch.setenv("PAGEGOLD_DATA_DIR", str(checkout / "data"))
    monkeypatch.chdir(checkout)
    build_release("1.0.0", root=checkout / "data", log=lambda m: None)
    return checkout


def test_snippet_only_gold_ranks_by_snippet_f1_without_main_text_columns(snippet_release: Path, tmp_path: Path):
    gold = dataset.read_table("boilerplate_gold", "1.0.0", root=snippet_release / "data").to_pylist()
    assert gold and all(g["main_text"] is None and g["with_snippets"] for g in gold)

    out = tmp_path / "run"
    result = CliRunner().invoke(main, ["bench", "run", "--systems", "full-text,empty", "--jobs", "1", "--no-cache",
                                       "--resamples", "20", "--out", str(out)])
    assert result.exit_code == 0, result.output
    run = json.loads((out / "run.json").read_text())
    assert run["primary_metric"] == "snippet_f1"
    results = pd.read_parquet(out / "results.parquet")
    metrics = set(results["metric"])
    assert "snippet_f1" in metrics and not any(m.startswith(("aeb_", "bow_", "block_")) for m in metrics)
    board = (out / "leaderboard.md").read_text()
    assert board.startswith("# Boilerplate leaderboard (snippet_f1)") and "Ranked by `snippet_f1`" in board
    header = next(line for line in board.splitlines() if line.startswith("| # |"))
    assert "aeb_f1" not in header and "bow_f1" not in header and "snippet_f1" in header
    rows = [line for line in board.splitlines() if line.startswith("| 1 |") or line.startswith("| 2 |")]
    # full-text holds every "with" snippet and every "without" one: recall 1, precision 1/2; empty has no TP
    assert "full-text" in rows[0] and "empty" in rows[1]
    overall = results[(results["group_by"] == "all") & (results["metric"] == "snippet_recall")].set_index("system")["value"]
    assert overall["full-text"] == pytest.approx(1.0)


def test_a_page_without_main_text_is_missing_not_zero():
    """Two pages with main text and one with snippets only: AEB and BoW over the first two equal the
    scores of those two alone; the snippet metric counts the third only."""
    pages = [{}, {}, {}]
    golds = [{"main_text": "the cat sat on the mat today"}, {"main_text": "a dog ran far away"},
             {"main_text": None, "with_snippets": ["cat sat"], "without_snippets": ["nav bar"]}]
    outputs = {"s": ["the cat sat on the mat", "a dog ran", "cat sat nav bar"]}
    mixed = TASK.aggregate(TASK.stats_by_system(pages, golds, outputs)["s"])
    alone = TASK.aggregate(TASK.stats_by_system(pages[:2], golds[:2], {"s": outputs["s"][:2]})["s"])
    for column in ("aeb_f1", "aeb_precision", "aeb_recall", "aeb_accuracy", "bow_f1", "bow_recall"):
        assert float(mixed[column]) == pytest.approx(float(alone[column])), column
    assert "snippet_f1" not in alone and float(mixed["snippet_recall"]) == 1.0 and float(mixed["snippet_precision"]) == 0.5
    assert TASK.primary_for(mixed) == "aeb_f1" and TASK.primary_for({"snippet_f1": 1}) == "snippet_f1"
    stats = METRICS["aeb"].stats({}, golds[2], "anything")
    assert all(np.isnan(v) for v in stats.values())


def test_bench_score_scores_snippets_only_lines_by_the_snippet_metric_alone(tmp_path: Path):
    gold, pred = tmp_path / "gold.jsonl", tmp_path / "pred.jsonl"
    gold.write_text(json.dumps({"page_id": "a", "text": "the cat sat on the mat today"}) + "\n"
                    + json.dumps({"page_id": "b", "with_snippets": ["dog ran"], "without_snippets": ["Share this"]}) + "\n")
    pred.write_text(json.dumps({"page_id": "a", "text": "the cat sat on the mat"}) + "\n"
                    + json.dumps({"page_id": "b", "text": "the dog ran home. Share this"}) + "\n")
    only_a = tmp_path / "a.jsonl"
    only_a.write_text(gold.read_text().splitlines()[0] + "\n")

    def score(*args: str) -> dict:
        result = CliRunner().invoke(main, ["bench", "score", "--json", "--resamples", "0", *args])
        assert result.exit_code == 0, result.output
        return json.loads(result.output)

    both = score("--gold", str(gold), "--pred", str(pred))
    alone = score("--gold", str(only_a), "--pred", str(pred))
    for column in ("aeb_f1", "aeb_recall", "bow_f1"):  # page b has no main text: missing, not 0
        assert both[column] == pytest.approx(alone[column]), column
    assert both["snippet_recall"] == 1.0 and both["snippet_precision"] == 0.5 and "snippet_f1" not in alone

    snippets_only = tmp_path / "snips.jsonl"
    snippets_only.write_text(gold.read_text().splitlines()[1] + "\n")
    scores = score("--gold", str(snippets_only), "--pred", str(pred))
    assert "snippet_f1" in scores and not any(k.startswith(("aeb_", "bow_", "rouge_")) for k in scores)
    refused = CliRunner().invoke(main, ["bench", "score", "--metric", "aeb", "--gold", str(snippets_only), "--pred", str(pred)])
    assert refused.exit_code != 0 and "no page has the gold aeb needs (main_text)" in refused.output
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"page_id": "c"}) + "\n")
    refused = CliRunner().invoke(main, ["bench", "score", "--gold", str(bad), "--pred", str(pred)])
    assert refused.exit_code != 0 and "needs text, or with_snippets/without_snippets" in refused.output
