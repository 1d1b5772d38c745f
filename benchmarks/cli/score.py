"""``pagegold bench score``: score prediction files against a gold file (bring your own predictions)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from benchmarks import stats as _stats
from benchmarks.cli.group import TaskChoice, _get_task, _json_safe, bench


@bench.command("score")
@click.option("--task", "task_name", type=TaskChoice(), default="boilerplate", show_default=True, help="Task whose metrics to compute.")
@click.option("--metric", default="all", show_default=True,
              help="A metric family the task scores from files (`pagegold bench metrics` lists them), or all.")
@click.option("--gold", "gold_path", required=True, type=click.Path(path_type=Path),
              help="Gold: AEB ground-truth.json, a WCXB ground-truth folder, JSONL {page_id, text}, or a corpus "
                   "folder in a layout --format auto recognises (docs/corpora.md), keyed by its own ids.")
@click.option("--pred", "pred_paths", required=True, multiple=True, type=click.Path(path_type=Path),
              help="Predictions: AEB output JSON (either shape), WCXB results JSON, JSONL {page_id|id|source_id, text}, "
                   "a `bench run` folder or its predictions.parquet (every system, or RUN#SYSTEM for one). Ids may be "
                   "page_ids or the corpus's own ids. Repeat it to score several files against one gold.")
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
    Example (a run on a corpus, scored against the corpus's own gold file):
      pagegold bench score --gold aeb/ground-truth.json --pred runs/RUN_ID --metric aeb
    """
    from benchmarks.io import InputError, is_run, run_systems

    task = _get_task(task_name)
    expanded: list[Path] = []
    for pred in pred_paths:  # a run with several systems: one entry per system
        systems = run_systems(pred) if is_run(pred) else []
        expanded.extend([Path(f"{pred}#{s}") for s in systems] if len(systems) > 1 else [pred])
    pred_paths = tuple(expanded)
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


@bench.command("metrics")
@click.option("--task", "task_name", default=None, help="Only the families of this task (e.g. boilerplate, pipeline).")
def metrics_cmd(task_name: str | None) -> None:
    """List the registered metric families: task, result columns (primary first), the gold fields a
    page needs to be scored, and whether runs and `bench score` compute them.

    \b
    Example:
      pagegold bench metrics --task boilerplate
    """
    from benchmarks.metrics import METRICS

    families = [m for _, m in METRICS.items()] if task_name is None else _get_task(task_name).families()
    for m in families:
        where = ", ".join(w for w, on in (("runs", m.in_runs), ("files", m.from_files)) if on) or "opt-in"
        click.echo(f"{m.name:<12} {m.task:<12} {', '.join(m.columns):<60} gold: {', '.join(m.gold_fields) or '-':<28} {where}")
    for name, error in METRICS.failed.items():
        click.echo(f"{name:<12} failed to load: {error}", err=True)

