"""Label Studio bridge without a server: span checks, agreement, adjudication, connection errors."""

from __future__ import annotations

import json
import os
import socket
import time

import numpy as np
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

try:
    from conftest_labelstudio import find, make_release
except ImportError:  # tests/ turned into a package (or --import-mode=importlib)
    from tests.conftest_labelstudio import find, make_release
from curation import schema
from curation.labelstudio import adjudicate, agreement, client, push, spans, staging
from curation.labelstudio.cli import annotate
from curation.labelstudio.spans import region


@pytest.fixture()
def release(tmp_path, monkeypatch):
    monkeypatch.setenv("PAGEGOLD_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PAGEGOLD_STAGING_DIR", str(tmp_path / "staging"))
    return {r["page_id"]: r for r in make_release(tmp_path / "data")}


def ent(text, needle, label, rid="r"):
    return region("entities", *find(text, needle), label, text, rid)


def zone(text, first_line, last_line, label):
    start, _ = find(text, first_line)
    _, end = find(text, last_line)
    return region("zones", start, end, label, text, "z")


# ------------------------------------------------------------------------------ span checks
def test_valid_regions_pass_with_exact_code_point_offsets(release):
    text = release["p-summit"]["text"]
    result = [ent(text, "Zürich", "LOC"), ent(text, "Vladimir Putin", "PER"), zone(text, "Putin and Kim", "mutual defence.", "MAIN")]
    zones, entities, reasons = spans.check_result(result, text)
    assert reasons == []
    assert [e["text"] for e in entities] == ["Vladimir Putin", "Zürich"]
    # The emoji after Zürich is one code point: offsets are code points, as Label Studio's Text uses.
    assert text[entities[1]["end"] + 6] == "🎉"
    assert zones[0]["label"] == "MAIN" and zones[0]["start"] == 0


@pytest.mark.parametrize("mutate, reason", [
    (lambda r, t: r["value"].update(end=len(t) + 5), "outside the text"),
    (lambda r, t: r["value"].update(start=-1), "outside the text"),
    (lambda r, t: r["value"].update(end=r["value"]["start"]), "or empty"),
    (lambda r, t: r["value"].update(text="Vladimir Putln"), "differs from text"),
    (lambda r, t: r["value"].update(labels=["PERSON"]), "not in group 'entities'"),
    (lambda r, t: r["value"].update(labels=["MAIN"]), "not in group 'entities'"),
    (lambda r, t: r["value"].update(labels=["PER", "ORG"]), "exactly one label"),
    (lambda r, t: r["value"].update(start="3"), "not integer offsets"),
    (lambda r, t: r.update(from_name="ner"), "unknown label group"),
    (lambda r, t: r.update(to_name="html"), "not 'text' (the entities view)"),
    (lambda r, t: r.update(to_name="zones_text"), "not 'text' (the entities view)"),
    (lambda r, t: r.update(type="choices"), "unsupported result type"),
])
def test_every_invalid_region_is_refused_with_its_reason(release, mutate, reason):
    text = release["p-summit"]["text"]
    bad = ent(text, "Vladimir Putin", "PER", rid="abc")
    mutate(bad, text)
    zones, entities, reasons = spans.check_result([bad, ent(text, "Kremlin", "ORG")], text)
    assert len(reasons) == 1 and reason in reasons[0] and "region 0 (abc)" in reasons[0]
    assert [e["text"] for e in entities] == ["Kremlin"]  # the valid one is parsed, the bad one is not fixed


# ------------------------------------------------------------------------------ pre-labels
def test_zone_prelabels_are_one_region_per_block(release):
    page = release["p-summit"]
    regions = push.zone_regions(page, [0, 1, 2])
    assert [(r["value"]["labels"][0], r["value"]["text"]) for r in regions] == [
        ("MAIN", "Putin and Kim sign pact in Pyongyang"),
        ("MAIN", "Russian President Vladimir Putin met Kim Jong Un in Pyongyang on Wednesday."),
        ("MAIN", "The Kremlin said the pact covers mutual defence."),
        ("BOILERPLATE", "Trending Stories"), ("BOILERPLATE", "Taylor Swift adds Zürich date 🎉")]
    assert all(r["to_name"] == "zones_text" for r in regions)
    assert all(spans.check_region(r, page["text"], 0)[2] is None for r in regions)


