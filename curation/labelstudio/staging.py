"""The staging folder: where the Label Studio bridge leaves gold for the next release.

Layout (``$PAGEGOLD_STAGING_DIR``, else ``<data dir>/staging``, i.e. ``data/staging/``)::

    staging/
      annotations.parquet       every raw annotation pulled, append-only (schema: annotations).
                                Written by `pull`; one row per (project, annotation_id, updated_at),
                                so an annotation edited in Label Studio adds a new row, never an edit.
      entity_gold.parquet       adjudicated entities, one row per page (schema: entity_gold).
      boilerplate_gold.parquet  adjudicated MAIN zones, one row per page (schema: boilerplate_gold,
                                main_spans set, origin "labelstudio:adjudicated").
      conflicts.jsonl           every disagreement adjudication found, one JSON object a line.
      adjudication.json         the policy used, counts, the release read, when.

`adjudicate` rewrites the last four whole each run (they are derived from annotations.parquet);
the release step reads the three Parquet files and replaces the pages' rows it finds there. Every
file is written to a temporary name and renamed, so a crash leaves the previous file intact.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from curation import dataset, schema

ANNOTATIONS = "annotations.parquet"
ENTITY_GOLD = "entity_gold.parquet"
BOILERPLATE_GOLD = "boilerplate_gold.parquet"
CONFLICTS = "conflicts.jsonl"
REPORT = "adjudication.json"


def staging_dir(override: Path | None = None) -> Path:
    if override is not None:
        return Path(override)
    env = os.environ.get("PAGEGOLD_STAGING_DIR")
    return Path(env) if env else dataset.data_dir() / "staging"


def read(table: str, path: Path) -> pa.Table:
    """A staged table, or an empty one with its schema when the file does not exist yet."""
    spec = schema.load(table)
    if not path.is_file():
        return spec.arrow.empty_table()
    got = pq.read_table(path)
    spec.validate(got)
    return got


def write_table(table: pa.Table, path: Path) -> None:
    """Atomic Parquet write: temp file in the same folder, then rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    pq.write_table(table, tmp)
    os.replace(tmp, path)


def write_text(text: str, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def write_jsonl(rows: list[dict[str, Any]], path: Path) -> None:
    write_text("".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in rows), path)


#: Seconds a pull or adjudication waits for another one on the same staging folder.
LOCK_WAIT = 600.0


@contextlib.contextmanager
def lock(folder: Path, what: str, wait: float | None = None) -> Iterator[None]:
    """Hold ``<staging>/.lock`` (an OS lock, released when its process dies) while ``what``
    reads and rewrites staged files; waits up to ``wait`` seconds for another holder."""
    from curation.labelstudio.client import LabelStudioError

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / ".lock"
    deadline = time.monotonic() + (LOCK_WAIT if wait is None else wait)
    with path.open("a") as fh:
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    message = f"{what}: another pull or adjudication holds {path}; try again when it has finished"
                    raise LabelStudioError(message) from None
                time.sleep(0.1)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
