"""Record-level curation steps. Each is a generator function ``step(records, ctx)``."""

from curation.steps.align import align_gold
from curation.steps.dedupe import drop_exact_repeats
from curation.steps.metadata import add_metadata
from curation.steps.normalise import normalise_pages

INGEST_STEPS = [normalise_pages, drop_exact_repeats, add_metadata, align_gold]

__all__ = ["INGEST_STEPS", "align_gold", "add_metadata", "drop_exact_repeats", "normalise_pages"]
