"""Boilerplate metrics against hand-computed cases and an independent, literal re-implementation of
AEB's evaluate.py (loops and ``statistics.mean``, as the original), on a fixture copied from AEB."""

from __future__ import annotations

import json
import re
import statistics
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from benchmarks import stats
from benchmarks.metrics import aeb, blocks, bow, rouge, snippets

FIXTURE = Path(__file__).parent / "fixtures" / "aeb"


# -- an independent straightforward AEB (structure of the original evaluate.py) -----------------

def _ref_tokens(text):
    return re.findall(r"\w+", text or "")


def _ref_ngrams(text, n=4):
    t = _ref_tokens(text)
    return [tuple(t[i : i + n]) for i in range(max(1, len(t) - n + 1)) if t[i : i + n]]


def _ref_counts(true, pred):
    a, b = Counter(_ref_ngrams(true)), Counter(_ref_ngrams(pred))
    tp = fp = fn = 0.0
    for key in set(a) | set(b):
        tc, pc = a.get(key, 0), b.get(key, 0)
        tp += min(tc, pc)
        fp += max(0, pc - tc)
        fn += max(0, tc - pc)
    s = tp + fp + fn
    return (tp / s, fp / s, fn / s) if s else (tp, fp, fn)


def _ref_p(tp, fp, fn):
    return 1.0 if fp == fn == 0 else (0.0 if tp == fp == 0 else tp / (tp + fp))


def _ref_r(tp, fp, fn):
    return 1.0 if fp == fn == 0 else (0.0 if tp == fn == 0 else tp / (tp + fn))


def _ref_metrics(triples, accs):
    p = statistics.mean([_ref_p(*t) for t in triples if t[0] + t[1] > 0])
    r = statistics.mean([_ref_r(*t) for t in triples if t[0] + t[2] > 0])
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r), "accuracy": statistics.mean(accs)}


def _load(name):
    data = json.loads((FIXTURE / "output" / f"{name}.json").read_text())
    return data.get("output", data)


# -- hand-computed cases --------------------------------------------------------------------------

def test_shingles_hand_cases():
    # 5 tokens → shingles (a b c d), (b c d e); prediction 4 tokens → (a b c d): TP 1, FN 1
    assert aeb.shingle_counts("a b c d e", "a b c d") == (0.5, 0.0, 0.5)
    # fewer than 4 tokens make one short shingle; punctuation is not a token
    assert aeb.shingle_counts("Hello, world!", "hello world") == (0.0, 0.5, 0.5)  # case is kept
    assert aeb.shingle_counts("Hello, world!", "Hello world") == (1.0, 0.0, 0.0)
    assert aeb.shingle_counts("", "") == (0.0, 0.0, 0.0)
    # repeated shingles are a multiset: gold has (x x x x) twice, prediction once
    assert aeb.shingle_counts("x x x x x", "x x x x") == pytest.approx((0.5, 0.0, 0.5))


def test_f1_is_of_the_means_not_mean_of_f1():
    # page 1: P=1, R=0.5 ; page 2: P=0.5, R=1 → means P=R=0.75 → F1 0.75 (mean of per-page F1 = 0.667)
    s = {"aeb_tp": np.array([1.0, 1.0]), "aeb_fp": np.array([0.0, 1.0]), "aeb_fn": np.array([1.0, 0.0]), "aeb_exact": np.zeros(2)}
    out = aeb.aggregate(s)
    assert out["f1"] == pytest.approx(0.75)
    assert out["precision"] == pytest.approx(0.75) and out["recall"] == pytest.approx(0.75)


def test_empty_prediction_counts_for_recall_only():
    st = aeb.corpus_stats(["one two three four five", "six seven eight nine ten"], ["one two three four five", ""])
    out = aeb.aggregate(st)
    assert out["precision"] == 1.0  # the empty prediction is not averaged into precision
    assert out["recall"] == 0.5
    assert out["accuracy"] == 0.5


