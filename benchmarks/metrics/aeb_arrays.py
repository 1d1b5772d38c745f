"""AEB's per-page shingle counts with numpy and Arrow: the path taken where the compiled scan
(``_aeb_scan``, see ``aeb_compiled``) is not built.

The definition is AEB's (see ``aeb``); ``aeb_corpus.corpus_stats`` normalises what this module
counts. How: every text is tokenised at once into exact integer token ids (``token_ids``: the gold's
vocabulary, a predicted token the gold lacks is 0), 4 ids become an exact integer shingle key, and
the gold's distinct (page, shingle) pairs are found in a pandas hash table of one uint64 per pair.
That uint64 may collide: a match counts only when the page and key themselves are equal, and a gold
whose pairs collide falls back to comparing the integers (a ``MultiIndex``), so no value depends on
a hash. ``tests/test_metrics_fast.py`` forces those rare paths.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from benchmarks.metrics import token_ids
from benchmarks.metrics.aeb_corpus import NGRAM, RawCounts

if TYPE_CHECKING:
    import pandas as pd

# pandas is imported where it is used: the metrics registry imports every module of this package,
# and the compiled path (the usual one) needs no pandas (its import is half a second)


def raw_counts(gold: Sequence[str | None], pred: Sequence[str | None]) -> RawCounts:
    """Per page: predicted shingles found in the gold (TP), shingles of each side, equal token lists.

    Parameters
    ----------
    gold, pred : sequence of str or None
        Gold main texts and system outputs, page by page (of equal length).

    Returns
    -------
    RawCounts
        The integer counts ``aeb_corpus.corpus_stats`` normalises.

    Examples
    --------
    >>> c = raw_counts(["the cat sat on the mat", "a dog ran"], ["the cat sat on a mat", None])
    >>> c.tp.tolist(), c.pred_shingles.tolist(), c.gold_shingles.tolist(), c.exact.tolist()
    ([1.0, 0.0], [3.0, 0.0], [3.0, 1.0], [0.0, 0.0])
    """
    n = len(gold)
    g = _gold_index(tuple(gold))
    tokens = token_ids.tokenize_corpus(pred)
    p = _corpus_profile(token_ids.ids_in(tokens, g.vocab), tokens.offsets, wide=g.key2 is not None)
    tp = np.zeros(n)
    if len(g.counts) and len(p.key):
        # TP = Σ over gold shingles of min(pred count, gold count), summed per page
        at = g.lookup(p)
        found = at[at >= 0]
        pred_counts = np.bincount(found, minlength=len(g.counts))
        tp = np.bincount(g.page, weights=np.minimum(pred_counts, g.counts), minlength=n)
    g_count = np.diff(g.profile.offsets)
    exact = _token_lists_equal(g.profile, p)
    # a text of 1–3 tokens is one shingle: found in the gold only when both token lists are equal
    tp += exact * ((g_count > 0) & (g_count < NGRAM))
    return RawCounts(tp, p.n_shingles, g.profile.n_shingles, exact)


def _token_lists_equal(gold: _Profile, pred: _Profile) -> np.ndarray:
    """AEB accuracy per page: 1.0 where the token id lists are equal (ids are exact; a predicted
    token the gold lacks is 0, which no gold token is)."""
    exact = np.zeros(len(gold.offsets) - 1)
    g_count, p_count = np.diff(gold.offsets), np.diff(pred.offsets)
    for i in np.flatnonzero(g_count == p_count).tolist():
        exact[i] = np.array_equal(gold.ids[gold.offsets[i] : gold.offsets[i + 1]], pred.ids[pred.offsets[i] : pred.offsets[i + 1]])
    return exact


def prepare_gold(gold: Sequence[str | None]) -> None:
    """Index a gold corpus now (cached), as ``aeb_corpus.prepare_gold`` does on this path."""
    _gold_index(tuple(gold))


@dataclass(frozen=True)
class _Profile:
    """What AEB's metric needs of a corpus, per token, per page and per 4-token shingle."""

    ids: np.ndarray  # int64 token ids (the gold's vocabulary, from 1; 0: not in the gold)
    offsets: np.ndarray  # ids[offsets[i]:offsets[i + 1]] are page i's tokens
    n_shingles: np.ndarray  # shingles per page (float, as AEB's counts)
    page: np.ndarray  # page of each 4-token shingle
    key: np.ndarray  # uint64 per shingle: its 4 ids (16 bits each), or ids 1–2 when they are wider
    key2: np.ndarray | None  # ids 3–4 when ids are wider than 16 bits; (key, key2) ⇔ the 4 ids


