"""Perf check of the Label Studio round trip: push 5,000 tasks and pull 5,000 annotated tasks, each ≤ 15 s.

Run: ``python -m benchmarks.perf.labelstudio_roundtrip [--tasks 5000] [--chars 3000]``.

Starts its own local server in a temporary data dir (from the pre-migrated template; the server
venv must be installed: ``bash scripts/install_labelstudio.sh``), writes a synthetic release of
``--tasks`` pages of ~``--chars`` characters each, then times:

* push: ``curation.labelstudio.push.push`` into a new project, zone pre-labels on (reading the
  release, building tasks, importing in batches of 1,000);
* pull: ``curation.labelstudio.pull.pull`` of a project whose every task carries one annotation
  (3 zones + 8 entities; imported beforehand, untimed): export, span checks, staging write.

Prints the figures; exit status 1 if either is over the limit. Only talks to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

import pyarrow.parquet as pq

LIMIT_S = 15.0
WORDS = ("the minister said on tuesday that talks would continue after a meeting with officials in the capital "
         "while markets rose and analysts expected further gains as the company reported record results").split()
NAMES = [("Vladimir Putin", "PER"), ("Reuters", "ORG"), ("Pyongyang", "LOC"), ("Olympics", "MISC")]


def synthetic_page(i: int, chars: int, rng: random.Random) -> tuple[dict, list[dict]]:
    """A page of lines with some known names; returns (page row, entity spans)."""
    lines, spans, pos = [], [], 0
    while pos < chars:
        words = [rng.choice(WORDS) for _ in range(rng.randint(8, 25))]
        name, label = rng.choice(NAMES)
        k = rng.randint(0, len(words))
        before = " ".join(words[:k]) + (" " if k else "")
        line = before + name + " " + " ".join(words[k:]) + "."
        spans.append({"start": pos + len(before), "end": pos + len(before) + len(name), "label": label})
        lines.append(line)
        pos += len(line) + 1
    text = "\n".join(lines)
    blocks, p = [], 0
    for line in lines:
        blocks.append({"start": p, "end": p + len(line), "tag": "line", "path": ""})
        p += len(line) + 1
    page = {
        "page_id": f"perf{i:06d}", "source": "perf", "source_id": str(i), "raw_format": "text", "raw": text.encode(),
        "encoding": "utf-8", "encoding_source": "default", "text": text, "blocks": blocks,
        "text_sha256": hashlib.sha256(text.encode()).hexdigest(), "license": "CC0-1.0",
        "normaliser_version": "perf", "split": "test",
    }
    return page, [dict(s, text=text[s["start"]:s["end"]]) for s in spans]


def write_release(root: Path, pages: list[dict]) -> None:
    from curation import schema

    defaults = {"string": "x", "binary": b"x", "bool": False, "int32": 0, "int64": 0, "float32": 0.0, "float64": 0.0}
    for page in pages:  # fill required columns this script does not know about
        for col in schema.load("pages").columns:
            if col["name"] not in page and not col.get("nullable", True):
                page[col["name"]] = defaults.get(col["type"], [])
    gold = [{"page_id": p["page_id"], "text_sha256": p["text_sha256"], "main_text": "", "main_blocks": list(range(len(p["blocks"]) - 1)),
             "origin": "perf", "split": "test"} for p in pages]
    tables = {}
    for name, rows in (("pages", pages), ("boilerplate_gold", gold)):
        rel = f"v1.0.0/{name}/test-00000.parquet"
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(schema.load(name).table(rows), root / rel, row_group_size=1000)
        tables[name] = {"files": [{"path": rel, "split": "test", "sha256": "", "rows": len(rows)}]}
    (root / "v1.0.0" / "manifest.json").write_text(json.dumps({"version": "1.0.0", "tables": tables}))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=5000)
    parser.add_argument("--chars", type=int, default=3000, help="approximate characters per page")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="pagegold-ls-perf-"))
    from curation.labelstudio import install, server

    # Reuse the installed server venv and template, but keep everything else (including the
    # "last started server" pointer) in the temporary folder.
    os.environ.update(PAGEGOLD_LS_VENV=str(install.venv_dir()), PAGEGOLD_LS_TEMPLATE=str(server.template_dir()),
                      PAGEGOLD_HOME=str(work / "home"), PAGEGOLD_DATA_DIR=str(work / "data"),
                      PAGEGOLD_STAGING_DIR=str(work / "staging"))
    for var in ("LABEL_STUDIO_URL", "LABEL_STUDIO_API_KEY"):
        os.environ.pop(var, None)  # always this script's own server
    from curation.labelstudio import client
    from curation.labelstudio.project import ensure_project
    from curation.labelstudio.pull import pull
    from curation.labelstudio.push import push
    from curation.labelstudio.spans import region

    rng = random.Random(0)
    made = [synthetic_page(i, args.chars, rng) for i in range(args.tasks)]
    write_release(work / "data", [p for p, _ in made])
    t0 = time.monotonic()
    state = server.start(work / "server", port=server._free_port())
    print(f"server up in {time.monotonic() - t0:.1f} s at {state.url} (pid {state.pid})")
    try:
        ls, conn = client.connect(work / "server")
        report = push(ls, conn, "perf-push")
        print(f"push: {report.created} tasks ({args.chars} chars, zone pre-labels) in {report.seconds:.2f} s")

        proj, _ = ensure_project(ls, conn, "perf-pull")
        me = ls.users.whoami().id
        setup = time.monotonic()
        for i in range(0, len(made), 1000):
            batch = []
            for page, ents in made[i:i + 1000]:
                t, b = page["text"], page["blocks"]
                result = [region("zones", 0, b[-2]["end"], "MAIN", t, "z0"),
                          region("zones", b[-1]["start"], b[-1]["end"], "BOILERPLATE", t, "z1")]
                result += [region("entities", s["start"], s["end"], s["label"], t, f"e{j}") for j, s in enumerate(ents[:8])]
                batch.append({"data": {"text": t, "page_id": page["page_id"], "text_sha256": page["text_sha256"]},
                              "annotations": [{"result": result, "completed_by": me, "lead_time": 30.0}]})
            ls.projects.import_tasks(proj.id, request=batch)
        print(f"(setup: {len(made)} annotated tasks imported in {time.monotonic() - setup:.1f} s, not timed)")
        pulled = pull(ls, conn, "perf-pull")
        print(f"pull: {pulled.annotations} annotations on {pulled.tasks} tasks checked and staged in {pulled.seconds:.2f} s "
              f"(server export {pulled.export_seconds:.2f} s) "
              f"({pulled.valid} valid, {len(pulled.invalid)} invalid)")
        again = pull(ls, conn, "perf-pull")
        print(f"pull again: {again.appended} rows appended in {again.seconds:.2f} s (server export {again.export_seconds:.2f} s)")
    finally:
        server.stop(work / "server")
        shutil.rmtree(work, ignore_errors=True)
    ok = report.seconds <= LIMIT_S and pulled.seconds <= LIMIT_S and pulled.valid == args.tasks
    print(("OK" if ok else "OVER LIMIT") + f": push {report.seconds:.2f} s, pull {pulled.seconds:.2f} s (limit {LIMIT_S:.0f} s each)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
