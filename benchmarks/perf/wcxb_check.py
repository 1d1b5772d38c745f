"""Check ``bench run --corpus`` on WCXB against a from-scratch implementation of WCXB's own rules.

    python -m benchmarks.perf.wcxb_check --corpus PATH [--split dev] [--systems trafilatura,…]
                                         [--jobs 2] [--out DIR] [--cache DIR]

PATH is a WCXB checkout (its root, or one split folder such as ../shared/corpora/wcxb-dev); it is
read in place (nothing written under data/). The script

1. runs ``pagegold bench run --corpus PATH --split SPLIT`` with the systems (default: trafilatura,
   readability, justext, html-text);
2. reads every ``ground-truth/*.json`` of the split itself (not through PageGold's readers) and
   scores each system's predictions, matched by WCXB file id (the run's ``source_id``), with
   WCXB's evaluate rules written out here: a bag of lowercased ``\\w+`` words per page, precision
   = overlap / predicted words, recall = overlap / gold words, F1 per page; a page with empty gold
   scores 1 if the prediction is empty too, else 0 (and is kept in the P, R and F1 means); an
   empty prediction scores 0; macro means over all pages;
3. prints both and exits 1 if the run misses a ground-truth file or any mean differs at three
   decimals.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

WORD = re.compile(r"\w+")
SYSTEMS = "trafilatura,readability,justext,html-text"


def wcxb_page(gold: str, pred: str | None) -> tuple[float, float, float]:
    """WCXB's per-page word precision, recall and F1 (bag of lowercased \\w+ words)."""
    g = Counter(WORD.findall((gold or "").lower()))
    p = Counter(WORD.findall((pred or "").lower()))
    if not g:
        return (1.0, 1.0, 1.0) if not p else (0.0, 0.0, 0.0)
    if not p:
        return (0.0, 0.0, 0.0)
    overlap = sum((g & p).values())
    precision, recall = overlap / sum(p.values()), overlap / sum(g.values())
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def split_folder(corpus: Path, split: str) -> Path:
    """The folder holding ground-truth/ for the split (the corpus itself when it is a split folder)."""
    return corpus if (corpus / "ground-truth").is_dir() else corpus / split


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--corpus", required=True, type=Path, help="WCXB root or split folder (e.g. ../shared/corpora/wcxb-dev)"
    )
    parser.add_argument("--split", default="dev")
    parser.add_argument("--systems", default=SYSTEMS)
    parser.add_argument("--jobs", default=2, type=int)
    parser.add_argument("--out", default=Path("runs/wcxb-check"), type=Path)
    parser.add_argument("--cache", default=None, type=Path, help="bench run --cache (default: its own default)")
    args = parser.parse_args(argv)

    folder = split_folder(args.corpus, args.split)
    truth_files = sorted((folder / "ground-truth").glob("*.json"))
    if not truth_files:
        print(
            f"{folder}: no ground-truth/*.json files (give a WCXB root or split folder with --corpus)", file=sys.stderr
        )
        return 2
    cmd = [
        sys.executable,
        "-m",
        "pagegold.cli",
        "bench",
        "run",
        "--corpus",
        str(args.corpus),
        "--format",
        "wcxb",
        "--split",
        args.split,
        "--systems",
        args.systems,
        "--jobs",
        str(args.jobs),
        "--out",
        str(args.out),
        "--resamples",
        "0",
    ]
    if args.cache:
        cmd += ["--cache", str(args.cache)]
    print("$", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True)

    import pandas as pd

    preds = pd.read_parquet(args.out / "predictions.parquet")
    results = pd.read_parquet(args.out / "results.parquet")
    gold = {}
    for f in truth_files:
        data = json.loads(f.read_text(encoding="utf-8"))
        gold[f.stem] = (data.get("ground_truth") or {}).get("main_content") or ""
    ok = True
    print(f"{len(truth_files)} ground-truth files in {folder}")
    print(f"{'system':<14} {'pages':>5}  {'WCXB P/R/F1 (direct)':>24}  {'PageGold bow P/R/F1':>24}  same")
    for system in args.systems.split(","):
        part = preds[preds["system"] == system]
        texts = {
            str(s): (t if st == "ok" else None) for s, t, st in zip(part["source_id"], part["text"], part["status"])
        }
        missing = sorted(set(gold) - set(texts))
        rows = [wcxb_page(gold[i], texts.get(i)) for i in gold]
        direct = [sum(r[k] for r in rows) / len(rows) for k in range(3)]
        overall = results[(results["system"] == system) & (results["group_by"] == "all")].set_index("metric")["value"]
        ours = [float(overall[m]) for m in ("bow_precision", "bow_recall", "bow_f1")]
        same = not missing and all(round(a, 3) == round(b, 3) for a, b in zip(direct, ours))
        ok &= same
        print(
            f"{system:<14} {len(texts):>5}  {'/'.join(f'{v:.4f}' for v in direct):>24}  "
            f"{'/'.join(f'{v:.4f}' for v in ours):>24}  {'yes' if same else 'NO'}"
            + (f"  ({len(missing)} ground-truth files not in the run, e.g. {missing[:3]})" if missing else "")
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
