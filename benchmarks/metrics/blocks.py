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
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from benchmarks.metrics import Metric, bow, macro_prf, register_metric

_WORD_RE = re.compile(r"\w+")
STAT_KEYS = ("block_precision", "block_recall", "block_f1")


_PAGE_CACHE: dict[tuple[str, int], tuple] = {}


def _page_profile(text: str, blocks: Sequence[Mapping[str, int]], n: int) -> tuple:
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
    grams = list(zip(*(tokens[k:] for k in range(n))))
    profile = (tokens, np.array(owner, dtype=np.int64), Counter(owner), grams)
    if len(_PAGE_CACHE) > 256:
        _PAGE_CACHE.clear()
    _PAGE_CACHE[key] = profile
    return profile


def predicted_blocks(text: str, blocks: Sequence[Mapping[str, int]], output: str | None, threshold: float = 0.5, n: int = 3) -> list[int]:
    """Indices of blocks of ``text`` that ``output`` covers (see module docstring).

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
    tokens, owner, size, grams = _page_profile(text, blocks, n)
    covered = bytearray(len(tokens))
    if len(out_tokens) < n or len(tokens) < n:  # too short for n-grams: fall back to whole-text match
        remaining = Counter(out_tokens)
        for j, tok in enumerate(tokens):
            if remaining[tok] > 0:
                remaining[tok] -= 1
                covered[j] = 1
    else:
        # a page n-gram found in the output (multiset, consumed in reading order) covers its tokens:
        # an isolated menu word ("Home") is not covered just because the article uses the word
        remaining = Counter(zip(*(out_tokens[k:] for k in range(n))))
        for j in [j for j, gram in enumerate(grams) if gram in remaining]:
            gram = grams[j]
            if remaining[gram] > 0:
                remaining[gram] -= 1
                covered[j : j + n] = b"\x01" * n
    hits = np.bincount(owner[np.frombuffer(bytes(covered), dtype=np.uint8).astype(bool)], minlength=len(blocks))
    return [i for i in sorted(size) if hits[i] >= threshold * size[i]]


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
    scorable = _page_profile(text, blocks, 3)[2].keys()  # blocks with at least one token
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
