"""``Rejected``: what a reader yields for an input that cannot become a page (a module of its own,
so that the readers and the package that re-exports them do not import each other)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rejected:
    """An input that cannot become a page, with the reason (it goes to quarantine.jsonl)."""

    path: str
    reason: str


@dataclass(frozen=True)
class Note:
    """An input that is not read but is no error (e.g. a file with an unknown suffix): a note."""

    path: str
    reason: str
