"""Choosing the codec for a page's raw bytes (normaliser 2.0.0).

Rules, in order (README, "The page model" explains why each exists):

1. **BOM** — a UTF-8 / UTF-16 byte-order mark wins over everything.
2. **Valid UTF-8 is UTF-8** — bytes that decode as UTF-8 and contain non-ASCII bytes are UTF-8,
   whatever the HTTP header or ``<meta>`` says (a note records the contradiction). A legacy codec
   almost never produces valid multi-byte UTF-8 sequences by chance, while old pages re-saved
   as UTF-8 keep their legacy ``<meta>`` label very often.
3. **Nearly valid UTF-8 stays UTF-8** — bytes declared UTF-8 (or declaring nothing) whose invalid
   sequences are fewer than ``MAX_INVALID_UTF8_SHARE`` of their non-ASCII bytes are decoded as
   UTF-8 with U+FFFD replacement and a note, not re-detected (detection on a few stray bytes
   garbles the whole page).
4. **A declared legacy charset is used** when the bytes decode under it (and are not UTF-8).
5. **Detection** (charset-normalizer) only for what is left, restricted to the codecs plausible
   for the language of the decoded text (``CODEC_LANGUAGES``); windows-1252 is preferred when Western
   candidates tie; Mac and ISO-8859-10 codecs only when nothing else decodes cleanly. The
   detector's coherence goes into the note.
6. Pure-ASCII bytes decode identically in every ASCII-compatible codec: the declared label is kept
   (else UTF-8). Pages that decode in nothing are rejected.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

import charset_normalizer
from charset_normalizer.md import mess_ratio

BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_:.+-]+)""", re.IGNORECASE)
#: Rule 3: invalid UTF-8 sequences per non-ASCII byte below which a page stays UTF-8.
MAX_INVALID_UTF8_SHARE = 0.005
#: Share of undecodable characters above which a page is rejected rather than decoded with U+FFFD.
MAX_INVALID_SHARE = 0.01
#: Codecs that detection may pick, by the languages they are made for (py3langid's ISO 639-1 codes).
CODEC_LANGUAGES: dict[tuple[str, ...], frozenset[str]] = {
    ("cp1252", "iso8859-15"): frozenset(
        "af br ca cy da de en es et eu fi fo fr ga gl id is it la lb ms nb nl nn no oc pt qu sq sv sw wa".split()),
    ("cp1250", "iso8859-2", "iso8859-16"): frozenset("bs cs de hr hu pl ro sk sl sq sr".split()),
    ("cp1254", "iso8859-9"): frozenset("az ku tr".split()),
    ("cp1257", "iso8859-13", "iso8859-4"): frozenset("et lt lv".split()),
    ("iso8859-3",): frozenset("eo mt".split()),
    ("cp1258",): frozenset(["vi"]),
    ("cp1251", "koi8-r", "koi8-u", "iso8859-5", "cp866"): frozenset("be bg kk ky mk mn ru sr tg uk".split()),
    ("cp1253", "iso8859-7"): frozenset(["el"]),
    ("cp1255", "iso8859-8"): frozenset("he yi".split()),
    ("cp1256", "iso8859-6"): frozenset("ar fa ps ur".split()),
    ("cp874", "tis-620", "iso8859-11"): frozenset(["th"]),
    ("gb2312", "gbk", "gb18030", "big5", "big5hkscs", "cp950", "hz"): frozenset(["zh"]),
    ("shift_jis", "cp932", "euc_jp", "euc_jis_2004", "shift_jis_2004", "euc_jisx0213", "iso2022_jp"): frozenset(["ja"]),
    ("euc_kr", "cp949", "johab", "iso2022_kr"): frozenset(["ko"]),
}
#: Languages per codec, flattened from CODEC_LANGUAGES.
LANGUAGES_OF = {codec: langs for group, langs in CODEC_LANGUAGES.items() for codec in group}
#: py3langid score margin below which two decodes of the same bytes tie.
TIE_SCORE = 1.0
#: charset-normalizer chaos margin within which candidates tie.
TIE_CHAOS = 0.02
#: Mess (charset-normalizer's ``mess_ratio``, its own default threshold) above which a fallback
#: codec's decode is not text; such a page is rejected unless a detected or declared codec fits.
MAX_CHAOS = 0.2
#: Western codecs among which windows-1252 wins a tie.
WESTERN = ("cp1252", "iso8859-15", "iso8859-1", "latin-1")
#: Codecs used only when they are the only clean decode (they garble Central European text).
LAST_RESORT = ("mac_roman", "mac_latin2", "mac_iceland", "mac_turkish", "mac_greek", "mac_cyrillic", "iso8859-10")


