"""The recipes of docs/contributing_code.md, each built from the document as a one-module package
in a temporary folder with an entry point (a ``*.dist-info/entry_points.txt`` on ``sys.path``, as
``pip install`` would leave), then checked to be registered and to run.

A new recipe is one more entry in ``RECIPES``: the registry it lands in and a check that it runs.
"""

from __future__ import annotations

import csv
import importlib
import json
import os
import re
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from benchmarks import corpus
from benchmarks.metrics import METRICS
from benchmarks.runner import _job_page
from benchmarks.systems import REGISTRY
from benchmarks.tasks import get_task
from curation.sources import formats
from pagegold.cli import main
from tests import corpus_fixtures as fx

DOC = Path(__file__).resolve().parents[1] / "docs" / "contributing_code.md"
HTML = "<html><body><nav>Home | World</nav><p>The UN and NATO met in Geneva.</p><p>More text.</p><footer>(c) News</footer></body></html>"
PAGE = {"page_id": "p1", "url": "https://example.com/a", "raw": HTML.encode(), "encoding": "utf-8",
        "text": "Home | World\nThe UN and NATO met in Geneva.\nMore text.\n(c) News", "text_sha256": "x"}


def blocks(recipe: str) -> tuple[str, dict[str, Any]]:
    """The recipe's Python module and its entry-point table, as written in the document."""
    doc = DOC.read_text(encoding="utf-8")
    code = re.search(rf"<!-- recipe: {recipe} -->\s*```python\n(.*?)```", doc, re.S)
    toml = re.search(rf"<!-- recipe: {recipe} entry-points -->\s*```toml\n(.*?)```", doc, re.S)
    assert code and toml, f"docs/contributing_code.md has no complete '{recipe}' recipe"
    return code.group(1), tomllib.loads(toml.group(1))["project"]["entry-points"]


def check_extractor(name: str) -> None:
    system = REGISTRY[name]
    assert system.task == "boilerplate" and system.version != "not-installed"
    assert system.run(_job_page(PAGE, {}, system)) == "The UN and NATO met in Geneva."
    assert f"{name}+capitalisation" in get_task("pipeline").systems()


def check_metric(name: str) -> None:
    task = get_task("boilerplate")
    assert name in [m.name for m in task.families()] and name in task.run_metrics
    golds = [{"main_text": "abcd"}, {"main_text": None}, {"main_text": "efgh"}]
    stats = task.stats_by_system([{}, {}, {}], golds, {"s": ["ab", "whatever", "efghij"]})["s"]
    scores = task.aggregate(stats)
    assert float(scores["length_ratio"]) == pytest.approx(8 / 8)  # the page without main text is left out
    assert "length_ratio" in task.board_columns()
    listed = CliRunner().invoke(main, ["bench", "metrics", "--task", "boilerplate"])
    assert listed.exit_code == 0 and any(line.split()[:2] == [name, "boilerplate"] for line in listed.output.splitlines())


def check_ner(name: str) -> None:
    entities = REGISTRY[name].run(dict(PAGE))
    assert [(e["label"], PAGE["text"][e["start"]:e["end"]]) for e in entities] == [("ORG", "UN"), ("ORG", "NATO")]
    pipeline = REGISTRY[f"full-text+{name}"]
    placed = pipeline.run(_job_page(PAGE, {}, pipeline))
    assert [e["text"] for e in placed["entities"]] == ["UN", "NATO"]


def write_csv_corpus(root: Path) -> Path:
    """A tiny corpus in the format recipe's layout: two pages with gold, one row naming a missing file."""
    (root / "pages" / "news").mkdir(parents=True)
    (root / "pages" / "a.html").write_text(fx.article("Story A"), encoding="utf-8")
    (root / "pages" / "news" / "b.html").write_text(fx.article("Story B"), encoding="utf-8")
    rows = [
        ("file", "url", "split", "main_text"),
        ("a.html", "https://a.example.com/", "test", fx.main_text("Story A")),
        ("news/b.html", "", "dev", fx.main_text("Story B")),
        ("gone.html", "", "test", "x"),
    ]
    with (root / "labels.csv").open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return root


def check_format(name: str) -> None:
    fmt = formats.get(name)
    assert name in formats.choices() and fmt.description and fmt.expected
    site = Path(sys.modules[type(fmt).__module__].__file__).parent  # the temporary package's folder
    with tempfile.TemporaryDirectory() as tmp:
        root = write_csv_corpus(Path(tmp) / "mine")
        assert fmt.problem(root) is None and fmt.count(root) == 3
        with pytest.raises(formats.LayoutError, match="expected a folder with labels.csv"):
            fmt.check(root / "pages")
        # benchmarked in place: the corpus's own ids and splits, gold read, the bad row quarantined
        loaded = corpus.load_corpus(root, name, split="test")
        assert [p["source_id"] for p in loaded.pages] == ["a"] and loaded.splits == {"test": 1, "dev": 1}
        assert "river bridge" in loaded.gold[loaded.pages[0]["page_id"]]["main_text"]
        assert [q["path"].endswith("gone.html") for q in loaded.quarantine] == [True]
        # a user's `pagegold ingest --format NAME` in a fresh process finds it through the entry point
        out = Path(tmp) / "out"
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(Path(__file__).resolve().parents[1])])}
        done = subprocess.run([sys.executable, "-c", "from pagegold.cli import main; main()", "ingest", str(root),
                               "--format", name, "--source", "mine", "--out", str(out)],
                              env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        gold = [r for f in sorted(out.glob("boilerplate_gold-*.parquet")) for r in pq.read_table(f).to_pylist()]
        assert sorted(r["origin"] for r in gold) == [f"{name}:main_text"] * 2
        assert all("Story" in r["main_text"] and r["main_blocks"] for r in gold)
        (bad,) = [json.loads(line) for line in (out / "quarantine.jsonl").read_text().splitlines()]
        assert bad["path"].endswith("gone.html")


RECIPES: dict[str, tuple[Any, Callable[[str], None]]] = {
    # recipe → (registry it lands in, check that the registered extension runs)
    "extractor": (REGISTRY, check_extractor),
    "format": (formats.FORMATS, check_format),
    "metric": (METRICS, check_metric),
    "ner": (REGISTRY, check_ner),
}


@pytest.mark.parametrize("recipe", sorted(RECIPES))
def test_recipe_registers_through_its_entry_point_and_runs(recipe: str, tmp_path: Path, monkeypatch):
    registry, check = RECIPES[recipe]
    code, entry_points = blocks(recipe)
    [(group, table)] = entry_points.items()
    [(name, module)] = table.items()
    assert group == registry.group and name not in registry
    site = tmp_path / "site"
    (site / f"{module}-0.1.dist-info").mkdir(parents=True)
    (site / f"{module}.py").write_text(code, encoding="utf-8")
    (site / f"{module}-0.1.dist-info" / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module}\nVersion: 0.1\n")
    (site / f"{module}-0.1.dist-info" / "entry_points.txt").write_text(f"[{group}]\n{name} = {module}\n")
    monkeypatch.syspath_prepend(str(site))
    importlib.invalidate_caches()
    try:
        registry.reload()
        assert name not in registry.failed, registry.failed.get(name)
        assert name in registry.names()
        check(name)
    finally:
        for key in [k for k in registry.names() if k == name or k.startswith(f"{name}+") or k.endswith(f"+{name}")]:
            registry.remove(key)
        sys.modules.pop(module, None)
