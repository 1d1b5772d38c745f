"""HTML → blocks of visible text in document order, using the lexbor parser (selectolax).

What is invisible, and dropped with its content: <head> (its <title> becomes metadata),
script, style, template, svg, math, iframe, object, embed, canvas, select, datalist,
and any element with the ``hidden`` attribute, ``aria-hidden="true"`` on a non-visual wrapper is
kept (screen readers skip it, eyes do not), or an inline style with display:none or
visibility:hidden. Comments are not text.

What starts a block: the block-level elements in BLOCK_TAGS and <br>. Table rows are blocks
whose cells are separated by a space; inline elements (a, b, span, …) never split a block.
<pre> keeps its line breaks: each of its lines is a block.

The walk is iterative, so nesting depth is bounded by memory, not by Python's recursion limit.
Element paths are ``tag[n]`` steps from <body> (n counts same-tag siblings, 1-based), e.g.
``body/div[2]/article[1]/p[3]``; paths deeper than MAX_PATH_STEPS keep their last steps only.
"""

from __future__ import annotations

from selectolax.lexbor import LexborHTMLParser

from curation.normalise.blocks import BlockText

INVISIBLE_TAGS = [
    "head", "script", "style", "template", "svg", "math", "iframe",
    "object", "embed", "canvas", "select", "datalist", "audio", "video",
]  # fmt: skip
HIDDEN_SELECTOR = (
    "[hidden], [style*='display:none' i], [style*='display: none' i], "
    "[style*='visibility:hidden' i], [style*='visibility: hidden' i]"
)
#: One selector for all of them: one search of the tree instead of one per tag.
INVISIBLE_SELECTOR = ", ".join(INVISIBLE_TAGS)
BLOCK_TAGS = frozenset(
    """address article aside blockquote body caption center details dialog dd div dl dt fieldset
    figcaption figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr html legend li main menu nav
    ol p pre section summary table tbody thead tfoot tr ul""".split()
)
MAX_PATH_STEPS = 48


class HtmlError(ValueError):
    """The document has no parsable body."""


def title_of(tree: LexborHTMLParser) -> str | None:
    node = tree.css_first("head > title") or tree.css_first("title")
    title = node.text(deep=True).strip() if node is not None else ""
    if not title:
        og = tree.css_first("meta[property='og:title']")
        title = (og.attributes.get("content") or "").strip() if og is not None else ""
    return " ".join(title.split()) or None


def html_to_blocks(html: str, keep_hidden: bool = False) -> tuple[BlockText, LexborHTMLParser]:
    """Parse ``html`` and return its visible text as blocks, plus the parsed tree (for metadata).

    ``keep_hidden`` keeps elements hidden by attribute or inline style (not the invisible tags):
    the text a script could reveal, which the benchmark uses to tell how much of a page's gold is in
    its HTML at all. Page text in the dataset never uses it.
    """
    tree = LexborHTMLParser(html)
    body = tree.body
    if body is None:
        raise HtmlError("the document has no <body> after parsing")
    if not keep_hidden:
        for node in body.css(HIDDEN_SELECTOR):
            node.decompose()
    # body.strip_tags(INVISIBLE_TAGS) (each such element unlinked, its content with it), with one
    # search of the tree instead of one per tag. Unlinking frees nothing, so an element found inside
    # another one (a <style> in an <svg>) is still valid after its container was unlinked.
    for node in body.css(INVISIBLE_SELECTOR):
        node.decompose(recursive=False)
    out = BlockText()
    items: list[tuple[str, str, str]] = []
    _walk(body, items)
    out.extend(items)  # cleaned in one batch: the same blocks as one add() per item
    return out, tree


def _walk(body, items: list[tuple[str, str, str]]) -> None:
    """Append (raw text, tag, path) of each block of ``body``, in document order, to ``items``."""
    buffer: list[str] = []
    add = items.append
    # One frame per open element: [node, is_block, path, child tag counts, the path's "/" count].
    frames: list[list] = [[body, True, "body", {}, 0]]
    block_path = ["body"]  # path of the innermost open block element
    block_tag = ["body"]

    def flush() -> None:
        if buffer:
            add(("".join(buffer), block_tag[-1], block_path[-1]))
            buffer.clear()

    node = body.first_child
    while node is not None:
        tag = node.tag
        if tag == "-text":
            buffer.append(node.text_content or "")
        elif tag == "br":
            flush()
        elif tag == "pre":
            flush()
            path = _child_path(frames[-1], tag)
            for line in (node.text(deep=True) or "").split("\n"):
                add((line, "pre", path))
        elif tag and tag[0] != "-":  # an element (not a comment or doctype)
            is_block = tag in BLOCK_TAGS
            # _child_path, inlined (this runs for every element of every page), and only for an
            # element with children: nothing reads the path of one without. The "/" count of a
            # path is its parent's plus one (a tag name has no "/"), or MAX_PATH_STEPS once cut.
            frame = frames[-1]
            counts = frame[3]
            counts[tag] = n = counts.get(tag, 0) + 1
            if tag in ("td", "th"):
                buffer.append(" ")
            if is_block and buffer:
                flush()
            child = node.first_child
            if child is not None:
                path, slashes = f"{frame[2]}/{tag}[{n}]", frame[4] + 1
                if slashes > MAX_PATH_STEPS:
                    path, slashes = "…/" + "/".join(path.split("/")[-MAX_PATH_STEPS:]), MAX_PATH_STEPS
                frames.append([node, is_block, path, {}, slashes])
                if is_block:
                    block_path.append(path)
                    block_tag.append(tag)
                node = child
                continue
        # Climb until a next sibling exists, closing the elements we leave. (Each ``.next`` builds
        # a new node object, so it is read once per node.)
        following = node.next
        while following is None:
            if len(frames) == 1:
                flush()
                return
            closed = frames.pop()
            if closed[1]:
                if buffer:
                    flush()
                block_path.pop()
                block_tag.pop()
            following = closed[0].next
        node = following
    flush()


def _child_path(frame: list, tag: str) -> str:
    counts = frame[3]
    counts[tag] = n = counts.get(tag, 0) + 1
    path = f"{frame[2]}/{tag}[{n}]"
    if path.count("/") > MAX_PATH_STEPS:
        path = "…/" + "/".join(path.split("/")[-MAX_PATH_STEPS:])
    return path
