"""Boilerplate-removal systems: real extractors that run offline, plus three baselines.

Each class declares its name, the distribution that gives its version, the pagegold extra that
installs it, and ``extract(html, page) -> str``. Where AEB's repository has a ``run_<name>.py``,
the call is the same (noted per class) so that live scores compare with AEB's published table.
Baselines: ``full-text`` (the normaliser's page text: recall ≈ 1), ``empty`` (scores 0) and
``gold`` (the gold main text itself: a sanity row that must score 1).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, ClassVar

from benchmarks.systems.base import GOLD_TEXT, System, registered

# newspaper4k (and news-please) call tldextract, which fetches the public suffix list over the network
# (≈6 s per page offline, waiting on timeouts); an empty URL list makes it use its bundled snapshot.
os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")

GOLD_KEY = "gold_main_text"  # the runner puts the gold main text here for the ``gold`` baseline


def page_html(page: dict[str, Any]) -> str:
    """The page's raw bytes decoded with the codec the normaliser chose."""
    raw = page["raw"]
    if isinstance(raw, str):
        return raw
    return raw.decode(page.get("encoding") or "utf-8", errors="replace")


@dataclass(frozen=True)
class Extractor(System):
    task: ClassVar[str] = "boilerplate"
    extra: ClassVar[str | None] = "extractors"

    def run(self, page: dict[str, Any]) -> str:
        text = self.extract(page_html(page), page)
        return text or ""

    def extract(self, html: str, page: dict[str, Any]) -> str | None:
        raise NotImplementedError


@registered
@dataclass(frozen=True)
class Trafilatura(Extractor):
    name: ClassVar[str] = "trafilatura"
    package: ClassVar[str] = "trafilatura"
    modules: ClassVar[tuple[str, ...]] = ("trafilatura",)
    description: ClassVar[str] = "trafilatura.extract, defaults (AEB run_trafilatura.py)"

    def extract(self, html, page):
        import trafilatura

        return trafilatura.extract(html, include_comments=False, **self.options)


@registered
@dataclass(frozen=True)
class TrafilaturaPrecision(Trafilatura):
    name: ClassVar[str] = "trafilatura-precision"
    description: ClassVar[str] = "trafilatura.extract(favor_precision=True)"

    def extract(self, html, page):
        import trafilatura

        return trafilatura.extract(html, include_comments=False, favor_precision=True)


@registered
@dataclass(frozen=True)
class TrafilaturaBaseline(Trafilatura):
    name: ClassVar[str] = "trafilatura-baseline"
    description: ClassVar[str] = "trafilatura.baseline (fast heuristic)"

    def extract(self, html, page):
        import trafilatura

        return trafilatura.baseline(html)[1]


@registered
@dataclass(frozen=True)
class Readability(Extractor):
    name: ClassVar[str] = "readability"
    package: ClassVar[str] = "readability-lxml"
    modules: ClassVar[tuple[str, ...]] = ("readability.readability", "html_text", "lxml_html_clean")
    description: ClassVar[str] = "readability-lxml Document.summary(html_partial=True) → html_text (AEB run_readability.py)"

    def extract(self, html, page):
        import html_text
        from readability.readability import Document

        return html_text.extract_text(Document(html).summary(html_partial=True))


@registered
@dataclass(frozen=True)
class JusText(Extractor):
    name: ClassVar[str] = "justext"
    package: ClassVar[str] = "justext"
    modules: ClassVar[tuple[str, ...]] = ("justext",)
    description: ClassVar[str] = "jusText, English stoplist, AEB's parameters (AEB run_justext.py)"

    def extract(self, html, page):
        import justext

        paragraphs = justext.justext(html, justext.get_stoplist("English"), 50, 200, 0.1, 0.2, 0.2, 200, True)
        return " ".join(p.text for p in paragraphs if not p.is_boilerplate)


@registered
@dataclass(frozen=True)
class BoilerPy3(Extractor):
    name: ClassVar[str] = "boilerpy3"
    package: ClassVar[str] = "boilerpy3"
    modules: ClassVar[tuple[str, ...]] = ("boilerpy3",)
    description: ClassVar[str] = "boilerpy3 ArticleExtractor (boilerpipe port)"

    def extract(self, html, page):
        from boilerpy3 import extractors

        return extractors.ArticleExtractor(raise_on_failure=False).get_content(html)


@registered
@dataclass(frozen=True)
class Resiliparse(Extractor):
    name: ClassVar[str] = "resiliparse"
    package: ClassVar[str] = "resiliparse"
    modules: ClassVar[tuple[str, ...]] = ("resiliparse.extract.html2text",)
    description: ClassVar[str] = "resiliparse extract_plain_text(main_content=True)"

    def extract(self, html, page):
        from resiliparse.extract.html2text import extract_plain_text
        from resiliparse.parse.html import HTMLTree

        return extract_plain_text(HTMLTree.parse(html), main_content=True)


