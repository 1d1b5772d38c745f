"""A second annotator in a real browser: Debian's Chromium driven by Playwright against the real
Label Studio server this module starts (and stops by its PID).

The annotator gets a login from `pagegold annotate user add`, opens a pushed task, labels one
entity by hotkey (press the key, then drag), one by clicking the label then dragging, fixes a
zone with a click and a hotkey, submits; `pull` must then stage exactly those spans and zones.
It also checks what selecting text FIRST and then pressing a hotkey does in Label Studio 1.23:
the hotkey only activates the label (no region is made from the earlier selection), and, with
zones and entities on separate <Text> views, it can never add an entity label to a zone. With
the old one-<Text> config this test fails: the hotkey labels the whole zone region.

Screenshots for docs/contributing_annotations.md go to $PAGEGOLD_SCREENSHOTS_DIR (e.g.
docs/img) when set, else to a temporary folder; each is checked to stay under 200 KB.
Needs /usr/bin/chromium (`make browser-env`) and the `browser` extra (playwright); a missing one
fails the test with the command to run, it is never skipped.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

try:
    from conftest_labelstudio import find, isolated_env, make_release, running_server
except ImportError:  # tests/ turned into a package (or --import-mode=importlib)
    from tests.conftest_labelstudio import find, isolated_env, make_release, running_server
from curation.labelstudio import server
from curation.labelstudio.pull import pull
from curation.labelstudio.push import push

pytestmark = pytest.mark.labelstudio

CHROMIUM = os.environ.get("PAGEGOLD_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ANNOTATOR = "second@pagegold.local"
LINES = [
    "Home World Sport Weather",
    "Putin and Kim sign pact in Pyongyang",
    "Russian President Vladimir Putin met Kim Jong Un in Pyongyang on Wednesday.",
    "The Kremlin said the pact covers mutual defence.",
    "The pact was signed at the Kumsusan Palace.",
    "Trending Stories",
    "Taylor Swift adds Zürich date",
]
# AEB-style source gold: the body only (no headline) and one body line missed (index 4).
SOURCE_MAIN = [2, 3]
TITLE = "Putin and Kim sign pact in Pyongyang | World News"

# The range of the n-th occurrence of a string inside the idx-th Text view (0 zones, 1 entities).
RECT_JS = """([idx, needle, nth]) => {
  const roots = document.querySelectorAll('.lsf-richtext__container');
  const root = roots[idx < 0 ? roots.length + idx : idx];
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  let node, seen = 0;
  while ((node = walker.nextNode())) {
    for (let i = node.data.indexOf(needle); i >= 0; i = node.data.indexOf(needle, i + 1)) {
      if (seen++ !== nth) continue;
      node.parentElement.scrollIntoView({block: 'center'});  // as a user scrolls to the line
      const r = document.createRange();
      r.setStart(node, i); r.setEnd(node, i + 1); const a = r.getBoundingClientRect();
      r.setStart(node, i + needle.length - 1); r.setEnd(node, i + needle.length); const b = r.getBoundingClientRect();
      return [a.left + 1, (a.top + a.bottom) / 2, b.right - 1, (b.top + b.bottom) / 2];
    }
  }
  return null;
}"""
ZONES_VIEW, ENTITY_VIEW = 0, -1  # with the old one-<Text> config both are the same view
WORK_AREA = {"x": 240, "y": 90, "width": 720, "height": 440}  # the two views and their labels


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"{CHROMIUM} is missing: run `make browser-env` (installs Debian's chromium)")
    try:
        import playwright  # noqa: F401
    except ImportError:
        pytest.fail("playwright is missing: pip install -e '.[browser]' (never `playwright install`)")
    root = tmp_path_factory.mktemp("lsb")
    mp = isolated_env(root)
    long_page = [f"Paragraph {i} of a long article about Pyongyang and Moscow." for i in range(150)]
    rows = make_release(root / "data", pages={"p-pact": LINES, "p-long": long_page},
                        main_blocks={"p-pact": SOURCE_MAIN, "p-long": list(range(150))}, titles={"p-pact": TITLE})
    shots = Path(os.environ.get("PAGEGOLD_SCREENSHOTS_DIR") or root / "shots")
    shots.mkdir(parents=True, exist_ok=True)
    yield {"root": root, "page": rows[0], "long": rows[1], "shots": shots}
    mp.undo()


@pytest.fixture(scope="module")
def ls(env):
    yield from running_server(env["root"])


def _drag(page, view, needle, nth=0):
    box = page.evaluate(RECT_JS, [view, needle, nth])
    assert box, f"{needle!r} not found in view {view}"
    x0, y0, x1, y1 = box
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move((x0 + x1) / 2, (y0 + y1) / 2, steps=4)
    page.mouse.move(x1, y1, steps=4)
    page.mouse.up()
    page.wait_for_timeout(300)


def _entity_regions(page):
    """Region rows of the sidebar outliner: (label, text)."""
    items = page.locator(".lsf-outliner-item")
    out = []
    for i in range(items.count()):
        label = items.nth(i).locator(".lsf-labels-list").first.inner_text().strip()
        text = items.nth(i).locator(".lsf-outliner-item__text").first.inner_text().strip()
        out.append((label, text))
    return out


def _shot(page, env, name, clip=None):
    path = env["shots"] / name
    page.screenshot(path=str(path), clip=clip)
    size = path.stat().st_size
    assert size < 200_000, f"{path} is {size} bytes"
    return path


def test_second_annotator_labels_a_task_in_the_browser(ls, env):
    from playwright.sync_api import sync_playwright

    sdk, conn, state = ls
    report = push(sdk, conn, "browser-round", ids=["p-pact"])
    assert report.headline_blocks_added == 1  # the headline the source gold left out
    task_id = next(t.id for t in sdk.tasks.list(project=report.project_id))
    password, created = server.add_user(ANNOTATOR)
    assert created

    text = env["page"]["text"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 720})
            page.goto(state.url + "/user/login/")
            page.fill("input[name=email]", ANNOTATOR)
            page.fill("input[name=password]", password)
            _shot(page, env, "01-login.png", clip={"x": 720, "y": 180, "width": 480, "height": 390})
            page.click("button[type=submit]")
            page.wait_for_url(lambda url: "/user/login" not in url)
            page.goto(f"{state.url}/projects/{report.project_id}/data")
            page.wait_for_selector("text=Label All Tasks")
            _shot(page, env, "02-project.png")
            page.goto(f"{state.url}/projects/{report.project_id}/data?task={task_id}")
            page.wait_for_selector(".lsf-richtext__container")
            page.wait_for_timeout(1500)
            _shot(page, env, "03-task.png")
            zones_before = _entity_regions(page)
            assert len(zones_before) == len(LINES)  # one pre-labelled zone per line, no entity yet

            # Select first, then press a hotkey: Label Studio only activates the label (PER) ...
            _drag(page, ENTITY_VIEW, "Kim Jong Un")
            page.keyboard.press("p")
            page.wait_for_timeout(300)
            assert _entity_regions(page) == zones_before, "select-then-hotkey changed a region"
            per_class = page.locator(".lsf-label", has_text="PER").first.get_attribute("class") or ""
            assert "lsf-label_selected" in per_class
            # ... and the next drag makes the PER span: the hotkey path is "press the key, then drag".
            page.locator("text=Page p-pact").click()  # a click outside the text drops the old selection
            _drag(page, ENTITY_VIEW, "Kim Jong Un")
            page.keyboard.press("l")
            _drag(page, ENTITY_VIEW, "Pyongyang", nth=1)
            _shot(page, env, "04-hotkey.png", clip=WORK_AREA)
            # Click the label, then drag.
            page.locator(".lsf-label", has_text="ORG").first.click()
            _drag(page, ENTITY_VIEW, "Kremlin")
            # Fix a zone: click the line in the zones view, press m.
            x0, y0, *_ = page.evaluate(RECT_JS, [ZONES_VIEW, "Kumsusan", 0])
            page.mouse.click(x0 + 3, y0)
            page.keyboard.press("m")
            page.wait_for_timeout(300)
            _shot(page, env, "05-zone-fix.png", clip=WORK_AREA)
            page.keyboard.press("Escape")
            page.locator("button", has_text="Submit").first.click()
            page.wait_for_timeout(2000)
            _shot(page, env, "06-submitted.png")
        finally:
            browser.close()

    pulled = pull(sdk, conn, "browser-round")
    assert (pulled.annotations, pulled.valid, pulled.invalid) == (1, 1, [])
    from curation.labelstudio import staging
    row = staging.read("annotations", pulled.staged).to_pylist()[0]
    assert row["annotator"] == ANNOTATOR
    want = [("Kim Jong Un", "PER"), ("Pyongyang", "LOC"), ("Kremlin", "ORG")]
    body = text.index(LINES[2])
    expect = []
    for name, label in want:
        s = text.index(name, body)
        expect.append((s, s + len(name), label, name))
    assert sorted((e["start"], e["end"], e["label"], e["text"]) for e in row["entities"]) == sorted(expect)
    assert [(z["text"], z["label"]) for z in row["zones"]] == [
        (LINES[0], "BOILERPLATE"), (LINES[1], "MAIN"), (LINES[2], "MAIN"), (LINES[3], "MAIN"),
        (LINES[4], "MAIN"), (LINES[5], "BOILERPLATE"), (LINES[6], "BOILERPLATE")]
    assert find(text, "Kumsusan")  # the fixed line is in the text the zone spans point at
    if os.environ.get("PAGEGOLD_SCREENSHOTS_DIR"):
        assert sorted(p.name for p in env["shots"].iterdir()) >= ["01-login.png"]
    shutil.rmtree(env["root"] / "home", ignore_errors=True)


def _login(page, url, email, password):
    page.goto(url + "/user/login/")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(lambda u: "/user/login" not in u)


def test_label_controls_stay_in_view_on_a_long_page(ls, env):
    """150 lines: scroll the entity view to its end; the labels are still on screen and work."""
    from playwright.sync_api import sync_playwright

    sdk, conn, state = ls
    report = push(sdk, conn, "browser-long", ids=["p-long"])
    task_id = next(t.id for t in sdk.tasks.list(project=report.project_id))
    password, _ = server.add_user("long@pagegold.local")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 720})
            _login(page, state.url, "long@pagegold.local", password)
            page.goto(f"{state.url}/projects/{report.project_id}/data?task={task_id}")
            page.wait_for_selector(".lsf-richtext__container")
            page.wait_for_timeout(1500)
            page.evaluate("""() => { for (const c of document.querySelectorAll('.lsf-richtext__container')) {
                let el = c; while (el && getComputedStyle(el).overflowY !== 'auto') el = el.parentElement;
                if (el) el.scrollTop = el.scrollHeight; } }""")
            page.wait_for_timeout(300)
            for name in ("MAIN", "LOC"):
                box = page.locator(".lsf-label", has_text=name).first.bounding_box()
                assert box and 0 <= box["y"] and box["y"] + box["height"] <= 720, f"{name} label out of view: {box}"
            scroll_js = """() => { const c = [...document.querySelectorAll('.lsf-richtext__container')].at(-1);
                let el = c; while (getComputedStyle(el).overflowY !== 'auto') el = el.parentElement;
                return [el.scrollTop, document.scrollingElement.scrollTop]; }"""
            before = page.evaluate(scroll_js)
            assert before[0] > 1000  # scrolled to the end of 150 lines
            page.locator(".lsf-label", has_text="LOC").first.click()  # clicking a label does not jump to the top
            assert page.evaluate(scroll_js) == before
            _drag(page, ENTITY_VIEW, "Moscow", nth=149)
            for name in ("MAIN", "LOC"):  # still on screen with the last line in view
                box = page.locator(".lsf-label", has_text=name).first.bounding_box()
                assert box and 0 <= box["y"] and box["y"] + box["height"] <= 720, f"{name} label out of view: {box}"
            _shot(page, env, "07-long-page.png", clip={"x": 240, "y": 90, "width": 720, "height": 630})
            page.locator("button", has_text="Submit").first.click()
            page.wait_for_timeout(2000)
        finally:
            browser.close()
    pulled = pull(sdk, conn, "browser-long")
    assert (pulled.valid, pulled.invalid) == (1, [])
    from curation.labelstudio import staging
    row = next(r for r in staging.read("annotations", pulled.staged).to_pylist() if r["project"] == "browser-long")
    text = env["long"]["text"]
    last = text.rindex("Moscow")
    assert [(e["start"], e["end"], e["label"]) for e in row["entities"]] == [(last, last + 6, "LOC")]


def test_pull_refuses_hand_crafted_non_entities_and_stages_nothing(ls, env):
    """A zone-sized entity, one region with both label kinds, a multi-line entity: each refused."""
    from curation.labelstudio import config, staging
    from curation.labelstudio.adjudicate import adjudicate
    from curation.labelstudio.spans import region

    sdk, conn, _ = ls
    report = push(sdk, conn, "hand-crafted", ids=["p-pact"], zone_prelabels=False)
    task_id = next(t.id for t in sdk.tasks.list(project=report.project_id))
    text = env["page"]["text"]
    body = find(text, LINES[3])
    zone = region(config.ZONES, *body, "MAIN", text, "z1")
    crafted = {
        "zone-sized": [zone, region(config.ENTITIES, *body, "ORG", text, "e1")],
        "both-labels": [zone, {**region(config.ENTITIES, *body, "ORG", text, "z1")}],
        "multi-line": [zone, region(config.ENTITIES, *find(text, "Wednesday.\nThe Kremlin"), "ORG", text, "e2")],
    }
    ids = {}
    for name, result in crafted.items():
        ids[sdk.annotations.create(id=task_id, result=result).id] = name
    pulled = pull(sdk, conn, "hand-crafted")
    reasons = {ids[a]: r for a, _, r in pulled.invalid}
    print("\n".join(f"{k}: {v}" for k, v in sorted(reasons.items())))  # quoted in the report (pytest -s)
    assert pulled.valid == 0 and set(reasons) == set(crafted)
    assert any("covers the whole MAIN zone" in r for r in reasons["zone-sized"])
    assert any("carries a zone label ['MAIN'] and an entity label ['ORG']" in r for r in reasons["both-labels"])
    assert any("spans a block boundary (newline)" in r for r in reasons["multi-line"])
    rows = [r for r in staging.read("annotations", pulled.staged).to_pylist() if r["project"] == "hand-crafted"]
    assert len(rows) == 3 and all(not r["valid"] and r["zones"] == [] and r["entities"] == [] for r in rows)
    gold = adjudicate(project="hand-crafted")
    assert (gold.pages, gold.entity_gold, gold.zone_gold) == (0, 0, 0)
