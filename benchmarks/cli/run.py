"""``pagegold bench run | report | compare | systems``."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import click

from benchmarks import stats as _stats
from benchmarks.cli.group import TaskChoice, _get_task, bench


def _format_choices() -> list[str]:
    from curation.sources.formats import choices

    return choices()


@bench.command("systems")
@click.option("--task", "task_name", type=TaskChoice(), default=None,
              help="Only systems of this task (pipeline: every EXTRACTOR+NER combination).")
def systems_cmd(task_name: str | None) -> None:
    """List every task's registered systems in a table: task, version, and whether it can run here.

    \b
    Example:
      pagegold bench systems                  # boilerplate and entity systems
      pagegold bench systems --task pipeline  # every EXTRACTOR+NER combination
    """
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from benchmarks.systems import REGISTRY, MissingDependency
    from benchmarks.tasks import TASKS

    console = Console(width=None if sys.stdout.isatty() else 140)
    grid = Table("system", "task", "version", "status", title="Registered systems")
    hidden = {}
    for task in sorted(TASKS.values(), key=lambda t: t.name):
        if task_name and task.name != task_name:
            continue
        if task_name is None and task.name == "pipeline":  # combinations of the two lists above
            hidden[task.name] = len(task.systems())
            continue
        for name in task.systems():
            system = REGISTRY[name]
            try:
                system.check_available()
                state = "ok"
            except MissingDependency as exc:
                state = f"[red]missing[/]: {escape(str(exc))}"
            grid.add_row(name, task.name, system.version, state)
    console.print(grid)
    for name, error in REGISTRY.failed.items():  # a plug-in (entry point) that did not import
        console.print(f"{name}: plug-in failed to load: {escape(error)}", style="red")
    for name, n in hidden.items():
        console.print(f"{name}: {n} EXTRACTOR+NER combinations (`pagegold bench systems --task {name}` lists them)")


@bench.command("extras")
@click.option("--task", "task_name", type=TaskChoice(), default="boilerplate", show_default=True,
              help="Task of --systems.")
@click.option("--systems", default="all", show_default=True,
              help="Comma-separated system names (EXTRACTOR+NER for pipeline), or all.")
@click.option("--missing/--all", "missing_only", default=True, show_default=True,
              help="Only extras of systems that cannot run yet, or every extra the systems declare.")
def extras_cmd(task_name: str, systems: str, missing_only: bool) -> None:
    """Print the pip extras (comma-separated) the chosen systems need; empty when nothing is missing.

    `make bench` uses it to install only what SYSTEMS needs (e.g. news-please only when chosen).

    \b
    Example:
      pagegold bench extras --systems trafilatura,news-please     # → newsplease (when not installed)
      pip install -e ".[$(pagegold bench extras --systems all)]"
    """
    from benchmarks.systems import REGISTRY, MissingDependency

    task = _get_task(task_name)
    names = task.systems() if systems == "all" else [s.strip() for s in systems.split(",") if s.strip()]
    parts = {part for name in names for part in [name, *name.split("+")] if part in REGISTRY}
    unknown = [n for n in names if n not in REGISTRY]
    if unknown:
        raise click.BadParameter(f"unknown {task.name} systems: {', '.join(unknown)} (see `pagegold bench systems`)",
                                 param_hint="--systems")
    extras = set()
    for name in parts:
        system = REGISTRY[name]
        if not getattr(system, "extra", None):
            continue
        if missing_only:
            try:
                system.check_available()
                continue
            except MissingDependency:
                pass
        extras.add(system.extra)
    click.echo(",".join(sorted(extras)))


#: Defaults of --recycle-mb and --heavy-page-mb: they keep a whole all-systems run on two workers
#: near 1 GB (docs/scale_out.md, "Memory"); a worker starts at ~100-250 MB with its libraries.
RECYCLE_MB = 300.0
HEAVY_PAGE_MB = 1.0


@bench.command("run")
@click.option("--task", "task_name", type=TaskChoice(), default="boilerplate", show_default=True, help="Task to run.")
@click.option("--systems", default="all", show_default=True, help="Comma-separated system names, or all.")
@click.option("--version", default=None, help="Release to benchmark on (default: latest).")
@click.option("--split", default=None, help="Only this split: train, dev or test of a release; with --corpus the corpus's "
              "own split names (e.g. WCXB's dev, test), or all.")
@click.option("--corpus", "corpus_path", default=None, type=click.Path(path_type=Path),
              help="Benchmark this corpus where it lies (any layout of docs/corpora.md) instead of a release: "
                   "nothing is written under data/, pages keep the corpus's ids and splits.")
@click.option("--format", "corpus_format", default="auto", show_default=True, type=click.Choice(_format_choices()),
              help="Layout of --corpus (auto: recognised from the folder).")
@click.option("--pages", "pages_dir", default=None, type=click.Path(path_type=Path),
              help="Benchmark an `ingest` output folder (pages-*.parquet + boilerplate_gold-*.parquet).")
@click.option("--source", default=None, help="Only pages of this source (e.g. aeb, wcxb-dev); with --corpus, the name "
              "its pages get (default: the folder's name).")
@click.option("--jobs", default=None, type=click.IntRange(1), help="Worker processes (default: all cores).")
@click.option("--timeout", default=60.0, show_default=True, help="Per-page timeout in seconds.")
@click.option("--memory-mb", default=4096, show_default=True, help="Address-space cap per worker (0 = none).")
@click.option("--recycle-mb", default=RECYCLE_MB, show_default=True, type=click.FloatRange(0),
              help="Replace a worker whose memory (its own and its Node process's) is over this many MB after a page, "
                   "so what a huge page made a library keep does not stay for the rest of the run (0 = never).")
@click.option("--heavy-page-mb", default=HEAVY_PAGE_MB, show_default=True, type=click.FloatRange(0),
              help="Pages with at least this many MB of HTML run one at a time: the other workers take lighter "
                   "pages meanwhile, so two workers never both hold a giant page (0 = no limit). Neither option "
                   "changes any result.")
@click.option("--out", "out_dir", default=None, type=click.Path(path_type=Path), help="Output folder (default: runs/<run_id>).")
@click.option("--cache", "cache_path", default=None, type=click.Path(path_type=Path),
              help="Output cache folder (default: $PAGEGOLD_CACHE or .cache/pagegold).")
@click.option("--no-cache", is_flag=True, help="Run every system on every page again.")
@click.option("--rouge", is_flag=True, help="Also compute ROUGE-LSum (slow on long pages).")
@click.option("--resamples", default=_stats.DEFAULT_RESAMPLES, show_default=True, help="Bootstrap resamples.")
@click.option("--engine", default="local", show_default=True, type=click.Choice(["local", "ray"]),
              help="Where shards run: this machine (one worker pool of --jobs processes), or one Ray task per shard "
                   "(pip install 'pagegold[ray]'). Same results either way.")
@click.option("--address", default=None, help="Ray cluster to join (auto, or ray://HOST:10001); default: a private local Ray.")
@click.option("--pages-per-shard", default=200, show_default=True, type=click.IntRange(1),
              help="Pages of one system per shard (the unit that is resumed and sent to a Ray task). Keep it the "
                   "same when resuming a run.")
@click.option("--run-id", default=None, help="Run id (default: the unfinished run's in --out, else a new one).")
def run_cmd(task_name, systems, version, split, corpus_path, corpus_format, pages_dir, source, jobs, timeout, memory_mb,
            recycle_mb, heavy_page_mb, out_dir, cache_path, no_cache, rouge, resamples, engine, address, pages_per_shard, run_id) -> None:
    """Run systems on a release (or a corpus in place) in isolated workers; write predictions, results, reports.

    A crash, hang or memory blow-up on one page is recorded for that page (scored as empty output)
    and listed in the report. The run is cut into shards (one system × --pages-per-shard pages)
    under OUT/_shards; rerun the same command with the same --out after a kill and only the
    unfinished shards run again. Outputs are also cached by (system, version, page_id,
    text_sha256) across runs. Predictions are written as shards finish, so memory stays flat.

    \b
    Examples:
      pagegold bench run --systems trafilatura,html-text --split test
      pagegold bench run --corpus ../shared/corpora/wcxb-dev --split dev --systems trafilatura
      pagegold bench run --corpus my.jsonl --format jsonl --systems file:outputs.jsonl,trafilatura
      pagegold bench run --pages /tmp/ingested --systems resiliparse
      pagegold bench run --systems trafilatura,resiliparse --out runs/big --engine ray   # one Ray task per shard
      pagegold bench run --systems all --out runs/big --engine ray --address auto      # a running Ray cluster

    \b
    Environment: PAGEGOLD_DATA_DIR (the data/ folder releases are read from), PAGEGOLD_CACHE
    (output cache folder), PAGEGOLD_L3S_CLASSES (l3s-gn1 gold classes, default 1,2,3), PAGEGOLD_NODE and
    PAGEGOLD_JS_TIMEOUT (the node binary and reply timeout of the JS extractors).
    """
    from benchmarks import report, runner
    from benchmarks.pool import cpu_count
    from benchmarks.systems import REGISTRY, split_available_apart
    from curation import dataset
    from curation.engines import EngineError

    if address is not None and engine != "ray":
        raise click.UsageError("--address only applies to --engine ray")
    if engine == "ray":  # before reading any page
        try:
            import ray  # noqa: F401
        except ImportError:
            from curation.engines import RAY_HINT

            raise click.ClickException(RAY_HINT) from None
    if run_id is not None and not re.fullmatch(r"[A-Za-z0-9._-]+", run_id):
        raise click.BadParameter(f"{run_id!r}: use letters, digits, '.', '_' and '-' only", param_hint="--run-id")
    for option, folder in (("--out", out_dir), ("--cache", cache_path)):
        if folder is not None:  # fail now, not after an hour of extraction
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise click.BadParameter(f"cannot create {folder}: {exc.strerror}", param_hint=option) from None
    task = _get_task(task_name)
    names = task.systems() if systems == "all" else [s.strip() for s in systems.split(",") if s.strip()]
    unknown = [n for n in names if n not in REGISTRY or REGISTRY[n].task != task.name]
    if unknown:
        raise click.BadParameter(f"unknown {task.name} systems: {', '.join(unknown)} (see `pagegold bench systems`)", param_hint="--systems")
    runnable, missing = split_available_apart(names)  # the driver never imports the systems' libraries
    for name, exc in missing.items():
        if systems != "all":  # a system asked for by name must run; "all" means all that can
            raise click.ClickException(str(exc))
        click.echo(f"skipping {name}: {exc}", err=True)
    from benchmarks import shard_inputs, sharded_run

    loaded = None
    if corpus_path is not None or pages_dir is not None:
        from benchmarks import corpus as _corpus

        if corpus_path is not None and pages_dir is not None:
            raise click.UsageError("give --corpus or --pages, not both")
        if version is not None:
            raise click.UsageError("--version selects a release; it does not apply to --corpus or --pages")
        if task.name != "boilerplate":
            raise click.UsageError(f"--corpus and --pages read main-text gold (task boilerplate), not {task.name} gold")
        try:
            if corpus_path is not None:
                loaded = _corpus.load_corpus(corpus_path, corpus_format, split, source)
                data = shard_inputs.corpus_source(loaded)
            else:
                data = shard_inputs.ingest_folder_source(pages_dir, split)
        except ValueError as exc:  # LayoutError, CorpusError
            raise click.ClickException(str(exc)) from None
        if loaded is not None:
            click.echo(f"{len(loaded.pages)} pages with gold from {data.label} (splits: "
                       + ", ".join(f"{k} {v}" for k, v in sorted(loaded.splits.items())) + f"; {loaded.without_gold} "
                       f"without gold; {len(loaded.quarantine)} quarantined)", err=True)
    else:
        if split is not None and split not in dataset.SPLITS:
            raise click.BadParameter(f"{split!r}: a release's splits are {', '.join(dataset.SPLITS)}", param_hint="--split")
        try:
            data = shard_inputs.release_source(task, version, split, source)
        except (dataset.ReleaseError, ValueError) as exc:
            raise click.ClickException(str(exc)) from None
    cache = None if no_cache else (cache_path or runner.cache_dir())
    metrics = None
    if rouge and "rouge-lsum" in task.metrics:
        metrics = (*task.run_metrics, "rouge-lsum")
    from benchmarks.progress import progress

    if out_dir is None:
        run_id = run_id or sharded_run.new_run_id()
        out_dir = Path("runs") / run_id
    label = f"{task.name}: {len(runnable)} systems × {len(data.gold_ids)} pages"
    try:
        with progress(label, unit="system-pages", every=max(50, len(data.gold_ids) // 20)) as update:
            result, summary = sharded_run.run_sharded(
                task, runnable, data, out_dir, engine=engine, jobs=jobs or cpu_count(), address=address,
                pages_per_shard=pages_per_shard, timeout=timeout, memory_mb=memory_mb or None, cache=cache,
                metrics=metrics, run_id=run_id, progress=update, recycle_mb=recycle_mb or None,
                heavy_bytes=int(heavy_page_mb * 2**20) or None)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    except EngineError as exc:
        raise click.ClickException(f"{exc} (finished shards are kept: rerun the same command to resume)") from None
    paths = {"predictions": out_dir / "predictions.parquet"}
    paths.update(runner.write_summary(result, task, out_dir, summary["median_seconds"], resamples=resamples,
                                      extra=summary["extra"]))
    if loaded is not None:
        paths.update(_corpus.write_rejects(loaded, out_dir))
    paths.update(report.write_reports(out_dir))  # ranked by the run's primary metric (run.json)
    shards = summary["extra"]["shards"]
    click.echo(f"{len(result.failures)} failed pages; shards: {shards['ran']} ran, {shards['skipped']} skipped "
               f"(of {shards['total']}); wrote " + ", ".join(str(p) for p in paths.values()))


@bench.command("report")
@click.argument("run_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", "out_dir", default=None, type=click.Path(path_type=Path), help="Where to write (default: RUN_DIR).")
@click.option("--metric", default=None,
              help="Leaderboard metric (default: the run's primary metric for its gold: aeb_f1, snippet_f1 for a "
                   "snippets-only gold, strict_f1 for entities).")
@click.option("--into", "into", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Also paste the leaderboard into this Markdown file, between <!-- leaderboard:NAME --> and "
                   "<!-- /leaderboard:NAME --> (NAME from --name). Repeatable.")  # fmt: skip
@click.option("--name", default=None, help="Section name for --into (default: the run's task).")
def report_cmd(run_dir: Path, out_dir: Path | None, metric: str | None, into: tuple[Path, ...], name: str | None) -> None:
    """Write leaderboard.md and a self-contained report.html from a run folder's results.parquet."""
    from benchmarks import report

    if not (run_dir / "results.parquet").exists():
        raise click.ClickException(f"{run_dir}: no results.parquet (is this a `bench run` output folder?)")
    paths = report.write_reports(run_dir, out_dir, metric)
    board = paths["markdown"].read_text(encoding="utf-8")
    click.echo(board)
    section = name or json.loads((run_dir / "run.json").read_text()).get("task", "boilerplate")
    for document in into:
        try:
            report.publish(board, document, section)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"leaderboard pasted into {document} (section {section})")
    click.echo("wrote " + ", ".join(str(p) for p in paths.values()))


