"""Text dumps: every file is one page's visible text, one block per line (the seed's layout)."""

from __future__ import annotations

from curation.sources.files import TEXT_SUFFIXES
from curation.sources.formats import register
from curation.sources.formats.html import _PerFile


@register
class Text(_PerFile):
    name = "text"
    description = "text dumps: every file is a page's text, one block per line"
    suffixes = TEXT_SUFFIXES
    expected = "text files (every file is read as one page)"
