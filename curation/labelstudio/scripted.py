"""Annotating without a browser: a plain-text view of a task and a file-based submit.

For annotators who work in a terminal (or read pages in another tool) instead of Label Studio's
web page. The annotator reads the numbered blocks printed by ``show``, decides, and writes an
annotation file; ``submit`` turns it into ordinary Label Studio regions with exact code-point
offsets and creates the annotation on the server under the annotator's own user. Nothing is
pre-filled: the file holds only what the annotator wrote.

Annotation file (JSON)::

    {"page_id": "…",
     "main": [[3, 40], [44, 45]],          # inclusive block ranges that are MAIN content
     "entities": [                          # names inside MAIN, by surface form
        {"text": "Vladimir Putin", "label": "PER"},
        {"text": "Apple", "label": "ORG", "blocks": [12]},   # only in these blocks
        {"text": "Washington", "label": "LOC", "occurrence": [2, 3]}  # only these occurrences in MAIN (1-based)
     ],
     "skip": false}

Each entity entry marks every whole-word occurrence of ``text`` inside MAIN blocks (or only the
listed blocks / the n-th occurrence). Longer names are placed first and an occurrence that
overlaps an already placed span is not marked, so "Kim" inside "Kim Jong Un" stays part of the
longer name. An entry that matches nothing inside MAIN is an error, never silently dropped.
Blocks outside MAIN are marked BOILERPLATE.
"""

from __future__ import annotations

import json
import re
from typing import Any

from curation.labelstudio import config, spans

ENTITY_LABELS = ("PER", "ORG", "LOC", "MISC")


class AnnotationFileError(ValueError):
    """The annotation file is malformed or does not fit the page; the message says where."""


def render_blocks(text: str, blocks: list[dict[str, Any]]) -> str:
    """The page as numbered blocks, one per line: ``[12] <tag> text``."""
    return "\n".join(f"[{i}] <{b['tag']}> {text[b['start']:b['end']]}" for i, b in enumerate(blocks))


def _ranges(main: Any, n_blocks: int) -> list[tuple[int, int]]:
    if not isinstance(main, list):
        raise AnnotationFileError("'main' must be a list of [first, last] block ranges")
    out = []
    for item in main:
        if not (isinstance(item, list) and len(item) == 2 and all(isinstance(x, int) for x in item)):
            raise AnnotationFileError(f"'main' entry {item!r} is not [first, last]")
        first, last = item
        if not 0 <= first <= last < n_blocks:
            raise AnnotationFileError(f"'main' range {item!r} is outside blocks 0..{n_blocks - 1}")
        out.append((first, last))
    return sorted(out)


