"""Registries and capabilities: systems, metric families and tasks come from their registries; the
runner reads what a system declares (what it needs, whether it may be cached), never its name."""

from __future__ import annotations

import importlib
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from benchmarks import runner
from benchmarks.metrics import METRICS
from benchmarks.perf.aeb_live import aeb_pages
from benchmarks.systems import GOLD_TEXT, GOLD_ZONES, HTML, REGISTRY
from benchmarks.systems.boilerplate import GOLD_KEY
from benchmarks.tasks import TASKS, get_task
from pagegold.cli import main

FIXTURE = Path(__file__).parent / "fixtures" / "aeb"
PAGE = {"page_id": "p", "url": "u", "text": "t", "text_sha256": "h", "raw": b"<p>x</p>", "encoding": "utf-8", "blocks": [{"start": 0, "end": 1}]}
GOLD = {"main_text": "gold text", "main_spans": None, "main_blocks": [0]}


def test_every_kind_is_registered_from_its_package():
    assert {"trafilatura", "full-text", "gold", "spacy-sm", "gazetteer", "capitalisation"} <= set(REGISTRY.names())
    assert {"aeb", "bow", "rouge-lsum", "snippets", "blocks", "entities"} <= set(METRICS.names())
    assert set(TASKS.names()) >= {"boilerplate", "entities", "pipeline"}
    assert REGISTRY["trafilatura+gazetteer"].task == "pipeline"  # composed on first lookup
    assert "empty+gazetteer" not in REGISTRY and "nothing+gazetteer" not in REGISTRY
    with pytest.raises(KeyError, match="unknown task 'nope'.*boilerplate"):
        get_task("nope")
    with pytest.raises(KeyError, match="unknown system 'nope'"):
        REGISTRY["nope"]


@pytest.mark.parametrize("name, needs", [
    ("trafilatura", {HTML}), ("full-text", set()), ("gold", {GOLD_TEXT}), ("spacy-sm", set()),
    ("gold+spacy-sm", {GOLD_ZONES}), ("trafilatura+spacy-sm", {HTML}),
])
def test_the_runner_ships_what_a_system_needs(name, needs):
    system = REGISTRY[name]
    assert set(system.needs) == needs
    job = runner._job_page(PAGE, GOLD, system)
    assert {"page_id", "url", "text", "text_sha256"} <= job.keys()
    assert ("raw" in job) == (HTML in needs) and (GOLD_KEY in job) == (GOLD_TEXT in needs) and ("gold" in job) == (GOLD_ZONES in needs)
    if GOLD_ZONES in needs:
        assert job["gold"]["main_blocks"] == [0] and job["blocks"] == PAGE["blocks"]


def test_only_cacheable_systems_are_cached(tmp_path):
    assert REGISTRY["html-text"].cacheable and not REGISTRY["full-text"].cacheable
    assert REGISTRY["trafilatura+gazetteer"].cacheable and not REGISTRY["gold+gazetteer"].cacheable
    pages, gold = aeb_pages(FIXTURE)
    task = get_task("boilerplate")
    runner.run(task, ["html-text", "full-text"], pages[:2], gold, jobs=1, cache=tmp_path)
    with sqlite3.connect(tmp_path / "outputs.sqlite") as db:
        cached = {row[0] for row in db.execute("SELECT DISTINCT system FROM outputs_v2")}
    assert cached == {"html-text"}


def test_a_broken_plugin_is_reported_and_hides_nothing(tmp_path, monkeypatch):
    site = tmp_path / "site"
    (site / "broken_plugin-0.1.dist-info").mkdir(parents=True)
    (site / "broken_plugin.py").write_text("raise ImportError('needs a library that is not installed')\n")
    (site / "broken_plugin-0.1.dist-info" / "METADATA").write_text("Metadata-Version: 2.1\nName: broken_plugin\nVersion: 0.1\n")
    (site / "broken_plugin-0.1.dist-info" / "entry_points.txt").write_text("[pagegold.systems]\nbroken = broken_plugin\n")
    monkeypatch.syspath_prepend(str(site))
    importlib.invalidate_caches()
    try:
        REGISTRY.reload()
        assert "not installed" in REGISTRY.failed["broken"]
        with pytest.raises(KeyError, match="its plugin failed to load"):
            REGISTRY["broken"]
        assert REGISTRY["trafilatura"].name == "trafilatura"
        listed = CliRunner().invoke(main, ["bench", "systems", "--task", "boilerplate"])
        assert listed.exit_code == 0 and "broken" in listed.output and "not installed" in listed.output and "trafilatura" in listed.output
    finally:
        REGISTRY.failed.pop("broken", None)
