"""Isolated worker processes: run one system on one page with a timeout, surviving crashes.

``concurrent.futures`` cannot kill a hung task and breaks the whole pool when a worker dies, so
this is a small pool of our own: each worker is a process with a pipe; the parent hands out one
job at a time and waits on all pipes at once. A job that overruns its timeout gets its worker
killed (status ``timeout``); a worker that dies (segfault, ``os._exit``, the kernel's OOM killer,
a memory limit) yields status ``crash``; an exception inside the system is status ``error``.
In every case the worker is replaced and the run goes on.

Workers start from a ``forkserver`` (clean, thread-free parent) and cap their address space with
``RLIMIT_AS`` (``memory_mb``) so a memory blow-up fails that page, not the machine.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any


class ExternalCrash(RuntimeError):
    """Raised by a system whose helper process (e.g. a Node worker) died or broke its protocol:
    recorded as status ``crash`` and the worker (with its helper) is replaced, like a worker death."""


_external_cpu = 0.0  # CPU seconds of helper processes on the current job (see add_external_cpu)


def add_external_cpu(seconds: float) -> None:
    """Count CPU a system spent in a helper process (a Node worker) as the system's own on this page:
    ``time.process_time`` of the pool worker does not see it."""
    global _external_cpu
    _external_cpu += seconds


@dataclass
class Job:
    key: Any  # opaque id handed back with the result
    system: str
    page: dict[str, Any]


@dataclass
class Outcome:
    key: Any
    status: str  # ok, error, timeout, crash
    output: Any = None
    error: str | None = None
    seconds: float = 0.0  # CPU seconds of the system on the page (wall time for timeouts)


def _worker(conn: Connection, memory_mb: int | None, modules: tuple[str, ...]) -> None:
    global _external_cpu
    import importlib

    # extractors print warnings to stdout/stderr; they would shred the parent's progress bar
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    for module in modules:  # extra modules that register systems (plug-ins, test fault systems)
        importlib.import_module(module)
    if memory_mb:
        import resource

        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    import benchmarks.tasks  # noqa: F401 - registers pipelines and other systems built from names
    from benchmarks.systems import REGISTRY

    helper_cpu = 0.0
    while True:
        try:
            msg = conn.recv()
        except EOFError:
            return
        if msg is None:
            return
        key, system_name, page = msg
        _external_cpu = 0.0
        start = time.process_time()
        try:
            output = REGISTRY[system_name].run(page)
            reply = (key, "ok", output, None, time.process_time() - start)
        except MemoryError:
            reply = (key, "crash", None, "MemoryError (memory limit reached)", time.process_time() - start)
        except ExternalCrash as exc:
            reply = (key, "crash", None, str(exc)[:2000], time.process_time() - start)
        except BaseException as exc:  # noqa: BLE001 - any failure of a system is recorded for its page
            tb = traceback.format_exception_only(type(exc), exc)[-1].strip()
            reply = (key, "error", None, tb[:2000], time.process_time() - start)
        reply = (*reply[:4], reply[4] + _external_cpu)
        helper_cpu += _external_cpu
        # the worker's whole CPU time so far, so the harness can measure its own cost (perf/harness.py)
        conn.send((*reply, time.process_time() + helper_cpu))


class _Slot:
    def __init__(self, ctx: mp.context.BaseContext, memory_mb: int | None, modules: tuple[str, ...]) -> None:
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker, args=(child, memory_mb, modules), daemon=True)
        self.proc.start()
        child.close()
        self.job: Job | None = None
        self.started = 0.0
        self.cpu = 0.0  # CPU seconds the worker process has used, as last reported

    def kill(self) -> None:
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join(timeout=5)
        self.conn.close()


class WorkerPool:
    """``jobs`` isolated worker processes; ``run(jobs)`` yields one ``Outcome`` per job."""

    def __init__(self, workers: int = 1, timeout: float = 60.0, memory_mb: int | None = 4096, modules: Iterable[str] = ()) -> None:
        if workers < 1:
            raise ValueError("need at least one worker")
        self.workers, self.timeout, self.memory_mb = workers, timeout, memory_mb
        self.ctx = mp.get_context("forkserver")
        # benchmarks.tasks registers the systems built from names (pipelines such as trafilatura+spacy-sm)
        self.ctx.set_forkserver_preload(["benchmarks.systems", "benchmarks.tasks"])
        self.modules = tuple(modules)
        self.slots: list[_Slot] = []
        self.restarts = 0
        self._retired_cpu = 0.0

    def __enter__(self) -> WorkerPool:
        self.slots = [_Slot(self.ctx, self.memory_mb, self.modules) for _ in range(self.workers)]
        return self

    def __exit__(self, *exc: object) -> None:
        for slot in self.slots:
            try:
                slot.conn.send(None)
            except (BrokenPipeError, OSError):
                pass
        for slot in self.slots:
            slot.proc.join(timeout=2)
            slot.kill()

    @property
    def worker_cpu(self) -> float:
        """CPU seconds used by all workers (as reported with their results)."""
        return self._retired_cpu + sum(s.cpu for s in self.slots)

    def _replace(self, i: int) -> None:
        self._retired_cpu += self.slots[i].cpu
        self.slots[i].kill()
        self.slots[i] = _Slot(self.ctx, self.memory_mb, self.modules)
        self.restarts += 1

    def run(self, jobs: Iterable[Job], on_start: Callable[[Job], None] | None = None) -> Iterator[Outcome]:
        """Outcomes in completion order. ``jobs`` is read lazily, one job per idle worker, so a
        generator that loads each page when its job is due keeps memory flat."""
        source = iter(jobs)
        retry: deque[Job] = deque()  # jobs a dead worker never received
        exhausted = False
        while True:
            for slot in self.slots:  # hand out work to idle workers
                if slot.job is not None:
                    continue
                job = retry.popleft() if retry else (None if exhausted else next(source, None))
                if job is None:
                    exhausted = True
                    break
                try:
                    slot.conn.send((job.key, job.system, job.page))
                except (BrokenPipeError, OSError):
                    retry.appendleft(job)
                    self._replace(self.slots.index(slot))
                    continue
                slot.job, slot.started = job, time.monotonic()
                if on_start:
                    on_start(job)
            busy = [s for s in self.slots if s.job is not None]
            if not busy:
                if exhausted and not retry:
                    return
                continue
            now = time.monotonic()
            next_deadline = min(s.started + self.timeout for s in busy)
            ready = wait([s.conn for s in busy] + [s.proc.sentinel for s in busy], timeout=max(0.0, next_deadline - now))
            for i, slot in enumerate(self.slots):
                job = slot.job
                if job is None:
                    continue
                if slot.conn in ready:
                    try:
                        key, status, output, error, seconds, slot.cpu = slot.conn.recv()
                    except (EOFError, OSError):
                        code = slot.proc.exitcode if not slot.proc.is_alive() else None
                        self._replace(i)
                        yield Outcome(job.key, "crash", error=f"worker died (exit code {code})")
                        continue
                    slot.job = None
                    yield Outcome(key, status, output, error, seconds)
                    if status == "crash":  # a worker that hit its memory limit is not trusted further
                        self._replace(i)
                elif slot.proc.sentinel in ready or not slot.proc.is_alive():
                    code = slot.proc.exitcode
                    self._replace(i)
                    yield Outcome(job.key, "crash", error=f"worker died (exit code {code})")
                elif time.monotonic() - slot.started >= self.timeout:
                    self._replace(i)
                    yield Outcome(job.key, "timeout", error=f"no result within {self.timeout:g} s", seconds=self.timeout)


def cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1
