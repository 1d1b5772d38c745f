"""Isolated worker processes: run one system on one page with a timeout, surviving crashes.

``concurrent.futures`` cannot kill a hung task and breaks the whole pool when a worker dies, so
this is a small pool of our own: each worker is a process with a pipe; the parent hands out one
job at a time and waits on all pipes at once. A job that overruns its timeout gets its worker
killed (status ``timeout``); a worker that dies (segfault, ``os._exit``, the kernel's OOM killer,
a memory limit) yields status ``crash``; an exception inside the system is status ``error``.
In every case the worker is replaced and the run goes on. A page's timeout counts from when its
worker is ready (its imports done), so a slow start on a busy machine does not fail pages.

Workers start from a ``forkserver`` (clean, thread-free parent) and cap their address space with
``RLIMIT_AS`` (``memory_mb``) so a memory blow-up fails that page, not the machine.

Memory over a long run (the "max memory per child" pattern of Celery's
``worker_max_memory_per_child`` and gunicorn's ``max_requests``): after each page a worker reports
its resident memory with its helpers' (a Node process: ``register_helper``); one over
``recycle_mb`` is replaced, so what one huge page made a library (or V8's heap) keep does not stay
for the rest of the run. And jobs of ``heavy_bytes`` or more of HTML (``Job.size``) run one at a
time: while one runs, the other workers take only lighter pages (a heavy one waits), so two workers
never both hold a giant page; and a heavy page goes to a fresh worker when the one due to take it
holds much more than the system needs (``HEAVY_MARGIN_MB``). Neither changes any output: a page's result does not depend on which
worker runs it or when.

Hostile outputs (issue 12): a worker checks each output before sending it — the type its task
expects, storable as UTF-8 JSON (no lone surrogate, no NaN), at most ``MAX_OUTPUT_BYTES`` — and
sends status ``invalid`` with the reason instead; a 100 MB output never reaches the parent.
Each worker leads its own process group, so killing a worker kills what it started; a small
reaper process holds the groups' ids and kills them all when the parent dies (even by SIGKILL).
"""

from __future__ import annotations

import json
import math
import multiprocessing as mp
import os
import signal
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
_helpers: set[int] = set()  # pids of this worker's helper processes (see register_helper)


def register_helper(pid: int) -> None:
    """Count a helper process this worker started (a Node worker) in the worker's memory, which
    decides when the pool replaces the worker (``recycle_mb``); a dead helper is dropped."""
    _helpers.add(pid)


def _rss_bytes(pid: int) -> int:
    """Resident bytes of a process (0 when gone)."""
    try:
        with open(f"/proc/{pid}/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def worker_rss_mb() -> float:
    """This worker's resident memory with its live helpers', in MiB."""
    total = _rss_bytes(os.getpid())
    for pid in list(_helpers):
        rss = _rss_bytes(pid)
        if rss == 0:
            _helpers.discard(pid)
        total += rss
    return total / 2**20


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
    size: int = 0  # bytes of input (the page's HTML): jobs of the pool's heavy_bytes or more run one at a time


@dataclass
class Outcome:
    key: Any
    status: str  # ok, error, timeout, crash, invalid
    output: Any = None
    error: str | None = None
    seconds: float = 0.0  # CPU seconds of the system on the page (wall time for timeouts)


#: Largest output (UTF-8 JSON bytes) a system may return for one page; more is an ``invalid`` page.
MAX_OUTPUT_BYTES = 32 * 1024 * 1024
#: A worker's first message: its imports are done and it takes jobs. Under load a worker can take
#: longer to start than a page's timeout; counting start-up against the first page would time out
#: every page of a busy machine (each replacement starting as slowly as the last).
READY = "ready"
#: Heavy jobs the pool holds back at most while another heavy job runs (light ones behind them go
#: on meanwhile); with that many waiting, idle workers wait too, so the parent never holds many pages.
MAX_WAITING = 2
#: When the system's libraries alone are over ``recycle_mb``, a worker is replaced at this many times
#: the least memory any worker had after a page instead.
RECYCLE_GROWTH = 1.5
#: A heavy page goes to a fresh worker when the one due to take it holds more than this over the
#: least memory any worker had after a page (only with ``recycle_mb``): its peak then adds to a
#: library's or V8's leftovers of earlier pages.
HEAVY_MARGIN_MB = 100
#: Workers in a row that may die before they are ready before the pool gives up (a broken import).
MAX_START_FAILURES = 3
#: The Python types a task's outputs must have (other tasks: any JSON value but null).
OUTPUT_TYPES: dict[str, tuple[type, ...]] = {"boilerplate": (str,), "entities": (dict, list)}


def _has_nan(value: Any) -> bool:
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, dict):
        return any(map(_has_nan, value.values()))
    if isinstance(value, (list, tuple)):
        return any(map(_has_nan, value))
    return False


