"""WARC files: one page per HTTP response with an HTML body (source_id: the WARC-Record-ID)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from curation.sources import Rejected
from curation.sources.files import WARC_SUFFIXES
from curation.sources.formats import register
from curation.sources.formats.html import _PerFile
from curation.sources.warc import read_warc


@register
class WARC(_PerFile):
    name = "warc"
    description = "WARC/ARC files (optionally .gz): one page per HTML response"
    suffixes = WARC_SUFFIXES
    expected = "WARC files (.warc, .arc, optionally .gz)"

    def read(self, root: Path, source: str, license: str = "unknown") -> Iterator[dict | Rejected]:
        return read_warc(self._files(Path(root)), source, license)
