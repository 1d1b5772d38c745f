"""AEB read in place, both ways: its published table through ``bench score``, and a run's export.

    python -m benchmarks.perf.aeb_in_place --aeb DIR [--jobs 2] [--resamples 1000] [--out DIR]

DIR is an AEB checkout (``ground-truth.json``, ``html/``, ``output/``; e.g. ../shared/corpora/aeb).

1. ``pagegold bench score --metric aeb --gold DIR/ground-truth.json --pred DIR/output/*.json``:
   every published output's F1, precision, recall and accuracy against
   ``benchmarks/reference/aeb_published.json`` at three decimals;
2. ``pagegold bench run --corpus DIR --systems trafilatura``, then ``bench export --as aeb`` and
   ``bench score`` of the AEB-shaped JSON (against AEB's own ground-truth.json and the exported
   one): the same AEB P/R/F1 and BoW F1 as the run's results.parquet (to 1e-12).

Exit status 1 if anything differs.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

REFERENCE = Path(__file__).resolve().parent.parent / "reference" / "aeb_published.json"
KEYS = ("f1", "precision", "recall", "accuracy")


def pagegold(*args: str) -> str:
    cmd = [sys.executable, "-m", "pagegold.cli", *args]
    print("$ pagegold " + " ".join(args), flush=True)
    return subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True).stdout


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--aeb", required=True, type=Path, help="AEB folder (ground-truth.json, html/, output/)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--resamples", type=int, default=1000)
    parser.add_argument("--out", type=Path, default=None, help="scratch folder for the run (default: a temp folder)")
    args = parser.parse_args(argv)
    gold = args.aeb / "ground-truth.json"
    outputs = sorted((args.aeb / "output").glob("*.json"))
    published = json.loads(REFERENCE.read_text())["outputs"]

    preds = [a for p in outputs for a in ("--pred", str(p))]
    scores = json.loads(
        pagegold(
            "bench",
            "score",
            "--metric",
            "aeb",
            "--gold",
            str(gold),
            *preds,
            "--jobs",
            str(args.jobs),
            "--resamples",
            str(args.resamples),
            "--json",
        )
    )
    matched = 0
    for path, s in scores.items():
        ref = published.get(Path(path).stem)
        diffs = [k for k in KEYS if ref is None or round(s[k], 3) != ref[k]]
        matched += not diffs
        print(
            f"{Path(path).stem:<22} F1 {s['f1']:.3f} P {s['precision']:.3f} R {s['recall']:.3f} acc {s['accuracy']:.3f}"
            f"  {'ok' if not diffs else 'DIFF ' + ','.join(diffs)}"
        )
    print(f"{matched}/{len(scores)} published outputs reproduced at 3 decimals through `bench score`")

    work = args.out or Path(tempfile.mkdtemp(prefix="aeb-in-place-"))
    run, exported = work / "run", work / "export"
    pagegold(
        "bench",
        "run",
        "--corpus",
        str(args.aeb),
        "--systems",
        "trafilatura",
        "--jobs",
        str(args.jobs),
        "--resamples",
        "0",
        "--out",
        str(run),
    )
    pagegold("bench", "export", str(run), "--as", "aeb", "--out", str(exported))
    import pandas as pd

    results = pd.read_parquet(run / "results.parquet")
    overall = results[(results["group_by"] == "all")].set_index("metric")["value"]
    same = True
    for gold_file in (gold, exported / "ground-truth.json"):
        again = json.loads(
            pagegold(
                "bench",
                "score",
                "--gold",
                str(gold_file),
                "--pred",
                str(exported / "trafilatura.json"),
                "--resamples",
                "0",
                "--json",
            )
        )
        for metric in ("aeb_f1", "aeb_precision", "aeb_recall", "bow_f1"):
            ok = abs(again[metric] - overall[metric]) < 1e-12
            same &= ok
            print(
                f"  {metric:<14} run {overall[metric]:.6f} export→score {again[metric]:.6f} {'same' if ok else 'DIFF'}"
                f"  (gold {gold_file.name}, {again['n_pages']} pages)"
            )
    print(f"trafilatura run on {args.aeb} exported as AEB JSON re-scores {'identically' if same else 'DIFFERENTLY'}")
    return 0 if matched == len(scores) and same else 1


if __name__ == "__main__":
    sys.exit(main())
