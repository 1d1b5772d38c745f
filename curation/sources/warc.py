"""WARC files: one raw record per HTTP response with an HTML body (warcio)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from curation.normalise.encoding import http_charset
from curation.sources import Rejected


def read_warc(paths: Iterable[str | Path], source: str, license: str = "unknown") -> Iterator[dict | Rejected]:
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    for path in paths:
        path = Path(path)
        try:
            stream = path.open("rb")
        except OSError as exc:
            yield Rejected(str(path), f"cannot read: {exc}")
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
                    yield Rejected(f"{path}#record{number + 1}", f"broken WARC record: {detail}; later records of this file are not read")
                    break
                number += 1
                if record.rec_type != "response" or record.http_headers is None:
                    continue
                content_type = record.http_headers.get_header("Content-Type") or ""
                if "html" not in content_type.lower() and content_type:
                    continue
                where = f"{path}#record{number}"
                try:
                    raw = record.content_stream().read()
                except Exception as exc:  # noqa: BLE001 - warcio raises many kinds on damaged payloads
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
