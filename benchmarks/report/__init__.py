"""Reports from a run folder: leaderboard.md and one self-contained report.html.

Modules: ``tables`` (leaderboard, Markdown, publishing into documents), ``figures`` (matplotlib
PNGs), ``definitions`` (metric definitions from the metric modules' docstrings), ``pages``
(per-page views: where systems disagree, highlighted differences and entity spans) and ``page``
(the HTML document), ``write`` (both files). Imports go one way: write → page → figures,
pages, definitions → tables.
"""

from benchmarks.report.tables import (
    GOLD_IN_PAGE_COLUMNS,
    GOLD_IN_PAGE_ORDER,
    gold_in_page_markdown,
    leaderboard,
    markdown,
    publish,
    task_columns,
    task_of,
)
from benchmarks.report.write import write_reports

__all__ = [
    "GOLD_IN_PAGE_COLUMNS",
    "GOLD_IN_PAGE_ORDER",
    "gold_in_page_markdown",
    "leaderboard",
    "markdown",
    "publish",
    "task_columns",
    "task_of",
    "write_reports",
]
