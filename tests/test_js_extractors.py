"""JavaScript extractors through Node: real libraries on AEB fixture pages, real hangs and crashes
in the Node worker (a test-only JS extractor), one Node process per pool worker, missing node."""

from __future__ import annotations

import json
import time
from pathlib import Path

import js_fault_systems  # noqa: F401 - registers test-js-fault in this process too
import pytest

from benchmarks import runner
from benchmarks.metrics import aeb
from benchmarks.perf.aeb_live import aeb_pages
from benchmarks.perf.js_processes import NodeSampler
from benchmarks.systems import REGISTRY, MissingDependency, split_available
from benchmarks.systems import js_extractors as js
from benchmarks.tasks import get_task

FIXTURE = Path(__file__).parent / "fixtures" / "aeb"
TASK = get_task("boilerplate")
JS_SYSTEMS = ["readability-js", "defuddle", "postlight", "article-extractor"]
pytestmark = pytest.mark.skipif(
    split_available(JS_SYSTEMS)[1] != {}, reason="node or the npm packages are not installed (make setup)"
)


@pytest.fixture(scope="module")
def pages_gold():
    """The three smallest AEB fixture pages (seconds, not minutes, through four JS libraries)."""
    pages, gold = aeb_pages(FIXTURE)
    pages = sorted(pages, key=lambda p: len(p["raw"]))[:3]
    return pages, {p["page_id"]: gold[p["page_id"]] for p in pages}


def _page(pid: str, html: str) -> dict:
    return {
        "page_id": pid,
        "source": "test",
        "url": "https://example.org/a",
        "domain": "example.org",
        "page_type": "article",
        "raw": html.encode(),
        "raw_format": "html",
        "encoding": "utf-8",
        "text": "x",
        "blocks": [],
        "text_sha256": pid,
        "split": "test",
    }


@pytest.mark.parametrize("name", JS_SYSTEMS)
def test_each_js_system_extracts_the_article(name, pages_gold):
    pages, gold = pages_gold
    system = REGISTRY[name]
    scores = []
    for page in pages:
        text = system.run(page)
        assert isinstance(text, str) and "<p>" not in text  # HTML content is turned into text
        tp, fp, fn, _ = (aeb.page_stats(gold[page["page_id"]]["main_text"], text)[k] for k in aeb.STAT_KEYS)
        scores.append(tp / (tp + fp + fn) if tp + fp + fn else 0.0)
    # every library finds most of each article's shingles (the fixture pages are ordinary news articles)
    assert min(scores) > 0.5, scores
    locked = json.loads((js.JS_DIR / "package-lock.json").read_text())["packages"]
    assert system.version.split("+")[0] == locked[f"node_modules/{system.package}"]["version"]


def test_readability_js_is_aebs_call_and_markdown_variant_differs(pages_gold):
    pages, _ = pages_gold
    page = pages[1]
    text = REGISTRY["readability-js"].run(page)
    markdown = REGISTRY["readability-js:markdown"].run(page)
    assert REGISTRY["readability-js"].version == "0.6.0+jsdom-" + js.locked_versions()["jsdom"]
    assert REGISTRY["readability-js:markdown"].output_format == "markdown"
    assert "turndown-" in REGISTRY["readability-js:markdown"].version
    # same article, but Markdown keeps links/emphasis markup that textContent drops
    assert (
        aeb.tokenize(text)[:20] == aeb.tokenize(markdown)[:20]
        or len(set(aeb.tokenize(text)) & set(aeb.tokenize(markdown))) > 100
    )
    assert markdown != text


