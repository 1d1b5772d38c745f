"""The normaliser: block rules, invisibility, whitespace, NFC, encodings, determinism."""

from __future__ import annotations

import codecs
import unicodedata
from pathlib import Path

import pytest

from curation.normalise import NORMALISER_VERSION, PageError, normalise, page_id_of
from curation.verify import blocks_problem

FIXTURES = Path(__file__).parent / "fixtures" / "mozilla"


def html(body: str, head: str = "<meta charset='utf-8'><title>T</title>") -> bytes:
    return f"<!doctype html><html><head>{head}</head><body>{body}</body></html>".encode()


def test_blocks_tile_the_text_and_keep_paths():
    page = normalise(html("<h1>Title</h1><p>One <b>bold</b> word</p><ul><li>a</li><li>b</li></ul>"), "html")
    assert page.text == "Title\nOne bold word\na\nb"
    assert [b["tag"] for b in page.blocks] == ["h1", "p", "li", "li"]
    assert page.blocks[3]["path"] == "body/ul[1]/li[2]"
    assert blocks_problem(page.text, page.blocks) is None
    for block in page.blocks:
        assert "\n" not in page.text[block["start"] : block["end"]]


def test_invisible_content_is_dropped():
    body = (
        "<p>seen</p><script>var x = 'script';</script><style>p{}</style><template><p>tpl</p></template>"
        "<div hidden>hidden attr</div><div style='display: none'>inline none</div>"
        "<div style='visibility:hidden'>invisible</div><!-- a comment --><p>also seen</p>"
    )
    page = normalise(html(body), "html")
    assert page.text == "seen\nalso seen"


def test_noscript_is_visible_because_pages_render_without_scripts():
    page = normalise(html("<noscript><p>Posted by Dale</p></noscript>"), "html")
    assert page.text == "Posted by Dale"


def test_whitespace_is_folded_inside_blocks_and_br_splits():
    page = normalise(html("<p>  many\n\t spaces&nbsp;here </p><div>line one<br><br>line two</div>"), "html")
    assert page.text == "many spaces here\nline one\nline two"


def test_table_rows_and_pre_lines_are_blocks():
    page = normalise(html("<table><tr><td>a</td><td>b</td></tr><tr><th>c</th></tr></table><pre>x = 1\n  y = 2</pre>"), "html")
    assert page.text.split("\n") == ["a b", "c", "x = 1", "y = 2"]
    assert [b["tag"] for b in page.blocks] == ["tr", "tr", "pre", "pre"]


def test_text_is_nfc():
    decomposed = unicodedata.normalize("NFD", "Café Zürich")
    page = normalise(html(f"<p>{decomposed}</p>"), "html")
    assert page.text == "Café Zürich" and unicodedata.is_normalized("NFC", page.text)


def test_same_bytes_same_output():
    raw = html("<p>Déjà vu</p><p>again</p>")
    a, b = normalise(raw, "html"), normalise(raw, "html")
    assert (a.text, a.blocks, a.text_sha256) == (b.text, b.blocks, b.text_sha256)
    assert page_id_of(raw) == page_id_of(bytes(raw)) and len(page_id_of(raw)) == 16
    assert NORMALISER_VERSION


@pytest.mark.parametrize(
    ("raw", "http", "encoding", "source"),
    [
        (codecs.BOM_UTF16_LE + "<p>Grüße</p>".encode("utf-16-le"), None, "utf-16-le", "bom"),
        (b"<meta charset='windows-1252'><p>caf\xe9</p>", None, "cp1252", "meta"),
        (b"<meta charset='iso-8859-1'><p>caf\xe9</p>", None, "cp1252", "meta"),  # WHATWG: latin-1 means cp1252
        (b"<meta charset='utf-8'><p>caf\xe9</p>", "windows-1252", "cp1252", "http"),  # HTTP header wins
        ("<p>Grüße aus Köln</p>".encode(), None, "utf-8", "default"),
    ],
)
def test_encoding_order(raw, http, encoding, source):
    page = normalise(raw, "html", http_charset=http)
    assert (page.encoding, page.encoding_source) == (encoding, source)
    assert "\ufffd" not in page.text


def test_wrong_declared_charset_is_detected_and_noted():
    german = "Die Straße war voller Menschen, die im Café saßen. Müller erklärte, dass die Gebühren steigen würden. " * 3
    raw = f"<meta charset='utf-8'><p>{german}</p>".encode("cp1252")
    page = normalise(raw, "html")
    assert page.encoding_source == "detected"
    assert "Straße" in page.text and "Müller" in page.text
    assert any("contradicted" in note for note in page.notes)


def test_very_deep_nesting_does_not_crash():
    raw = ("<div>" * 10_000 + "deep text" + "</div>" * 10_000).encode()
    page = normalise(html(raw.decode()), "html")
    assert page.text == "deep text"
    assert len(page.blocks[0]["path"].split("/")) <= 50  # paths keep their last steps only


def test_nul_bytes_are_dropped_with_a_note():
    page = normalise(html("<p>a\x00b</p>"), "html")
    assert page.text == "ab"
    assert any("NUL" in note for note in page.notes)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "empty file"),
        (b"   \n", "empty file"),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 10, "PNG"),
        (bytes(range(32)) * 300, "binary content"),
    ],
)
def test_bad_pages_raise_with_a_reason(raw, reason):
    with pytest.raises(PageError, match=reason):
        normalise(raw, "html")


def test_text_dump_header_becomes_metadata():
    raw = "date 2024-06-19 International\n\nHeadline here\n\n  First   paragraph.\nMOST POPULAR\n".encode()
    page = normalise(raw, "text")
    assert (page.published, page.section, page.title) == ("2024-06-19", "International", "Headline here")
    assert page.text == "Headline here\nFirst paragraph.\nMOST POPULAR"
    assert [b["path"] for b in page.blocks] == ["line[3]", "line[5]", "line[6]"]


@pytest.mark.parametrize(
    ("case", "present", "absent"),
    [
        ("hidden-nodes", ["Secondary header", "Third header"], []),
        ("visibility-hidden", ["Foo", "Tempor incididunt"], ["Iframe fallback test", "Lorem ipsum dolor sit amet, consectetur"]),
        ("replace-brs", ["Lorem ipsum"], []),
        ("rtl-1", ["Lorem ipsum dolor sit amet."], []),
        ("005-unescape-html-entities", [], ["&amp;", "&lt;"]),
        ("comment-inside-script-parsing", [], ["<!--", "-->"]),
    ],
)
def test_mozilla_edge_cases(case, present, absent):
    raw = (FIXTURES / case / "source.html").read_bytes()
    page = normalise(raw, "html")
    assert blocks_problem(page.text, page.blocks) is None
    for phrase in present:
        assert phrase in page.text
    for phrase in absent:
        assert phrase not in page.text
    if case == "hidden-nodes":  # both hidden paragraphs are gone: only the first <p> remains
        assert [b["tag"] for b in page.blocks] == ["h1", "p", "h2", "h2"]


def test_a_snippet_only_gold_aligns_to_no_block():
    """A gold with no main text (None: snippets only) aligns to nothing instead of failing."""
    from curation.align import align_main_blocks

    text = "Hello brave new world"
    blocks = [{"start": 0, "end": len(text), "tag": "p", "path": "body/p"}]
    assert align_main_blocks(text, blocks, None) == ([], None, None)
    assert align_main_blocks(text, blocks, text)[0] == [0]
