"""Step: the same page twice (identical raw bytes, hence the same page_id) is kept once.

The rule and its wording are ``curation.exact_repeats``' (``FirstSeen``, ``repeat_reason``): this
step applies them inside one shard; the cross-shard reduce applies them across shards.
Near-duplicates (different bytes, similar text) are a global question answered at release time
(curation.near_dup), since they need every page at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from curation.exact_repeats import FirstSeen, repeat_reason
from curation.pipeline import Context, PageRecord


def drop_exact_repeats(records: Iterable[PageRecord], ctx: Context) -> Iterator[PageRecord]:
    seen = FirstSeen()
    for record in records:
        first = seen.repeat_of(record["page_id"], record["path"])
        if first is not None:
            ctx.reject(record["path"], repeat_reason(record["page_id"], first))
            continue
        yield record
