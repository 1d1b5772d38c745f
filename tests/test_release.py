"""Releases: immutable, atomic, verified, parent data reused, loadable with Hugging Face datasets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from curation import dataset, near_dup, splits
from curation.release import build_release
from curation.verify import verify_release

ARTICLE = ("<html><head><title>{t}</title><meta property='article:published_time' content='2024-05-0{d}'></head><body>"
           "<nav><a href='/'>Home</a> <a href='/world'>World</a></nav><article><h1>{t}</h1>{ps}</article>"
           "<footer>Copyright Example News</footer></body></html>")  # fmt: skip


def article(title: str, day: int, paragraphs: list[str]) -> bytes:
    return ARTICLE.format(t=title, d=day, ps="".join(f"<p>{p}</p>" for p in paragraphs)).encode()


def make_checkout(tmp_path: Path, n_pages: int = 12) -> Path:
    """A checkout with data/sources.yaml pointing at an AEB-layout folder of hand-made pages."""
    checkout = tmp_path / "checkout"
    corpus = checkout / "corpus"
    (corpus / "html").mkdir(parents=True)
    truth = {}
    import gzip

    for i in range(n_pages):
        paras = [f"Paragraph {j} of story {i}: the council of town {i} voted on budget item {j * 7 + i}." for j in range(4)]
        key = f"page{i:03d}"
        (corpus / "html" / f"{key}.html.gz").write_bytes(gzip.compress(article(f"Story number {i}", i % 9 + 1, paras)))
        truth[key] = {"articleBody": "\n\n".join(paras), "url": f"https://site{i % 5}.example.com/story/{i}"}
    (corpus / "ground-truth.json").write_text(json.dumps(truth))
    (corpus / "LICENSE").write_text("MIT License (test fixture)\n")
    (checkout / "data").mkdir()
    (checkout / "data" / "sources.yaml").write_text(
        "sources:\n  - name: mini\n    format: aeb\n    paths: [corpus]\n    license: MIT\n    license_file: corpus/LICENSE\n"
    )
    return checkout


@pytest.fixture
def checkout(tmp_path: Path, monkeypatch) -> Path:
    co = make_checkout(tmp_path)
    monkeypatch.setenv("PAGEGOLD_DATA_DIR", str(co / "data"))
    return co


def test_release_writes_verifiable_immutable_version(checkout: Path):
    root = checkout / "data"
    target = build_release("1.0.0", root=root, log=lambda m: None)
    assert target == root / "v1.0.0"
    assert verify_release("v1.0.0", root) == []
    manifest = dataset.read_manifest("1.0.0", root)
    assert manifest["tables"]["pages"]["rows"] == 12
    assert manifest["tables"]["boilerplate_gold"]["rows"] == 12
    assert (target / "LICENSES" / "mini-MIT.txt").is_file()
    pages = dataset.read_table("pages", root=root).to_pylist()
    domains = {}
    for p in pages:
        domains.setdefault(p["domain"], set()).add(p["split"])
    assert all(len(s) == 1 for s in domains.values())  # a domain never spans two splits
    assert {p["published"] for p in pages} <= {f"2024-05-0{d}" for d in range(1, 10)}
    gold = dataset.read_table("boilerplate_gold", root=root).to_pylist()
    assert all(g["alignment_recall"] == 1.0 and g["main_blocks"] == [2, 3, 4, 5] for g in gold)  # the 4 paragraphs, not nav/h1/footer
    with pytest.raises(dataset.ReleaseError, match="immutable"):
        build_release("1.0.0", root=root, log=lambda m: None)
    with pytest.raises(dataset.ReleaseError, match="not newer"):
        build_release("0.9.0", root=root, log=lambda m: None)


def test_next_release_references_unchanged_files_and_writes_only_new_pages(checkout: Path):
    root = checkout / "data"
    build_release("1.0.0", root=root, log=lambda m: None)
    import gzip

    (checkout / "corpus" / "html" / "page999.html.gz").write_bytes(gzip.compress(article("A brand new story", 3, ["Fresh text " * 20])))
    truth = json.loads((checkout / "corpus" / "ground-truth.json").read_text())
    truth["page999"] = {"articleBody": "Fresh text " * 20, "url": "https://newsite.example.org/new"}
    (checkout / "corpus" / "ground-truth.json").write_text(json.dumps(truth))
    build_release("1.1.0", root=root, log=lambda m: None, from_sources=True)  # a new page in a known source
    new = dataset.read_manifest("1.1.0", root)
    assert new["parent"] == "1.0.0"
    assert {k: new["changelog"]["pages"][k] for k in ("added", "changed", "removed")} == {"added": 1, "changed": 0, "removed": 0}
    assert sum(f["rows"] for f in new["tables"]["raw_pages"]["files"] if f["path"].startswith("v1.1.0/")) == 1
    own = [f for f in new["tables"]["pages"]["files"] if f["path"].startswith("v1.1.0/")]
    assert sum(f["rows"] for f in own) == 1  # only the new page is written
    assert new["tables"]["pages"]["rows"] == 13
    assert verify_release("v1.1.0", root) == [] and verify_release("v1.0.0", root) == []
    old_splits = {p["page_id"]: p["split"] for p in dataset.read_table("pages", "1.0.0", root=root).to_pylist()}
    for p in dataset.read_table("pages", "1.1.0", root=root).to_pylist():
        assert p["page_id"] not in old_splits or old_splits[p["page_id"]] == p["split"]  # splits are stable


def test_interrupted_release_leaves_earlier_state_intact(checkout: Path, monkeypatch):
    root = checkout / "data"
    build_release("1.0.0", root=root, log=lambda m: None)
    before = sorted(p.relative_to(root) for p in root.rglob("*"))
    hf_before = (checkout / ".huggingface.yaml").read_text()

    # Ctrl-C in the middle of the global steps (a real KeyboardInterrupt raised from inside the run).
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(splits, "assign_splits", interrupted)  # a step every release runs
    with pytest.raises(KeyboardInterrupt):
        build_release("1.1.0", root=root, log=lambda m: None)
    assert sorted(p.relative_to(root) for p in root.rglob("*")) == before
    assert (checkout / ".huggingface.yaml").read_text() == hf_before
    assert dataset.list_versions(root) == ["v1.0.0"]


def test_verify_detects_tampering(checkout: Path):
    root = checkout / "data"
    build_release("1.0.0", root=root, log=lambda m: None)
    victim = next((root / "v1.0.0" / "pages").glob("*.parquet"))
    victim.chmod(0o644)
    with victim.open("r+b") as fh:
        fh.seek(100)
        fh.write(b"\x00\x01\x02")
    problems = verify_release("v1.0.0", root)
    assert any("checksum mismatch" in p for p in problems)


def test_hugging_face_loads_latest_and_versioned_configs(checkout: Path, tmp_path: Path, monkeypatch):
    import datasets
    monkeypatch.setenv("HF_DATASETS_CACHE", str(tmp_path / "hf-cache"))
    root = checkout / "data"
    build_release("1.0.0", root=root, log=lambda m: None)
    pages = datasets.load_dataset(str(checkout), "pages")
    manifest = dataset.read_manifest("1.0.0", root)
    assert {s: pages[s].num_rows for s in pages} == {s: n for s, n in manifest["tables"]["pages"]["splits"].items() if n}
    feature = pages[next(iter(pages))].features["blocks"].feature  # List(struct)
    assert feature["start"].dtype == "int32" and feature["path"].dtype == "string"  # nested struct survives
    gold = datasets.load_dataset(str(checkout), "boilerplate_gold-v1.0.0")
    assert sum(gold[s].num_rows for s in gold) == 12
    streamed = datasets.load_dataset(str(checkout), "pages", streaming=True)
    first = next(iter(streamed[next(iter(streamed))]))
    assert first["text"][first["blocks"][0]["start"] : first["blocks"][0]["end"]]


def test_near_duplicates_cluster_and_distinct_pages_do_not(tmp_path: Path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    base = " ".join(f"word{i}" for i in range(300))
    near = base.replace("word150", "changed")
    other = " ".join(f"other{i}" for i in range(300))
    rows = [("b", base, "h1"), ("a", near, "h2"), ("c", other, "h3"), ("d", other, "h3"), ("e", "a short page", "h4")]
    files = []
    for i, part in enumerate((rows[:2], rows[2:])):  # two files, so pairs are found across map tasks
        files.append(tmp_path / f"pages-{i}.parquet")
        pq.write_table(pa.table({k: [r[j] for r in part] for j, k in enumerate(("page_id", "text", "text_sha256"))}), files[-1])
    reps = near_dup.clusters([[f] for f in files])
    assert reps == {"a": "a", "b": "a", "c": "c", "d": "c"}


def test_export_hub_writes_card_with_configs(checkout: Path, tmp_path: Path):
    from curation.hub import export_hub, split_front_matter

    build_release("1.0.0", root=checkout / "data", log=lambda m: None)
    card = tmp_path / "CARD.md"
    card.write_text("---\npretty_name: Test\n---\n# Card body\n")
    out = export_hub(tmp_path / "hub", card, "someone/pagegold", root=checkout / "data", croissant=False)
    front, body = split_front_matter((out / "README.md").read_text())
    assert front["pretty_name"] == "Test" and body.startswith("# Card body")
    names = {c["config_name"] for c in front["configs"]}
    assert {"pages", "boilerplate_gold", "pages-v1.0.0"} <= names
    for config in front["configs"]:
        for split in config["data_files"]:
            assert all((out / p).is_file() for p in split["path"])
    with pytest.raises(FileExistsError):
        export_hub(tmp_path / "hub", card, "someone/pagegold", root=checkout / "data", croissant=False)


def test_staged_gold_joins_the_next_release_and_carries_over(checkout: Path, monkeypatch):
    from curation import schema

    root = checkout / "data"
    build_release("1.0.0", root=root, log=lambda m: None)
    page = dataset.read_table("pages", root=root).to_pylist()[0]
    start = page["text"].index("council")
    staging = root / "staging"
    staging.mkdir()
    import pyarrow.parquet as pq

    entity = {"page_id": page["page_id"], "text_sha256": page["text_sha256"], "origin": "labelstudio:adjudicated",
              "entities": [{"start": start, "end": start + 7, "label": "ORG", "text": "council"}],
              "n_annotators": 2, "agreement": 1.0, "split": page["split"]}  # fmt: skip
    pq.write_table(schema.load("entity_gold").table([entity]), staging / "entity_gold.parquet")
    (staging / "conflicts.jsonl").write_text('{"page_id": "x", "kind": "entity-minority"}\n')
    build_release("1.1.0", root=root, log=lambda m: None)
    manifest = dataset.read_manifest("1.1.0", root)
    assert manifest["changelog"]["entity_gold"]["added"] == 1
    assert all(f["path"].startswith("v1.0.0/") for f in manifest["tables"]["pages"]["files"])  # no page data copied
    assert [d["path"] for d in manifest["documents"]] == ["v1.1.0/annotation/conflicts.jsonl"]
    assert verify_release("v1.1.0", root) == []
    # Staging emptied: the next release still has the annotation-derived gold, unchanged and not copied.
    for f in staging.iterdir():
        f.unlink()
    build_release("1.2.0", root=root, log=lambda m: None)
    files = dataset.read_manifest("1.2.0", root)["tables"]["entity_gold"]["files"]
    assert [f["path"].split("/")[0] for f in files] == ["v1.1.0"]
    assert dataset.read_table("entity_gold", "1.2.0", root=root).to_pylist()[0]["entities"] == entity["entities"]
