"""curation.langid gives py3langid's answer: the same feature counts, the same scores bit for bit,
the same language — compared with py3langid's own code on pages in 17 languages and generated text."""

from __future__ import annotations

import gzip
from importlib import metadata
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from curation import langid
from curation.normalise import normalise
from curation.steps.metadata import LANGUAGE_PREFIX, language_of
from tests.encoding_fixtures import LANGUAGES

FIXTURES = Path(__file__).parent / "fixtures"


def py3langid_reference():
    from py3langid import langid as reference

    return reference, reference._get_identifier()


def page_texts() -> list[str]:
    """The fixture pages' normalised texts (AEB, Mozilla) and the 17 languages' paragraphs."""
    texts = [normalise(gzip.decompress(p.read_bytes()), "html").text for p in sorted((FIXTURES / "aeb" / "html").glob("*.gz"))]
    texts += [normalise(p.read_bytes(), "html").text for p in sorted((FIXTURES / "mozilla").glob("*/source.html"))]
    texts += ["\n".join((title, *paragraphs)) for _, _, title, paragraphs in LANGUAGES]
    assert len(texts) > 20 and all(texts)
    return texts


def assert_same_as_py3langid(text: str) -> None:
    reference, ref = py3langid_reference()
    ours = langid.identifier()
    data = ref._encode(text)
    expected = reference.visit_counts(ref.tk_nextmove, ref._rowbase, ref.tk_output, data) or {}
    features, counts = langid.feature_counts(ours, data)
    assert list(zip(features.tolist(), counts.tolist())) == list(expected.items())  # same keys, same first-seen order
    assert np.array_equal(ours._decide(text), ref._decide(text))  # bit for bit
    assert langid.classify(text) == ref.classify(text)[0]
    assert langid.classify_with_score(text) == ref.classify(text)  # the score too (encoding detection uses it)


def test_installed_py3langid_uses_the_fast_path_with_the_model_depth():
    version = metadata.version("py3langid")
    assert version in langid.MODEL_DEPTH, f"py3langid {version}: check its model's depth (langid.dfa_depth) and add it to MODEL_DEPTH"
    ident = langid.identifier()
    assert ident.depth == langid.MODEL_DEPTH[version] == langid.dfa_depth(ident.nm, ident.rowbase)


def test_other_py3langid_versions_use_py3langid_itself(monkeypatch):
    import py3langid

    monkeypatch.setattr(langid, "MODEL_DEPTH", {})
    langid.identifier.cache_clear()
    try:
        assert langid.identifier() is None
        for text in page_texts()[:5]:
            assert langid.classify(text) == py3langid.classify(text)[0]
    finally:
        langid.identifier.cache_clear()


@pytest.mark.parametrize("length", [0, 1, 5, 6, 7, 200, LANGUAGE_PREFIX, None])
def test_same_as_py3langid_on_fixture_pages(length):
    for text in page_texts():
        assert_same_as_py3langid(text[:length])


def test_language_of_fixture_pages_is_py3langid_s_language():
    from py3langid import langid as reference

    found = {language_of(text) for text in page_texts()}
    assert found >= {"en", "fr", "de", "ru", "zh", "ja", "ko", "th"}  # the 17 languages are told apart
    for text in page_texts():
        assert language_of(text) == reference.classify(text[:LANGUAGE_PREFIX])[0]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=60)
       | st.text(alphabet="abcdeéèàüßñ  \n.,Ωπσжщ中文한국어ไทย", max_size=400))
def test_same_as_py3langid_on_generated_text(text):
    assert_same_as_py3langid(text)


@given(st.binary(max_size=40))
def test_same_feature_counts_on_any_bytes(data):
    reference, ref = py3langid_reference()
    expected = reference.visit_counts(ref.tk_nextmove, ref._rowbase, ref.tk_output, data) or {}
    features, counts = langid.feature_counts(langid.identifier(), data)
    assert list(zip(features.tolist(), counts.tolist())) == list(expected.items())


def reference_first_seen_counts(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """As feature_counts did it before: np.unique's stable sort, then the first-seen order."""
    unique, first, counts = np.unique(values, return_index=True, return_counts=True)
    order = np.argsort(first, kind="stable")
    return unique[order], counts[order].astype(np.float32)


@given(st.lists(st.integers(min_value=0, max_value=2**20), max_size=300)
       | st.lists(st.integers(min_value=0, max_value=5), max_size=3000))  # fmt: skip
def test_first_seen_counts_equal_np_unique_in_first_seen_order(values):
    array = np.asarray(values, dtype=np.intp)
    got, expected = langid.first_seen_counts(array), reference_first_seen_counts(array)
    assert got[0].dtype == expected[0].dtype and got[1].dtype == expected[1].dtype
    assert got[0].tolist() == expected[0].tolist() and got[1].tolist() == expected[1].tolist()


def test_model_rows_are_the_float16_rows_cast_by_numpy_bit_for_bit():
    ident = langid.identifier()
    assert ident.nb_ptc.dtype == np.float16  # else model_rows is nb_ptc[features] itself
    every = np.arange(len(ident.nb_ptc))
    for features in (every[:5000], every[-5000:], np.array([7, 3, 7, 99_999])):
        assert np.array_equal(langid.model_rows(ident, features).view(np.uint32),
                              ident.nb_ptc[features].astype(np.float32).view(np.uint32))  # fmt: skip
    all_bits = np.arange(1 << 16, dtype=np.uint16)
    assert np.array_equal(ident.float32_of[all_bits].view(np.uint32), all_bits.view(np.float16).astype(np.float32).view(np.uint32))
