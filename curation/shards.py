"""Cutting ingest input into deterministic shards, and running one shard (shard in → shard out).

A shard is a small, picklable description of part of the input: a list of files (HTML, text
dumps, one WARC file per shard), or a slice ``[start, stop)`` of a corpus's page list (AEB,
WCXB, Mozilla). The plan depends only on the inputs and ``files_per_shard`` — never on the
engine or the number of workers — so every engine produces the same shards, the same files
and, after the merge, the same tables.

Running a shard writes into its own work folder ``OUT/_shards/sNNNNN/``:
    pages-sNNNNN-00000.parquet …          the shard's pages (final names: the merge links them)
    boilerplate_gold-sNNNNN-00000.parquet the shard's source gold
    quarantine.jsonl, notes.jsonl         the shard's rejects and notes
    keys-pNN.jsonl                        the map output of the global exact-repeat step:
                                          [page_id, path] per written page, partitioned by page_id
    _done                                 written last, atomically: counts, files, fingerprint
A shard whose ``_done`` carries the current fingerprint is finished and is never run again.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

from curation import pipeline, sources
from curation.normalise import NORMALISER_VERSION
from curation.parquet_io import ShardWriter

#: Bump when a step changes what a shard writes for the same input (invalidates `_done` markers).
PIPELINE_VERSION = "1"
#: Files (or corpus pages) per shard: big enough to amortise task start-up, small enough that a
#: killed run loses little work and that a few thousand pages keep every core busy.
FILES_PER_SHARD = 256
#: Partitions of the global exact-repeat step (map output buckets by page_id).
PARTITIONS = 16
LICENSES = {"aeb": "MIT", "wcxb": "CC-BY-4.0", "mozilla": "Apache-2.0"}
NATIVE = ("aeb", "wcxb", "mozilla")
WORK = "_shards"
DONE = "_done"


@dataclass(frozen=True)
class Shard:
    """One unit of work. ``items`` are file paths, or one corpus root with a ``[start, stop)`` slice."""

    index: int
    kind: str  # "files", "warc" or a native format
    fmt: str  # the --format asked for (html/text force the kind of every file)
    items: tuple[str, ...]
    source: str
    license: str
    page_type: str | None
    work_dir: str
    fingerprint: str
    start: int = 0
    stop: int | None = None

    @property
    def name(self) -> str:
        return f"s{self.index:05d}"


def partition_of(page_id: str) -> int:
    """Bucket of a page_id for the global exact-repeat step (stable across processes/machines)."""
    return zlib.crc32(page_id.encode()) % PARTITIONS


def _stat_key(path: Path) -> list[Any]:
    try:
        st = path.stat()
        return [str(path), st.st_size, st.st_mtime_ns]
    except OSError:
        return [str(path), None, None]


def _digest(payload: Any) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:32]


def _native_count(fmt: str, root: Path) -> int:
    """How many records the native reader yields for ``root`` (one per page, or one rejection)."""
    try:
        if fmt == "aeb":
            return max(len(json.loads((root / "ground-truth.json").read_text(encoding="utf-8"))), 1)
        if fmt == "wcxb":
            return len(list((root / "ground-truth").glob("*.json")))
        return max(sum(1 for p in root.iterdir() if (p / "source.html").is_file()), 1)
    except (OSError, ValueError):
        return 1  # the reader will yield one Rejected for the unreadable root


def plan(
    paths: list[str], source: str, fmt: str, license: str | None, page_type: str | None, out: Path,
    files_per_shard: int = FILES_PER_SHARD,
) -> tuple[list[Shard], list[dict[str, str]]]:
    """The shards for an ingest, and the inputs rejected while planning (missing, given twice,
    refused; entries with a ``note`` instead of a ``reason`` are notes, e.g. files skipped by suffix)."""
    if fmt not in sources.FORMATS:
        raise ValueError(f"unknown format {fmt!r} (expected one of {', '.join(sources.FORMATS)})")
    if files_per_shard < 1:
        raise ValueError("files_per_shard must be at least 1")
    license = license or LICENSES.get(fmt, "unknown")
    common = {"v": PIPELINE_VERSION, "n": NORMALISER_VERSION, "source": source, "fmt": fmt, "license": license, "page_type": page_type}
    groups: list[tuple[str, tuple[str, ...], int, int | None, Any]] = []
    rejects: list[dict[str, str]] = []
    if fmt in NATIVE:
        for root in map(Path, paths):
            count = _native_count(fmt, root)
            # The whole corpus folder is fingerprinted: any change re-runs its shards (a stat is cheap).
            stats = [_stat_key(p) for p in sorted(root.rglob("*"))] if root.is_dir() else [_stat_key(root)]
            corpus = _digest(stats)
            for start in range(0, count, files_per_shard):
                groups.append((fmt, (str(root),), start, min(start + files_per_shard, count), corpus))
    elif fmt == "warc":  # read as given, one file per shard (WARC files are big)
        for path in paths:
            groups.append(("warc", (str(path),), 0, None, [_stat_key(Path(path))]))
    else:
        chunk: list[str] = []

        def flush() -> None:
            if chunk:
                groups.append(("files", tuple(chunk), 0, None, [_stat_key(Path(p)) for p in chunk]))
                chunk.clear()

        for item in sources.files.expand(paths, fmt):
            if isinstance(item, sources.Rejected):
                rejects.append({"path": item.path, "reason": item.reason})
            elif isinstance(item, sources.files.Skipped):  # a note, not a quarantine line (see ingest._merge)
                rejects.append({"path": item.path, "note": item.note})
            elif sources.files.kind_of(item, fmt) == "warc":
                flush()
                groups.append(("warc", (str(item),), 0, None, [_stat_key(item)]))
            else:
                chunk.append(str(item))
                if len(chunk) >= files_per_shard:
                    flush()
        flush()
    shards = []
    for index, (kind, items, start, stop, stats) in enumerate(groups):
        fingerprint = _digest({**common, "kind": kind, "items": items, "start": start, "stop": stop, "stats": stats})
        work = Path(out) / WORK / f"s{index:05d}"
        shards.append(Shard(index, kind, fmt, items, source, license, page_type, str(work), fingerprint, start, stop))
    return shards, rejects


def read_shard(shard: Shard) -> Iterator[Any]:
    """Raw records (or Rejected) of one shard, in the same order a whole-input read would give."""
    if shard.kind == "files":
        records = sources.read_files(shard.items, shard.source, shard.fmt, shard.license)
    elif shard.kind == "warc":
        records = sources.read_warc(shard.items, shard.source, shard.license)
    else:
        reader = {"aeb": sources.read_aeb, "wcxb": sources.read_wcxb, "mozilla": sources.read_mozilla}[shard.kind]
        # The native readers have no random access: skip to the slice (re-reading earlier pages
        # costs a gunzip each, small beside normalising).
        records = islice(reader(shard.items[0], source=shard.source, license=shard.license), shard.start, shard.stop)
    for record in records:
        if shard.page_type is not None and not isinstance(record, sources.Rejected) and not record.get("page_type"):
            record = {**record, "page_type": shard.page_type}  # a default for sources that do not say
        yield record


def read_done(shard: Shard) -> dict[str, Any] | None:
    """The shard's `_done` marker when it is finished for the current inputs, else None."""
    try:
        done = json.loads((Path(shard.work_dir) / DONE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return done if done.get("fingerprint") == shard.fingerprint else None


#: Ingest output keeps each page's raw bytes beside its text: the schema-1.0 ``pages`` layout
#: (schemas/history/pages-1.0.yaml). A release splits it into ``pages`` and ``raw_pages``.
INGEST_PAGES_SCHEMA = "1.0"


def page_row(record: dict[str, Any]) -> dict[str, Any]:
    from curation import schema

    return {name: record.get(name) for name in schema.load("pages", INGEST_PAGES_SCHEMA).column_names}


def step_names(steps: Sequence[pipeline.Step]) -> list[str]:
    """How a `_done` marker records the steps a shard ran (a shard run with other steps is redone)."""
    return [f"{step.__module__}.{step.__qualname__}" for step in steps]


def run_shard(shard: Shard, steps: Sequence[pipeline.Step] | None = None) -> dict[str, Any]:
    """Run the ingest steps (default: ``curation.steps.INGEST_STEPS``) over one shard into its work
    folder; returns its `_done` record.

    Idempotent: whatever a dead attempt left in the folder is removed first, and `_done` is
    written last (temp file + rename), so a shard is either finished or absent.
    """
    from curation.steps import INGEST_STEPS

    steps = list(INGEST_STEPS if steps is None else steps)
    work = Path(shard.work_dir)
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    ctx = pipeline.Context()
    pages = ShardWriter("pages", work, f"pages-{shard.name}", version=INGEST_PAGES_SCHEMA)
    gold = ShardWriter("boilerplate_gold", work, f"boilerplate_gold-{shard.name}")
    keys: dict[int, list[list[str]]] = {}
    try:
        for record in pipeline.run(read_shard(shard), steps, ctx):
            gold_row = record.pop("gold_row", None)
            pages.write(page_row(record))
            if gold_row is not None:
                gold.write(gold_row)
            keys.setdefault(partition_of(record["page_id"]), []).append([record["page_id"], record["path"]])
            ctx.counts["written"] += 1
        page_files, gold_files = pages.close(), gold.close()
    except BaseException:
        pages.abort()
        gold.abort()
        raise
    write_jsonl(work / "quarantine.jsonl", ctx.quarantine)
    write_jsonl(work / "notes.jsonl", ctx.notes)
    for part, rows in keys.items():
        write_jsonl(work / f"keys-p{part:02d}.jsonl", rows)
    done = {
        "shard": shard.index,
        "fingerprint": shard.fingerprint,
        "pages": ctx.counts["written"],
        "gold": ctx.counts["gold"],
        "quarantined": len(ctx.quarantine),
        "notes": len(ctx.notes),
        "files": {"pages": [f["file"].name for f in page_files], "boilerplate_gold": [f["file"].name for f in gold_files]},
        "pid": os.getpid(),
        "steps": step_names(steps),
    }
    atomic_write_text(work / DONE, json.dumps(done, indent=1) + "\n")
    return done


def run_shard_with(task: tuple[Shard, Sequence[pipeline.Step]]) -> dict[str, Any]:
    """``run_shard(shard, steps)`` for engines that map a plain function over one argument (Ray
    takes no ``functools.partial``); the steps are module-level functions, so they pickle."""
    shard, steps = task
    return run_shard(shard, steps)


def write_jsonl(path: Path, rows: list) -> None:
    """One JSON object a line. Any string Python holds can be written: a lone surrogate (from an
    undecodable file name) becomes its ``\\udcNN`` JSON escape, which reads back as the same string."""
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    tmp = path.with_name(path.name + f".tmp-{os.getpid()}")
    tmp.write_bytes(text.encode("utf-8", "backslashreplace"))
    os.replace(tmp, path)


def read_jsonl(path: Path) -> list[dict]:
    """Rows written by ``write_jsonl``; lines end at ``\\n`` only (U+2028, U+2029 and ``\\x85`` are
    ordinary characters inside a JSON string, not line ends as ``str.splitlines`` would have it)."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]


def atomic_write_text(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + f".tmp-{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
