"""The leaderboard as tables: one row per system, the gold-in-page breakdown, the Markdown file
that `bench report --into` pastes into README.md and DATASET_CARD.md."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd


def task_columns(task: str) -> tuple[str, tuple[str, ...]]:
    """(default ranking metric, further columns) of a task, from its metric families' ``board``."""
    from benchmarks.tasks import TASKS

    board = TASKS[task].board_columns()
    return board[0], board[1:]


def _primary(results: pd.DataFrame, run: dict[str, Any] | None) -> str:
    """The run's ranking metric: run.json's, or the first family's primary the results hold."""
    from benchmarks.tasks import TASKS

    if run and run.get("primary_metric"):
        return run["primary_metric"]
    overall = results[(results["group_by"] == "all") & results["value"].notna()] if len(results) else results
    return TASKS[task_of(results, run)].primary_for(overall["metric"] if len(overall) else ())
#: Metrics shown by how much of the gold is in the page (``benchmarks.gold_in_page``), per task.
GOLD_IN_PAGE_COLUMNS = {"boilerplate": ("aeb_f1", "aeb_recall")}
GOLD_IN_PAGE_ORDER = ("complete", "partial", "missing")  # pages without gold text are left out


def task_of(results: pd.DataFrame, run: dict[str, Any] | None) -> str:
    from benchmarks.tasks import TASKS

    task = (run or {}).get("task") or (results["task"].iloc[0] if "task" in results and len(results) else "boilerplate")
    return task if task in TASKS else "boilerplate"


def leaderboard(results: pd.DataFrame, metric: str = "aeb_f1", extra: tuple[str, ...] | None = None) -> pd.DataFrame:
    """One row per system (overall group), sorted by ``metric`` descending."""
    if extra is None:  # the columns of the task whose families report ``metric``
        from benchmarks.tasks import TASKS

        extra = next((t.board_columns() for _, t in TASKS.items() if metric in t.board_columns()), ())
    overall = results[results["group_by"] == "all"]
    if overall.empty:
        raise ValueError("the results table has no overall ('all') rows")
    wide = overall.pivot_table(index="system", columns="metric", values="value")
    low = overall[overall["metric"] == metric].set_index("system")["ci_low"]
    high = overall[overall["metric"] == metric].set_index("system")["ci_high"]
    n = overall[overall["metric"] == metric].set_index("system")["n_pages"]
    version = overall.drop_duplicates("system").set_index("system")["system_version"]
    table = pd.DataFrame({"version": version, metric: wide.get(metric), "ci_low": low, "ci_high": high})
    for m in extra:
        if m in wide.columns and m != metric:
            table[m] = wide[m]
    table["n_pages"] = n
    return table.sort_values(metric, ascending=False)


def markdown(results: pd.DataFrame, run: dict[str, Any] | None = None, metric: str = "aeb_f1") -> str:
    board = leaderboard(results, metric)
    cols = [c for c in board.columns if c not in ("ci_low", "ci_high", "version", "n_pages")]
    head = "| # | system | version | " + " | ".join(cols) + " | 95% CI | pages |"
    lines = [head, "|" + "---|" * (len(cols) + 5)]
    for rank, (system, row) in enumerate(board.iterrows(), 1):
        vals = " | ".join("" if pd.isna(row[c]) else f"{row[c]:.3f}" for c in cols)
        ci = "" if pd.isna(row["ci_low"]) else f"[{row['ci_low']:.3f}, {row['ci_high']:.3f}]"
        lines.append(f"| {rank} | {system} | {row['version']} | {vals} | {ci} | {int(row['n_pages'])} |")
    by_coverage = gold_in_page_markdown(results, board.index, GOLD_IN_PAGE_COLUMNS.get(task_of(results, run), ()))
    if by_coverage:
        lines.append("\n" + by_coverage)
    meta = ""
    if run:
        on = str(run.get("dataset_version"))
        on = on if on.startswith(("corpus:", "pages:")) else f"release {on}"  # a corpus run in place, or a release
        meta = f"Run `{run.get('run_id')}` on {on}, {run.get('n_pages')} pages; seeded bootstrap 95% intervals.\n\n"
        fails = run.get("failures") or []
        if fails:
            # one line each: some errors (nltk's) span many lines and would break the Markdown list
            meta_f = "\n".join(f"- {f['system']} / {f['page_id']}: {f['status']} — {' '.join(str(f.get('error') or '').split())}"[:300]
                                for f in fails[:50])
            lines.append(f"\n**Failed pages** (scored as empty output): {len(fails)}\n\n{meta_f}")
    task = task_of(results, run)
    if metric != task_columns(task)[0] and metric == _primary(results, run):
        # say why the ranking differs from the task's usual one
        meta = f"Ranked by `{metric}`: the primary metric of the families this run's gold supports.\n\n" + meta
    return f"# {task.capitalize()} leaderboard ({metric})\n\n{meta}" + "\n".join(lines) + "\n"


def gold_in_page_markdown(results: pd.DataFrame, systems: pd.Index, metrics: tuple[str, ...]) -> str:
    """A table of ``metrics`` per system by gold-in-page bucket ("" when the run has none)."""
    rows = results[(results["group_by"] == "gold_in_page") & results["metric"].isin(metrics)]
    if rows.empty or not metrics:
        return ""
    values = rows.pivot_table(index=["system", "group"], columns="metric", values="value")
    sizes = rows.drop_duplicates("group").set_index("group")["n_pages"]
    groups = [g for g in GOLD_IN_PAGE_ORDER if g in sizes.index]
    head = "| system | " + " | ".join(f"{g} ({int(sizes[g])} pages)" for g in groups) + " |"
    lines = [
        f"**By how much of the gold is in the page's HTML** ({' / '.join(metrics)}; "
        "`complete`: ≥ 95% of the gold's words are in the HTML, hidden elements included; "
        "`partial`: 50–95%; `missing`: < 50%, content a script loads later):",
        "",
        head,
        "|---|" + "---|" * len(groups),
    ]
    for system in systems:
        cells = []
        for g in groups:
            v = values.loc[(system, g)] if (system, g) in values.index else None
            cells.append("" if v is None else " / ".join("" if pd.isna(v.get(m)) else f"{v[m]:.3f}" for m in metrics))
        lines.append(f"| {system} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def publish(markdown_text: str, document: Path, name: str) -> None:
    """Replace the section between ``<!-- leaderboard:NAME -->`` and ``<!-- /leaderboard:NAME -->``
    in ``document`` with ``markdown_text`` (its first heading dropped: the document has its own)."""
    import re

    start, end = f"<!-- leaderboard:{name} -->", f"<!-- /leaderboard:{name} -->"
    text = document.read_text(encoding="utf-8")
    if start not in text or end not in text:
        raise ValueError(f"{document} has no {start} … {end} section")
    body = markdown_text.split("\n", 1)[1].strip() if markdown_text.startswith("# ") else markdown_text.strip()
    new = re.sub(re.escape(start) + r".*?" + re.escape(end), lambda _: f"{start}\n{body}\n{end}", text, flags=re.S)
    document.write_text(new, encoding="utf-8")
