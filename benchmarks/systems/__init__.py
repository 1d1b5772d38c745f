"""Registry of benchmarked systems. Importing this package registers every known system."""

from benchmarks.systems.base import REGISTRY, MissingDependency, System, register, split_available
from benchmarks.systems import boilerplate as _boilerplate  # noqa: F401,E402 - registers the extractors

__all__ = ["REGISTRY", "MissingDependency", "System", "register", "split_available"]
from benchmarks.systems import js_extractors as _js_extractors  # noqa: F401,E402 - registers the JS extractors (Node)
from benchmarks.systems import markdown as _markdown  # noqa: F401,E402 - registers the Markdown-output extractors
