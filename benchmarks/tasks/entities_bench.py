"""In-process entity benchmark: systems × inputs on released pages → results, leaderboard, plots.

The shared runner (``pagegold bench run``) owns parallelism, isolation and caching; until it
dispatches entity runs, this module is the callable path, built from the same pieces
(``EntitiesTask.page_stats`` / ``aggregate`` and ``benchmarks.stats.bootstrap``)::

    python -m benchmarks.tasks.entities_bench --systems spacy-sm,capitalisation \\
        --inputs page_text,gold_main,trafilatura --split test --out runs/entities

Each (entity system, input) pair is one leaderboard row: strict/exact/partial/type and CoNLL F1
with bootstrap 95 % intervals, the leak rate, and breakdowns by source and by entity type.
A page on which a system fails is scored as empty output and counted in ``errors``.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks import stats
from benchmarks.labels import LABELS
from benchmarks.systems import REGISTRY
from benchmarks.systems.ner import get_entity_system
from benchmarks.tasks.entities import GOLD_MAIN, PAGE_TEXT, EntitiesTask, run_on_input

HEADLINE = ("strict_f1", "exact_f1", "partial_f1", "type_f1", "conll_f1", "leak_rate")


def run_outputs(
    pages: Sequence[Mapping[str, Any]], gold: Mapping[str, Mapping[str, Any]], system: str, input: str,
    extracted: dict[tuple[str, str], str] | None = None,
) -> tuple[list[Any], list[str | None]]:
    """Outputs (page offsets) of one entity system on one input for every page; errors recorded."""
    ner = get_entity_system(system)
    ner.check_available()
    extracted = {} if extracted is None else extracted
    outputs, errors = [], []
    for page in pages:
        try:
            text = None
            if input not in (PAGE_TEXT, GOLD_MAIN):
                key = (input, page["page_id"])
                if key not in extracted:  # one extraction per page, shared by every entity system
                    extracted[key] = REGISTRY[input].run(dict(page)) or ""
                text = extracted[key]
            outputs.append(run_on_input(ner, page, input, gold=gold.get(page["page_id"]), extracted=text))
            errors.append(None)
        except Exception as exc:  # recorded for the page, scored as empty output; the run goes on
            outputs.append(None)
            errors.append(f"{type(exc).__name__}: {exc}")
    return outputs, errors


def score_outputs(
    task: EntitiesTask, pages: Sequence[Mapping[str, Any]], gold: Mapping[str, Mapping[str, Any]], outputs: Sequence[Any],
    resamples: int = stats.DEFAULT_RESAMPLES, seed: int = stats.DEFAULT_SEED,
) -> dict[str, Any]:
    """Point estimates and intervals overall, per source; per-label F1 from the same statistics."""
    rows = [task.page_stats(p, gold[p["page_id"]], o) for p, o in zip(pages, outputs)]
    if not rows:
        return {}
    st = {k: np.array([r[k] for r in rows]) for k in rows[0]}
    result: dict[str, Any] = {}
    for name, est in stats.bootstrap(task.aggregate, st, resamples, seed).items():
        result.update(est.as_dict(name))
    sources = np.array([p.get("source", "") for p in pages])
    by_source = {}
    for source in sorted(set(sources)):
        mask = sources == source
        agg = task.aggregate({k: v[mask] for k, v in st.items()})
        by_source[source] = {k: float(agg[k]) for k in HEADLINE if k in agg} | {"pages": int(mask.sum())}
    result["by_source"] = by_source
    result["by_label"] = {label: {m: result.get(f"{label}_{m}_f1") for m in ("strict", "partial", "type")} for label in LABELS}
    return result


def run_benchmark(
    pages: Iterable[Mapping[str, Any]], gold: Mapping[str, Mapping[str, Any]], systems: Sequence[str], inputs: Sequence[str],
    resamples: int = stats.DEFAULT_RESAMPLES, seed: int = stats.DEFAULT_SEED,
) -> list[dict[str, Any]]:
    """One result row per (system, input) over the pages that have gold."""
    task = EntitiesTask()
    pages = [p for p in pages if p["page_id"] in gold]
    extracted: dict[tuple[str, str], str] = {}
    rows = []
    for input in inputs:
        for system in systems:
            t0 = time.process_time()
            outputs, errors = run_outputs(pages, gold, system, input, extracted)
            seconds = time.process_time() - t0
            row = {"system": system, "input": input, "version": get_entity_system(system).version, "pages": len(pages),
                   "errors": sum(e is not None for e in errors), "cpu_seconds": round(seconds, 3)}
            row.update(score_outputs(task, pages, gold, outputs, resamples, seed))
            row["error_pages"] = [p["page_id"] for p, e in zip(pages, errors) if e is not None]
            rows.append(row)
    return rows


def leaderboard_markdown(rows: Sequence[Mapping[str, Any]]) -> str:
    """Markdown table sorted by strict F1: value [95 % interval] per headline metric."""
    def cell(row, key):
        v, lo, hi = row.get(key), row.get(f"{key}_ci_low"), row.get(f"{key}_ci_high")
        if v is None:
            return ""
        if lo is None or not np.isfinite(lo):
            return f"{v:.3f}"
        return f"{v:.3f} [{lo:.3f}, {hi:.3f}]"

    head = "| system | input | " + " | ".join(HEADLINE) + " | pages | errors |"
    lines = [head, "|" + "---|" * (len(HEADLINE) + 4)]
    for row in sorted(rows, key=lambda r: -(r.get("strict_f1") or 0)):
        lines.append(f"| {row['system']} | {row['input']} | " + " | ".join(cell(row, k) for k in HEADLINE) + f" | {row['pages']} | {row['errors']} |")
    return "\n".join(lines) + "\n"


def plot(rows: Sequence[Mapping[str, Any]], out_dir: Path) -> list[Path]:
    """F1 by system and input (with intervals); leak rate by input (extractor). PNG files."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out_dir.mkdir(parents=True, exist_ok=True)
    systems = sorted({r["system"] for r in rows})
    inputs = list(dict.fromkeys(r["input"] for r in rows))
    paths = []
    for metric, fname, title in (("strict_f1", "entity_f1_by_system_input.png", "Strict F1 by system and input"),
                                 ("leak_rate", "entity_leak_rate_by_input.png", "Leak rate by input (extractor)")):
        fig, ax = plt.subplots(figsize=(max(5, 1.2 * len(inputs) * max(1, len(systems)) / 2), 3.5))
        width = 0.8 / max(1, len(systems))
        for k, system in enumerate(systems):
            xs, ys, err = [], [], [[], []]
            for i, input in enumerate(inputs):
                row = next((r for r in rows if r["system"] == system and r["input"] == input), None)
                if row is None or row.get(metric) is None:
                    continue
                v = row[metric]
                lo, hi = row.get(f"{metric}_ci_low", v), row.get(f"{metric}_ci_high", v)
                xs.append(i + k * width)
                ys.append(v)
                err[0].append(max(0.0, v - lo) if np.isfinite(lo) else 0.0)
                err[1].append(max(0.0, hi - v) if np.isfinite(hi) else 0.0)
            ax.bar(xs, ys, width, yerr=err, label=system, capsize=2)
        ax.set_xticks([i + width * (len(systems) - 1) / 2 for i in range(len(inputs))], inputs, rotation=20)
        ax.set_ylim(0, 1)
        ax.set_title(title)
        ax.legend(fontsize="small")
        fig.tight_layout()
        path = out_dir / fname
        fig.savefig(path, dpi=100)
        plt.close(fig)
        paths.append(path)
    return paths


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Run entity systems on a release's pages with entity gold.")
    parser.add_argument("--systems", default="spacy-sm,capitalisation,gazetteer")
    parser.add_argument("--inputs", default=f"{PAGE_TEXT},{GOLD_MAIN}", help="page_text, gold_main, or boilerplate system names")
    parser.add_argument("--version")
    parser.add_argument("--split")
    parser.add_argument("--source")
    parser.add_argument("--resamples", type=int, default=stats.DEFAULT_RESAMPLES)
    parser.add_argument("--out", type=Path, default=Path("runs/entities"))
    args = parser.parse_args(argv)
    from curation import dataset

    task = EntitiesTask()
    gold = task.load_gold(args.version, args.split, args.source)
    if not gold:
        raise SystemExit(f"release {args.version or dataset.latest_version()} has no entity gold for this selection (it arrives with v1.1.0)")
    pages = list(dataset.iter_pages(args.version, args.split, args.source, ids=gold))
    rows = run_benchmark(pages, gold, args.systems.split(","), args.inputs.split(","), args.resamples)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(rows, indent=1, default=float), encoding="utf-8")
    (args.out / "leaderboard.md").write_text(leaderboard_markdown(rows), encoding="utf-8")
    plot(rows, args.out)
    print(leaderboard_markdown(rows))


if __name__ == "__main__":
    main()
