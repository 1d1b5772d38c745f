"""`pagegold bench score` contract: formats, keys, agreement across formats, clear errors."""

from __future__ import annotations

import json
import re
import statistics
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from pagegold.cli import main

FIXTURE = Path(__file__).parent / "fixtures" / "aeb"
GOLD = FIXTURE / "ground-truth.json"


def score(*args: str) -> tuple[int, str]:
    res = CliRunner().invoke(main, ["bench", "score", "--task", "boilerplate", *args])
    return res.exit_code, res.output


def test_aeb_contract_keys_and_values():
    code, out = score("--metric", "aeb", "--gold", str(GOLD), "--pred", str(FIXTURE / "output" / "trafilatura.json"), "--json")
    assert code == 0, out
    data = json.loads(out)
    for key in ("f1", "precision", "recall", "accuracy"):
        assert 0 <= data[key] <= 1
        assert data[f"{key}_std"] > 0 or key == "accuracy"
    # the F1 is the harmonic mean of the mean precision and the mean recall
    assert data["f1"] == pytest.approx(2 * data["precision"] * data["recall"] / (data["precision"] + data["recall"]))
    assert data["n_pages"] == 25 and data["system_version"] == "2.0.0"


def _ref_bow_f1(gold: dict, pred: dict) -> float:
    """WCXB's word F1, written out independently."""
    f1s = []
    for pid, g in gold.items():
        gt, pt = re.findall(r"\w+", g.lower()), re.findall(r"\w+", (pred.get(pid) or "").lower())
        if not gt:
            f1s.append(1.0 if not pt else 0.0)
            continue
        if not pt:
            f1s.append(0.0)
            continue
        ov = sum((Counter(gt) & Counter(pt)).values())
        p, r = ov / len(pt), ov / len(gt)
        f1s.append(2 * p * r / (p + r) if p + r else 0.0)
    return statistics.mean(f1s)


def test_jsonl_and_aeb_shapes_agree(tmp_path):
    gold = json.loads(GOLD.read_text())
    pred = json.loads((FIXTURE / "output" / "goose3.json").read_text())
    pred = pred.get("output", pred)
    gold_jsonl, pred_jsonl, pred_wrapped = tmp_path / "g.jsonl", tmp_path / "p.jsonl", tmp_path / "p.json"
    gold_jsonl.write_text("\n".join(json.dumps({"page_id": k, "text": v["articleBody"]}) for k, v in gold.items()))
    pred_jsonl.write_text("\n".join(json.dumps({"page_id": k, "text": v["articleBody"]}) for k, v in pred.items()))
    pred_wrapped.write_text(json.dumps({"version": "x", "output": pred}))
    results = []
    for g, p in ((GOLD, FIXTURE / "output" / "goose3.json"), (gold_jsonl, pred_jsonl), (GOLD, pred_wrapped)):
        code, out = score("--metric", "all", "--gold", str(g), "--pred", str(p), "--json", "--resamples", "50")
        assert code == 0, out
        results.append(json.loads(out))
    for key in ("aeb_f1", "aeb_accuracy", "bow_f1", "rouge_lsum"):
        assert results[0][key] == results[1][key] == results[2][key]
    assert results[0]["bow_f1"] == pytest.approx(_ref_bow_f1({k: v["articleBody"] for k, v in gold.items()},
                                                             {k: v["articleBody"] for k, v in pred.items()}))
    assert "snippet_f1" not in results[0]  # AEB gold has no snippets


