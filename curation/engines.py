"""Executors that run independent tasks (shards, reduce partitions): local or Ray.

Both offer one operation, ``engine.map(fn, items, on_result)``: call ``fn(item)`` for every item,
anywhere, and return the results in item order. Tasks only exchange files and small return
values, so a step never depends on the engine: the same shards give the same files on both.

- ``local`` (default, no extra dependency): ``jobs=1`` runs in this process; ``jobs>1`` a pool
  of spawned processes (spawn, not fork: the driver may hold threads, e.g. the progress bar).
- ``ray``: one Ray task per item (``num_cpus=1``), retried on worker death and on exceptions.
  ``address=None`` starts a private local Ray with ``jobs`` CPUs (or reuses one already
  initialised in this process); ``auto`` (RAY_ADDRESS, or the cluster ``ray start`` made on this
  machine) or ``ray://HOST:PORT`` (Ray Client) joins a running cluster.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any, Protocol, TypeVar

T = TypeVar("T")
R = TypeVar("R")
OnResult = Callable[[int, Any], None]
ENGINES = ("local", "ray")
#: Extra attempts for a failed task (an exception, or a worker that died).
MAX_RETRIES = 2
RAY_HINT = "the ray engine needs Ray: pip install 'pagegold[ray]'"


class EngineError(RuntimeError):
    """A task failed on every attempt, or the engine could not start."""


class Engine(Protocol):
    name: str

    def map(self, fn: Callable[[T], R], items: list[T], on_result: OnResult | None = None) -> list[R]: ...

    def close(self) -> None: ...


class LocalEngine:
    """In-process (jobs=1) or a process pool; failed tasks are retried up to ``max_retries`` times."""

    name = "local"

    def __init__(self, jobs: int = 1, max_retries: int = MAX_RETRIES):
        if jobs < 1:
            raise ValueError("jobs must be at least 1")
        self.jobs, self.max_retries = jobs, max_retries
        self._pool: ProcessPoolExecutor | None = None

    def map(self, fn: Callable[[T], R], items: list[T], on_result: OnResult | None = None) -> list[R]:
        results: list[Any] = [None] * len(items)
        if self.jobs == 1 or len(items) <= 1:
            for i, item in enumerate(items):
                results[i] = _with_retries(fn, item, self.max_retries)
                if on_result:
                    on_result(i, results[i])
            return results
        if self._pool is None:
            self._pool = ProcessPoolExecutor(self.jobs, mp_context=multiprocessing.get_context("spawn"), initializer=_die_with_parent)
        attempts = [0] * len(items)
        pending: dict[Future, int] = {self._pool.submit(fn, item): i for i, item in enumerate(items)}
        try:
            while pending:
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    i = pending.pop(future)
                    try:
                        results[i] = future.result()
                    except Exception as exc:
                        attempts[i] += 1
                        if attempts[i] > self.max_retries or _pool_broken(exc):
                            raise EngineError(f"task {i} failed after {attempts[i]} attempt(s): {exc!r}") from exc
                        pending[self._pool.submit(fn, items[i])] = i
                        continue
                    if on_result:
                        on_result(i, results[i])
        except BaseException:
            for future in pending:
                future.cancel()
            self.close()
            raise
        return results

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def _die_with_parent() -> None:
    """Pool workers get SIGKILL when the driver dies (Linux): after a kill -9 of ingest, an
    orphan must not keep writing a shard that the rerun is redoing."""
    import ctypes
    import signal
    import sys

    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG
        except OSError:
            pass


def _pool_broken(exc: BaseException) -> bool:
    from concurrent.futures.process import BrokenProcessPool

    return isinstance(exc, BrokenProcessPool)


def _with_retries(fn: Callable[[T], R], item: T, max_retries: int) -> R:
    for attempt in range(max_retries + 1):
        try:
            return fn(item)
        except Exception as exc:
            if attempt == max_retries:
                raise EngineError(f"task failed after {attempt + 1} attempt(s): {exc!r}") from exc
    raise AssertionError("unreachable")


class RayEngine:
    """One Ray task per item. Inputs and outputs must be on storage every node can reach."""

    name = "ray"

    def __init__(self, address: str | None = None, jobs: int | None = None, max_retries: int = MAX_RETRIES):
        try:
            import ray
        except ImportError as exc:
            raise EngineError(RAY_HINT) from exc
        self.ray, self.max_retries = ray, max_retries
        self._owns = False
        if not ray.is_initialized():
            # "local" forces a new private instance: plain ray.init() would silently join a cluster
            # found through RAY_ADDRESS or an earlier `ray start` (that is what --address auto is for).
            kwargs: dict[str, Any] = {"address": address or "local", "log_to_driver": False}
            if address is None:
                kwargs.update(num_cpus=jobs, include_dashboard=False)
            try:
                ray.init(**kwargs)
            except (ConnectionError, RuntimeError, ValueError) as exc:
                raise EngineError(f"cannot start or reach Ray at {address or 'a new local instance'}: {exc}") from exc
            self._owns = True

    def map(self, fn: Callable[[T], R], items: list[T], on_result: OnResult | None = None) -> list[R]:
        ray = self.ray
        remote = ray.remote(fn).options(num_cpus=1, max_retries=self.max_retries, retry_exceptions=True)
        refs = [remote.remote(item) for item in items]
        index = {ref: i for i, ref in enumerate(refs)}
        results: list[Any] = [None] * len(items)
        pending = list(refs)
        try:
            while pending:
                ready, pending = ray.wait(pending, num_returns=1)
                for ref in ready:
                    i = index[ref]
                    try:
                        results[i] = ray.get(ref)
                    except ray.exceptions.RayError as exc:
                        raise EngineError(f"task {i} failed after {self.max_retries + 1} attempt(s): {exc}") from exc
                    if on_result:
                        on_result(i, results[i])
        except BaseException:
            for ref in pending:
                ray.cancel(ref, force=True)
            raise
        return results

    def close(self) -> None:
        if self._owns:
            self.ray.shutdown()
            self._owns = False


def make_engine(name: str = "local", jobs: int | None = None, address: str | None = None, max_retries: int = MAX_RETRIES) -> Engine:
    """The engine called ``name``; ``address`` only applies to ray."""
    if name == "local":
        if address:
            raise ValueError("--address only applies to --engine ray")
        return LocalEngine(jobs or 1, max_retries)
    if name == "ray":
        return RayEngine(address, jobs, max_retries)
    raise ValueError(f"unknown engine {name!r} (expected one of {', '.join(ENGINES)})")


def run_all(engine: Engine, fn: Callable[[T], R], items: Iterable[T], on_result: OnResult | None = None) -> list[R]:
    """``engine.map`` over a materialised list (a convenience for generators)."""
    return engine.map(fn, list(items), on_result)
