"""Where a sharded ``bench run`` gets its pages, and how its input slices are written.

A :class:`PageSource` streams a run's pages (a release, a corpus read in place, an ingest
folder) without holding their text; :func:`prepare_inputs` cuts them into slices of
``pages_per_shard`` written once to ``OUT/_shards/inputs/cNNNNN.parquet`` (raw bytes, gold, page
metadata) beside a ``cNNNNN.json`` marker with the slice's fingerprint, so a rerun reads and
writes only the slices that changed. ``benchmarks.sharded_run`` plans and runs the shards.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks import shards as S
from benchmarks.runner import _page_meta

INPUTS = "inputs"
INPUTS_PROCESS = "pagegold-inputs"  # the name of the process that prepares the inputs (perf/process_tree's role)


@dataclass
class PageSource:
    """Where a run's pages come from, as streams read by the driver.

    ``pages()``: page records without raw bytes, in the run's page order; ``keys()``: the same
    pages' ``{page_id, text_sha256}`` only, read without their text; ``gold_ids``: the pages that
    have gold (only they are benchmarked); ``gold()``: ``(page_id, gold record)`` pairs and
    ``raw_pages()``: ``{page_id, raw, raw_format, encoding}`` records, both in any order (joined
    by page_id, buffering what comes early: little when the orders agree).
    """

    label: str
    pages: Callable[[], Iterable[dict[str, Any]]]
    keys: Callable[[], Iterable[dict[str, Any]]]
    gold_ids: Collection[str]
    gold: Callable[[], Iterable[tuple[str, dict[str, Any]]]]
    raw_pages: Callable[[], Iterable[dict[str, Any]]]

    @classmethod
    def held(cls, label: str, pages: Callable[[], Iterable[dict[str, Any]]], gold: Mapping[str, dict[str, Any]],
             raw_pages: Callable[[], Iterable[dict[str, Any]]],
             keys: Callable[[], Iterable[dict[str, Any]]] | None = None) -> PageSource:
        """A source whose gold is a dict in memory (a release's, a corpus's)."""
        return cls(label, pages, keys or pages, gold.keys(), lambda: iter(gold.items()), raw_pages)


def release_source(task: Any, version: str | None = None, split: str | None = None, source: str | None = None,
                   root: Path | None = None) -> PageSource:
    """A release's pages with ``task`` gold, streamed one row group at a time (the gold is held:
    the page selection needs it). Raises ReleaseError / ValueError like ``runner.load_release``."""
    import functools

    from benchmarks.runner import PAGE_COLUMNS, RAW_COLUMNS
    from curation import dataset

    version = dataset.version_name(version) if version else dataset.latest_version(root)
    gold = task.load_gold(version, split, source, root)
    if not gold:
        raise ValueError(f"no pages with {task.name} gold in release {version} (split={split}, source={source})")
    pages = functools.partial(dataset.iter_pages, version, split, source, ids=list(gold), columns=PAGE_COLUMNS, root=root)
    raw = functools.partial(dataset.iter_pages, version, split, source, ids=list(gold), columns=RAW_COLUMNS, root=root)
    keys = functools.partial(dataset.iter_pages, version, split, source, ids=list(gold), columns=["page_id", "text_sha256"],
                             root=root)
    return PageSource.held(version, pages, gold, raw, keys)


class _Joiner:
    """Records of a stream in any order, fetched by page_id: a record wanted later is buffered, one
    not wanted at all is dropped, so memory stays small when the orders agree."""

    def __init__(self, stream: Callable[[], Iterable[Any]], needed: set[str],
                 key: Callable[[Any], str] = lambda record: record["page_id"]) -> None:
        self.make, self.it, self.needed, self.key = stream, None, needed, key
        self.buffer: dict[str, Any] = {}

    def take(self, ids: Sequence[str]) -> dict[str, Any]:
        wanted = set(ids)
        out = {i: self.buffer.pop(i) for i in list(wanted) if i in self.buffer}
        if self.it is None:
            self.it = iter(self.make())
        while len(out) < len(wanted):
            record = next(self.it, None)
            if record is None:
                break
            pid = self.key(record)
            if pid in wanted:
                out[pid] = record
            elif pid in self.needed:
                self.buffer[pid] = record
        self.needed.difference_update(out)
        return out


@dataclass(frozen=True)
class Slice:
    index: int
    path: str
    fingerprint: str
    n_pages: int


def prepare_inputs(source: PageSource, work: Path, pages_per_shard: int) -> tuple[list[Slice], list[dict[str, Any]]]:
    """Write the run's input slices (those not already written for the same pages and gold) and
    return them with every page's metadata in page order.

    Two passes: the page ids and text hashes (no text) cut the slices and give their
    fingerprints; then only the slices not yet written stream their pages, raw bytes joined
    ``RAW_BATCH`` pages at a time.
    """
    from curation.shards import atomic_write_text

    folder = work / INPUTS
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.tmp-*"):
        stale.unlink()
    keys = [(p["page_id"], p["text_sha256"]) for p in source.keys() if p["page_id"] in source.gold_ids]
    first = _Joiner(source.gold, {pid for pid, _ in keys}, key=lambda pair: pair[0])
    slices: list[Slice] = []
    metas: dict[int, list[dict[str, Any]]] = {}
    chunk_of: dict[str, int] = {}
    for k, start in enumerate(range(0, len(keys), pages_per_shard)):
        chunk = keys[start:start + pages_per_shard]
        golds = first.take([pid for pid, _ in chunk])  # a slice's gold at a time, never all of it
        fingerprint = S.digest({"v": S.HARNESS_VERSION, "label": source.label, "pages": [
            [pid, sha, S.digest(golds[pid][1])] for pid, sha in chunk]})
        path, marker = folder / f"c{k:05d}.parquet", folder / f"c{k:05d}.json"
        try:
            known = json.loads(marker.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            known = {}
        if known.get("fingerprint") == fingerprint and path.exists():
            metas[k] = known["meta"]
        else:
            chunk_of.update((pid, k) for pid, _ in chunk)
        slices.append(Slice(k, str(path.resolve()), fingerprint, len(chunk)))
    if chunk_of:
        raw = _Joiner(source.raw_pages, set(chunk_of))
        gold = _Joiner(source.gold, set(chunk_of), key=lambda pair: pair[0])
        writer: S.InputWriter | None = None
        current, part = -1, []

        def flush_part() -> None:
            records = raw.take([p["page_id"] for p in part])
            full = [page | records.get(page["page_id"], {}) for page in part]
            found = gold.take([p["page_id"] for p in part])
            golds = [found[page["page_id"]][1] for page in part]
            part_metas = [_page_meta(page, gold) for page, gold in zip(full, golds)]
            writer.write(full, golds, part_metas)
            metas.setdefault(current, []).extend(part_metas)
            part.clear()

        def close_chunk() -> None:
            writer.close()
            marker = folder / f"c{current:05d}.json"
            atomic_write_text(marker, json.dumps({"fingerprint": slices[current].fingerprint, "meta": metas[current]}) + "\n")

        for page in source.pages():
            k = chunk_of.get(page["page_id"])
            if k is None:
                continue  # no gold, or its slice is already written
            if k != current:
                if writer is not None:
                    flush_part() if part else None
                    close_chunk()
                current, writer = k, S.InputWriter(Path(slices[k].path))
            part.append(page)
            if len(part) == S.RAW_BATCH:
                flush_part()
        if writer is not None:
            flush_part() if part else None
            close_chunk()
    return slices, [m for k in range(len(slices)) for m in metas[k]]


def prepare_inputs_apart(source: PageSource, work: Path, pages_per_shard: int) -> tuple[list[Slice], list[dict[str, Any]]]:
    """``prepare_inputs`` in a forked child process: reading and parsing large pages (Arrow
    buffers, lxml/lexbor trees, Python copies of 5 MB of HTML) leaves the driver's heap fragmented
    for the rest of the run; a child gives all of it back when it exits. Only the slices and the
    pages' metadata come back. Falls back to running here where ``fork`` is unavailable."""
    import multiprocessing as mp
    import pickle

    try:
        ctx = mp.get_context("fork")
    except ValueError:  # pragma: no cover - not POSIX
        return prepare_inputs(source, work, pages_per_shard)
    receive, send = ctx.Pipe(duplex=False)

    def child() -> None:
        from benchmarks.pool import _set_process_name

        _set_process_name(INPUTS_PROCESS)
        try:
            reply: tuple[str, Any] = ("ok", prepare_inputs(source, work, pages_per_shard))
        except BaseException as exc:  # handed to the parent, which raises it
            reply = ("error", exc)
        try:
            send.send(reply)
        except (pickle.PicklingError, TypeError, AttributeError):
            send.send(("error", RuntimeError(f"preparing the inputs failed: {reply[1]!r}")))

    proc = ctx.Process(target=child, daemon=True)
    proc.start()
    send.close()
    try:
        status, value = receive.recv()
    except EOFError:
        proc.join()
        raise RuntimeError(f"the process preparing the inputs died (exit code {proc.exitcode})") from None
    finally:
        receive.close()
    proc.join()
    if status == "error":
        raise value
    return value