def test_prediction_on_other_text_or_with_bad_span_is_refused(release):
    page = release["p-summit"]
    good = {"text_sha256": page["text_sha256"], "entities": [{"start": 0, "end": 5, "label": "PER", "text": "Putin"}]}
    assert push.entity_regions(page, good)[1] is None
    assert "another text" in push.entity_regions(page, {**good, "text_sha256": "0" * 64})[1]
    shifted = {**good, "entities": [{"start": 1, "end": 6, "label": "PER", "text": "Putin"}]}
    assert "differs from text" in push.entity_regions(page, shifted)[1]


# ------------------------------------------------------------------------ agreement and gold
def ann_row(page, annotator, result, annotation_id, **extra):
    zones, entities, reasons = spans.check_result(result, page["text"])
    row = {"annotation_id": annotation_id, "task_id": annotation_id, "project": "p", "page_id": page["page_id"],
           "text_sha256": page["text_sha256"], "annotator": annotator, "created_at": "2026-01-01T00:00:00Z",
           "updated_at": "2026-01-01T00:00:00Z", "lead_time": 1.0, "cancelled": False, "result_json": json.dumps(result),
           "zones": zones, "entities": entities, "valid": not reasons, "invalid_reasons": reasons}
    row.update(extra)
    return row


def two_annotators(page):
    t = page["text"]
    a = [ent(t, "Putin met", "PER"), ent(t, "Kim Jong Un", "PER"), ent(t, "Pyongyang on", "LOC"), ent(t, "Kremlin", "ORG"),
         zone(t, "Putin and Kim", "mutual defence.", "MAIN"), zone(t, "Trending", "🎉", "BOILERPLATE")]
    b = [ent(t, "Vladimir Putin", "PER"), ent(t, "Kim Jong Un", "PER"), ent(t, "Pyongyang on", "LOC"), ent(t, "Kremlin", "LOC"),
         zone(t, "Putin and Kim", "on Wednesday.", "MAIN"), zone(t, "The Kremlin", "🎉", "BOILERPLATE")]
    for r in a + b:  # "Putin met" / "Pyongyang on" were anchors: trim them to the names
        v = r["value"]
        for suffix in (" met", " on"):
            if v["text"].endswith(suffix) and r["from_name"] == "entities":
                v["end"] -= len(suffix)
                v["text"] = v["text"][: -len(suffix)]
    return a, b


def stage(rows, tmp_path):
    staging.write_table(schema.load("annotations").table(rows), tmp_path / "staging" / staging.ANNOTATIONS)


def test_agreement_known_answer(release, tmp_path):
    page = release["p-summit"]
    a, b = two_annotators(page)
    table = schema.load("annotations").table([ann_row(page, "a@x", a, 1), ann_row(page, "b@x", b, 2)])
    report = agreement.agreement(table, {page["text_sha256"]: page["text"]})
    # Entities: 4 each; strict matches Kim Jong Un + Pyongyang = 2 → 2·2/8; partial adds Putin~Vladimir Putin → 2·3/8.
    assert report.pages[0]["entity_strict_f1"] == pytest.approx(0.5)
    assert report.pages[0]["entity_partial_f1"] == pytest.approx(0.75)
    # Zones: they differ on the third line only (A: MAIN, B: BOILERPLATE). Kappa by hand from counts:
    lines = page["text"].split("\n")
    main_both, diff, bp_both = len(lines[0]) + len(lines[1]), len(lines[2]), len(lines[3]) + len(lines[4])
    n = main_both + diff + bp_both
    po = (main_both + bp_both) / n
    pe = ((main_both + diff) / n) * (main_both / n) + (bp_both / n) * ((diff + bp_both) / n)
    assert report.pages[0]["zone_kappa"] == pytest.approx((po - pe) / (1 - pe))
    assert report.pages[0]["zone_observed"] == pytest.approx(po)
    assert report.overall["entity_strict_f1"] == pytest.approx(0.5)
    assert report.overall["zone_kappa_pooled"] == pytest.approx(report.pages[0]["zone_kappa"])


