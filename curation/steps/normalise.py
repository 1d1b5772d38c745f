"""Step: raw record → page record (text, blocks, encoding, title, …)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from curation.normalise import NORMALISER_VERSION, PageError, normalise, page_id_of
from curation.pipeline import Context, Record


def normalise_pages(records: Iterable[Record], ctx: Context) -> Iterator[Record]:
    for record in records:
        try:
            page = normalise(record["raw"], record["raw_format"], record.get("http_charset"))
        except PageError as exc:
            ctx.reject(record["path"], str(exc))
            continue
        except RecursionError:
            ctx.reject(record["path"], "document nesting too deep to parse")
            continue
        for note in page.notes:
            ctx.note(record["path"], note)
        record.update(
            page_id=page_id_of(record["raw"]),
            text=page.text,
            blocks=page.blocks,
            text_sha256=page.text_sha256,
            encoding=page.encoding,
            encoding_source=page.encoding_source,
            title=page.title,
            published=page.published,
            section=page.section,
            normaliser_version=NORMALISER_VERSION,
            split="unassigned",
            duplicate_of=None,
            html=page.html,
        )
        ctx.counts["normalised"] += 1
        yield record
