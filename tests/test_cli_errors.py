"""No traceback for any bad argument, on every command of the `pagegold` tree.

The command tree is walked from `pagegold.cli.main`, so a command added later is covered without
editing this file. For each command and each of its parameters, the command is run with that
parameter set to a bad value (and every required parameter set to a bad value too); it must exit
non-zero with a message and no Python traceback. Label Studio is pointed at a closed port, staging
and the home folder at a temporary folder: nothing can start a server or write into the checkout.
"""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from pagegold.cli import main

BAD = "banana"


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], click.Command]]:
    ctx = click.Context(group)
    out = []
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if isinstance(command, click.Group):
            out += _commands(command, (*prefix, name))
        else:
            out.append(((*prefix, name), command))
    return out


def _bad_value(param: click.Parameter, tmp: Path) -> list[str] | None:
    """A value click or the command must refuse; None when the parameter has no bad value (a flag)."""
    kind = param.type
    if isinstance(param, click.Option) and (param.is_flag or param.count):
        return None
    if isinstance(kind, click.Path):
        if not kind.file_okay:
            value = str(tmp / "a-file")  # a file where a folder is wanted
        elif not kind.dir_okay:
            value = str(tmp)  # a folder where a file is wanted
        else:
            value = str(tmp / "a-file" / "banana")  # under a file: can neither exist nor be created
    elif isinstance(kind, (click.types.IntParamType, click.types.FloatParamType, click.IntRange, click.FloatRange)):
        value = "abc"
    else:  # Choice and free strings (versions, names, ids, repo ids)
        # a version that cannot exist; a run id that cannot be a folder name (any word is a fine id)
        value = {"version": "1.0", "run_id": "a/b"}.get(param.name, BAD)
    nargs = param.nargs if param.nargs > 0 else 1
    values = [value] * nargs
    return [param.opts[0], *values] if isinstance(param, click.Option) else values


CASES = []
for path, command in _commands(main):
    for param in command.params:
        if param.name == "help" or (isinstance(param, click.Option) and (param.is_flag or param.count)):
            continue
        CASES.append(pytest.param(path, command, param.name, id=f"{' '.join(path)} {param.name}"))


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "a-file").write_text("x")
    for key, value in {"PAGEGOLD_HOME": tmp_path / "home", "PAGEGOLD_STAGING_DIR": tmp_path / "staging",
                       "PAGEGOLD_LS_DATA_DIR": tmp_path / "ls", "PAGEGOLD_CACHE": tmp_path / "cache",
                       "LABEL_STUDIO_URL": "http://127.0.0.1:9",
                       "LABEL_STUDIO_API_KEY": "not-a-token",
                       # a value that slipped through could never install or start a server: no venv can live here
                       "PAGEGOLD_LS_VENV": tmp_path / "a-file" / "venv",
                       "PAGEGOLD_LS_TEMPLATE": tmp_path / "a-file" / "template"}.items():  # fmt: skip
        monkeypatch.setenv(key, str(value))
    monkeypatch.chdir(tmp_path)
    # speed only: the client's back-off between retries against the closed port (the retries still happen)
    monkeypatch.setattr("curation.labelstudio.client.BACKOFF", 0)
    return tmp_path


@pytest.mark.timeout(120)
@pytest.mark.parametrize("path,command,name", CASES)
def test_bad_argument_gives_a_message_not_a_traceback(path, command: click.Command, name: str, env: Path) -> None:
    args: list[str] = list(path)
    for param in command.params:
        required = param.required or (isinstance(param, click.Argument) and param.nargs == -1)
        if param.name == name or required:
            bad = _bad_value(param, env)
            if bad:
                args += bad
    result = CliRunner().invoke(main, args)
    shown = f"$ pagegold {' '.join(args)}\n{result.output}"
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{shown}\nraised {type(result.exception).__name__}: {result.exception}"
    )
    assert result.exit_code != 0, f"{shown}\nexit 0 on a bad value"
    assert "Traceback" not in result.output
    assert result.output.strip(), f"{shown}\nno message"


def test_the_walk_finds_nested_commands() -> None:
    names = {" ".join(p) for p, _ in _commands(main)}
    assert {"verify", "bench systems", "annotate server start", "export-hub"} <= names


@pytest.mark.parametrize(
    "args",
    [
        ["verify", BAD],
        ["verify", "1.0"],
        ["card", "--version", "abc", "--print"],
        ["bench", "systems", "--task", "nosuch"],
    ],
)
def test_issue_examples(args: list[str], env: Path) -> None:
    result = CliRunner().invoke(main, args)
    assert result.exit_code != 0 and result.exception is None or isinstance(result.exception, SystemExit)
    assert result.exit_code != 0, result.output
    assert "Traceback" not in result.output and result.output.strip()


def test_bench_systems_lists_every_task_in_a_table() -> None:
    from benchmarks.tasks import TASKS

    result = CliRunner().invoke(main, ["bench", "systems"])
    assert result.exit_code == 0, result.output
    assert all(h in result.output for h in ("system", "task", "version", "status"))
    for task in ("boilerplate", "entities"):
        for name in TASKS[task].systems():
            if name.startswith("file:"):  # built on demand by other tests in this process, not declared
                continue
            assert name in result.output, (task, name)
    assert "pipeline:" in result.output
    piped = CliRunner().invoke(main, ["bench", "systems", "--task", "pipeline"])
    assert TASKS["pipeline"].systems()[0] in piped.output


def test_choice_options_list_their_values() -> None:
    """Every option with a fixed set of values shows them in --help (click prints [a|b|c])."""
    for path, command in _commands(main):
        for param in command.params:
            if isinstance(param.type, click.Choice):
                help_text = CliRunner().invoke(main, [*path, "--help"]).output
                assert "|".join(param.type.choices) in help_text.replace("\n", "").replace(" ", ""), (path, param.name)


def test_ingest_says_why_on_stderr(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["ingest", str(tmp_path / "nonexistent"), "--source", "x", "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 1
    assert f"quarantined {tmp_path / 'nonexistent'}: no such file or directory" in result.stderr


def test_one_name_for_the_server_folder() -> None:
    names = set()
    for path, command in _commands(main):
        if path[0] == "annotate":
            for param in command.params:
                if (
                    isinstance(param, click.Option)
                    and not param.hidden
                    and "dir" in param.name
                    and param.name != "staging_dir"
                ):
                    names.update(param.opts)
    assert names == {"--server-dir"}, names


def test_doc_examples_name_pages_of_the_release() -> None:
    """Page ids in the guides' and --help's examples are pages of the latest release."""
    import re

    from curation import dataset
    from curation.labelstudio import cli as ls_cli
    from tests.doc_blocks import documents

    ids = set(dataset.read_table("pages", None, columns=["page_id"]).column("page_id").to_pylist())
    texts = [p.read_text(encoding="utf-8") for p in documents()] + [ls_cli.submit.help or "", ls_cli.resolve.help or ""]
    found = {
        m for t in texts for m in re.findall(r'(?:--ids |--page-id |"page_id": ")([0-9a-f]{16}(?:,[0-9a-f]{16})*)', t)
    }
    found = {x for group in found for x in group.split(",")}
    assert found and found <= ids, found - ids


@pytest.mark.parametrize("option", ["--server-dir", "--data-dir"])
def test_old_data_dir_name_still_works(option: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["annotate", "server", "status", option, str(tmp_path / "ls")])
    assert "not running" in result.output and str(tmp_path / "ls") in result.output, result.output
