"""Mozilla Readability's test pages (Apache-2.0): ``<case>/source.html`` (+ expected-metadata.json).

Edge cases for the normaliser, not part of the dataset: their ``expected.html`` is Readability.js's
own output, not independent gold, so no gold is read.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from curation.sources import Rejected
from curation.sources.formats import Format, describe, read_page, record, register


def _cases(root: Path) -> list[Path]:
    return sorted(p for p in root.iterdir() if (p / "source.html").is_file()) if root.is_dir() else []


@register
class Mozilla(Format):
    name = "mozilla"
    description = "Mozilla Readability test pages: <case>/source.html"
    license = "Apache-2.0"
    suffixes = (".html",)
    expected = "case folders each holding source.html (Mozilla Readability's test/test-pages)"
    auto_rank = 50

    def problem(self, root: Path) -> str | None:
        return None if _cases(root) else describe(root)

    def count(self, root: Path) -> int:
        return max(len(_cases(root)), 1)

    def read(
        self, root: Path, source: str = "mozilla-readability", license: str = "Apache-2.0"
    ) -> Iterator[dict | Rejected]:
        root = Path(root)
        cases = _cases(root)
        if not cases:
            yield Rejected(
                str(root), f"no <case>/source.html folders found (expected {self.expected}; found {describe(root)})"
            )
        for case in cases:
            path = case / "source.html"
            raw = read_page(path, root)
            if isinstance(raw, Rejected):
                yield raw
                continue
            yield record(path, source, case.name, raw, license)
