"""``\\w+`` tokenisation of many texts at once, into 64-bit token hashes, with numpy.

Why this exists: the shingle metrics compare token n-grams as multisets. Done with ``re.findall``
and ``collections.Counter`` over Python strings, scoring AEB's 32 outputs costs seconds, almost all
of it in creating a Python object per token and per shingle. Here a whole corpus is one array of
code points; tokens are the runs of word characters in it, and each token is identified by a 64-bit
hash of its code points, so n-grams become integer arithmetic and multisets integer arrays.

Tokens are exactly those of ``re.findall(r"\\w+", text)``: the word-character table is built from
Python's own ``re`` (``\\w`` = Unicode alphanumerics and ``_``), so the two agree on every code
point. Token identity is a polynomial hash mod 2⁶⁴ (plus the length) followed by a bijective
mixer; two different tokens (or n-grams) of real text collide with probability about 2⁻⁶⁴ per
pair, far below anything that could move a reported score. (Crafted input can force collisions
of any polynomial hash mod 2⁶⁴, e.g. Thue–Morse words of thousands of characters; that is not a
concern when scoring extractor outputs.) ``tests/test_metrics_fast.py`` checks the results against the
``re``/``Counter`` reference on random and real texts.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

_U64 = np.uint64
_BASE = 0x100000001B3  # odd, so invertible mod 2**64 (the FNV prime)
_BASE_INV = pow(_BASE, -1, 2**64)
_SEP = "\x00"  # not a word character: texts joined with it can never share a token


@functools.lru_cache(maxsize=1)
def _bmp_word_table() -> np.ndarray:
    """``\\w`` membership of every Basic Multilingual Plane code point, decided by ``re`` itself."""
    chars = "".join(map(chr, range(0x10000)))
    kept = re.sub(r"\W", _SEP, chars)  # word characters stay, every other one becomes NUL
    return _code_points(kept) != 0


def _code_points(text: str) -> np.ndarray:
    # surrogatepass: lone surrogates (valid in a Python str, e.g. from JSON escapes) stay one unit
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def _is_word(codes: np.ndarray) -> np.ndarray:
    table = _bmp_word_table()
    if len(codes) == 0 or codes.max() < 0x10000:
        return np.take(table, codes)
    astral = np.flatnonzero(codes >= 0x10000)  # rare (emoji, historic scripts): ask re directly
    out = np.take(table, np.minimum(codes, 0xFFFF))
    astral_codes = codes[astral]
    for cp in np.unique(astral_codes).tolist():
        out[astral[astral_codes == cp]] = re.fullmatch(r"\w", chr(cp)) is not None
    return out


class _Powers:
    """BASE**i and BASE**-i mod 2**64 for i < n, grown on demand and shared by all calls."""

    def __init__(self) -> None:
        self.fwd = np.ones(1, dtype=_U64)
        self.inv = np.ones(1, dtype=_U64)

    def upto(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        while len(self.fwd) < n:  # doubling: x[m:2m] = x[:m] · B^m, one pass over the result in all
            with np.errstate(over="ignore"):
                self.fwd = np.concatenate([self.fwd, self.fwd * (self.fwd[-1] * _U64(_BASE))])
                self.inv = np.concatenate([self.inv, self.inv * (self.inv[-1] * _U64(_BASE_INV))])
        return self.fwd[:n], self.inv[:n]


_POWERS = _Powers()


def mix64(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: a bijection of uint64 that spreads every input bit over the output."""
    x = x ^ (x >> _U64(30))
    x = x * _U64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> _U64(27))
    x = x * _U64(0x94D049BB133111EB)
    return x ^ (x >> _U64(31))


@dataclass(frozen=True)
class TokenHashes:
    """The tokens of a list of texts: ``hashes[offsets[i]:offsets[i + 1]]`` are text i's tokens."""

    hashes: np.ndarray  # uint64, one per token, in text order
    offsets: np.ndarray  # int64, len(texts) + 1

    @property
    def counts(self) -> np.ndarray:
        """Number of tokens of each text."""
        return np.diff(self.offsets)

    @property
    def text_of_token(self) -> np.ndarray:
        """Index of the text each token belongs to."""
        return np.repeat(np.arange(len(self.offsets) - 1), self.counts)


def hash_tokens(texts: Sequence[str | None], lowercase: bool = False) -> TokenHashes:
    """Hash the ``\\w+`` tokens of every text (``None`` is an empty text)."""
    parts = [(t or "").lower() if lowercase else (t or "") for t in texts]
    hashes, offsets = [], [np.zeros(1, dtype=np.int64)]
    for batch in _batches(parts):
        tok = _hash_batch(batch)
        hashes.append(tok.hashes)
        offsets.append(tok.offsets[1:] + offsets[-1][-1])
    return TokenHashes(np.concatenate(hashes) if hashes else np.zeros(0, dtype=_U64), np.concatenate(offsets))


_BATCH_CHARS = 1 << 17  # texts are hashed in batches of about this many characters (fastest here)


def _batches(parts: list[str]):
    """Consecutive runs of texts of about ``_BATCH_CHARS`` in all (a longer text is a batch alone):
    the arrays of a batch stay in the CPU cache (1.4× faster than 1M-character batches on AEB's
    outputs), and the table of powers stays small."""
    start, size = 0, 0
    for i, text in enumerate(parts):
        if size and size + len(text) > _BATCH_CHARS:
            yield parts[start:i]
            start, size = i, 0
        size += len(text) + 1
    if start < len(parts) or not parts:
        yield parts[start:]


def _hash_batch(parts: list[str]) -> TokenHashes:
    starts_of_text = np.zeros(len(parts) + 1, dtype=np.int64)
    np.cumsum([len(t) + 1 for t in parts], out=starts_of_text[1:])
    codes = _code_points(_SEP.join(parts))
    word = _is_word(codes).view(np.int8)
    edges = np.diff(word, prepend=np.int8(0), append=np.int8(0))  # +1 where a token starts, -1 after it
    tok_start = np.flatnonzero(edges == 1)
    tok_end = np.flatnonzero(edges == -1)

    with np.errstate(over="ignore"):
        fwd, inv = _POWERS.upto(len(codes) + 1)
        prefix = np.zeros(len(codes) + 1, dtype=_U64)
        np.cumsum(codes.astype(_U64) * fwd[: len(codes)], out=prefix[1:])
        # (Σ c_j·B^j over the token) · B^-start: the same value wherever the token occurs
        raw = (prefix[tok_end] - prefix[tok_start]) * inv[tok_start]
        hashes = mix64(raw + (tok_end - tok_start).astype(_U64))
    offsets = np.searchsorted(tok_start, starts_of_text).astype(np.int64)
    offsets[-1] = len(tok_start)
    return TokenHashes(hashes, offsets)
