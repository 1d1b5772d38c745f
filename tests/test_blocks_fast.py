"""``blocks.predicted_blocks`` (exact integer ids and n-gram keys with numpy) against the literal
loop it replaced, on random pages built to hit the edge cases and on real pages of the release."""

from __future__ import annotations

import re
from collections import Counter

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.metrics import blocks

_WORD_RE = re.compile(r"\w+")


def literal_predicted_blocks(text, spans, output, threshold=0.5, n=3):
    """The implementation before the vectorised one (a Python loop over the page n-grams)."""
    out_tokens = _WORD_RE.findall(output.lower()) if output else []
    if not out_tokens:
        return []
    tokens, owner = [], []
    for i, block in enumerate(spans):
        words = _WORD_RE.findall(text[block["start"] : block["end"]].lower())
        tokens.extend(words)
        owner.extend([i] * len(words))
    size = Counter(owner)
    grams = list(zip(*(tokens[k:] for k in range(n))))
    covered = bytearray(len(tokens))
    if len(out_tokens) < n or len(tokens) < n:
        remaining = Counter(out_tokens)
        for j, tok in enumerate(tokens):
            if remaining[tok] > 0:
                remaining[tok] -= 1
                covered[j] = 1
    else:
        remaining = Counter(zip(*(out_tokens[k:] for k in range(n))))
        for j in [j for j, gram in enumerate(grams) if gram in remaining]:
            gram = grams[j]
            if remaining[gram] > 0:
                remaining[gram] -= 1
                covered[j : j + n] = b"\x01" * n
    hits = np.bincount(np.array(owner, dtype=np.int64)[np.frombuffer(bytes(covered), dtype=np.uint8).astype(bool)], minlength=len(spans))
    return [i for i in sorted(size) if hits[i] >= threshold * size[i]]


# few words, so that n-grams repeat on the page and in the output (the multiset consumption matters)
WORDS = ["a", "b", "A", "c", "ab", "_", "1", "Ünï", "語", "x"]


@st.composite
def pages(draw):
    lines = draw(st.lists(st.lists(st.sampled_from(WORDS), max_size=8).map(" ".join), min_size=1, max_size=6))
    text = "\n".join(lines)
    spans, pos = [], 0
    for line in lines:
        spans.append({"start": pos, "end": pos + len(line)})
        pos += len(line) + 1
    out_words = draw(st.lists(st.sampled_from(WORDS + ["zz"]), max_size=20))
    output = draw(st.sampled_from([", ".join(out_words), None, "", text]))
    return text, spans, output


@settings(max_examples=400, deadline=None)
@given(pages(), st.integers(1, 4), st.sampled_from([0.5, 0.0, 1.0, 0.3]))
def test_predicted_blocks_equal_the_literal_loop(page, n, threshold):
    text, spans, output = page
    assert blocks.predicted_blocks(text, spans, output, threshold, n) == literal_predicted_blocks(text, spans, output, threshold, n)


def test_a_vocabulary_too_large_to_pack_takes_the_exact_fallback():
    rng = np.random.default_rng(5)
    words = [f"w{i}" for i in range(1000)]  # some 300 of them on the page: 8-gram keys cannot be packed
    lines = [" ".join(rng.choice(words, size=12)) for _ in range(30)]
    text = "\n".join(lines)
    spans, pos = [], 0
    for line in lines:
        spans.append({"start": pos, "end": pos + len(line)})
        pos += len(line) + 1
    assert blocks._page_profile(text, spans, 8).grams is None
    for output in (" ".join(lines[::3]), text, " ".join(rng.choice(words, size=200))):
        got = blocks.predicted_blocks(text, spans, output, n=8)
        assert got == literal_predicted_blocks(text, spans, output, n=8)
    assert blocks.predicted_blocks(text, spans, " ".join(lines[::3]), n=8) == list(range(0, 30, 3))


def test_real_pages_project_the_same_both_ways():
    from curation import dataset

    rows = dataset.read_table("pages", "1.0.0", columns=["page_id", "text", "blocks"]).to_pylist()[:120]
    gold = dataset.boilerplate_gold_by_page("1.0.0", prefer="source")
    checked = 0
    for row in rows:
        if not row["blocks"] or row["page_id"] not in gold:
            continue
        main = gold[row["page_id"]]["main_text"]
        # the gold, the whole page, the gold's second half, the gold shuffled by lines
        for output in (main, row["text"], main[len(main) // 2 :], "\n".join(sorted(main.split("\n")))):
            assert blocks.predicted_blocks(row["text"], row["blocks"], output) == literal_predicted_blocks(row["text"], row["blocks"], output)
            checked += 1
    assert checked > 200
