"""Readers: each turns one kind of input into raw page records (a generator of dicts).

A raw record has: path (where it came from, for error messages and quarantine), source,
source_id, url, raw (bytes), raw_format (html|text), http_charset, license, page_type, and
optionally gold (the source's own boilerplate gold). A reader never raises for one bad input:
it yields a ``Rejected`` record and goes on.
"""

from __future__ import annotations

from curation.sources.files import read_files
from curation.sources.rejected import Note, Rejected
from curation.sources.warc import read_warc

__all__ = ["Note", "Rejected", "read_files", "read_warc"]
