"""A release built on the committed v2.0.0 with nothing new but staged gold copies no page data.

The releases are copied into tmp_path (the repo's data/ is never written to); a staged
entity_gold row for one page is the only change. The new version folder must hold the manifest,
the licence texts and that one row's entity_gold file, and list every other file of its parent.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from curation import dataset, schema
from curation.release import build_release

CHECKOUT = Path(__file__).resolve().parent.parent
PARENT = "2.0.0"


@pytest.fixture(scope="module")
def released(tmp_path_factory) -> tuple[Path, dict]:
    checkout = tmp_path_factory.mktemp("gold_only")
    root = checkout / "data"
    root.mkdir()
    # v2.0.0 lists files of v1.x: copy them all, and nothing newer, so v2.0.0 is the latest here
    for version in dataset.list_versions(CHECKOUT / "data"):
        if tuple(map(int, version[1:].split("."))) > tuple(map(int, PARENT.split("."))):
            continue
        shutil.copytree(CHECKOUT / "data" / version, root / version)
    shutil.copyfile(CHECKOUT / "data" / "sources.yaml", root / "sources.yaml")
    pages = dataset.read_table("pages", PARENT, columns=["page_id", "text", "text_sha256", "split"], root=root)
    have = set(dataset.read_table("entity_gold", PARENT, columns=["page_id"], root=root).column("page_id").to_pylist())
    page = next(p for p in pages.to_pylist() if p["page_id"] not in have and p["split"] == "dev")
    first_word = page["text"].split()[0]
    start = page["text"].index(first_word)
    row = {"page_id": page["page_id"], "text_sha256": page["text_sha256"], "origin": "labelstudio:adjudicated",
           "entities": [{"start": start, "end": start + len(first_word), "label": "MISC", "text": first_word}],
           "n_annotators": 1, "agreement": None, "split": "dev"}
    (root / "staging").mkdir()
    pq.write_table(pa.Table.from_pylist([row], schema=schema.load("entity_gold").arrow),
                   root / "staging" / "entity_gold.parquet")
    build_release("2.0.1", root=root, checkout=checkout, log=lambda m: None)
    return root, row


def test_only_the_changed_table_is_written(released):
    root, row = released
    parent = dataset.read_manifest(PARENT, root)
    new = dataset.read_manifest("2.0.1", root)
    assert new["parent"] == PARENT
    for table in ("pages", "raw_pages", "boilerplate_gold", "zone_gold", "annotations"):
        assert new["tables"][table]["files"] == parent["tables"][table]["files"], table
    assert all(not f["path"].startswith("v2.0.1/") for f in new["tables"]["raw_pages"]["files"])
    own = [f for f in new["tables"]["entity_gold"]["files"] if f["path"].startswith("v2.0.1/")]
    assert [(f["path"], f["split"], f["rows"]) for f in own] == [("v2.0.1/entity_gold/dev-00000.parquet", "dev", 1)]
    inherited = [f for f in new["tables"]["entity_gold"]["files"] if f not in own]
    assert inherited == parent["tables"]["entity_gold"]["files"]
    assert new["changelog"]["entity_gold"] == {"added": 1, "changed": 0, "removed": 0}
    assert {k: new["changelog"]["pages"][k] for k in ("added", "changed", "removed")} == {
        "added": 0, "changed": 0, "removed": 0}


def test_the_new_folder_holds_only_the_change(released):
    root, _ = released
    folder = root / "v2.0.1"
    files = sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())
    licences = sorted(str(p.relative_to(root / f"v{PARENT}")) for p in (root / f"v{PARENT}" / "LICENSES").iterdir())
    assert files == sorted(["manifest.json", "entity_gold/dev-00000.parquet", *licences])
    assert sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) < 200_000


def test_the_staged_row_reads_back_with_the_parents_gold(released):
    root, row = released
    gold = dataset.read_table("entity_gold", "2.0.1", root=root).to_pylist()
    assert len(gold) == dataset.read_manifest(PARENT, root)["tables"]["entity_gold"]["rows"] + 1
    got = next(g for g in gold if g["page_id"] == row["page_id"])
    assert got["entities"] == row["entities"] and got["split"] == "dev"