def output_problem(task: str, output: Any, max_bytes: int = MAX_OUTPUT_BYTES) -> str | None:
    """Why ``output`` cannot be stored and scored as a ``task`` output, or None when it can."""
    expected = OUTPUT_TYPES.get(task)
    if output is None or (expected and not isinstance(output, expected)):
        want = " or ".join(t.__name__ for t in expected) if expected else "a value"
        return f"output is {type(output).__name__ if output is not None else 'None'}, not {want}"
    if _has_nan(output):
        return "output holds NaN or infinity"
    if isinstance(output, str) and len(output) > max_bytes:  # cheap early answer for huge strings
        return f"output is {len(output) // 2**20} MiB, over the {max_bytes // 2**20} MiB cap"
    try:
        size = len(json.dumps(output, ensure_ascii=False, allow_nan=False).encode("utf-8"))
    except UnicodeEncodeError as exc:
        return f"output is not valid UTF-8 text ({exc.reason}: {exc.object[exc.start:exc.end]!a} at {exc.start})"
    except (TypeError, ValueError) as exc:
        return f"output cannot be stored as JSON ({exc})"
    if size > max_bytes:
        return f"output is {size // 2**20} MiB, over the {max_bytes // 2**20} MiB cap"
    return None


#: Folder where each worker writes ``<pid>`` = "<task> <system>" as it takes a system's pages, so
#: ``benchmarks.perf.process_tree`` can say which system holds the memory (unset: nothing written).
ROLE_DIR_ENV = "PAGEGOLD_ROLE_DIR"


def _set_process_name(name: str) -> None:
    """Name this process (``/proc/PID/comm``, 15 characters) so a process listing tells the pool's apart."""
    try:
        import ctypes

        ctypes.CDLL(None).prctl(15, name.encode()[:15], 0, 0, 0)  # PR_SET_NAME
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        pass


def _announce_role(task: str, system: str) -> None:
    """Write this worker's current system to ``$PAGEGOLD_ROLE_DIR/<pid>`` when that folder is set."""
    folder = os.environ.get(ROLE_DIR_ENV)
    if folder:
        try:
            with open(os.path.join(folder, str(os.getpid())), "w", encoding="utf-8") as fh:
                fh.write(f"{task} {system}\n")
        except OSError:
            pass


def _reaper(conn: Connection) -> None:
    """Kill every worker's process group when the parent goes away (its pipe end closes)."""
    _set_process_name("pagegold-reaper")
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C goes to the parent, which shuts down in order
    groups: set[int] = set()
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            break
        if msg is None:
            return  # orderly shutdown: the parent has already stopped its workers
        op, pgid = msg
        (groups.add if op == "add" else groups.discard)(pgid)
    for pgid in groups:
        _kill_group(pgid)


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _worker(
    conn: Connection, memory_mb: int | None, modules: tuple[str, ...], max_output: int = MAX_OUTPUT_BYTES
) -> None:
    global _external_cpu
    import importlib

    os.setpgid(0, 0)  # lead a process group: whatever the system starts dies with this worker
    _set_process_name("pagegold-worker")

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
    import benchmarks.tasks  # noqa: F401 - warm import; systems (pipelines too) come from REGISTRY on lookup
    from benchmarks.systems import REGISTRY

    conn.send(READY)  # imports done: the parent starts a page's timeout clock only from here
    helper_cpu = 0.0
    announced = None
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
            system = REGISTRY[system_name]
            if announced != system_name:
                _announce_role(system.task, system_name)
                announced = system_name
            output = system.run(page)
            problem = output_problem(system.task, output, max_output)
            if problem is None:
                reply = (key, "ok", output, None, time.process_time() - start)
            else:
                output = None  # drop a huge output here, before it is pickled to the parent
                reply = (key, "invalid", None, problem, time.process_time() - start)
        except MemoryError:
            reply = (key, "crash", None, "MemoryError (memory limit reached)", time.process_time() - start)
        except ExternalCrash as exc:
            reply = (key, "crash", None, str(exc)[:2000], time.process_time() - start)
        except BaseException as exc:
            tb = traceback.format_exception_only(type(exc), exc)[-1].strip()
            reply = (key, "error", None, tb[:2000], time.process_time() - start)
        reply = (*reply[:4], reply[4] + _external_cpu)
        helper_cpu += _external_cpu
        # the worker's whole CPU time so far, so the harness can measure its own cost (perf/harness.py),
        # and its memory with its helpers', so the parent can replace a worker that kept too much
        conn.send((*reply, time.process_time() + helper_cpu, worker_rss_mb()))


