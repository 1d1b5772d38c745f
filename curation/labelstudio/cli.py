"""``pagegold annotate``: the Label Studio round trip from the command line.

Mounted by curation/cli.py with ``group.add_command(annotate)``.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import pyarrow as pa
from rich.console import Console
from rich.table import Table

from curation import dataset
from curation.labelstudio import install, server
from curation.labelstudio.client import LabelStudioError, redact

err = Console(stderr=True)
out = Console()


def _friendly(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn the bridge's own errors into one clear line and exit code 1 (no traceback)."""
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (LabelStudioError, server.ServerError, dataset.ReleaseError, RuntimeError) as exc:
            raise click.ClickException(redact(str(exc))) from None
        except Exception as exc:
            import httpx
            from label_studio_sdk.core.api_error import ApiError

            if isinstance(exc, (httpx.HTTPError, ApiError)):  # one that slipped past client.call: still redacted
                message = f"Label Studio request failed: {type(exc).__name__}: {exc}"
                raise click.ClickException(redact(message)) from None
            raise
    return wrapper


def _connect(server_dir: Path | None):
    from curation.labelstudio.client import connect  # the SDK is slow to import: only when needed

    return connect(server_dir)


def _fmt(x: Any) -> str:
    return "–" if x is None else f"{x:.3f}" if isinstance(x, float) else str(x)


