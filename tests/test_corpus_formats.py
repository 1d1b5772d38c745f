"""Every corpus format: a synthetic corpus in its layout → reader → pages + gold → a scored run.

Real components throughout: the format readers, the normaliser and gold alignment, the isolated
worker pool and real systems (``gold`` baseline and html-text).
"""

from __future__ import annotations

import gzip
import json

import pytest

from benchmarks import corpus, runner
from benchmarks.tasks import get_task
from curation.sources import formats
from tests import corpus_fixtures as fx


def scored(loaded: corpus.Corpus, systems: tuple[str, ...] = ("gold", "html-text")) -> dict[str, dict[str, float]]:
    task = get_task("boilerplate")
    result = runner.run(
        task,
        list(systems),
        loaded.pages,
        loaded.gold,
        dataset_version=loaded.label,
        jobs=1,
        cache=None,
        raw_pages=loaded.raw_pages,
    )
    assert not result.failures, result.failures
    return {name: {k: float(v) for k, v in task.aggregate(stats).items()} for name, stats in result.stats.items()}


def test_registry_lists_every_layout_and_each_declares_itself():
    names = formats.FORMATS.names()
    assert {
        "aeb",
        "wcxb",
        "trafilatura-eval",
        "l3s-gn1",
        "cleaneval",
        "webmainbench",
        "jsonl",
        "html",
        "text",
        "warc",
        "mozilla",
    } <= set(names)
    assert formats.choices()[0] == "auto"
    for name in names:
        fmt = formats.get(name)
        assert fmt.name == name and fmt.description and fmt.expected and fmt.suffixes and fmt.license
    with pytest.raises(ValueError, match="unknown corpus format 'nope'.*known: aeb"):
        formats.get("nope")


@pytest.mark.parametrize("fmt,writer,n_pages", [
    ("aeb", lambda d: fx.write_aeb(d / "aeb"), 3),
    ("wcxb", lambda d: fx.write_wcxb_root(d / "wcxb"), 5),
    ("wcxb", lambda d: fx.write_wcxb_split(d / "wcxb-dev"), 2),
    ("l3s-gn1", lambda d: fx.write_l3s(d / "l3s"), 2),
    ("cleaneval", lambda d: fx.write_cleaneval(d / "ce"), 2),
    ("webmainbench", lambda d: fx.write_webmainbench(d / "wmb" / "data.jsonl"), 3),
    ("jsonl", lambda d: fx.write_jsonl(d / "gen" / "pages.jsonl"), 3),
    ("html", lambda d: fx.write_html_sidecars(d / "side"), 3),
])  # fmt: skip
def test_main_text_formats_read_and_score(tmp_path, fmt, writer, n_pages):
    path = writer(tmp_path)
    assert formats.get(fmt).problem(path) is None
    loaded = corpus.load_corpus(path, fmt)
    assert len(loaded.pages) == n_pages
    assert len({p["source_id"] for p in loaded.pages}) == n_pages  # ids unique
    with_text = [g for g in loaded.gold.values() if g["main_text"]]
    assert with_text and all("river bridge" in g["main_text"] for g in with_text)
    assert all("Home News Sport" not in (g["main_text"] or "") for g in loaded.gold.values())  # boilerplate is not gold
    # a snippet-only page (the jsonl fixture has one) has no main text: None, so BoW leaves it out (not 0)
    assert all(g["main_text"] is None for g in loaded.gold.values() if not g["has_main_text"])
    scores = scored(loaded)
    assert scores["gold"]["bow_f1"] == pytest.approx(1.0)
    assert 0.3 < scores["html-text"]["bow_precision"] < 1.0 and scores["html-text"]["bow_recall"] >= 0.9


