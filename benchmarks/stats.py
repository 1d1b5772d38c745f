"""Statistics over per-page sufficient statistics: seeded bootstrap intervals and paired tests.

Every metric in PageGold is ``aggregate(stats)`` where ``stats`` maps names to per-page arrays and
``aggregate`` reduces the last axis. Resampling pages is then one fancy-indexing step: the
statistics of ``B`` resamples form arrays of shape ``(B, n_pages)`` and one ``aggregate`` call
scores them all. Resamples are drawn in batches so memory stays bounded for large releases.

* ``bootstrap``: percentile 95% interval (Efron) and the sample std of the resampled values
  (AEB's "±").
* ``paired_bootstrap``: the same page resamples for both systems; the p-value is the two-sided
  share of resampled differences on the other side of zero (Koehn 2004-style paired bootstrap).
* ``paired_permutation``: approximate randomisation — swap the two systems' outputs per page at
  random (Noreen 1989; Riezler & Maxwell 2005).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

Stats = Mapping[str, np.ndarray]
Aggregate = Callable[[Stats], Mapping[str, np.ndarray]]

DEFAULT_RESAMPLES = 1000
DEFAULT_SEED = 20191  # fixed so that every report is reproducible
_BATCH_CELLS = 4_000_000  # resamples × pages drawn at once


def _n_pages(stats: Stats) -> int:
    lengths = {len(np.asarray(v)) for v in stats.values()}
    if len(lengths) != 1:
        raise ValueError(f"per-page statistics have different lengths: {sorted(lengths)}")
    return lengths.pop()


def _batches(n: int, resamples: int, seed: int):
    if n * resamples <= _BATCH_CELLS:  # the common case: one batch, the same for every system scored
        yield _single_batch(n, resamples, seed)
        return
    rng = np.random.default_rng(seed)
    step = max(1, _BATCH_CELLS // max(n, 1))
    for start in range(0, resamples, step):
        yield rng.integers(0, n, size=(min(step, resamples - start), n))


@functools.lru_cache(maxsize=4)
def _single_batch(n: int, resamples: int, seed: int) -> np.ndarray:
    idx = np.random.default_rng(seed).integers(0, n, size=(resamples, n))
    idx.flags.writeable = False  # shared between calls
    return idx


def _gather(arrays: dict[str, np.ndarray], idx: np.ndarray) -> dict[str, np.ndarray]:
    """``{k: v[idx]}``: every statistic at the resampled pages, gathered in one ``np.take`` of the
    statistics stacked as rows (several times faster than fancy-indexing each; every result is a
    C-contiguous ``idx``-shaped block, as ``v[idx]`` is, so later reductions add in the same order)."""
    if not arrays or any(v.ndim != 1 for v in arrays.values()):
        return {k: v[idx] for k, v in arrays.items()}
    taken = np.take(np.stack(list(arrays.values())), idx, axis=1)
    return dict(zip(arrays, taken))


def resample(aggregate: Aggregate, stats: Stats, resamples: int = DEFAULT_RESAMPLES, seed: int = DEFAULT_SEED) -> dict[str, np.ndarray]:
    """Metric values on ``resamples`` bootstrap resamples of the pages: name → array (resamples,)."""
    n = _n_pages(stats)
    arrays = {k: np.asarray(v, dtype=float) for k, v in stats.items()}
    out: dict[str, list[np.ndarray]] = {}
    for idx in _batches(n, resamples, seed):
        for key, values in aggregate(_gather(arrays, idx)).items():
            out.setdefault(key, []).append(np.asarray(values, dtype=float))
    return {k: np.concatenate(v) for k, v in out.items()}


@dataclass(frozen=True)
class Estimate:
    value: float
    ci_low: float
    ci_high: float
    std: float

    def as_dict(self, prefix: str) -> dict[str, float]:
        return {prefix: self.value, f"{prefix}_std": self.std, f"{prefix}_ci_low": self.ci_low, f"{prefix}_ci_high": self.ci_high}


def bootstrap(
    aggregate: Aggregate, stats: Stats, resamples: int = DEFAULT_RESAMPLES, seed: int = DEFAULT_SEED, level: float = 0.95
) -> dict[str, Estimate]:
    """Point estimate, percentile interval and bootstrap std of every metric ``aggregate`` returns."""
    point = {k: float(v) for k, v in aggregate({k: np.asarray(v, dtype=float) for k, v in stats.items()}).items()}
    if resamples <= 1 or _n_pages(stats) == 0:
        return {k: Estimate(v, float("nan"), float("nan"), float("nan")) for k, v in point.items()}
    boot = resample(aggregate, stats, resamples, seed)
    alpha = (1 - level) / 2
    out = {}
    for key, value in point.items():
        b = boot[key][~np.isnan(boot[key])]
        if len(b) < 2:
            out[key] = Estimate(value, float("nan"), float("nan"), float("nan"))
            continue
        low, high = np.quantile(b, [alpha, 1 - alpha])
        out[key] = Estimate(value, float(low), float(high), float(np.std(b, ddof=1)))
    return out


@dataclass(frozen=True)
class Comparison:
    metric: str
    a: float
    b: float
    diff: float
    ci_low: float
    ci_high: float
    p_value: float
    method: str


def _paired(aggregate: Aggregate, stats_a: Stats, stats_b: Stats, metric: str):
    """(n pages, a arrays, b arrays, a's value, b's value) for two systems scored on the same pages."""
    n = _n_pages(stats_a)
    if _n_pages(stats_b) != n:
        raise ValueError("paired comparison needs both systems scored on the same pages")
    a_arr = {k: np.asarray(v, dtype=float) for k, v in stats_a.items()}
    b_arr = {k: np.asarray(v, dtype=float) for k, v in stats_b.items()}
    return n, a_arr, b_arr, float(aggregate(a_arr)[metric]), float(aggregate(b_arr)[metric])


def paired_bootstrap(
    aggregate: Aggregate, stats_a: Stats, stats_b: Stats, metric: str,
    resamples: int = DEFAULT_RESAMPLES, seed: int = DEFAULT_SEED,
) -> Comparison:
    """Difference a − b of one metric on the same pages, with a paired bootstrap interval and p-value."""
    n, a_arr, b_arr, a, b = _paired(aggregate, stats_a, stats_b, metric)
    diffs = []
    for idx in _batches(n, resamples, seed):
        da = aggregate({k: v[idx] for k, v in a_arr.items()})[metric]
        db = aggregate({k: v[idx] for k, v in b_arr.items()})[metric]
        diffs.append(np.asarray(da - db, dtype=float))
    d = np.concatenate(diffs)
    d = d[~np.isnan(d)]
    low, high = np.quantile(d, [0.025, 0.975])
    # two-sided: how often the resampled difference falls on the other side of zero (+1 smoothing)
    p = min(1.0, 2 * (min((d <= 0).sum(), (d >= 0).sum()) + 1) / (len(d) + 1))
    return Comparison(metric, a, b, a - b, float(low), float(high), float(p), "paired bootstrap")


def paired_permutation(
    aggregate: Aggregate, stats_a: Stats, stats_b: Stats, metric: str,
    permutations: int = DEFAULT_RESAMPLES, seed: int = DEFAULT_SEED,
) -> Comparison:
    """Approximate randomisation test: swap a/b per page at random; p = share of |Δ| ≥ observed."""
    n, a_arr, b_arr, a, b = _paired(aggregate, stats_a, stats_b, metric)
    observed = abs(a - b)
    rng = np.random.default_rng(seed)
    hits = 0
    step = max(1, _BATCH_CELLS // max(n, 1))
    for start in range(0, permutations, step):
        swap = rng.random((min(step, permutations - start), n)) < 0.5
        pa = {k: np.where(swap, b_arr[k], a_arr[k]) for k in a_arr}
        pb = {k: np.where(swap, a_arr[k], b_arr[k]) for k in a_arr}
        d = np.abs(np.asarray(aggregate(pa)[metric]) - np.asarray(aggregate(pb)[metric]))
        hits += int((d >= observed - 1e-12).sum())
    return Comparison(metric, a, b, a - b, float("nan"), float("nan"), (hits + 1) / (permutations + 1), "paired permutation")
