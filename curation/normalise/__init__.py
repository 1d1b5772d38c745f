"""Normalisation: raw page bytes → ``text`` + ``blocks`` + metadata, deterministically.

``normalise`` is the only entry point. Its output depends only on the raw bytes, the format and
the declared HTTP charset, and on NORMALISER_VERSION: bump the version whenever a rule changes,
since every span in the dataset refers to offsets that these rules produce.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from curation.normalise.blocks import BlockText
from curation.normalise.encoding import Decoded, EncodingError, decode
from curation.normalise.html import HtmlError, html_to_blocks, title_of
from curation.normalise.textdump import text_to_blocks

NORMALISER_VERSION = "2.0.0"
#: Pages larger than this are rejected: no news page is this big, and parsing one costs seconds.
MAX_RAW_BYTES = 20 * 1024 * 1024
#: Share of control bytes in the first 8 KiB above which a file is taken for binary, not text.
BINARY_CONTROL_SHARE = 0.10
#: The bytes counted for that share: 0–8 and 14–31 (9–13, tab to carriage return, are text).
CONTROL_BYTES = bytes(b for b in range(32) if b < 9 or 13 < b)


class PageError(ValueError):
    """A page that cannot be normalised; the message is the quarantine reason."""


@dataclass(frozen=True)
class Normalised:
    text: str
    blocks: list[dict]
    text_sha256: str
    encoding: str
    encoding_source: str
    title: str | None
    published: str | None
    section: str | None
    notes: tuple[str, ...]
    html: str | None = None  # the decoded HTML, for metadata steps; never stored


def page_id_of(raw: bytes) -> str:
    """Stable id of a page: the first 16 hex digits of sha256 over its raw bytes."""
    return hashlib.sha256(raw).hexdigest()[:16]


def looks_binary(raw: bytes) -> str | None:
    """A reason if ``raw`` looks like a binary file rather than text, else None."""
    head = raw[:8192]
    for magic, kind in ((b"\x89PNG", "PNG image"), (b"%PDF", "PDF document"), (b"PK\x03\x04", "ZIP archive"),
                        (b"\xff\xd8\xff", "JPEG image"), (b"GIF8", "GIF image"), (b"\x1f\x8b", "gzip data")):  # fmt: skip
        if head.startswith(magic):
            return f"binary content ({kind}), not HTML or text"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None  # UTF-16 with a BOM has many NUL bytes and is text
    controls = len(head) - len(head.translate(None, CONTROL_BYTES))  # counted in C, not byte by byte
    if head and controls / len(head) > BINARY_CONTROL_SHARE:
        return f"binary content ({controls} control bytes in the first {len(head)}), not HTML or text"
    return None


def normalise(raw: bytes, raw_format: str, http_charset: str | None = None) -> Normalised:
    """Normalise one page. Raises PageError with a human-readable reason when it cannot."""
    if not raw.strip():
        raise PageError("empty file")
    if len(raw) > MAX_RAW_BYTES:
        raise PageError(f"page is {len(raw) / 2**20:.1f} MiB, over the {MAX_RAW_BYTES // 2**20} MiB limit")
    if (reason := looks_binary(raw)) is not None:
        raise PageError(reason)
    try:
        decoded: Decoded = decode(raw, is_html=raw_format == "html", declared_http=http_charset)
    except EncodingError as exc:
        raise PageError(str(exc)) from exc
    notes = [decoded.note] if decoded.note else []
    if "\x00" in decoded.text:
        notes.append(f"{decoded.text.count(chr(0))} NUL characters dropped")

    title = published = section = None
    if raw_format == "html":
        try:
            out, tree = html_to_blocks(decoded.text)
        except HtmlError as exc:
            raise PageError(str(exc)) from exc
        title = title_of(tree)
    elif raw_format == "text":
        out, meta = text_to_blocks(decoded.text)
        published, section = meta["published"], meta["section"]
        title = out.parts[0] if out.parts else None
    else:
        raise PageError(f"unknown raw format {raw_format!r} (expected html or text)")
    if not out.parts:
        # Kept, not rejected: the page is real, it just shows nothing without JavaScript.
        notes.append("no visible text after normalisation (content may need JavaScript)")
    text = out.text
    return Normalised(
        text=text,
        blocks=out.blocks,
        text_sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        encoding=decoded.encoding,
        encoding_source=decoded.source,
        title=title,
        published=published,
        section=section,
        notes=tuple(notes),
        html=decoded.text if raw_format == "html" else None,
    )


__all__ = ["NORMALISER_VERSION", "Normalised", "PageError", "normalise", "page_id_of", "BlockText"]
