"""Public metric functions document themselves in numpydoc (Parameters, Returns, an example), and
every example in the metric modules and the registries runs (``doctest``)."""

from __future__ import annotations

import doctest
import importlib
import inspect

import pytest

METRIC_MODULES = ["aeb", "bow", "rouge", "snippets", "blocks", "entities", "entity_stats"]
DOCTEST_MODULES = [f"benchmarks.metrics.{m}" for m in METRIC_MODULES] + [
    "benchmarks.metrics", "curation.plugins", "curation.exact_repeats",
]


def public_functions(module):
    return [(name, fn) for name, fn in inspect.getmembers(module, inspect.isfunction)
            if not name.startswith("_") and fn.__module__ == module.__name__]


@pytest.mark.parametrize("name", METRIC_MODULES)
def test_public_metric_functions_have_numpydoc_and_an_example(name):
    module = importlib.import_module(f"benchmarks.metrics.{name}")
    missing = {}
    for fname, fn in public_functions(module):
        doc = inspect.getdoc(fn) or ""
        lacks = [part for part in ("Parameters\n----------", "Returns\n-------", ">>> ") if part not in doc]
        if lacks:
            missing[fname] = lacks
    assert missing == {}


@pytest.mark.parametrize("name", DOCTEST_MODULES)
def test_doctests_pass(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
