"""The entity-extraction task, and the extraction → NER pipeline task.

An entity system reads one of three inputs and its spans are always scored in page-text offsets
against ``entity_gold`` (which covers the main content only):

* ``page_text``   — (b) the whole normalised page text;
* ``gold_main``   — (a) the gold main zones of the page text (``TextView.from_zones``);
* ``<extractor>`` — (c) the output of a boilerplate system, aligned back onto the page
  (``benchmarks.alignment``); the pipeline ``trafilatura+spacy-sm`` is extractor + NER.

Per page it reports the SemEval-2013 / CoNLL counts of ``benchmarks.metrics.entities`` and the
leak counts: a predicted entity that overlaps no gold main zone lies in boilerplate (a *leak*);
``leak_rate`` = leaks / placed predicted entities, summed over pages (micro). Spans that cannot be
placed on the page (alignment failed) count as spurious predictions and as ``unaligned``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from benchmarks import stats
from benchmarks.alignment import TextView, ZoneIndex, zones_from_gold
from benchmarks.labels import LABELS, check_labels
from benchmarks.metrics import entities as M
from benchmarks.systems import REGISTRY, MissingDependency, System
from benchmarks.systems import ner as _ner  # noqa: F401  (registers the spaCy systems)
from benchmarks.systems import ner_baselines as _baselines  # noqa: F401  (registers the baselines)
from benchmarks.systems import ner_conll as _conll  # noqa: F401  (registers the @conll span adapters)
from benchmarks.systems import ner_spacy_md as _spacy_md  # noqa: F401  (registers spacy-md)
from benchmarks.systems.ner import EntitySystem, get_entity_system, read_entity_jsonl
from benchmarks.tasks import Task, register_task

GOLD_MAIN = "gold_main"
GOLD_TEXT_KEY = "gold_main_text"  # where the shared runner puts the gold main text (benchmarks.systems.boilerplate.GOLD_KEY)
PAGE_TEXT = "page_text"
MODES = M.MODES
FIELDS = M.FIELDS
LEAK_KEYS = ("n_pred", "n_leaks", "n_unaligned", "has_zones")


# -- running one system on one input ------------------------------------------------------------


def input_view(page: Mapping[str, Any], input: str, gold: Mapping[str, Any] | None = None, extracted: str | None = None) -> TextView:
    """The text a system reads for ``input`` and its map onto the page text."""
    if input == PAGE_TEXT:
        return TextView.identity(page["text"])
    if input == GOLD_MAIN:
        zones = zones_from_gold(dict(page), dict(gold) if gold else None)
        if zones is None:
            raise ValueError(f"page {page.get('page_id')}: input gold_main needs gold main zones (boilerplate_gold main_spans or main_blocks)")
        return TextView.from_zones(page["text"], zones)
    if extracted is None:
        raise ValueError(f"input {input!r}: the boilerplate system's output is needed")
    return TextView.aligned(extracted, page["text"])


def place(view: TextView, entities: Sequence[Mapping[str, Any]], page_text: str) -> dict[str, Any]:
    """Map a system's entities from its input text onto the page: the task's output record."""
    placed: list[dict[str, Any]] = []
    unaligned = 0
    for ent in entities:
        span = view.to_page(int(ent["start"]), int(ent["end"]))
        if span is None:
            unaligned += 1
            continue
        placed.append({"start": span[0], "end": span[1], "label": ent["label"], "text": page_text[span[0] : span[1]]})
    return {"entities": placed, "unaligned": unaligned}


def run_on_input(
    system: EntitySystem, page: Mapping[str, Any], input: str = PAGE_TEXT, gold: Mapping[str, Any] | None = None, extracted: str | None = None
) -> dict[str, Any]:
    """Run an entity system on one input of a page; entities come back in page offsets."""
    if input == PAGE_TEXT:
        entities = system.run(dict(page))  # lets file-backed systems look the page up
        return place(TextView.identity(page["text"]), entities, page["text"])
    view = input_view(page, input, gold, extracted)
    return place(view, system.extract(view.text), page["text"])


@dataclass(frozen=True)
class PipelineSystem(System):
    """Boilerplate extractor then entity system: ``trafilatura+spacy-sm`` (input (c)).

    ``run(page)`` extracts the main text, runs NER on it and aligns the spans back onto the page.
    The extractor ``gold`` stands for input (a): it needs the gold zones under ``page["gold"]``.
    """

    task: ClassVar[str] = "pipeline"
    extractor: str = ""
    ner: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", f"{self.extractor}+{self.ner}")
        # the shared runner caches outputs of systems that have a package: a pipeline has two
        ner_system = REGISTRY.get(self.ner)
        package = getattr(ner_system, "package", None) or getattr(REGISTRY.get(self.extractor), "package", None)
        object.__setattr__(self, "package", package)

    @property
    def version(self) -> str:
        parts = [get_entity_system(self.ner).version]
        if self.extractor not in (GOLD_MAIN, PAGE_TEXT, "gold"):
            parts.insert(0, REGISTRY[self.extractor].version)
        return "+".join(parts)

    def check_available(self) -> None:
        if self.extractor not in (GOLD_MAIN, PAGE_TEXT, "gold"):
            if self.extractor not in REGISTRY:
                raise MissingDependency(f"unknown boilerplate system {self.extractor!r}")
            REGISTRY[self.extractor].check_available()
        get_entity_system(self.ner).check_available()

    def run(self, page: dict[str, Any]) -> dict[str, Any]:
        ner = get_entity_system(self.ner)
        if self.extractor in (GOLD_MAIN, "gold"):
            if page.get("gold") or page.get("main_spans") or page.get("main_blocks"):
                return run_on_input(ner, page, GOLD_MAIN, gold=page.get("gold") or page)
            if page.get(GOLD_TEXT_KEY) is not None:  # only the gold main text: align it onto the page
                return run_on_input(ner, page, "gold_main_text", extracted=page[GOLD_TEXT_KEY])
            raise ValueError("input gold_main needs the gold zones (page['gold']) or the gold main text (page['gold_main_text'])")
        if self.extractor == PAGE_TEXT:
            return run_on_input(ner, page, PAGE_TEXT)
        extractor = REGISTRY[self.extractor]
        extracted = extractor.run(page)
        if getattr(extractor, "output_format", "text") == "markdown" and extracted:
            from benchmarks.metrics.markdown_text import to_text

            extracted = to_text(extracted)  # NER reads the text a reader sees, not the markup
        return run_on_input(ner, page, self.extractor, extracted=extracted or "")


def pipeline_system(name: str) -> PipelineSystem:
    if "+" not in name:
        raise KeyError(f"a pipeline is named <extractor>+<entity system>, e.g. trafilatura+spacy-sm (got {name!r})")
    extractor, ner = name.split("+", 1)
    return PipelineSystem(extractor=extractor, ner=ner)


# -- per-page statistics and aggregation --------------------------------------------------------


def stat_keys(labels: Sequence[str] = LABELS) -> list[str]:
    keys = [f"{m}_{f}" for m in MODES for f in FIELDS] + [f"conll_{f}" for f in M.CONLL_FIELDS]
    for label in labels:
        keys += [f"{label}_{m}_{f}" for m in MODES for f in FIELDS] + [f"{label}_conll_{f}" for f in M.CONLL_FIELDS]
    return keys + list(LEAK_KEYS)


def page_stats(gold_entities: Sequence[Any], output: Any, zones: Sequence[tuple[int, int]] | None = None) -> dict[str, float]:
    """Per-page sufficient statistics (counts) of one system output against gold entities."""
    if output is None:
        predicted: list[Any] = []
        unaligned = 0
    elif isinstance(output, Mapping):
        predicted = list(output.get("entities") or ())
        unaligned = int(output.get("unaligned") or 0)
    else:
        predicted = list(output)
        unaligned = 0
    overall, per_label, conll, conll_label = M.page_counts(gold_entities, predicted)
    out: dict[str, float] = {}
    for m, mode in enumerate(MODES):
        for f, field in enumerate(FIELDS):
            out[f"{mode}_{field}"] = overall[m][f]
    # spans that could not be placed on the page are still predictions: spurious in every mode
    for mode in MODES:
        out[f"{mode}_spurious"] += unaligned
    for f, field in enumerate(M.CONLL_FIELDS):
        out[f"conll_{field}"] = conll[f]
    out["conll_n_pred"] += unaligned
    for label in LABELS:
        rows = per_label.get(label)
        crow = conll_label.get(label, (0, 0, 0))
        for m, mode in enumerate(MODES):
            for f, field in enumerate(FIELDS):
                out[f"{label}_{mode}_{field}"] = rows[m][f] if rows else 0
        for f, field in enumerate(M.CONLL_FIELDS):
            out[f"{label}_conll_{field}"] = crow[f]
    out["n_pred"] = len(predicted) + unaligned
    out["n_unaligned"] = unaligned
    if zones is not None:
        index = ZoneIndex(zones)
        pred = M.as_spans(predicted)
        out["n_leaks"] = sum(index.is_leak(s, e) for s, e, _ in pred)
        out["has_zones"] = 1
    else:
        out["n_leaks"] = 0
        out["has_zones"] = 0
    return {k: float(v) for k, v in out.items()}


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1), 0.0)


def aggregate(stats_: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Micro P/R/F1 per mode (and per label), CoNLL F1 and the leak rate; last axis = pages."""
    s = {k: np.asarray(v, dtype=float).sum(axis=-1) for k, v in stats_.items()}
    out: dict[str, np.ndarray] = {}
    for prefix in [""] + [f"{label}_" for label in LABELS]:
        if f"{prefix}strict_correct" not in s:
            continue
        counts = np.stack([np.stack([s[f"{prefix}{m}_{f}"] for f in FIELDS], axis=-1) for m in MODES], axis=-2)
        scores = M.prf(counts)
        for i, mode in enumerate(MODES):
            for key in ("precision", "recall", "f1"):
                out[f"{prefix}{mode}_{key}"] = scores[key][..., i]
        conll = M.conll_prf(np.stack([s[f"{prefix}conll_{f}"] for f in M.CONLL_FIELDS], axis=-1))
        for key in ("precision", "recall", "f1"):
            out[f"{prefix}conll_{key}"] = conll[key]
    if "n_leaks" in s:
        placed = s["n_pred"] - s["n_unaligned"]
        if "has_zones" in stats_:
            # pages without zone gold cannot have leaks counted: leave their predictions out
            zoned = np.asarray(stats_["has_zones"], dtype=float)
            placed = ((np.asarray(stats_["n_pred"], dtype=float) - np.asarray(stats_["n_unaligned"], dtype=float)) * zoned).sum(axis=-1)
        out["leak_rate"] = _ratio(s["n_leaks"], placed)
        out["unaligned_rate"] = _ratio(s["n_unaligned"], s["n_pred"])
    return out


