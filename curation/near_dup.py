"""Exact-text and near-duplicate clusters over Parquet page files, as map → bucket → reduce.

One path, used by ``pagegold release`` (its pages written in groups, one map task each, on the
release's engine: ``clusters_of_rows``) and by scale-out (``engine``: a process pool or Ray, one
map task per group of files):

- map (one task per group of page files): each page → a MinHash signature (rensa, 128
  permutations, fixed seed) over its word 5-gram shingles (lowercased ``\\w+`` tokens), saved to
  ``sigs-NNNNN.npz``; its bucket keys (one per LSH band of BANDS × ROWS values, plus its exact
  text_sha256) written to ``keys-NNNNN-pPP.jsonl`` by a hash of the key — no engine-level shuffle;
- reduce (one task per partition PP): a bucket with two or more pages yields its pairs
  (exact-text buckets: duplicates outright; LSH bands: candidates);
- finish (driver): candidates are checked against their signatures (only those pages' are
  loaded): a near-duplicate has an estimated Jaccard similarity of at least THRESHOLD; clusters
  are the connected components (union-find).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import tempfile
import zlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from curation.engines import Engine, LocalEngine

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


PARTITIONS = 16


@dataclass(frozen=True)
class MapTask:
    index: int
    files: tuple[str, ...]
    work: str


@dataclass(frozen=True)
class ReduceTask:
    part: int
    work: str
    maps: int


def _part(key: str) -> int:
    return zlib.crc32(key.encode()) % PARTITIONS


def map_pages(task: MapTask) -> int:
    """Signatures and bucket keys of one group of page files; returns the pages seen."""
    work = Path(task.work)
    ids: list[str] = []
    sigs: list[np.ndarray] = []
    parts: dict[int, list[list[str]]] = defaultdict(list)
    for f in task.files:
        table = pq.read_table(f, columns=["page_id", "text", "text_sha256"])
        for page_id, text, sha in zip(*(table.column(c).to_pylist() for c in ("page_id", "text", "text_sha256"))):
            sig = signature(text)
            ids.append(page_id)
            sigs.append(sig)
            for key in bucket_keys(sig, sha):
                parts[_part(key)].append([key, page_id])
    matrix = np.stack(sigs) if sigs else np.zeros((0, NUM_PERM), dtype=np.uint64)
    np.savez(work / f"sigs-{task.index:05d}.npz", ids=np.asarray(ids, dtype=object).astype(str), sigs=matrix)
    for part, rows in parts.items():
        (work / f"keys-{task.index:05d}-p{part:02d}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return len(ids)


def reduce_partition(task: ReduceTask) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(exact pairs, candidate pairs) from the buckets in one partition."""
    buckets: dict[str, list[str]] = defaultdict(list)
    for index in range(task.maps):
        path = Path(task.work) / f"keys-{index:05d}-p{task.part:02d}.jsonl"
        if path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                key, page_id = json.loads(line)
                buckets[key].append(page_id)
    exact: set[tuple[str, str]] = set()
    candidates: set[tuple[str, str]] = set()
    for key, members in buckets.items():
        unique = sorted(set(members))
        pairs = {(a, b) for i, a in enumerate(unique) for b in unique[i + 1 :]}
        (exact if key.startswith("x:") else candidates).update(pairs)
    return sorted(exact), sorted(candidates - exact)


def clusters(page_files: Sequence[Sequence[str | Path]], work: Path | None = None, engine: Engine | None = None) -> dict[str, str]:
    """page_id → representative (smallest page_id of its cluster) for pages with duplicates.

    ``page_files`` are groups of Parquet files with page_id/text/text_sha256 (one map task per
    group, e.g. one per ingest shard); ``work`` is scratch space every task can reach (default: a
    temporary folder, removed after); ``engine`` runs the tasks (default: in this process).
    """
    if work is None:
        with tempfile.TemporaryDirectory(prefix="pagegold-near-dup-") as tmp:
            return clusters(page_files, Path(tmp), engine)
    engine = engine or LocalEngine()
    work = Path(work)
    work.mkdir(parents=True, exist_ok=True)
    maps = [MapTask(i, tuple(map(str, files)), str(work)) for i, files in enumerate(page_files)]
    engine.map(map_pages, maps)
    reduced = engine.map(reduce_partition, [ReduceTask(p, str(work), len(maps)) for p in range(PARTITIONS)])
    exact = {pair for e, _ in reduced for pair in e}
    candidates = {pair for _, c in reduced for pair in c} - exact
    wanted = {p for pair in candidates for p in pair}
    sigs: dict[str, np.ndarray] = {}
    for task in maps:  # only the signatures of candidate pages come back to the driver
        with np.load(work / f"sigs-{task.index:05d}.npz") as data:
            for page_id, sig in zip(data["ids"], data["sigs"]):
                if str(page_id) in wanted:
                    sigs[str(page_id)] = sig
    pairs = exact | {(a, b) for a, b in candidates if float(np.mean(sigs[a] == sigs[b])) >= THRESHOLD}
    return representatives(sorted(pairs))


#: Pages per map task when ``clusters_of_rows`` writes the pages it is given.
PAGES_PER_TASK = 256


def clusters_of_rows(pages: Iterable[tuple[str, str, str]], work: Path | None = None, engine: Engine | None = None,
                     pages_per_task: int = PAGES_PER_TASK) -> dict[str, str]:
    """``clusters`` of pages given as (page_id, text, text_sha256) rows (a release's pages once
    gathered from its parent and new sources): written to Parquet files of ``pages_per_task`` rows
    in ``work``, one map task each, then the same map → bucket → reduce. The result does not depend
    on ``pages_per_task`` or the engine."""
    if work is None:
        with tempfile.TemporaryDirectory(prefix="pagegold-near-dup-") as tmp:
            return clusters_of_rows(pages, Path(tmp), engine, pages_per_task)
    if pages_per_task < 1:
        raise ValueError("pages_per_task must be at least 1")
    import pyarrow as pa

    work = Path(work)
    work.mkdir(parents=True, exist_ok=True)
    names = ("page_id", "text", "text_sha256")
    arrow = pa.schema([(k, pa.string()) for k in names])
    groups: list[list[Path]] = []
    rows = iter(pages)
    while chunk := list(itertools.islice(rows, pages_per_task)):
        path = work / f"pages-{len(groups):05d}.parquet"
        pq.write_table(pa.table({k: [r[j] for r in chunk] for j, k in enumerate(names)}, schema=arrow), path)
        groups.append([path])
    return clusters(groups, work / "map", engine)
