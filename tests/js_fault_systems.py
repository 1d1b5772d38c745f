"""A test-only JavaScript system that hangs, crashes or throws for real inside the Node worker
(``tests/js_fault_extractors.mjs``), imported inside the pool workers by the JS tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from benchmarks.systems import REGISTRY, register
from benchmarks.systems.js_extractors import JsExtractor


@dataclass(frozen=True)
class JsFault(JsExtractor):
    name: ClassVar[str] = "test-js-fault"
    extractor: ClassVar[str] = "fault"
    package: ClassVar[str] = "@mozilla/readability"  # any locked package: gives a real version
    js_module: ClassVar[str | None] = str(Path(__file__).with_name("js_fault_extractors.mjs").resolve())


if JsFault.name not in REGISTRY:
    register(JsFault())