@bench.command("compare")
@click.argument("system_a")
@click.argument("system_b")
@click.option("--run", "run_dir", required=True, type=click.Path(exists=True, file_okay=False, path_type=Path), help="A `bench run` output folder.")
@click.option("--task", "task_name", type=TaskChoice(), default=None, help="Task of the run (default: read from RUN/run.json).")
@click.option("--metric", default=None, help="Metric to compare (default: the task's ranking metric, e.g. aeb_f1, strict_f1).")
@click.option("--resamples", default=_stats.DEFAULT_RESAMPLES, show_default=True, type=click.IntRange(1),
              help="Paired bootstrap resamples and permutations.")
@click.option("--seed", default=_stats.DEFAULT_SEED, show_default=True, type=int, help="Random seed.")
@click.option("--json", "as_json", is_flag=True,
              help="Print one JSON object: metric, a, b, value_a, value_b, diff, ci_low, ci_high, p_bootstrap, "
                   "p_permutation, n_pages.")
def compare_cmd(system_a, system_b, run_dir, task_name, metric, resamples, seed, as_json) -> None:
    """Paired comparison of two systems on the same pages: difference, paired bootstrap 95% CI,
    paired-bootstrap and permutation p-values."""
    import pandas as pd

    run_json = run_dir / "run.json"
    task_name = task_name or (json.loads(run_json.read_text())["task"] if run_json.exists() else "boilerplate")
    task = _get_task(task_name)
    metric = metric or task.primary_metric
    path = run_dir / "page_stats.parquet"
    if not path.exists():
        raise click.ClickException(f"{path} does not exist (run `pagegold bench run` first)")
    frame = pd.read_parquet(path)
    per = {}
    for name in (system_a, system_b):
        part = frame[frame["system"] == name].sort_values("page_id")
        if part.empty:
            raise click.ClickException(f"system {name!r} is not in {path} (has: {', '.join(sorted(frame['system'].unique()))})")
        per[name] = {c: part[c].to_numpy(float) for c in part.columns if c not in ("system", "page_id", "source_id")}
    a, b = per[system_a], per[system_b]
    if metric not in task.aggregate(a):
        raise click.BadParameter(f"unknown metric {metric!r} (have: {', '.join(task.aggregate(a))})", param_hint="--metric")
    boot = _stats.paired_bootstrap(task.aggregate, a, b, metric, resamples, seed)
    perm = _stats.paired_permutation(task.aggregate, a, b, metric, resamples, seed)
    out = {"metric": metric, "a": system_a, "b": system_b, "value_a": boot.a, "value_b": boot.b, "diff": boot.diff,
           "ci_low": boot.ci_low, "ci_high": boot.ci_high, "p_bootstrap": boot.p_value, "p_permutation": perm.p_value,
           "n_pages": len(next(iter(a.values())))}
    if as_json:
        click.echo(json.dumps(out))
    else:
        click.echo(f"{metric}: {system_a} {boot.a:.4f} − {system_b} {boot.b:.4f} = {boot.diff:+.4f} "
                   f"(95% CI [{boot.ci_low:+.4f}, {boot.ci_high:+.4f}]); p = {boot.p_value:.4f} (paired bootstrap), "
                   f"{perm.p_value:.4f} (permutation); {out['n_pages']} pages")
