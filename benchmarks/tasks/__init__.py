"""Task registry: what ``pagegold bench score|run|report|compare`` dispatch through.

A task (boilerplate, entities, …) knows how to read gold and predictions from files, which
systems belong to it, and how to turn one page's output into *per-page sufficient statistics*
(counts such as TP/FP/FN, or a per-page score). Aggregation is a separate, vectorised step over
those statistics, so that the same code gives the point estimate (all pages) and every bootstrap
resample (an index array of shape ``(n_resamples, n_pages)``) — the trick that makes the
statistics fast whatever the metric's shape (ratio of means, micro sums, macro means).

A task registers itself by adding an instance to ``TASKS``; the CLI and the runner never need
editing to gain a task. Task modules are imported at the bottom of this file; a module that does
not exist yet is skipped.
"""

from __future__ import annotations

import importlib
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any, ClassVar

import numpy as np


class Task:
    """Base class of a benchmark task. Subclasses set the class attributes and the methods."""

    name: ClassVar[str]
    description: ClassVar[str] = ""
    # metric names accepted by ``bench score --metric`` (besides "all")
    file_metrics: ClassVar[tuple[str, ...]] = ()
    # the result metric the leaderboard sorts by, e.g. "aeb_f1"
    primary_metric: ClassVar[str]
    # the value of predictions.input for systems of this task ("html", "page_text", …)
    input: ClassVar[str] = "html"

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

        return sorted(name for name, system in REGISTRY.items() if system.task == self.name)

    def load_gold(
        self, version: str | None = None, split: str | None = None, source: str | None = None, root: Path | None = None
    ) -> dict[str, dict[str, Any]]:
        """Gold records of a release keyed by page_id (only pages with gold are benchmarked)."""
        raise NotImplementedError

    def page_stats(self, page: dict[str, Any], gold: dict[str, Any], output: Any) -> dict[str, float]:
        """Per-page sufficient statistics of one system output (``output`` None = empty/failed)."""
        raise NotImplementedError

    def stats_by_system(
        self, pages: list[dict[str, Any]], golds: list[dict[str, Any]], outputs: dict[str, list[Any]], metrics: Any = None
    ) -> dict[str, dict[str, np.ndarray]]:
        """Per-page statistics of every system (name → its outputs in page order) as arrays. The
        default calls ``page_stats`` page by page; a task overrides it to compute a metric for all
        pages at once."""
        kwargs = {"metrics": metrics} if metrics else {}
        return {
            name: stack_rows([self.page_stats(p, g, o, **kwargs) for p, g, o in zip(pages, golds, outs)])
            for name, outs in outputs.items()
        }

    def aggregate(self, stats: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Metric values from per-page statistics; arrays are ``(..., n_pages)``, reduced on the last axis."""
        raise NotImplementedError

    def empty_output(self) -> Any:
        """What a failed page (crash, timeout, error) is scored as."""
        return None

    def prediction_fields(self, output: Any) -> dict[str, Any]:
        """Columns of the predictions table that hold ``output`` (e.g. ``{"text": …}``)."""
        raise NotImplementedError

    def output_from_prediction(self, row: dict[str, Any]) -> Any:
        """Inverse of ``prediction_fields`` (used to rescore cached or stored predictions)."""
        raise NotImplementedError


def stack_rows(rows: list[dict[str, float]]) -> dict[str, np.ndarray]:
    """Per-page statistic dicts → one array per statistic."""
    keys = rows[0].keys() if rows else ()
    return {k: np.array([r[k] for r in rows], dtype=float) for k in keys}


TASKS: dict[str, Task] = {}


def register_task(task: Task) -> Task:
    if task.name in TASKS:
        raise ValueError(f"task {task.name!r} is registered twice")
    TASKS[task.name] = task
    return task


def get_task(name: str) -> Task:
    try:
        return TASKS[name]
    except KeyError:
        raise KeyError(f"unknown task {name!r} (known: {', '.join(sorted(TASKS)) or 'none'})") from None


def _import_task_modules() -> None:
    for module in ("benchmarks.tasks.boilerplate", "benchmarks.tasks.entities"):
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            # only skip a task module that does not exist yet; a missing dependency inside it is a bug
            if exc.name != module:
                raise


_import_task_modules()
