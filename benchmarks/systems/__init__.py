"""Registry of benchmarked systems. Importing this package registers every known system."""

from benchmarks.systems.base import REGISTRY, MissingDependency, System, register

__all__ = ["REGISTRY", "MissingDependency", "System", "register"]
