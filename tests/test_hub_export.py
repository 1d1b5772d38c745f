"""`pagegold export-hub`: a folder the Hub accepts and `datasets` loads by itself.

The shipped release is exported once (data files are hard-linked, so it takes seconds) and its card
YAML is checked with huggingface_hub's DatasetCardData, its croissant.json with `mlcroissant
validate`; every config is loaded with `datasets.load_dataset(DIR, config)` from a small
two-release export (loading the shipped 70 MB pages table several times would take a minute).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from curation import dataset, hub
from pagegold.cli import main
from tests.conftest_labelstudio import PAGE_LINES, make_release

ROOT = Path(__file__).resolve().parent.parent
ENV = dict(os.environ, HF_HUB_OFFLINE="1")


def _front(path: Path) -> dict:
    return hub.split_front_matter(path.read_text(encoding="utf-8"))[0]


@pytest.fixture(scope="module")
def shipped_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("hub") / "export"
    result = CliRunner().invoke(main, ["export-hub", str(out), "--repo-id", "someone/pagegold"])
    assert result.exit_code == 0, result.output
    return out


def test_card_yaml_is_hub_metadata(shipped_export: Path) -> None:
    from huggingface_hub import DatasetCardData

    front = _front(shipped_export / "README.md")
    card = DatasetCardData(**front).to_dict()  # the Hub's own card-metadata model
    versions = dataset.list_versions()
    manifest = dataset.read_manifest(versions[-1])
    assert {c["config_name"] for c in card["configs"]} >= set(manifest["tables"])
    assert {c["config_name"] for c in card["configs"]} >= {
        f"{t}-{v}" for v in versions for t in dataset.read_manifest(v)["tables"]
    }
    info = {d["config_name"]: d for d in card["dataset_info"]}
    for table, entry in manifest["tables"].items():
        assert sum(s["num_examples"] for s in info[table]["splits"]) == sum(f["rows"] for f in entry["files"])
        assert all(s["num_bytes"] > 0 for s in info[table]["splits"])
    assert all(re.fullmatch(r"[a-z]{2,3}", lang) for lang in card["language"]), card["language"]
    assert "multilingual" not in card["language"]
    assert card["annotations_creators"] and card["source_datasets"][0] == "original"
    if card["license"] == "other":
        assert (shipped_export / card["license_link"]).is_file()
    for name in sorted(p.name for p in (dataset.data_dir() / versions[-1] / "LICENSES").glob("*")):
        assert (shipped_export / "LICENSES" / name).is_file()
    body = (shipped_export / "README.md").read_text(encoding="utf-8")
    assert 'load_dataset("someone/pagegold", "pages")' in body and "<path to a checkout>" not in body
    assert "@misc{pagegold," in body and "```bibtex" in body
    for ref in ("schemas/pages.yaml", "docs/entity_guidelines.md"):
        assert (shipped_export / ref).is_file(), ref


def test_croissant_validates_offline(shipped_export: Path) -> None:
    mlcroissant = Path(sys.executable).parent / "mlcroissant"
    done = subprocess.run(
        [str(mlcroissant), "validate", "--jsonld", "croissant.json"],
        cwd=shipped_export,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=120,
    )
    print(done.stderr[-2000:])
    assert done.returncode == 0 and "error" not in done.stderr.lower(), done.stderr
    meta = json.loads((shipped_export / "croissant.json").read_text())
    tables = dataset.read_manifest()["tables"]
    assert [r["name"] for r in meta["recordSet"]] == list(tables)
    assert meta["version"] == dataset.latest_version().lstrip("v")


def test_every_config_loads_from_the_export_alone(tmp_path: Path) -> None:
    data = tmp_path / "data"
    make_release(data, version="v1.0.0")
    pages = dict(PAGE_LINES)
    pages["p-extra"] = ["A third page", "with two blocks"]
    make_release(data, pages=pages, version="v1.1.0", main_blocks={"p-extra": [0]})
    (tmp_path / "DATASET_CARD.md").write_text(
        "---\npretty_name: T\nlicense: other\n---\n# T\n\n```python\n"
        'import datasets\nx = datasets.load_dataset("<path>", "pages")\n```\n'
    )
    out = tmp_path / "export"
    hub.export_hub(out, tmp_path / "DATASET_CARD.md", "someone/tiny", root=data)
    configs = [c["config_name"] for c in _front(out / "README.md")["configs"]]
    assert set(configs) == {
        "pages",
        "boilerplate_gold",
        "pages-v1.1.0",
        "boilerplate_gold-v1.1.0",
        "pages-v1.0.0",
        "boilerplate_gold-v1.0.0",
    }
    script = (
        "import datasets, json, sys\n"
        "load = lambda c: datasets.load_dataset(sys.argv[1], c, cache_dir=sys.argv[2])\n"
        "print(json.dumps({c: {s: len(d) for s, d in load(c).items()}"
        " for c in sys.argv[3:]}))\n"
    )
    done = subprocess.run([sys.executable, "-c", script, str(out), str(tmp_path / "cache"), *configs], env=ENV,
                          capture_output=True, text=True, timeout=300, cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    sizes = json.loads(done.stdout.strip().splitlines()[-1])
    assert sizes["pages"] == {"test": len(PAGE_LINES) + 1} and sizes["pages-v1.0.0"] == {"test": len(PAGE_LINES)}
    assert sizes["boilerplate_gold-v1.1.0"] == {"test": 1}
    assert "Repo card metadata block was not found" not in done.stderr


@pytest.mark.parametrize("repo_id", ["noslash", "a/b/c", "/x", "own er/name"])
def test_bad_repo_id_is_one_line(repo_id: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["export-hub", str(tmp_path / "o"), "--repo-id", repo_id])
    assert result.exit_code != 0 and "OWNER/NAME" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "o").exists()


def test_yaml_is_plain(shipped_export: Path) -> None:
    text = (shipped_export / "README.md").read_text(encoding="utf-8")
    assert "&id" not in text and "*id" not in text  # no YAML anchors
    yaml.safe_load(text.split("---\n")[1])
