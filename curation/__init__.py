"""PageGold curation: ingest → normalise → dedupe → split → release, and the Label Studio bridge."""

__version__ = "0.1.0"
