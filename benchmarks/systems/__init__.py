"""Registry of benchmarked systems: every module of this package registers its systems on import,
and so does every module of the ``pagegold.systems`` entry-point group (``REGISTRY`` loads both the
first time it is read). See docs/contributing_code.md for adding one.
"""

from benchmarks.systems.base import (
    GOLD_TEXT,
    GOLD_ZONES,
    HTML,
    REGISTRY,
    MissingDependency,
    System,
    register,
    registered,
    split_available,
    split_available_apart,
)

__all__ = ["GOLD_TEXT", "GOLD_ZONES", "HTML", "REGISTRY", "MissingDependency", "System", "register", "registered", "split_available",
           "split_available_apart"]
