"""The dataset card of a Hub export: YAML metadata the Hub validates, and a body true for the export.

Why a module of its own: the card in the checkout (DATASET_CARD.md) describes the repository; the
exported card must describe the folder that gets pushed — loading by repo id, licences and
citation included — and every YAML value is read from the releases (tables, splits, sizes,
licences, languages), never typed in, so a new table or source shows up without code changes.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from curation import dataset

REPO_ID_RE = re.compile(r"^[A-Za-z0-9][\w.-]*/[A-Za-z0-9][\w.-]*$")
# SPDX ids the Hub knows under its own (lower-case) names; anything else makes the card "other".
HUB_LICENSES = {"MIT": "mit", "CC-BY-4.0": "cc-by-4.0", "Apache-2.0": "apache-2.0", "CC0-1.0": "cc0-1.0",
                "CC-BY-SA-4.0": "cc-by-sa-4.0", "ODC-By-1.0": "odc-by"}  # fmt: skip
# How each known source's gold was made (Hub `annotations_creators` vocabulary); unknown sources: "found".
ANNOTATIONS = {"aeb": "expert-generated", "wcxb-dev": "machine-generated", "mozilla": "machine-generated"}
BIBTEX = """@misc{{pagegold,
  title        = {{PageGold: web pages with boilerplate and entity gold}},
  author       = {{{{PageGold maintainers}}}},
  year         = {{{year}}},
  howpublished = {{\\url{{https://huggingface.co/datasets/{repo_id}}}}},
  note         = {{Release {version}}}
}}"""


def check_repo_id(repo_id: str) -> str:
    """``OWNER/NAME`` as the Hub accepts it; a ValueError naming the problem otherwise."""
    if not REPO_ID_RE.match(repo_id or ""):
        raise ValueError(f"--repo-id {repo_id!r} is not OWNER/NAME (letters, digits, '-', '_', '.')")
    return repo_id


def page_facts(version: str, root: Path) -> dict[str, Counter]:
    """Counts of the latest pages' licence, language and source (what the YAML lists)."""
    table = dataset.read_table("pages", version, root=root, columns=["source", "license", "language"]).to_pandas()
    return {col: Counter(table[col].dropna().astype(str)) for col in ("source", "license", "language")}


def dataset_info(root: Path) -> list[dict[str, Any]]:
    """``dataset_info`` per config, as ``datasets-cli test --save_info`` would write it.

    Rows come from the manifests; ``num_bytes`` is the Arrow size of the split (what ``datasets``
    records), ``download_size`` the Parquet bytes.
    """
    out = []
    arrow_bytes: dict[str, int] = {}

    def nbytes(path: str) -> int:
        if path not in arrow_bytes:
            arrow_bytes[path] = pq.read_table(root / path).nbytes
        return arrow_bytes[path]

    versions = dataset.list_versions(root)
    for version in reversed(versions):
        manifest = dataset.read_manifest(version, root)
        for table, entry in manifest["tables"].items():
            splits, size = [], 0
            for split in dataset.SPLITS:
                files = [f for f in entry["files"] if f["split"] == split]
                if files:
                    size += sum(int(f.get("bytes") or (root / f["path"]).stat().st_size) for f in files)
                    splits.append(
                        {
                            "name": split,
                            "num_bytes": sum(nbytes(f["path"]) for f in files),
                            "num_examples": sum(int(f["rows"]) for f in files),
                        }
                    )
            total = sum(s["num_bytes"] for s in splits)
            names = [table, f"{table}-{version}"] if version == versions[-1] else [f"{table}-{version}"]
            out += [{"config_name": n, "splits": splits, "download_size": size, "dataset_size": total} for n in names]
    return out


def front_matter(base: dict[str, Any], root: Path, configs: list[dict[str, Any]]) -> dict[str, Any]:
    """The card's YAML: the checkout card's keys, corrected and completed from the data."""
    version = dataset.latest_version(root)
    facts = page_facts(version, root)
    hub = sorted({HUB_LICENSES.get(lic, "other") for lic in facts["license"]})
    meta = dict(base)
    for key in ("license", "license_name", "license_link"):
        meta.pop(key, None)
    if hub == ["other"] or "other" in hub:
        meta.update(license="other", license_name="per-page (see the license column)", license_link="LICENSES.md")
    else:
        meta["license"] = hub if len(hub) > 1 else hub[0]
    meta["language"] = [lang for lang, _ in facts["language"].most_common()]
    meta["multilinguality"] = "multilingual" if len(facts["language"]) > 1 else "monolingual"
    meta["annotations_creators"] = sorted({ANNOTATIONS.get(s, "found") for s in facts["source"]} | {"expert-generated"})
    meta["language_creators"] = ["found"]
    meta["source_datasets"] = ["original"] + [f"extended|{s}" for s in sorted(facts["source"])]
    meta["configs"] = configs
    meta["dataset_info"] = dataset_info(root)
    return meta


def licences_page(root: Path, version: str, facts: dict[str, Counter]) -> str:
    """LICENSES.md: which pages carry which licence, and where its text is."""
    texts = (
        sorted(p.name for p in (root / version / "LICENSES").glob("*"))
        if (root / version / "LICENSES").exists()
        else []
    )
    lines = ["# Licences", "", "Every page carries its own licence in the `license` column of `pages`:", ""]
    lines += [f"- `{lic}`: {n} pages" for lic, n in facts["license"].most_common()]
    lines += ["", "Licence texts (shipped beside the data, as the sources require):", ""]
    lines += [f"- [LICENSES/{name}](LICENSES/{name})" for name in texts]
    lines += ["", "The PageGold curation code is Apache-2.0."]
    return "\n".join(lines) + "\n"


def body(text: str, repo_id: str, version: str, year: str) -> str:
    """The card body for the Hub: loading by repo id and a BibTeX entry (docs/ and schemas/ are exported)."""
    snippet = (
        f'```python\nimport datasets\n\npages = datasets.load_dataset("{repo_id}", "pages")  # latest release\n'
        f'gold = datasets.load_dataset("{repo_id}", "boilerplate_gold")\n'
        f'old = datasets.load_dataset("{repo_id}", "pages-{version}")  # a fixed release\n```\n'
    )
    text = re.sub(r"```python\n.*?load_dataset.*?```\n", lambda _: snippet, text, count=1, flags=re.S)
    text = text.rstrip() + "\n\n```bibtex\n" + BIBTEX.format(year=year, repo_id=repo_id, version=version) + "\n```\n"
    return text
