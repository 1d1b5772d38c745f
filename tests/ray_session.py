"""A private local Ray for one test module (the Ray tests of ingest, release and bench run)."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from typing import Any


@contextlib.contextmanager
def private_ray(pythonpath: tuple[str, ...] = ()) -> Iterator[Any]:
    """``ray.init`` with 2 CPUs, no dashboard and a small object store, under a short RAY_TMPDIR
    (Ray's unix sockets live under it and must stay below the 107-byte limit); ``pythonpath``
    is put in front of PYTHONPATH so Ray's workers import test-only modules by name. Everything
    is put back afterwards."""
    import ray

    tmp = tempfile.mkdtemp(prefix="ray", dir="/tmp")
    saved = {k: os.environ.get(k) for k in ("RAY_TMPDIR", "PYTHONPATH")}
    os.environ["RAY_TMPDIR"] = tmp
    if pythonpath:
        os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (*pythonpath, saved["PYTHONPATH"]) if p)
    ray.init(num_cpus=2, include_dashboard=False, object_store_memory=80 * 1024 * 1024, log_to_driver=False)
    try:
        yield ray
    finally:
        ray.shutdown()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        shutil.rmtree(tmp, ignore_errors=True)