@pytest.mark.parametrize("name", ["trafilatura", "goose3", "html-text", "justext"])
def test_aeb_matches_independent_reference_on_fixture(name):
    gold = json.loads((FIXTURE / "ground-truth.json").read_text())
    pred = _load(name)
    ids = list(gold)
    g = [gold[i]["articleBody"] for i in ids]
    p = [pred[i].get("articleBody") or "" for i in ids]
    ref = _ref_metrics([_ref_counts(a, b) for a, b in zip(g, p)], [float(_ref_tokens(a) == _ref_tokens(b)) for a, b in zip(g, p)])
    ours = {k: float(v) for k, v in aeb.aggregate(aeb.corpus_stats(g, p)).items()}
    for key in ref:
        assert ours[key] == pytest.approx(ref[key], abs=1e-12), key


def test_vectorised_bootstrap_equals_naive_loop():
    gold = json.loads((FIXTURE / "ground-truth.json").read_text())
    pred = _load("goose3")
    ids = list(gold)
    g = [gold[i]["articleBody"] for i in ids]
    p = [pred[i].get("articleBody") or "" for i in ids]
    st = aeb.corpus_stats(g, p)
    triples = [_ref_counts(a, b) for a, b in zip(g, p)]
    accs = [float(_ref_tokens(a) == _ref_tokens(b)) for a, b in zip(g, p)]
    B, seed = 200, 7
    idx = np.random.default_rng(seed).integers(0, len(ids), size=(B, len(ids)))  # same draws as stats.resample
    naive = [_ref_metrics([triples[i] for i in row], [accs[i] for i in row]) for row in idx]
    boot = stats.resample(aeb.aggregate, st, B, seed)
    for key in ("f1", "precision", "recall", "accuracy"):
        assert np.allclose(boot[key], [m[key] for m in naive], atol=1e-12)
        est = stats.bootstrap(aeb.aggregate, st, B, seed)[key]
        assert est.std == pytest.approx(statistics.stdev([m[key] for m in naive]), abs=1e-12)
        assert est.ci_low <= est.value <= est.ci_high


@pytest.mark.parametrize("batched", [False, True])
def test_resampling_gathers_exactly_what_fancy_indexing_did(batched, monkeypatch):
    """stats.resample gathers every statistic in one np.take: each family's bootstrap values must be
    bit for bit those of gathering each statistic with v[idx] (the same blocks, added in the same
    order), with NaN pages, in one batch and in several."""
    from benchmarks.metrics import METRICS

    if batched:
        monkeypatch.setattr(stats, "_BATCH_CELLS", 40 * 7)  # 7 resamples per batch
    rng = np.random.default_rng(3)
    n, resamples = 40, 50
    checked = 0
    for name, family in METRICS.items():
        if not family.stat_keys:
            continue
        per_page = {k: np.where(rng.random(n) < 0.1, np.nan, rng.random(n)) for k in family.stat_keys}
        for stats_, aggregate in ((per_page, family.aggregate), family.resampled(per_page)):
            arrays = {k: np.asarray(v, dtype=float) for k, v in stats_.items()}
            old: dict[str, list] = {}
            for idx in stats._batches(n, resamples, 11):
                for key, values in aggregate({k: v[idx] for k, v in arrays.items()}).items():
                    old.setdefault(key, []).append(np.asarray(values, dtype=float))
            new = stats.resample(aggregate, stats_, resamples, 11)
            assert new.keys() == old.keys(), name
            for key in new:
                np.testing.assert_array_equal(new[key], np.concatenate(old[key]), err_msg=f"{name}: {key}")
        checked += 1
    assert checked >= 5  # AEB, bag of words, ROUGE, snippets, blocks at least


def test_bootstrap_is_seeded():
    st = {"bow_precision": np.linspace(0, 1, 30), "bow_recall": np.linspace(1, 0, 30), "bow_f1": np.linspace(0, 1, 30) ** 2}
    a = stats.bootstrap(bow.aggregate, st, 300, seed=1)["f1"]
    b = stats.bootstrap(bow.aggregate, st, 300, seed=1)["f1"]
    c = stats.bootstrap(bow.aggregate, st, 300, seed=2)["f1"]
    assert a == b and a.std != c.std


# -- WCXB bag of words ----------------------------------------------------------------------------

