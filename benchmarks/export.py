"""``pagegold bench export``: a run's predictions (and its gold) in a corpus's own ids and shapes.

So that a run's outputs go back to the tools of the corpus they came from: AEB's ``evaluate.py``
reads ``{id: {"articleBody"}}``; WCXB-style tools read ``{id: "text"}``; anything reads JSONL.
Ids are the pages' ``source_id`` (the corpus's own: AEB's hash, WCXB's file id, a file's relative
path) or PageGold's ``page_id``.

Files written into OUT:
    <system>.json | <system>.jsonl        one per system: {"version", "output": {id: {"articleBody"}}}
                                          (aeb) or {"id", "text"} lines (jsonl)
    ground-truth.json | gold.jsonl        the gold main text of the run's pages, keyed the same way
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

FORMATS = ("jsonl", "aeb")
KEYS = ("source_id", "page_id")


class ExportError(ValueError):
    """The run cannot be exported as asked; the message says why."""


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._+-]+", "_", name).strip("_") or "system"


def run_gold(run: dict[str, Any]) -> dict[str, str]:
    """Gold main text by page_id for the run's pages: read again from the corpus (``--corpus`` runs)
    or the release (release runs). Pages whose gold cannot be found are left out."""
    label = str(run.get("dataset_version", ""))
    wanted = {p["page_id"]: p for p in run.get("pages", [])}
    if label.startswith("corpus:"):
        from curation.sources import formats

        _, fmt, path = label.split(":", 2)
        by_source = {str(p.get("source_id")): pid for pid, p in wanted.items()}
        out = {}
        for record in formats.get(fmt).read(Path(path), "export", "unknown"):
            if isinstance(record, dict) and record.get("gold") is not None and str(record["source_id"]) in by_source:
                own = str(record["source_id"])
                pid = by_source[own]
                out[pid] = record["gold"].get("main_text") or ""
        return out
    if label.startswith("pages:"):
        import pyarrow.parquet as pq

        out = {}
        for f in sorted(Path(label.split(":", 1)[1]).glob("boilerplate_gold-*.parquet")):
            for row in pq.read_table(f, columns=["page_id", "main_text"]).to_pylist():
                if row["page_id"] in wanted:
                    out.setdefault(row["page_id"], row["main_text"] or "")
        return out
    from curation import dataset

    gold = dataset.boilerplate_gold_by_page(label)
    return {pid: (gold[pid].get("main_text") or "") for pid in wanted if pid in gold}


def export_run(
    run_dir: Path,
    out: Path,
    as_: str = "jsonl",
    key: str = "source_id",
    systems: list[str] | None = None,
    with_gold: bool = True,
) -> list[Path]:
    """Write each system's predictions (and the gold) of ``run_dir`` into ``out``; returns the files."""
    import pyarrow.parquet as pq

    if as_ not in FORMATS or key not in KEYS:
        raise ExportError(f"--as must be one of {', '.join(FORMATS)} and --key one of {', '.join(KEYS)}")
    preds_file, run_file = run_dir / "predictions.parquet", run_dir / "run.json"
    if not preds_file.is_file() or not run_file.is_file():
        raise ExportError(f"{run_dir}: not a `bench run` folder (needs predictions.parquet and run.json)")
    run = json.loads(run_file.read_text(encoding="utf-8"))
    if run.get("task", "boilerplate") != "boilerplate":
        raise ExportError(f"{run_dir}: export writes main texts; this run's task is {run.get('task')!r}")
    rows = pq.read_table(preds_file).to_pylist()
    if key == "source_id" and any(r.get("source_id") is None for r in rows):
        raise ExportError(
            f"{run_dir}: its predictions carry no source_id (a run from before ids were kept): use --key page_id"
        )
    present = sorted({r["system"] for r in rows})
    chosen = systems or present
    unknown = [s for s in chosen if s not in present]
    if unknown:
        raise ExportError(f"{run_dir}: no system {', '.join(unknown)} (has: {', '.join(present)})")
    id_of = {p["page_id"]: str(p.get(key) if key == "source_id" else p["page_id"]) for p in run.get("pages", [])}
    for r in rows:
        id_of.setdefault(r["page_id"], str(r[key]))
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for system in chosen:
        mine = [r for r in rows if r["system"] == system]
        texts = {id_of[r["page_id"]]: (r["text"] if r["status"] == "ok" else None) for r in mine}
        version = mine[0]["system_version"] if mine else None
        path = out / f"{_safe(system)}.{'json' if as_ == 'aeb' else 'jsonl'}"
        _write(path, as_, texts, version)
        written.append(path)
    if with_gold:
        gold = {id_of[pid]: text for pid, text in run_gold(run).items() if pid in id_of}
        if gold:
            path = out / ("ground-truth.json" if as_ == "aeb" else "gold.jsonl")
            if as_ == "aeb":
                path.write_text(
                    json.dumps({k: {"articleBody": v} for k, v in sorted(gold.items())}, ensure_ascii=False, indent=1)
                    + "\n",
                    encoding="utf-8",
                )
            else:
                path.write_text(
                    "".join(
                        json.dumps({"id": k, "text": v}, ensure_ascii=False) + "\n" for k, v in sorted(gold.items())
                    ),
                    encoding="utf-8",
                )
            written.append(path)
    return written


def _write(path: Path, as_: str, texts: dict[str, str | None], version: str | None) -> None:
    if as_ == "aeb":
        body = {"version": version, "output": {k: {"articleBody": v} for k, v in sorted(texts.items())}}
        path.write_text(json.dumps(body, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    else:
        path.write_text("".join(_lines(texts)), encoding="utf-8")


def _lines(texts: dict[str, str | None]) -> Iterator[str]:
    for k, v in sorted(texts.items()):
        yield json.dumps({"id": k, "text": v}, ensure_ascii=False) + "\n"
