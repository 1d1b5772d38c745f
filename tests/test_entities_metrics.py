"""Entity metrics against hand-computed cases and, randomised, against nervaluate 1.2.1 and seqeval 1.2.2."""

from __future__ import annotations

import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.metrics.entities import FIELDS, MODES, conll_scores, evaluate

nervaluate = pytest.importorskip("nervaluate")
seqeval_metrics = pytest.importorskip("seqeval.metrics")
from seqeval.scheme import IOB2  # noqa: E402

LABELS = ["PER", "ORG", "LOC", "MISC"]


def counts(result: dict, mode: str) -> tuple[int, ...]:
    return tuple(result[mode][f] for f in FIELDS)


# -- hand-computed cases ---------------------------------------------------------------------------


def test_each_outcome_by_hand():
    gold = [[(0, 5, "PER"), (10, 20, "LOC"), (30, 35, "ORG"), (40, 45, "MISC")]]
    pred = [[(0, 5, "PER"), (10, 15, "LOC"), (30, 35, "PER"), (50, 55, "ORG")]]
    r = evaluate(gold, pred)
    #                       COR INC PAR MIS SPU
    assert counts(r, "strict") == (1, 2, 0, 1, 1)
    assert counts(r, "exact") == (2, 1, 0, 1, 1)
    assert counts(r, "partial") == (2, 0, 1, 1, 1)
    assert counts(r, "type") == (2, 1, 0, 1, 1)
    assert r["strict"]["precision"] == pytest.approx(1 / 4)
    assert r["strict"]["recall"] == pytest.approx(1 / 4)
    assert r["partial"]["precision"] == pytest.approx(2.5 / 4)
    # per label = scored as if only that label existed
    per = r["per_label"]
    assert counts(per["PER"], "strict") == (1, 0, 0, 0, 1)  # the ORG gold's PER prediction is spurious for PER
    assert counts(per["ORG"], "strict") == (0, 0, 0, 1, 1)
    assert counts(per["LOC"], "type") == (1, 0, 0, 0, 0)
    assert r["conll"]["f1"] == pytest.approx(0.25)


def test_exact_match_is_never_stolen_and_order_does_not_matter():
    gold = [[(0, 10, "PER")]]
    a = evaluate(gold, [[(0, 5, "PER"), (0, 10, "PER")]])
    b = evaluate(gold, [[(0, 10, "PER"), (0, 5, "PER")]])
    assert counts(a, "strict") == counts(b, "strict") == (1, 0, 0, 0, 1)


def test_empty_and_invalid():
    r = evaluate([[]], [[]])
    assert r["strict"]["f1"] == 0.0 and counts(r, "strict") == (0, 0, 0, 0, 0)
    with pytest.raises(ValueError, match="start < end"):
        evaluate([[(5, 5, "PER")]], [[]])
    with pytest.raises(ValueError, match="gold documents"):
        evaluate([[]], [])


# -- randomised comparison with the reference implementations ---------------------------------------


@st.composite
def flat_spans(draw, length: int = 60, max_len: int = 12) -> list[tuple[int, int, str]]:
    """Non-overlapping spans (what an IOB tagging can encode), sorted by start."""
    spans = []
    pos = draw(st.integers(0, 5))
    while pos < length:
        size = draw(st.integers(1, max_len))
        if pos + size > length:
            break
        if draw(st.booleans()):
            spans.append((pos, pos + size, draw(st.sampled_from(LABELS))))
        pos += size + draw(st.integers(0, 4))
    return spans


docs = st.lists(st.tuples(flat_spans(), flat_spans()), min_size=1, max_size=6)


def nervaluate_results(gold_docs, pred_docs):
    def conv(docs):
        return [[{"label": lab, "start": s, "end": e - 1} for s, e, lab in doc] for doc in docs]

    # the dict loader needs at least one list of dicts to infer its format
    evaluator = nervaluate.Evaluator(conv(gold_docs), conv(pred_docs), tags=LABELS, loader="dict")
    return evaluator.evaluate()


NV_MODE = {"strict": "strict", "exact": "exact", "partial": "partial", "type": "ent_type"}