def test_bow_hand_cases():
    assert bow.word_prf("The cat sat", "the CAT") == pytest.approx((1.0, 2 / 3, 0.8))
    assert bow.word_prf("", "") == (1.0, 1.0, 1.0)
    assert bow.word_prf("", "x") == (0.0, 0.0, 0.0)
    assert bow.word_prf("x", "") == (0.0, 0.0, 0.0)
    # multiset: "a a b" vs "a b b" → overlap 2 of 3
    assert bow.word_prf("a a b", "a b b")[2] == pytest.approx(2 / 3)
    st = {k: np.array(v) for k, v in zip(bow.STAT_KEYS, zip(bow.word_prf("a b", "a b"), bow.word_prf("a b", "")))}
    assert bow.aggregate(st)["f1"] == pytest.approx(0.5)  # macro mean


# -- ROUGE-LSum -----------------------------------------------------------------------------------

def test_rouge_lsum_hand_case():
    # gold lines "a b c" / "d e"; prediction "a b c": union LCS hits 3 → R = 3/5, P = 3/3
    p, r, f = rouge.rouge_lsum("a b c\nd e", "a b c")
    assert (p, r) == pytest.approx((1.0, 0.6)) and f == pytest.approx(0.75)
    # whitespace tokens: case and punctuation matter (rouge-score's default tokenizer would ignore them)
    assert rouge.rouge_lsum("Hello, world", "hello world")[2] == 0.5  # only "world" matches
    assert rouge.rouge_lsum("", "") == (1.0, 1.0, 1.0)
    assert rouge.rouge_lsum("a b", "")[2] == 0.0


def test_fast_rouge_lsum_equals_the_rouge_score_package():
    import random

    rng = random.Random(3)
    words = "a b c d e the of x y z".split()
    for _ in range(200):  # small vocabularies make many ties: the backtracking must break them the same way
        g = "\n".join(" ".join(rng.choices(words, k=rng.randint(0, 9))) for _ in range(rng.randint(1, 5)))
        p = "\n".join(" ".join(rng.choices(words, k=rng.randint(0, 9))) for _ in range(rng.randint(1, 5)))
        assert rouge.rouge_lsum(g, p) == pytest.approx(rouge.rouge_lsum_reference(g, p), abs=1e-12), (g, p)
    gold = json.loads((FIXTURE / "ground-truth.json").read_text())
    pred = _load("justext")
    for pid in sorted(gold, key=lambda k: len(gold[k]["articleBody"]))[:3]:  # short pages: the package is slow
        a, b = gold[pid]["articleBody"], pred[pid].get("articleBody") or ""
        assert rouge.rouge_lsum(a, b) == pytest.approx(rouge.rouge_lsum_reference(a, b), abs=1e-12)


# -- snippets ------------------------------------------------------------------------------------

def test_snippets_hand_case():
    text = "Main story text.\nIt continues   here.\nFooter links"
    assert snippets.snippet_counts(text, ["It continues here.", "missing bit"], ["Footer links", "Cookie policy"]) == (1, 1, 1, 1)
    assert snippets.snippet_counts(None, ["a", "b"], ["c"]) == (0, 2, 0, 1)
    st = {k: np.array([v]) for k, v in zip(snippets.STAT_KEYS, (1.0, 1.0, 1.0, 1.0))}
    out = snippets.aggregate(st)
    assert out["precision"] == 0.5 and out["recall"] == 0.5 and out["accuracy"] == 0.5


# -- blocks --------------------------------------------------------------------------------------

def test_block_projection_and_prf():
    text = "Big headline here\nHome News Sport\nFirst paragraph of the story\nShare on Facebook"
    spans, pos = [], 0
    for line in text.split("\n"):
        spans.append({"start": pos, "end": pos + len(line)})
        pos += len(line) + 1
    out = "Big headline here. First paragraph of the story. News"
    assert blocks.predicted_blocks(text, spans, out) == [0, 2]  # one word of the menu is not enough
    assert blocks.block_prf([0, 2], [0, 2]) == (1.0, 1.0, 1.0)
    p, r, f = blocks.block_prf([0, 1, 2], [0, 2])
    assert (p, r) == pytest.approx((2 / 3, 1.0)) and f == pytest.approx(0.8)
    assert blocks.page_stats(text, spans, [0, 2], "")["block_f1"] == 0.0
