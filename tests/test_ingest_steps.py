"""Each ingest step on its own, on hand-made ``PageRecord``s, and ``ingest(steps=…)`` with a step list
of one's own."""

from __future__ import annotations

import typing
from pathlib import Path

import pyarrow.parquet as pq

from curation import schema
from curation.ingest import ingest
from curation.pipeline import TRANSIENT_FIELDS, Context, PageRecord, run
from curation.shards import INGEST_PAGES_SCHEMA
from curation.steps import INGEST_STEPS, add_metadata, align_gold, drop_exact_repeats, normalise_pages

HTML = ("<html><head><title>Bridge vote</title><meta property='article:published_time' content='2024-05-03'></head>"
        "<body><nav>Home | World | Sport</nav><article><p>The council of Springfield voted on the new bridge budget today.</p>"
        "<p>Residents asked the council for a ferry instead of a bridge.</p></article><footer>Copyright Example News</footer>"
        "</body></html>")  # fmt: skip


def raw_record(raw: bytes = HTML.encode(), path: str = "a.html", **extra) -> PageRecord:
    record: PageRecord = {"path": path, "source": "t", "source_id": Path(path).stem, "url": "https://news.example.co.uk/a",
                          "raw": raw, "raw_format": "html", "http_charset": None, "license": "MIT", "page_type": "article"}
    record.update(extra)  # type: ignore[typeddict-item]
    return record


def test_page_record_schema_fields_are_what_ingest_writes():
    fields = set(typing.get_type_hints(PageRecord)) - set(TRANSIENT_FIELDS)
    assert fields == set(schema.load("pages", INGEST_PAGES_SCHEMA).column_names)


def test_normalise_pages_makes_a_page_and_quarantines_an_empty_file():
    ctx = Context()
    out = list(normalise_pages([raw_record(), raw_record(b"", path="empty.html")], ctx))
    assert len(out) == 1 and ctx.quarantine == [{"path": "empty.html", "reason": "empty file"}]
    page = out[0]
    assert "council of Springfield voted" in page["text"] and page["blocks"] and len(page["page_id"]) == 16
    assert page["title"] == "Bridge vote" and page["split"] == "unassigned" and "<footer>" in page["html"]


def test_drop_exact_repeats_keeps_the_first_of_identical_pages():
    ctx = Context()
    records = [{"page_id": "p1", "path": "a"}, {"page_id": "p2", "path": "b"}, {"page_id": "p1", "path": "c"}]
    assert [r["path"] for r in drop_exact_repeats(records, ctx)] == ["a", "b"]
    assert ctx.quarantine == [{"path": "c", "reason": "same page twice: identical bytes to a (page_id p1)"}]


def test_add_metadata_sets_language_domain_and_date_and_drops_the_html():
    [page] = normalise_pages([raw_record()], Context())
    page["published"] = None
    [out] = add_metadata([page], Context())
    assert out["language"] == "en" and out["domain"] == "example.co.uk" and out["published"] == "2024-05-03"
    assert "html" not in out
    [hinted] = add_metadata([{"text": "Bonjour tout le monde, voici un texte.", "url": None, "domain_hint": "site.fr"}], Context())
    assert hinted["domain"] == "site.fr" and hinted["language"] == "fr"


def test_align_gold_aligns_main_text_and_keeps_snippet_only_gold_without_blocks():
    [page] = normalise_pages([raw_record()], Context())
    main = "The council of Springfield voted on the new bridge budget today.\nResidents asked the council for a ferry instead of a bridge."
    ctx = Context()
    [out] = align_gold([dict(page, gold={"main_text": main, "origin": "test:main"})], ctx)
    row = out["gold_row"]
    texts = [page["text"][page["blocks"][i]["start"]:page["blocks"][i]["end"]] for i in row["main_blocks"]]
    assert texts == main.split("\n") and row["alignment_recall"] == 1.0 and ctx.counts["gold"] == 1
    [snips] = align_gold([dict(page, gold={"main_text": None, "with_snippets": ["council  of Springfield"], "origin": "t"})], Context())
    assert snips["gold_row"]["main_text"] is None and snips["gold_row"]["main_blocks"] == []
    assert snips["gold_row"]["with_snippets"] == ["council of Springfield"]
    [none] = align_gold([dict(page)], Context())
    assert "gold_row" not in none


def test_run_chains_steps_in_the_order_given():
    ctx = Context()
    pages = list(run([raw_record(), raw_record(path="b.html")], INGEST_STEPS, ctx))
    assert len(pages) == 1 and pages[0]["language"] == "en" and ctx.counts["read"] == 2 and len(ctx.quarantine) == 1


def only_bridges(records, ctx):
    """A step of our own: keep pages that mention a bridge."""
    for record in records:
        if "bridge" in record["text"]:
            yield record
        else:
            ctx.reject(record["path"], "no bridge")


def test_ingest_runs_the_steps_it_is_given(tmp_path: Path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "bridge.html").write_text(HTML)
    (inputs / "other.html").write_text(HTML.replace("bridge", "road").replace("Bridge", "Road"))
    out = tmp_path / "out"
    summary = ingest([str(inputs)], "t", out, fmt="html", jobs=1, steps=[normalise_pages, only_bridges])
    pages = [r for f in sorted(out.glob("pages-*.parquet")) for r in pq.read_table(f).to_pylist()]
    assert summary["pages"] == 1 and summary["quarantined"] == 1 and pages[0]["language"] is None  # no add_metadata
    # the same shards with the default steps are run again, not taken from the first run's markers
    summary = ingest([str(inputs)], "t", out, fmt="html", jobs=1)
    pages = [r for f in sorted(out.glob("pages-*.parquet")) for r in pq.read_table(f).to_pylist()]
    assert summary["shards"]["ran"] == 1 and summary["pages"] == 2 and {p["language"] for p in pages} == {"en"}