def test_ids_urls_and_hints_per_layout(tmp_path):
    aeb = corpus.load_corpus(fx.write_aeb(tmp_path / "aeb"), "aeb")
    assert sorted(p["source_id"] for p in aeb.pages) == ["00aa0", "01aa1", "02aa2"]
    assert aeb.pages[0]["url"] == "https://news0.example.com/a/0" and aeb.pages[0]["page_type"] == "article"
    wcxb = corpus.load_corpus(fx.write_wcxb_root(tmp_path / "wcxb"), "wcxb")
    assert {p["source_id"]: p["split"] for p in wcxb.pages} == {
        "0001": "dev",
        "0002": "dev",
        "0003": "test",
        "0004": "test",
        "0005": "test",
    }
    assert wcxb.pages[0]["title"] == "Page 0001" and wcxb.pages[0]["domain"] == "example.org"
    assert wcxb.gold[wcxb.pages[0]["page_id"]]["with_snippets"] == [fx.BODY[0]]
    l3s = corpus.load_corpus(fx.write_l3s(tmp_path / "l3s"), "l3s-gn1")
    gold = l3s.gold[l3s.pages[0]["page_id"]]["main_text"]
    assert gold.startswith("Headline 0\n") and "Great article" not in gold  # classes 1-3 only
    ce = corpus.load_corpus(fx.write_cleaneval(tmp_path / "ce"), "cleaneval")
    assert ce.pages[0]["source_id"] == "input/0" and ce.pages[0]["url"] == "http://clean0.example.com/x"
    assert ce.gold[ce.pages[0]["page_id"]]["main_text"] == fx.main_text("Clean 0")
    wmb = corpus.load_corpus(fx.write_webmainbench(tmp_path / "wmb.jsonl"), "webmainbench")
    assert [p["source_id"] for p in wmb.pages] == ["t-0", "t-1", "t-2"] and wmb.pages[0]["language"] == "en"
    assert wmb.pages[0]["page_type"] == "article"
    gen = corpus.load_corpus(fx.write_jsonl(tmp_path / "gen" / "pages.jsonl"), "jsonl")
    assert {p["source_id"]: p["split"] for p in gen.pages} == {"g-0": "test", "g-1": "dev", "g-2": "test"}
    side = corpus.load_corpus(fx.write_html_sidecars(tmp_path / "side"), "html")
    assert sorted(p["source_id"] for p in side.pages) == ["a", "b.v2", "sub/a"]
    assert {p["source_id"]: p["url"] for p in side.pages}["sub/a"] == "https://side.example.com/x"
    assert any("(no suffix) ×1" in n["note"] for n in side.notes)  # README: noted, not read


def test_l3s_classes_are_configurable(tmp_path, monkeypatch):
    monkeypatch.setenv("PAGEGOLD_L3S_CLASSES", "2,5")
    l3s = corpus.load_corpus(fx.write_l3s(tmp_path / "l3s"), "l3s-gn1")
    gold = l3s.gold[l3s.pages[0]["page_id"]]["main_text"]
    assert "Headline" not in gold and "Great article, thanks!" in gold
    monkeypatch.setenv("PAGEGOLD_L3S_CLASSES", "9")
    with pytest.raises(ValueError, match="PAGEGOLD_L3S_CLASSES='9'"):
        corpus.load_corpus(tmp_path / "l3s", "l3s-gn1")


def test_snippet_only_corpus_scores_snippets(tmp_path):
    loaded = corpus.load_corpus(fx.write_trafilatura_eval(tmp_path / "te"), "trafilatura-eval")
    assert sorted(p["source_id"] for p in loaded.pages) == [f"https://eval{i}.example.net/story" for i in range(3)]
    assert all(not g["main_text"] and not g["has_main_text"] for g in loaded.gold.values())
    scores = scored(loaded, ("html-text",))["html-text"]
    # the whole page holds both "with" snippets (TP) and both "without" snippets (FP) of every page
    assert scores["snippet_recall"] == pytest.approx(1.0) and scores["snippet_precision"] == pytest.approx(0.5)


