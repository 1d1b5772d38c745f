"""Perf check of the entity metrics: score 10,000 documents of ~30 entities each in under 2 s.

Run: ``python -m benchmarks.perf.entity_scoring [--docs 10000] [--entities 30]``. Predictions are
gold with realistic noise (boundary shifts, wrong labels, misses, spurious spans), so every
pairing path runs, not only the exact-match fast path. Prints the wall time of ``evaluate``
(all four SemEval modes, per label, and CoNLL F1) and of 1,000 bootstrap resamples of the micro F1.
"""

from __future__ import annotations

import argparse
import random
import time

from benchmarks.metrics.entities import bootstrap, count_pages, evaluate

LABELS = ("PER", "ORG", "LOC", "MISC")


def make_corpus(n_docs: int, n_entities: int, seed: int = 0) -> tuple[list, list]:
    rnd = random.Random(seed)
    golds, preds = [], []
    for _ in range(n_docs):
        gold, pred = [], []
        pos = 0
        for _ in range(n_entities):
            pos += rnd.randint(5, 60)
            size = rnd.randint(2, 25)
            label = rnd.choice(LABELS)
            gold.append({"start": pos, "end": pos + size, "label": label})
            r = rnd.random()
            if r < 0.70:
                pred.append({"start": pos, "end": pos + size, "label": label})
            elif r < 0.80:
                pred.append({"start": pos, "end": pos + size, "label": rnd.choice(LABELS)})
            elif r < 0.90:
                pred.append({"start": pos + 1, "end": pos + size + rnd.randint(0, 3), "label": label})
            # else: missed
            if rnd.random() < 0.1:
                pred.append({"start": pos + size + 1, "end": pos + size + 3, "label": rnd.choice(LABELS)})
            pos += size
        golds.append(gold)
        preds.append(pred)
    return golds, preds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--entities", type=int, default=30)
    parser.add_argument("--budget", type=float, default=2.0, help="seconds allowed for evaluate()")
    args = parser.parse_args()
    golds, preds = make_corpus(args.docs, args.entities)
    n_gold = sum(map(len, golds))
    n_pred = sum(map(len, preds))

    t0 = time.perf_counter()
    result = evaluate(golds, preds)
    elapsed = time.perf_counter() - t0

    counts = count_pages(golds, preds)
    t1 = time.perf_counter()
    ci = bootstrap(counts, resamples=1000, seed=0)["strict"]
    boot = time.perf_counter() - t1

    print(f"documents={args.docs} gold_entities={n_gold} predicted_entities={n_pred}")
    print(f"evaluate (strict/exact/partial/type, per label, CoNLL): {elapsed:.3f} s  (budget {args.budget:.1f} s)")
    print(f"strict F1={result['strict']['f1']:.4f} partial F1={result['partial']['f1']:.4f} conll F1={result['conll']['f1']:.4f}")
    print(f"1000 bootstrap resamples of strict micro F1: {boot:.3f} s  (95% CI {ci['f1_ci_low']:.4f}-{ci['f1_ci_high']:.4f})")
    if elapsed > args.budget:
        raise SystemExit(f"too slow: {elapsed:.3f} s > {args.budget} s")


if __name__ == "__main__":
    main()
