"""Task registry: what ``pagegold bench score|run|report|compare`` dispatch through.

A task (boilerplate, entities, …) knows how to read gold and predictions from files, which
systems belong to it, and how to turn one page's output into *per-page sufficient statistics*
(counts such as TP/FP/FN, or a per-page score). Aggregation is a separate, vectorised step over
those statistics, so that the same code gives the point estimate (all pages) and every bootstrap
resample (an index array of shape ``(n_resamples, n_pages)``) — the trick that makes the
statistics fast whatever the metric's shape (ratio of means, micro sums, macro means).

A task registers itself by adding an instance to ``TASKS`` (``register_task``) from a module of
this package or of the ``pagegold.tasks`` entry-point group (``TASKS`` imports them all the first
time it is read); the CLI and the runner never need editing to gain a task.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from curation.plugins import Registry

if TYPE_CHECKING:
    from benchmarks.metrics import Metric


class Task:
    """Base class of a benchmark task. Subclasses set the class attributes and the methods."""

    name: ClassVar[str]
    description: ClassVar[str] = ""
    #: metric families (``benchmarks.metrics.METRICS``) in ranking preference: the run's primary
    #: metric is the primary column of the first family its gold supports. Any other registered
    #: family whose ``task`` is this task's ``scored_as`` (a plug-in's) follows, by name.
    metrics: ClassVar[tuple[str, ...]] = ()
    #: the ``Metric.task`` of the families that score this task's outputs (default: its name)
    scored_as: ClassVar[str | None] = None
    # the value of predictions.input for systems of this task ("html", "page_text", …)
    input: ClassVar[str] = "html"

    # -- metric families --------------------------------------------------------------------------
    def families(self, names: Sequence[str] | None = None) -> list[Metric]:
        """The ``Metric`` objects of ``names`` (default: all of the task's), in the task's order."""
        from benchmarks.metrics import METRICS

        task = self.scored_as or self.name
        order = (*self.metrics, *(n for n, m in METRICS.items() if m.task == task and n not in self.metrics))
        wanted = order if names is None else tuple(n for n in order if n in names)
        return [METRICS[n] for n in wanted]

    @property
    def primary_metric(self) -> str:
        """The ranking column when the gold supports every family, e.g. ``aeb_f1``."""
        return self.families()[0].primary

    @property
    def file_metrics(self) -> tuple[str, ...]:
        """Families ``bench score --metric`` accepts (besides "all")."""
        return tuple(m.name for m in self.families() if m.from_files)

    @property
    def run_metrics(self) -> tuple[str, ...]:
        """Families ``bench run`` scores unless asked otherwise."""
        return tuple(m.name for m in self.families() if m.in_runs)

    def primary_for(self, columns: Iterable[str]) -> str:
        """The ranking column of a run whose results hold ``columns``: the primary column of the
        first family that scored any page (``snippet_f1`` for a snippets-only gold)."""
        present = set(columns)
        return next((m.primary for m in self.families() if m.primary in present), self.primary_metric)

    def board_columns(self) -> tuple[str, ...]:
        """Leaderboard columns, every family's ``board`` in the task's order."""
        return tuple(c for m in self.families() for c in m.board)

    # -- bring-your-own-predictions ---------------------------------------------------------------
    def score_files(
        self, gold_path: str | Path, pred_path: str | Path, metric: str = "all", *, resamples: int = 1000, seed: int = 0
    ) -> dict[str, Any]:
        """Score a predictions file against a gold file; return one flat JSON-able dict."""
        raise NotImplementedError

    def prepare_gold(self, gold_path: str | Path, metric: str = "all") -> None:
        """Read and index a gold file ahead of scoring many predictions against it. Whatever this
        caches is shared by the worker processes ``score_many`` forks. Default: nothing."""

    def score_many(
        self,
        gold_path: str | Path,
        pred_paths: list[str | Path],
        metric: str = "all",
        *,
        resamples: int = 1000,
        seed: int | None = None,
        jobs: int = 1,
    ) -> dict[str, dict[str, Any]]:
        """``score_files`` for every predictions file against one gold, in ``jobs`` processes.

        Returns results keyed by each path as given, in the order given. ``seed`` None keeps the
        task's default bootstrap seed.
        """
        self.prepare_gold(gold_path, metric)
        kwargs: dict[str, Any] = {"resamples": resamples} | ({} if seed is None else {"seed": seed})
        if jobs <= 1 or len(pred_paths) <= 1:
            return {str(p): self.score_files(gold_path, p, metric, **kwargs) for p in pred_paths}
        # fork, not spawn: the workers inherit the gold prepared above instead of rebuilding it
        context = multiprocessing.get_context("fork")
        # largest files first, so that no big file is left to run alone at the end
        by_size = sorted(pred_paths, key=lambda p: Path(p).stat().st_size if Path(p).is_file() else 0, reverse=True)
        with ProcessPoolExecutor(min(jobs, len(pred_paths)), mp_context=context) as pool:
            futures = {str(p): pool.submit(self.score_files, gold_path, p, metric, **kwargs) for p in by_size}
            return {str(p): futures[str(p)].result() for p in pred_paths}

    # -- runner -----------------------------------------------------------------------------------
    def systems(self) -> list[str]:
        """Names of the registered systems of this task."""
        from benchmarks.systems import REGISTRY

        return REGISTRY.of_task(self.name)

    def load_gold(
        self, version: str | None = None, split: str | None = None, source: str | None = None, root: Path | None = None
    ) -> dict[str, dict[str, Any]]:
        """Gold records of a release keyed by page_id (only pages with gold are benchmarked)."""
        raise NotImplementedError

    def page_stats(
        self, page: Mapping[str, Any], gold: Mapping[str, Any], output: Any, metrics: Sequence[str] | None = None,
        output_format: str = "text",
    ) -> dict[str, float]:
        """Per-page sufficient statistics of one system output (``output`` None = empty/failed):
        every family of ``metrics`` (default: ``run_metrics``), NaN where the gold cannot support it.
        ``output_format`` "markdown": families score the output rendered to text, but those that
        read markup (ROUGE-N) score it as is."""
        out: dict[str, float] = {}
        for family in self.families(metrics or self.run_metrics):
            out.update(family.stats(page, gold, as_read(family, output, output_format)))
        return out

    def output_format(self, system: str) -> str:
        """The declared output format of a registered system ("text" for an unknown name)."""
        from benchmarks.systems import REGISTRY

        return getattr(REGISTRY.get(system, None), "output_format", "text")

    def stats_by_system(
        self, pages: Sequence[Mapping[str, Any]], golds: Sequence[Mapping[str, Any]], outputs: dict[str, list[Any]], metrics: Sequence[str] | None = None
    ) -> dict[str, dict[str, np.ndarray]]:
        """Per-page statistics of every system (name → its outputs in page order) as arrays.

        Families with a vectorised path score all pages of a system at once; the others go page by
        page, every system on one page before the next, so each page's profile is built once. Each
        system's outputs are read in its declared ``output_format``.
        """
        from benchmarks.metrics import Metric

        families = self.families(metrics or self.run_metrics)
        formats = {name: self.output_format(name) for name in outputs}
        out: dict[str, dict[str, np.ndarray]] = {name: {} for name in outputs}
        vectorised = [f for f in families if type(f).corpus_stats is not Metric.corpus_stats]
        for family in vectorised:
            for name, outs in outputs.items():
                out[name].update(family.corpus_stats(pages, golds, [as_read(family, o, formats[name]) for o in outs]))
        rest = [f for f in families if f not in vectorised]
        if rest:
            rows: dict[str, list[dict[str, float]]] = {name: [] for name in outputs}
            for i, (page, gold) in enumerate(zip(pages, golds)):
                for name, outs in outputs.items():
                    row: dict[str, float] = {}
                    for family in rest:
                        row.update(family.stats(page, gold, as_read(family, outs[i], formats[name])))
                    rows[name].append(row)
            for name, per_page in rows.items():
                out[name].update(stack_rows(per_page))
        return out

    def aggregate(self, stats: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Metric values from per-page statistics; arrays are ``(..., n_pages)``, reduced on the last
        axis. A family no page of the selection supports contributes no column (never a 0)."""
        out: dict[str, np.ndarray] = {}
        for family in self.families():
            if family.scored(stats):
                out.update(family.aggregate({k: stats[k] for k in family.stat_keys}))
        return out

    def empty_output(self) -> Any:
        """What a failed page (crash, timeout, error) is scored as."""
        return None

    def prediction_fields(self, output: Any) -> dict[str, Any]:
        """Columns of the predictions table that hold ``output`` (e.g. ``{"text": …}``)."""
        raise NotImplementedError

    def output_from_prediction(self, row: dict[str, Any]) -> Any:
        """Inverse of ``prediction_fields`` (used to rescore cached or stored predictions)."""
        raise NotImplementedError


def as_read(family: Metric, output: Any, output_format: str) -> Any:
    """``output`` as ``family`` reads it: a Markdown output rendered to plain text, unless the
    family reads markup (``benchmarks.metrics.markdown_text``)."""
    if output_format != "markdown" or family.reads_markup or not isinstance(output, str):
        return output
    from benchmarks.metrics.markdown_text import to_text

    return to_text(output)


def stack_rows(rows: list[dict[str, float]]) -> dict[str, np.ndarray]:
    """Per-page statistic dicts → one array per statistic."""
    keys = rows[0].keys() if rows else ()
    return {k: np.array([r[k] for r in rows], dtype=float) for k in keys}


TASKS: Registry[Task] = Registry("task", package="benchmarks.tasks", group="pagegold.tasks")


def register_task(task: Task) -> Task:
    """Add a task instance to ``TASKS`` under its name (names are unique)."""
    return TASKS.add(task.name, task)


def get_task(name: str) -> Task:
    """The task called ``name``; a KeyError listing the known tasks otherwise."""
    return TASKS.get(name)
