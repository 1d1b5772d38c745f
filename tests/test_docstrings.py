"""Public metric functions document themselves in numpydoc (Parameters, Returns, an example), and
every example in the metric modules and the registries runs (``doctest``)."""

from __future__ import annotations

import doctest
import importlib
import inspect

import pytest

METRIC_MODULES = ["aeb", "bow", "rouge", "rouge_n", "markdown_text", "snippets", "blocks", "entities", "entity_stats"]
DOCTEST_MODULES = [f"benchmarks.metrics.{m}" for m in METRIC_MODULES] + [
    "benchmarks.metrics", "curation.plugins", "curation.exact_repeats",
]


def public_functions(module):
    """Public functions defined in ``module``, cached ones (``functools.lru_cache``) included."""
    def is_function(obj) -> bool:
        return inspect.isfunction(inspect.unwrap(obj)) if callable(obj) else False

    return [(name, fn) for name, fn in inspect.getmembers(module, is_function)
            if not name.startswith("_") and getattr(fn, "__module__", None) == module.__name__]


def test_cached_public_functions_are_checked_too():
    import benchmarks.metrics.markdown_text as markdown_text

    assert "to_text" in dict(public_functions(markdown_text))  # an lru_cache wrapper, not a plain function


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