def test_wcxb_folder_with_snippets(tmp_path):
    folder = tmp_path / "ground-truth"
    folder.mkdir()
    docs = {"0001": ("First story about rivers.\n\nIt floods in spring.", ["It floods in spring."], ["Subscribe now"], "article"),
            "0002": ("Product page text.", ["Product page text."], ["Related items"], "product")}
    for fid, (text, w, wo, ptype) in docs.items():
        (folder / f"{fid}.json").write_text(json.dumps({"file_id": fid, "ground_truth": {"main_content": text, "with": w, "without": wo},
                                                         "_internal": {"page_type": {"primary": ptype}}}))
    pred = tmp_path / "pred.json"
    pred.write_text(json.dumps({"0001": "First story about rivers. It floods in spring. Subscribe now", "0002": ""}))
    code, out = score("--metric", "snippets", "--gold", str(tmp_path), "--pred", str(pred), "--json", "--resamples", "20")
    assert code == 0, out
    data = json.loads(out)
    # page 1: with found (TP), without found (FP); page 2 empty: with missing (FN), without absent (TN)
    assert data["precision"] == 0.5 and data["recall"] == 0.5 and data["accuracy"] == 0.5
    code, out = score("--metric", "bow", "--gold", str(folder), "--pred", str(pred), "--json", "--resamples", "0")
    assert code == 0, out
    assert json.loads(out)["f1"] == pytest.approx(_ref_bow_f1({k: v[0] for k, v in docs.items()}, json.loads(pred.read_text())))


@pytest.mark.parametrize("content, message", [
    ("{not json", "not valid JSON"),
    ('{"abc": {"text": "x"}}', "has no 'articleBody'"),
    ('{"unrelated-id": {"articleBody": "x"}}', "no page id of predictions"),
    ('[1, 2]', "expected a JSON object"),
])
def test_bad_predictions_name_file_and_problem(tmp_path, content, message):
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    code, out = score("--metric", "aeb", "--gold", str(GOLD), "--pred", str(bad), "--json")
    assert code != 0
    assert message in out and "bad.json" in out


def test_bad_inputs_other(tmp_path):
    code, out = score("--metric", "aeb", "--gold", str(tmp_path / "missing.json"), "--pred", str(GOLD))
    assert code != 0 and "does not exist" in out and "missing.json" in out
    jl = tmp_path / "p.jsonl"
    jl.write_text('{"page_id": "a"}\n')
    code, out = score("--metric", "aeb", "--gold", str(GOLD), "--pred", str(jl))
    assert code != 0 and "p.jsonl:1" in out and "'text'" in out
    code, out = score("--metric", "snippets", "--gold", str(GOLD), "--pred", str(FIXTURE / "output" / "goose3.json"))
    assert code != 0 and "snippets" in out
    code, out = score("--metric", "nope", "--gold", str(GOLD), "--pred", str(GOLD))
    assert code != 0 and "unknown metric" in out


def test_missing_predictions_score_as_empty(tmp_path):
    gold = json.loads(GOLD.read_text())
    ids = list(gold)
    half = tmp_path / "half.jsonl"
    half.write_text("\n".join(json.dumps({"page_id": k, "text": gold[k]["articleBody"]}) for k in ids[:10]))
    code, out = score("--metric", "aeb", "--gold", str(GOLD), "--pred", str(half), "--json", "--resamples", "0")
    data = json.loads(out)
    assert data["precision"] == 1.0 and data["recall"] == pytest.approx(10 / 25) and data["n_missing_predictions"] == 15


def test_several_predictions_in_two_processes_equal_one_by_one():
    preds = [FIXTURE / "output" / f"{name}.json" for name in ("trafilatura", "goose3", "justext")]
    one_by_one = {}
    for p in preds:
        code, out = score("--metric", "aeb", "--gold", str(GOLD), "--pred", str(p), "--json", "--resamples", "100")
        assert code == 0, out
        one_by_one[str(p)] = json.loads(out)
    args = [a for p in preds for a in ("--pred", str(p))]
    code, out = score("--metric", "aeb", "--gold", str(GOLD), *args, "--jobs", "2", "--json", "--resamples", "100")
    assert code == 0, out
    together = json.loads(out)
    assert list(together) == [str(p) for p in preds]  # keyed by path, in the order given
    assert together == one_by_one
