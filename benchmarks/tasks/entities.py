"""The entity-extraction task, and the extraction → NER pipeline task.

An entity system reads one of three inputs (page text, gold main zones, an extractor's output:
``benchmarks.systems.pipeline``) and its spans are always scored in page-text offsets against
``entity_gold`` (which covers the main content only).

Per page it reports the SemEval-2013 / CoNLL counts of ``benchmarks.metrics.entities`` and the
leak counts: a predicted entity that overlaps no gold main zone lies in boilerplate (a *leak*);
``leak_rate`` = leaks / placed predicted entities, summed over pages (micro). Spans that cannot be
placed on the page (alignment failed) count as spurious predictions and as ``unaligned``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks import stats
from benchmarks.labels import check_labels
from benchmarks.metrics import entities as M
from benchmarks.metrics.entity_stats import (  # noqa: F401 - re-exported: the family lives with the metrics
    FIELDS,
    LEAK_KEYS,
    MODES,
    aggregate,
    page_stats,
    stat_keys,
)
from benchmarks.systems import REGISTRY, System
from benchmarks.systems.ner import get_entity_system, read_entity_jsonl
from benchmarks.systems.pipeline import (  # noqa: F401 - re-exported: the pipeline lives with the systems
    GOLD_MAIN,
    GOLD_TEXT_KEY,
    PAGE_TEXT,
    PipelineSystem,
    input_view,
    pipeline_names,
    pipeline_system,
    place,
    register_pipelines,
    run_on_input,
)
from benchmarks.tasks import Task, register_task

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
    metrics = ("entities",)  # benchmarks.metrics.entity_stats
    scored_as = "entities"  # the pipeline task too
    file_metrics = ("semeval", "conll")  # bench score's own file contract (score_files)
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
        return REGISTRY.of_task("entities")

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
        return pipeline_names()

    def get_system(self, name: str) -> System:
        return pipeline_system(name)

    def prediction_fields(self, output: Any) -> dict[str, Any]:
        return super().prediction_fields(output)


register_task(EntitiesTask())
register_task(PipelineTask())
