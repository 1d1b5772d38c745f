"""``\\w+`` tokenisation of many texts at once into exact integer token ids, with numpy and Arrow.

Why this exists: the shingle metrics compare token n-grams as multisets. Done with ``re.findall``
and ``collections.Counter`` over Python strings, scoring AEB's 32 outputs costs seconds, almost all
of it in creating a Python object per token and per shingle. Here a whole corpus is one array of
code points; tokens are the runs of word characters in it, gathered into one Arrow binary array
(a token's value: its code points), and Arrow's hash tables number them — comparing the bytes of
every candidate, so that two tokens get the same id exactly when they are the same string. N-grams
then become integer arithmetic and multisets integer arrays, with nothing left to chance.

Tokens are exactly those of ``re.findall(r"\\w+", text)``: the word-character table is built from
Python's own ``re`` (``\\w`` = Unicode alphanumerics and ``_``), so the two agree on every code
point. ``tests/test_metrics_fast.py`` checks the tokens and the metrics built on them against the
``re``/``Counter`` reference on random and real texts. AEB reads it (``aeb_arrays``) where its
compiled scan is not built.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pyarrow as pa

# pyarrow is imported where it is used: the metrics registry imports every module of this package,
# and scoring AEB with its compiled scan needs no Arrow (its import is a tenth of a second)

_U64 = np.uint64
_SEP = "\x00"  # not a word character: texts joined with it can never share a token
_SEP_UNIT = _SEP.encode("utf-16-le")


@functools.lru_cache(maxsize=1)
def _bmp_word_table() -> np.ndarray:
    """``\\w`` membership of every Basic Multilingual Plane code point, decided by ``re`` itself."""
    chars = "".join(map(chr, range(0x10000)))
    kept = re.sub(r"\W", _SEP, chars)  # word characters stay, every other one becomes NUL
    return _code_points(kept) != 0


def _code_points(text: str) -> np.ndarray:
    # surrogatepass: lone surrogates (valid in a Python str) stay one unit
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def mix64(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: a bijection of uint64 that spreads every input bit over the output."""
    x = x ^ (x >> _U64(30))
    x = x * _U64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> _U64(27))
    x = x * _U64(0x94D049BB133111EB)
    return x ^ (x >> _U64(31))


@dataclass(frozen=True)
class Tokens:
    """The tokens of a list of texts: ``values[offsets[i]:offsets[i + 1]]`` are text i's tokens,
    each as its code points (UTF-32-LE bytes, so equal bytes ⇔ equal strings)."""

    values: pa.Array  # binary, one value per token, in text order
    offsets: np.ndarray  # int64, len(texts) + 1

    @property
    def counts(self) -> np.ndarray:
        """Number of tokens of each text."""
        return np.diff(self.offsets)


def tokenize_corpus(texts: Sequence[str | None], lowercase: bool = False) -> Tokens:
    """The ``\\w+`` tokens of every text (``None`` is an empty text), as one Arrow array.

    Parameters
    ----------
    texts : sequence of str or None
        The texts, in order.
    lowercase : bool
        Tokenise ``text.lower()`` instead (as WCXB's bag of words does).

    Returns
    -------
    Tokens
        Every token (its UTF-16-LE bytes), and which belong to which text.

    Examples
    --------
    >>> tok = tokenize_corpus(["Hello, world!", None, "x_1 ünï 𝐀𝐁"])
    >>> tok.counts.tolist(), [v.decode("utf-16-le") for v in tok.values.to_pylist()]
    ([2, 0, 3], ['Hello', 'world', 'x_1', 'ünï', '𝐀𝐁'])
    """
    parts = [(t or "").lower() if lowercase else (t or "") for t in texts]
    # UTF-16 code units: half the bytes of code points, and one encoding per string. A lone
    # surrogate (possible in a Python str) is not a word character: "replace" makes it "?", also
    # not one, so that two of them side by side cannot pass for a pair. Texts are encoded one by
    # one and their bytes joined with a NUL separator (never a word character), which also ends
    # the corpus: every token ends inside it
    encoded = [t.encode("utf-16-le", "replace") for t in parts]
    units = np.frombuffer(_SEP_UNIT.join([*encoded, b""]), dtype=np.uint16)
    lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded)) // 2
    text_starts = np.zeros(len(parts) + 1, dtype=np.int64)
    np.cumsum(lengths + 1, out=text_starts[1:])
    # texts with characters outside the BMP (two units each): only their batches look for pairs
    astral = np.flatnonzero(lengths != np.fromiter(map(len, parts), dtype=np.int64, count=len(parts)))
    table = _bmp_word_table()
    starts, ends, data = [], [], []
    for lo, hi in _batches(text_starts):
        u = units[lo:hi]
        word = np.take(table, u)
        first, end = np.searchsorted(text_starts[astral], [lo, hi]) if len(astral) else (0, 0)
        if end > first:
            high, high_word = _surrogate_pairs(u)  # both units of a pair whose character is a word character
            word[high[high_word]] = True
            word[high[high_word] + 1] = True
        change = np.flatnonzero(word[1:] != word[:-1]) + 1  # token starts and ends, alternating
        if word[0]:
            change = np.concatenate([np.zeros(1, dtype=change.dtype), change])
        starts.append(change[0::2] + lo)
        ends.append(change[1::2] + lo)
        data.append(u[word])  # the word units alone, back to back
    tok_start, tok_end = _concat(starts, np.int64), _concat(ends, np.int64)
    value_offsets = np.zeros(len(tok_start) + 1, dtype=np.int64)
    np.cumsum(tok_end - tok_start, out=value_offsets[1:])  # token t: value_offsets[t]:value_offsets[t + 1]
    import pyarrow as pa

    buffers = [None, pa.py_buffer(value_offsets * 2), pa.py_buffer(_concat(data, np.uint16))]
    values = pa.Array.from_buffers(pa.large_binary(), len(tok_start), buffers)
    return Tokens(values, np.searchsorted(tok_start, text_starts).astype(np.int64))


