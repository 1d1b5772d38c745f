"""A pipeline is a list of small steps, each a generator over records (datatrove-style).

A step takes an iterable of records and a ``Context`` and yields records. A record it cannot
handle goes to ``ctx.reject(record, reason)`` — the quarantine — and the stream goes on. The
executor that drives the steps (here: in-process) is separate from the steps themselves.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypedDict

from curation.sources.rejected import Note, Rejected


class SourceGold(TypedDict, total=False):
    """The boilerplate gold a source ships with a page (AEB ``articleBody``, WCXB ground truth)."""

    main_text: str | None  # None: the source's gold is snippets only
    with_snippets: list[str]
    without_snippets: list[str]
    origin: str


class PageRecord(TypedDict, total=False):
    """What flows between ingest steps: one page, built up step by step.

    The *schema fields* are the columns ingest writes (``curation.shards.page_row``): the ``pages``
    table in its ingest layout (``INGEST_PAGES_SCHEMA``: the release's ``pages`` plus the ``raw``
    bytes, which a release moves to ``raw_pages``; a test keeps the two in step). The *transient
    fields* live only while the page is in the pipeline:

    ``path``          where the page came from (quarantine and notes name it); set by the reader
    ``http_charset``  the charset an HTTP header declared (WARC), for decoding; reader
    ``domain_hint``   the source's own domain field, used when the URL has none; reader
    ``gold``          the source's own gold (``SourceGold``); reader → ``align_gold``
    ``html``          the decoded HTML, for date extraction; ``normalise_pages`` → ``add_metadata``
    ``gold_row``      the page's ``boilerplate_gold`` row; ``align_gold`` → the shard writer
    """

    # schema fields (the ingest layout of pages)
    page_id: str
    source: str
    source_id: str
    url: str | None
    domain: str | None
    page_type: str | None
    language: str | None
    title: str | None
    published: str | None
    section: str | None
    raw_format: str
    raw: bytes
    encoding: str
    encoding_source: str
    text: str
    blocks: list[dict[str, Any]]
    text_sha256: str
    license: str
    normaliser_version: str
    duplicate_of: str | None
    split: str
    # transient fields
    path: str
    http_charset: str | None
    domain_hint: str | None
    gold: SourceGold
    html: str | None
    gold_row: dict[str, Any]


#: fields of ``PageRecord`` that are never written (see its docstring)
TRANSIENT_FIELDS = ("path", "http_charset", "domain_hint", "gold", "html", "gold_row")
Record = PageRecord
Step = Callable[[Iterable[PageRecord], "Context"], Iterator[PageRecord]]


@dataclass
class Context:
    """What steps share during one run: the quarantine, notes and counters."""

    quarantine: list[dict[str, str]] = field(default_factory=list)
    notes: list[dict[str, str]] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)

    def reject(self, path: str, reason: str) -> None:
        self.quarantine.append({"path": path, "reason": reason})
        self.counts["quarantined"] += 1

    def note(self, path: str, message: str) -> None:
        self.notes.append({"path": path, "note": message})


def drop_rejected(records: Iterable[Record | Rejected], ctx: Context) -> Iterator[Record]:
    """First step after the readers: rejected inputs go to quarantine, the rest flow on."""
    for record in records:
        if isinstance(record, Rejected):
            ctx.reject(record.path, record.reason)
        elif isinstance(record, Note):
            ctx.note(record.path, record.reason)
        else:
            ctx.counts["read"] += 1
            yield record


def run(records: Iterable[Record | Rejected], steps: list[Step], ctx: Context) -> Iterator[Record]:
    """Chain the steps lazily over the records (the local, in-process executor), in the order given."""
    stream: Iterable = drop_rejected(records, ctx)
    for step in steps:
        stream = step(stream, ctx)
    return iter(stream)
