"""report.html: one self-contained page (no network, no script) that a researcher reads.

Sections, each an element with a stable id (the browser test checks them): ``leaderboard`` (rank,
CI, page counts), ``breakdowns`` (one table per breakdown the run has: source, page type, domain,
language, complexity, gold in page — whatever ``results.parquet`` holds), ``definitions`` (metric
docstrings), ``failures``, ``disagreements`` (boilerplate: the 20 pages where the top systems
disagree most, gold beside each system, differences highlighted), ``entities`` (entity runs:
per-label table, leak rate, highlighted spans per page) and ``time`` (quality vs time).
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import pandas as pd

import benchmarks.report.definitions as defs
import benchmarks.report.pages as pages
from benchmarks.report.figures import figures
from benchmarks.report.tables import leaderboard, task_of

TOP_SYSTEMS = 3  # systems compared page by page
BASELINES = {"gold", "empty", "full-text"}  # reference outputs, not contenders for "top systems"
STYLE = """
body{font-family:system-ui,sans-serif;max-width:1200px;margin:auto;padding:0 1em;color:#222}
nav a{margin-right:1em} table{border-collapse:collapse;margin:.5em 0} td,th{border:1px solid #ccc;padding:3px 6px}
td.num{text-align:right;font-variant-numeric:tabular-nums} th{background:#f3f3f3} .ci{color:#777;font-size:85%}
pre.doc{white-space:pre-wrap;background:#fafafa;border:1px solid #eee;padding:.5em;font-size:85%}
.side{display:grid;gap:.5em} .side>div{border:1px solid #ddd;padding:.4em;font-size:85%;max-height:24em;overflow:auto}
mark.miss{background:#ffd0d0} mark.extra{background:#fff0a0} .zone{background:#eef6ee}
u.gold{text-decoration:underline 2px #2a7} b.pred{outline:1px solid #36c;font-weight:normal}
b.leak{outline:1px solid #c33;background:#fdd;font-weight:normal} .legend span{margin-right:1em}
.side>div.text{white-space:pre-wrap} details{margin:.4em 0} summary{cursor:pointer}
"""


def _e(x: Any) -> str:
    return html.escape(str(x))


def _num(v: Any) -> str:
    return "" if v is None or pd.isna(v) else f"{v:.3f}"


def _section(sid: str, title: str, body: str) -> str:
    return f'<section id="{sid}"><h2>{_e(title)}</h2>{body}</section>'


def _leaderboard(board: pd.DataFrame, metric: str) -> str:
    cols = [c for c in board.columns if c not in ("ci_low", "ci_high", "version", "n_pages")]
    head = "".join(f"<th>{_e(c)}</th>" for c in ["#", "system", "version", *cols, "95% CI", "pages"])
    rows = []
    for rank, (system, row) in enumerate(board.iterrows(), 1):
        cells = "".join(f'<td class="num">{_num(row[c])}</td>' for c in cols)
        ci = "" if pd.isna(row["ci_low"]) else f"[{row['ci_low']:.3f}, {row['ci_high']:.3f}]"
        rows.append(
            f'<tr><td class="num">{rank}</td><td>{_e(system)}</td><td>{_e(row["version"])}</td>{cells}'
            f'<td class="ci">{ci}</td><td class="num">{int(row["n_pages"])}</td></tr>'
        )
    return f"<p>Ranked by <b>{_e(metric)}</b>; 95% CI of {_e(metric)}.</p><table><tr>{head}</tr>{''.join(rows)}</table>"


MAX_GROUPS = 15  # rows per breakdown table (domains run into the hundreds; results.parquet has them all)


def _breakdown(results: pd.DataFrame, by: str, metric: str, systems: list[str]) -> str:
    """One row per group (largest first, with its page count), one column per system: value and CI."""
    rows = results[(results["group_by"] == by) & (results["metric"] == metric)]
    sizes = rows.drop_duplicates("group").set_index("group")["n_pages"].sort_values(ascending=False, kind="stable")
    groups = list(sizes.index[:MAX_GROUPS])
    head = "<th>" + _e(by.replace("_", " ")) + "</th><th>pages</th>" + "".join(f"<th>{_e(s)}</th>" for s in systems)
    cell = rows.set_index(["system", "group"])
    body = []
    for g in groups:
        tds = []
        for system in systems:
            if (system, g) not in cell.index:
                tds.append("<td></td>")
                continue
            r = cell.loc[(system, g)]
            ci = "" if pd.isna(r["ci_low"]) else f" <span class='ci'>[{r['ci_low']:.2f}, {r['ci_high']:.2f}]</span>"
            tds.append(f'<td class="num">{_num(r["value"])}{ci}</td>')
        body.append(f"<tr><td>{_e(g)}</td><td class='num'>{int(sizes[g])}</td>{''.join(tds)}</tr>")
    more = (
        f"<p class='ci'>{len(sizes) - len(groups)} smaller groups are in results.parquet.</p>"
        if len(sizes) > len(groups)
        else ""
    )
    title = by.replace("_", " ")
    return (
        f'<div id="by-{_e(by)}"><h3>By {_e(title)} ({_e(metric)}; small groups get no interval)</h3>'
        f"<table><tr>{head}</tr>{''.join(body)}</table>{more}</div>"
    )


def _definitions(metrics: list[str]) -> str:
    found = defs.definitions(metrics)
    if not found:
        return "<p>No definitions found for this run's metrics.</p>"
    return "".join(
        f"<h3>{_e(module)}: {_e(', '.join(ms))}</h3><pre class='doc'>{_e(doc)}</pre>" for module, ms, doc in found
    )


def _failures(run: dict[str, Any]) -> str:
    fails = run.get("failures") or []
    if not fails:
        return "<p>None: every system returned an output for every page.</p>"
    rows = "".join(
        f"<tr><td>{_e(f['system'])}</td><td>{_e(f['page_id'])}</td><td>{_e(f['status'])}</td>"
        f"<td>{_e(' '.join(str(f.get('error') or '').split())[:300])}</td></tr>"
        for f in fails[:500]
    )
    return (
        f"<p>{len(fails)} (system, page) pairs failed and were scored as empty output.</p>"
        f"<table><tr><th>system</th><th>page</th><th>status</th><th>error</th></tr>{rows}</table>"
    )


def _task(run: dict[str, Any], results: pd.DataFrame):
    from benchmarks.tasks import get_task

    try:
        return get_task(task_of(results, run))
    except KeyError:
        return None


def _gold_texts(run: dict[str, Any], task: Any, ids: list[str]) -> dict[str, dict[str, Any]]:
    try:
        gold = task.load_gold(run.get("dataset_version"))
    except Exception as exc:
        return {"__error__": {"error": f"{type(exc).__name__}: {exc}"}}
    return {k: gold[k] for k in ids if k in gold}


def _disagreements(run_dir: Path, run: dict[str, Any], results: pd.DataFrame, board: pd.DataFrame, metric: str) -> str:
    task = _task(run, results)
    stats_path = run_dir / "page_stats.parquet"
    if task is None or not stats_path.exists():
        return "<p>No per-page statistics in this run folder.</p>"
    top = [s for s in board.index if s not in BASELINES][:TOP_SYSTEMS]
    values = pages.per_page_metric(task, pd.read_parquet(stats_path), metric)
    worst = pages.most_disagreed(values, top)
    if worst.empty:
        return "<p>Fewer than two systems to compare.</p>"
    ids = list(worst.index)
    gold = _gold_texts(run, task, ids)
    if "__error__" in gold:
        return f"<p>The release's gold could not be read ({_e(gold['__error__']['error'])}).</p>"
    outputs = pages.load_outputs(run_dir, ids, top).set_index(["page_id", "system"])
    legend = (
        "<p class='legend'>The pages where the top systems ("
        + ", ".join(map(_e, top))
        + f") differ most in {_e(metric)}. "
        "<span><mark class='miss'>gold words the system missed</mark></span>"
        "<span><mark class='extra'>words the system added</mark></span></p>"
    )
    items = []
    for rank, (pid, row) in enumerate(worst.iterrows(), 1):
        gtext = (gold.get(pid) or {}).get("main_text") or ""
        cols = []
        for system in top:
            out = outputs.loc[(pid, system)] if (pid, system) in outputs.index else None
            text = "" if out is None or pd.isna(out.get("text")) else out["text"]
            g_html, o_html = pages.word_diff(gtext, text)
            status = "" if out is None or out.get("status") == "ok" else f" ({_e(out.get('status'))})"
            cols.append((f"{_e(system)}{status}: {_num(row.get(system))}", o_html, g_html))
        grid = f"<div class='side' style='grid-template-columns:repeat({len(cols) + 1},1fr)'>"
        grid += f"<div><b>gold</b> (missed by {_e(top[0])} marked)<br>{cols[0][2]}</div>"
        grid += "".join(f"<div><b>{head}</b><br>{body}</div>" for head, body, _ in cols) + "</div>"
        scores = ", ".join(f"{_e(s)} {_num(row.get(s))}" for s in top)
        items.append(
            f"<details{' open' if rank == 1 else ''}><summary>{rank}. page {_e(pid)} — spread "
            f"{_num(row['spread'])} ({scores})</summary>{grid}</details>"
        )
    return legend + "".join(items)


def _entities(run_dir: Path, run: dict[str, Any], results: pd.DataFrame, board: pd.DataFrame, metric: str) -> str:
    parts = []
    overall = results[results["group_by"] == "all"]
    # per-label metrics are the task's own "<LABEL>_<metric>" columns (whatever labels the run has)
    labels = sorted(
        {m[: -len("_strict_f1")] for m in overall["metric"] if m.endswith("_strict_f1") and m != "strict_f1"}
    )
    modes = [
        m
        for m in ("strict_precision", "strict_recall", "strict_f1", "partial_f1", "type_f1", "conll_f1")
        if any(f"{label}_{m}" in set(overall["metric"]) for label in labels)
    ]
    stats = pd.read_parquet(run_dir / "page_stats.parquet") if (run_dir / "page_stats.parquet").exists() else None
    if labels:
        wide = overall.pivot_table(index="system", columns="metric", values="value")
        head = (
            "<th>system</th><th>label</th>"
            + "".join(f"<th>{_e(m)}</th>" for m in modes)
            + "<th>gold entities</th><th>predicted</th>"
        )
        rows = []
        for system in board.index:
            for label in labels:
                cells = "".join(f'<td class="num">{_num(wide.loc[system].get(f"{label}_{m}"))}</td>' for m in modes)
                n_gold = n_pred = ""
                if stats is not None and f"{label}_conll_n_gold" in stats.columns:
                    part = stats[stats["system"] == system]
                    n_gold, n_pred = int(part[f"{label}_conll_n_gold"].sum()), int(part[f"{label}_conll_n_pred"].sum())
                rows.append(
                    f"<tr><td>{_e(system)}</td><td>{_e(label)}</td>{cells}<td class='num'>{n_gold}</td>"
                    f"<td class='num'>{n_pred}</td></tr>"
                )
        parts.append(f"<h3 id='per-label'>Per label</h3><table><tr>{head}</tr>{''.join(rows)}</table>")
    if "leak_rate" in board.columns:
        rows = "".join(
            f'<tr><td>{_e(s)}</td><td class="num">{_num(r["leak_rate"])}</td></tr>' for s, r in board.iterrows()
        )
        parts.append(
            "<h3 id='leak'>Leak rate</h3><p>Share of predicted entities that lie in boilerplate "
            f"(outside the gold main zones).</p><table><tr><th>system</th><th>leak_rate</th></tr>{rows}</table>"
        )
    task = _task(run, results)
    if task is not None and (run_dir / "predictions.parquet").exists():
        systems = list(board.index[:TOP_SYSTEMS])
        preds = pd.read_parquet(run_dir / "predictions.parquet", columns=["page_id", "system", "entities"])
        ids = sorted(preds["page_id"].unique())[:10]
        gold = _gold_texts(run, task, ids)
        if "__error__" not in gold:
            from benchmarks.alignment import zones_from_gold
            from curation import dataset

            texts = {p["page_id"]: p for p in dataset.iter_pages(run.get("dataset_version"), ids=ids,
                                                                 columns=["page_id", "text", "blocks"])}  # fmt: skip
            legend = (
                "<p class='legend'><span><u class='gold'>gold entity</u></span>"
                "<span><b class='pred'>predicted</b></span>"
                "<span><b class='leak'>predicted in boilerplate (leaked)</b></span>"
                "<span class='zone'>gold main zone</span></p>"
            )
            items = []
            for pid in ids:
                page, g = texts.get(pid), gold.get(pid)
                if page is None or g is None:
                    continue
                zones = zones_from_gold(page, g)
                for system in systems:
                    rows = preds[(preds.page_id == pid) & (preds.system == system)]
                    pred = [] if rows.empty or rows.iloc[0]["entities"] is None else list(rows.iloc[0]["entities"])
                    body = pages.entity_html(page["text"], list(g.get("entities") or []), pred, zones)
                    items.append(
                        f"<details><summary>page {_e(pid)} · {_e(system)}</summary>"
                        f"<div class='side'><div class='text'>{body}</div></div></details>"
                    )
            parts.append("<h3>Spans per page</h3>" + legend + "".join(items))
    return "".join(parts) or "<p>No entity results.</p>"


def html_report(
    results: pd.DataFrame, run: dict[str, Any] | None = None, metric: str = "aeb_f1", run_dir: Path | None = None
) -> str:
    """The whole report as one HTML string (figures inlined as base64 PNGs)."""
    run = run or {}
    task = task_of(results, run)
    figs = figures(results, run, metric)
    board = leaderboard(results, metric)
    systems = list(board.index)
    img = {k: f'<img alt="{_e(k)}" src="data:image/png;base64,{v}"/>' for k, v in figs.items()}
    breakdowns = [b for b in results["group_by"].drop_duplicates() if b not in ("all", "label")]
    sections = [
        ("leaderboard", "Leaderboard", _leaderboard(board, metric) + img.get("f1", "")),
        (
            "breakdowns",
            "Breakdowns",
            "".join(_breakdown(results, b, metric, systems) for b in breakdowns)
            + (
                f"<h3>By page type (heat map; pages per type in brackets)</h3>{img['page_type']}"
                if "page_type" in img
                else ""
            ),
        ),
        ("definitions", "Metric definitions", _definitions(sorted(results["metric"].unique()))),
        ("failures", "Failed pages", _failures(run)),
    ]
    if run_dir is not None and task == "boilerplate":
        sections.append(
            ("disagreements", "Where the top systems disagree", _disagreements(run_dir, run, results, board, metric))
        )
    if task in ("entities", "pipeline"):
        sections.append(
            (
                "entities",
                "Entities: per label, leak rate, spans",
                (img.get("leak", "")) + (_entities(run_dir, run, results, board, metric) if run_dir else ""),
            )
        )
    sections.append(("time", "Quality vs time", img.get("time", "<p>No timing in this run.</p>")))
    nav = "".join(f'<a href="#{sid}">{_e(title)}</a>' for sid, title, _ in sections)
    title = f"PageGold {task} benchmark — {run.get('run_id', '')}"
    meta = (
        f"Release {_e(run.get('dataset_version', ''))}, {_e(run.get('n_pages', ''))} pages, "
        f"{len(systems)} systems; intervals: seeded bootstrap 95%."
    )
    body = "".join(_section(*s) for s in sections)
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{_e(title)}</title>"
        f"<style>{STYLE}</style></head><body><h1>{_e(title)}</h1><p>{meta}</p><nav>{nav}</nav>{body}"
        f"<script type='application/json' id='run-meta'>{_e(json.dumps({'task': task, 'metric': metric}))}</script>"
        "</body></html>"
    )
