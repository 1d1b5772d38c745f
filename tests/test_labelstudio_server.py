"""The Label Studio round trip against a real server (label-studio 1.23.2 in its own venv).

One server is started for this module (= the session: no other test file needs one) from the
pre-migrated template and stopped by its PID at the end. Annotations are created through the API
as an annotator's browser would (``annotations.create`` with ``completed_by``). No mocks.
"""

from __future__ import annotations

import json
import os
import stat

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

try:
    from conftest_labelstudio import PAGE_LINES, find, isolated_env, make_release, running_server
except ImportError:  # tests/ turned into a package (or --import-mode=importlib)
    from tests.conftest_labelstudio import PAGE_LINES, find, isolated_env, make_release, running_server
from curation.labelstudio import client, server, staging
from curation.labelstudio.cli import annotate
from curation.labelstudio.pull import pull
from curation.labelstudio.push import push
from curation.labelstudio.spans import region

pytestmark = pytest.mark.labelstudio


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    """Isolated PageGold home, data and staging dirs; the real server venv and template are reused."""
    # No skip when the server venv is missing: server.start installs it (1-2 min, once), so a
    # machine without it fails loudly instead of passing with the round trip untested.
    root = tmp_path_factory.mktemp("ls")
    mp = isolated_env(root)
    pages = {r["page_id"]: r for r in make_release(root / "data")}
    yield {"root": root, "pages": pages}
    mp.undo()


@pytest.fixture(scope="module")
def ls(env):
    yield from running_server(env["root"])


def annotate_as(sdk, task_id, user_id, result, **kw):
    return sdk.annotations.create(id=task_id, result=result, completed_by=user_id, **kw)


def tasks_by_page(sdk, project_id):
    return {t.data["page_id"]: t for t in sdk.tasks.list(project=project_id, fields="all")}


def test_server_files_are_private_and_token_never_logged(ls, env):
    sdk, conn, state = ls
    for name in (server.CREDENTIALS, server.STATE):
        assert stat.S_IMODE(os.stat(state.data_dir / name).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(state.data_dir).st_mode) == 0o700
    assert conn.api_key not in (state.data_dir / server.LOG).read_text(errors="replace")
    assert state.url.startswith("http://127.0.0.1:")
    assert server.status(state.data_dir) == state


def test_push_without_prelabels_is_idempotent(ls, env):
    sdk, conn, _ = ls
    first = push(sdk, conn, "t-plain", zone_prelabels=False)
    assert (first.created, first.already_present, first.created_project) == (3, 0, True)
    again = push(sdk, conn, "t-plain", zone_prelabels=False)
    assert (again.created, again.already_present, again.created_project) == (0, 3, False)
    tasks = tasks_by_page(sdk, first.project_id)
    assert sorted(tasks) == sorted(PAGE_LINES)
    page = env["pages"]["p-summit"]
    assert tasks["p-summit"].data["text"] == page["text"] and tasks["p-summit"].data["text_sha256"] == page["text_sha256"]
    assert not list(sdk.predictions.list(task=tasks["p-summit"].id))


def test_push_with_prelabels(ls, env, tmp_path):
    sdk, conn, _ = ls
    summit = env["pages"]["p-summit"]
    preds = tmp_path / "preds.jsonl"
    rows = [
        {"page_id": "p-summit", "text_sha256": summit["text_sha256"], "system": "spacy", "system_version": "3.8",
         "entities": [{"start": s, "end": e, "label": "PER", "text": summit["text"][s:e]} for s, e in [find(summit["text"], "Vladimir Putin")]]},
        {"page_id": "p-match", "text_sha256": "0" * 64, "system": "spacy", "system_version": "3.8", "entities": []},
    ]
    preds.write_text("".join(json.dumps(r) + "\n" for r in rows))
    report = push(sdk, conn, "t-pre", predictions=preds, batch_size=2)  # 2 batches for 3 tasks
    assert (report.created, report.with_zone_prelabels, report.with_entity_prelabels) == (3, 3, 1)
    assert len(report.refused_predictions) == 1 and "p-match" in report.refused_predictions[0]
    tasks = tasks_by_page(sdk, report.project_id)
    [pred] = list(sdk.predictions.list(task=tasks["p-summit"].id))
    assert pred.model_version == "boilerplate_gold:main_blocks+spacy:3.8"
    values = [(r["from_name"], r["value"]["labels"][0], r["value"]["start"], r["value"]["end"]) for r in pred.result]
    s, e = find(summit["text"], "Vladimir Putin")
    blocks = summit["blocks"]  # one zone region per block (issue 14)
    assert values == [("zones", "MAIN" if i < 3 else "BOILERPLATE", b["start"], b["end"]) for i, b in enumerate(blocks)] + [
        ("entities", "PER", s, e)]
    [match_pred] = list(sdk.predictions.list(task=tasks["p-match"].id))
    assert {r["from_name"] for r in match_pred.result} == {"zones"}  # the refused entity prediction is not there


