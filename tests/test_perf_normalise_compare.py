"""benchmarks/perf/normalise_compare: a digest per page of the normaliser's output and date; --check
passes on the same code and names the pages whose digest differs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "benchmarks.perf.normalise_compare", "--no-releases", *args],
                          capture_output=True, text=True)  # fmt: skip


def test_check_passes_on_the_same_code_and_names_a_changed_page(tmp_path: Path):
    corpora = tmp_path / "corpora"
    corpora.mkdir()
    (corpora / "aeb").symlink_to(FIXTURES / "aeb")
    reference = tmp_path / "ref.jsonl"
    made = run("--corpora", str(corpora), "--out", str(reference))
    assert made.returncode == 0, made.stderr
    lines = [json.loads(line) for line in reference.read_text().splitlines()]
    assert len(lines) == 4 and all(line["page"].startswith("aeb:") and len(line["digest"]) == 64 for line in lines)
    same = run("--corpora", str(corpora), "--check", str(reference))
    assert same.returncode == 0 and "4 pages" in same.stdout and "identical" in same.stdout
    lines[1]["digest"] = "0" * 64
    reference.write_text("".join(json.dumps(line) + "\n" for line in lines))
    changed = run("--corpora", str(corpora), "--check", str(reference))
    assert changed.returncode == 1 and f"DIFFERS {lines[1]['page']}: differs" in changed.stdout
    missing = run("--corpora", str(corpora), "--check", str(tmp_path / "none.jsonl"))
    assert missing.returncode == 1 and "no such reference file" in missing.stderr
