"""Reports from a results table: a Markdown leaderboard and one self-contained HTML page.

The HTML embeds its matplotlib figures as base64 PNGs (no external files): F1 with 95% intervals
per system, F1 by page type as a heat map, and quality against median CPU time per page.
"""

from __future__ import annotations

import base64
import html
import io
import json
from pathlib import Path
from typing import Any

import pandas as pd


#: Leaderboard columns per task: (ranking metric, further columns).
COLUMNS = {
    "boilerplate": ("aeb_f1", ("aeb_precision", "aeb_recall", "bow_f1", "snippet_f1", "block_f1")),
    "entities": ("strict_f1", ("strict_precision", "strict_recall", "exact_f1", "partial_f1", "type_f1", "conll_f1", "leak_rate")),
}
COLUMNS["pipeline"] = COLUMNS["entities"]
#: Metrics shown by how much of the gold is in the page (``benchmarks.gold_in_page``), per task.
GOLD_IN_PAGE_COLUMNS = {"boilerplate": ("aeb_f1", "aeb_recall")}
GOLD_IN_PAGE_ORDER = ("complete", "partial", "missing")  # pages without gold text are left out


def task_of(results: pd.DataFrame, run: dict[str, Any] | None) -> str:
    task = (run or {}).get("task") or (results["task"].iloc[0] if "task" in results and len(results) else "boilerplate")
    return task if task in COLUMNS else "boilerplate"


def leaderboard(results: pd.DataFrame, metric: str = "aeb_f1", extra: tuple[str, ...] | None = None) -> pd.DataFrame:
    """One row per system (overall group), sorted by ``metric`` descending."""
    if extra is None:
        extra = next((cols for m, cols in COLUMNS.values() if m == metric), ())
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
        meta = f"Run `{run.get('run_id')}` on release {run.get('dataset_version')}, {run.get('n_pages')} pages; seeded bootstrap 95% intervals.\n\n"
        fails = run.get("failures") or []
        if fails:
            # one line each: some errors (nltk's) span many lines and would break the Markdown list
            meta_f = "\n".join(f"- {f['system']} / {f['page_id']}: {f['status']} — {' '.join(str(f.get('error') or '').split())}"[:300]
                                for f in fails[:50])
            lines.append(f"\n**Failed pages** (scored as empty output): {len(fails)}\n\n{meta_f}")
    return f"# {task_of(results, run).capitalize()} leaderboard ({metric})\n\n{meta}" + "\n".join(lines) + "\n"


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


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    return base64.b64encode(buf.getvalue()).decode()


