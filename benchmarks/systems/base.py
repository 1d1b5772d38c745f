"""What a benchmarked system is: a small declarative object in a registry (mteb-style).

A system declares its name, the task it does, the distribution whose installed version is the
system's version, the extra that installs it, and its *capabilities*: what the runner must hand it
(``needs``: raw HTML, the gold main text, the gold zones) and whether its outputs may be cached
(``cacheable``). The runner reads those flags and never the system's name. ``run`` maps one page
record (a dict with the columns of the ``pages`` table, plus what ``needs`` asked for) to the
system's output.

``REGISTRY`` holds every system: the modules of ``benchmarks.systems`` and of the
``pagegold.systems`` entry-point group register theirs on import (``register``), and composite
names (``trafilatura+spacy-sm``) are built by the composers modules add (``add_composer``).
"""

from __future__ import annotations

import importlib
import importlib.metadata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

from curation.plugins import Registry

#: What a system can ask the runner for (``System.needs``).
HTML = "html"  # the raw bytes and their codec (``page["raw"]``, ``page["encoding"]``)
GOLD_TEXT = "gold_text"  # the gold main text, under ``page["gold_main_text"]`` (sanity baselines)
GOLD_ZONES = "gold_zones"  # the page blocks and the gold main spans/blocks/text, under ``page["gold"]``
NEEDS = (HTML, GOLD_TEXT, GOLD_ZONES)


class MissingDependency(ImportError):
    """A system's package is not installed; the message says what to pip install."""


@dataclass(frozen=True)
class System:
    name: ClassVar[str]
    task: ClassVar[str]  # "boilerplate" or "entities"
    package: ClassVar[str | None] = None  # distribution name, for the version and the install hint
    extra: ClassVar[str | None] = None  # pagegold extra that installs it
    modules: ClassVar[tuple[str, ...]] = ()  # modules that must import for the system to run
    description: ClassVar[str] = ""
    #: inputs the runner ships besides the page text (``HTML``, ``GOLD_TEXT``, ``GOLD_ZONES``)
    needs: ClassVar[frozenset[str]] = frozenset({HTML})
    #: whether outputs may be reused across runs (False for baselines cheaper to recompute than to look up)
    cacheable: ClassVar[bool] = True
    #: "text", or "markdown": text metric families score the output rendered to plain text
    #: (``benchmarks.metrics.markdown_text``), families with ``Metric.reads_markup`` score it as is
    output_format: ClassVar[str] = "text"
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def version(self) -> str:
        if self.package is None:
            from curation import __version__

            return f"pagegold-{__version__}"
        try:
            return importlib.metadata.version(self.package)
        except importlib.metadata.PackageNotFoundError:
            return "not-installed"

    def check_available(self) -> None:
        """Raise MissingDependency with a pip hint unless every module the system needs imports."""
        for module in self.modules:
            try:
                importlib.import_module(module)
            except ImportError as exc:
                hint = f'pip install "pagegold[{self.extra}]"' if self.extra else f"pip install {self.package}"
                raise MissingDependency(
                    f"system {self.name!r} needs the package {self.package!r} ({exc}); install it with: {hint}"
                ) from exc

    def run(self, page: dict[str, Any]) -> Any:
        raise NotImplementedError


_MISSING = object()


class SystemRegistry(Registry[System]):
    """The systems registry: ``Registry`` plus composite names built on demand by composers."""

    def __init__(self) -> None:
        super().__init__("system", package="benchmarks.systems", group="pagegold.systems")
        self._composers: list[Callable[[SystemRegistry, str], System | None]] = []

    def add_composer(self, composer: Callable[[SystemRegistry, str], System | None]) -> None:
        """``composer(registry, name)`` returns a system for a composite ``name`` or None."""
        self._composers.append(composer)

    def _compose(self, name: str) -> System | None:
        if name in self._items:
            return self._items[name]
        for composer in self._composers:
            system = composer(self, name)
            if system is not None:
                return self.add(name, system)
        return None

    def get(self, name: str, default: Any = _MISSING) -> Any:  # type: ignore[override]
        """The system ``name`` (composed if needed); ``default`` if given, else a KeyError listing the names."""
        self.load()
        if self._compose(name) is None and default is not _MISSING:
            return default
        return super().get(name)

    def __getitem__(self, name: str) -> System:
        return self.get(name)

    def __contains__(self, name: object) -> bool:
        self.load()
        return isinstance(name, str) and self._compose(name) is not None

    def values(self) -> list[System]:
        return [system for _, system in self.items()]

    def of_task(self, task: str) -> list[str]:
        """Names of the registered systems of ``task``."""
        return [name for name, system in self.items() if system.task == task]


REGISTRY = SystemRegistry()


def file_version(path: str) -> str:
    """The version of a system read from a file: its content hash, so a changed file never reuses old results."""
    import hashlib
    from pathlib import Path

    try:
        return "file-" + hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]
    except OSError:
        return "file-missing"


def split_available(names: list[str]) -> tuple[list[str], dict[str, MissingDependency]]:
    """(names whose dependencies import here, {name: MissingDependency} for the others)."""
    runnable, missing = [], {}
    for name in names:
        try:
            REGISTRY[name].check_available()
            runnable.append(name)
        except MissingDependency as exc:
            missing[name] = exc
    return runnable, missing


def _missing_messages(names: list[str]) -> tuple[list[str], dict[str, str]]:
    runnable, missing = split_available(names)
    return runnable, {name: str(exc) for name, exc in missing.items()}


def split_available_apart(names: list[str]) -> tuple[list[str], dict[str, MissingDependency]]:
    """``split_available`` checked in a forked child process. Checking imports every system's
    libraries (several hundred MB for all systems: Scrapy, NLTK, lxml trees of caches…), which
    the driver of a run never calls (its workers import them), so the memory goes back when the
    child exits. Runs here where ``fork`` is unavailable."""
    import multiprocessing as mp

    try:
        ctx = mp.get_context("fork")
    except ValueError:  # pragma: no cover - not POSIX
        return split_available(names)
    with ctx.Pool(1) as pool:
        runnable, messages = pool.apply(_missing_messages, (list(names),))
    return runnable, {name: MissingDependency(message) for name, message in messages.items()}


def register(system: System) -> System:
    """Add a system instance to the registry under its name (names are unique)."""
    return REGISTRY.add(system.name, system)


S = TypeVar("S", bound=type)


def registered(cls: S) -> S:
    """Class decorator: register an instance (default options) of the system class it decorates."""
    register(cls())
    return cls