@registered
@dataclass(frozen=True)
class Goose3(Extractor):
    name: ClassVar[str] = "goose3"
    package: ClassVar[str] = "goose3"
    modules: ClassVar[tuple[str, ...]] = ("goose3",)
    description: ClassVar[str] = "goose3 Goose().extract(raw_html).cleaned_text, no image fetching (AEB run_goose3.py)"

    def extract(self, html, page):
        from goose3 import Goose

        with Goose({"enable_image_fetching": False}) as g:
            return g.extract(raw_html=html).cleaned_text


@registered
@dataclass(frozen=True)
class Newspaper(Extractor):
    name: ClassVar[str] = "newspaper4k"
    package: ClassVar[str] = "newspaper4k"
    modules: ClassVar[tuple[str, ...]] = ("newspaper",)
    description: ClassVar[str] = "newspaper4k article(url, input_html).parse().text, never .nlp() (AEB run_newspaper.py)"

    def extract(self, html, page):
        import newspaper

        # fetch_images=False: the top-image check downloads images (text is unaffected)
        article = newspaper.article(page.get("url") or "http://localhost/", input_html=html, fetch_images=False)
        article.parse()
        return article.text


@registered
@dataclass(frozen=True)
class NewsPlease(Extractor):
    name: ClassVar[str] = "news-please"
    package: ClassVar[str] = "news-please"
    extra: ClassVar[str | None] = "newsplease"
    modules: ClassVar[tuple[str, ...]] = ("newsplease",)
    description: ClassVar[str] = "news-please NewsPlease.from_html(html, url).maintext"

    def extract(self, html, page):
        from newsplease import NewsPlease as NP

        article = NP.from_html(html, url=page.get("url"), fetch_images=False)
        return article.maintext if article is not None else None


@registered
@dataclass(frozen=True)
class Inscriptis(Extractor):
    name: ClassVar[str] = "inscriptis"
    package: ClassVar[str] = "inscriptis"
    modules: ClassVar[tuple[str, ...]] = ("inscriptis",)
    description: ClassVar[str] = "inscriptis get_text: full page text, layout-aware (AEB run_inscriptis.py)"

    def extract(self, html, page):
        from inscriptis import get_text

        return get_text(html)


@registered
@dataclass(frozen=True)
class HtmlText(Extractor):
    name: ClassVar[str] = "html-text"
    package: ClassVar[str] = "html-text"
    modules: ClassVar[tuple[str, ...]] = ("html_text",)
    description: ClassVar[str] = "html_text.extract_text: full page text (AEB run_html_text.py)"

    def extract(self, html, page):
        import html_text

        return html_text.extract_text(html)


@registered
@dataclass(frozen=True)
class Html2Text(Extractor):
    name: ClassVar[str] = "html2text"
    package: ClassVar[str] = "html2text"
    modules: ClassVar[tuple[str, ...]] = ("html2text",)
    description: ClassVar[str] = "html2text HTML2Text(ignore_links, ignore_images): full page as Markdown (AEB run_html2text.py)"

    def extract(self, html, page):
        from html2text import HTML2Text

        h = HTML2Text()
        h.ignore_links = True
        h.ignore_images = True
        return h.handle(html)


@registered
@dataclass(frozen=True)
class FullText(System):
    name: ClassVar[str] = "full-text"
    task: ClassVar[str] = "boilerplate"
    description: ClassVar[str] = "baseline: the normaliser's whole page text (recall ≈ 1)"
    needs: ClassVar[frozenset[str]] = frozenset()
    cacheable: ClassVar[bool] = False

    def run(self, page):
        return page["text"]


@registered
@dataclass(frozen=True)
class Empty(System):
    name: ClassVar[str] = "empty"
    task: ClassVar[str] = "boilerplate"
    description: ClassVar[str] = "baseline: no output (scores 0)"
    needs: ClassVar[frozenset[str]] = frozenset()
    cacheable: ClassVar[bool] = False

    def run(self, page):
        return ""


@registered
@dataclass(frozen=True)
class Gold(System):
    name: ClassVar[str] = "gold"
    task: ClassVar[str] = "boilerplate"
    description: ClassVar[str] = "sanity baseline: the gold main text itself (must score 1)"
    needs: ClassVar[frozenset[str]] = frozenset({GOLD_TEXT})
    cacheable: ClassVar[bool] = False

    def run(self, page):
        if GOLD_KEY not in page:
            raise ValueError("the gold baseline needs the page's gold main text (the runner provides it)")
        return page[GOLD_KEY]
