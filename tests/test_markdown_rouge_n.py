"""ROUGE-N (values computed by hand), Markdown rendered to text for the text metrics, the Markdown
systems, and ROUGE-N from `bench score`."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from benchmarks.metrics import aeb, rouge_n
from benchmarks.metrics.markdown_text import to_text
from benchmarks.systems import REGISTRY
from benchmarks.tasks import get_task
from pagegold.cli import main

FIXTURE = Path(__file__).parent / "fixtures" / "aeb"
TASK = get_task("boilerplate")


def test_rouge_5_by_hand():
    # gold 5-grams: abcde bcdef cdefg; predicted: abcde bcdef cdefx → 2 shared of 3 and 3
    assert rouge_n.rouge_n("a b c d e f g", "a b c d e f x") == pytest.approx((2 / 3, 2 / 3, 2 / 3))
    # predicted 5-grams: abcde (shared) + bcdez → P 1/2, R 1/3, F1 2·(1/2)(1/3)/(5/6) = 0.4
    assert rouge_n.rouge_n("a b c d e f g", "a b c d e z") == pytest.approx((0.5, 1 / 3, 0.4))
    assert rouge_n.rouge_n("", "  ") == (1.0, 1.0, 1.0)
    assert rouge_n.rouge_n("a b c d e", "") == (0.0, 0.0, 0.0)
    assert rouge_n.rouge_n("a b c d", "a b c d") == (0.0, 0.0, 0.0)  # fewer than 5 tokens: no 5-grams
    # whitespace tokens, case and markup kept: Markdown is scored as is
    assert rouge_n.rouge_n("a b c d e", "**a** b c d e")[2] == 0.0
    assert rouge_n.rouge_n("a b c", "a b c", n=2) == (1.0, 1.0, 1.0)


def test_rouge_n_cuts_chinese_with_jieba():
    # jieba: 我/来到/北京/清华大学 and 我/来到/北京 → bigrams 3 and 2, both of the latter shared:
    # P 2/2, R 2/3, F1 0.8
    assert rouge_n.rouge_n("我来到北京清华大学", "我来到北京", n=2) == pytest.approx((1.0, 2 / 3, 0.8))
    assert rouge_n.rouge_n("我来到北京清华大学", "我来到北京", n=2, language="en") == (0.0, 0.0, 0.0)  # one token each
    assert rouge_n.is_chinese("我来到北京清华大学 ok") and not rouge_n.is_chinese("Beijing 北")
    assert rouge_n.is_chinese("no Han at all", language="zh-Hans")


def test_markdown_rendered_to_text():
    md = (
        "# Title\n\nSome **bold** and _it_ text with a [link](http://x.org).\n\n- one\n- two\n\n"
        "| a | b |\n|---|---|\n| 1 | 2 |\n"
    )
    assert to_text(md) == "Title\n\nSome bold and it text with a link.\n\none\ntwo\n\na b\n1 2"
    assert to_text("") == "" and to_text(None) == ""


def test_text_metrics_score_markdown_rendered_rouge_n_as_is():
    gold = {"main_text": "Title\nthe snake_case word and emphasis matter here today", "main_blocks": None}
    md = "# Title\n\nthe `snake_case` word and _emphasis_ matter here today"
    page = {"page_id": "p", "text": "x"}
    as_md = TASK.page_stats(page, gold, md, ("aeb", "bow", "rouge-n"), output_format="markdown")
    as_text = TASK.page_stats(page, gold, md, ("aeb", "bow", "rouge-n"), output_format="text")
    assert (
        as_md["aeb_fp"] == 0 and as_md["aeb_fn"] == 0 and as_md["bow_f1"] == 1.0
    )  # rendered: the gold's words exactly
    assert as_text["aeb_fp"] > 0 and as_text["bow_f1"] < 1.0  # "_emphasis_" is one \w+ token with its underscores
    assert as_md["rouge_n_f1"] == as_text["rouge_n_f1"] == pytest.approx(rouge_n.rouge_n(gold["main_text"], md)[2])
    assert as_md["rouge_n_f1"] < 1.0


def test_runner_scoring_reads_each_systems_output_format():
    golds = [{"main_text": "alpha _beta_ gamma", "main_blocks": None}]
    md = "alpha _beta_ gamma"
    assert REGISTRY["trafilatura:markdown"].output_format == "markdown"
    stats = TASK.stats_by_system(
        [{"page_id": "p", "text": "x"}], golds, {"trafilatura:markdown": [md], "trafilatura": [md]}, ("aeb", "rouge-n")
    )
    assert stats["trafilatura"]["aeb_fp"][0] == 0  # as text the underscores are part of the gold's tokens too
    assert (
        stats["trafilatura:markdown"]["aeb_fn"][0] > 0
    )  # rendered: "beta" (no underscores) misses the gold's "_beta_"
    assert aeb.tokenize(to_text(md)) == ["alpha", "beta", "gamma"]


@pytest.mark.parametrize("name", ["trafilatura:markdown", "html-to-markdown", "markdownify"])
def test_markdown_systems_on_a_fixture_page(name):
    path = sorted((FIXTURE / "html").glob("*.html.gz"))[1]
    gold = json.loads((FIXTURE / "ground-truth.json").read_text())[path.name.split(".")[0]]["articleBody"]
    out = REGISTRY[name].run({"raw": gzip.open(path).read(), "encoding": "utf-8", "url": "https://example.org/"})
    assert isinstance(out, str) and "<script" not in out and "display:" not in out
    tp, fp, fn, _ = (aeb.page_stats(gold, to_text(out))[k] for k in aeb.STAT_KEYS)
    assert tp / (tp + fn) > 0.8  # the article is in the Markdown (the full-page ones hold boilerplate too)
    if name != "trafilatura:markdown":
        assert "](" in out  # full-page converters keep the links as Markdown


def test_bench_score_rouge_n_from_files():
    result = CliRunner().invoke(
        main,
        [
            "bench",
            "score",
            "--metric",
            "rouge-n",
            "--gold",
            str(FIXTURE / "ground-truth.json"),
            "--pred",
            str(FIXTURE / "output" / "trafilatura.json"),
            "--json",
            "--resamples",
            "20",
        ],
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    gold = json.loads((FIXTURE / "ground-truth.json").read_text())
    pred = json.loads((FIXTURE / "output" / "trafilatura.json").read_text())
    pred = pred.get("output", pred)
    ids = [i for i in gold if i in pred]
    expected = sum(rouge_n.rouge_n(gold[i]["articleBody"], pred[i]["articleBody"])[2] for i in ids) / len(ids)
    assert out["f1"] == pytest.approx(expected)


def test_a_markdown_extractor_feeds_ner_its_rendered_text():
    from benchmarks.tasks.entities import get_entity_system, pipeline_system, run_on_input

    html = ('<p>Yesterday <a href="https://example.org/Angela_Merkel">Angela Merkel</a> met '
            "<strong>Emmanuel Macron</strong> in Paris.</p>")
    page = {"raw": html.encode(), "encoding": "utf-8", "url": "https://example.org/", "page_id": "p",
            "text": "Yesterday Angela Merkel met Emmanuel Macron in Paris."}
    markdown = REGISTRY["html-to-markdown"].run(page)
    assert "](https://example.org/Angela_Merkel)" in markdown and "**Emmanuel Macron**" in markdown
    # the raw Markdown would give NER a name inside the URL, which lies nowhere in the page text
    raw = run_on_input(get_entity_system("capitalisation"), page, "x", extracted=markdown)
    assert raw["unaligned"] > 0
    out = pipeline_system("html-to-markdown+capitalisation").run(page)
    assert out["unaligned"] == 0
    plain = get_entity_system("capitalisation").extract(page["text"])
    assert [(e["start"], e["end"]) for e in out["entities"]] == [(e["start"], e["end"]) for e in plain]