def test_agreement_ignores_invalid_cancelled_and_superseded(release):
    page = release["p-summit"]
    a, b = two_annotators(page)
    rows = [ann_row(page, "a@x", a, 1), ann_row(page, "a@x", [], 1, updated_at="2025-01-01T00:00:00Z"),  # older version
            ann_row(page, "b@x", b, 2), ann_row(page, "c@x", [], 3, cancelled=True),
            ann_row(page, "d@x", [{"type": "labels"}], 4)]
    report = agreement.agreement(schema.load("annotations").table(rows), {page["text_sha256"]: page["text"]})
    assert report.pages[0]["annotators"] == ["a@x", "b@x"]
    assert report.pages[0]["entity_strict_f1"] == pytest.approx(0.5)


def test_adjudicate_majority_lists_conflicts_and_stages_gold(release, tmp_path):
    summit, match = release["p-summit"], release["p-match"]
    a, b = two_annotators(summit)
    t = match["text"]
    single = [ent(t, "Kylian Mbappé", "PER"), ent(t, "Real Madrid", "ORG"), ent(t, "Deepika Padukone", "PER"),
              zone(t, "Mbappé scores", "Bernabéu.", "MAIN")]
    stale = ann_row(release["p-tiny"], "a@x", [], 9, text_sha256="f" * 64)
    stage([ann_row(summit, "a@x", a, 1), ann_row(summit, "b@x", b, 2), ann_row(match, "a@x", single, 3), stale], tmp_path)

    report = adjudicate.adjudicate()
    gold = {r["page_id"]: r for r in pq.read_table(tmp_path / "staging" / staging.ENTITY_GOLD).to_pylist()}
    assert [e["text"] for e in gold["p-summit"]["entities"]] == ["Kim Jong Un", "Pyongyang"]
    assert gold["p-summit"]["n_annotators"] == 2 and gold["p-summit"]["agreement"] == pytest.approx(0.5)
    assert [e["text"] for e in gold["p-match"]["entities"]] == ["Real Madrid", "Kylian Mbappé"]  # Padukone is boilerplate
    zones = {r["page_id"]: r for r in pq.read_table(tmp_path / "staging" / staging.BOILERPLATE_GOLD).to_pylist()}
    lines = summit["text"].split("\n")
    assert zones["p-summit"]["main_spans"] == [{"start": 0, "end": len(lines[0]) + 1 + len(lines[1])}]
    assert zones["p-summit"]["main_blocks"] == [0, 1] and zones["p-summit"]["origin"] == "labelstudio:adjudicated"
    kinds = sorted(c["kind"] for c in report.conflicts)
    assert kinds == ["entity-minority"] * 4 + ["entity-outside-main", "stale", "zone-no-majority"]
    no_majority = next(c for c in report.conflicts if c["kind"] == "zone-no-majority")
    assert no_majority["text"] == lines[2] and no_majority["labels"] == {"a@x": ["MAIN"], "b@x": ["BOILERPLATE"]}
    assert json.loads((tmp_path / "staging" / staging.REPORT).read_text())["conflicts"]["stale"] == 1
    assert len((tmp_path / "staging" / staging.CONFLICTS).read_text().splitlines()) == len(report.conflicts)


def test_adjudicate_reviewer_wins(release, tmp_path):
    summit = release["p-summit"]
    a, b = two_annotators(summit)
    stage([ann_row(summit, "a@x", a, 1), ann_row(summit, "b@x", b, 2)], tmp_path)
    report = adjudicate.adjudicate(reviewer="a@x")
    gold = pq.read_table(tmp_path / "staging" / staging.ENTITY_GOLD).to_pylist()[0]
    assert sorted(e["text"] for e in gold["entities"]) == ["Kim Jong Un", "Kremlin", "Putin", "Pyongyang"]
    assert sorted(c["span"]["text"] for c in report.conflicts if c["kind"] == "overruled") == ["Kremlin", "Vladimir Putin"]


