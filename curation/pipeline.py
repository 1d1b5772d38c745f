"""A pipeline is a list of small steps, each a generator over records (datatrove-style).

A step takes an iterable of records and a ``Context`` and yields records. A record it cannot
handle goes to ``ctx.reject(record, reason)`` — the quarantine — and the stream goes on. The
executor that drives the steps (here: in-process) is separate from the steps themselves.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from curation.sources import Rejected

Record = dict[str, Any]
Step = Callable[[Iterable[Record], "Context"], Iterator[Record]]


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
        else:
            ctx.counts["read"] += 1
            yield record


def run(records: Iterable[Record | Rejected], steps: list[Step], ctx: Context) -> Iterator[Record]:
    """Chain the steps lazily over the records (the local, in-process executor)."""
    stream: Iterable = drop_rejected(records, ctx)
    for step in steps:
        stream = step(stream, ctx)
    return iter(stream)
