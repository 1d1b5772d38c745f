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

import contextlib
import gc
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
from curation.sources import formats

#: Bump when a step changes what a shard writes for the same input (invalidates `_done` markers).
PIPELINE_VERSION = "1"
#: Files (or corpus pages) per shard: big enough to amortise task start-up, small enough that a
#: killed run loses little work and that a few thousand pages keep every core busy.
FILES_PER_SHARD = 256
#: Partitions of the global exact-repeat step (map output buckets by page_id).
PARTITIONS = 16
WORK = "_shards"
DONE = "_done"


@dataclass(frozen=True)
class Shard:
    """One unit of work. ``items`` are file paths, or one corpus root with a ``[start, stop)`` slice."""

    index: int
    kind: str  # "files", "warc" or a corpus format's name (curation.sources.formats)
    fmt: str  # the --format asked for (html/text force the kind of every file)
    items: tuple[str, ...]
    source: str
    license: str
    page_type: str | None
    work_dir: str
    fingerprint: str
    start: int = 0
    stop: int | None = None
    ids: tuple[str, ...] = ()  # "files": each file's source_id (its path relative to the folder given)

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


def plan(
    paths: list[str], source: str, fmt: str, license: str | None, page_type: str | None, out: Path,
    files_per_shard: int = FILES_PER_SHARD,
) -> tuple[list[Shard], list[dict[str, str]]]:
    """The shards for an ingest, and the inputs rejected while planning (missing, given twice,
    refused, an id taken by another file; entries with a ``note`` instead of a ``reason`` are
    notes, e.g. files skipped by suffix).

    ``fmt`` is a registered corpus format (``curation.sources.formats``) or ``auto``: each folder
    whose layout a corpus format recognises is read as that corpus, everything else file by file
    by suffix. A path that is not the layout of the format named raises LayoutError.
    """
    if files_per_shard < 1:
        raise ValueError("files_per_shard must be at least 1")
    named = None if fmt == "auto" else formats.get(fmt)
    groups: list[tuple[str, tuple[str, ...], int, int | None, Any, tuple[str, ...], str]] = []
    rejects: list[dict[str, str]] = []
    ids: dict[str, str] = {}  # source_id → the file that has it
    chunk: list[tuple[str, str]] = []

    def flush(lic: str) -> None:
        if chunk:
            items = tuple(f for f, _ in chunk)
            stats = [_stat_key(Path(p)) for p in items]
            groups.append(("files", items, 0, None, stats, tuple(i for _, i in chunk), lic))
            chunk.clear()

    def add_files(given: list[str], lic: str) -> None:
        for item in sources.files.expand_with_roots(given, fmt):
            if isinstance(item, sources.Rejected):
                rejects.append({"path": item.path, "reason": item.reason})
            elif isinstance(item, (sources.Note, sources.files.Skipped)):  # a note, not a quarantine line
                rejects.append({"path": item.path, "note": getattr(item, "note", None) or getattr(item, "reason", "")})
            elif sources.files.kind_of(item[0], fmt) == "warc":
                flush(lic)
                groups.append(("warc", (str(item[0]),), 0, None, [_stat_key(item[0])], (), lic))
            else:
                file, root = item
                kind = sources.files.kind_of(file, fmt) or "html"
                suffixes = sources.files.TEXT_SUFFIXES if kind == "text" else sources.files.HTML_SUFFIXES
                own = sources.files.display(formats.source_id_of(root, file, suffixes))  # escaped like paths
                if own in ids:
                    rejects.append({"path": sources.files.display(file), "reason": f"source_id {own!r} is already that of {ids[own]} "
                                                                  "(two files differ only in suffix): rename one"})
                    continue
                ids[own] = str(file)
                chunk.append((str(file), own))
                if len(chunk) >= files_per_shard:
                    flush(lic)

    pending: list[str] = []
    for given in paths:
        root = Path(given)
        corpus = named if named is not None else (formats.detect(root) if root.is_dir() else None)
        if corpus is None or corpus.per_file:
            if named is not None and named.name == "warc":  # read as given, one file per shard (WARC files are big)
                groups.append(("warc", (str(given),), 0, None, [_stat_key(root)], (), license or named.license))
            else:
                if named is not None and root.is_dir():
                    named.check(root)
                pending.append(given)
            continue
        add_files(pending, license or (named.license if named else "unknown"))
        pending = []
        flush(license or "unknown")
        corpus.check(root)
        count = corpus.count(root)
        # The whole corpus folder is fingerprinted: any change re-runs its shards (a stat is cheap).
        stats = [_stat_key(p) for p in sorted(root.rglob("*"))] if root.is_dir() else [_stat_key(root)]
        digest = _digest(stats)
        for start in range(0, count, files_per_shard):
            stop = min(start + files_per_shard, count)
            groups.append((corpus.name, (str(root),), start, stop, digest, (), license or corpus.license))
    lic = license or (named.license if named else "unknown")
    add_files(pending, lic)
    flush(lic)
    shards = []
    for index, (kind, items, start, stop, stats, own_ids, lic) in enumerate(groups):
        common = {"v": PIPELINE_VERSION, "n": NORMALISER_VERSION, "source": source, "fmt": fmt, "license": lic,
                  "page_type": page_type}
        fingerprint = _digest({**common, "kind": kind, "items": items, "start": start, "stop": stop, "stats": stats,
                               "ids": own_ids})
        work = Path(out) / WORK / f"s{index:05d}"
        shards.append(Shard(index, kind, fmt, items, source, lic, page_type, str(work), fingerprint, start, stop,
                            own_ids))
    return shards, rejects


def read_shard(shard: Shard) -> Iterator[Any]:
    """Raw records (or Rejected) of one shard, in the same order a whole-input read would give."""
    if shard.kind == "files":
        records = sources.read_files(shard.items, shard.source, shard.fmt, shard.license, ids=shard.ids or None)
    elif shard.kind == "warc":
        records = sources.read_warc(shard.items, shard.source, shard.license)
    else:
        reader = formats.get(shard.kind).read
        # Corpus readers have no random access: skip to the slice (re-reading earlier pages
        # costs a gunzip each, small beside normalising).
        records = islice(reader(Path(shard.items[0]), shard.source, shard.license), shard.start, shard.stop)
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


@contextlib.contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while a shard's pages run (reference counting still
    frees every page as usual), restored afterwards.

    Why: a page allocates thousands of container objects (block dicts, rows waiting for their row
    group), so the collector keeps running, and its full collections scan every long-lived object
    of the process (modules, the language and public-suffix models: ~100,000 objects) again and
    again, ~4% of ingest CPU. The steps make almost no cyclic garbage (a few hundred objects for
    the 181 AEB pages; tests/test_ingest_speed.py checks the bound), so nothing piles up meanwhile.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


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
    # The _done marker lists file names only: no checksums to compute.
    pages = ShardWriter("pages", work, f"pages-{shard.name}", version=INGEST_PAGES_SCHEMA, checksums=False)
    gold = ShardWriter("boilerplate_gold", work, f"boilerplate_gold-{shard.name}", checksums=False)
    keys: dict[int, list[list[str]]] = {}
    try:
        with cyclic_gc_paused():
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
