"""Block-level precision/recall/F1 against the gold main-block mask.

Definition (PageGold's own): a page's normalised ``text`` is a sequence of blocks (schemas/pages.yaml).
Gold marks some blocks main (``boilerplate_gold.main_blocks``). A system's output text is projected
onto the blocks: the page's lowercased ``\\w+`` tokens (all blocks, in reading order) are covered by
every page 3-gram that the output also contains (as a multiset, consumed in reading order, so a
phrase the output holds once covers one place on the page); a block is *predicted main* when at
least ``threshold`` (default ½) of its tokens are covered. Blocks without tokens are ignored. Per page: TP/FP/FN are counts of blocks;
P = TP/(TP+FP), R = TP/(TP+FN) with the WCXB empty conventions (no gold main blocks and no
predicted ones → 1). Corpus values are macro means over pages.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import repeat

import numpy as np

from benchmarks.metrics import Metric, bow, macro_prf, register_metric

_WORD_RE = re.compile(r"\w+")
STAT_KEYS = ("block_precision", "block_recall", "block_f1")


_PAGE_CACHE: dict[tuple[str, int, int], _PageProfile] = {}


@dataclass(frozen=True)
class _Grams:
    """Page n-grams as exact integer keys: ``distinct`` (sorted), which one each position holds
    (``group``) and how many of that n-gram come before it in reading order (``rank``)."""

    distinct: np.ndarray
    group: np.ndarray
    rank: np.ndarray


@dataclass(frozen=True)
class _PageProfile:
    """A page's tokens as exact ids (``vocab``: token → 1, 2, …; 0 is left for tokens the page
    lacks), the block of each token, block sizes, and the page n-grams grouped for counting."""

    vocab: dict[str, int]
    ids: np.ndarray  # int64, one per page token, in reading order
    owner: np.ndarray  # block index of each token
    sizes: np.ndarray  # tokens per block
    grams: _Grams | None  # None: the vocabulary is too large to pack an n-gram into an int64
    unigrams: _Grams


def _gram_keys(ids: np.ndarray, n: int, base: int) -> np.ndarray:
    """One key per n-gram: its ids as the digits of a number in ``base`` (> every id), so that two
    n-grams have the same key exactly when they have the same ids."""
    keys = ids[: len(ids) - n + 1].copy()
    for k in range(1, n):
        keys *= base
        keys += ids[k : len(ids) - n + 1 + k]
    return keys


def _group(keys: np.ndarray) -> _Grams:
    distinct, group = np.unique(keys, return_inverse=True)
    group = group.reshape(-1)
    order = np.argsort(group, kind="stable")  # positions of each n-gram, in reading order
    first = np.searchsorted(group[order], np.arange(len(distinct)))
    rank = np.empty(len(keys), dtype=np.int64)
    rank[order] = np.arange(len(keys)) - first[group[order]]
    return _Grams(distinct, group, rank)


def _page_profile(text: str, blocks: Sequence[Mapping[str, int]], n: int) -> _PageProfile:
    """Page tokens, their owning blocks, block sizes and page n-grams — cached, since every system
    of a run is scored against the same pages."""
    key = (text, len(blocks), n)
    hit = _PAGE_CACHE.get(key)
    if hit is not None:
        return hit
    tokens: list[str] = []
    owner: list[int] = []
    for i, block in enumerate(blocks):
        words = _WORD_RE.findall(text[block["start"] : block["end"]].lower())
        tokens.extend(words)
        owner.extend([i] * len(words))
    vocab: dict[str, int] = {}
    ids = np.array([vocab.setdefault(t, len(vocab) + 1) for t in tokens], dtype=np.int64)
    base = len(vocab) + 1
    fits = base**n < 2**63  # the keys are exact while they fit in an int64
    grams = _group(_gram_keys(ids, n, base)) if fits and len(ids) >= n else None
    owner_arr = np.array(owner, dtype=np.int64)
    profile = _PageProfile(vocab, ids, owner_arr, np.bincount(owner_arr, minlength=len(blocks)), grams, _group(ids))
    if len(_PAGE_CACHE) > 256:
        _PAGE_CACHE.clear()
    _PAGE_CACHE[key] = profile
    return profile


def _covered_starts(page: _Grams, out_keys: np.ndarray) -> np.ndarray:
    """Page n-gram positions the output covers: an n-gram the output holds c times covers its first
    c places on the page (the multiset consumed in reading order)."""
    at = np.searchsorted(page.distinct, out_keys)
    at[at == len(page.distinct)] = 0
    found = at[page.distinct[at] == out_keys]
    available = np.bincount(found, minlength=len(page.distinct))
    return np.flatnonzero(page.rank < available[page.group])


def _wide_keys(page_ids: np.ndarray, out_ids: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Exact n-gram keys of the page and the output when the vocabulary is too large to pack them:
    every distinct n-gram of the two numbered by ``np.unique`` over rows (slower, never lossy)."""
    page_rows = np.lib.stride_tricks.sliding_window_view(page_ids, n)
    out_rows = np.lib.stride_tricks.sliding_window_view(out_ids, n)
    inverse = np.unique(np.concatenate([page_rows, out_rows]), axis=0, return_inverse=True)[1].reshape(-1)
    return inverse[: len(page_rows)], inverse[len(page_rows) :]