@settings(max_examples=300, deadline=None)
@given(docs)
def test_equals_nervaluate_on_flat_annotations(pairs):
    gold = [g for g, _ in pairs]
    pred = [p for _, p in pairs]
    ours = evaluate(gold, pred)
    theirs = nervaluate_results(gold, pred)
    for mode in MODES:
        nv = theirs["overall"][NV_MODE[mode]]
        assert counts(ours, mode) == (nv.correct, nv.incorrect, nv.partial, nv.missed, nv.spurious), mode
        for key in ("precision", "recall", "f1"):
            assert ours[mode][key] == pytest.approx(getattr(nv, key)), (mode, key)
    for label, per_mode in theirs["entities"].items():
        for mode in MODES:
            nv = per_mode[NV_MODE[mode]]
            mine = ours["per_label"][label]
            assert counts(mine, mode) == (nv.correct, nv.incorrect, nv.partial, nv.missed, nv.spurious), (label, mode)
            assert mine[mode]["f1"] == pytest.approx(nv.f1), (label, mode)


def iob2(doc: list[tuple[int, int, str]], length: int = 60) -> list[str]:
    tags = ["O"] * length
    for s, e, label in doc:
        tags[s] = f"B-{label}"
        for k in range(s + 1, e):
            tags[k] = f"I-{label}"
    return tags


@settings(max_examples=300, deadline=None)
@given(docs)
def test_strict_and_conll_equal_seqeval_strict(pairs):
    # positions are tokens here: seqeval chunks are token spans, our spans are offsets; same algebra
    gold = [g for g, _ in pairs]
    pred = [p for _, p in pairs]
    y_true = [iob2(g) for g in gold]
    y_pred = [iob2(p) for p in pred]
    kw = dict(mode="strict", scheme=IOB2, zero_division=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = {
            "precision": seqeval_metrics.precision_score(y_true, y_pred, **kw),
            "recall": seqeval_metrics.recall_score(y_true, y_pred, **kw),
            "f1": seqeval_metrics.f1_score(y_true, y_pred, **kw),
        }
        report = seqeval_metrics.classification_report(y_true, y_pred, output_dict=True, **kw)
    ours = evaluate(gold, pred)
    conll = conll_scores(gold, pred)
    for key, value in ref.items():
        assert conll[key] == pytest.approx(value)
        assert ours["strict"][key] == pytest.approx(value)
    for label in LABELS:
        if label in report and report[label]["support"] > 0:
            assert ours["per_label"][label]["conll"]["f1"] == pytest.approx(report[label]["f1-score"])
            assert ours["per_label"][label]["strict"]["f1"] == pytest.approx(report[label]["f1-score"])


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 50), st.integers(1, 15), st.sampled_from(LABELS)), max_size=12),
       st.lists(st.tuples(st.integers(0, 50), st.integers(1, 15), st.sampled_from(LABELS)), max_size=12),
       st.randoms())
def test_any_annotation_is_order_independent_and_consistent(g, p, rnd):
    gold = [(s, s + n, lab) for s, n, lab in g]
    pred = [(s, s + n, lab) for s, n, lab in p]
    a = evaluate([gold], [pred])
    rnd.shuffle(gold)
    rnd.shuffle(pred)
    b = evaluate([gold], [pred])
    assert a == b
    for mode in MODES:
        c = a[mode]
        assert c["actual"] == len(pred) and c["possible"] == len(gold)
        assert all(c[f] >= 0 for f in FIELDS)
    assert a["strict"]["correct"] <= a["type"]["correct"]
    assert a["strict"]["correct"] <= a["exact"]["correct"] == a["partial"]["correct"]


def test_documented_disagreement_with_nervaluate_input_order():
    """nervaluate pairs greedily in input order: the inexact prediction listed first takes the gold."""
    gold = [[(0, 10, "PER")]]
    pred = [[(0, 5, "PER"), (0, 10, "PER")]]
    nv = nervaluate_results(gold, pred)["overall"]["strict"]
    assert (nv.correct, nv.incorrect, nv.spurious) == (0, 1, 1)
    assert counts(evaluate(gold, pred), "strict") == (1, 0, 0, 0, 1)
