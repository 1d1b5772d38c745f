"""The normaliser drops invisible elements with one search of the tree: the same tree as
selectolax's ``strip_tags(INVISIBLE_TAGS)`` (one search per tag), hence the same page text."""

from __future__ import annotations

import gzip
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from selectolax.lexbor import LexborHTMLParser

from curation.normalise import html as html_module
from curation.normalise import normalise

FIXTURES = Path(__file__).parent / "fixtures"


def reference_html_to_blocks(html: str, keep_hidden: bool = False) -> tuple[html_module.BlockText, LexborHTMLParser]:
    """html_to_blocks as it was: hidden elements, then selectolax's strip_tags, then the walk."""
    tree = LexborHTMLParser(html)
    body = tree.body
    if body is None:
        raise html_module.HtmlError("the document has no <body> after parsing")
    if not keep_hidden:
        for node in body.css(html_module.HIDDEN_SELECTOR):
            node.decompose()
    body.strip_tags(html_module.INVISIBLE_TAGS)
    out = html_module.BlockText()
    items: list = []
    html_module._walk(body, items)
    out.extend(items)
    return out, tree


def assert_same(html: str) -> None:
    for keep_hidden in (False, True):
        expected, expected_tree = reference_html_to_blocks(html, keep_hidden)
        out, tree = html_module.html_to_blocks(html, keep_hidden)
        assert (out.blocks, out.text) == (expected.blocks, expected.text)
        assert tree.html == expected_tree.html


def test_same_blocks_on_fixture_pages():
    pages = [p for p in FIXTURES.rglob("*") if p.suffix in (".html", ".gz") and p.is_file()]
    assert len(pages) >= 5
    for page in pages:
        raw = gzip.decompress(page.read_bytes()) if page.suffix == ".gz" else page.read_bytes()
        html = raw.decode("utf-8", "replace")
        if LexborHTMLParser(html).body is not None:
            assert_same(html)


NESTED = ("<body><p>a</p><svg><style>s{}</style><script>x()</script><text>in svg</text></svg>"
          "<div><iframe><p>frame</p></iframe>b<template><script>t()</script><p>tpl</p></template>"
          "<object><embed><audio><video>media</video></audio></embed></object>c</div>"
          "<select><datalist><option>o</option></datalist></select><math><mi>m</mi></math>"
          "<canvas><p>fallback</p></canvas><head><title>late head</title></head>d</body>")  # fmt: skip


def test_nested_invisible_elements_are_all_dropped_with_their_content():
    assert_same(NESTED)
    out, tree = html_module.html_to_blocks(NESTED)
    for hidden in ("s{}", "x()", "in svg", "frame", "t()", "tpl", "media", "o", "m", "fallback"):
        assert hidden not in out.text.split("\n"), hidden
    assert out.text == "a\nbc\nlate headd"  # a <head> tag inside <body> is ignored by the parser, its <title> is not
    assert tree.html == reference_html_to_blocks(NESTED)[1].html  # the very same tree left


TAGS = [*html_module.INVISIBLE_TAGS, "p", "div", "span", "b"]


@st.composite
def fragments(draw, depth: int = 0) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 3))):
        if depth >= 4 or draw(st.booleans()):
            parts.append(draw(st.sampled_from(["x", " y ", "", "<!-- c -->"])))
        else:
            tag = draw(st.sampled_from(TAGS))
            parts.append(f"<{tag}>{draw(fragments(depth + 1))}</{tag}>")
    return "".join(parts)


@settings(max_examples=300, deadline=None)
@given(fragments())
def test_same_blocks_on_generated_nestings(fragment):
    assert_same(f"<html><body>{fragment}</body></html>")


def test_normalise_drops_an_svg_style_inside_a_paragraph():
    page = normalise(b"<html><body><p>kept <svg><style>p{}</style>gone</svg> too</p></body></html>", "html")
    assert page.text == "kept too"
