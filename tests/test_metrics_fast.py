"""The vectorised AEB scorer (hashed tokens) against the literal ``re``/``Counter`` port, on random
texts built to hit the edge cases and on real pages of the shipped release."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.metrics import aeb, token_hashes

# words that share prefixes and characters, punctuation, underscores, digits, non-Latin scripts,
# an astral word character (𝐀, U+1D400) and an astral non-word character (😀)
VOCAB = ["a", "ab", "ba", "aa", "_", "a_b", "1", "12", "Ünïcode", "слово", "語", "𝐀", "x😀y", "don't", "e-mail", "İ"]
SEPARATORS = [" ", "  ", "\n", ", ", "—", "\u00a0", "!", "😀"]


@st.composite
def texts(draw):
    words = draw(st.lists(st.sampled_from(VOCAB), max_size=14))
    seps = draw(st.lists(st.sampled_from(SEPARATORS), min_size=len(words) + 1, max_size=len(words) + 1))
    text = seps[0] + "".join(w + s for w, s in zip(words, seps[1:]))
    return draw(st.sampled_from([text, text.strip(), None, ""]))


def _reference_stats(gold, pred):
    rows = [aeb.page_stats(g, p) for g, p in zip(gold, pred)]
    return {k: np.array([r[k] for r in rows]) for k in aeb.STAT_KEYS}


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(texts(), texts()) | texts().map(lambda t: (t, t)), min_size=1, max_size=12))
def test_corpus_stats_equal_the_literal_port(pairs):
    gold, pred = [g for g, _ in pairs], [p for _, p in pairs]
    ours, ref = aeb.corpus_stats(gold, pred), _reference_stats(gold, pred)
    for key in aeb.STAT_KEYS:
        np.testing.assert_array_equal(ours[key], ref[key], err_msg=key)


@settings(max_examples=200, deadline=None)
@given(st.lists(texts(), max_size=10), st.booleans())
def test_token_hashes_are_the_re_tokens(items, lowercase):
    tok = token_hashes.hash_tokens(items, lowercase=lowercase)
    expected = [re.findall(r"\w+", (t or "").lower() if lowercase else (t or "")) for t in items]
    assert tok.counts.tolist() == [len(e) for e in expected]
    # equal tokens ⇔ equal hashes, across texts
    flat = [w for e in expected for w in e]
    by_token: dict[str, int] = {}
    for word, h in zip(flat, tok.hashes.tolist()):
        assert by_token.setdefault(word, h) == h
    assert len(set(by_token.values())) == len(by_token)


def test_word_table_is_re_on_every_bmp_code_point():
    table = token_hashes._bmp_word_table()
    expected = np.array([re.match(r"\w", chr(c)) is not None for c in range(0x10000)])
    np.testing.assert_array_equal(table, expected)


def test_batches_split_and_join_back(monkeypatch):
    items = ["alpha beta gamma delta epsilon"] * 7 + ["", None, "x" * 50 + " tail words here ok"]
    whole = token_hashes.hash_tokens(items)
    monkeypatch.setattr(token_hashes, "_BATCH_CHARS", 16)  # many batches, some texts larger than one
    split = token_hashes.hash_tokens(items)
    np.testing.assert_array_equal(whole.hashes, split.hashes)
    np.testing.assert_array_equal(whole.offsets, split.offsets)


def test_real_pages_score_the_same_both_ways():
    from curation import dataset

    pages = dataset.read_table("pages", "1.0.0", columns=["page_id", "text"]).to_pylist()[:300]
    gold = dataset.boilerplate_gold_by_page("1.0.0", prefer="source")
    pairs = [(gold[p["page_id"]]["main_text"], p["text"]) for p in pages if p["page_id"] in gold]
    assert len(pairs) > 250
    g = [a for a, _ in pairs]
    # full text, the gold itself, and the gold with its second half dropped
    for pred in ([b for _, b in pairs], g, [a[: len(a) // 2] for a in g]):
        ours, ref = aeb.corpus_stats(g, pred), _reference_stats(g, pred)
        for key in aeb.STAT_KEYS:
            np.testing.assert_array_equal(ours[key], ref[key], err_msg=key)


def test_gold_index_is_cached_and_lengths_must_agree():
    gold = ["one two three four five six", "seven eight"]
    aeb.prepare_gold(gold)
    before = aeb._gold_index.cache_info().hits
    aeb.corpus_stats(gold, ["one two three four", None])
    assert aeb._gold_index.cache_info().hits == before + 1
    with pytest.raises(ValueError, match="2 gold texts but 1 predictions"):
        aeb.corpus_stats(gold, ["x"])
