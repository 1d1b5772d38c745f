"""Curation commands: ingest, release, verify, export-hub, card."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from curation import dataset


def _progress(label: str):
    """A rich progress bar over shards (with the pages written so far) for ``ingest(progress=…)``."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("shards, {task.fields[pages]} pages"),
                   TimeElapsedColumn(), transient=True, disable=not sys.stderr.isatty())  # fmt: skip
    task = bar.add_task(label, total=None, pages=0)

    def update(done: int, total: int, pages: int) -> None:
        bar.start()  # idempotent
        bar.update(task, completed=done, total=total, pages=pages)
        if done == total:
            bar.stop()

    return update


def _format_choices() -> list[str]:
    from curation.sources.formats import choices

    return choices()


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=str))
@click.option("--source", required=True, help="Name stored in the `source` column (e.g. mysite, aeb).")
@click.option("--format", "fmt", default="auto", show_default=True, type=click.Choice(_format_choices()),
              help="How to read PATHS (layouts: docs/corpora.md). auto: a folder in a known corpus layout "
                   "(aeb, wcxb, l3s-gn1, trafilatura-eval, webmainbench, mozilla) is read as that corpus, other "
                   "files by suffix (.html/.htm[.gz] html, .txt text, .warc[.gz] warc).")  # fmt: skip
@click.option("--out", required=True, type=click.Path(path_type=Path), help="Output folder for Parquet shards and reports.")
@click.option("--license", "license_", default=None, help="SPDX licence id of the pages (default: known for aeb/wcxb/mozilla, else 'unknown').")
@click.option("--strict", is_flag=True, help="Exit non-zero if any input was quarantined.")
@click.option("--engine", default="local", show_default=True, type=click.Choice(["local", "ray"]),
              help="local: this machine (a process pool with --jobs); ray: one Ray task per shard (pip install 'pagegold[ray]').")  # fmt: skip
@click.option("--jobs", type=click.IntRange(min=1), default=None,
              help="local: worker processes (default 1 = in this process); ray without --address: CPUs of the private local Ray (default: all).")  # fmt: skip
@click.option("--address", default=None, help="ray only: 'auto' (the cluster this machine belongs to) or ray://HOST:PORT (Ray Client). "
                   "Default: start a private local Ray.")
@click.option("--files-per-shard", type=click.IntRange(min=1), default=None,
              help="Input files (or corpus pages) per shard; part of what a resumed run must match. [default: 256]")  # fmt: skip
def ingest(paths: tuple[str, ...], source: str, fmt: str, out: Path, license_: str | None, strict: bool,
           engine: str, jobs: int | None, address: str | None, files_per_shard: int | None) -> None:  # fmt: skip
    """Normalise raw pages (HTML, text dumps, WARC, or a corpus folder) into Parquet under OUT.

    Writes OUT/pages-*.parquet (the `pages` table, split "unassigned"), OUT/boilerplate_gold-*.parquet
    when the source ships gold, OUT/quarantine.jsonl (one {"path", "reason"} per rejected input),
    OUT/notes.jsonl and OUT/summary.json. Bad inputs never stop the batch; the exit code is 1 only when
    nothing could be ingested, or with --strict when anything was quarantined.

    The input is cut into shards that run independently (locally or on Ray) with identical results.
    Rerunning the same command after a crash or kill runs only the unfinished shards.

    \b
    Examples:
      pagegold ingest ../shared/corpora/aeb --source aeb --out /tmp/aeb
      pagegold ingest my_pages/ --source mine --format html --out /tmp/mine   # NAME.txt gold beside NAME.html

    \b
    Environment: PAGEGOLD_L3S_CLASSES (l3s-gn1 gold classes, default 1,2,3).
    """
    from curation import shards
    from curation.engines import EngineError
    from curation.ingest import ingest as run_ingest
    from curation.sources.formats import LayoutError

    if address and engine != "ray":
        raise click.UsageError("--address only applies to --engine ray")
    try:
        summary = run_ingest(list(paths), source, out, fmt=fmt, license=license_, progress=_progress(f"ingesting {source}"),
                             engine=engine, jobs=jobs, address=address, files_per_shard=files_per_shard or shards.FILES_PER_SHARD)  # fmt: skip
    except EngineError as exc:
        raise click.ClickException(f"{exc} (finished shards are kept: rerun the same command to resume)") from exc
    except LayoutError as exc:
        raise click.ClickException(str(exc)) from None
    if summary["quarantined"]:  # say why on stderr, not only in quarantine.jsonl
        with open(out / "quarantine.jsonl", encoding="utf-8") as lines:
            for n, line in enumerate(lines):
                if n == 5:
                    click.echo(f"… and {summary['quarantined'] - 5} more in {out / 'quarantine.jsonl'}", err=True)
                    break
                item = json.loads(line)
                click.echo(f"quarantined {item.get('path')}: {item.get('reason')}", err=True)
    run = summary["shards"]
    resumed = f"; {run['skipped']} of {run['total']} shards already done" if run["skipped"] else ""
    click.echo(f"{summary['pages']} pages written to {out} ({summary['gold']} with source gold); "
               f"{summary['quarantined']} quarantined (see {out / 'quarantine.jsonl'}){resumed}")  # fmt: skip
    if summary["pages"] == 0 or (strict and summary["quarantined"]):
        sys.exit(1)


