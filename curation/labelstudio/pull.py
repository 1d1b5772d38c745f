"""Pull annotations from a Label Studio project, check every span, append them to staging.

For every annotation of every annotated task:

* the task's page must be in the release, and the task's ``text_sha256`` must still be the page's
  (and match the task's own text): otherwise the whole annotation is refused, nothing realigned;
* each region is checked by ``spans.check_region`` (offsets inside the text, ``text`` equal to
  ``text[start:end]``, a label of its group in the labeling config), then the annotation by
  ``spans.check_entities`` (no region both zone and entity, no entity across a newline, longer
  than ``spans.MAX_ENTITY_CHARS`` or covering a whole zone). A refused annotation keeps no span.

Every annotation is appended unchanged (``result_json`` is Label Studio's raw result) to
``staging/annotations.parquet`` with ``valid`` and ``invalid_reasons``; ``zones``/``entities`` hold
the spans of valid annotations only (none for a refused one). Adjudication uses valid, not
cancelled annotations only. A row is keyed by (project, annotation_id, updated_at): pulling again
adds nothing, and an annotation edited in Label Studio since adds a new row beside the old one.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from curation import dataset, schema
from curation.labelstudio import spans, staging
from curation.labelstudio.client import Connection, LabelStudioError, call
from curation.labelstudio.project import export_tasks, find_project

if TYPE_CHECKING:
    from label_studio_sdk import LabelStudio


@dataclass
class PullReport:
    project: str
    version: str
    tasks: int = 0
    annotations: int = 0
    appended: int = 0
    valid: int = 0
    cancelled: int = 0
    invalid: list[tuple[int, str, list[str]]] = field(default_factory=list)  # (annotation_id, page_id, reasons)
    staged: Path | None = None
    seconds: float = 0.0
    export_seconds: float = 0.0  # of which the server's export (the bulk of a large pull)


def _annotators(ls: LabelStudio, conn: Connection) -> dict[int, str]:
    users = call(conn, "listing users", lambda: list(ls.users.list()))
    return {u.id: (u.email or u.username or str(u.id)) for u in users}


def _annotator(completed_by: Any, users: dict[int, str]) -> str | None:
    if isinstance(completed_by, dict):  # some exports inline the user
        return completed_by.get("email") or str(completed_by.get("id"))
    if completed_by is None:
        return None
    return users.get(completed_by, str(completed_by))


def storable(value: Any) -> Any:
    """``value`` with every string made UTF-8-encodable: a lone surrogate (JSON allows ``\\ud800``,
    Label Studio stores it) becomes its ``\\udNNN`` escape, which inside ``result_json`` reads back
    as the same string. One such annotation must not stop a pull from staging the others."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return value.encode("utf-8", "backslashreplace").decode("utf-8")
        return value
    if isinstance(value, dict):
        return {k: storable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [storable(v) for v in value]
    return value


def _seconds(value: Any) -> float | None:
    """An annotation's lead_time as seconds; None when missing or not a finite number."""
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return None
    return seconds if math.isfinite(seconds) else None


def _data(task: dict[str, Any]) -> dict[str, Any]:
    data = task.get("data")
    return data if isinstance(data, dict) else {}


def check_annotation(task: dict[str, Any], ann: dict[str, Any], page: dict[str, Any] | None, version: str) -> tuple[list, list, list[str]]:
    """``(zones, entities, reasons)`` for one exported annotation against the released page."""
    data = _data(task)
    page_id, sha = data.get("page_id"), data.get("text_sha256")
    if not isinstance(page_id, str):
        kind = type(page_id).__name__
        return [], [], [f"the task's page_id is {kind} {str(page_id)[:60]!r}, not a string (the task was edited)"]
    if page is None:
        return [], [], [f"page {page_id!r} is not in release {version}"]
    if sha != page["text_sha256"]:
        return [], [], [f"page text changed: the task was made for text_sha256 {str(sha)[:12]}…, "
                        f"release {version} has {page['text_sha256'][:12]}…"]
    task_text = data.get("text")
    if not isinstance(task_text, str) or hashlib.sha256(task_text.encode("utf-8")).hexdigest() != sha:
        return [], [], ["the task's text does not hash to its text_sha256 (the task was edited)"]
    zones, entities, reasons = spans.check_result(ann.get("result"), page["text"])
    if reasons:  # a refused annotation stages no span at all (its raw result stays in result_json)
        return [], [], reasons
    return zones, entities, reasons


def pull(
    ls: LabelStudio,
    conn: Connection,
    project: str,
    version: str | None = None,
    out: Path | None = None,
    staging_dir: Path | None = None,
) -> PullReport:
    """Export, check and stage the annotations of ``project``; see the module docstring."""
    started = time.monotonic()
    version = dataset.version_name(version) if version else dataset.latest_version()
    proj = find_project(ls, conn, project)
    if proj is None:
        raise LabelStudioError(f"no project titled {project!r} on {conn.url} (push pages first)")
    exporting = time.monotonic()
    tasks = export_tasks(ls, conn, proj.id, all_tasks=False)
    export_seconds = time.monotonic() - exporting
    users = _annotators(ls, conn)
    wanted = {pid for t in tasks if isinstance(pid := _data(t).get("page_id"), str)}
    pages = {p["page_id"]: p for p in dataset.iter_pages(version, ids=wanted, columns=["page_id", "text", "text_sha256"])}

    report = PullReport(project, version, tasks=len(tasks), export_seconds=export_seconds)
    rows = []
    for task in sorted(tasks, key=lambda t: t["id"]):
        data = _data(task)
        page_id = data.get("page_id")
        for ann in sorted(task.get("annotations") or [], key=lambda a: a["id"]):
            page = pages.get(page_id) if isinstance(page_id, str) else None
            zones, entities, reasons = check_annotation(task, ann, page, version)
            cancelled = bool(ann.get("was_cancelled"))
            rows.append(storable({
                "annotation_id": ann["id"], "task_id": task["id"], "project": project,
                "page_id": str(data.get("page_id")), "text_sha256": str(data.get("text_sha256")),
                "annotator": _annotator(ann.get("completed_by"), users),
                "created_at": ann.get("created_at"), "updated_at": ann.get("updated_at"),
                "lead_time": _seconds(ann.get("lead_time")),
                "cancelled": cancelled,
                "result_json": json.dumps(ann.get("result"), ensure_ascii=False, sort_keys=True),
                "zones": zones, "entities": entities, "valid": not reasons, "invalid_reasons": reasons,
            }))
            reasons = rows[-1]["invalid_reasons"]
            report.annotations += 1
            report.cancelled += cancelled
            if reasons:
                report.invalid.append((ann["id"], str(data.get("page_id")), reasons))
            else:
                report.valid += 1

    path = staging.staging_dir(staging_dir) / staging.ANNOTATIONS
    with staging.lock(path.parent, "pull"):  # read-append-write: a concurrent pull would lose rows
        existing = staging.read("annotations", path)
        seen = set(zip(existing.column("project").to_pylist(), existing.column("annotation_id").to_pylist(),
                       existing.column("updated_at").to_pylist()))
        new = [r for r in rows if (r["project"], r["annotation_id"], r["updated_at"]) not in seen]
        if new:
            table = pa.concat_tables([existing, schema.load("annotations").table(new)])
            staging.write_table(table, path)
    report.appended, report.staged = len(new), path
    if out is not None:
        staging.write_jsonl(rows, out)
    report.seconds = time.monotonic() - started
    return report
