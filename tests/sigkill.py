"""A real ``kill -9`` in the middle of a command, for the resume tests of ingest and bench run."""

import os
import signal
import subprocess
import time
from collections.abc import Callable


def sigkill_when(proc: subprocess.Popen, ready: Callable[[], bool], what: str, timeout: float) -> None:
    """SIGKILL ``proc`` as soon as ``ready()`` holds (e.g. enough shards done), then reap it.
    Fails if the command ends first or ``ready`` does not hold within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    try:
        while not ready():
            assert proc.poll() is None, f"{what} finished before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.01)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