def test_hang_and_crash_are_recorded_per_page_and_node_is_replaced(tmp_path):
    pages = [
        _page("p1-ok", "<p>first page</p>"),
        _page("p2-hang", "<p>JS-HANG</p>"),
        _page("p3-ok", "<p>third page</p>"),
        _page("p4-crash", "<p>JS-CRASH</p>"),
        _page("p5-ok", "<p>fifth page</p>"),
        _page("p6-throw", "<p>JS-THROW</p>"),
    ]
    gold = {p["page_id"]: {"page_id": p["page_id"], "main_text": "page", "main_blocks": None} for p in pages}
    res = runner.run(
        TASK,
        ["test-js-fault", "readability-js"],
        pages,
        gold,
        jobs=1,
        timeout=5.0,
        memory_mb=4096,
        modules=["js_fault_systems"],
    )
    status = {(p["system"], p["page_id"]): p["status"] for p in res.predictions}
    assert status[("test-js-fault", "p2-hang")] == "timeout"
    assert status[("test-js-fault", "p4-crash")] == "crash"
    assert status[("test-js-fault", "p6-throw")] == "error"
    assert all(status[("test-js-fault", p)] == "ok" for p in ("p1-ok", "p3-ok", "p5-ok"))
    assert all(
        status[("readability-js", p["page_id"])] == "ok" for p in pages
    )  # the same pages went on after each fault
    crash = next(f for f in res.failures if f["page_id"] == "p4-crash")
    assert "node worker died" in crash["error"] and "exit code 7" in crash["error"]
    assert "fault extractor: exiting with 7" in crash["error"]  # Node's last stderr lines come with it
    texts = {p["page_id"]: p["text"] for p in res.predictions if p["system"] == "readability-js"}
    assert texts["p1-ok"].strip() == "first page" and texts["p5-ok"].strip() == "fifth page"
    # the fault extractor answers "node <pid>": a new Node process after the hang and after the crash
    # (the pool replaced the worker, and its Node with it), the same one between faults
    pids = {p["page_id"]: p["text"] for p in res.predictions if p["system"] == "test-js-fault" and p["status"] == "ok"}
    assert all(v.startswith("node ") for v in pids.values())
    assert len({pids["p1-ok"], pids["p3-ok"], pids["p5-ok"]}) == 3
    # and none is left behind: the Node spinning on p2 died with its killed worker (PR_SET_PDEATHSIG)
    deadline = time.monotonic() + 10
    while any(_running(int(v.split()[1])) for v in pids.values()) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_running(int(v.split()[1])) for v in pids.values())


def _running(pid: int) -> bool:
    """Whether ``pid`` is a live process (a zombie awaiting its reaper counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


def test_one_node_process_per_worker_for_four_js_systems(pages_gold):
    pages, gold = pages_gold
    js.shutdown()  # the Node process earlier tests started in this process is not a pool worker's
    sampler = NodeSampler(interval=0.02)
    sampler.start()
    res = runner.run(TASK, JS_SYSTEMS, pages[:2], gold, jobs=2, timeout=60.0, metrics=("aeb",))
    sampler.stop()
    assert not res.failures
    assert sampler.peak <= 2 and len(sampler.seen) == 2  # 8 jobs, 2 workers, 2 Node processes in all
    # the pool worker only waits on the pipe: a page's seconds are Node's CPU, reported by worker.mjs
    seconds = [p["seconds"] for p in res.predictions if p["system"] == "readability-js"]
    assert min(seconds) > 0.01, seconds


def test_without_node_the_systems_are_missing_with_a_hint(monkeypatch):
    monkeypatch.delenv("PAGEGOLD_NODE", raising=False)
    monkeypatch.setenv("PATH", "/nonexistent")
    runnable, missing = split_available(JS_SYSTEMS + ["readability-js:markdown", "resiliparse"])
    assert runnable == ["resiliparse"]
    assert set(missing) == set(JS_SYSTEMS) | {"readability-js:markdown"}
    message = str(missing["defuddle"])
    assert "needs node" in message and "npm ci" in message and "\n" not in message
    with pytest.raises(MissingDependency):
        REGISTRY["postlight"].check_available()


def test_a_node_too_old_or_broken_is_missing_with_a_hint(monkeypatch, tmp_path):
    fake = tmp_path / "node"
    fake.write_text("#!/bin/sh\necho v18.19.0\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PAGEGOLD_NODE", str(fake))
    with pytest.raises(MissingDependency, match="needs node ≥ 20.19; .* is 18.19.0"):
        REGISTRY["readability-js"].check_available()
    monkeypatch.setenv("PAGEGOLD_NODE", str(tmp_path / "absent"))
    with pytest.raises(MissingDependency, match="cannot be run"):
        REGISTRY["readability-js"].check_available()