def test_splits_are_the_corpus_own_and_never_reassigned(tmp_path):
    root = fx.write_wcxb_root(tmp_path / "wcxb")
    test = corpus.load_corpus(root, "wcxb", split="test")
    assert sorted(p["source_id"] for p in test.pages) == ["0003", "0004", "0005"]
    assert test.splits == {"dev": 2, "test": 3}
    with pytest.raises(corpus.CorpusError, match=r"no split 'train'.*dev \(2 pages\), test \(3 pages\)"):
        corpus.load_corpus(root, "wcxb", split="train")
    assert len(corpus.load_corpus(root, "wcxb", split="all").pages) == 5


def test_auto_recognises_layouts(tmp_path):
    assert corpus.resolve_format(fx.write_aeb(tmp_path / "a")).name == "aeb"
    assert corpus.resolve_format(fx.write_wcxb_root(tmp_path / "w")).name == "wcxb"
    assert corpus.resolve_format(tmp_path / "w" / "dev").name == "wcxb"
    assert corpus.resolve_format(fx.write_l3s(tmp_path / "l")).name == "l3s-gn1"
    assert corpus.resolve_format(fx.write_trafilatura_eval(tmp_path / "t")).name == "trafilatura-eval"
    assert corpus.resolve_format(fx.write_webmainbench(tmp_path / "m" / "d.jsonl")).name == "webmainbench"
    assert corpus.resolve_format(fx.write_mozilla(tmp_path / "z")).name == "mozilla"
    assert corpus.resolve_format(fx.write_html_sidecars(tmp_path / "h")).name == "html"
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(formats.LayoutError, match="no known corpus layout recognised.*an empty folder"):
        corpus.resolve_format(empty)


def test_wrong_layout_says_what_was_expected_and_found(tmp_path):
    root = fx.write_wcxb_root(tmp_path / "wcxb")
    with pytest.raises(
        formats.LayoutError, match=r"not a wcxb corpus: expected WCXB's dataset root.*found the html/ folder"
    ):
        formats.get("wcxb").check(root / "dev" / "html")
    with pytest.raises(
        formats.LayoutError,
        match=r"not a aeb corpus: expected a folder with ground-truth.json.*"
        r"found a folder holding dev/, metadata.json, test/",
    ):
        corpus.load_corpus(root, "aeb")
    with pytest.raises(formats.LayoutError, match="found nothing"):
        corpus.load_corpus(tmp_path / "missing", "l3s-gn1")


def test_source_id_collision_is_an_error_naming_both_files(tmp_path):
    root = fx.write_html_sidecars(tmp_path / "side")
    (root / "a.htm").write_text(fx.article("Clash"), encoding="utf-8")
    (root / "a.htm.txt").write_text("x", encoding="utf-8")
    with pytest.raises(
        corpus.CorpusError,
        match=r"source_id 'a' is both .*a\.htm and .*a\.html|source_id 'a' is both .*a\.html and .*a\.htm",
    ):
        corpus.load_corpus(root, "html")


def test_formats_without_gold_read_pages_and_say_there_is_no_gold(tmp_path):
    for fmt, path in (
        ("text", fx.write_text_dumps(tmp_path / "t")),
        ("warc", fx.write_warc(tmp_path / "w" / "x.warc")),
        ("mozilla", fx.write_mozilla(tmp_path / "m")),
    ):
        records = [r for r in formats.get(fmt).read(path, "s", "unknown") if isinstance(r, dict)]
        assert len(records) == 1 and records[0]["raw"], fmt
        with pytest.raises(corpus.CorpusError, match="no page with gold"):
            corpus.load_corpus(path, fmt)


