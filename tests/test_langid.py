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
