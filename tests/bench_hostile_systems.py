"""Systems with hostile outputs, for tests/test_hostile_bench.py (imported inside the workers).

Nothing is mocked: each really returns the bad value, really allocates the big string, really
spawns a child process that would outlive its worker.
"""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass
from typing import ClassVar

from benchmarks.systems import REGISTRY, System, register

#: Bytes of the oversized output (the tests lower the pool's cap below this).
HUGE = 24 * 1024 * 1024


@dataclass(frozen=True)
class _Hostile(System):
    task: ClassVar[str] = "boilerplate"
    package: ClassVar[str | None] = "pytest"  # a real version, so outputs are cacheable
    value: ClassVar[object] = None

    def run(self, page):
        return self.value


def _make(name: str, value: object) -> type:
    return type(f"Hostile_{name}", (_Hostile,), {"name": f"hostile-{name}", "value": value, "__annotations__": {}})


VALUES = {
    "surrogate": "main text \ud800 with a lone surrogate",
    "none": None,
    "int": 42,
    "dict": {"text": "x"},
    "nan": float("nan"),
}
CLASSES = [dataclass(frozen=True)(_make(k, v)) for k, v in VALUES.items()]


@dataclass(frozen=True)
class Huge(_Hostile):
    name: ClassVar[str] = "hostile-huge"

    def run(self, page):
        return "x" * HUGE


@dataclass(frozen=True)
class Spawner(_Hostile):
    """Starts a child that would sleep for minutes, records both pids, then hangs or returns."""

    name: ClassVar[str] = "hostile-spawn"

    def run(self, page):
        child = subprocess.Popen(["sleep", "300"])
        with open(os.environ["HOSTILE_PIDS"], "a") as fh:
            fh.write(f"{os.getpid()} {child.pid}\n")
        if os.environ.get("HOSTILE_HANG"):
            time.sleep(3600)
        return page["text"]


for _cls in (*CLASSES, Huge, Spawner):
    if _cls.name not in REGISTRY:
        register(_cls())
