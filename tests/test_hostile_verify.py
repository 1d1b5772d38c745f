"""Hostile edits to a release, and hostile conditions while cutting one (issue 12).

`verify` rechecks the manifest against the files on disk in both directions and the gold's own
invariants; `release` takes a lock, cleans what a killed run left, and fails with one line. One
small release (12 hand-made pages, tests/test_release.py) is built per module and copied per test.
"""

from __future__ import annotations

import fcntl
import json
import shutil
import subprocess
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from test_release import make_checkout

from curation import dataset, schema
from curation.release import build_release
from curation.verify import verify_release
from pagegold.cli import main

QUIET = dict(log=lambda m: None)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    co = make_checkout(tmp_path_factory.mktemp("built"))
    build_release("1.0.0", root=co / "data", checkout=co, **QUIET)
    return co


@pytest.fixture
def co(built: Path, tmp_path: Path, monkeypatch) -> Path:
    copy = tmp_path / "checkout"
    shutil.copytree(built, copy, symlinks=True)
    monkeypatch.setenv("PAGEGOLD_DATA_DIR", str(copy / "data"))
    monkeypatch.setenv("PAGEGOLD_STAGING_DIR", str(copy / "data" / "staging"))
    return copy


def manifest_path(co: Path) -> Path:
    return co / "data" / "v1.0.0" / "manifest.json"


def edit_manifest(co: Path, change) -> None:
    m = json.loads(manifest_path(co).read_text())
    change(m)
    manifest_path(co).write_text(json.dumps(m, indent=2))


def problems(co: Path) -> str:
    return "\n".join(verify_release("v1.0.0", co / "data"))


def test_the_untouched_copy_verifies(co):
    assert problems(co) == ""


def test_edited_totals_and_split_counts_are_found(co):
    def change(m):
        m["tables"]["pages"]["rows"] += 5
        m["tables"]["boilerplate_gold"]["splits"]["train"] += 1

    edit_manifest(co, change)
    found = problems(co)  # before: exit 0
    assert "pages: manifest says 17 rows in all, its files hold 12" in found
    assert "boilerplate_gold: manifest says split train has" in found


def test_removed_file_entry_and_whole_table_leave_unlisted_files(co):
    edit_manifest(co, lambda m: m["tables"]["pages"]["files"].pop())
    found = problems(co)
    assert "not listed in the manifest" in found and "pages/" in found

    edit_manifest(co, lambda m: m["tables"].pop("boilerplate_gold"))
    found = problems(co)
    assert "boilerplate_gold" in found and "not listed in the manifest" in found


def test_file_listed_twice_and_extra_parquet_file(co):
    edit_manifest(co, lambda m: m["tables"]["pages"]["files"].append(dict(m["tables"]["pages"]["files"][0])))
    assert "listed twice" in problems(co)
    edit_manifest(co, lambda m: m["tables"]["pages"]["files"].pop())
    first = next((co / "data" / "v1.0.0" / "pages").glob("*.parquet"))
    shutil.copyfile(first, first.with_name("extra-00000.parquet"))
    assert "extra-00000.parquet: not listed in the manifest" in problems(co)


def test_deleted_licenses_are_found(co):
    shutil.rmtree(co / "data" / "v1.0.0" / "LICENSES")
    assert "licence file LICENSES/mini-MIT.txt is missing" in problems(co)


def test_split_relabelled_in_the_manifest_is_leakage(co):
    def change(m):
        f = m["tables"]["pages"]["files"][0]
        moved.append(f["split"])
        f["split"] = "test" if f["split"] != "test" else "train"

    moved: list[str] = []
    edit_manifest(co, change)
    found = problems(co)  # before: verify passed, and read_table(split=...) returned another split's rows
    assert f"rows of split {moved[0]} but the manifest lists it as test" in found


def test_manifest_without_tables_is_one_clear_problem(co):
    edit_manifest(co, lambda m: m.pop("tables"))
    assert problems(co) == "manifest.json of v1.0.0 has no 'tables' mapping"  # before: KeyError traceback


