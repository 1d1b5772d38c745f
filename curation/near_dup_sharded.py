"""Near-duplicate clusters over Parquet page files, driven by an engine (local or Ray).

The same map → bucket → reduce as ``near_dup.clusters`` (same signatures, bands, threshold), with
files in between instead of one process's memory, and no engine-level shuffle:

- map (one task per group of page files): MinHash signatures → ``sigs-NNNNN.npz``, and each
  page's bucket keys written to ``keys-NNNNN-pPP.jsonl`` by a hash of the key;
- reduce (one task per partition PP): group the keys of every map output's partition PP; a bucket
  with two or more pages yields its pairs (exact-text buckets: duplicates outright; LSH bands:
  candidates);
- finish (driver): candidates are checked against their signatures (only those pages' are
  loaded), then union-find. The result equals ``near_dup.clusters`` over the same pages.
"""

from __future__ import annotations

import json
import zlib
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from curation import near_dup
from curation.engines import Engine, LocalEngine

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
            sig = near_dup.signature(text)
            ids.append(page_id)
            sigs.append(sig)
            for key in near_dup.bucket_keys(sig, sha):
                parts[_part(key)].append([key, page_id])
    matrix = np.stack(sigs) if sigs else np.zeros((0, near_dup.NUM_PERM), dtype=np.uint64)
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


def clusters(page_files: list[list[str]], work: Path, engine: Engine | None = None) -> dict[str, str]:
    """page_id → representative for pages with duplicates, like ``near_dup.clusters``.

    ``page_files`` are groups of Parquet files with page_id/text/text_sha256 (one map task per
    group, e.g. one per ingest shard); ``work`` is scratch space every task can reach.
    """
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
    pairs = exact | {(a, b) for a, b in candidates if float(np.mean(sigs[a] == sigs[b])) >= near_dup.THRESHOLD}
    return near_dup.representatives(sorted(pairs))
