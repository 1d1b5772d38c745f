"""Exact and near-duplicate detection across all pages, as map → bucket → reduce.

- map: each page → a MinHash signature (rensa, 128 permutations, fixed seed) over its word
  5-gram shingles (lowercased ``\\w+`` tokens), plus its text_sha256;
- bucket: the signature is cut into BANDS bands of ROWS values; pages sharing a band (or the
  same text_sha256) are candidates;
- reduce: a candidate pair is a near-duplicate when its estimated Jaccard similarity is at least
  THRESHOLD; clusters are the connected components (union-find).

Each phase is a pure function over plain data, so any engine can run the map per shard and the
reduce per bucket and get the same clusters.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable

import numpy as np

NUM_PERM = 128
BANDS, ROWS = 16, 8  # 16 × 8 = 128; the S-curve midpoint (1/16)^(1/8) ≈ 0.71
THRESHOLD = 0.8
SHINGLE = 5
SEED = 20240619
WORD = re.compile(r"\w+")


def signature(text: str) -> np.ndarray:
    """MinHash signature of ``text``'s word 5-gram shingles."""
    import rensa

    words = [w.lower() for w in WORD.findall(text)]
    shingles = [" ".join(words[i : i + SHINGLE]) for i in range(max(len(words) - SHINGLE + 1, 1))] if words else [""]
    minhash = rensa.RMinHash(num_perm=NUM_PERM, seed=SEED)
    minhash.update(shingles)
    return np.asarray(minhash.digest(), dtype=np.uint64)


def bucket_keys(sig: np.ndarray, text_sha256: str) -> list[str]:
    """The buckets a page falls into: one per LSH band, plus its exact text hash."""
    keys = [f"x:{text_sha256}"]
    for band in range(BANDS):
        chunk = sig[band * ROWS : (band + 1) * ROWS].tobytes()
        keys.append(f"b{band}:{hashlib.blake2b(chunk, digest_size=8).hexdigest()}")
    return keys


def similar_pairs(bucket: list[str], sigs: dict[str, np.ndarray], exact: bool) -> list[tuple[str, str]]:
    """Reduce one bucket: the pairs of its members that are duplicates."""
    members = sorted(set(bucket))
    pairs = []
    for i, a in enumerate(members):
        for b in members[i + 1 :]:
            if exact or float(np.mean(sigs[a] == sigs[b])) >= THRESHOLD:
                pairs.append((a, b))
    return pairs


def clusters(pages: Iterable[tuple[str, str, str]]) -> dict[str, str]:
    """Map page_id → representative (smallest page_id of its cluster) for pages with duplicates.

    ``pages`` yields (page_id, text, text_sha256).
    """
    sigs: dict[str, np.ndarray] = {}
    buckets: dict[str, list[str]] = defaultdict(list)
    for page_id, text, text_sha in pages:  # map
        sigs[page_id] = signature(text)
        for key in bucket_keys(sigs[page_id], text_sha):
            buckets[key].append(page_id)
    pairs = []
    for key in sorted(buckets):  # reduce
        members = buckets[key]
        if len(members) >= 2:
            pairs += similar_pairs(members, sigs, exact=key.startswith("x:"))
    return representatives(pairs)


def representatives(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Connected components of duplicate pairs (union-find): page_id → smallest page_id of its
    component, for every page in a pair. The same result whatever the order of the pairs."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.get(x, x) != x:
            parent[x] = parent.get(parent[x], parent[x])
            x = parent[x]
        return x

    for a, b in pairs:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    members = set(parent) | set(parent.values())
    return {page_id: find(page_id) for page_id in sorted(members)}
