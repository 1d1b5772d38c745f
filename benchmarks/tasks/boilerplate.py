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

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks import io, stats
from benchmarks.metrics import aeb, blocks, bow, markdown_text, rouge, rouge_n, snippets
from benchmarks.tasks import Task, register_task, stack_rows

FAMILIES: dict[str, tuple[str, Any]] = {
    # family → (result-metric prefix, module with page_stats/aggregate)
    "aeb": ("aeb", aeb),
    "bow": ("bow", bow),
    "rouge-lsum": ("rouge_lsum", rouge),
    "rouge-n": ("rouge_n", rouge_n),
    "snippets": ("snippet", snippets),
    "blocks": ("block", blocks),
}
FILE_METRICS = ("aeb", "bow", "rouge-lsum", "rouge-n", "snippets")
RUN_METRICS = ("aeb", "bow", "rouge-n", "snippets", "blocks")  # rouge-lsum is opt-in: O(n·m) per page


def family_stats(family: str, gold: Sequence[io.GoldPage], preds: Sequence[str | None]) -> dict[str, np.ndarray]:
    """Per-page statistics of one metric family over aligned gold/prediction lists."""
    if family == "snippets":
        rows = [snippets.page_stats(p, g.with_snippets or (), g.without_snippets or ()) for g, p in zip(gold, preds)]
    elif family == "aeb":  # vectorised over all pages at once
        return aeb.corpus_stats([g.text for g in gold], preds)
    elif family in ("bow", "rouge-lsum", "rouge-n"):
        module = FAMILIES[family][1]
        rows = [module.page_stats(g.text, p) for g, p in zip(gold, preds)]
    else:
        raise ValueError(f"metric {family!r} cannot be scored from files (choose from {', '.join(FILE_METRICS)}, all)")
    return {k: np.array([r[k] for r in rows], dtype=float) for k in FAMILIES[family][1].STAT_KEYS}


def _rename(prefix: str, key: str) -> str:
    # rouge's F-measure is reported as plain "rouge_lsum" (schemas/results.yaml's example name)
    if prefix == "rouge_lsum" and key == "f1":
        return prefix
    return f"{prefix}_{key}"