def test_jsonl_reader_rejects_bad_lines_with_their_line_number(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text(
        '{"id": "x", "html": "<p>a b c d e f</p>", "main_text": "a b c"}\nnot json\n{"html": "<p>no id</p>"}\n'
        '{"id": "x", "html": "<p>again</p>"}\n',
        encoding="utf-8",
    )
    records = list(formats.get("jsonl").read(path, "s"))
    reasons = {r.path.rsplit(":", 1)[1]: r.reason for r in records if not isinstance(r, dict)}
    assert set(reasons) == {"2", "3", "4"} and "not valid JSON" in reasons["2"] and "already used" in reasons["4"]


def test_wcxb_gzip_and_gold_read_like_the_old_reader(tmp_path):
    folder = fx.write_wcxb_split(tmp_path / "dev")
    (rec,) = [r for r in formats.get("wcxb").read(folder, "wcxb-dev", "CC-BY-4.0") if r["source_id"] == "0001"]
    assert rec["raw"] == gzip.decompress((folder / "html" / "0001.html.gz").read_bytes())
    assert rec["gold"] == {
        "main_text": fx.main_text("Page 0001"),
        "with_snippets": [fx.BODY[0]],
        "without_snippets": ["Copyright Example News 2024"],
        "origin": "wcxb:main_content",
    }
    assert rec["split_hint"] == "dev" and rec["domain_hint"] == "site0001.example.org"
    assert json.loads((folder / "metadata.json").read_text())["files"]["0001"]["split"] == "dev"


def test_wcxb_split_folder_keeps_its_split_for_files_metadata_does_not_list(tmp_path):
    folder = fx.write_wcxb_split(tmp_path / "wcxb-dev")
    meta = json.loads((folder / "metadata.json").read_text())
    del meta["files"]["0002"]  # as in WCXB's dev split: metadata.json does not list every file
    meta["splits"] = {"dev": {"count": 2}}
    (folder / "metadata.json").write_text(json.dumps(meta))
    loaded = corpus.load_corpus(folder, "wcxb", split="dev")
    assert sorted(p["source_id"] for p in loaded.pages) == ["0001", "0002"] and loaded.splits == {"dev": 2}


def test_release_recipe_formats_come_from_the_registry(tmp_path):
    from curation import dataset
    from curation.release import load_recipe

    recipe = tmp_path / "sources.yaml"
    recipe.write_text(
        "sources:\n  - {name: a, format: cleaneval, paths: [x]}\n  - {name: b, format: wcxb-ish, paths: [y]}\n"
    )
    with pytest.raises(
        dataset.ReleaseError, match=r"source 'b' has format 'wcxb-ish'; known formats: auto, aeb, cleaneval"
    ):
        load_recipe(recipe)
    recipe.write_text("sources:\n  - {name: a, format: cleaneval, paths: [x]}\n")
    assert load_recipe(recipe)[0]["format"] == "cleaneval"


def test_a_new_format_is_one_registered_class(tmp_path):
    """ingest and bench run --corpus pick up a format registered by one class, with no other edit."""
    from curation.ingest import ingest

    class Pipes(formats.Format):  # one page per line: "id|html|main text"
        name = "pipes-test"
        description = "test format"
        suffixes = (".pipes",)
        expected = "a .pipes file"

        def problem(self, root):
            return None if root.suffix == ".pipes" else formats.describe(root)

        def count(self, root):
            return len(root.read_text().splitlines())

        def read(self, root, source, license="unknown"):
            for line in root.read_text().splitlines():
                own, html, text = line.split("|")
                yield formats.record(
                    root, source, own, html.encode(), license, gold=formats.gold_of(text, origin="pipes")
                )

    formats.FORMATS.add(Pipes.name, Pipes())
    try:
        path = tmp_path / "c.pipes"
        path.write_text("p1|" + fx.article("Pipe 1") + "|" + " ".join(fx.BODY) + "\n")
        summary = ingest([str(path)], "pipes", tmp_path / "out", fmt="pipes-test")
        assert summary["pages"] == 1 and summary["gold"] == 1
        loaded = corpus.load_corpus(path, "pipes-test")
        assert loaded.pages[0]["source_id"] == "p1" and loaded.label.startswith("corpus:pipes-test:")
    finally:
        formats.FORMATS._items.pop(Pipes.name)
