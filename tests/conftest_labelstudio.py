"""Helpers for the Label Studio tests: a tiny release-like data dir (no shipped data needed).

Not a conftest.py on purpose: the test files import it explicitly, so nothing here leaks into
other engineers' tests. ``make_release`` writes data/v1.0.0 with pages and boilerplate_gold in
the manifest format curation/dataset.py reads.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from curation import schema

DEFAULTS = {"string": "x", "binary": b"x", "bool": False, "int32": 0, "int64": 0, "float32": 0.0, "float64": 0.0}

PAGE_LINES = {
    "p-summit": [
        "Putin and Kim sign pact in Pyongyang",
        "Russian President Vladimir Putin met Kim Jong Un in Pyongyang on Wednesday.",
        "The Kremlin said the pact covers mutual defence.",
        "Trending Stories",
        "Taylor Swift adds Zürich date 🎉",
    ],
    "p-match": [
        "Mbappé scores twice as Real Madrid beat Barcelona",
        "Kylian Mbappé scored twice at the Bernabéu.",
        "MOST POPULAR",
        "Deepika Padukone attends Cannes",
    ],
    "p-tiny": ["Headline only", "Subscribe to our newsletter"],
}
MAIN_BLOCKS = {"p-summit": [0, 1, 2], "p-match": [0, 1], "p-tiny": [0]}


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def page_row(page_id: str, lines: list[str], split: str = "test") -> dict[str, Any]:
    text = "\n".join(lines)
    blocks, pos = [], 0
    for line in lines:
        blocks.append({"start": pos, "end": pos + len(line), "tag": "line", "path": ""})
        pos += len(line) + 1
    row: dict[str, Any] = {
        "page_id": page_id, "source": "fixture", "source_id": page_id, "raw_format": "text",
        "raw": text.encode(), "encoding": "utf-8", "encoding_source": "default", "text": text, "blocks": blocks,
        "text_sha256": sha(text), "license": "CC0-1.0", "normaliser_version": "test", "split": split,
    }
    # Fill any other required column the lead adds to schemas/pages.yaml, so this fixture keeps up.
    for col in schema.load("pages").columns:
        if col["name"] not in row and not col.get("nullable", True):
            row[col["name"]] = DEFAULTS.get(col["type"], [])
    return row


def _write(root: Path, version: str, table: str, rows: list[dict[str, Any]], split: str) -> dict[str, Any]:
    rel = f"{version}/{table}/{split}-00000.parquet"
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(schema.load(table).table(rows), path)
    return {"path": rel, "split": split, "sha256": hashlib.sha256(path.read_bytes()).hexdigest(), "rows": len(rows)}


def make_release(root: Path, pages: dict[str, list[str]] | None = None, version: str = "v1.0.0",
                 main_blocks: dict[str, list[int]] | None = None,
                 titles: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """Write a release under ``root`` (use as PAGEGOLD_DATA_DIR); return the page rows."""
    pages = pages or PAGE_LINES
    main_blocks = MAIN_BLOCKS if main_blocks is None else main_blocks
    rows = [page_row(pid, lines) for pid, lines in pages.items()]
    for r in rows:
        if titles and r["page_id"] in titles:
            r["title"] = titles[r["page_id"]]
    gold = []
    for r in rows:
        if r["page_id"] in main_blocks:
            mb = main_blocks[r["page_id"]]
            gold.append({"page_id": r["page_id"], "text_sha256": r["text_sha256"], "main_blocks": mb,
                         "main_text": "\n".join(r["text"][r["blocks"][i]["start"]:r["blocks"][i]["end"]] for i in mb),
                         "origin": "fixture", "split": r["split"]})
    manifest = {"version": version.lstrip("v"), "tables": {
        "pages": {"files": [_write(root, version, "pages", rows, "test")]},
        "boilerplate_gold": {"files": [_write(root, version, "boilerplate_gold", gold, "test")]},
    }}
    (root / version / "manifest.json").write_text(json.dumps(manifest))
    return rows


def find(text: str, needle: str) -> tuple[int, int]:
    start = text.index(needle)
    return start, start + len(needle)


def isolated_env(root: Path):
    """A MonkeyPatch pointing every PageGold and Label Studio setting into ``root`` (undo() when done).

    The server venv and template stay the real ones (~/.cache/pagegold); any Label Studio
    credentials in the caller's environment are removed so tests never reach another server.
    """
    import pytest

    from curation.labelstudio import install, server

    mp = pytest.MonkeyPatch()
    mp.setenv("PAGEGOLD_LS_VENV", str(install.venv_dir()))
    mp.setenv("PAGEGOLD_LS_TEMPLATE", str(server.template_dir()))
    mp.setenv("PAGEGOLD_HOME", str(root / "home"))  # the "last started server" pointer stays in tmp
    mp.setenv("PAGEGOLD_DATA_DIR", str(root / "data"))
    mp.setenv("PAGEGOLD_STAGING_DIR", str(root / "staging"))
    mp.setenv("PAGEGOLD_LS_DATA_DIR", str(root / "server"))
    for var in ("LABEL_STUDIO_URL", "LABEL_STUDIO_API_KEY", "LABEL_STUDIO_USER_TOKEN", "LABEL_STUDIO_USERNAME",
                "LABEL_STUDIO_PASSWORD"):
        mp.delenv(var, raising=False)
    return mp


def running_server(root: Path):
    """Start a real Label Studio server in ``root/server``; yield (sdk, connection, state); stop it by PID."""
    from curation.labelstudio import client, server

    state = server.start(root / "server", port=server._free_port(), timeout=240)
    try:
        sdk, conn = client.connect()
        yield sdk, conn, state
    finally:
        assert server.stop(state.data_dir)
        assert not server._alive(state.pid)
