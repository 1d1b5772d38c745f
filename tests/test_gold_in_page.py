"""How much of the gold is in a page's HTML: hidden text counts, script-loaded text does not."""

from __future__ import annotations

from benchmarks import gold_in_page
from curation import dataset
from curation.normalise import normalise

STORY = "The council approved the new bridge on Tuesday after a long debate about costs and traffic."


def _page(html: str) -> dict:
    raw = html.encode()
    n = normalise(raw, "html")
    return {"raw": raw, "raw_format": "html", "encoding": n.encoding, "text": n.text}


def test_hidden_content_is_in_the_page_but_not_in_its_visible_text():
    # React streaming: the story arrives in a hidden div that a script moves into place
    page = _page(f"<html><body><h1>News</h1><template id='B:0'></template><div hidden id='S:0'><p>{STORY}</p></div>"
                 "<script>$RC('B:0','S:0')</script></body></html>")
    assert "council" not in page["text"]
    assert gold_in_page.coverage(page, STORY) == 1.0
    assert gold_in_page.bucket(gold_in_page.coverage(page, STORY)) == "complete"


def test_script_loaded_content_is_missing_and_scripts_do_not_count():
    shell = _page(f"<html><body><nav>Home Latest</nav><script>window.posts = {{body: '{STORY}'}}</script></body></html>")
    assert gold_in_page.coverage(shell, STORY) == 0.0
    assert gold_in_page.bucket(0.0) == "missing"
    half = _page(f"<html><body><p>{STORY[:47]}</p></body></html>")
    assert gold_in_page.bucket(gold_in_page.coverage(half, STORY)) == "partial"


def test_text_dumps_and_empty_gold():
    page = {"raw": STORY.encode(), "raw_format": "text", "encoding": "utf-8", "text": STORY}
    assert gold_in_page.coverage(page, STORY) == 1.0
    assert gold_in_page.coverage(page, "  ") is None
    assert gold_in_page.bucket(None) == "no gold text"


def test_a_shipped_forum_shell_is_missing_its_gold():
    # forum.astronomy.com (WCXB): the saved HTML is Discourse's shell; the posts load by script
    pid = "2ee4199ae86ff12a"
    page = next(dataset.iter_pages("1.0.0", ids=[pid], columns=["page_id", "raw", "raw_format", "encoding", "text"]))
    gold = dataset.boilerplate_gold_by_page("1.0.0", prefer="source")[pid]["main_text"]
    assert len(gold) > 1000
    assert gold_in_page.bucket(gold_in_page.coverage(page, gold)) == "missing"
