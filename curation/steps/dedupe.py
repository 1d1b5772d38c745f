"""Step: the same page twice (identical raw bytes, hence the same page_id) is kept once.

Near-duplicates (different bytes, similar text) are a global question answered at release time
(curation.near_dup), since they need every page at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from curation.pipeline import Context, Record


def drop_exact_repeats(records: Iterable[Record], ctx: Context) -> Iterator[Record]:
    first_path: dict[str, str] = {}
    for record in records:
        seen = first_path.get(record["page_id"])
        if seen is not None:
            ctx.reject(record["path"], f"same page twice: identical bytes to {seen} (page_id {record['page_id']})")
            continue
        first_path[record["page_id"]] = record["path"]
        yield record
