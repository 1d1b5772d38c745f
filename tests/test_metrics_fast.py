"""AEB's corpus scorers against the literal ``re``/``Counter`` port, on random texts built to hit the
edge cases, on arbitrary Unicode and on real pages of the shipped release: the compiled scan
(``aeb_compiled``, also with every hash search sent to one slot) and numpy/Arrow (``aeb_arrays``,
exact token ids and shingle keys, also with its one hash forced to collide)."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.metrics import aeb, aeb_arrays, aeb_compiled, aeb_corpus, token_ids

# words that share prefixes and characters, punctuation, underscores, digits, non-Latin scripts,
# an astral word character (𝐀, U+1D400), an astral non-word character (😀), and lone surrogates
# (one alone, and a high and a low side by side: the UTF-16 of 𝐀, but not 𝐀)
VOCAB = ["a", "ab", "ba", "aa", "_", "a_b", "1", "12", "Ünïcode", "слово", "語", "𝐀", "x😀y", "don't", "e-mail", "İ",
         "a\ud835\udc00b", "x\ud800"]
SEPARATORS = [" ", "  ", "\n", ", ", "—", "\u00a0", "!", "😀", "\x00"]


@st.composite
def texts(draw):
    words = draw(st.lists(st.sampled_from(VOCAB), max_size=14))
    seps = draw(st.lists(st.sampled_from(SEPARATORS), min_size=len(words) + 1, max_size=len(words) + 1))
    text = seps[0] + "".join(w + s for w, s in zip(words, seps[1:]))
    return draw(st.sampled_from([text, text.strip(), None, ""]))


corpora = st.lists(st.tuples(texts(), texts()) | texts().map(lambda t: (t, t)), min_size=1, max_size=12)


def _reference_stats(gold, pred):
    rows = [aeb.page_stats(g, p) for g, p in zip(gold, pred)]
    return {k: np.array([r[k] for r in rows]) for k in aeb.STAT_KEYS}


# every path that scores many pages: "collide" is the compiled scan with each hash search started at
# the same slot, so that only the comparisons of code points and ids can find a token or shingle
BACKENDS = ["compiled", "collide", "arrays"]


def _corpus_stats(gold, pred, backend):
    if backend == "collide":
        return aeb_corpus.normalise(aeb_compiled.raw_counts(gold, pred, hash_mask=0))
    return aeb.corpus_stats(gold, pred, backend=backend)


def _assert_same_as_literal(gold, pred, backend="arrays"):
    ours, ref = _corpus_stats(gold, pred, backend), _reference_stats(gold, pred)
    for key in aeb.STAT_KEYS:
        np.testing.assert_array_equal(ours[key], ref[key], err_msg=f"{backend}: {key}")
        assert ours[key].dtype == ref[key].dtype == np.float64


def test_the_compiled_scan_is_built_and_chosen():
    # pip install / make setup build it (make ext after editing _aeb_scan.c); a checkout without it
    # scores the same numbers slower, but this suite must test it
    assert aeb_compiled.AVAILABLE, "benchmarks/metrics/_aeb_scan is not built: run `make ext`"
    assert aeb_corpus._module("auto") is aeb_compiled
    with pytest.raises(ValueError, match="unknown AEB backend 'fast'"):
        aeb.corpus_stats(["a"], ["a"], backend="fast")


@settings(max_examples=300, deadline=None)
@given(corpora, st.sampled_from(BACKENDS))
def test_corpus_stats_equal_the_literal_port(pairs, backend):
    _assert_same_as_literal([g for g, _ in pairs], [p for _, p in pairs], backend)


# arbitrary code points, lone surrogates included (hypothesis leaves them out unless told), and ones
# whose \w-ness or case varies between libraries: combining marks, İ, Greek final sigma, digits of
# other scripts, an astral letter, a format character
ANY_CHAR = st.characters(exclude_categories=())
TRICKY = "\u0301\u0130\u03c2\u0660\u0966\U0001d400\u200d\u00b2\u2160_"
any_text = st.text(st.one_of(ANY_CHAR, st.sampled_from(TRICKY), st.sampled_from(" .,\n")), max_size=40)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(any_text, any_text), min_size=1, max_size=6), st.sampled_from(BACKENDS))
def test_arbitrary_unicode_scores_as_the_literal_port(pairs, backend):
    gold = [g for g, _ in pairs]
    # the gold's own words in the predictions too, so that shingles are found, not only missed
    pred = [p + " " + g[: len(g) // 2] for g, p in pairs]
    _assert_same_as_literal(gold, pred, backend)


@st.composite
def edited(draw):
    """A gold page of few distinct words (so shingles repeat) and a prediction cut from it: pieces
    of the gold in any order, repeated or dropped, with other words between (the scan follows the
    gold where it can, and must count each shingle up to its gold count wherever it loses it)."""
    words = draw(st.lists(st.sampled_from(["a", "b", "c", "ab", "x_1", "é", "𝐀"]), min_size=0, max_size=30))
    pieces = draw(st.lists(st.tuples(st.integers(0, 30), st.integers(0, 12), st.sampled_from(["", "z", "a", "b c"])),
                           max_size=6))
    pred = []
    for start, length, other in pieces:
        pred += words[start : start + length] + other.split()
    return " ".join(words), ", ".join(pred)


@settings(max_examples=400, deadline=None)
@given(st.lists(edited(), min_size=1, max_size=5), st.sampled_from(BACKENDS))
def test_predictions_cut_from_the_gold_score_as_the_literal_port(pages, backend):
    _assert_same_as_literal([g for g, _ in pages], [p for _, p in pages], backend)


@settings(max_examples=300, deadline=None)
@given(any_text)
def test_compiled_tokens_are_the_re_tokens(text):
    assert aeb_compiled.tokenize(text) == re.findall(r"\w+", text)


def test_compiled_tokens_are_the_re_tokens_on_every_code_point():
    everything = "".join(map(chr, range(0x110000)))  # runs of word characters: every one in order
    assert aeb_compiled.tokenize(everything) == re.findall(r"\w+", everything)
    spaced = " ".join(map(chr, range(0x110000)))  # each code point alone: is it a token by itself?
    assert aeb_compiled.tokenize(spaced) == re.findall(r"\w+", spaced)


def test_compiled_scan_rejects_what_is_not_text():
    with pytest.raises(TypeError, match="predicted text 1 must be a str or None, not int"):
        aeb_compiled.raw_counts(["a", "b"], ["a", 5])
    with pytest.raises(TypeError, match="gold text 0 must be a str or None, not bytes"):
        aeb_compiled.raw_counts([b"a"], ["a"])


@settings(max_examples=200, deadline=None)
@given(st.lists(texts(), max_size=10), st.booleans())
def test_tokens_are_the_re_tokens_and_ids_are_exact(items, lowercase):
    tok = token_ids.tokenize_corpus(items, lowercase=lowercase)
    expected = [re.findall(r"\w+", (t or "").lower() if lowercase else (t or "")) for t in items]
    assert tok.counts.tolist() == [len(e) for e in expected]
    flat = [w for e in expected for w in e]
    assert [v.decode("utf-16-le") for v in tok.values.to_pylist()] == flat
    # equal ids ⇔ equal tokens, in the corpus's own vocabulary and in another one
    vocab, ids = token_ids.vocabulary(tok)
    first: dict[str, int] = {}
    assert ids.tolist() == [first.setdefault(w, len(first) + 1) for w in flat]
    half, _ = token_ids.vocabulary(token_ids.tokenize_corpus(items[: len(items) // 2], lowercase=lowercase))
    known = {v.decode("utf-16-le"): i + 1 for i, v in enumerate(half.to_pylist())}
    assert token_ids.ids_in(tok, half).tolist() == [known.get(w, 0) for w in flat]


@settings(max_examples=100, deadline=None)
@given(st.lists(texts(), max_size=10))
def test_batches_split_and_join_back(items):
    whole = token_ids.tokenize_corpus(items)
    saved, token_ids._BATCH_UNITS = token_ids._BATCH_UNITS, 3  # a batch every text or so
    try:
        split = token_ids.tokenize_corpus(items)
    finally:
        token_ids._BATCH_UNITS = saved
    assert split.values.equals(whole.values)
    np.testing.assert_array_equal(split.offsets, whole.offsets)


def test_word_table_is_re_on_every_bmp_code_point():
    table = token_ids._bmp_word_table()
    expected = np.array([re.match(r"\w", chr(c)) is not None for c in range(0x10000)])
    np.testing.assert_array_equal(table, expected)


def test_real_pages_score_the_same_both_ways():
    from curation import dataset

    pages = dataset.read_table("pages", "1.0.0", columns=["page_id", "text"]).to_pylist()[:300]
    gold = dataset.boilerplate_gold_by_page("1.0.0", prefer="source")
    pairs = [(gold[p["page_id"]]["main_text"], p["text"]) for p in pages if p["page_id"] in gold]
    assert len(pairs) > 250
    g = [a for a, _ in pairs]
    # full text, the gold itself, and the gold with its second half dropped
    for pred in ([b for _, b in pairs], g, [a[: len(a) // 2] for a in g]):
        for backend in BACKENDS:
            _assert_same_as_literal(g, pred, backend)


@pytest.mark.parametrize(("backend", "cached"), [("compiled", lambda: aeb_compiled._gold), ("arrays", lambda: aeb_arrays._gold_index)])
def test_gold_index_is_cached_and_lengths_must_agree(backend, cached):
    gold = ["one two three four five six", "seven eight"]
    aeb.prepare_gold(gold, backend=backend)
    before = cached().cache_info().hits
    aeb.corpus_stats(gold, ["one two three four", None], backend=backend)
    assert cached().cache_info().hits == before + 1
    with pytest.raises(ValueError, match="2 gold texts but 1 predictions"):
        aeb.corpus_stats(gold, ["x"], backend=backend)


# -- the paths real data rarely takes in aeb_arrays, forced ----------------------------------------

# a weak aeb_arrays._combine that keeps what the lookup relies on (with 16-bit ids, a bijection of the key
# on each page) and nothing more: the page is left out, so a shingle on two pages is one value (with
# wide ids, only the last two ids count). A gold with such a collision has no usable table (the
# exact fallback); otherwise a predicted shingle meets a gold one it is not, and the lookup must
# reject it
COMBINES = {"combine": lambda page, key, key2: key if key2 is None else key2}
PATHS = ["combine", "wide", "wide+combine"]


def _force(path):
    """Force a rare path on; returns what to restore."""
    saved = aeb_arrays._combine, aeb_arrays._PACK_LIMIT
    if "combine" in path:
        aeb_arrays._combine = COMBINES["combine"]
    if "wide" in path:
        aeb_arrays._PACK_LIMIT = 2  # any vocabulary is "too large to pack": wide ids, (key, key2)
    aeb_arrays._gold_index.cache_clear()
    return saved


def _restore(saved):
    aeb_arrays._combine, aeb_arrays._PACK_LIMIT = saved
    aeb_arrays._gold_index.cache_clear()


@pytest.fixture
def forced():
    saved = []
    yield lambda path: saved.append(_force(path))
    _restore(saved[0])


def test_rare_paths_on_hand_cases(forced):
    forced("combine")
    gold, swapped = ["a b c d e", "p q r s t"], ["p q r s t", "a b c d e"]
    _assert_same_as_literal(gold, swapped)  # every shingle meets the other page's in the table
    assert aeb_arrays._gold_index(tuple(gold)).table is not None
    assert aeb.corpus_stats(gold, swapped, backend="arrays")["aeb_tp"].tolist() == [0.0, 0.0]
    shared = ["a b c d e", "x a b c d"]  # one shingle on both pages: the table cannot tell them apart
    _assert_same_as_literal(shared, ["a b c d", "a b c d"])
    assert aeb_arrays._gold_index(tuple(shared)).table is None


@pytest.mark.parametrize("path", PATHS)
def test_rare_paths_on_a_mixed_case(forced, path):
    forced(path)
    gold = ["a b c d e", "one two three four five six", "x y", "the cat sat on the mat", "a b c d e f g h"]
    pred = ["b a d c e", "one two three four five six", "y x", "a cat sat on the mat", "e f g h a b c d"]
    _assert_same_as_literal(gold, pred)
    if "combine" in path:
        assert aeb_arrays._gold_index(tuple(gold)).table is None  # "a b c d" is on two pages
    assert (aeb_arrays._gold_index(tuple(gold)).key2 is not None) == ("wide" in path)


@settings(max_examples=150, deadline=None)
@given(corpora, st.sampled_from(PATHS))
def test_rare_paths_equal_the_literal_port(pairs, path):
    saved = _force(path)
    try:
        _assert_same_as_literal([g for g, _ in pairs], [p for _, p in pairs])
    finally:
        _restore(saved)


@pytest.mark.parametrize("path", PATHS)
def test_rare_paths_on_real_pages(forced, path):
    from curation import dataset

    forced(path)
    pages = dataset.read_table("pages", "1.0.0", columns=["page_id", "text"]).to_pylist()[:60]
    gold = dataset.boilerplate_gold_by_page("1.0.0", prefer="source")
    pairs = [(gold[p["page_id"]]["main_text"], p["text"]) for p in pages if p["page_id"] in gold]
    g = [a for a, _ in pairs]
    for pred in ([b for _, b in pairs], g, [a[: len(a) // 2] for a in g]):
        _assert_same_as_literal(g, pred)


def test_bootstrap_of_page_terms_is_the_bootstrap_of_the_statistics():
    """AEB's ``resampled`` (page terms computed once) gives every estimate bit for bit."""
    from benchmarks import stats
    from benchmarks.metrics import METRICS

    family = METRICS["aeb"]
    rng = np.random.default_rng(7)
    gold = [" ".join(rng.choice(["a", "b", "c", "d", "e"], size=rng.integers(0, 12))) for _ in range(40)]
    pred = [g if i % 3 == 0 else (None if i % 7 == 0 else " ".join(rng.choice(["a", "b", "c", "x"], size=rng.integers(0, 12))))
            for i, g in enumerate(gold)]
    per_page = aeb.corpus_stats(gold, pred)
    with_missing = {k: np.where(np.arange(40) % 5 == 1, np.nan, v) for k, v in per_page.items()}  # gold without main text
    nothing_predicted = aeb.corpus_stats(gold, [None] * 40)
    for case in (per_page, with_missing, nothing_predicted):
        old = stats.bootstrap(family.aggregate, case, 300, 11)
        new = stats.bootstrap(*reversed(family.resampled(case)), 300, 11)
        assert old.keys() == new.keys()
        for key in old:
            np.testing.assert_array_equal(np.array(list(vars(new[key]).values())), np.array(list(vars(old[key]).values())), err_msg=key)
