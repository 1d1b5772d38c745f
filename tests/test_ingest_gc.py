"""A shard's pages run with Python's cyclic garbage collector paused (``curation.shards.cyclic_gc_paused``):
off while the steps run, restored afterwards (also when a step fails), and safe because the steps
leave almost no cyclic garbage behind."""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

from curation.ingest import ingest
from curation.steps import INGEST_STEPS

FIXTURES = Path(__file__).parent / "fixtures"
CORPORA = [(FIXTURES / "aeb", "aeb"), (FIXTURES / "mozilla", "mozilla")]

collector_states: list[bool] = []


def record_collector_state(records: Iterable[dict], ctx: object) -> Iterator[dict]:
    for record in records:
        collector_states.append(gc.isenabled())
        yield record


def fail_on_first_page(records: Iterable[dict], ctx: object) -> Iterator[dict]:
    for _ in records:
        raise RuntimeError("a step failed")
    yield from ()


def test_the_collector_is_off_while_pages_run_and_on_again_after(tmp_path: Path):
    collector_states.clear()
    assert gc.isenabled()
    summary = ingest([str(FIXTURES / "aeb")], "aeb", tmp_path / "out", fmt="aeb", jobs=1,
                     steps=[*INGEST_STEPS, record_collector_state])  # fmt: skip
    assert summary["pages"] == len(collector_states) > 0
    assert not any(collector_states)
    assert gc.isenabled()


def test_a_collector_the_caller_turned_off_stays_off(tmp_path: Path):
    gc.disable()
    try:
        ingest([str(FIXTURES / "aeb")], "aeb", tmp_path / "out", fmt="aeb", jobs=1)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_collector_is_on_again_after_a_step_fails(tmp_path: Path):
    with pytest.raises(RuntimeError, match="a step failed"):
        ingest([str(FIXTURES / "aeb")], "aeb", tmp_path / "out", fmt="aeb", jobs=1, steps=[fail_on_first_page])
    assert gc.isenabled()


def test_the_steps_leave_little_cyclic_garbage(tmp_path: Path):
    """What pausing the collector relies on: a page leaves at most a few objects in reference cycles
    (the 181 AEB pages leave ~265 in all), so nothing piles up while it is off."""
    for corpus, fmt in CORPORA:  # a first run loads the models: their objects are not garbage
        ingest([str(corpus)], fmt, tmp_path / "warm" / fmt, fmt=fmt, jobs=1)
    gc.collect()
    pages = 0
    gc.disable()
    try:
        for corpus, fmt in CORPORA:
            pages += ingest([str(corpus)], fmt, tmp_path / "measured" / fmt, fmt=fmt, jobs=1)["pages"]
        garbage = gc.collect()
    finally:
        gc.enable()
    assert pages >= 5
    assert garbage <= 10 * pages + 100, f"{garbage} objects in reference cycles after {pages} pages"
