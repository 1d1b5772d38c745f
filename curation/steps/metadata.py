"""Step: language, domain and publication date.

- language: py3langid on the first 3,000 characters of the text (ISO 639-1).
- domain: the registered domain of the URL (tldextract with its bundled public-suffix list,
  no network), e.g. ``news.bbc.co.uk`` → ``bbc.co.uk``; else the source's own domain field.
- published: htmldate's fast search (meta tags, structured data, URL) as YYYY-MM-DD, for
  HTML pages; text dumps take it from their header line (see normalise.textdump).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable, Iterator

from curation.pipeline import Context, Record

logging.getLogger("htmldate").setLevel(logging.ERROR)


@functools.cache
def _tld_extractor():
    import tldextract

    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def domain_of(url: str | None) -> str | None:
    if not url:
        return None
    parts = _tld_extractor()(url)
    domain = parts.top_domain_under_public_suffix if hasattr(parts, "top_domain_under_public_suffix") else parts.registered_domain
    return domain.lower() or None


#: Characters of the text the language is identified from (enough for a news page; a longer
#: prefix only costs time). `python benchmarks/perf/ingest_speed.py --langid-prefix` measures
#: how shorter prefixes agree with it on the shipped releases.
LANGUAGE_PREFIX = 3000


def language_of(text: str) -> str | None:
    """py3langid's language of the text's first LANGUAGE_PREFIX characters (None: no letter there).
    ``curation.langid`` computes py3langid's answer faster, never a different one."""
    from curation import langid

    prefix = text[:LANGUAGE_PREFIX]
    if not any(ch.isalpha() for ch in prefix):
        return None
    return langid.classify(prefix)


def published_of(html: str) -> str | None:
    from htmldate import find_date

    try:
        return find_date(html, extensive_search=False, original_date=True, outputformat="%Y-%m-%d")
    except Exception:
        return None


def add_metadata(records: Iterable[Record], ctx: Context) -> Iterator[Record]:
    for record in records:
        record["language"] = language_of(record["text"])
        record["domain"] = domain_of(record.get("url")) or record.get("domain_hint")
        html = record.pop("html", None)
        if html is not None and record.get("published") is None:
            record["published"] = published_of(html)
        yield record
