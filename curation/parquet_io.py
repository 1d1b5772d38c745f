"""Writing tables as Parquet shards: streamed in row groups, atomically renamed into place.

Files are written as ``<name>.tmp-<pid>`` and renamed when complete, so a reader (or a crashed
run) never sees a half-written file under its final name.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from curation import schema

ROW_GROUP_ROWS = 64
#: Rotate to a new shard after this many raw bytes, keeping every file well under 50 MB on disk.
SHARD_BYTES = 96 * 1024 * 1024


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class ShardWriter:
    """Stream rows of one table into numbered Parquet shards ``<prefix>-00000.parquet`` …"""

    def __init__(self, table: str, folder: Path, prefix: str, shard_bytes: int = SHARD_BYTES,
                 version: str | None = None, checksums: bool = True):
        """``checksums=False``: no sha256 of each finished file (``None`` in ``close()``'s list), for
        callers that do not list it (ingest's shards; a release's manifest does)."""
        self.spec = schema.load(table, version)
        self.checksums = checksums
        self.folder = Path(folder)
        self.prefix = prefix
        self.shard_bytes = shard_bytes
        self.files: list[dict[str, Any]] = []
        self._pending: list[dict[str, Any]] = []
        self._writer: pq.ParquetWriter | None = None
        self._tmp: Path | None = None
        self._rows = 0
        self._bytes = 0

    def write(self, row: dict[str, Any]) -> None:
        self._pending.append(row)
        self._bytes += len(row.get("raw") or b"") + len(row.get("text") or "")
        if len(self._pending) >= ROW_GROUP_ROWS:
            self._flush_group()
        if self._bytes >= self.shard_bytes:
            self._close_shard()

    def _flush_group(self) -> None:
        if not self._pending:
            return
        table = self.spec.table(self._pending)
        if self._writer is None:
            self.folder.mkdir(parents=True, exist_ok=True)
            final = self.folder / f"{self.prefix}-{len(self.files):05d}.parquet"
            self._tmp = final.with_name(final.name + f".tmp-{os.getpid()}")
            self._writer = pq.ParquetWriter(self._tmp, table.schema, compression="zstd", compression_level=6)
        self._writer.write_table(table, row_group_size=ROW_GROUP_ROWS)
        self._rows += len(self._pending)
        self._pending = []

    def _close_shard(self) -> None:
        self._flush_group()
        if self._writer is None:
            return
        self._writer.close()
        assert self._tmp is not None
        final = self._tmp.with_name(self._tmp.name.split(".tmp-")[0])
        os.replace(self._tmp, final)
        digest = sha256_file(final) if self.checksums else None  # reading a file back costs ~0.2 ms per page
        self.files.append({"file": final, "rows": self._rows, "sha256": digest, "bytes": final.stat().st_size})
        self._writer, self._tmp, self._rows, self._bytes = None, None, 0, 0

    def close(self) -> list[dict[str, Any]]:
        """Finish the last shard; returns [{file, rows, sha256, bytes}] for every shard written
        (sha256 None without ``checksums``)."""
        self._close_shard()
        return self.files

    def abort(self) -> None:
        if self._writer is not None:
            self._writer.close()
        if self._tmp is not None and self._tmp.exists():
            self._tmp.unlink()