@pytest.mark.parametrize("state", ["missing", "empty"])
def test_verify_all_without_releases_fails_with_a_message(tmp_path, monkeypatch, state):
    data = tmp_path / "data"
    if state == "empty":
        data.mkdir()
    monkeypatch.setenv("PAGEGOLD_DATA_DIR", str(data))
    result = CliRunner().invoke(main, ["verify", "--all"])
    assert result.exit_code == 1 and "no release" in result.output  # before: exit 0, no output


def staged_entities(co: Path, spans_of) -> None:
    pages = dataset.read_table("pages", "v1.0.0", root=co / "data").to_pylist()
    rows = [
        {
            "page_id": p["page_id"],
            "text_sha256": p["text_sha256"],
            "entities": spans_of(p["text"]),
            "origin": "labelstudio:adjudicated",
            "n_annotators": 1,
            "agreement": None,
            "split": p["split"],
        }
        for p in pages[:1]
    ]
    staging = co / "data" / "staging"
    staging.mkdir(exist_ok=True)
    pq.write_table(schema.load("entity_gold").table(rows), staging / "entity_gold.parquet")


def span(text: str, start: int, end: int, label: str = "ORG") -> dict:
    return {"start": start, "end": end, "label": label, "text": text[start:end]}


def bad_spans(text: str) -> list[dict]:
    nl = text.index("\n")
    return [span(text, 0, 5), span(text, 3, 8, "PER"), span(text, nl - 2, nl + 3, "LOC")]


def test_release_refuses_staged_gold_that_breaks_span_invariants(co):
    staged_entities(co, bad_spans)
    with pytest.raises(dataset.ReleaseError, match="span problem"):  # before: released, and verify passed
        build_release("1.1.0", root=co / "data", checkout=co, **QUIET)
    assert dataset.list_versions(co / "data") == ["v1.0.0"]


def test_overlapping_and_cross_block_entity_gold_fails_verify(co):
    staged_entities(co, lambda text: [span(text, 0, 5)])
    build_release("1.1.0", root=co / "data", checkout=co, **QUIET)
    assert verify_release("v1.1.0", co / "data") == []
    # Tamper with the released file (manifest checksum updated too): only the span checks can tell.
    manifest_file = co / "data" / "v1.1.0" / "manifest.json"
    manifest = json.loads(manifest_file.read_text())
    [entry] = manifest["tables"]["entity_gold"]["files"]
    path = co / "data" / entry["path"]
    rows = pq.read_table(path).to_pylist()
    text = dataset.read_table("pages", "v1.1.0", root=co / "data").to_pylist()
    text = {p["page_id"]: p["text"] for p in text}[rows[0]["page_id"]]
    rows[0]["entities"] = bad_spans(text)
    pq.write_table(schema.load("entity_gold").table(rows), path)
    from curation.parquet_io import sha256_file

    entry["sha256"] = sha256_file(path)
    manifest_file.write_text(json.dumps(manifest, indent=2))
    found = "\n".join(verify_release("v1.1.0", co / "data"))  # before: verify passed
    assert "overlaps" in found and "crosses a block boundary" in found


# -- release ------------------------------------------------------------------------------------


def test_second_release_at_once_is_refused_by_the_lock(co):
    with (co / "data" / ".release.lock").open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)  # another `release` is running
        scratch = co / "data" / ".tmp-v1.1.0-999999"
        scratch.mkdir()  # ...and this is its scratch folder
        with pytest.raises(dataset.ReleaseError, match="another release is running"):
            build_release("1.1.0", root=co / "data", checkout=co, **QUIET)
        assert scratch.is_dir()  # before: the second run deleted the first one's scratch


