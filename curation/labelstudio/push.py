"""Push released pages to a Label Studio project as tasks, optionally with pre-annotations.

Each task carries ``text``, ``page_id``, ``text_sha256``, ``source``, ``split`` and the release
``version``. A task is identified by (page_id, text_sha256): pushing again adds no duplicate, and
a page whose text changed in a later release becomes a new task (its old task's annotations are
refused at pull). Pre-annotations, shown to annotators as one prediction per task:

* entities from a predictions table (Parquet or JSONL, schemas/predictions.yaml; any system's
  output, e.g. from `pagegold bench`): refused for a page when its text_sha256 differs or a span
  fails the checks (the reason is reported, nothing is realigned);
* zones from the release's boilerplate_gold ``main_blocks`` plus the headline, byline and lede
  the source gold left out (zones.guideline_main_blocks): one MAIN or BOILERPLATE region per
  block, so a wrong line is fixed with a click and a hotkey.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow.parquet as pq

from curation import dataset
from curation.labelstudio import config, spans
from curation.labelstudio.client import Connection, LabelStudioError, call
from curation.labelstudio.project import ensure_project, export_tasks
from curation.labelstudio.zones import guideline_main_blocks, zone_regions

if TYPE_CHECKING:
    from label_studio_sdk import LabelStudio

PAGE_COLUMNS = ["page_id", "source", "text", "blocks", "text_sha256", "split", "title", "page_type"]


@dataclass
class PushReport:
    project_id: int
    project: str
    created_project: bool
    version: str
    selected: int = 0
    created: int = 0
    already_present: int = 0
    with_entity_prelabels: int = 0
    with_zone_prelabels: int = 0
    headline_blocks_added: int = 0  # headline/byline/lede blocks pre-labelled MAIN beyond the source gold
    refused_predictions: list[str] = field(default_factory=list)
    seconds: float = 0.0


def load_predictions(path: Path, system: str | None = None) -> dict[str, dict[str, Any]]:
    """Entity predictions by page_id from a Parquet or JSONL predictions table."""
    if path.suffix == ".parquet":
        rows = pq.read_table(path).to_pylist()
    else:
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    by_page: dict[str, dict[str, Any]] = {}
    for row in rows:
        if row.get("entities") is None or (system and row.get("system") != system):
            continue
        if row.get("status", "ok") != "ok":
            continue
        previous = by_page.get(row["page_id"])
        if previous is not None and previous.get("system") != row.get("system"):
            raise LabelStudioError(
                f"{path} holds entity predictions of several systems for page {row['page_id']} "
                f"({previous.get('system')}, {row.get('system')}): choose one with --system"
            )
        by_page[row["page_id"]] = row
    return by_page


def entity_regions(page: dict[str, Any], prediction: dict[str, Any]) -> tuple[list[dict[str, Any]], str | None]:
    """Entity regions from a prediction row, or a reason to refuse them all."""
    if prediction.get("text_sha256") != page["text_sha256"]:
        return [], f"{page['page_id']}: prediction made on another text (text_sha256 {str(prediction.get('text_sha256'))[:12]}…)"
    regions = []
    for i, ent in enumerate(prediction["entities"]):
        item = spans.region(config.ENTITIES, ent["start"], ent["end"], ent["label"], page["text"], f"e{i}")
        item["value"]["text"] = ent.get("text")  # check the prediction's own text, not a recomputed one
        _, _, reason = spans.check_region(item, page["text"], i)
        if reason:
            return [], f"{page['page_id']}: prediction {reason}"
        regions.append(item)
    return regions, None


def _zone_masks(version: str, wanted: set[str]) -> dict[str, dict[str, Any]]:
    table = dataset.read_table("boilerplate_gold", version, columns=["page_id", "text_sha256", "main_blocks"])
    return {r["page_id"]: r for r in table.to_pylist() if r["page_id"] in wanted}


def push(
    ls: LabelStudio,
    conn: Connection,
    project: str,
    version: str | None = None,
    split: str | None = None,
    source: str | None = None,
    ids: list[str] | None = None,
    limit: int | None = None,
    predictions: Path | None = None,
    system: str | None = None,
    zone_prelabels: bool = True,
    batch_size: int = 1000,
) -> PushReport:
    """Create or update ``project`` and import the selected pages that it does not hold yet."""
    started = time.monotonic()
    version = dataset.version_name(version) if version else dataset.latest_version()
    pages = []
    for page in dataset.iter_pages(version, split=split, source=source, ids=ids, columns=PAGE_COLUMNS):
        if limit is not None and len(pages) >= limit and not ids:
            break  # with --ids, read on: a missing id must still be reported
        pages.append(page)
    if ids:
        missing = sorted(set(ids) - {p["page_id"] for p in pages})
        if missing:
            raise LabelStudioError(f"page ids not in release {version} (or not of the split/source asked): {', '.join(missing[:10])}")
    pages = pages[:limit] if limit is not None else pages
    preds = load_predictions(predictions, system) if predictions else {}

    proj, created = ensure_project(ls, conn, project)
    report = PushReport(proj.id, project, created, version, selected=len(pages))
    present = set() if created else {
        (t["data"].get("page_id"), t["data"].get("text_sha256")) for t in export_tasks(ls, conn, proj.id, all_tasks=True)
    }
    todo = [p for p in pages if (p["page_id"], p["text_sha256"]) not in present]
    report.already_present = len(pages) - len(todo)
    masks = _zone_masks(version, {p["page_id"] for p in todo}) if zone_prelabels and todo else {}

    tasks = []
    for page in todo:
        result, models = [], []
        mask = masks.get(page["page_id"])
        if mask is not None and mask["text_sha256"] == page["text_sha256"]:
            main, added = guideline_main_blocks(page, mask["main_blocks"])
            result += zone_regions(page, main)
            report.headline_blocks_added += len(added)
            models.append("boilerplate_gold:main_blocks")
            report.with_zone_prelabels += 1
        if page["page_id"] in preds:
            regions, reason = entity_regions(page, preds[page["page_id"]])
            if reason:
                report.refused_predictions.append(reason)
            elif regions:
                result += regions
                pred = preds[page["page_id"]]
                models.append(f"{pred.get('system', 'predictions')}:{pred.get('system_version', '')}".rstrip(":"))
                report.with_entity_prelabels += 1
        task: dict[str, Any] = {"data": {
            "text": page["text"], "page_id": page["page_id"], "text_sha256": page["text_sha256"],
            "source": page["source"], "split": page["split"], "version": version,
        }}
        if result:
            task["predictions"] = [{"model_version": "+".join(models), "result": result}]
        tasks.append(task)

    for i in range(0, len(tasks), batch_size):
        batch = tasks[i : i + batch_size]
        call(conn, f"importing tasks {i + 1}-{i + len(batch)}", lambda: ls.projects.import_tasks(proj.id, request=batch), idempotent=False)
        report.created += len(batch)
    report.seconds = time.monotonic() - started
    return report
