"""Guideline amendments (curation/labelstudio/amend.py): applied all-or-nothing, each checked."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from curation import dataset, schema
from curation.labelstudio import amend
from curation.labelstudio.cli import annotate

SHIPPED = "data/amendments/entity-guidelines-1.1.jsonl"


def _page(text):
    import hashlib
    return {"page_id": "p", "text": text, "text_sha256": hashlib.sha256(text.encode()).hexdigest()}


def _am(page, start, end, label, decision, line=1, **kw):
    return {"page_id": "p", "text_sha256": page["text_sha256"], "start": start, "end": end, "label": label,
            "text": page["text"][start:end], "decision": decision, "rule": "r", "reason": "why", "_line": line, **kw}


TEXT = 'Police in the UK police said. Report: "Drug Threat in Colorado" @ewarren'


def test_relabel_drop_and_add_apply_with_counts():
    page = _page(TEXT)
    gold = {"p": [{"start": 14, "end": 16, "label": "MISC", "text": "UK"},
                  {"start": 54, "end": 62, "label": "LOC", "text": "Colorado"},
                  {"start": 64, "end": 72, "label": "PER", "text": "@ewarren"}]}
    items = [_am(page, 14, 16, "MISC", "relabel", new_label="LOC"), _am(page, 64, 72, "PER", "drop"),
             _am(page, 54, 62, "LOC", "drop"), _am(page, 39, 62, "MISC", "add")]
    out, counts = amend.apply(gold, {"p": page}, items)
    assert [(e["text"], e["label"]) for e in out["p"]] == [("UK", "LOC"), ("Drug Threat in Colorado", "MISC")]
    assert counts == {("r", "relabel"): 1, ("r", "drop"): 2, ("r", "add"): 1}
    assert gold["p"][0]["label"] == "MISC"  # the input is not modified


@pytest.mark.parametrize("change, message", [
    (lambda a: a.update(text_sha256="0" * 64), "page text changed"),
    (lambda a: a.update(text="US"), "differs from the page text"),
    (lambda a: a.update(label="PER"), "no PER span there"),
    (lambda a: a.update(page_id="q"), "no entity gold to amend"),
])
def test_an_amendment_that_does_not_fit_is_refused(change, message):
    page = _page(TEXT)
    gold = {"p": [{"start": 14, "end": 16, "label": "MISC", "text": "UK"}]}
    item = _am(page, 14, 16, "MISC", "relabel", new_label="LOC", line=7)
    change(item)
    with pytest.raises(amend.AmendmentError, match=message) as info:
        amend.apply(gold, {"p": page}, [item], "f.jsonl")
    assert "f.jsonl:7" in str(info.value)


def test_an_added_multiline_entity_is_refused():
    page = _page("Kim Jong\nUn")
    with pytest.raises(amend.AmendmentError, match="block boundary"):
        amend.apply({"p": []}, {"p": page}, [_am(page, 0, 11, "PER", "add")])


def test_load_needs_every_field_and_a_known_decision(tmp_path):
    f = tmp_path / "a.jsonl"
    f.write_text(json.dumps({"page_id": "p", "decision": "keep"}) + "\n")
    with pytest.raises(amend.AmendmentError, match=r"a.jsonl:1: missing text_sha256"):
        amend.load(f)
    row = {k: 1 for k in amend.FIELDS} | {"decision": "relabel", "new_label": "PERSON"}
    f.write_text(json.dumps(row) + "\n")
    with pytest.raises(amend.AmendmentError, match="relabel needs new_label"):
        amend.load(f)


def test_shipped_amendments_apply_to_v1_1_0_through_adjudicate(tmp_path):
    """The committed decisions fit the released gold exactly; the staged rows replace 11 pages."""
    try:
        before = {r["page_id"]: r for r in dataset.read_table("entity_gold", "v1.1.0").to_pylist()}
    except FileNotFoundError:
        pytest.fail("data/v1.1.0 missing: this test reads the shipped release")
    result = CliRunner().invoke(annotate, ["adjudicate", "--version", "v1.1.0", "--amendments", SHIPPED,
                                           "--staging-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert ("amended: cited-title add 5\namended: cited-title drop 5\namended: handle drop 13\n"
            "amended: modifier relabel 17\n") in result.output
    staged = pq.read_table(tmp_path / "entity_gold.parquet")
    schema.load("entity_gold").validate(staged)
    rows = staged.to_pylist()
    assert len(rows) == 11 and all(r["origin"] == before[r["page_id"]]["origin"] for r in rows)
    after = [e for r in rows for e in r["entities"]]
    assert not any(e["text"].startswith("@") for e in after)
    changed = sum(len({(e["start"], e["end"], e["label"]) for e in before[r["page_id"]]["entities"]}
                      ^ {(e["start"], e["end"], e["label"]) for e in r["entities"]}) for r in rows)
    assert changed == 2 * 17 + 13 + 5 + 5  # a relabel is one span out, one in
    assert (tmp_path / "amendments.jsonl").read_bytes() == open(SHIPPED, "rb").read()


def test_cli_refuses_a_bad_amendment_with_one_line_and_stages_nothing(tmp_path):
    bad = tmp_path / "bad.jsonl"
    line = json.loads(open(SHIPPED).readline())
    line["text"] = "Chinx"
    bad.write_text(json.dumps(line) + "\n")
    result = CliRunner().invoke(annotate, ["adjudicate", "--version", "v1.1.0", "--amendments", str(bad),
                                           "--staging-dir", str(tmp_path / "s")])
    assert result.exit_code == 1 and "differs from the page text" in result.output and "nothing staged" in result.output
    assert not (tmp_path / "s" / "entity_gold.parquet").exists()
