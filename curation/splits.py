"""Deterministic train/dev/test splits, grouped so that nothing leaks across them.

Pages are grouped by connected components over two relations: same domain, and same
near-duplicate cluster. A whole group goes to one split. Pages already released keep their
split, and a group containing any of them joins that split; a new group is placed by hashing
its smallest page_id into [0, 1): below TEST_SHARE → test, below TEST_SHARE + DEV_SHARE → dev,
else train. Hashing (rather than filling quotas) keeps a page's split stable whatever else is
added later.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict

TEST_SHARE = 0.25
DEV_SHARE = 0.10


def _unit(key: str) -> float:
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big") / 2**64


def assign_splits(
    pages: list[tuple[str, str | None, str | None]],
    previous: dict[str, str] | None = None,
) -> dict[str, str]:
    """``pages``: (page_id, domain, duplicate_of). Returns page_id → split."""
    previous = previous or {}
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.get(x, x) != x:
            x = parent[x]
        return x

    def union(a: str, b: str) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    for page_id, domain, duplicate_of in pages:
        if domain:
            union(page_id, f"domain:{domain}")
        if duplicate_of:
            union(page_id, duplicate_of)
    groups: dict[str, list[str]] = defaultdict(list)
    for page_id, _, _ in pages:
        groups[find(page_id)].append(page_id)

    splits: dict[str, str] = {}
    for members in groups.values():
        known = sorted({previous[p] for p in members if p in previous})
        if len(known) > 1:
            raise ValueError(f"pages {sorted(members)[:5]}… were released in different splits {known} but are now one group")
        if known:
            split = known[0]
        else:
            u = _unit(min(members))
            split = "test" if u < TEST_SHARE else "dev" if u < TEST_SHARE + DEV_SHARE else "train"
        for p in members:
            splits[p] = split
    return splits