class EncodingError(ValueError):
    """The bytes cannot be decoded as text."""


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str  # Python codec name
    source: str  # bom | http | meta | utf8-valid | utf8-repaired | detected | default
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


def declared_charsets(raw: bytes, is_html: bool, declared_http: str | None) -> list[tuple[str, str]]:
    """(codec, where) for the HTTP header's charset and the first ``<meta>`` charset, in that order."""
    declared: list[tuple[str, str]] = []
    if (name := codec_name(declared_http)) is not None:
        declared.append((name, "http"))
    if is_html and (match := META_CHARSET.search(raw[:4096])):
        if (name := codec_name(match.group(1).decode("ascii", "ignore"))) is not None:
            declared.append((name, "meta"))
    return declared


def _is_utf8(name: str) -> bool:
    return codecs.lookup(name).name == "utf-8"


def invalid_utf8_sequences(raw: bytes) -> int:
    """How many invalid sequences a UTF-8 decode of ``raw`` replaces with U+FFFD."""
    return raw.decode("utf-8", errors="replace").count("\ufffd") - raw.count("\ufffd".encode())


def decode(raw: bytes, is_html: bool = True, declared_http: str | None = None) -> Decoded:
    """Decode ``raw`` following the rules of the module docstring."""
    for bom, name in BOMS:
        if raw.startswith(bom):
            return Decoded(raw[len(bom) :].decode(name, errors="replace"), name, "bom")
    declared = declared_charsets(raw, is_html, declared_http)
    if raw.isascii():
        for name, where in declared:
            if b"\0" in raw and name.startswith(("utf-16", "utf-32")):  # BOM-less UTF-16/32: NULs in ASCII text
                try:
                    return Decoded(raw.decode(name), name, where)
                except UnicodeDecodeError:
                    continue
            try:
                if raw.decode(name) == raw.decode("ascii"):
                    return Decoded(raw.decode("ascii"), name, where)
            except (UnicodeDecodeError, LookupError):
                continue
        return Decoded(raw.decode("ascii"), "utf-8", "default")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:  # rule 2
        other = [f"{name} ({where})" for name, where in declared if not _is_utf8(name)]
        note = f"bytes are valid UTF-8; declared charset {', '.join(other)} ignored" if other else None
        source = next((w for n, w in declared if _is_utf8(n)), "utf8-valid" if other else "default")
        return Decoded(text, "utf-8", source, note)

    if not declared or _is_utf8(declared[0][0]):  # rule 3
        bad = invalid_utf8_sequences(raw)
        non_ascii = sum(1 for b in raw if b > 127)
        if bad < MAX_INVALID_UTF8_SHARE * non_ascii:
            return Decoded(raw.decode("utf-8", errors="replace"), "utf-8", "utf8-repaired",
                           f"{bad} invalid UTF-8 sequences in {non_ascii} non-ASCII bytes replaced by U+FFFD")

    note = None
    for name, where in declared:  # rule 4
        if _is_utf8(name):
            note = f"declared charset utf-8 ({where}) is contradicted by the bytes"
            continue
        try:
            return Decoded(raw.decode(name), name, where)
        except UnicodeDecodeError as exc:
            note = f"declared charset {name} ({where}) is contradicted by the bytes at offset {exc.start}"
        except LookupError:  # a codec that exists but cannot decode (e.g. a text-transform codec)
            continue

    found = detect(raw)  # rule 5
    if found is not None:
        name, detail = found
        return Decoded(raw.decode(name), name, "detected", "; ".join(x for x in (note, detail) if x))
    name = declared[0][0] if declared else "utf-8"
    text = raw.decode(name, errors="replace")
    bad = text.count("\ufffd")
    if bad > MAX_INVALID_SHARE * max(len(text), 1):
        raise EncodingError(
            f"bytes are not valid {name}"
            + (f" (declared by {declared[0][1]})" if declared else "")
            + f" and no other charset fits: {bad} undecodable sequences in {len(raw)} bytes"
        )
    return Decoded(text, name, declared[0][1] if declared else "default",
                   "; ".join(x for x in (note, f"{bad} undecodable byte sequences replaced by U+FFFD") if x))


