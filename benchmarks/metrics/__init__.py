"""Metrics as pure functions, and the one interface a task scores through (``Metric``).

Boilerplate metrics: ``aeb`` (AEB shingles), ``bow`` (WCXB bag of words), ``rouge`` (ROUGE-LSum,
Bevendorff et al. 2023), ``snippets`` (trafilatura with/without), ``blocks`` (main-block mask);
entity metrics: ``entities`` (SemEval-2013 modes, CoNLL, leaks). Each module's docstring states its
definition and source, and each registers one ``Metric`` (a *metric family*) in ``METRICS``; so does
every module of the ``pagegold.metrics`` entry-point group.

A family says which gold fields it needs (``gold_fields``): a page whose gold lacks them is
*missing* for that family (its statistics are NaN, and the aggregate leaves it out), never scored
0 — a snippets-only gold gets snippet metrics and no AEB column at all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import numpy as np

from curation.plugins import Registry


class Metric:
    """One metric family: per-page sufficient statistics, their aggregate, and what it contributes.

    Subclasses set the class attributes and ``page_stats``/``aggregate``; ``corpus_stats`` is the
    optional vectorised path (all pages of one system at once). Statistic arrays are
    ``(..., n_pages)`` and reduced on the last axis, so the same ``aggregate`` gives the point
    estimate and every bootstrap resample.
    """

    #: family name, as ``bench score --metric`` and ``Task.metrics`` spell it ("aeb", "rouge-lsum")
    name: ClassVar[str]
    #: what its result columns start with ("aeb" for aeb_f1 …); ``bench score --metric X`` drops it
    prefix: ClassVar[str] = ""
    #: task whose outputs it scores ("boilerplate"; "entities" covers the pipeline task too)
    task: ClassVar[str] = "boilerplate"
    #: keys of ``page_stats``
    stat_keys: ClassVar[tuple[str, ...]]
    #: result columns ``aggregate`` returns, the first being the primary (the ranking metric)
    columns: ClassVar[tuple[str, ...]]
    #: columns the leaderboard shows for this family (a subset of ``columns``)
    board: ClassVar[tuple[str, ...]] = ()
    #: gold record fields a page must have (not None, not empty for lists) to be scored
    gold_fields: ClassVar[tuple[str, ...]] = ()
    #: scores a Markdown output as the system gave it (ROUGE-N); the others score it rendered to text
    reads_markup: ClassVar[bool] = False
    #: scored by ``bench run`` unless asked otherwise (ROUGE-LSum is opt-in: slow on long pages)
    in_runs: ClassVar[bool] = True
    #: scored by ``bench score`` from gold/prediction files (the block metric needs a release's blocks)
    from_files: ClassVar[bool] = True

    @property
    def primary(self) -> str:
        return self.columns[0]

    def short(self, column: str) -> str:
        """A result column without the family prefix (``aeb_f1`` → ``f1``; a bare prefix is the F1)."""
        return "f1" if column == self.prefix else column.removeprefix(f"{self.prefix}_")

    def supports(self, page: Mapping[str, Any], gold: Mapping[str, Any]) -> bool:
        """Whether this page's gold has what the family needs."""
        for field in self.gold_fields:
            value = gold.get(field)
            if value is None or (not isinstance(value, str) and hasattr(value, "__len__") and len(value) == 0):
                return False
        return True

    def missing(self) -> dict[str, float]:
        """The statistics of a page this family cannot score."""
        return {k: float("nan") for k in self.stat_keys}

    def page_stats(self, page: Mapping[str, Any], gold: Mapping[str, Any], output: Any) -> dict[str, float]:
        """Sufficient statistics of one system output on one page (``output`` None: empty/failed)."""
        raise NotImplementedError

    def stats(self, page: Mapping[str, Any], gold: Mapping[str, Any], output: Any) -> dict[str, float]:
        """``page_stats`` where the gold supports the family, NaN statistics elsewhere."""
        return self.page_stats(page, gold, output) if self.supports(page, gold) else self.missing()

    def corpus_stats(self, pages: Sequence[Mapping[str, Any]], golds: Sequence[Mapping[str, Any]], outputs: Sequence[Any]) -> dict[str, np.ndarray]:
        """Statistics of every page of one system, as arrays (override for a vectorised path)."""
        rows = [self.stats(p, g, o) for p, g, o in zip(pages, golds, outputs)]
        return {k: np.array([r[k] for r in rows], dtype=float) for k in self.stat_keys}

    def aggregate(self, stats: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Result columns from per-page statistics (missing pages left out)."""
        raise NotImplementedError

    def resampled(self, stats: Mapping[str, np.ndarray]) -> tuple[Mapping[str, np.ndarray], Any]:
        """Per-page arrays to bootstrap and the aggregate that reads them: by default the statistics
        and ``aggregate``. A family may move page-wise work out of the resampling loop, as long as
        every value stays the same bit for bit (``aeb``)."""
        return stats, self.aggregate

    def scored(self, stats: Mapping[str, np.ndarray]) -> bool:
        """Whether any page of this selection was scored by the family."""
        return all(k in stats for k in self.stat_keys) and bool(np.any(~np.isnan(np.asarray(stats[self.stat_keys[0]], dtype=float))))


METRICS: Registry[Metric] = Registry("metric", package="benchmarks.metrics", group="pagegold.metrics")


def register_metric(metric: Metric) -> Metric:
    """Add a metric family to ``METRICS`` under its name (names are unique)."""
    return METRICS.add(metric.name, metric)


def mean_over_pages(x: Any) -> np.ndarray:
    """Mean over the last axis of the pages that were scored (NaN marks a missing page).

    >>> mean_over_pages(np.array([1.0, np.nan, 0.0]))
    np.float64(0.5)
    """
    x = np.asarray(x, dtype=float)
    if not np.isnan(x).any():
        return x.mean(-1)  # the common case, bit for bit what it always was
    valid = ~np.isnan(x)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(valid, x, 0.0).sum(-1) / valid.sum(-1)


def macro_prf(stats: Any, prefix: str) -> dict[str, np.ndarray]:
    """Macro means of ``<prefix>_f1``, ``_precision`` and ``_recall`` over the pages that were scored.

    >>> x = np.array([1.0, 0.5, np.nan])
    >>> {k: float(v) for k, v in macro_prf({"m_f1": x, "m_precision": x, "m_recall": x}, "m").items()}
    {'f1': 0.75, 'precision': 0.75, 'recall': 0.75}
    """
    return {key: mean_over_pages(stats[f"{prefix}_{key}"]) for key in ("f1", "precision", "recall")}


def sum_over_pages(x: Any) -> np.ndarray:
    """Sum over the last axis of the pages that were scored (NaN marks a missing page).

    >>> sum_over_pages(np.array([2.0, np.nan, 3.0]))
    np.float64(5.0)
    """
    x = np.asarray(x, dtype=float)
    return np.where(np.isnan(x), 0.0, x).sum(-1)
