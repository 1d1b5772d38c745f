"""The driver of a run checks which systems can run without importing their libraries itself:
the check runs in a forked child (benchmarks.systems.split_available_apart), so several hundred MB
of extractor libraries are not held by the driver for the whole run."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHECK = """
import sys
from dataclasses import dataclass
from typing import ClassVar
from benchmarks.systems import REGISTRY, MissingDependency, System, register, split_available_apart

@dataclass(frozen=True)
class Absent(System):
    name: ClassVar[str] = "absent-for-test"
    task: ClassVar[str] = "boilerplate"
    package: ClassVar[str] = "no-such-package-pagegold"
    modules: ClassVar[tuple] = ("no_such_module_pagegold",)

register(Absent())
assert "trafilatura" not in sys.modules
runnable, missing = split_available_apart(["trafilatura", "absent-for-test"])
assert runnable == ["trafilatura"], runnable
assert list(missing) == ["absent-for-test"] and isinstance(missing["absent-for-test"], MissingDependency)
assert "pip install no-such-package-pagegold" in str(missing["absent-for-test"]), missing
assert "trafilatura" not in sys.modules, "the check imported the system's library into this process"
print("ok")
"""


def test_availability_is_checked_without_importing_the_libraries_here():
    done = subprocess.run([sys.executable, "-c", CHECK], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip() == "ok"
