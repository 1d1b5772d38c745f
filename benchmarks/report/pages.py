"""Per-page views of a run: the pages where the top systems disagree most, side by side with the gold
(word differences highlighted), and entity spans on the page text (gold, predicted, leaked).

Why: a leaderboard says which system is better on average; the pages where the best systems
disagree show *why* (a missed standfirst, a teaser list kept, a script-only page). Per-page scores
come from the run's own ``page_stats.parquet`` through the task's ``aggregate``, so whatever
statistics a task keeps, the ranking metric is computed the same way as on the leaderboard.
"""

from __future__ import annotations

import difflib
import html
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

MAX_WORDS = 1500  # per text in a side-by-side view: enough to see the difference, small enough to diff fast
_WORDS = re.compile(r"\S+")


def per_page_metric(task: Any, page_stats: pd.DataFrame, metric: str) -> pd.DataFrame:
    """page_id × system table of ``metric`` per page (the task's aggregate over one page at a time)."""
    out = {}
    for system, part in page_stats.groupby("system"):
        part = part.sort_values("page_id")
        stats = {c: part[c].to_numpy(float)[:, None] for c in part.columns if c not in ("system", "page_id")}
        values = task.aggregate(stats).get(metric)
        if values is not None:
            out[system] = pd.Series(np.asarray(values, float).reshape(-1), index=part["page_id"].to_numpy())
    return pd.DataFrame(out)


def most_disagreed(values: pd.DataFrame, systems: list[str], n: int = 20) -> pd.DataFrame:
    """The ``n`` pages with the largest spread (max − min) of the metric among ``systems``."""
    cols = [s for s in systems if s in values.columns]
    if len(cols) < 2:
        return values.iloc[0:0]
    part = values[cols].dropna(how="all")
    spread = part.max(axis=1) - part.min(axis=1)
    return part.assign(spread=spread).sort_values("spread", ascending=False).head(n)


def word_diff(gold: str, output: str) -> tuple[str, str]:
    """(gold HTML, output HTML): gold words the output lacks marked ``miss``, output words not in the
    gold marked ``extra`` (a word-level diff; texts cut at ``MAX_WORDS`` words)."""
    g, o = _WORDS.findall(gold or "")[:MAX_WORDS], _WORDS.findall(output or "")[:MAX_WORDS]
    matcher = difflib.SequenceMatcher(a=g, b=o, autojunk=False)
    gold_html, out_html = [], []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        a, b = html.escape(" ".join(g[i1:i2])), html.escape(" ".join(o[j1:j2]))
        if op == "equal":
            gold_html.append(a)
            out_html.append(b)
        else:
            if a:
                gold_html.append(f'<mark class="miss">{a}</mark>')
            if b:
                out_html.append(f'<mark class="extra">{b}</mark>')
    return " ".join(gold_html), " ".join(out_html)


def entity_html(text: str, gold: list[dict], predicted: list[dict], zones: list[tuple[int, int]] | None) -> str:
    """The page text with main zones shaded and spans marked: gold (underlined), predicted (boxed),
    and predicted spans in boilerplate (leaked, red)."""
    marks: list[tuple[int, int, str]] = []
    for z0, z1 in zones or []:
        marks += [(z0, 0, '<span class="zone">'), (z1, 0, "</span>")]

    def in_main(start: int, end: int) -> bool:
        return bool(zones) and any(start < z1 and end > z0 for z0, z1 in zones)

    for span in gold:
        marks += [
            (span["start"], 1, f'<u class="gold" title="gold {html.escape(span["label"])}">'),
            (span["end"], -1, "</u>"),
        ]
    for span in predicted:
        kind = "pred" if in_main(span["start"], span["end"]) or not zones else "leak"
        title = f"{'leaked' if kind == 'leak' else 'predicted'} {html.escape(str(span['label']))}"
        marks += [(span["start"], 2, f'<b class="{kind}" title="{title}">'), (span["end"], -2, "</b>")]
    # closing tags before opening ones at the same offset; well-formed enough for a viewer
    marks.sort(key=lambda m: (m[0], m[1]))
    out, pos = [], 0
    for offset, _, tag in marks:
        offset = max(pos, min(offset, len(text)))
        out.append(html.escape(text[pos:offset]))
        out.append(tag)
        pos = offset
    out.append(html.escape(text[pos:]))
    return "".join(out)


def load_outputs(run_dir: Path, page_ids: list[str], systems: list[str]) -> pd.DataFrame:
    """Rows of predictions.parquet for these pages and systems (text, entities, status)."""
    import pyarrow.dataset as ds

    path = run_dir / "predictions.parquet"
    if not path.exists():
        return pd.DataFrame()
    table = ds.dataset(path).to_table(filter=ds.field("page_id").isin(page_ids) & ds.field("system").isin(systems))
    return table.to_pandas()