def test_leftovers_of_a_killed_release_are_removed_and_ignored_by_git(co):
    (co / "data" / ".tmp-v1.1.0-424242" / "pages").mkdir(parents=True)
    (co / ".huggingface.yaml.tmp-424242").write_text("half")
    (co / ".huggingface.yaml").write_text("configs: []\n")  # killed after the rename: stale
    build_release("1.1.0", root=co / "data", checkout=co, **QUIET)
    assert not list((co / "data").glob(".tmp-*")) and not list(co.glob(".huggingface.yaml.tmp-*"))
    assert "v1.1.0" in (co / ".huggingface.yaml").read_text() and "v1.0.0" in (co / ".huggingface.yaml").read_text()
    repo = Path(__file__).resolve().parents[1]
    ignored = subprocess.run(
        [
            "git",
            "check-ignore",
            "--no-index",
            "data/.tmp-v2.0.0-123/pages/x.parquet",
            ".huggingface.yaml.tmp-123",
            "data/.release.lock",
        ],
        cwd=repo,
        capture_output=True,
        text=True,
    )
    assert ignored.stdout.split() == [
        "data/.tmp-v2.0.0-123/pages/x.parquet",
        ".huggingface.yaml.tmp-123",
        "data/.release.lock",
    ]


def test_stale_hub_config_is_reported_by_verify_cli(co):
    (co / ".huggingface.yaml").write_text("configs: []\n")
    result = CliRunner().invoke(main, ["verify", "v1.0.0"])
    assert result.exit_code == 1 and ".huggingface.yaml" in result.output


def test_full_disk_is_one_line_and_rolls_back(co, monkeypatch):
    # A mock: filling the real disk is not something a test may do. The fault is raised where
    # the release writes its Parquet shards.
    import errno

    from curation import parquet_io

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(parquet_io.ShardWriter, "_flush_group", full)
    (co / "more").mkdir()  # a new source, so the release has pages to write
    (co / "more" / "a.html").write_text("<html><body><p>A new page of a new source.</p></body></html>")
    with (co / "data" / "sources.yaml").open("a") as fh:
        fh.write("  - name: more\n    format: html\n    paths: [more]\n    license: CC0-1.0\n")
    result = CliRunner().invoke(main, ["release", "1.1.0"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output and "No space left on device" in result.output
    assert dataset.list_versions(co / "data") == ["v1.0.0"] and not list((co / "data").glob(".tmp-*"))


def test_gold_rows_repeated_for_one_page_fail_verify(co):
    manifest_file = manifest_path(co)
    manifest = json.loads(manifest_file.read_text())
    [entry] = manifest["tables"]["boilerplate_gold"]["files"]
    path = co / "data" / entry["path"]
    rows = pq.read_table(path).to_pylist()
    pq.write_table(schema.load("boilerplate_gold").table(rows + rows[:1]), path)
    from curation.parquet_io import sha256_file

    entry["sha256"], entry["rows"] = sha256_file(path), len(rows) + 1
    manifest["tables"]["boilerplate_gold"]["rows"] += 1
    manifest["tables"]["boilerplate_gold"]["splits"][entry["split"]] += 1
    manifest_file.write_text(json.dumps(manifest, indent=2))
    assert "boilerplate_gold: 2 rows for page" in problems(co)  # before: verify passed (a from-sources release had 24 for 12)


def test_changelog_counts_real_changes_only(co):
    truth_path = co / "corpus" / "ground-truth.json"
    truth = json.loads(truth_path.read_text())
    first = sorted(truth)[0]
    truth[first]["articleBody"] += "\n\nOne more gold paragraph."
    truth_path.write_text(json.dumps(truth))
    build_release("1.1.0", root=co / "data", checkout=co, from_sources=True, **QUIET)  # re-ingests the source gold
    log = dataset.read_manifest("1.1.0", co / "data")["changelog"]
    assert log["boilerplate_gold"] == {"added": 0, "changed": 1, "removed": 0}  # before: the whole split counted
    assert {k: log["pages"][k] for k in ("added", "changed", "removed")} == {"added": 0, "changed": 0, "removed": 0}
