"""The boilerplate-removal (main-content extraction) task: gold, per-page statistics, aggregation.

Metric families (each module in ``benchmarks.metrics`` states its definition and source):

=============  =====================  ===========================================================
family         result metrics          notes
=============  =====================  ===========================================================
aeb            aeb_f1/precision/…     AEB shingles, exact port; F1 of the mean P and mean R
bow            bow_f1/precision/…     WCXB bag of words, macro mean
rouge-lsum     rouge_lsum, …_median    Bevendorff et al. 2023; slow on long pages, opt-in in runs
rouge-n        rouge_n_f1/…           WebMainBench ROUGE-5, whitespace tokens (jieba for Chinese)
snippets       snippet_f1/…           trafilatura with/without snippets, micro sums
blocks         block_f1/…             against ``boilerplate_gold.main_blocks`` (runs only)
=============  =====================  ===========================================================

Markdown output: a system declaring ``output_format = "markdown"`` is scored by every family but
ROUGE-N on its Markdown rendered to plain text (``benchmarks.metrics.markdown_text``: markdown-it-py
→ HTML → ``html_text``), and by ROUGE-N on the Markdown as is.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from benchmarks import io, stats
from benchmarks.metrics import aeb
from benchmarks.tasks import Task, register_task

METRICS = ("aeb", "bow", "rouge-lsum", "rouge-n", "snippets", "blocks")  # ranking preference (benchmarks.metrics.METRICS)


def _file_gold(g: io.GoldPage) -> dict[str, Any]:
    """A gold record as the metric families read it, from a gold file's page."""
    return {"main_text": g.text, "with_snippets": g.with_snippets, "without_snippets": g.without_snippets}


class BoilerplateTask(Task):
    name = "boilerplate"
    description = "Main-content extraction: a system maps a page's HTML to its main text."
    metrics = METRICS
    input = "html"

    # -- bring your own predictions ---------------------------------------------------------------
    def score_files(
        self, gold_path: str | Path, pred_path: str | Path, metric: str = "all", *, resamples: int = 1000, seed: int = stats.DEFAULT_SEED
    ) -> dict[str, Any]:
        if metric != "all" and metric not in self.file_metrics:
            raise ValueError(f"unknown metric {metric!r} for task boilerplate (choose from {', '.join(self.file_metrics)}, all)")
        gold = io.read_gold(gold_path)
        preds, version = io.read_predictions(pred_path)
        ids, texts, counts = io.align(gold, preds, gold_path, pred_path)
        golds = [_file_gold(gold[i]) for i in ids]
        pages: list[dict[str, Any]] = [{} for _ in ids]
        families = self.families(self.file_metrics if metric == "all" else (metric,))
        if metric == "snippets" and not any(families[0].supports({}, g) for g in golds):
            raise io.InputError(f"{gold_path}: has no with/without snippets (WCXB ground truth or JSONL with_snippets/without_snippets)")
        if metric != "all" and not any(families[0].supports({}, g) for g in golds):
            raise io.InputError(f"{gold_path}: no page has the gold {metric} needs ({', '.join(families[0].gold_fields)})")
        out: dict[str, Any] = {}
        for family in families:
            per_page = family.corpus_stats(pages, golds, texts)
            if not family.scored(per_page):
                continue  # the gold has nothing this family scores (e.g. no snippets): no column
            terms, aggregate = family.resampled(per_page)
            estimates = stats.bootstrap(aggregate, terms, resamples, seed)
            for key, est in estimates.items():
                name = key if metric == "all" else family.short(key)
                out[name] = est.value
                out[f"{name}_std"] = est.std
                out[f"{name}_ci_low"] = est.ci_low
                out[f"{name}_ci_high"] = est.ci_high
        out.update(counts)
        out["resamples"] = resamples
        out["seed"] = seed
        if version is not None:
            out["system_version"] = version
        if getattr(preds, "notes", None):
            out["note"] = "; ".join(preds.notes)
        return out

    def prepare_gold(self, gold_path: str | Path, metric: str = "all") -> None:
        gold = io.read_gold(gold_path)  # cached by path, size and mtime
        if metric in ("aeb", "all"):
            aeb.prepare_gold([g.text for g in gold.values()])

    # -- runner -----------------------------------------------------------------------------------
    def load_gold(self, version=None, split=None, source=None, root=None) -> dict[str, dict[str, Any]]:
        from curation import dataset

        return dataset.boilerplate_gold_by_page(version, split, prefer="source", root=root)

    def prediction_fields(self, output: Any) -> dict[str, Any]:
        return {"text": output if isinstance(output, str) else None}

    def output_from_prediction(self, row: Mapping[str, Any]) -> Any:
        return row.get("text")


register_task(BoilerplateTask())