class _Slot:
    def __init__(self, ctx: mp.context.BaseContext, memory_mb: int | None, modules: tuple[str, ...],
                 reaper: Connection | None = None) -> None:
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker, args=(child, memory_mb, modules, MAX_OUTPUT_BYTES), daemon=True)
        self.proc.start()
        child.close()
        self.reaper = reaper
        if reaper is not None:
            reaper.send(("add", self.proc.pid))
        self.ready = False  # set when the worker's READY arrives; jobs go to ready workers only
        self.job: Job | None = None
        self.started = 0.0
        self.cpu = 0.0  # CPU seconds the worker process has used, as last reported
        self.rss_mb = 0.0  # its memory with its helpers' after its last page, as last reported

    def kill(self) -> None:
        """Kill the worker and its process group (children the system started)."""
        _kill_group(self.proc.pid)
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join(timeout=5)
        self.conn.close()
        if self.reaper is not None:
            try:
                self.reaper.send(("remove", self.proc.pid))
            except (BrokenPipeError, OSError):
                pass


class WorkerPool:
    """``jobs`` isolated worker processes; ``run(jobs)`` yields one ``Outcome`` per job."""

    def __init__(self, workers: int = 1, timeout: float = 60.0, memory_mb: int | None = 4096, modules: Iterable[str] = (),
                 recycle_mb: float | None = None, heavy_bytes: int | None = None) -> None:
        """``recycle_mb``: replace a worker whose memory (with its helpers') is over this after a
        page (None: never); ``heavy_bytes``: jobs with ``size`` at least this run one at a time
        (None: no limit)."""
        if workers < 1:
            raise ValueError("need at least one worker")
        if recycle_mb is not None and recycle_mb <= 0:
            raise ValueError(f"recycle_mb must be positive, not {recycle_mb}")
        if heavy_bytes is not None and heavy_bytes <= 0:
            raise ValueError(f"heavy_bytes must be positive, not {heavy_bytes}")
        self.workers, self.timeout, self.memory_mb = workers, timeout, memory_mb
        self.recycle_mb, self.heavy_bytes = recycle_mb, heavy_bytes
        self.recycled = 0  # workers replaced for their memory (also counted in restarts)
        self.deferred = 0  # heavy jobs that waited for another heavy job to finish
        self.floor_mb = math.inf  # the least memory a worker had after a page (see _over)
        self.ctx = mp.get_context("forkserver")
        # benchmarks.tasks registers the systems built from names (pipelines such as trafilatura+spacy-sm)
        self.ctx.set_forkserver_preload(["benchmarks.systems", "benchmarks.tasks"])
        self.modules = tuple(modules)
        self.slots: list[_Slot] = []
        self.reaper: Connection | None = None
        self._reaper_proc: Any = None
        self.restarts = 0
        self._retired_cpu = 0.0

    def __enter__(self) -> WorkerPool:
        self.reaper, child = self.ctx.Pipe()
        self._reaper_proc = self.ctx.Process(target=_reaper, args=(child,), daemon=True)
        self._reaper_proc.start()
        child.close()
        self.slots = [_Slot(self.ctx, self.memory_mb, self.modules, self.reaper) for _ in range(self.workers)]
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
        if self.reaper is not None:
            try:
                self.reaper.send(None)
            except (BrokenPipeError, OSError):
                pass
            self._reaper_proc.join(timeout=5)
            self.reaper.close()

    @property
    def worker_cpu(self) -> float:
        """CPU seconds used by all workers (as reported with their results)."""
        return self._retired_cpu + sum(s.cpu for s in self.slots)

    def _stale(self, slot: _Slot) -> bool:
        """Whether a worker holds more than ``HEAVY_MARGIN_MB`` over the least any worker had after
        a page (what a library or V8 kept from earlier pages): a heavy page would add its own peak
        on top, so it goes to a fresh worker. Only with ``recycle_mb`` set."""
        return self.recycle_mb is not None and slot.rss_mb > self.floor_mb + HEAVY_MARGIN_MB

    def _over(self, rss_mb: float) -> bool:
        """Whether a worker at ``rss_mb`` after a page is to be replaced. The smallest memory any
        worker had after a page is what the system's libraries need; when that alone is over
        ``recycle_mb``, a worker is replaced only once it is half again as large: replacing it after
        every page would only repeat its imports."""
        self.floor_mb = min(self.floor_mb, rss_mb)
        if self.recycle_mb is None:
            return False
        return rss_mb > max(self.recycle_mb, RECYCLE_GROWTH * self.floor_mb)

    def _replace(self, i: int) -> None:
        self._retired_cpu += self.slots[i].cpu
        self.slots[i].kill()
        self.slots[i] = _Slot(self.ctx, self.memory_mb, self.modules, self.reaper)
        self.restarts += 1

    def run(self, jobs: Iterable[Job], on_start: Callable[[Job], None] | None = None) -> Iterator[Outcome]:
        """Outcomes in completion order. ``jobs`` is read lazily, one job per idle worker, so a
        generator that loads each page when its job is due keeps memory flat."""
        source = iter(jobs)
        retry: deque[Job] = deque()  # jobs a dead worker never received
        waiting: deque[Job] = deque()  # heavy jobs held back while another heavy job runs
        exhausted = False
        start_failures = 0

        def heavy(job: Job) -> bool:
            return self.heavy_bytes is not None and job.size >= self.heavy_bytes

        def next_job() -> Job | None:
            """The next job an idle worker may take now, or None (none left, or only heavy ones
            while a heavy one runs: the worker idles rather than hold a second giant page)."""
            nonlocal exhausted
            heavy_running = any(s.job is not None and heavy(s.job) for s in self.slots)
            if retry and not (heavy_running and heavy(retry[0])):
                return retry.popleft()
            if waiting and not heavy_running:
                return waiting.popleft()
            while not exhausted and len(waiting) < MAX_WAITING:
                job = next(source, None)
                if job is None:
                    exhausted = True
                elif heavy_running and heavy(job):
                    waiting.append(job)
                    self.deferred += 1
                else:
                    return job
            return None

        while True:
            for slot in self.slots:  # hand out work to idle workers
                if slot.job is not None or not slot.ready:
                    continue
                job = next_job()
                if job is None:
                    break
                if heavy(job) and self._stale(slot):
                    retry.appendleft(job)  # a fresh worker takes it (or another one ready first)
                    self._replace(self.slots.index(slot))
                    self.recycled += 1
                    continue
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
            starting = [s for s in self.slots if not s.ready]
            if not busy and exhausted and not retry and not waiting:
                return
            now = time.monotonic()
            next_deadline = min((s.started + self.timeout for s in busy), default=None)
            ready = wait([s.conn for s in busy + starting] + [s.proc.sentinel for s in busy + starting],
                         timeout=None if next_deadline is None else max(0.0, next_deadline - now))
            for i, slot in enumerate(self.slots):
                if not slot.ready and (slot.conn in ready or slot.proc.sentinel in ready):
                    try:
                        slot.ready = slot.conn.recv() == READY
                    except (EOFError, OSError):
                        slot.ready = False
                    if slot.ready:
                        start_failures = 0
                    else:  # died (or spoke out of turn) while starting: a fresh one takes its place
                        start_failures += 1
                        code = slot.proc.exitcode
                        self._replace(i)
                        if start_failures > MAX_START_FAILURES:
                            raise RuntimeError(f"{start_failures} workers in a row died while starting (exit code "
                                               f"{code}): an import of the systems or of --modules fails")
                    continue
                job = slot.job
                if job is None:
                    continue
                if slot.conn in ready:
                    try:
                        key, status, output, error, seconds, slot.cpu, slot.rss_mb = slot.conn.recv()
                    except (EOFError, OSError):
                        code = slot.proc.exitcode if not slot.proc.is_alive() else None
                        self._replace(i)
                        yield Outcome(job.key, "crash", error=f"worker died (exit code {code})")
                        continue
                    slot.job = None
                    if status == "crash":  # a worker that hit its memory limit is not trusted further
                        self._replace(i)
                    elif self._over(slot.rss_mb):
                        self._replace(i)  # before the outcome is handed on: the memory goes back first
                        self.recycled += 1
                    yield Outcome(key, status, output, error, seconds)
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
