"""AEB's per-page shingle counts from the compiled scan ``_aeb_scan`` (C, built with the package).

The definition is AEB's (see ``aeb``); ``aeb_corpus.corpus_stats`` normalises what this module
counts. Where it departs from AEB's ``evaluate.py`` in implementation only: instead of a ``Counter``
of token tuples per page, the gold is indexed once per gold set (cached here: each page's distinct
tokens and 4-token shingles with their counts, in one small hash table per page), and a prediction
is one pass over its code points, read in place from the Python str, that counts per page the
predicted shingles found among the gold page's, each up to its gold count (the same sum as AEB's
loop over the union of both multisets); where the prediction follows the gold, its next token is
compared with the gold's next one instead of looked up.

Exact by construction (``_aeb_scan.c`` says how): a word character is what ``re``'s ``\\w``
matches (CPython's own predicate), and a token or shingle is found only when its code points or ids
equal the gold's, whatever the hashes, which only say where a search starts. ``hash_mask`` = 0 sends
every search to one slot: the tests check that the comparisons alone decide.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np

from benchmarks.metrics.aeb_corpus import NGRAM, RawCounts

try:
    from benchmarks.metrics import _aeb_scan
except ImportError:  # not built (a checkout used without installing, or no C compiler at install)
    _aeb_scan = None

#: whether the compiled scan is built
AVAILABLE = _aeb_scan is not None
FULL_HASH = (1 << 64) - 1


@functools.lru_cache(maxsize=4)
def _gold(texts: tuple[str | None, ...], hash_mask: int) -> tuple[object, np.ndarray]:
    # cached: scoring many outputs against one ground truth indexes it once (the strings' hashes
    # are cached by Python, so finding the tuple again costs little)
    if _aeb_scan is None:
        raise RuntimeError("the compiled AEB scan is not built: pip install the package (it needs a C compiler), "
                           "or score with backend='arrays'")
    index = _aeb_scan.index_gold(texts, hash_mask)
    n_tokens = np.zeros(len(texts), dtype=np.int64)
    _aeb_scan.gold_token_counts(index, n_tokens)
    return index, _n_shingles(n_tokens)


def _n_shingles(n_tokens: np.ndarray) -> np.ndarray:
    return np.where(n_tokens >= NGRAM, n_tokens - NGRAM + 1, (n_tokens > 0).astype(np.int64)).astype(float)


def prepare_gold(gold: Sequence[str | None]) -> None:
    """Index a gold corpus now (cached), as ``aeb_corpus.prepare_gold`` does on this path."""
    _gold(tuple(gold), FULL_HASH)


def raw_counts(gold: Sequence[str | None], pred: Sequence[str | None], hash_mask: int = FULL_HASH) -> RawCounts:
    """Per page: predicted shingles found in the gold (TP), shingles of each side, equal token lists.

    Parameters
    ----------
    gold, pred : sequence of str or None
        Gold main texts and system outputs, page by page (of equal length).
    hash_mask : int
        ANDed into every hash (tests: 0, one slot for every search).

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
    index, gold_shingles = _gold(tuple(gold), hash_mask)
    n = len(gold)
    tp, n_tokens, exact = np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.uint8)
    _aeb_scan.score(index, pred, tp, n_tokens, exact)
    return RawCounts(tp.astype(float), _n_shingles(n_tokens), gold_shingles, exact.astype(float))


def tokenize(text: str) -> list[str]:
    """The ``\\w+`` tokens of a text as the compiled scan finds them (for tests: ``re.findall``'s).

    Parameters
    ----------
    text : str
        Any text.

    Returns
    -------
    list of str
        The tokens in order.

    Examples
    --------
    >>> tokenize("Hello, wörld_1 — 𝐀!") if AVAILABLE else ['Hello', 'wörld_1', '𝐀']
    ['Hello', 'wörld_1', '𝐀']
    """
    if _aeb_scan is None:
        raise RuntimeError("the compiled AEB scan is not built")
    return _aeb_scan.tokenize(text)