def test_round_trip_pull_agreement_adjudicate(ls, env, tmp_path):
    sdk, conn, _ = ls
    report = push(sdk, conn, "t-round")
    tasks = tasks_by_page(sdk, report.project_id)
    me = sdk.users.whoami().id
    other = sdk.users.create(email="second@pagegold.local", username="second", password="pw-not-used-123").id
    summit = env["pages"]["p-summit"]
    t = summit["text"]
    zones_a = [region("zones", 0, summit["blocks"][2]["end"], "MAIN", t, "za")]
    zones_b = [region("zones", 0, summit["blocks"][1]["end"], "MAIN", t, "zb")]
    people = [region("entities", *find(t, "Vladimir Putin"), "PER", t, "e1"), region("entities", *find(t, "Kim Jong Un"), "PER", t, "e2")]
    zurich = region("entities", *find(t, "Zürich"), "LOC", t, "e3")
    annotate_as(sdk, tasks["p-summit"].id, me, zones_a + people + [zurich], lead_time=12.5)
    annotate_as(sdk, tasks["p-summit"].id, other, zones_b + people[:1])
    annotate_as(sdk, tasks["p-tiny"].id, me, [], was_cancelled=True)

    out = tmp_path / "checked.jsonl"
    first = pull(sdk, conn, "t-round", out=out)
    assert (first.annotations, first.valid, first.cancelled, first.appended, first.invalid) == (3, 3, 1, 3, [])
    rows = {(r["page_id"], r["annotator"]): r for r in pq.read_table(first.staged).to_pylist() if r["project"] == "t-round"}
    mine = rows[("p-summit", "curator@pagegold.local")]
    # Exact offsets and text back, including after the non-ASCII "Zürich" and the emoji.
    assert [(e["start"], e["end"], e["text"]) for e in mine["entities"]] == [
        (*find(t, "Vladimir Putin"), "Vladimir Putin"), (*find(t, "Kim Jong Un"), "Kim Jong Un"), (*find(t, "Zürich"), "Zürich")]
    assert mine["lead_time"] == 12.5 and json.loads(mine["result_json"])[0]["id"] == "za"
    assert rows[("p-tiny", "curator@pagegold.local")]["cancelled"] is True
    assert len(out.read_text().splitlines()) == 3

    again = pull(sdk, conn, "t-round")
    assert again.appended == 0 and pq.read_table(first.staged).num_rows == pq.read_table(again.staged).num_rows

    runner = CliRunner()
    res = runner.invoke(annotate, ["agreement", "--project", "t-round"])
    assert res.exit_code == 0, res.output
    assert "entity F1 strict 0.500" in res.output  # 1 common span of 3 + 1: 2·1/4
    res = runner.invoke(annotate, ["adjudicate", "--project", "t-round"])
    assert res.exit_code == 0, res.output
    gold = pq.read_table(env["root"] / "staging" / staging.ENTITY_GOLD).to_pylist()
    assert [(g["page_id"], [e["text"] for e in g["entities"]]) for g in gold] == [("p-summit", ["Vladimir Putin"])]
    assert "entity-minority" in res.output and "Kim Jong Un" in res.output


