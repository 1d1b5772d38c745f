"""Step: turn a source's own gold into a ``boilerplate_gold`` row aligned onto the page's blocks."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from curation.align import align_main_blocks
from curation.normalise.blocks import clean_block
from curation.pipeline import Context, Record


def align_gold(records: Iterable[Record], ctx: Context) -> Iterator[Record]:
    for record in records:
        gold = record.pop("gold", None)
        if gold is not None:
            main_text = gold["main_text"]  # None: the source's gold is snippets only
            main_blocks, recall, precision = ([], None, None) if main_text is None else align_main_blocks(record["text"], record["blocks"], main_text)
            record["gold_row"] = {
                "page_id": record["page_id"],
                "text_sha256": record["text_sha256"],
                "main_text": main_text,
                "main_blocks": main_blocks,
                "main_spans": None,
                "alignment_recall": recall,
                "alignment_precision": precision,
                # Snippets are compared after the same whitespace folding as the page text.
                "with_snippets": [clean_block(s) for s in gold.get("with_snippets", [])] or None,
                "without_snippets": [clean_block(s) for s in gold.get("without_snippets", [])] or None,
                "origin": gold["origin"],
                "split": record["split"],
            }
            ctx.counts["gold"] += 1
        yield record
