"""WARC files: one raw record per HTTP response with an HTML body (warcio)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from curation.normalise.encoding import http_charset
from curation.sources.rejected import Rejected
from curation.sources.safe_io import MAX_DECOMPRESSED, MAX_FILE_BYTES, InputRefused, decode_content, display, refusal


def read_warc(paths: Iterable[str | Path], source: str, license: str = "unknown") -> Iterator[dict | Rejected]:
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    for path in paths:
        path = Path(path)
        if (why := refusal(path)) is not None:
            yield Rejected(display(path), why)
            continue
        try:
            stream = path.open("rb")
        except OSError as exc:
            yield Rejected(display(path), f"cannot read: {exc}")
            continue
        with stream:
            records = ArchiveIterator(stream)
            number = 0
            while True:
                try:
                    record = next(records)
                except StopIteration:
                    break
                except (ArchiveLoadFailed, ValueError, OSError, EOFError, AttributeError) as exc:
                    # AttributeError: warcio 1.7 trips over a record header without a target URI.
                    # warcio cannot resynchronise after a broken record: keep what came before.
                    detail = "malformed record header" if isinstance(exc, AttributeError) else str(exc)
                    reason = f"broken WARC record: {detail}; later records of this file are not read"
                    yield Rejected(f"{display(path)}#record{number + 1}", reason)
                    break
                number += 1
                if record.rec_type != "response" or record.http_headers is None:
                    continue
                content_type = record.http_headers.get_header("Content-Type") or ""
                if "html" not in content_type.lower() and content_type:
                    continue
                where = f"{display(path)}#record{number}"
                try:
                    raw = _payload(record)
                except InputRefused as exc:
                    yield Rejected(where, str(exc))
                    continue
                except Exception as exc:  # warcio raises many kinds on damaged payloads
                    yield Rejected(where, f"broken WARC record payload: {exc}")
                    continue
                url = record.rec_headers.get_header("WARC-Target-URI")
                yield {
                    "path": where,
                    "source": source,
                    "source_id": record.rec_headers.get_header("WARC-Record-ID") or where,
                    "url": url,
                    "raw": raw,
                    "raw_format": "html",
                    "http_charset": http_charset(content_type),
                    "license": license,
                    "page_type": None,
                }


def _payload(record) -> bytes:
    """The HTTP body of a response record: read under a byte limit, checked for truncation, then
    its Content-Encoding undone under the decompression limit (never warcio's unbounded read)."""
    from warcio.bufferedreaders import ChunkedDataReader

    stream = record.raw_stream
    if (record.http_headers.get_header("Transfer-Encoding") or "").lower() == "chunked":
        stream = ChunkedDataReader(stream, decomp_type=None)
    body = stream.read(MAX_FILE_BYTES + 1)
    if len(body) > MAX_FILE_BYTES:
        raise InputRefused(f"WARC payload is larger than {MAX_FILE_BYTES // 2**20} MiB; not read further")
    if getattr(record.raw_stream, "limit", 0) > 0:  # the record's Content-Length promised more bytes
        raise InputRefused(f"truncated WARC record: {record.raw_stream.limit} bytes of the record are missing")
    return decode_content(body, record.http_headers.get_header("Content-Encoding"), MAX_DECOMPRESSED)