def test_agreement_and_adjudicate_commands(release, tmp_path):
    summit = release["p-summit"]
    a, b = two_annotators(summit)
    stage([ann_row(summit, "a@x", a, 1), ann_row(summit, "b@x", b, 2)], tmp_path)
    runner = CliRunner()
    res = runner.invoke(annotate, ["agreement", "--json", str(tmp_path / "ag.json")])
    assert res.exit_code == 0, res.output
    assert "entity F1 strict 0.500" in res.output
    assert json.loads((tmp_path / "ag.json").read_text())["overall"]["entity_partial_f1"] == pytest.approx(0.75)
    res = runner.invoke(annotate, ["adjudicate"])
    assert res.exit_code == 0, res.output
    assert "1 entity gold rows" in res.output and "strict-majority" in res.output


# ---------------------------------------------------------------------------- connection faults
def _dead_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again: nothing listens there


def test_server_down_gives_clear_error_after_bounded_retries(monkeypatch):
    # A real fault: a port on 127.0.0.1 where nothing listens (no mock).
    token = "0123456789abcdef-secret-token"
    monkeypatch.setenv("LABEL_STUDIO_URL", f"http://127.0.0.1:{_dead_port()}")
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", token)
    monkeypatch.setattr(client, "BACKOFF", 0.05)
    started = time.monotonic()
    with pytest.raises(client.LabelStudioUnavailable) as exc:
        client.connect()
    assert time.monotonic() - started < 5
    assert "unreachable after 4 tries" in str(exc.value) and token not in str(exc.value)
    res = CliRunner().invoke(annotate, ["push", "--project", "whatever"])
    assert res.exit_code == 1 and "unreachable" in res.output and token not in res.output


def test_connection_settings_errors(monkeypatch, tmp_path):
    monkeypatch.delenv("LABEL_STUDIO_API_KEY", raising=False)
    monkeypatch.setenv("LABEL_STUDIO_URL", "http://127.0.0.1:9")
    with pytest.raises(client.LabelStudioError, match="LABEL_STUDIO_API_KEY is missing"):
        client.resolve()
    monkeypatch.delenv("LABEL_STUDIO_URL")
    with pytest.raises(client.LabelStudioUnavailable, match="pagegold annotate server start"):
        client.resolve(tmp_path / "no-server")


def test_repr_of_connection_hides_token():
    conn = client.Connection("http://127.0.0.1:1", "s3cr3t-token", "environment")
    assert "s3cr3t" not in repr(conn) and conn.redact("x s3cr3t-token y") == "x *** y"


def test_every_command_has_help():
    runner = CliRunner()
    for args in ([], ["server"], ["server", "start"], ["server", "stop"], ["server", "status"], ["server", "install"],
                 ["push"], ["pull"], ["agreement"], ["adjudicate"]):
        res = runner.invoke(annotate, [*args, "--help"])
        assert res.exit_code == 0 and "Usage:" in res.output, args


def test_char_labels_drop_newlines():
    text = "ab\ncd"
    z = [{"start": 0, "end": 5, "label": "MAIN"}]
    assert agreement.char_labels(z, text).tolist() == [1, 1, 1, 1]
    assert agreement.kappa(np.array([1, 1]), np.array([1, 1])) is None


def test_stale_state_with_recycled_pid_is_never_signalled(tmp_path):
    from curation.labelstudio import server

    # This test process is alive but is not Label Studio: `stop` must not signal it.
    server._write_private(tmp_path / server.STATE, {"data_dir": str(tmp_path), "pid": os.getpid(), "port": 1, "url": "http://127.0.0.1:1"})
    assert server.status(tmp_path) is None and not (tmp_path / server.STATE).exists()
    assert server.stop(tmp_path) is False


def test_server_refuses_a_data_dir_inside_the_repository():
    from pathlib import Path

    from curation.labelstudio import server

    with pytest.raises(server.ServerError, match="inside the repository"):
        server.start(Path(__file__).resolve().parent / "ls-data")