@dataclass(frozen=True)
class _GoldIndex:
    """A gold profile with its distinct (page, shingle) pairs in a hash table, built once per gold set."""

    vocab: object  # pyarrow array of the gold's distinct tokens
    profile: _Profile
    page: np.ndarray  # page of each distinct (page, shingle)
    key: np.ndarray  # its key
    key2: np.ndarray | None  # its key2 (wide ids)
    counts: np.ndarray  # occurrences of each
    table: pd.Index | None  # _combine of each, when no two collide (else None: exact, slower lookup)

    def lookup(self, p: _Profile) -> np.ndarray:
        """Index of each shingle of ``p`` among the gold's distinct (page, shingle), −1 if absent."""
        import pandas as pd

        if self.table is None:  # combined keys collided in the gold: compare the integers themselves
            columns = [self.page, self.key] + ([] if self.key2 is None else [self.key2])
            theirs = [p.page, p.key] + ([] if p.key2 is None else [p.key2])
            return pd.MultiIndex.from_arrays(columns).get_indexer(pd.MultiIndex.from_arrays(theirs))
        at = self.table.get_indexer(_combine(p.page, p.key, p.key2))
        hit = np.flatnonzero(at >= 0)
        found = at[hit]
        # _combine is a hash: a match counts only when the integers are the same. With 16-bit ids
        # it is a bijection of the key on each page, so the page alone decides
        wrong = self.page[found] != p.page[hit]
        if p.key2 is not None:
            wrong |= (self.key[found] != p.key[hit]) | (self.key2[found] != p.key2[hit])
        at[hit[wrong]] = -1
        return at


#: 4 token ids are packed into one uint64 key (16 bits each) while the gold has fewer distinct tokens
_PACK_LIMIT = 1 << 16


def _combine(page: np.ndarray, key: np.ndarray, key2: np.ndarray | None) -> np.ndarray:
    """One uint64 of (page, shingle) for the hash table: the key XOR a random mask of the page (so
    that on one page it is a bijection of a packed key), mixed with key2 for wide ids."""
    out = key ^ _page_masks(int(page.max(initial=0)) + 1)[page]
    if key2 is not None:
        with np.errstate(over="ignore"):
            out = token_ids.mix64(out) ^ key2
    return out


@functools.lru_cache(maxsize=8)
def _page_masks(n_pages: int) -> np.ndarray:
    with np.errstate(over="ignore"):
        return token_ids.mix64(np.arange(n_pages, dtype=np.uint64) + np.uint64(0x9E3779B97F4A7C15))


@functools.lru_cache(maxsize=4)
def _gold_index(texts: tuple[str | None, ...]) -> _GoldIndex:
    import pandas as pd

    # cached: scoring many outputs against one ground truth indexes it once (the strings' hashes
    # are cached by Python, so finding it again costs little)
    tokens = token_ids.tokenize_corpus(texts)
    vocab, ids = token_ids.vocabulary(tokens)
    profile = _corpus_profile(ids, tokens.offsets, wide=len(vocab) + 1 >= _PACK_LIMIT)
    page, key, key2 = profile.page, profile.key, profile.key2
    combined = _combine(page, key, key2)
    codes, distinct = pd.factorize(combined)  # numbered in order of first appearance
    first = np.zeros(len(distinct), dtype=np.int64)
    first[codes[::-1]] = np.arange(len(codes) - 1, -1, -1)  # the first occurrence of each
    rep = first[codes]
    same = (page[rep] == page) & (key[rep] == key)
    if key2 is not None:
        same &= key2[rep] == key2
    if same.all():  # every combined value stands for one (page, shingle)
        counts = np.bincount(codes, minlength=len(distinct))
        table = pd.Index(distinct)
    else:  # two different ones share a combined value: number the integers themselves
        columns = [page, key] + ([] if key2 is None else [key2])
        codes, _ = pd.MultiIndex.from_arrays(columns).factorize()
        first = np.zeros(codes.max(initial=-1) + 1, dtype=np.int64)
        first[codes[::-1]] = np.arange(len(codes) - 1, -1, -1)
        counts, table = np.bincount(codes, minlength=len(first)), None
    return _GoldIndex(vocab, profile, page[first], key[first], None if key2 is None else key2[first], counts, table)


def _corpus_profile(ids: np.ndarray, offsets: np.ndarray, wide: bool) -> _Profile:
    counts = np.diff(offsets)
    n_shingles = np.where(counts >= NGRAM, counts - NGRAM + 1, (counts > 0).astype(np.int64)).astype(float)
    # 4-token windows that lie inside one page, in page order
    per_page = np.maximum(counts - NGRAM + 1, 0)
    page = np.repeat(np.arange(len(counts)), per_page)
    first = np.arange(len(page)) + np.repeat(offsets[:-1] - (np.cumsum(per_page) - per_page), per_page)
    u = ids.astype(np.uint64)
    if not wide:  # every id < 2¹⁶: the four ids side by side, exactly
        m = max(len(u) - NGRAM + 1, 0)
        packed = u[:m].copy()
        for k in range(1, NGRAM):
            packed |= u[k : m + k] << np.uint64(16 * k)
        return _Profile(ids, offsets, n_shingles, page, packed[first], None)
    # ids < 2³²: (ids 1–2, ids 3–4), each two ids side by side, exactly
    pairs = (u[:-1] << np.uint64(32)) | u[1:]
    key, key2 = pairs[first], pairs[first + 2]
    return _Profile(ids, offsets, n_shingles, page, key, key2)