def _concat(arrays: list[np.ndarray], dtype: type) -> np.ndarray:
    return np.concatenate(arrays) if arrays else np.zeros(0, dtype=dtype)


_BATCH_UNITS = 1 << 17  # texts are tokenised in batches of about this many units (fastest here)


def _batches(text_starts: np.ndarray):
    """(start, end) unit ranges of consecutive texts of about ``_BATCH_UNITS`` in all (a longer
    text is a batch alone), each ending with a separator: the arrays of a batch stay in the CPU
    cache (on the release's outputs, 2× faster than one pass over the whole corpus)."""
    bounds = text_starts.tolist()
    lo = 0
    for i in range(1, len(bounds)):
        if bounds[i] - bounds[lo] >= _BATCH_UNITS or i == len(bounds) - 1:
            yield bounds[lo], bounds[i]
            lo = i


def _surrogate_pairs(units: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unit index of the first unit of every surrogate pair, and whether its character is a word
    character (``re`` decides). Every surrogate is in a pair: lone ones were replaced before."""
    surrogate = np.flatnonzero((units & 0xF800) == 0xD800)
    high = surrogate[(units[surrogate] & 0xFC00) == 0xD800]
    cps = 0x10000 + ((units[high].astype(np.int64) - 0xD800) << 10) + (units[high + 1].astype(np.int64) - 0xDC00)
    is_word = np.zeros(len(cps), dtype=bool)
    for cp in np.unique(cps).tolist():
        is_word[cps == cp] = re.fullmatch(r"\w", chr(cp)) is not None
    return high.astype(np.int64), is_word


def vocabulary(tokens: Tokens) -> tuple[pa.Array, np.ndarray]:
    """The distinct tokens of a corpus, and each token's id: its place among them, from 1.

    Parameters
    ----------
    tokens : Tokens
        A tokenised corpus.

    Returns
    -------
    tuple
        (distinct token values in order of first appearance, int64 id of every token).

    Examples
    --------
    >>> vocab, ids = vocabulary(tokenize_corpus(["a b a", "c a"]))
    >>> len(vocab), ids.tolist()
    (3, [1, 2, 1, 3, 1])
    """
    import pyarrow.compute as pc

    encoded = pc.dictionary_encode(tokens.values)
    return encoded.dictionary, encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64) + 1


def ids_in(tokens: Tokens, vocab: pa.Array) -> np.ndarray:
    """Each token's id in ``vocab`` (1 for its first value, …), 0 for a token it does not hold.

    Parameters
    ----------
    tokens : Tokens
        A tokenised corpus.
    vocab : pyarrow.Array
        Distinct token values (``vocabulary``'s first result).

    Returns
    -------
    numpy.ndarray
        int64, one id per token.

    Examples
    --------
    >>> vocab, _ = vocabulary(tokenize_corpus(["the cat"]))
    >>> ids_in(tokenize_corpus(["a cat", "the"]), vocab).tolist()
    [0, 2, 1]
    """
    import pyarrow.compute as pc

    found = pc.index_in(tokens.values, value_set=vocab)
    return pc.fill_null(found, -1).to_numpy(zero_copy_only=False).astype(np.int64) + 1