@click.command()
@click.argument("version")
@click.option("--sources", "recipe", type=click.Path(exists=True, path_type=Path), default=None,
              help="Recipe of sources to ingest (default: data/sources.yaml).")  # fmt: skip
@click.option("--from-sources", is_flag=True,
              help="Re-ingest every source of the recipe (needs the corpora) instead of building on the latest release.")
@click.option("--engine", default="local", show_default=True, type=click.Choice(["local", "ray"]),
              help="Where the ingest shards and near-duplicate tasks run: local (a process pool with --jobs) or ray "
                   "(pip install 'pagegold[ray]'). Same release files either way.")  # fmt: skip
@click.option("--jobs", type=click.IntRange(min=1), default=None,
              help="local: worker processes (default 1 = in this process); ray without --address: CPUs of the private local Ray (default: all).")  # fmt: skip
@click.option("--address", default=None, help="ray only: 'auto' (the cluster this machine belongs to) or ray://HOST:PORT (Ray Client). "
                   "Default: start a private local Ray.")
@click.option("--files-per-shard", type=click.IntRange(min=1), default=None,
              help="Input files (or corpus pages) per ingest shard, and pages per near-duplicate map task. [default: 256]")  # fmt: skip
def release(version: str, recipe: Path | None, from_sources: bool, engine: str, jobs: int | None, address: str | None,
            files_per_shard: int | None) -> None:
    """Build the immutable release data/vVERSION (e.g. 1.0.0) and update .huggingface.yaml.

    By default builds on the latest release: its raw pages (re-normalised only when the
    normaliser version changed), its splits and gold, plus gold staged by `pagegold annotate
    adjudicate` (data/staging/) and any source of the recipe it does not hold yet. Sources it
    already holds are not re-read, so a clone without the corpora can release. Refuses to
    overwrite an existing version; unchanged data of the parent is referenced, not copied.

    \b
    Examples:
      pagegold release 2.0.1                  # staged gold on top of the latest release
      pagegold release 2.1.0 --sources my.yaml  # plus the new sources in my.yaml
      pagegold release 3.0.0 --from-sources   # maintainers: rebuild from the corpora
      pagegold release 3.0.0 --from-sources --jobs 8        # ... on 8 local processes
      pagegold release 3.0.0 --from-sources --engine ray --address auto   # ... on a Ray cluster

    A recipe source's `format` is any layout of docs/corpora.md.

    Environment: PAGEGOLD_DATA_DIR (the data/ folder, default ./data), PAGEGOLD_STAGING_DIR (staged
    gold, default data/staging), PAGEGOLD_L3S_CLASSES (l3s-gn1 gold classes).
    """
    from curation import shards
    from curation.engines import EngineError
    from curation.release import build_release

    if address and engine != "ray":
        raise click.UsageError("--address only applies to --engine ray")
    try:
        target = build_release(version, recipe=recipe, log=lambda m: click.echo(m, err=True), from_sources=from_sources,
                               engine=engine, jobs=jobs, address=address, files_per_shard=files_per_shard or shards.FILES_PER_SHARD)
    except dataset.ReleaseError as exc:
        raise click.ClickException(str(exc)) from exc
    except (OSError, EngineError) as exc:  # a full disk, a read-only folder: the scratch is already removed
        message = f"release {version} failed and was rolled back (nothing was released): {exc}"
        raise click.ClickException(message) from exc
    click.echo(f"released {target}")


