"""Choosing the codec for a page's raw bytes.

Order (the WHATWG encoding sniffing order, simplified):
1. a byte-order mark (UTF-8, UTF-16 LE/BE);
2. the charset of the HTTP Content-Type header (WARC records);
3. a ``<meta charset>`` or ``<meta http-equiv=Content-Type>`` in the first 4 KiB (HTML only);
4. charset-normalizer's detection;
5. UTF-8.
A declared charset (2 or 3) is checked: when the bytes are not valid in it, detection decides,
and the page keeps a note of the mismatch. Pages that decode in nothing are rejected.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

import charset_normalizer

BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_:.+-]+)""", re.IGNORECASE)
#: Share of undecodable bytes above which a page is rejected rather than decoded with U+FFFD.
MAX_INVALID_SHARE = 0.01


class EncodingError(ValueError):
    """The bytes cannot be decoded as text."""


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str  # Python codec name
    source: str  # bom | http | meta | detected | default
    note: str | None = None  # e.g. a declared charset that the bytes contradict


def codec_name(label: str | None) -> str | None:
    """Python's canonical codec name for a charset label, or None when unknown.

    HTML treats ISO-8859-1 and ASCII labels as windows-1252 (WHATWG Encoding Standard); so do we.
    """
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip().strip("\"'").lower()).name
    except LookupError:
        return None
    return "cp1252" if name in ("latin-1", "iso8859-1", "ascii") else name


def http_charset(content_type: str | None) -> str | None:
    """The ``charset=`` parameter of a Content-Type header value."""
    if not content_type:
        return None
    match = re.search(r"charset\s*=\s*[\"']?([^\s;\"']+)", content_type, re.IGNORECASE)
    return match.group(1) if match else None


def decode(raw: bytes, is_html: bool = True, declared_http: str | None = None) -> Decoded:
    """Decode ``raw`` following the order in the module docstring."""
    for bom, name in BOMS:
        if raw.startswith(bom):
            return Decoded(raw[len(bom) :].decode(name, errors="replace"), name, "bom")

    declared: list[tuple[str, str]] = []
    if (name := codec_name(declared_http)) is not None:
        declared.append((name, "http"))
    if is_html and (match := META_CHARSET.search(raw[:4096])):
        if (name := codec_name(match.group(1).decode("ascii", "ignore"))) is not None:
            declared.append((name, "meta"))

    note = None
    for name, source in declared:
        try:
            return Decoded(raw.decode(name), name, source)
        except UnicodeDecodeError as exc:
            note = f"declared charset {name} ({source}) is contradicted by the bytes at offset {exc.start}"
            break
        except LookupError:  # a codec that exists but cannot decode (e.g. a text-transform codec)
            continue

    try:
        return Decoded(raw.decode("utf-8"), "utf-8", "detected" if note else "default", note)
    except UnicodeDecodeError:
        pass
    best = charset_normalizer.from_bytes(raw[:200_000]).best()
    if best is not None:
        name = codec_name(best.encoding) or best.encoding
        text = raw.decode(name, errors="replace")
        if text.count("\ufffd") <= MAX_INVALID_SHARE * max(len(text), 1):
            return Decoded(text, name, "detected", note)
    # Nothing decodes cleanly: keep the declared (or UTF-8) reading only if the damage is small.
    name = declared[0][0] if declared else "utf-8"
    text = raw.decode(name, errors="replace")
    bad = text.count("\ufffd")
    if bad > MAX_INVALID_SHARE * max(len(text), 1):
        raise EncodingError(
            f"bytes are not valid {name}"
            + (f" (declared by {declared[0][1]})" if declared else "")
            + f" and no other charset fits: {bad} undecodable sequences in {len(raw)} bytes"
        )
    return Decoded(text, name, declared[0][1] if declared else "default", note or f"{bad} undecodable byte sequences replaced by U+FFFD")