def figures(results: pd.DataFrame, run: dict[str, Any] | None, metric: str = "aeb_f1") -> dict[str, str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = {}
    board = leaderboard(results, metric).iloc[::-1]
    fig, ax = plt.subplots(figsize=(7, 0.32 * len(board) + 1))
    err = [(board[metric] - board["ci_low"]).clip(lower=0).fillna(0), (board["ci_high"] - board[metric]).clip(lower=0).fillna(0)]
    ax.barh(board.index, board[metric], xerr=err, color="#4C72B0", capsize=3)
    ax.set_xlabel(f"{metric} (95% bootstrap interval)")
    ax.set_xlim(0, 1.05)
    out["f1"] = _png(fig)
    plt.close(fig)

    by_type = results[(results["group_by"] == "page_type") & (results["metric"] == metric)]
    if not by_type.empty:
        grid = by_type.pivot_table(index="system", columns="group", values="value").reindex(board.index[::-1])
        fig, ax = plt.subplots(figsize=(1.1 * grid.shape[1] + 3, 0.32 * grid.shape[0] + 1))
        im = ax.imshow(grid.values, aspect="auto", cmap="viridis", vmin=0, vmax=1)
        ax.set_xticks(range(grid.shape[1]), grid.columns, rotation=30, ha="right")
        ax.set_yticks(range(grid.shape[0]), grid.index)
        for (i, j), v in pd.DataFrame(grid.values).stack().items():
            ax.text(j, i, f"{v:.2f}", ha="center", va="center", color="white" if v < 0.6 else "black", fontsize=7)
        fig.colorbar(im, ax=ax, label=metric)
        out["page_type"] = _png(fig)
        plt.close(fig)

    if "leak_rate" in board.columns:  # entity runs: how much of what a system reports comes from boilerplate
        fig, ax = plt.subplots(figsize=(7, 0.32 * len(board) + 1))
        ax.barh(board.index, board["leak_rate"].fillna(0), color="#C44E52")
        ax.set_xlabel("leak rate (share of predicted entities that lie in boilerplate)")
        ax.set_xlim(0, 1)
        out["leak"] = _png(fig)
        plt.close(fig)

    secs = (run or {}).get("median_seconds_per_page") or {}
    if secs:
        fig, ax = plt.subplots(figsize=(7, 4.5))
        for system, row in board.iterrows():
            if system in secs and secs[system] > 0:
                ax.scatter(secs[system] * 1000, row[metric], color="#DD8452")
                ax.annotate(system, (secs[system] * 1000, row[metric]), fontsize=7, xytext=(3, 3), textcoords="offset points")
        ax.set_xscale("log")
        ax.set_xlabel("median CPU ms per page (log)")
        ax.set_ylabel(metric)
        out["time"] = _png(fig)
        plt.close(fig)
    return out


def html_report(results: pd.DataFrame, run: dict[str, Any] | None = None, metric: str = "aeb_f1") -> str:
    figs = figures(results, run, metric)
    board = leaderboard(results, metric)
    table = board.to_html(float_format=lambda x: f"{x:.3f}", na_rep="", classes="board")
    imgs = "".join(f'<h2>{html.escape(t)}</h2><img src="data:image/png;base64,{figs[k]}"/>'
                   for k, t in (("f1", f"{metric} per system"), ("page_type", f"{metric} by page type"), ("leak", "leak rate per system"),
                               ("time", "quality vs time per page")) if k in figs)
    fails = (run or {}).get("failures") or []
    fail_html = "".join(f"<li>{html.escape(f['system'])} / {html.escape(str(f['page_id']))}: {html.escape(f['status'])} — {html.escape(str(f.get('error') or ''))[:300]}</li>" for f in fails[:200])
    title = f"PageGold {task_of(results, run)} benchmark — {html.escape(str((run or {}).get('run_id', '')))}"
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title><style>body{{font-family:sans-serif;max-width:1100px;margin:auto}}"
            f"table.board{{border-collapse:collapse}}table.board td,table.board th{{border:1px solid #ccc;padding:3px 6px}}</style></head><body>"
            f"<h1>{title}</h1><p>Release {html.escape(str((run or {}).get('dataset_version', '')))}, {(run or {}).get('n_pages', '')} pages. "
            f"Intervals: seeded bootstrap 95%.</p>{table}{imgs}<h2>Failed pages ({len(fails)}, scored as empty)</h2><ul>{fail_html}</ul></body></html>")


def write_reports(run_dir: Path, out_dir: Path | None = None, metric: str | None = None) -> dict[str, Path]:
    """From a run folder (results.parquet, run.json) write leaderboard.md and report.html.

    ``metric`` defaults to the ranking metric of the run's task (aeb_f1, or strict_f1 for entities).
    """
    out_dir = out_dir or run_dir
    results = pd.read_parquet(run_dir / "results.parquet")
    run_path = run_dir / "run.json"
    run = json.loads(run_path.read_text()) if run_path.exists() else None
    metric = metric or COLUMNS[task_of(results, run)][0]
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"markdown": out_dir / "leaderboard.md", "html": out_dir / "report.html"}
    paths["markdown"].write_text(markdown(results, run, metric), encoding="utf-8")
    paths["html"].write_text(html_report(results, run, metric), encoding="utf-8")
    return paths


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
