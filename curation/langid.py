"""py3langid's language, computed faster: the same answer, byte for byte, at a fraction of the CPU.

py3langid walks a DFA (an Aho-Corasick automaton over byte n-grams) one byte at a time in a
Python loop, counting the n-gram features that end at each position; that loop is most of its
time (~1.5 ms for 3,000 characters of a non-Latin page). In an Aho-Corasick automaton the state
after any byte is the trie node of the longest suffix (of what was read) that the trie holds, so it
depends only on the last ``depth`` bytes (``depth``: the longest n-gram). Starting every window of
``depth`` bytes at the root and stepping all windows at once with numpy gives every position's
state in ``depth`` vector steps. The feature counts are then the same numbers, in the same first-seen
order, as py3langid's ``Counter``, and py3langid's own scoring code turns them into its scores:
the result cannot differ. tests/test_langid.py compares the two on every fixture page and on
generated text.

The trie depth is a property of py3langid's bundled model, listed in ``MODEL_DEPTH`` for the
versions it was checked on (tests/test_langid.py walks the installed model's DFA to check it); with
another version ``classify`` calls py3langid's own, so an upgrade can make it slower, never different.
"""

from __future__ import annotations

import functools
from importlib import metadata
from typing import Any

import numpy as np

#: Trie depth (longest n-gram in bytes) of the model bundled with a py3langid version.
MODEL_DEPTH = {"0.4.0": 6}


def dfa_depth(nextmove: np.ndarray, rowbase: np.ndarray) -> int:
    """Longest shortest path from the root (state 0) of the DFA: the trie's depth. Breadth-first
    over all 256 transitions of every state (about 0.25 s for py3langid's model)."""
    seen = np.zeros(len(rowbase), dtype=bool)
    seen[0] = True
    frontier, depth, steps = np.array([0]), 0, np.arange(256)
    while True:
        reached = np.unique(nextmove[(rowbase[frontier][:, None] + steps).ravel()])
        frontier = reached[~seen[reached]]
        if not frontier.size:
            return depth
        seen[frontier] = True
        depth += 1


@functools.cache
def identifier() -> Any | None:
    """py3langid's default identifier with the vectorised feature count, loaded once (~0.4 s);
    None when the installed py3langid is not one of ``MODEL_DEPTH``'s versions."""
    depth = MODEL_DEPTH.get(metadata.version("py3langid"))
    if depth is None:
        return None
    from py3langid import langid

    class Identifier(langid.LanguageIdentifier):
        def _raw_score(self, text: bytes) -> np.ndarray:
            features, counts = feature_counts(self, text)
            if features.size:  # py3langid's _sparse_score, on the same arrays it would build
                return np.log1p(counts) @ model_rows(self, features) + self.nb_pc
            return super()._raw_score(text)  # no feature at all: py3langid's own floor

    ident = Identifier.from_model_file(langid.MODEL_FILE)
    ident.depth = depth
    # A view of py3langid's own transition table (~40 MB), not a copy.
    ident.nm = np.frombuffer(ident.tk_nextmove, dtype=np.dtype(ident.tk_nextmove.typecode))
    ident.rowbase = np.asarray(ident._rowbase, dtype=np.intp)
    ident.out = np.asarray(ident.tk_output, dtype=np.intp)
    if ident.nb_ptc.dtype == np.float16:  # float16 → float32 of every possible value: 256 KB
        ident.ptc_bits = ident.nb_ptc.view(np.uint16)
        ident.float32_of = np.arange(1 << 16, dtype=np.uint16).view(np.float16).astype(np.float32)
    return ident


def model_rows(ident: Any, features: np.ndarray) -> np.ndarray:
    """The model's rows of ``features`` as float32: the very values ``log1p(counts) @ nb_ptc[features]``
    multiplies (numpy casts py3langid's float16 table to float32 first, so the product is the same
    bit for bit), with the cast looked up in a table of all 65,536 float16 values (numpy's own cast
    of each) instead of computed per element: ~0.2 → ~0.1 ms for a page's ~1,000 features × 142
    languages."""
    if not hasattr(ident, "float32_of"):
        return ident.nb_ptc[features]
    return np.take(ident.float32_of, ident.ptc_bits[features])


def feature_counts(ident: Any, data: bytes) -> tuple[np.ndarray, np.ndarray]:
    """(feature indices, their counts as float32) over ``data``, in first-seen order: the keys and
    values of py3langid's ``visit_counts`` for the same bytes (empty arrays when no feature occurs)."""
    b = np.frombuffer(data, dtype=np.uint8)
    n, depth, nm, rowbase = len(b), ident.depth, ident.nm, ident.rowbase
    head = min(n, depth - 1)
    states = [0] * head
    state = 0
    for i in range(head):  # the first positions have fewer bytes behind them: walked one by one
        state = ident.tk_nextmove[ident._rowbase[state] + data[i]]
        states[i] = state
    if n >= depth:
        windows = n - depth + 1
        state_at = nm[rowbase[0] + b[:windows]]  # every window starts at the root, state 0
        for k in range(1, depth):
            state_at = nm[rowbase[state_at] + b[k : k + windows]]
        states = np.concatenate((np.asarray(states, dtype=np.intp), state_at))
    features = ident.out[np.asarray(states, dtype=np.intp)]
    return first_seen_counts(features[features >= 0])


def first_seen_counts(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(distinct values in order of first occurrence, their counts as float32) of non-negative ints.

    What ``np.unique(values, return_index=True, return_counts=True)`` reordered by first index
    gives, with one plain sort instead of its stable (merge) sort: sorting ``value * n + position``,
    all distinct, groups equal values and puts each group's first occurrence first. (Keys stay
    far below 2**63: values are feature ids < 2**20, n a few thousand bytes.)"""
    n = len(values)
    if not n:
        return values, np.zeros(0, dtype=np.float32)
    keys = np.sort(values.astype(np.int64) * n + np.arange(n, dtype=np.int64))
    value = keys // n
    starts = np.flatnonzero(np.concatenate(([True], value[1:] != value[:-1])))
    first = keys[starts] - value[starts] * n
    counts = np.diff(np.append(starts, n))
    order = np.argsort(first)  # distinct positions: any sort gives the same order
    return value[starts][order].astype(values.dtype, copy=False), counts[order].astype(np.float32)


def classify(text: str) -> str:
    """The language py3langid's ``classify(text)`` gives (its ISO 639-1 code)."""
    return classify_with_score(text)[0]


def classify_with_score(text: str) -> tuple[str, float]:
    """What py3langid's ``classify(text)`` returns: (language, score), the score bit for bit."""
    ident = identifier()
    if ident is None:  # a py3langid version this module was not checked on: its own code
        import py3langid

        return py3langid.classify(text)
    return ident.classify(text)
