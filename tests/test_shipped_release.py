"""The committed release v1.0.0: what it must contain, and that it loads offline with `datasets`."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from curation import dataset
from curation.verify import verify_release

CHECKOUT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def pages():
    columns = ["page_id", "source", "source_id", "split", "domain", "published", "section", "text", "license", "url"]
    return dataset.read_table("pages", "1.0.0", columns=columns).to_pylist()


def test_every_release_verifies():
    assert dataset.list_versions() == ["v1.0.0", "v1.1.0", "v2.0.0", "v2.1.0"]
    for version in dataset.list_versions():
        assert verify_release(version) == [], version


def test_v1_holds_the_seed_all_aeb_and_every_distinct_wcxb_page(pages):
    by_source = Counter(p["source"] for p in pages)
    # WCXB-dev has 1,497 files; two are byte-identical copies of others (0670/2863, 0463/3035),
    # so they are one page each.
    assert by_source == {"seed": 1, "aeb": 181, "wcxb-dev": 1495}
    assert all(p["license"] for p in pages)
    assert all(p["url"] for p in pages if p["source"] == "aeb")


def test_seed_page_metadata_comes_from_its_header_line(pages):
    seed = next(p for p in pages if p["source"] == "seed")
    assert (seed["published"], seed["section"]) == ("2024-06-19", "International")
    assert seed["text"].startswith("Putin’s North Korea Visit")
    assert "Trending Stories" in seed["text"]  # boilerplate is kept in the page text


def test_splits_are_grouped_and_test_is_at_least_a_fifth(pages):
    shares = Counter(p["split"] for p in pages)
    assert shares["test"] >= 0.2 * len(pages)
    assert set(shares) == {"train", "dev", "test"}
    by_domain: dict[str, set] = {}
    for p in pages:
        if p["domain"]:
            by_domain.setdefault(p["domain"], set()).add(p["split"])
    assert all(len(s) == 1 for s in by_domain.values())


def test_boilerplate_gold_covers_aeb_and_wcxb():
    gold = dataset.read_table("boilerplate_gold", "1.0.0", columns=["origin", "alignment_recall", "with_snippets"]).to_pylist()
    origins = Counter(g["origin"] for g in gold)
    assert origins == {"aeb:articleBody": 181, "wcxb:main_content": 1495}
    recalls = sorted(g["alignment_recall"] for g in gold if g["origin"] == "aeb:articleBody")
    assert recalls[len(recalls) // 2] > 0.95  # the alignment finds the AEB gold on its pages
    assert sum(1 for g in gold if g["with_snippets"]) > 1400


def test_load_dataset_offline(tmp_path, monkeypatch):
    import datasets

    monkeypatch.setenv("HF_DATASETS_CACHE", str(tmp_path))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    latest = dataset.read_manifest()  # the unversioned config is the latest release
    gold = datasets.load_dataset(str(CHECKOUT), "boilerplate_gold")
    assert {s: gold[s].num_rows for s in gold} == latest["tables"]["boilerplate_gold"]["splits"]
    v1 = datasets.load_dataset(str(CHECKOUT), "boilerplate_gold-v1.0.0")
    assert {s: v1[s].num_rows for s in v1} == dataset.read_manifest("1.0.0")["tables"]["boilerplate_gold"]["splits"]
    pages = datasets.load_dataset(str(CHECKOUT), "pages-v1.0.0", split="test", streaming=True)
    first = next(iter(pages))
    assert first["split"] == "test" and isinstance(first["blocks"], list)


def test_v2_1_applies_the_guideline_amendments_and_copies_no_page_data():
    """v2.1.0 = v2.0.0 + entity guidelines 1.1 (data/amendments/): only entity_gold is new."""
    import json

    manifest = json.loads((CHECKOUT / "data" / "v2.1.0" / "manifest.json").read_text())
    for table in ("pages", "raw_pages", "boilerplate_gold", "zone_gold"):
        paths = [f["path"] for f in manifest["tables"][table]["files"]]
        assert paths and not any(p.startswith("v2.1.0/") for p in paths), (table, paths)
    assert manifest["changelog"]["entity_gold"]["changed"] == 11

    def handles(version: str) -> int:
        rows = dataset.read_table("entity_gold", version).to_pylist()
        return sum(e["text"].startswith("@") for r in rows for e in r["entities"])

    assert handles("2.0.0") == 13 and handles("2.1.0") == 0  # rule R2: @handles are not entities
