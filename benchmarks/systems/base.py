"""What a benchmarked system is: a small declarative object in a registry (mteb-style).

A system declares its name, the task it does, the distribution whose installed version is the
system's version, and the extra that installs it. ``run`` maps one page record (a dict with the
columns of the ``pages`` table) to the system's output.
"""

from __future__ import annotations

import importlib
import importlib.metadata
from dataclasses import dataclass, field
from typing import Any, ClassVar


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


REGISTRY: dict[str, System] = {}


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


def register(system: System) -> System:
    """Add a system instance to the registry under its name (names are unique)."""
    if system.name in REGISTRY:
        raise ValueError(f"system {system.name!r} is registered twice")
    REGISTRY[system.name] = system
    return system
