"""benchmarks/perf/ingest_paired: two checkouts ingest in turns; each side's rates and the pairs' ratio."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures"


def test_both_sides_ingest_every_page_and_the_ratio_is_printed():
    done = subprocess.run([sys.executable, "-m", "benchmarks.perf.ingest_paired", "--reference", str(ROOT),
                           "--corpus", str(FIXTURES / "aeb"), "--pairs", "2"], capture_output=True, text=True, cwd=ROOT)  # fmt: skip
    assert done.returncode == 0, done.stderr
    sides = re.findall(r"^  (reference|this checkout)\s+(\d+) pages: best\s+([\d.]+), median\s+([\d.]+) pages/CPU-s$", done.stdout, re.M)
    assert [(name, int(pages)) for name, pages, _, _ in sides] == [("reference", 4), ("this checkout", 4)]
    assert all(float(best) >= float(median) > 0 for _, _, best, median in sides)
    ratio = re.search(r"median CPU ratio reference / this checkout: ([\d.]+) \(pairs: ([\d.]+) to ([\d.]+)\)", done.stdout)
    assert ratio and float(ratio.group(2)) <= float(ratio.group(1)) <= float(ratio.group(3))


def test_a_missing_reference_is_named():
    done = subprocess.run([sys.executable, "-m", "benchmarks.perf.ingest_paired", "--reference", "/no/such/checkout"],
                          capture_output=True, text=True, cwd=ROOT)  # fmt: skip
    assert done.returncode == 1 and "/no/such/checkout not found" in done.stderr