def ingest_folder_source(folder: str | Path, split: str | None = None) -> PageSource:
    """An ``ingest`` output folder (``bench run --pages``) streamed a few pages at a time, its gold
    too (only the ids of the pages with gold are held). Raises ``corpus.CorpusError`` for a folder
    that is not ingest output."""
    import pyarrow.parquet as pq

    from benchmarks import corpus

    folder = Path(folder)
    page_files = sorted(folder.glob("pages-*.parquet"))
    if not page_files:
        raise corpus.CorpusError(f"{folder}: not an ingest output folder: expected pages-*.parquet files; found "
                                 f"{corpus.formats.describe(folder)}")
    if split not in (None, corpus.ALL):
        raise corpus.CorpusError(f"{folder}: ingest output has no splits yet (all pages are 'unassigned'); use --split all")
    gold_files = sorted(folder.glob("boilerplate_gold-*.parquet"))
    gold_ids = {pid for f in gold_files for pid in pq.read_table(f, columns=["page_id"]).column("page_id").to_pylist()}
    if not gold_ids:
        raise corpus.CorpusError(f"{folder}: no boilerplate_gold-*.parquet rows (the source shipped no gold)")

    def gold() -> Iterator[tuple[str, dict[str, Any]]]:
        seen = set()
        for f in gold_files:  # as load_pages: the first row of a page wins
            for batch in pq.ParquetFile(f).iter_batches(batch_size=256):
                for row in batch.to_pylist():
                    if row["page_id"] not in seen:
                        seen.add(row["page_id"])
                        yield row["page_id"], row | {"has_main_text": row.get("main_text") is not None}

    def rows(columns: list[str]) -> Iterator[dict[str, Any]]:
        size = S.RAW_BATCH if "raw" in columns else 32  # small batches: the raw bytes of a few pages at a time
        for f in page_files:
            for batch in pq.ParquetFile(f).iter_batches(batch_size=size, columns=columns):
                yield from batch.to_pylist()

    def pages() -> Iterator[dict[str, Any]]:
        for row in rows([c for c in corpus.KEEP if c != "split"]):
            if row["page_id"] in gold_ids:
                yield row | {"split": corpus.ALL}

    return PageSource(f"pages:{folder.resolve()}", pages, lambda: rows(["page_id", "text_sha256"]), gold_ids, gold,
                      lambda: rows(["page_id", "raw", "raw_format", "encoding"]))


def corpus_source(loaded: Any) -> PageSource:
    """A corpus read in place (``benchmarks.corpus.Corpus``) as a page source."""
    return PageSource.held(loaded.label, lambda: loaded.pages, loaded.gold, loaded.raw_pages)
