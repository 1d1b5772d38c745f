"""Write a run folder's reports: leaderboard.md (``tables``) and report.html (``page``)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from benchmarks.report.page import html_report
from benchmarks.report.tables import _primary, markdown


def write_reports(run_dir: Path, out_dir: Path | None = None, metric: str | None = None) -> dict[str, Path]:
    """From a run folder (results.parquet, run.json) write leaderboard.md and report.html.

    ``metric`` defaults to the run's primary metric: the primary column of the first metric family
    its gold supports (aeb_f1; snippet_f1 for a snippets-only gold; strict_f1 for entities).
    """
    out_dir = out_dir or run_dir
    results = pd.read_parquet(run_dir / "results.parquet")
    run_path = run_dir / "run.json"
    run = json.loads(run_path.read_text()) if run_path.exists() else None
    metric = metric or _primary(results, run)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"markdown": out_dir / "leaderboard.md", "html": out_dir / "report.html"}
    paths["markdown"].write_text(markdown(results, run, metric), encoding="utf-8")
    paths["html"].write_text(html_report(results, run, metric, run_dir=run_dir), encoding="utf-8")
    return paths
