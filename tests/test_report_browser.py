"""report.html in a real headless browser: every section renders, the console stays clean, and
nothing is fetched from the network (the page is self-contained). Saves a screenshot.

Needs Debian's /usr/bin/chromium (`make browser-env`) and the `browser` extra (Playwright, which is
never asked to download a browser). The run it renders is a real `bench run` of two fast extractors
on the shipped release's AEB dev pages.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from pagegold.cli import main

CHROMIUM = os.environ.get("PAGEGOLD_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SECTIONS = [
    "leaderboard",
    "breakdowns",
    "by-source",
    "by-page_type",
    "by-complexity",
    "by-gold_in_page",
    "by-language",
    "definitions",
    "failures",
    "disagreements",
    "time",
]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("report")
    res = CliRunner().invoke(
        main,
        [
            "bench",
            "run",
            "--task",
            "boilerplate",
            "--systems",
            "resiliparse,html-text,trafilatura,gold",
            "--source",
            "aeb",
            "--split",
            "dev",
            "--jobs",
            "2",
            "--out",
            str(tmp / "run"),
            "--cache",
            str(tmp / "cache"),
            "--resamples",
            "100",
        ],
    )
    assert res.exit_code == 0, res.output
    return tmp / "run"


def render(html_path: Path, screenshot: Path | None = None) -> tuple[list[str], list[str], dict[str, bool], list[str]]:
    """(console errors, page errors, section id → visible, requests other than the file itself)."""
    from playwright.sync_api import sync_playwright

    errors, page_errors, requests = [], [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: page_errors.append(str(e)))
            page.on("request", lambda r: requests.append(r.url) if not r.url.startswith(("file:", "data:")) else None)
            page.goto(html_path.as_uri())
            page.wait_for_load_state("load")
            seen = {sid: page.locator(f"#{sid}").count() == 1 for sid in SECTIONS}
            seen |= {sid: True for sid in ("entities", "per-label", "leak") if page.locator(f"#{sid}").count() == 1}
            images = page.eval_on_selector_all("img", "els => els.map(e => e.naturalWidth > 0)")
            seen["images"] = bool(images) and all(images)
            if screenshot:
                page.screenshot(path=str(screenshot), full_page=False, type="png")
        finally:
            browser.close()
    return errors, page_errors, seen, requests


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium: make browser-env")
def test_report_renders_every_section_without_errors(run_dir: Path, tmp_path: Path) -> None:
    html = (run_dir / "report.html").read_text(encoding="utf-8")
    assert (
        "http://" not in html.replace("http://www.w3.org", "")
        and "https://" not in html.split('<section id="definitions">')[0]
    )
    shot = Path(os.environ.get("PAGEGOLD_REPORT_SCREENSHOT", tmp_path / "report.png"))
    errors, page_errors, seen, requests = render(run_dir / "report.html", shot)
    print(
        f"\nbrowser: {len(errors)} console errors, {len(page_errors)} page errors, {len(requests)} network requests; "
        f"sections {sum(seen.values())}/{len(seen)} present; screenshot {shot} ({shot.stat().st_size} bytes)"
    )
    assert not errors and not page_errors, (errors, page_errors)
    assert not requests, requests
    assert all(seen.values()), {k: v for k, v in seen.items() if not v}
    assert shot.stat().st_size > 10_000


def test_disagreement_view_marks_differences(run_dir: Path) -> None:
    html = (run_dir / "report.html").read_text(encoding="utf-8")
    section = html.split('<section id="disagreements">')[1].split("</section>")[0]
    import json

    n_pages = json.loads((run_dir / "run.json").read_text())["n_pages"]
    assert section.count("<details") == min(20, n_pages) > 1
    assert '<mark class="miss">' in section and '<mark class="extra">' in section
    assert "gold" in section


def test_metric_definitions_come_from_the_metric_docstrings(run_dir: Path) -> None:
    import benchmarks.metrics.aeb as aeb

    html = (run_dir / "report.html").read_text(encoding="utf-8")
    first_line = (aeb.__doc__ or "").strip().splitlines()[0]
    assert first_line.split(":")[0] in html


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium: make browser-env")
def test_entity_report_shows_labels_leaks_and_spans(tmp_path: Path) -> None:
    out = tmp_path / "run"
    res = CliRunner().invoke(
        main,
        [
            "bench",
            "run",
            "--task",
            "pipeline",
            "--systems",
            "trafilatura+capitalisation,full-text+capitalisation",
            "--split",
            "dev",
            "--jobs",
            "2",
            "--out",
            str(out),
            "--cache",
            str(tmp_path / "cache"),
            "--resamples",
            "50",
        ],
    )
    assert res.exit_code == 0, res.output
    html = (out / "report.html").read_text(encoding="utf-8")
    entities = html.split('<section id="entities">')[1].split("</section>")[0]
    for label in ("PER", "ORG", "LOC", "MISC"):
        assert f"<td>{label}</td>" in entities
    assert 'class="leak"' in entities and 'class="gold"' in entities and 'class="pred"' in entities
    errors, page_errors, seen, requests = render(out / "report.html")
    assert not errors and not page_errors and not requests
    assert seen["leaderboard"] and seen["time"] and seen["images"]
