"""``pagegold bench export``: a run's predictions and gold in the corpus's own ids (benchmarks.export)."""

from __future__ import annotations

from pathlib import Path

import click

from benchmarks.cli.group import bench


@bench.command("export")
@click.argument("run_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--as",
    "as_",
    default="jsonl",
    show_default=True,
    type=click.Choice(["jsonl", "aeb"]),
    help='jsonl: {"id", "text"} lines; aeb: AEB output JSON {"version", "output": {id: {"articleBody"}}}.',
)
@click.option(
    "--key",
    default="source_id",
    show_default=True,
    type=click.Choice(["source_id", "page_id"]),
    help="Ids to write: the corpus's own (source_id) or PageGold's page_id.",
)
@click.option(
    "--system", "systems", multiple=True, help="Only this system (repeatable; default: every system of the run)."
)
@click.option(
    "--out",
    "out_dir",
    default=None,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write into (default: RUN_DIR/export-<as>).",
)
@click.option("--no-gold", is_flag=True, help="Do not write the gold file beside the predictions.")
def export_cmd(
    run_dir: Path, as_: str, key: str, systems: tuple[str, ...], out_dir: Path | None, no_gold: bool
) -> None:
    """Write a run's predictions (one file per system) and its gold, keyed by the corpus's own ids.

    \b
    Examples:
      pagegold bench export runs/RUN_ID --as aeb --out /tmp/aeb-out
      pagegold bench score --gold /tmp/aeb-out/ground-truth.json --pred /tmp/aeb-out/trafilatura.json
      pagegold bench export runs/RUN_ID --as jsonl --key page_id --system trafilatura
    """
    from benchmarks.export import ExportError, export_run

    out_dir = out_dir or run_dir / f"export-{as_}"
    try:
        written = export_run(run_dir, out_dir, as_, key, list(systems) or None, with_gold=not no_gold)
    except (ExportError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo("wrote " + ", ".join(str(p) for p in written))
