"""Curation commands: ingest, release, verify, export-hub, card statistics, annotate."""

from __future__ import annotations

import click


def register_commands(group: click.Group) -> None:
    """Attach the curation commands to the top-level ``pagegold`` group."""
