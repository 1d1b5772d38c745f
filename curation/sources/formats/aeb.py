"""AEB — ScrapingHub's Article Extraction Benchmark (MIT).

Layout: ``ground-truth.json`` = {id: {"articleBody", "url"}} and ``html/<id>.html.gz``; the
published system outputs sit in ``output/<system>.json`` (read by ``bench score``, not here).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from curation.sources import Rejected
from curation.sources.formats import Format, describe, load_json, read_page, record, register


@register
class AEB(Format):
    name = "aeb"
    description = "ScrapingHub Article Extraction Benchmark: ground-truth.json + html/<id>.html.gz"
    license = "MIT"
    suffixes = (".html.gz", ".json")
    expected = "a folder with ground-truth.json and html/<id>.html.gz"
    auto_rank = 10

    def problem(self, root: Path) -> str | None:
        if (root / "ground-truth.json").is_file() and (root / "html").is_dir():
            return None
        return describe(root)

    def count(self, root: Path) -> int:
        truth = load_json(root / "ground-truth.json")
        return max(len(truth), 1) if isinstance(truth, dict) else 1

    def read(self, root: Path, source: str = "aeb", license: str = "MIT") -> Iterator[dict | Rejected]:
        root = Path(root)
        truth = load_json(root / "ground-truth.json")
        if isinstance(truth, Rejected):
            yield truth
            return
        if not isinstance(truth, dict):
            yield Rejected(str(root / "ground-truth.json"), "expected a JSON object {id: {articleBody, url}}")
            return
        for page_key in sorted(truth):
            path = root / "html" / f"{page_key}.html.gz"
            raw = read_page(path, root)
            if isinstance(raw, Rejected):
                yield raw
                continue
            entry = truth[page_key] if isinstance(truth[page_key], dict) else {}
            yield record(
                path,
                source,
                page_key,
                raw,
                license,
                url=entry.get("url"),
                page_type="article",
                gold={"main_text": entry.get("articleBody") or "", "origin": "aeb:articleBody"},
            )