class BoilerplateTask(Task):
    name = "boilerplate"
    description = "Main-content extraction: a system maps a page's HTML to its main text."
    file_metrics = FILE_METRICS
    primary_metric = "aeb_f1"
    input = "html"

    # -- bring your own predictions ---------------------------------------------------------------
    def score_files(
        self, gold_path: str | Path, pred_path: str | Path, metric: str = "all", *, resamples: int = 1000, seed: int = stats.DEFAULT_SEED
    ) -> dict[str, Any]:
        if metric != "all" and metric not in FILE_METRICS:
            raise ValueError(f"unknown metric {metric!r} for task boilerplate (choose from {', '.join(FILE_METRICS)}, all)")
        gold = io.read_gold(gold_path)
        preds, version = io.read_predictions(pred_path)
        ids, texts, counts = io.align(gold, preds, gold_path, pred_path)
        golds = [gold[i] for i in ids]
        has_snippets = any(g.with_snippets or g.without_snippets for g in golds)
        if metric == "snippets" and not has_snippets:
            raise io.InputError(f"{gold_path}: has no with/without snippets (WCXB ground truth or JSONL with_snippets/without_snippets)")
        families = [metric] if metric != "all" else [f for f in FILE_METRICS if f != "snippets" or has_snippets]
        out: dict[str, Any] = {}
        for family in families:
            prefix, module = FAMILIES[family]
            estimates = stats.bootstrap(module.aggregate, family_stats(family, golds, texts), resamples, seed)
            for key, est in estimates.items():
                name = key if metric != "all" else _rename(prefix, key)
                out[name] = est.value
                out[f"{name}_std"] = est.std
                out[f"{name}_ci_low"] = est.ci_low
                out[f"{name}_ci_high"] = est.ci_high
        out.update(counts)
        out["resamples"] = resamples
        out["seed"] = seed
        if version is not None:
            out["system_version"] = version
        return out

    def prepare_gold(self, gold_path: str | Path, metric: str = "all") -> None:
        gold = io.read_gold(gold_path)  # cached by path, size and mtime
        if metric in ("aeb", "all"):
            aeb.prepare_gold([g.text for g in gold.values()])

    # -- runner -----------------------------------------------------------------------------------
    def load_gold(self, version=None, split=None, source=None, root=None) -> dict[str, dict[str, Any]]:
        from curation import dataset

        return dataset.boilerplate_gold_by_page(version, split, prefer="source", root=root)

    def page_stats(
        self, page: Mapping[str, Any], gold: Mapping[str, Any], output: Any, metrics: Sequence[str] = RUN_METRICS,
        output_format: str = "text",
    ) -> dict[str, float]:
        """``output_format`` "markdown": the text families score ``output`` rendered to text, ROUGE-N as is."""
        raw = output if isinstance(output, str) else None
        text = markdown_text.to_text(raw) if output_format == "markdown" and raw is not None else raw
        out: dict[str, float] = {}
        if "aeb" in metrics:
            out.update(aeb.page_stats(gold["main_text"], text))
        if "bow" in metrics:
            out.update(bow.page_stats(gold["main_text"], text))
        if "rouge-lsum" in metrics:
            out.update(rouge.page_stats(gold["main_text"], text))
        if "rouge-n" in metrics:
            out.update(rouge_n.page_stats(gold["main_text"], raw, page.get("language")))
        if "snippets" in metrics:
            out.update(snippets.page_stats(text, gold.get("with_snippets") or (), gold.get("without_snippets") or ()))
        if "blocks" in metrics:
            main_blocks = gold.get("main_blocks")
            if main_blocks and page.get("blocks") and page.get("text_sha256") == gold.get("text_sha256"):
                out.update(blocks.page_stats(page["text"], page["blocks"], main_blocks, text))
            else:  # no block gold for this page: excluded from the block means
                out.update({k: float("nan") for k in blocks.STAT_KEYS})
        return out

    def stats_by_system(self, pages, golds, outputs, metrics: Sequence[str] | None = None) -> dict[str, dict[str, np.ndarray]]:
        """AEB for all pages of a system at once (vectorised); the other families page by page,
        every system on one page before the next, so each page's profile is built once."""
        metrics = tuple(metrics or RUN_METRICS)
        out: dict[str, dict[str, np.ndarray]] = {name: {} for name in outputs}
        formats = {name: output_format(name) for name in outputs}
        if "aeb" in metrics:
            gold_texts = [g["main_text"] for g in golds]
            for name, outs in outputs.items():
                texts = [o if isinstance(o, str) else None for o in outs]
                if formats[name] == "markdown":
                    texts = [None if t is None else markdown_text.to_text(t) for t in texts]
                out[name].update(aeb.corpus_stats(gold_texts, texts))
        rest = tuple(m for m in metrics if m != "aeb")
        if rest:
            rows: dict[str, list[dict[str, float]]] = {name: [] for name in outputs}
            for i, (page, gold) in enumerate(zip(pages, golds)):
                for name, outs in outputs.items():
                    rows[name].append(self.page_stats(page, gold, outs[i], rest, formats[name]))
            for name, per_page in rows.items():
                out[name].update(stack_rows(per_page))
        return out

    def aggregate(self, stats_: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        for family, (prefix, module) in FAMILIES.items():
            keys = module.STAT_KEYS
            if not all(k in stats_ for k in keys):
                continue
            part = {k: stats_[k] for k in keys}
            if family == "blocks":
                out.update({_rename(prefix, k): v for k, v in _nan_macro(part).items()})
                continue
            if family == "snippets" and not np.any(np.asarray(stats_["snip_tp"]) + np.asarray(stats_["snip_fn"]) + np.asarray(stats_["snip_fp"]) + np.asarray(stats_["snip_tn"])):
                continue  # no page of this selection has snippets
            out.update({_rename(prefix, k): v for k, v in module.aggregate(part).items()})
        return out

    def prediction_fields(self, output: Any) -> dict[str, Any]:
        return {"text": output if isinstance(output, str) else None}

    def output_from_prediction(self, row: Mapping[str, Any]) -> Any:
        return row.get("text")


def output_format(system: str) -> str:
    """"markdown" for a registered system that declares Markdown output, else "text"."""
    from benchmarks.systems import REGISTRY

    return getattr(REGISTRY.get(system), "output_format", "text")


def _nan_macro(part: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Block means over pages that have block gold (NaN stats mark pages without)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        out = {}
        for key, name in (("block_f1", "f1"), ("block_precision", "precision"), ("block_recall", "recall")):
            v = np.asarray(part[key], dtype=float)
            valid = ~np.isnan(v)
            out[name] = np.where(valid, v, 0.0).sum(-1) / valid.sum(-1)
        return out


register_task(BoilerplateTask())