def predicted_blocks(text: str, blocks: Sequence[Mapping[str, int]], output: str | None, threshold: float = 0.5, n: int = 3) -> list[int]:
    """Indices of blocks of ``text`` that ``output`` covers (see module docstring).

    Tokens are compared as exact integer ids (the page's vocabulary, a dict) and n-grams as exact
    integer keys, with numpy: the result is that of comparing the token strings.

    Parameters
    ----------
    text : str
        The page's normalised text.
    blocks : sequence of mapping
        The page's blocks (``start``, ``end`` offsets into ``text``).
    output : str or None
        System output.
    threshold : float
        Share of a block's tokens that must be covered (by page n-grams the output also holds) for
        the block to count as predicted main.
    n : int
        n-gram length (tokens).

    Returns
    -------
    list of int
        Block indices, ascending.

    Examples
    --------
    >>> text = "Home | News\\nThe cat sat on the mat all day long.\\nShare this story"
    >>> blocks = [{"start": 0, "end": 11}, {"start": 12, "end": 48}, {"start": 49, "end": 65}]
    >>> predicted_blocks(text, blocks, "The cat sat on the mat all day long.")
    [1]
    """
    out_tokens = bow.tokenize(output)  # the same lowercased \\w+ words, cached across the two metrics
    if not out_tokens:
        return []
    page = _page_profile(text, blocks, n)
    if len(page.ids) == 0:
        return []
    # each output token's id on the page, 0 for a token the page lacks (a C-level loop over the dict)
    out_ids = np.fromiter(map(page.vocab.get, out_tokens, repeat(0, len(out_tokens))), dtype=np.int64, count=len(out_tokens))
    if len(out_tokens) < n or len(page.ids) < n:  # too short for n-grams: fall back to whole-text match
        starts, width = _covered_starts(page.unigrams, out_ids), 1
    elif page.grams is not None:
        # a page n-gram found in the output (multiset, consumed in reading order) covers its tokens:
        # an isolated menu word ("Home") is not covered just because the article uses the word.
        # An output n-gram with a token the page lacks has a 0 digit, which no page n-gram has.
        starts, width = _covered_starts(page.grams, _gram_keys(out_ids, n, len(page.vocab) + 1)), n
    else:
        page_keys, out_keys = _wide_keys(page.ids, out_ids, n)
        starts, width = _covered_starts(_group(page_keys), out_keys), n
    size = len(page.ids) + width
    edges = np.bincount(starts, minlength=size) - np.bincount(starts + width, minlength=size)
    covered = np.cumsum(edges[: len(page.ids)]) > 0  # tokens inside at least one covered n-gram
    hits = np.bincount(page.owner[covered], minlength=len(blocks))
    return np.flatnonzero((page.sizes > 0) & (hits >= threshold * page.sizes)).tolist()


