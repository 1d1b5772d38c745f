"""One registry shape for every kind of extension (systems, metrics, corpus formats, tasks).

A registry is filled two ways, as mteb and pytest plugins do: by importing every module of its
own package (so adding an extension to PageGold is one new file in that folder), and by the
Python entry points of its group (so a third-party package adds one without touching PageGold):

    [project.entry-points."pagegold.formats"]
    myformat = "my_package.my_module"          # importing the module registers what it defines

Entry-point modules are imported lazily, the first time the registry is read, and one that
fails to import is remembered with its error instead of breaking every other extension.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import pkgutil
from collections.abc import Iterator
from typing import Generic, TypeVar

T = TypeVar("T")


class Registry(Generic[T]):
    """Named extensions of one kind, loaded from a package's modules and an entry-point group.

    Parameters
    ----------
    kind:
        What the extensions are, for error messages ("system", "metric", "corpus format").
    package:
        Dotted name of the package whose modules are imported to register the built-ins.
    group:
        Entry-point group scanned for third-party modules (``pagegold.systems`` …).

    Example
    -------
    >>> reg: Registry[str] = Registry("greeting", package="", group="")
    >>> reg.add("hello", "world")
    'world'
    >>> reg.get("hello")
    'world'
    """

    def __init__(self, kind: str, package: str, group: str) -> None:
        self.kind = kind
        self.package = package
        self.group = group
        self._items: dict[str, T] = {}
        self._loaded = False
        #: entry point or module name → the import error that kept it out
        self.failed: dict[str, str] = {}

    def add(self, name: str, item: T, *, replace: bool = False) -> T:
        """Register ``item`` under ``name``; a second, different item under one name is an error."""
        if not replace and name in self._items and self._items[name] is not item:
            raise ValueError(f"{self.kind} {name!r} is registered twice")
        self._items[name] = item
        return item

    def load(self) -> None:
        """Import the package's modules and the entry points' modules (once)."""
        if self._loaded:
            return
        self._loaded = True
        if self.package:
            pkg = importlib.import_module(self.package)
            for info in pkgutil.iter_modules(pkg.__path__, prefix=f"{self.package}."):
                if not info.name.rsplit(".", 1)[-1].startswith("_"):
                    importlib.import_module(info.name)
        if self.group:
            for ep in importlib.metadata.entry_points(group=self.group):
                try:
                    ep.load()
                except Exception as exc:  # a broken plugin must not hide the others
                    self.failed[ep.name] = f"{type(exc).__name__}: {exc}"

    def reload(self) -> None:
        """Scan the entry points again (a plugin installed after the registry was first read);
        modules already imported are not imported twice."""
        self._loaded = False
        self.load()

    def get(self, name: str) -> T:
        """The extension called ``name``; a KeyError that lists the known names otherwise."""
        self.load()
        if name not in self._items:
            known = ", ".join(sorted(self._items)) or "none"
            why = f" (its plugin failed to load: {self.failed[name]})" if name in self.failed else ""
            raise KeyError(f"unknown {self.kind} {name!r}{why}; known: {known}")
        return self._items[name]

    def __getitem__(self, name: str) -> T:
        return self.get(name)

    def remove(self, name: str) -> None:
        """Forget ``name`` (tests that register a throw-away extension clean up with it)."""
        self._items.pop(name, None)

    def names(self) -> list[str]:
        self.load()
        return sorted(self._items)

    def __contains__(self, name: object) -> bool:
        self.load()
        return name in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def items(self) -> list[tuple[str, T]]:
        self.load()
        return sorted(self._items.items())

    def values(self) -> list[T]:
        """The extensions, in name order."""
        return [item for _, item in self.items()]
