"""Figures of the report, drawn with matplotlib and embedded as base64 PNGs (no external files):
the ranking metric with 95% intervals per system, that metric by page type as a heat map with page
counts, the leak rate of entity runs, and quality against median CPU time per page."""

from __future__ import annotations

import base64
import io
from typing import Any

import pandas as pd

from benchmarks.report.tables import leaderboard


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
    err = [
        (board[metric] - board["ci_low"]).clip(lower=0).fillna(0),
        (board["ci_high"] - board[metric]).clip(lower=0).fillna(0),
    ]
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
        sizes = by_type.drop_duplicates("group").set_index("group")["n_pages"]
        labels = [f"{g} ({int(sizes.get(g, 0))})" for g in grid.columns]
        ax.set_xticks(range(grid.shape[1]), labels, rotation=30, ha="right")
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
                ax.annotate(
                    system, (secs[system] * 1000, row[metric]), fontsize=7, xytext=(3, 3), textcoords="offset points"
                )
        ax.set_xscale("log")
        ax.set_title(f"{metric} against time: up and to the left is better")
        ax.set_xlabel("median CPU ms per page (log)")
        ax.set_ylabel(metric)
        out["time"] = _png(fig)
        plt.close(fig)
    return out