def block_prf(predicted: Iterable[int], gold: Iterable[int], scorable: Iterable[int] | None = None) -> tuple[float, float, float]:
    """(precision, recall, F1) of predicted vs gold block indices, optionally restricted to ``scorable``.

    Parameters
    ----------
    predicted, gold : iterable of int
        Block indices.
    scorable : iterable of int, optional
        Only these blocks count (blocks with at least one token).

    Returns
    -------
    tuple of float
        (precision, recall, F1), with WCXB's empty conventions.

    Examples
    --------
    >>> [round(x, 4) for x in block_prf([1, 2], [1])]
    [0.5, 1.0, 0.6667]
    """
    pred, true = set(predicted), set(gold)
    if scorable is not None:
        keep = set(scorable)
        pred, true = pred & keep, true & keep
    if not true:
        return (1.0, 1.0, 1.0) if not pred else (0.0, 0.0, 0.0)
    if not pred:
        return 0.0, 0.0, 0.0
    tp = len(pred & true)
    p, r = tp / len(pred), tp / len(true)
    return p, r, (2 * p * r / (p + r) if tp else 0.0)


def page_stats(text: str, blocks: Sequence[Mapping[str, int]], gold_blocks: Iterable[int], output: str | None) -> dict[str, float]:
    """Per-page sufficient statistics for ``aggregate``: ``block_prf`` of ``predicted_blocks``.

    Parameters
    ----------
    text : str
        The page's normalised text.
    blocks : sequence of mapping
        The page's blocks.
    gold_blocks : iterable of int
        ``boilerplate_gold.main_blocks``.
    output : str or None
        System output.

    Returns
    -------
    dict
        ``block_precision``, ``block_recall``, ``block_f1``.

    Examples
    --------
    >>> text = "Home | News\\nThe cat sat on the mat all day long.\\nShare this story"
    >>> blocks = [{"start": 0, "end": 11}, {"start": 12, "end": 48}, {"start": 49, "end": 65}]
    >>> page_stats(text, blocks, [1], "The cat sat on the mat all day long.")
    {'block_precision': 1.0, 'block_recall': 1.0, 'block_f1': 1.0}
    """
    scorable = np.flatnonzero(_page_profile(text, blocks, 3).sizes).tolist()  # blocks with at least one token
    return dict(zip(STAT_KEYS, block_prf(predicted_blocks(text, blocks, output), gold_blocks, scorable)))


def aggregate(stats: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Macro means over the pages that have block gold (NaN statistics mark pages without).

    Parameters
    ----------
    stats : mapping of str to numpy.ndarray
        ``page_stats`` keys → arrays of shape ``(..., n_pages)``.

    Returns
    -------
    dict of str to numpy.ndarray
        ``f1``, ``precision``, ``recall``.

    Examples
    --------
    >>> x = np.array([1.0, np.nan, 0.5])
    >>> {k: float(v) for k, v in aggregate({"block_f1": x, "block_precision": x, "block_recall": x}).items()}
    {'f1': 0.75, 'precision': 0.75, 'recall': 0.75}
    """
    return macro_prf(stats, "block")


class Blocks(Metric):
    """Block precision, recall and F1 against ``boilerplate_gold.main_blocks`` (runs on a release only)."""

    name = "blocks"
    prefix = "block"
    stat_keys = STAT_KEYS
    columns = ("block_f1", "block_precision", "block_recall")
    board = ("block_f1",)
    gold_fields = ("main_blocks",)
    from_files = False

    def supports(self, page, gold):
        # block indices only mean something on the text the gold was made on
        return bool(gold.get("main_blocks") and page.get("blocks") and page.get("text_sha256") == gold.get("text_sha256"))

    def page_stats(self, page, gold, output):
        return page_stats(page["text"], page["blocks"], gold["main_blocks"], output if isinstance(output, str) else None)

    def aggregate(self, stats):
        return {f"block_{k}": v for k, v in aggregate(stats).items()}


register_metric(Blocks())