def DATA_DIR(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``--server-dir`` for the server commands too (one folder, one name); ``--data-dir`` still works, hidden."""
    def merge(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path | None:
        return value if value is not None else ctx.meta.get("pagegold_old_data_dir")

    def remember(ctx: click.Context, param: click.Parameter, value: Path | None) -> None:
        ctx.meta["pagegold_old_data_dir"] = value

    fn = click.option("--server-dir", "data_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
                      callback=merge, help="Server data dir (SQLite, credentials). Default: $PAGEGOLD_LS_DATA_DIR, "
                                           "the last started, or ~/.cache/pagegold/labelstudio. "
                                           "Must be outside the repository.")(fn)
    return click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None, hidden=True,
                        is_eager=True, expose_value=False, callback=remember, help="Old name of --server-dir.")(fn)
SERVER_DIR = click.option("--server-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
                          help="Data dir of the local server to use (ignored when LABEL_STUDIO_URL and "
                               "LABEL_STUDIO_API_KEY are set, which always win).")
def _release_version(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Refuse a malformed version at parse time (one line, naming the option), not deep in a command."""
    if value is None:
        return None
    try:
        dataset.parse_version(value.lstrip("v"))
    except dataset.ReleaseError as exc:
        raise click.BadParameter(str(exc)) from None
    return value


def _check_filters(table: pa.Table, project: str | None = None, annotators: tuple[str, ...] = ()) -> None:
    """A --project or annotator filter that matches no annotation is an error, not an empty result."""
    projects = sorted(set(table.column("project").to_pylist()))
    if project is not None and project not in projects:
        have = ", ".join(projects) or "none"
        raise click.BadParameter(f"no annotations of project {project!r} (staged projects: {have})", param_hint="--project")
    people = set(table.column("annotator").to_pylist())
    for who in annotators:
        if who not in people:
            have = ", ".join(sorted(map(str, people))) or "none"
            raise click.BadParameter(f"{who!r} annotated nothing here (annotators: {have})")


VERSION = click.option("--version", "version", default=None, callback=_release_version, metavar="X.Y.Z",
                       help="Release to read pages from (default: the latest).")
STAGING = click.option("--staging-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
                       help="Staging folder (default: $PAGEGOLD_STAGING_DIR or data/staging).")


@click.group()
def annotate() -> None:
    """Gold through Label Studio: run a server, push pages, pull checked annotations, agree, adjudicate.

    \b
    A typical round:
      pagegold annotate server start           # local server on 127.0.0.1, prints its URL
      pagegold annotate push --project news-1 --split test --limit 50
      ... annotators work in the browser ...
      pagegold annotate pull --project news-1  # checks every span, appends to data/staging
      pagegold annotate agreement
      pagegold annotate adjudicate             # stages entity and zone gold for the next release

    Set LABEL_STUDIO_URL and LABEL_STUDIO_API_KEY to use another Label Studio instead.
    Guide: docs/contributing_annotations.md
    """


@annotate.group("server")
def server_group() -> None:
    """Run a local Label Studio (own venv, 127.0.0.1, SQLite); the token stays in its data dir (0600)."""


def _ip_address(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """--host is an address to bind, checked before anything is installed or started."""
    import ipaddress

    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an IP address (e.g. 127.0.0.1, or 0.0.0.0 for every interface)") from None


@server_group.command("start")
@DATA_DIR
@click.option("--port", type=int, default=None, help="Port to listen on (default 8080, or a free one if busy).")
@click.option("--host", default=server.HOST, show_default=True, callback=_ip_address, metavar="IP",
              help="Address to listen on. Anything but 127.0.0.1 (e.g. 0.0.0.0) lets other machines in: use it for a "
                   "team on a trusted network only, with `annotate user add` for each annotator.")
@click.option("--timeout", type=float, default=180.0, show_default=True, help="Seconds to wait until it is up.")
@_friendly
def server_start(data_dir: Path | None, port: int | None, host: str, timeout: float) -> None:
    """Start the server (installing it and its template on first use) and print its URL.

    The API token is taken from LABEL_STUDIO_USER_TOKEN or generated, and kept in
    SERVER_DIR/pagegold-credentials.json (owner-only); later commands read it from there.

    \b
    Examples:
      pagegold annotate server start                       # this machine only
      pagegold annotate server start --host 0.0.0.0 --port 8080   # a team on the LAN
    """
    if not install.is_installed():
        err.print(f"[dim]First use: installing label-studio {install.wanted_version()} into {install.venv_dir()} ...[/]")
    if host != server.HOST:
        err.print(f"[yellow]warning:[/] listening on {host}: anyone who can reach this machine on port {port or 8080} "
                  "sees the login page (plain HTTP, sign-up disabled). Use a trusted network or a TLS proxy.")
    state = server.start(data_dir, port=port, timeout=timeout, host=host)
    err.print(f"[green]Label Studio is up[/] (pid {state.pid}, data {state.data_dir}); "
              f"log in as {server.credentials(state.data_dir)['username']} — password and token are in "
              f"{state.data_dir / server.CREDENTIALS}")
    click.echo(state.url)


@annotate.group("user")
def user_group() -> None:
    """Web logins for annotators on the local server (the Community edition has one role: annotator)."""


@user_group.command("add")
@click.argument("email")
@DATA_DIR
@_friendly
def user_add(email: str, data_dir: Path | None) -> None:
    """Create a login for EMAIL (or reset its password) and print the URL and a one-time password.

    The password is shown once and stored nowhere; the annotator changes it after logging in
    (avatar menu → Account & Settings). Run again to reset a forgotten password.

    \b
    Example:
      pagegold annotate user add ana@example.org
    """
    password, created = server.add_user(email, data_dir)
    state = server.status(data_dir)
    url = state.url if state else "(server not running: `pagegold annotate server start`)"
    click.echo(f"{'created' if created else 'password reset for'} {email}\n"
               f"  log in at: {url}/user/login/\n  e-mail:    {email}\n  password:  {password}  (shown once)")


@server_group.command("stop")
@DATA_DIR
@_friendly
def server_stop(data_dir: Path | None) -> None:
    """Stop the server of --server-dir by its PID."""
    was = server.stop(data_dir)
    click.echo("stopped" if was else "not running")


@server_group.command("status")
@DATA_DIR
@_friendly
def server_status(data_dir: Path | None) -> None:
    """Say whether the server of --server-dir runs, where, and whether it is healthy (exit 3 when stopped)."""
    state = server.status(data_dir)
    if state is None:
        click.echo(f"not running ({(data_dir or server.default_data_dir()).resolve()})")
        sys.exit(3)
    health = "healthy" if server.healthy(state.url) else "NOT answering /health"
    click.echo(f"running: {state.url} pid {state.pid} data {state.data_dir} ({health})")


@server_group.command("install")
@click.option("--template/--no-template", default=True, show_default=True,
              help="Also build the pre-migrated database template (30-60 s, once).")
@_friendly
def server_install(template: bool) -> None:
    """Install label-studio into its own venv (same as scripts/install_labelstudio.sh)."""
    venv = install.install()
    click.echo(f"label-studio {install.wanted_version()} in {venv}")
    if template:
        click.echo(f"template in {server.ensure_template()}")


@annotate.command()
@click.option("--project", required=True, help="Label Studio project title (created when missing).")
@VERSION
@click.option("--split", type=click.Choice(dataset.SPLITS), default=None, help="Only pages of this split.")
@click.option("--source", default=None, help="Only pages of this source (e.g. aeb, wcxb-dev, seed).")
@click.option("--ids", default=None, help="Only these page ids, comma-separated.")
@click.option("--limit", type=int, default=None, help="At most N pages (after the filters).")
@click.option("--predictions", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Predictions table (Parquet or JSONL, schemas/predictions.yaml) to pre-annotate entities.")
@click.option("--system", default=None, help="Use only this system's rows of --predictions.")
@click.option("--zone-prelabels/--no-zone-prelabels", default=True, show_default=True,
              help="Pre-label zones from the release's boilerplate_gold main_blocks.")
@click.option("--batch-size", type=int, default=1000, show_default=True, help="Tasks per import request.")
@SERVER_DIR
@_friendly
def push(project: str, version: str | None, split: str | None, source: str | None, ids: str | None, limit: int | None,
         predictions: Path | None, system: str | None, zone_prelabels: bool, batch_size: int, server_dir: Path | None) -> None:
    """Import released pages as tasks of PROJECT; pushing again adds no duplicates."""
    from curation.labelstudio.push import push as do_push

    ls, conn = _connect(server_dir)
    r = do_push(ls, conn, project, version=version, split=split, source=source,
                ids=[i.strip() for i in ids.split(",") if i.strip()] if ids else None, limit=limit,
                predictions=predictions, system=system, zone_prelabels=zone_prelabels, batch_size=batch_size)
    for reason in r.refused_predictions:
        err.print(f"[yellow]prediction refused[/] {reason}")
    click.echo(f"project {r.project!r} (id {r.project_id}{', new' if r.created_project else ''}) on {conn.url}: "
               f"{r.selected} pages of {r.version} selected, {r.created} tasks created, {r.already_present} already there; "
               f"pre-labels: {r.with_zone_prelabels} zones, {r.with_entity_prelabels} entities, "
               f"{len(r.refused_predictions)} predictions refused ({r.seconds:.1f} s)")


@annotate.command()
@click.option("--project", required=True, help="Label Studio project title.")
@VERSION
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write this pull's checked annotations as JSONL.")
@STAGING
@SERVER_DIR
@_friendly
def pull(project: str, version: str | None, out: Path | None, staging_dir: Path | None, server_dir: Path | None) -> None:
    """Export PROJECT's annotations, check every span, append them to staging/annotations.parquet.

    Invalid annotations are listed with their reasons and kept out of gold; pulling again adds nothing.
    """
    from curation.labelstudio.pull import pull as do_pull

    ls, conn = _connect(server_dir)
    r = do_pull(ls, conn, project, version=version, out=out, staging_dir=staging_dir)
    for ann_id, page_id, reasons in r.invalid:
        for reason in reasons:
            err.print(f"[red]invalid[/] annotation {ann_id} page {page_id}: {reason}")
    click.echo(f"{r.annotations} annotations on {r.tasks} tasks: {r.valid} valid, {len(r.invalid)} invalid, "
               f"{r.cancelled} cancelled; {r.appended} new rows appended to {r.staged} ({r.seconds:.1f} s)")


@annotate.command()
@click.option("--project", default=None, help="Only annotations of this project.")
@VERSION
@click.option("--json", "json_out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the full report (per page and overall) as JSON.")
@STAGING
@click.option("--exclude", multiple=True, help="Leave out this annotator (e-mail), e.g. the reviewer. Repeatable.")
@click.option("--released", is_flag=True, help="Read the release's annotations table instead of staging.")
@_friendly
def agreement(project: str | None, version: str | None, json_out: Path | None, staging_dir: Path | None,
              exclude: tuple[str, ...], released: bool) -> None:
    """Inter-annotator agreement: entity span F1 (strict, partial) and zone Cohen's kappa (characters).

    Reads the staged annotations, or with --released the `annotations` table of the release.
    """
    import pyarrow.compute as pc

    from curation.labelstudio import agreement as ag
    from curation.labelstudio import staging

    if released:
        table = dataset.read_table("annotations", version)
    else:
        table = staging.read("annotations", staging.staging_dir(staging_dir) / staging.ANNOTATIONS)
    _check_filters(table, project, exclude)
    if exclude:  # e.g. the reviewer: agreement is between the independent passes
        table = table.filter(pc.invert(pc.is_in(table.column("annotator"), value_set=pa.array(list(exclude)))))
    ids = set(table.column("page_id").to_pylist())
    texts = {p["text_sha256"]: p["text"] for p in dataset.iter_pages(version, ids=ids, columns=["page_id", "text", "text_sha256"])} if ids else {}
    report = ag.agreement(table, texts, project)
    if not report.pages:
        out.print("no page has usable annotations from two or more annotators yet")
    grid = Table(title="Agreement per page (pages with 2+ annotators)")
    for col in ("page", "annotators", "entity strict F1", "entity partial F1", "zone kappa", "zone observed"):
        grid.add_column(col)
    for p in report.pages:
        grid.add_row(p["page_id"], str(len(p["annotators"])), _fmt(p["entity_strict_f1"]), _fmt(p["entity_partial_f1"]),
                     _fmt(p["zone_kappa"]), _fmt(p["zone_observed"]))
    if report.pages:
        out.print(grid)
    o = report.overall
    out.print(f"overall: {o['pages']} pages, {o['pairs']} pairs; entity F1 strict {_fmt(o['entity_strict_f1'])}, "
              f"partial {_fmt(o['entity_partial_f1'])}; zone kappa pooled {_fmt(o['zone_kappa_pooled'])}, "
              f"mean {_fmt(o['zone_kappa_mean'])} ({o['zone_pairs']} pairs, {o['zone_pairs_skipped']} without zones on both sides)",
              soft_wrap=True)
    if json_out:
        json_out.write_text(json.dumps({"pages": report.pages, "overall": report.overall}, indent=2) + "\n")


@annotate.command()
@click.option("--reviewer", default=None, help="Annotator (e-mail) whose annotation wins on the pages they annotated.")
@click.option("--project", default=None, help="Only annotations of this project.")
@click.option("--amendments", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Reviewed guideline amendments (JSONL; format in curation/labelstudio/amend.py), applied last.")
@VERSION
@STAGING
@_friendly
def adjudicate(reviewer: str | None, project: str | None, amendments: Path | None, version: str | None,
               staging_dir: Path | None) -> None:
    """Stage entity and zone gold from the pulled annotations and list every conflict.

    Policy: reviewer wins where given, else strict majority; entities only inside gold MAIN zones.
    See curation/labelstudio/adjudicate.py.

    \b
    Examples:
      pagegold annotate adjudicate --reviewer reviewer@pagegold.local
      pagegold annotate adjudicate --version v1.1.0 --amendments data/amendments/entity-guidelines-1.1.jsonl
    """
    from curation.labelstudio import staging
    from curation.labelstudio.adjudicate import POLICY
    from curation.labelstudio.adjudicate import adjudicate as do_adjudicate
    from curation.labelstudio.amend import AmendmentError

    # a --project or --reviewer that matches no staged annotation is a typo, not an empty adjudication
    _check_filters(staging.read("annotations", staging.staging_dir(staging_dir) / staging.ANNOTATIONS), project,
                   (reviewer,) if reviewer else ())
    try:
        r = do_adjudicate(version=version, reviewer=reviewer, project=project, staging_dir=staging_dir,
                          amendments=amendments)
    except AmendmentError as exc:
        raise click.ClickException(f"{exc} (nothing staged)") from None
    for (rule, decision), n in sorted(r.amended.items()):
        click.echo(f"amended: {rule} {decision} {n}")
    for c in r.conflicts:
        detail = {k: v for k, v in c.items() if k not in ("page_id", "kind")}
        err.print(f"[yellow]{c['kind']}[/] page {c['page_id']}: {json.dumps(detail, ensure_ascii=False)[:300]}")
    click.echo(f"policy: {POLICY}\n{r.pages} pages adjudicated: {r.entity_gold} entity gold rows, {r.zone_gold} zone gold rows, "
               f"{len(r.conflicts)} conflicts; staged in {r.staging}")


@annotate.command()
@click.option("--project", required=True, help="Label Studio project title.")
@click.option("--page-id", required=True, help="Page to show.")
@SERVER_DIR
@_friendly
def show(project: str, page_id: str, server_dir: Path | None) -> None:
    """Print a task's page as numbered blocks, for annotating in a terminal (see `submit`)."""
    from curation.labelstudio.scripted import find_task, release_page, render_blocks

    ls, conn = _connect(server_dir)
    task = find_task(ls, conn, project, page_id)
    page = release_page(page_id, task["data"]["text_sha256"], task["data"].get("version"))
    click.echo(f"# task {task['id']} · page {page_id} · split {page['split']} · {len(page['blocks'])} blocks")
    click.echo(render_blocks(page["text"], page["blocks"]))


@annotate.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--project", required=True, help="Label Studio project title.")
@click.option("--as", "email", required=True, help="Annotator e-mail; the user is created on the server when missing.")
@SERVER_DIR
@_friendly
def submit(files: tuple[Path, ...], project: str, email: str, server_dir: Path | None) -> None:
    """Create annotations from annotation files (one JSON object per file), e.g. after `annotate show`.

    Each file names its page, the MAIN block ranges and the entity names; every occurrence is
    turned into a region with exact offsets. Submitting again replaces the annotator's annotation.
    A file that does not fit its page is reported and skipped; the others go through.

    \b
    File format (block numbers as `annotate show` prints them):
      {"page_id": "b20242af86ab0e5a",
       "main": [[3, 40], [44, 45]],                 inclusive block ranges that are MAIN
       "entities": [
         {"text": "Vladimir Putin", "label": "PER"},             every whole-word match in MAIN
         {"text": "Apple", "label": "ORG", "blocks": [12]},       only in these blocks
         {"text": "Washington", "label": "LOC", "occurrence": [2]}],  only the n-th match (1-based)
       "skip": false}                               true: the page cannot be judged
    Labels: PER, ORG, LOC, MISC. Blocks outside MAIN become BOILERPLATE.

    \b
    Example:
      pagegold annotate submit page.json --project news-2 --as you@example.org
    """
    from curation.labelstudio.scripted import AnnotationFileError
    from curation.labelstudio.scripted import submit as do_submit

    ls, conn = _connect(server_dir)
    failed = 0
    for path in files:
        try:
            annotation = json.loads(path.read_text(encoding="utf-8"))
            ann_id, replaced = do_submit(ls, conn, project, annotation, email)
        except (AnnotationFileError, ValueError, LabelStudioError) as exc:
            failed += 1
            err.print(f"[red]{path}[/]: {exc}")
            continue
        click.echo(f"{path}: annotation {ann_id} {'replaced' if replaced else 'created'} for {email}")
    if failed:
        sys.exit(1)


def _review_inputs(project: str, version: str | None, staging_dir: Path | None):
    """(sheets by page, page texts) for the pages of PROJECT with two or more annotators."""
    from curation.labelstudio import staging
    from curation.labelstudio.agreement import latest_annotations
    from curation.labelstudio.review import page_sheet

    folder = staging.staging_dir(staging_dir)
    groups = latest_annotations(staging.read("annotations", folder / staging.ANNOTATIONS), project)
    multi = {pid: rows for (pid, _), rows in groups.items() if len(rows) >= 2}
    texts = {p["page_id"]: p["text"] for p in dataset.iter_pages(version, ids=set(multi), columns=["page_id", "text"])}
    return {pid: page_sheet(pid, texts[pid], rows) for pid, rows in sorted(multi.items()) if pid in texts}, texts, folder


@annotate.command("review-sheet")
@click.option("--project", required=True, help="Label Studio project title.")
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path), help="Folder for one sheet per page.")
@VERSION
@STAGING
@_friendly
def review_sheet(project: str, out: Path, version: str | None, staging_dir: Path | None) -> None:
    """Write a review sheet (JSON) per multiply-annotated page: agreed and disputed spans and zones."""
    sheets, _, _ = _review_inputs(project, version, staging_dir)
    out.mkdir(parents=True, exist_ok=True)
    for pid, sheet in sheets.items():
        (out / f"{pid}.json").write_text(json.dumps(sheet, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    n = sum(len(s["disputed"]) for s in sheets.values())
    click.echo(f"{len(sheets)} pages with 2+ annotators, {n} disputed items; sheets in {out}")


@annotate.command()
@click.option("--project", required=True, help="Label Studio project title.")
@click.option("--decisions", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="JSONL, one decision with a reason per disputed item (format in curation/labelstudio/review.py).")
@click.option("--as", "email", required=True, help="Reviewer e-mail; pass the same to `adjudicate --reviewer`.")
@VERSION
@STAGING
@SERVER_DIR
@_friendly
def resolve(project: str, decisions: Path, email: str, version: str | None, staging_dir: Path | None, server_dir: Path | None) -> None:
    """Turn review decisions into the reviewer's annotations in Label Studio; log them for the release.

    Every disputed item of every sheet (`annotate review-sheet`) needs a decision with a reason;
    otherwise nothing is submitted.

    \b
    Decisions file (JSONL, one decision per disputed item; ids from the sheets):
      {"page_id": "b20242af86ab0e5a", "id": "e3", "decision": "keep", "reason": "named in the byline"}
      {"page_id": "b20242af86ab0e5a", "id": "e4", "decision": "relabel", "label": "ORG", "reason": "the club"}
      {"page_id": "b20242af86ab0e5a", "id": "e5", "decision": "drop", "reason": "in a teaser"}
      {"page_id": "b20242af86ab0e5a", "id": "z1", "decision": "main", "reason": "the standfirst"}
    Entity items (e…): keep | drop | relabel (with "label": PER, ORG, LOC or MISC).
    Zone items (z…): main | boilerplate.

    \b
    Example:
      pagegold annotate resolve --project news-2 --decisions d.jsonl --as reviewer@example.org
    """
    import shutil

    from curation.labelstudio.client import call
    from curation.labelstudio.review import load_decisions, resolved_result
    from curation.labelstudio.scripted import find_task, user_id

    sheets, texts, folder = _review_inputs(project, version, staging_dir)
    by_page = load_decisions(decisions)
    results = {pid: resolved_result(sheet, by_page.get(pid, {}), texts[pid]) for pid, sheet in sheets.items()}
    ls, conn = _connect(server_dir)
    who = user_id(ls, conn, email)
    for pid, result in results.items():
        task = find_task(ls, conn, project, pid)
        mine = [a for a in task["annotations"] if a.get("completed_by") == who]
        if mine:
            call(conn, "updating the review", lambda: ls.annotations.update(id=mine[0]["id"], result=result))
        else:
            call(conn, "creating the review", lambda: ls.annotations.create(id=task["id"], result=result, completed_by=who),
                 idempotent=False)
    shutil.copyfile(decisions, folder / "review_log.jsonl")
    click.echo(f"{len(results)} pages reviewed by {email}; decisions logged to {folder / 'review_log.jsonl'} "
               f"(run `pagegold annotate pull` then `adjudicate --reviewer {email}`)")
