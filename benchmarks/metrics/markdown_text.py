"""Markdown → plain text, so that the text metrics score a Markdown system's output fairly.

A Markdown output (``trafilatura:markdown``, ``html-to-markdown``, ``markdownify``, the JS systems'
``:markdown`` variants) is rendered to HTML by markdown-it-py (CommonMark, plus GFM tables and
strikethrough; raw HTML passed through) and that HTML to text by ``html_text.extract_text``
(block elements on their own lines, inline markup and tags dropped): ``**bold**`` → ``bold``,
``# Title`` → ``Title``, ``[text](url)`` → ``text``, a table → its cells' text, code blocks kept
verbatim. The AEB, bag-of-words, snippet, block and ROUGE-LSum metrics score that text; ROUGE-N
(``benchmarks.metrics.rouge_n``) scores the Markdown as is.
"""

from __future__ import annotations

import functools


@functools.lru_cache(maxsize=1)
def _renderer():
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])


@functools.lru_cache(maxsize=256)  # scoring renders each output once per metric pass
def to_text(markdown: str | None) -> str:
    r"""The plain text a reader sees in the rendered Markdown, which the text metrics score.

    Parameters
    ----------
    markdown : str or None
        A system's Markdown output.

    Returns
    -------
    str
        Its text after markdown-it-py → HTML → ``html_text``: markup dropped, blocks on their own
        lines; "" for None or blank input.

    Examples
    --------
    >>> to_text("# Title\n\nSome **bold** text and a [link](https://example.com).")
    'Title\n\nSome bold text and a link.'
    >>> to_text("| a | b |\n|---|---|\n| 1 | 2 |")
    'a b\n1 2'
    """
    if not markdown or not markdown.strip():
        return ""
    import html_text

    return html_text.extract_text(_renderer().render(markdown))
