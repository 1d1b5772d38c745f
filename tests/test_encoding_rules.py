"""Normaliser 2.0.0 decoding rules (curation/normalise/encoding.py), each on generated pages in
17 languages encoded in their real legacy codecs and mislabelled (tests/encoding_fixtures.py)."""

from __future__ import annotations

import codecs

import pytest

from curation.normalise import PageError, normalise
from curation.normalise.encoding import LAST_RESORT
from tests.encoding_fixtures import LANGUAGES, failures, fixtures

FIXTURES = fixtures()


def _case(case: str):
    return [fx for fx in FIXTURES if fx.name.endswith("/" + case)]


def _decode(fx):
    return normalise(fx.raw, "html", http_charset=fx.http_charset)


def test_no_fixture_page_is_garbled():
    assert len(LANGUAGES) >= 10 and len({fx.name.split("/")[1] for fx in FIXTURES}) >= 20
    assert [fx.name for fx, _ in failures()] == []


def test_bom_wins_over_a_contradicting_meta():
    raw = codecs.BOM_UTF8 + "<meta charset='koi8-r'><p>Fußgängerzone</p>".encode()
    page = normalise(raw, "html")
    assert (page.text, page.encoding, page.encoding_source) == ("Fußgängerzone", "utf-8", "bom")


@pytest.mark.parametrize("case", ["utf8-as-legacy", "utf8-as-legacy-http"])
def test_valid_utf8_is_utf8_whatever_the_label_says(case):
    for fx in _case(case):
        page = _decode(fx)
        assert (page.text, page.encoding, page.encoding_source) == (fx.expected, "utf-8", "utf8-valid"), fx.name
        assert any("valid UTF-8" in n and "ignored" in n for n in page.notes), fx.name


def test_nearly_valid_utf8_keeps_utf8_with_replacement_and_a_note():
    cases = _case("utf8-few-invalid")
    assert len(cases) == len(LANGUAGES)
    for fx in cases:
        page = _decode(fx)
        assert (page.encoding, page.encoding_source) == ("utf-8", "utf8-repaired"), fx.name
        assert page.text == fx.expected and page.text.count("\ufffd") == 1, fx.name
        assert any("2 invalid UTF-8 sequences" in n for n in page.notes), fx.name


def test_a_short_legacy_page_declared_utf8_is_not_repaired_but_detected():
    # the example: cp1252 bytes declared UTF-8 came out as cp1250 ("naďve") in 1.0.0
    page = normalise("<meta charset='utf-8'><p>Café naïve résumé</p>".encode("cp1252"), "html")
    assert (page.text, page.encoding, page.encoding_source) == ("Café naïve résumé", "cp1252", "detected")
    assert any("contradicted" in n for n in page.notes)


def test_a_declared_legacy_charset_is_used_when_the_bytes_decode_under_it():
    for fx in _case("legacy-labelled"):
        page = _decode(fx)
        assert page.text == fx.expected and page.encoding_source == "meta", fx.name
        assert codecs.lookup(page.encoding).name == codecs.lookup(fx.name.split("/")[1]).name, fx.name


@pytest.mark.parametrize("case", ["legacy-as-utf8", "legacy-unlabelled"])
def test_detection_fits_the_language_and_never_picks_mac_or_latin6(case):
    for fx in _case(case):
        page = _decode(fx)
        assert page.text == fx.expected and page.encoding_source == "detected", fx.name
        assert page.encoding not in LAST_RESORT, fx.name
        assert any(n.startswith("detected") or "; detected" in n for n in page.notes), fx.name


def test_windows_1252_wins_a_western_tie():
    # Only ASCII-range letters plus é: cp1252, iso8859-15 and others decode identically.
    page = normalise("<p>Le café est fermé à midi, dit le patron du café.</p>".encode("cp1252"), "html")
    assert page.encoding == "cp1252"


def test_pure_ascii_keeps_its_declared_label():
    page = normalise(b"<meta charset='windows-1251'><p>plain</p>", "html")
    assert (page.text, page.encoding, page.encoding_source) == ("plain", "cp1251", "meta")


def test_a_short_page_the_detector_drops_is_still_decoded_by_a_fallback_codec():
    # charset-normalizer returns no match for this 47-byte page; the fallback codecs still find it
    page = normalise("<p>La economía crece en el último trimestre</p>".encode("cp1252"), "html")
    assert (page.text, page.encoding, page.encoding_source) == (
        "La economía crece en el último trimestre", "cp1252", "detected")


def test_bytes_that_are_text_in_no_codec_are_rejected_not_decoded_as_box_drawing():
    # Every high byte, declared UTF-8: KOI8-U maps each of them to a character, but the result is
    # box drawing and symbols, not text. 1.0.0 rejected such a page; 2.0.0 must too (its mess is
    # far above charset-normalizer's threshold), instead of keeping it as "Belarusian".
    raw = b"<meta charset='utf-8'><p>" + bytes(range(0x80, 0x100)) * 40 + b"</p>"
    with pytest.raises(PageError, match=r"not valid utf-8 \(declared by meta\) and no other charset fits"):
        normalise(raw, "html")
