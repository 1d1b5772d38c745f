"""Systems that fail for real, for the runner's isolation tests (imported inside the workers).

Nothing is mocked: the crash really kills the worker process (``os._exit``), the hang really
sleeps past the timeout, the memory blow-up really allocates past the worker's RLIMIT_AS cap.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import ClassVar

from benchmarks.systems import REGISTRY, System, register

HANG_ON = "042bb7b5fedab6eac7db576522b89b93904c237d344bcbe14a6a5ab7f7335856"  # first fixture page


@dataclass(frozen=True)
class _Fault(System):
    task: ClassVar[str] = "boilerplate"
    package: ClassVar[str | None] = "pytest"  # a real version (outputs are cacheable: System.cacheable)


@dataclass(frozen=True)
class Crash(_Fault):
    name: ClassVar[str] = "test-crash"

    def run(self, page):
        if page["page_id"].startswith(("0", "1", "2", "3", "4", "5", "6", "7")):
            os._exit(3)  # dies like a segfaulting C extension: no exception, no reply
        return page["text"]


@dataclass(frozen=True)
class Hang(_Fault):
    name: ClassVar[str] = "test-hang"

    def run(self, page):
        if page["page_id"] == HANG_ON:
            time.sleep(3600)
        return page["text"]


@dataclass(frozen=True)
class Hog(_Fault):
    name: ClassVar[str] = "test-memory"

    def run(self, page):
        blocks = []
        while True:  # grows until the worker's address-space cap stops it
            blocks.append(bytearray(256 * 1024 * 1024))


@dataclass(frozen=True)
class Raises(_Fault):
    name: ClassVar[str] = "test-error"

    def run(self, page):
        raise ValueError(f"cannot parse {page['page_id']}")


_KEPT: list[bytearray] = []  # what test-leak holds on to between pages


@dataclass(frozen=True)
class Leak(_Fault):
    """Keeps 150 MB (touched, so resident) per page whose id starts with 0-7 for the worker's whole
    life, as an extractor with a growing cache would; the output is the page's text either way."""

    name: ClassVar[str] = "test-leak"

    def run(self, page):
        if page["page_id"].startswith(("0", "1", "2", "3", "4", "5", "6", "7")):
            block = bytearray(150 * 2**20)
            block[::4096] = b"x" * len(block[::4096])
            _KEPT.append(block)
        return page["text"]


@dataclass(frozen=True)
class Sleep(_Fault):
    name: ClassVar[str] = "test-sleep"

    def run(self, page):
        time.sleep(0.4)
        return page["text"]


for _cls in (Crash, Hang, Hog, Raises, Leak, Sleep):
    if _cls.name not in REGISTRY:
        register(_cls())
