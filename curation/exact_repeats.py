"""The one exact-repeat rule, and the global "same page twice" step across shards.

The rule (``FirstSeen``): a page whose page_id (the hash of its raw bytes) was seen before is a
repeat of the first occurrence in input order, quarantined with ``repeat_reason``. The in-shard
step (``curation.steps.dedupe``) and the cross-shard reduce below both apply it, so a repeat gets
the same verdict and wording wherever it is found. (Different bytes with the same visible text
are not repeats: they are duplicates, recorded in ``duplicate_of`` by ``curation.near_dup``.)

The cross-shard step runs as map → bucket → reduce:

- map: every shard, while it runs, writes ``keys-pNN.jsonl`` = [page_id, path] for each page it
  kept, bucketed by ``shards.partition_of(page_id)`` (the shard already dropped repeats inside
  itself with the ``drop_exact_repeats`` step);
- bucket: partition NN of every shard holds all the page_ids that can collide with each other,
  so no engine-level shuffle is needed — a reduce task just reads its partition's files;
- reduce: per partition, walk the shards in order; the first occurrence of a page_id is kept,
  every later one is a repeat of it.

The result depends only on the shard plan, so every engine and any number of workers agree,
and it equals a single pass over the whole input (the first page by input order is kept).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from curation.shards import PARTITIONS


@dataclass(frozen=True)
class Partition:
    """One reduce task: partition ``part`` of the shards under ``work_dirs`` (in shard order)."""

    part: int
    work_dirs: tuple[str, ...]


class FirstSeen:
    """The exact-repeat rule over a stream in input order.

    >>> seen = FirstSeen()
    >>> seen.repeat_of("p1", "a.html"), seen.repeat_of("p2", "b.html"), seen.repeat_of("p1", "c.html")
    (None, None, 'a.html')
    """

    def __init__(self) -> None:
        self.first: dict[str, str] = {}

    def repeat_of(self, page_id: str, path: str) -> str | None:
        """The path of the first page with this page_id, or None (and ``path`` is now the first)."""
        first = self.first.get(page_id)
        if first is None:
            self.first[page_id] = path
        return first


def reduce_partition(task: Partition) -> list[tuple[int, str, str, str]]:
    """Repeats in one partition: (shard position, page_id, path, path of the first occurrence)."""
    seen = FirstSeen()
    repeats: list[tuple[int, str, str, str]] = []
    for position, work in enumerate(task.work_dirs):
        keys = Path(work) / f"keys-p{task.part:02d}.jsonl"
        if not keys.exists():  # the shard kept no page in this partition
            continue
        with keys.open(encoding="utf-8") as fh:
            for line in fh:
                page_id, path = json.loads(line)
                first = seen.repeat_of(page_id, path)
                if first is not None:
                    repeats.append((position, page_id, path, first))
    return repeats


def partitions(work_dirs: list[str]) -> list[Partition]:
    return [Partition(part, tuple(work_dirs)) for part in range(PARTITIONS)]


def repeat_reason(page_id: str, first_path: str) -> str:
    """The quarantine reason of a repeat (the in-shard step uses it too: one wording)."""
    return f"same page twice: identical bytes to {first_path} (page_id {page_id})"
