"""Extractors with Markdown output (WebMainBench scores extractors in Markdown mode).

A system whose ``output_format`` is ``"markdown"`` returns Markdown; the boilerplate task scores
that Markdown rendered to plain text with the text metrics (``benchmarks.metrics.markdown_text``)
and as is with ROUGE-N (``benchmarks.metrics.rouge_n``). Here the Python ones:

* ``trafilatura:markdown`` — ``trafilatura.extract(html, output_format="markdown")``: main content;
* ``html-to-markdown`` — ``html_to_markdown.convert(html, extract_metadata=False).content``: the
  whole page (a baseline);
* ``markdownify`` — ``markdownify.markdownify(html, heading_style="ATX")`` after dropping script,
  style, noscript and template elements (selectolax): the whole page (a baseline).

The JavaScript ones are the ``:markdown`` variants in ``benchmarks.systems.js_extractors``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from benchmarks.systems.base import register
from benchmarks.systems.boilerplate import Extractor, Trafilatura


@dataclass(frozen=True)
class TrafilaturaMarkdown(Trafilatura):
    name: ClassVar[str] = "trafilatura:markdown"
    output_format: ClassVar[str] = "markdown"
    description: ClassVar[str] = 'trafilatura.extract(output_format="markdown")'

    def extract(self, html, page):
        import trafilatura

        return trafilatura.extract(html, include_comments=False, output_format="markdown")


@dataclass(frozen=True)
class HtmlToMarkdown(Extractor):
    name: ClassVar[str] = "html-to-markdown"
    package: ClassVar[str] = "html-to-markdown"
    modules: ClassVar[tuple[str, ...]] = ("html_to_markdown",)
    output_format: ClassVar[str] = "markdown"
    description: ClassVar[str] = "html_to_markdown.convert: full page as Markdown (baseline)"

    def extract(self, html, page):
        import html_to_markdown

        # extract_metadata off: the page's <meta> tags would come first as YAML front matter
        return html_to_markdown.convert(html, html_to_markdown.ConversionOptions(extract_metadata=False)).content


@dataclass(frozen=True)
class Markdownify(Extractor):
    name: ClassVar[str] = "markdownify"
    package: ClassVar[str] = "markdownify"
    modules: ClassVar[tuple[str, ...]] = ("markdownify",)
    output_format: ClassVar[str] = "markdown"
    description: ClassVar[str] = (
        "markdownify(heading_style=ATX), scripts/styles dropped: full page as Markdown (baseline)"
    )

    def extract(self, html, page):
        from markdownify import markdownify
        from selectolax.lexbor import LexborHTMLParser

        tree = LexborHTMLParser(html)
        tree.strip_tags(["script", "style", "noscript", "template"])  # markdownify would keep their text
        return markdownify(tree.html or "", heading_style="ATX")


for _cls in (TrafilaturaMarkdown, HtmlToMarkdown, Markdownify):
    register(_cls())