# -- the tasks ----------------------------------------------------------------------------------


def read_entity_file(path: str | Path, what: str) -> dict[str, dict[str, Any]]:
    """JSONL {page_id, entities[, text_sha256]} with every label checked against the CoNLL scheme."""
    records = read_entity_jsonl(str(path))
    check_labels((e["label"] for r in records.values() for e in r["entities"]), f"{what} {path}")
    for record in records.values():
        M.as_spans(record["entities"])  # offsets: integers, start < end
    return records


def _json_table(result: Mapping[str, Any]) -> dict[str, Any]:
    return {k: (v if not isinstance(v, float) or np.isfinite(v) else None) for k, v in result.items()}


class EntitiesTask(Task):
    name = "entities"
    description = "Named entities (CoNLL-2003 PER/ORG/LOC/MISC) in page-text offsets; leaks = entities found in boilerplate."
    file_metrics = ("semeval", "conll")
    primary_metric = "strict_f1"
    input = PAGE_TEXT

    def score_files(self, gold_path, pred_path, metric: str = "all", *, resamples: int = 1000, seed: int = stats.DEFAULT_SEED) -> dict[str, Any]:
        """The issue-5 contract: strict/exact/partial/type → precision, recall, f1, counts; per_label.

        Pages in the gold file and not in the predictions count as empty predictions
        (``pages_missing_pred``); predictions for pages not in the gold are ignored
        (``pages_extra_pred``). Differing ``text_sha256`` on both sides is refused.
        """
        if metric not in ("all", *self.file_metrics):
            raise ValueError(f"unknown metric {metric!r} for task entities (choose from {', '.join(self.file_metrics)}, all)")
        gold = read_entity_file(gold_path, "gold")
        preds = read_entity_file(pred_path, "predictions")
        ids = sorted(gold)
        for pid in ids:
            gs, ps = gold[pid].get("text_sha256"), preds.get(pid, {}).get("text_sha256")
            if gs and ps and gs != ps:
                raise ValueError(f"page {pid}: predictions refer to text_sha256 {ps}, the gold to {gs}: refused (re-run the system on this text)")
        counts = M.count_pages([gold[i]["entities"] for i in ids], [preds[i]["entities"] if i in preds else [] for i in ids])
        result = M.summarise(counts)
        if metric == "conll":
            result = {"conll": result["conll"], "per_label": {k: {"conll": v["conll"]} for k, v in result["per_label"].items()}, "n_pages": result["n_pages"]}
        if resamples > 0:
            for mode, ci in M.bootstrap(counts, resamples, seed).items():
                if mode in result:
                    result[mode].update(ci)
        result["pages_missing_pred"] = sum(1 for i in ids if i not in preds)
        result["pages_extra_pred"] = sum(1 for i in preds if i not in gold)
        result["resamples"] = resamples
        result["seed"] = seed
        return result

    # -- runner -----------------------------------------------------------------------------------
    def systems(self) -> list[str]:
        return sorted(name for name, system in REGISTRY.items() if system.task == "entities")

    def get_system(self, name: str) -> System:
        return get_entity_system(name)

    def load_gold(self, version=None, split=None, source=None, root=None) -> dict[str, dict[str, Any]]:
        """entity_gold rows keyed by page_id, each with the page's main zones from boilerplate_gold."""
        from curation import dataset

        table = dataset.read_table("entity_gold", version=version, split=split, root=root)
        gold = {row["page_id"]: row for row in table.to_pylist()}
        zones = dataset.boilerplate_gold_by_page(version, split, prefer="annotation", root=root).values()
        for row in zones:
            if row["page_id"] in gold and row["text_sha256"] == gold[row["page_id"]]["text_sha256"]:
                gold[row["page_id"]].update(
                    main_spans=row.get("main_spans"), main_blocks=row.get("main_blocks"), main_text=row.get("main_text")
                )
        if source is not None:
            keep = {p["page_id"] for p in dataset.iter_pages(version, split, source, columns=["page_id"], root=root)}
            gold = {k: v for k, v in gold.items() if k in keep}
        return gold

    def page_stats(self, page: Mapping[str, Any], gold: Mapping[str, Any], output: Any, metrics: Any = None) -> dict[str, float]:
        if gold.get("text_sha256") and page.get("text_sha256") and gold["text_sha256"] != page["text_sha256"]:
            raise ValueError(f"page {page.get('page_id')}: gold refers to another text (text_sha256 differs)")
        return page_stats(gold["entities"], output, zones_from_gold(dict(page), dict(gold)))

    def aggregate(self, stats_: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        return aggregate(stats_)

    def empty_output(self) -> Any:
        return {"entities": [], "unaligned": 0}

    def prediction_fields(self, output: Any) -> dict[str, Any]:
        entities = output.get("entities") if isinstance(output, Mapping) else output
        return {"entities": [{"start": e["start"], "end": e["end"], "label": e["label"], "text": e.get("text")} for e in entities or ()]}

    def output_from_prediction(self, row: Mapping[str, Any]) -> Any:
        return {"entities": list(row.get("entities") or ()), "unaligned": 0}


class PipelineTask(EntitiesTask):
    """``--task pipeline --systems trafilatura+spacy-sm``: extraction then NER, scored end to end."""

    name = "pipeline"
    description = "Boilerplate extractor + entity system, spans aligned back onto the page; F1 and leak rate."
    input = "extractor"

    def systems(self) -> list[str]:
        register_pipelines()  # extractors or entity systems registered after this module
        return sorted(name for name, system in REGISTRY.items() if system.task == "pipeline")

    def get_system(self, name: str) -> System:
        return pipeline_system(name)

    def prediction_fields(self, output: Any) -> dict[str, Any]:
        return super().prediction_fields(output)


def register_pipelines() -> list[str]:
    """Register every extractor × entity system pair, so runners that look systems up in the
    registry by name (``REGISTRY["trafilatura+spacy-sm"]``) find them. Idempotent."""
    extractors = [n for n, s in REGISTRY.items() if s.task == "boilerplate" and n not in ("empty",)]
    ners = [n for n, s in REGISTRY.items() if s.task == "entities"]
    added = []
    for e in extractors:
        for n in ners:
            name = f"{e}+{n}"
            if name not in REGISTRY:
                REGISTRY[name] = PipelineSystem(extractor=e, ner=n)
                added.append(name)
    return added


register_task(EntitiesTask())
register_task(PipelineTask())
register_pipelines()
