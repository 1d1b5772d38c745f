"""The native layouts of the public corpora PageGold is built from (see shared/corpora).

- AEB (ScrapingHub Article Extraction Benchmark, MIT): ``html/<id>.html.gz`` and
  ``ground-truth.json`` = {id: {articleBody, url}}.
- WCXB (Web Content Extraction Benchmark, CC-BY-4.0): ``html/NNNN.html.gz``,
  ``ground-truth/NNNN.json`` and ``metadata.json``.
- Mozilla Readability test pages (Apache-2.0): ``<case>/source.html`` (+ expected-metadata.json);
  edge cases for the normaliser, not part of the dataset (their expected output is
  Readability.js's own, not independent gold).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from curation.sources.rejected import Rejected
from curation.sources.safe_io import read_file


def _load_json(path: Path) -> dict | Rejected:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return Rejected(str(path), f"cannot read JSON: {exc}")


def _read_page(path: Path, root: Path | None = None) -> bytes | Rejected:
    try:
        return read_file(path, root=root)  # bounded; a symlink leaving the corpus folder is refused
    except (OSError, ValueError) as exc:
        return Rejected(str(path), f"cannot read: {exc}")


def read_aeb(root: str | Path, source: str = "aeb", license: str = "MIT") -> Iterator[dict | Rejected]:
    root = Path(root)
    truth = _load_json(root / "ground-truth.json")
    if isinstance(truth, Rejected):
        yield truth
        return
    for page_key in sorted(truth):
        path = root / "html" / f"{page_key}.html.gz"
        raw = _read_page(path, root)
        if isinstance(raw, Rejected):
            yield raw
            continue
        entry = truth[page_key]
        yield {
            "path": str(path),
            "source": source,
            "source_id": page_key,
            "url": entry.get("url"),
            "raw": raw,
            "raw_format": "html",
            "http_charset": None,
            "license": license,
            "page_type": "article",
            "gold": {"main_text": entry.get("articleBody") or "", "origin": "aeb:articleBody"},
        }


def read_wcxb(root: str | Path, source: str = "wcxb-dev", license: str = "CC-BY-4.0") -> Iterator[dict | Rejected]:
    root = Path(root)
    meta = _load_json(root / "metadata.json")
    files_meta = meta.get("files", {}) if isinstance(meta, dict) else {}
    for gt_path in sorted((root / "ground-truth").glob("*.json")):
        file_id = gt_path.stem
        record = _load_json(gt_path)
        if isinstance(record, Rejected):
            yield record
            continue
        path = root / "html" / f"{file_id}.html.gz"
        raw = _read_page(path, root)
        if isinstance(raw, Rejected):
            yield raw
            continue
        gold = record.get("ground_truth", {})
        page_type = (record.get("_internal", {}).get("page_type", {}) or {}).get("primary") or files_meta.get(file_id, {}).get("page_type")
        yield {
            "path": str(path),
            "source": source,
            "source_id": file_id,
            "url": record.get("url"),
            "raw": raw,
            "raw_format": "html",
            "http_charset": None,
            "license": license,
            "page_type": page_type,
            "domain_hint": files_meta.get(file_id, {}).get("domain"),
            "gold": {
                # no main_content at all (snippets only): no main-text gold, scored by the snippet metric alone
                "main_text": (gold.get("main_content") or "") if "main_content" in gold else None,
                "with_snippets": list(gold.get("with") or []),
                "without_snippets": list(gold.get("without") or []),
                "origin": "wcxb:main_content",
            },
        }


def read_mozilla(root: str | Path, source: str = "mozilla-readability", license: str = "Apache-2.0") -> Iterator[dict | Rejected]:
    root = Path(root)
    cases = sorted(p for p in root.iterdir() if (p / "source.html").is_file()) if root.is_dir() else []
    if not cases:
        yield Rejected(str(root), "no <case>/source.html folders found (expected Mozilla Readability's test-pages layout)")
    for case in cases:
        path = case / "source.html"
        raw = _read_page(path, root)
        if isinstance(raw, Rejected):
            yield raw
            continue
        yield {
            "path": str(path),
            "source": source,
            "source_id": case.name,
            "url": None,
            "raw": raw,
            "raw_format": "html",
            "http_charset": None,
            "license": license,
            "page_type": None,
        }