@click.command()
@click.argument("version", required=False)
@click.option("--all", "all_versions", is_flag=True, help="Verify every release, not only VERSION / the latest.")
def verify(version: str | None, all_versions: bool) -> None:
    """Recheck a release: checksums, row counts, schemas, offsets, gold hashes and split leakage.

    Exit status 0 only when everything checks.

    Environment: PAGEGOLD_DATA_DIR (the data/ folder, default ./data).
    """
    from curation.hub import hf_config_problem
    from curation.verify import verify_release

    try:
        if all_versions:
            versions = dataset.list_versions()
        else:
            versions = [dataset.version_name(version) if version else dataset.latest_version()]
    except dataset.ReleaseError as exc:
        raise click.ClickException(str(exc)) from exc
    if not versions:
        raise click.ClickException(f"no release to verify in {dataset.data_dir()} (no vX.Y.Z/manifest.json)")
    failed = False
    if (stale := hf_config_problem(dataset.data_dir().parent)) is not None:
        click.echo(stale, err=True)
        failed = True
    for v in versions:
        problems = verify_release(v)
        for p in problems:
            click.echo(f"{v}: {p}", err=True)
        click.echo(f"{v}: {'OK' if not problems else f'{len(problems)} problem(s)'}")
        failed |= bool(problems)
    if failed:
        sys.exit(1)


@click.command("export-hub")
@click.argument("out", type=click.Path(path_type=Path))
@click.option("--repo-id", required=True, metavar="OWNER/NAME",
              help="The Hub dataset repository the folder will be pushed to (used in the card's loading code and citation).")
@click.option("--croissant/--no-croissant", default=True, show_default=True,
              help="Also write croissant.json (needs the `hub` extra: pip install 'pagegold[hub]').")
def export_hub(out: Path, repo_id: str, croissant: bool) -> None:
    """Write OUT, a folder ready to push to the Hugging Face Hub as OWNER/NAME.

    OUT gets README.md (DATASET_CARD.md with Hub YAML: configs, split sizes, licences, languages;
    loading code for OWNER/NAME; BibTeX), LICENSES.md + LICENSES/, data/ (every release; files are
    hard-linked when possible), schemas/, docs/ and croissant.json. How to push it: docs/publishing.md.

    \b
    Example:
      pagegold export-hub build/hub --repo-id your-name/pagegold
      huggingface-cli upload your-name/pagegold build/hub . --repo-type dataset

    Environment: PAGEGOLD_DATA_DIR (the data/ folder, default ./data).
    """
    from curation.hub import export_hub as run_export

    card = dataset.data_dir().parent / "DATASET_CARD.md"
    try:
        run_export(out, card, repo_id, croissant=croissant)
    except ModuleNotFoundError as exc:
        raise click.ClickException(f"{exc.name} is not installed: pip install 'pagegold[hub]', or pass --no-croissant") from None
    except (FileExistsError, ValueError, dataset.ReleaseError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"exported to {out}")


@click.command()
@click.option("--version", default=None, help="Release to describe (default: latest).")
@click.option("--write/--print", default=True, show_default=True, help="Rewrite the statistics section of DATASET_CARD.md, or print it.")
def card(version: str | None, write: bool) -> None:
    """Regenerate the statistics section of DATASET_CARD.md from the shipped release.

    Environment: PAGEGOLD_DATA_DIR (the data/ folder, default ./data).
    """
    from curation.card import render_stats, update_card

    text = render_stats(version)
    if write:
        update_card(dataset.data_dir().parent / "DATASET_CARD.md", text)
        click.echo("DATASET_CARD.md statistics updated")
    else:
        click.echo(text)


def register_commands(group: click.Group) -> None:
    """Attach the curation commands to the top-level ``pagegold`` group."""
    for command in (ingest, release, verify, export_hub, card):
        group.add_command(command)
    try:
        from curation.labelstudio.cli import annotate
    except ImportError:
        return
    group.add_command(annotate)
