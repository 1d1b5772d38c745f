"""Perf check of `pagegold annotate show` (one page, for annotating in a terminal): ≤ 3 s wanted.

Run: ``python -m benchmarks.perf.annotate_show [--tasks 500] [--repeat 3]``.

Starts its own local Label Studio server in a temporary folder (from the pre-migrated template;
the server venv must be installed: ``bash scripts/install_labelstudio.sh``), pushes ``--tasks``
pages of the shipped release into a project (untimed), then times, for the last page pushed:

* the whole command in a fresh process (``pagegold annotate show``, imports included);
* its parts in this process: connecting, finding the task, reading the page from the release.

Prints the figures (median of ``--repeat``); exit status 1 over the limit. Only talks to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

LIMIT_S = 3.0
ROOT = Path(__file__).resolve().parents[2]


def _median(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=500, help="pages pushed into the project")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="pagegold-show-perf-"))
    from curation import dataset
    from curation.labelstudio import install, server

    os.environ.update(PAGEGOLD_LS_VENV=str(install.venv_dir()), PAGEGOLD_LS_TEMPLATE=str(server.template_dir()),
                      PAGEGOLD_HOME=str(work / "home"), PAGEGOLD_STAGING_DIR=str(work / "staging"))  # fmt: skip
    for var in ("LABEL_STUDIO_URL", "LABEL_STUDIO_API_KEY"):
        os.environ.pop(var, None)
    from curation.labelstudio import client
    from curation.labelstudio.push import push
    from curation.labelstudio.scripted import find_task, release_page

    ids = [p["page_id"] for p in dataset.iter_pages(columns=["page_id"])][: args.tasks]
    server.start(work / "server", port=server._free_port())
    try:
        ls, conn = client.connect(work / "server")
        t = time.perf_counter()
        pushed = push(ls, conn, "perf-show", ids=ids, zone_prelabels=False)
        print(f"(setup: {pushed.created} tasks pushed in {time.perf_counter() - t:.1f} s, not timed)")
        page_id = ids[-1]
        cmd = [
            sys.executable,
            "-m",
            "pagegold.cli",
            "annotate",
            "show",
            "--project",
            "perf-show",
            "--page-id",
            page_id,
            "--server-dir",
            str(work / "server"),
        ]
        env = dict(os.environ, PYTHONPATH=str(ROOT))

        def whole() -> None:
            done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
            assert done.returncode == 0 and f"page {page_id}" in done.stdout, done.stderr

        total = _median(whole, args.repeat)
        connect = _median(lambda: client.connect(work / "server"), args.repeat)
        task = find_task(ls, conn, "perf-show", page_id)
        find = _median(lambda: find_task(ls, conn, "perf-show", page_id), args.repeat)
        read = _median(lambda: release_page(page_id, task["data"]["text_sha256"]), args.repeat)
    finally:
        server.stop(work / "server")
        shutil.rmtree(work, ignore_errors=True)
    print(
        f"annotate show, one page of a {len(ids)}-task project: {total:.2f} s (median of {args.repeat}, fresh process)"
    )
    print(f"  parts: connect {connect:.2f} s, find the task {find:.2f} s, read the page from the release {read:.2f} s")
    ok = total <= LIMIT_S
    print(("OK" if ok else "OVER LIMIT") + f": {total:.2f} s (limit {LIMIT_S:.0f} s)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
