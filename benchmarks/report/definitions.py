"""Metric definitions for the report, read from the metric modules' own docstrings.

Why: the definitions live once, beside the code that computes them (each module of
``benchmarks.metrics`` states its definition and source); the report shows those texts for the
metrics a run actually has, so a new metric module is documented in reports without edits here.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil


def metric_modules() -> dict[str, str]:
    """Module name (``aeb``, ``bow``, ``entities``, …) → its docstring, for every metric module."""
    import benchmarks.metrics as package

    out = {}
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        doc = inspect.getdoc(module)
        if doc:
            out[info.name] = doc
    return out


def _stem(name: str) -> str:
    return name.rstrip("s").replace("-", "_")


def definitions(metrics: list[str]) -> list[tuple[str, list[str], str]]:
    """(module, the run's metrics it defines, docstring) for every module that defines one of ``metrics``.

    A metric belongs to the module whose name (singular) starts it: ``aeb_f1`` → aeb, ``block_f1`` →
    blocks, ``snippet_f1`` → snippets, ``rouge_lsum`` → rouge. Metrics left over (entity metrics such
    as ``strict_f1``) go to a module that names them in its docstring.
    """
    modules = metric_modules()
    owned: dict[str, list[str]] = {}
    for metric in metrics:
        owner = next((m for m in modules if metric.startswith(_stem(m))), None)
        if owner is None:
            token = metric.split("_")[0]
            owner = next((m for m, doc in modules.items() if token in doc.lower()), None)
        if owner is not None:
            owned.setdefault(owner, []).append(metric)
    return [(m, owned[m], modules[m]) for m in modules if m in owned]
