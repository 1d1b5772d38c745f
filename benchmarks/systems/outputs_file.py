"""``file:PATH`` — a boilerplate system whose outputs are read from a file (bring your own outputs).

For extractors that cannot run here (a service, another language, a paper's published outputs).
PATH is JSONL ``{"id" | "page_id" | "source_id", "text"}`` or AEB-shaped JSON (``{id:
{"articleBody"}}`` or ``{"version", "output": {…}}``; WCXB's ``{id: "text"}`` too). Each page is
looked up by its page_id, then by its id in its own corpus (source_id); a page missing from the
file is an error for that page (recorded, scored as empty output), never a silent empty text.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar

from benchmarks.systems.base import REGISTRY, System, file_version


@lru_cache(maxsize=8)
def _outputs(path: str, mtime_ns: int) -> dict[str, str | None]:
    from benchmarks.io import read_predictions

    preds, _ = read_predictions(Path(path))  # keyed by mtime: an edited file is read again
    return preds


@dataclass(frozen=True)
class OutputsFile(System):
    name: ClassVar[str] = "outputs-file"
    task: ClassVar[str] = "boilerplate"
    description: ClassVar[str] = "main texts read from a JSONL or AEB-shaped JSON file"
    path: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", f"file:{self.path}")

    @property
    def version(self) -> str:
        return file_version(self.path)

    def check_available(self) -> None:
        from benchmarks.systems.base import MissingDependency

        if not Path(self.path).is_file():
            raise MissingDependency(
                f"system {self.name!r}: {self.path} is not a file (expected JSONL {{id, text}} or AEB JSON)"
            )
        _outputs(str(Path(self.path).resolve()), Path(self.path).stat().st_mtime_ns)  # a bad file fails here, once

    def run(self, page: dict[str, Any]) -> str:
        path = Path(self.path)
        outputs = _outputs(str(path.resolve()), path.stat().st_mtime_ns)
        for key in (page.get("page_id"), page.get("source_id")):
            if key is not None and key in outputs:
                return outputs[key] or ""
        raise KeyError(f"page {page.get('page_id')} (source_id {page.get('source_id')}) is not in {self.path}")


def _compose(registry: object, name: str) -> OutputsFile | None:
    """``file:PATH`` of main texts (AEB/WCXB JSON, or JSONL lines with "text"); an entity file (JSONL
    lines with "entities") is left to the entity task."""
    if not name.startswith("file:"):
        return None
    path = Path(name[len("file:") :])
    if path.suffix.lower() in (".jsonl", ".ndjson"):
        try:
            with path.open("rb") as fh:
                first = next((line for line in fh if line.strip()), b"")
        except OSError:
            return OutputsFile(path=str(path))  # check_available says what is wrong with it
        if b'"entities"' in first:
            return None
    return OutputsFile(path=str(path))


REGISTRY.add_composer(_compose)
