"""The ``pagegold bench`` group and what its subcommands share (task lookup, JSON output)."""

from __future__ import annotations

import math

import click


def _task_names() -> list[str]:
    from benchmarks.tasks import TASKS

    return TASKS.names()


class TaskChoice(click.Choice):
    """``--task``: the registered task names, read from the registry when first needed (so a task
    registered by a plugin is listed in --help and accepted without editing the CLI)."""

    def __init__(self) -> None:
        super().__init__([], case_sensitive=True)

    @property
    def choices(self) -> list[str]:  # type: ignore[override]
        return _task_names()

    @choices.setter
    def choices(self, value: object) -> None:  # click.Choice.__init__ assigns it
        pass


def _get_task(name: str):
    from benchmarks.tasks import get_task

    try:
        return get_task(name)
    except KeyError as exc:
        raise click.BadParameter(str(exc.args[0]), param_hint="--task") from None


def _json_safe(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


@click.group()
def bench() -> None:
    """Benchmark boilerplate-removal and entity-extraction systems against the gold."""
