"""The entity and pipeline tasks through the shared runner (benchmarks.runner), on the seed-like page."""

from __future__ import annotations

import pytest
from entity_fixtures import seed_like_page

runner = pytest.importorskip("benchmarks.runner")
from benchmarks.tasks import TASKS  # noqa: E402


def test_runner_scores_entities_and_pipelines_with_leaks():
    page, gold, _ = seed_like_page()
    gold = dict(gold, main_text="\n".join(page["text"][page["blocks"][i]["start"] : page["blocks"][i]["end"]] for i in gold["main_blocks"]))
    page = dict(page, raw=page["text"].encode(), encoding="utf-8", url=None)
    golds = {page["page_id"]: gold}
    # workers import the entity systems through `modules` (they are registered by benchmarks.tasks.entities)
    ent = runner.run(TASKS["entities"], ["capitalisation"], [page], golds, jobs=1, modules=("benchmarks.tasks.entities",))
    pipe = runner.run(TASKS["pipeline"], ["full-text+capitalisation"], [page], golds, jobs=1, modules=("benchmarks.tasks.entities",))
    assert ent.failures == [] and pipe.failures == []
    whole = TASKS["entities"].aggregate(ent.stats["capitalisation"])
    piped = TASKS["pipeline"].aggregate(pipe.stats["full-text+capitalisation"])
    assert whole["leak_rate"] > 0.2 and piped["leak_rate"] == pytest.approx(whole["leak_rate"])
    rows = runner.results_rows(ent, TASKS["entities"], resamples=20)
    assert {"strict_f1", "leak_rate", "PER_strict_f1"} <= {r["metric"] for r in rows}
