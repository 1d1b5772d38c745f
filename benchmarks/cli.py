"""``pagegold bench …``: run systems, score outputs, compare systems and write reports.

Every subcommand dispatches through the task registry (``benchmarks.tasks.TASKS``), so a new task
only registers itself there.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import click

from benchmarks import stats as _stats


def _task_names() -> list[str]:
    from benchmarks.tasks import TASKS

    return sorted(TASKS)


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


@bench.command("score")
@click.option("--task", "task_name", type=TaskChoice(), default="boilerplate", show_default=True, help="Task whose metrics to compute.")
@click.option("--metric", default="all", show_default=True,
              help="Metric family: aeb, bow, rouge-lsum, rouge-n, snippets (boilerplate) or all.")
@click.option("--gold", "gold_path", required=True, type=click.Path(path_type=Path),
              help="Gold: AEB ground-truth.json, a WCXB ground-truth folder, or JSONL {page_id, text}.")
@click.option("--pred", "pred_paths", required=True, multiple=True, type=click.Path(path_type=Path),
              help="Predictions: AEB output JSON (either shape) or JSONL {page_id, text}. Repeat it to "
                   "score several files against one gold (the gold is read and indexed once).")
@click.option("--jobs", default=1, show_default=True, type=click.IntRange(1),
              help="Processes for scoring several --pred files.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object of metric → value (null for undefined).")
@click.option("--resamples", default=_stats.DEFAULT_RESAMPLES, show_default=True, type=click.IntRange(0),
              help="Bootstrap resamples for the std and 95% interval (0 = none).")
@click.option("--seed", default=_stats.DEFAULT_SEED, show_default=True, type=int, help="Bootstrap seed.")
def score_cmd(task_name: str, metric: str, gold_path: Path, pred_paths: tuple[Path, ...], jobs: int, as_json: bool, resamples: int, seed: int) -> None:
    """Score a predictions file against a gold file (bring your own predictions).

    With one --pred, prints that file's metrics; with several, one entry per file, keyed by its
    path as given.

    \b
    Example (AEB):
      pagegold bench score --task boilerplate --metric aeb \\
        --gold aeb/ground-truth.json --pred aeb/output/trafilatura.json --json
    """
    from benchmarks.io import InputError

    task = _get_task(task_name)
    if metric != "all" and metric not in task.file_metrics:
        raise click.BadParameter(f"unknown metric {metric!r} for task {task_name} (choose from {', '.join(task.file_metrics)}, all)", param_hint="--metric")
    try:
        results = task.score_many(gold_path, list(pred_paths), metric, resamples=resamples, seed=seed, jobs=jobs)
    except (InputError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    if len(results) == 1:
        _print_result(next(iter(results.values())), as_json)
    elif as_json:
        click.echo(json.dumps({path: {k: _json_safe(v) for k, v in r.items()} for path, r in results.items()}))
    else:
        for path, result in results.items():
            click.echo(f"== {path}")
            _print_result(result, as_json=False)


def _print_result(result: dict, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps({k: _json_safe(v) for k, v in result.items()}))
        return
    width = max(len(k) for k in result)
    for key, value in result.items():
        click.echo(f"{key:<{width}}  {value:.4f}" if isinstance(value, float) else f"{key:<{width}}  {value}")


# run, report, compare and systems live in their own module; importing it adds them to `bench`
from benchmarks import cli_run as _cli_run  # noqa: E402,F401
