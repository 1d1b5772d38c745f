"""Progress of a long run, for a terminal (a rich bar) and for a log file (plain lines).

Why: `make bench` in CI or under `nohup` writes to a file; a bar that redraws in place prints
nothing there for many minutes. Without a TTY, a line is printed every ``every`` units or
``seconds`` seconds (whichever comes first), with the rate and the estimated time left.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from contextlib import contextmanager
from typing import IO, Iterator


class LineProgress:
    """``update(done, total)`` prints ``label: done/total (pct) rate/s, ETA m:ss`` lines now and then."""

    def __init__(self, label: str, unit: str = "jobs", every: int = 100, seconds: float = 30.0,
                 stream: IO[str] | None = None, clock: Callable[[], float] = time.monotonic) -> None:  # fmt: skip
        self.label, self.unit, self.every, self.seconds = label, unit, every, seconds
        self.stream = stream or sys.stderr
        self.clock = clock
        self.start = clock()
        self.last_done = 0
        self.last_time = self.start

    def __call__(self, done: int, total: int | None) -> None:
        now = self.clock()
        finished = total is not None and done >= total
        if not finished and done - self.last_done < self.every and now - self.last_time < self.seconds:
            return
        if done == self.last_done and not finished:
            return
        elapsed = max(now - self.start, 1e-9)
        rate = done / elapsed
        if total:
            left = (total - done) / rate if rate > 0 else float("inf")
            eta = "?" if left == float("inf") else f"{int(left // 60)}:{int(left % 60):02d}"
            text = f"{self.label}: {done}/{total} {self.unit} ({100 * done / total:.0f}%), {rate:.1f}/s, ETA {eta}"
        else:
            text = f"{self.label}: {done} {self.unit}, {rate:.1f}/s"
        print(text, file=self.stream, flush=True)
        self.last_done, self.last_time = done, now


@contextmanager
def progress(
    label: str, unit: str = "jobs", every: int = 100, stream: IO[str] | None = None
) -> Iterator[Callable[[int, int], None]]:
    """A ``(done, total)`` callback: a rich bar on a terminal, :class:`LineProgress` lines otherwise."""
    stream = stream or sys.stderr
    if stream.isatty():
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

        columns = ("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
        with Progress(*columns,
                      console=Console(file=stream)) as bar:  # fmt: skip
            tid = bar.add_task(label, total=None)
            yield lambda done, total: bar.update(tid, completed=done, total=total)
    else:
        yield LineProgress(label, unit, every, stream=stream)