def build_result(annotation: dict[str, Any], text: str, blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Label Studio result regions for an annotation file; raises AnnotationFileError."""
    main_ranges = _ranges(annotation.get("main", []), len(blocks))
    is_main = [False] * len(blocks)
    for first, last in main_ranges:
        for i in range(first, last + 1):
            is_main[i] = True
    from curation.labelstudio.zones import zone_regions

    result = zone_regions({"text": text, "blocks": blocks}, [i for i, m in enumerate(is_main) if m])

    placed: list[tuple[int, int]] = []
    entries = annotation.get("entities", [])
    if not isinstance(entries, list):
        raise AnnotationFileError("'entities' must be a list")
    for k, entry in sorted(enumerate(entries), key=lambda kv: -len(str(kv[1].get("text", "")))):
        surface, label = entry.get("text"), entry.get("label")
        if not isinstance(surface, str) or not surface.strip() or surface != surface.strip():
            raise AnnotationFileError(f"entity {k}: 'text' must be a non-empty name without surrounding spaces")
        if label not in ENTITY_LABELS:
            raise AnnotationFileError(f"entity {k} ({surface!r}): label {label!r} is not one of {ENTITY_LABELS}")
        only_blocks = entry.get("blocks")
        pattern = re.compile(r"(?<!\w)" + re.escape(surface) + r"(?!\w)")
        occurrences = []
        for b, block in enumerate(blocks):
            if not is_main[b] or (only_blocks is not None and b not in only_blocks):
                continue
            # finditer with pos/endpos reports positions in the whole text, not the block
            occurrences += [(m.start(), m.end()) for m in pattern.finditer(text, block["start"], block["end"])]
        if entry.get("occurrence") is not None:
            wanted = entry["occurrence"] if isinstance(entry["occurrence"], list) else [entry["occurrence"]]
            if not all(isinstance(n, int) and 1 <= n <= len(occurrences) for n in wanted):
                raise AnnotationFileError(f"entity {k} ({surface!r}): occurrence {wanted!r} but only {len(occurrences)} found in MAIN")
            occurrences = [occurrences[n - 1] for n in sorted(set(wanted))]
        free = [(s, e) for s, e in occurrences if not any(s < pe and ps < e for ps, pe in placed)]
        if not occurrences:
            raise AnnotationFileError(f"entity {k} ({surface!r}): no whole-word occurrence inside MAIN blocks"
                                      + (f" {only_blocks}" if only_blocks is not None else ""))
        for s, e in free:
            placed.append((s, e))
            result.append(spans.region(config.ENTITIES, s, e, label, text, f"e{len(result)}"))
    zones, entities, reasons = spans.check_result(result, text)
    if reasons:  # cannot happen for offsets built from the text itself; a guard against bugs here
        raise AnnotationFileError("; ".join(reasons))
    return result


def release_page(page_id: str, text_sha256: str, version: str | None = None) -> dict[str, Any]:
    """The released page a task shows, checked to be the very text the task carries."""
    from curation import dataset

    pages = list(dataset.iter_pages(version, ids=[page_id], columns=["page_id", "text", "blocks", "text_sha256", "split"]))
    if not pages:
        raise AnnotationFileError(f"page {page_id} is not in release {version or dataset.latest_version()}")
    if pages[0]["text_sha256"] != text_sha256:
        raise AnnotationFileError(f"page {page_id}: the task's text_sha256 differs from the release's; refusing to annotate a stale task")
    return pages[0]


def find_task(ls: Any, conn: Any, project_title: str, page_id: str) -> dict[str, Any]:
    """The task of ``page_id`` in the project (with its data), or a LabelStudioError."""
    from curation.labelstudio.client import LabelStudioError, call
    from curation.labelstudio.project import find_project

    project = find_project(ls, conn, project_title)
    if project is None:
        raise LabelStudioError(f"no project titled {project_title!r} on {conn.url} (push pages first)")
    # filtered by the server (its data-manager filter on data.page_id), so one task comes back, not
    # every task with its text; the page_id check below still holds if a server ignored the filter
    query = json.dumps({"filters": {"conjunction": "and", "items": [
        {"filter": "filter:tasks:data.page_id", "operator": "equal", "type": "String", "value": page_id}]}})
    tasks = call(conn, "finding the task",
                 lambda: list(ls.tasks.list(project=project.id, query=query, fields="all", page_size=100)))
    found = [t for t in tasks if t.data.get("page_id") == page_id]
    if not found:
        raise LabelStudioError(f"page {page_id} is not a task of project {project_title!r}")
    task = found[0]
    return {"id": task.id, "project": project.id, "data": task.data, "annotations": task.annotations or []}


def user_id(ls: Any, conn: Any, email: str) -> int:
    """Id of the user with this e-mail, created (without a usable password) when missing."""
    import secrets

    from curation.labelstudio.client import call

    for user in call(conn, "listing users", lambda: list(ls.users.list())):
        if user.email == email:
            return user.id
    username = re.sub(r"\W", "_", email.split("@")[0])[:30] or "annotator"
    created = call(conn, "creating a user", lambda: ls.users.create(email=email, username=username, password=secrets.token_urlsafe(24)), idempotent=False)
    return created.id


def submit(ls: Any, conn: Any, project_title: str, annotation: dict[str, Any], email: str) -> tuple[int, bool]:
    """Create (or replace) ``email``'s annotation of the page. Returns (annotation id, replaced)."""
    from curation.labelstudio.client import call

    task = find_task(ls, conn, project_title, annotation.get("page_id", ""))
    page = release_page(task["data"]["page_id"], task["data"]["text_sha256"], task["data"].get("version"))
    text, blocks = page["text"], page["blocks"]
    who = user_id(ls, conn, email)
    if annotation.get("skip"):
        result, cancelled = [], True
    else:
        result, cancelled = build_result(annotation, text, blocks), False
    mine = [a for a in task["annotations"] if (a.get("completed_by") if isinstance(a, dict) else getattr(a, "completed_by", None)) == who]
    if mine:
        ann_id = mine[0]["id"] if isinstance(mine[0], dict) else mine[0].id
        call(conn, "updating the annotation", lambda: ls.annotations.update(id=ann_id, result=result, was_cancelled=cancelled))
        return ann_id, True
    created = call(conn, "creating the annotation", lambda: ls.annotations.create(
        id=task["id"], result=result, completed_by=who, was_cancelled=cancelled), idempotent=False)
    return created.id, False
