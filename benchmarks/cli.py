"""``pagegold bench …``: run systems, score outputs, compare systems and write reports."""

from __future__ import annotations

import click


@click.group()
def bench() -> None:
    """Benchmark boilerplate-removal and entity-extraction systems against the gold."""