def test_pull_refuses_invalid_spans_and_changed_text(ls, env, tmp_path, monkeypatch):
    sdk, conn, _ = ls
    report = push(sdk, conn, "t-bad", zone_prelabels=False)
    tasks = tasks_by_page(sdk, report.project_id)
    me = sdk.users.whoami().id
    t = env["pages"]["p-summit"]["text"]
    good = region("entities", *find(t, "Kremlin"), "ORG", t, "ok")
    past_end = {**good, "id": "far", "value": {**good["value"], "start": len(t) - 2, "end": len(t) + 3}}
    wrong_text = {**good, "id": "txt", "value": {**good["value"], "text": "Kreml"}}
    bad_label = {**good, "id": "lab", "value": {**good["value"], "labels": ["PERSON"]}}
    cases = {"far": "outside the text", "txt": "differs from text", "lab": "not in group"}
    ids = {key: annotate_as(sdk, tasks["p-summit"].id, me, [good, bad]).id for key, bad in
           (("far", past_end), ("txt", wrong_text), ("lab", bad_label))}
    tiny_ann = annotate_as(sdk, tasks["p-tiny"].id, me, [region("zones", 0, 13, "MAIN", PAGE_LINES["p-tiny"][0], "z")])
    first = pull(sdk, conn, "t-bad")
    reasons = {ann_id: rs for ann_id, _, rs in first.invalid}
    for key, ann_id in ids.items():
        assert len(reasons[ann_id]) == 1 and cases[key] in reasons[ann_id][0] and f"({key})" in reasons[ann_id][0]
    assert tiny_ann.id not in reasons
    staged = {r["annotation_id"]: r for r in pq.read_table(first.staged).to_pylist() if r["project"] == "t-bad"}
    assert all(not staged[i]["valid"] for i in ids.values())
    assert json.loads(staged[ids["far"]]["result_json"])[1]["value"]["end"] == len(t) + 3  # kept unchanged

    # A new release changes p-tiny's text: its annotation is refused with the reason, nothing realigned.
    lines = dict(PAGE_LINES, **{"p-tiny": ["Headline only, corrected", "Subscribe to our newsletter"]})
    make_release(env["root"] / "data", pages=lines, version="v1.0.1")
    try:
        later = pull(sdk, conn, "t-bad", version="1.0.1")
        [(ann_id, page_id, [reason])] = [x for x in later.invalid if x[1] == "p-tiny"]
        assert ann_id == tiny_ann.id and "page text changed" in reason
        # Editing an annotation in Label Studio adds a new raw row on the next pull; the old row stays.
        sdk.annotations.update(id=tiny_ann.id, result=[])
        edited = pull(sdk, conn, "t-bad", version="1.0.0")
        assert edited.appended == 1
    finally:
        import shutil
        shutil.rmtree(env["root"] / "data" / "v1.0.1")


def test_wrong_token_is_refused_without_showing_it(ls, env, monkeypatch):
    _, _, state = ls
    bad = "f" * 40
    monkeypatch.setenv("LABEL_STUDIO_URL", state.url)
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", bad)
    with pytest.raises(client.LabelStudioAuthError) as exc:
        client.connect()
    assert "refused the API token (HTTP 401)" in str(exc.value) and bad not in str(exc.value)
    res = CliRunner().invoke(annotate, ["pull", "--project", "t-plain"])
    assert res.exit_code == 1 and "refused the API token" in res.output and bad not in res.output


def test_environment_wins_over_local_server(ls, env, monkeypatch):
    _, conn, state = ls
    monkeypatch.setenv("LABEL_STUDIO_URL", state.url)
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", conn.api_key)
    monkeypatch.setenv("PAGEGOLD_LS_DATA_DIR", str(env["root"] / "nowhere"))
    _, other = client.connect()
    assert other.origin.startswith("environment")


def test_cli_server_start_status_stop_and_push(env, tmp_path, monkeypatch):
    """The contract: `server start --data-dir DIR` prints the URL; later commands find the token."""
    data_dir = tmp_path / "cli-server"
    monkeypatch.setenv("LABEL_STUDIO_USER_TOKEN", "cli-test-token-0123456789")
    monkeypatch.delenv("PAGEGOLD_LS_DATA_DIR")
    runner = CliRunner()
    res = runner.invoke(annotate, ["server", "start", "--data-dir", str(data_dir), "--port", str(server._free_port())])
    try:
        assert res.exit_code == 0, res.output
        url = res.stdout.strip().splitlines()[-1]
        assert url.startswith("http://127.0.0.1:") and "cli-test-token" not in res.output
        status = runner.invoke(annotate, ["server", "status", "--data-dir", str(data_dir)])
        assert status.exit_code == 0 and url in status.output and "healthy" in status.output
        pushed = runner.invoke(annotate, ["push", "--project", "cli-proj", "--ids", "p-tiny,p-match", "--limit", "1"])
        assert pushed.exit_code == 0, pushed.output
        assert "1 tasks created" in pushed.output and "cli-test-token" not in pushed.output
        pulled = runner.invoke(annotate, ["pull", "--project", "cli-proj"])
        assert pulled.exit_code == 0 and "0 annotations" in pulled.output
    finally:
        stopped = runner.invoke(annotate, ["server", "stop", "--data-dir", str(data_dir)])
    assert stopped.output.strip() == "stopped"
    assert runner.invoke(annotate, ["server", "status", "--data-dir", str(data_dir)]).exit_code == 3
