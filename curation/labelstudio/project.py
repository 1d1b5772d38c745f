"""Projects by title, and whole-project exports (shared by push and pull)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from curation.labelstudio import config
from curation.labelstudio.client import Connection, LabelStudioError, call

if TYPE_CHECKING:
    from label_studio_sdk import LabelStudio

INSTRUCTION = (
    "<p>Mark zones first (MAIN: the article; BOILERPLATE: everything around it), then entities "
    "(PER, ORG, LOC, MISC) inside MAIN only. Guidelines: docs/contributing_annotations.md (zones) and docs/entity_guidelines.md "
    "in the PageGold repository.</p>"
)


def find_project(ls: LabelStudio, conn: Connection, title: str) -> Any | None:
    """The project with exactly this title, None if there is none; an error if several."""
    # Filter here: Community servers ignore the `title` query parameter.
    found = [p for p in call(conn, "listing projects", lambda: list(ls.projects.list(page_size=1000))) if p.title == title]
    if len(found) > 1:
        raise LabelStudioError(f"{len(found)} projects are titled {title!r} (ids {[p.id for p in found]}); rename all but one")
    return found[0] if found else None


def ensure_project(ls: LabelStudio, conn: Connection, title: str) -> tuple[Any, bool]:
    """Find or create the project; bring its labeling config up to date. Returns (project, created)."""
    if len(title.strip()) < 3:
        raise LabelStudioError("a project title needs at least 3 characters")
    project = find_project(ls, conn, title)
    if project is None:
        project = call(conn, "creating the project", lambda: ls.projects.create(
            title=title, label_config=config.label_config(), expert_instruction=INSTRUCTION, show_instruction=True,
            description="PageGold pages: zones and entities", show_skip_button=True,
        ), idempotent=False)
        return project, True
    if (project.label_config or "").strip() != config.label_config().strip():
        project = call(conn, "updating the labeling config", lambda: ls.projects.update(project.id, label_config=config.label_config()))
    return project, False


def export_tasks(ls: LabelStudio, conn: Connection, project_id: int, all_tasks: bool) -> list[dict[str, Any]]:
    """All tasks (or only annotated ones) with their annotations, as Label Studio's JSON export.

    One synchronous export request: far faster than paging through the tasks API.
    """
    def fetch() -> list[dict[str, Any]]:
        body = b"".join(ls.projects.exports.download_sync(project_id, export_type="JSON", download_all_tasks=all_tasks))
        return json.loads(body)

    try:
        return call(conn, "exporting tasks", fetch)
    finally:
        remove_export_files(conn, project_id)


def remove_export_files(conn: Connection, project_id: int) -> None:
    """Delete the files a synchronous export leaves in the local server's ``export/`` folder (the
    server keeps one JSON and one info file per export: 145 MB after ten pulls of a large project).
    A remote server's disk is its operator's to manage."""
    if conn.data_dir is None:
        return
    folder = conn.data_dir / "export"
    for path in folder.glob(f"project-{int(project_id)}-at-*"):
        path.unlink(missing_ok=True)