TAG = re.compile(r"<(script|style)\b.*?</\1\s*>|<!--.*?-->|<[^>]*>", re.IGNORECASE | re.DOTALL)


def _visible(text: str) -> str:
    """Rough visible text (tags, scripts, styles and comments removed) for language scoring."""
    return " ".join(TAG.sub(" ", text).split())[:20_000]


def _candidates(raw: bytes) -> list[tuple[str, float, float]]:
    """(codec, chaos, coherence) of charset-normalizer's clean decodes, best first, then every
    other known codec that decodes the bytes cleanly (the detector drops some on short pages).

    A fallback codec is scored with the detector's own mess measure and kept only when its
    decode is no messier than ``MAX_CHAOS``: single-byte codecs such as KOI8 map every byte, so
    "decodes cleanly" alone would turn binary junk into box-drawing "text" instead of rejecting it.
    """
    out: dict[str, tuple[float, float]] = {}
    for match in charset_normalizer.from_bytes(raw[:200_000]):
        name = codec_name(match.encoding) or match.encoding
        out.setdefault(name, (match.chaos, match.coherence))
    detected = set(out)
    for name in [*LANGUAGES_OF, *LAST_RESORT]:  # fallbacks, ranked after the detector's own
        out.setdefault(name, (float("inf"), 0.0))
    clean = []
    for name, (chaos, coherence) in out.items():
        try:
            text = raw.decode(name)
        except (UnicodeDecodeError, LookupError):
            continue
        if name not in detected and mess_ratio(text[:200_000], MAX_CHAOS) > MAX_CHAOS:
            continue
        clean.append((name, chaos, coherence))
    return clean


def detect(raw: bytes) -> tuple[str, str] | None:
    """Rule 5: (codec, note) for bytes that are neither UTF-8 nor a working declared charset.

    A candidate counts only when its codec is made for the language py3langid finds in its
    decode (``CODEC_LANGUAGES``). Among those, charset-normalizer's least chaotic decode wins;
    candidates within ``TIE_CHAOS`` of it keep the language of the most coherent one, and are
    then told apart by py3langid's score for that language (a garbled letter lowers it; scores
    of different languages are not comparable), then windows-1252 first, then the detector's
    order. Mac and ISO-8859-10 codecs only when nothing else decodes cleanly.
    """
    from curation.langid import classify_with_score  # py3langid's answer; one model per process with ingest's

    candidates = _candidates(raw)
    pool = [c for c in candidates if c[0] not in LAST_RESORT] or candidates
    if not pool:
        return None
    scored = []
    for rank, (name, chaos, coherence) in enumerate(pool):
        lang, score = classify_with_score(_visible(raw.decode(name)))
        if lang in LANGUAGES_OF.get(name, ()):
            scored.append((chaos, score, name, lang, coherence, rank))
    if not scored:
        name, chaos, coherence = pool[0]
        return name, f"detected {name} (charset-normalizer chaos {chaos:.3f}); no codec fits the text's language"
    least = min(s[0] for s in scored)
    ties = [s for s in scored if s[0] <= least + TIE_CHAOS]  # inf (a fallback codec) ties with inf
    language = max(ties, key=lambda s: (s[4], -s[5]))[3]  # the most coherent decode's language
    ties = [s for s in ties if s[3] == language]
    top = max(s[1] for s in ties)
    ties = [s for s in ties if top - s[1] < TIE_SCORE]
    chaos, score, name, lang, coherence, _ = min(ties, key=lambda s: (s[2] not in WESTERN, s[5]))
    others = sorted({s[2] for s in ties} - {name})
    tied = f"; tied with {', '.join(others)}" if others else ""
    return name, (f"detected {name} for {lang} text (charset-normalizer chaos {chaos:.3f}, "
                  f"coherence {coherence:.2f}; langid {score:.1f}){tied}")
