"""ROUGE-LSum per page, as in Bevendorff et al. 2023.

Source: J. Bevendorff, S. Gupta, J. Kiesel, B. Stein, "An Empirical Comparison of Web Content
Extraction Algorithms", SIGIR 2023; scored with Google's ``rouge-score`` package.

Definition: ``rouge_scorer.RougeScorer(["rougeLsum"], use_stemmer=False)`` with a whitespace
tokenizer (tokens are whitespace-separated strings, case and punctuation kept); "sentences" for
the summary-level LCS are the text's lines. Per page the F-measure (and P, R); corpus values are the
mean (macro) and the median over pages. An empty prediction or gold scores 0 unless both are empty
(then 1), because the package returns 0 for any empty side.

Speed: rouge-score's summary-level LCS fills one pure-Python table per (reference line, candidate
line) pair — ~15 s for a 5,000-word page. ``rouge_lsum`` computes the same thing (same tables, same
backtracking and tie-breaking, same double-count guard as ``rouge_scorer._summary_level_lcs``) with
all candidate lines of one reference line in one numpy table: identical values (checked against the
package in tests/test_metrics_boilerplate.py), several times faster.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Mapping

import numpy as np

from benchmarks.metrics import Metric, macro_prf, register_metric

STAT_KEYS = ("rouge_lsum_precision", "rouge_lsum_recall", "rouge_lsum_f1")


class _WhitespaceTokenizer:
    """rouge-score's default tokenizer lowercases and drops punctuation; Bevendorff et al. split on whitespace."""

    def tokenize(self, text: str) -> list[str]:
        return text.split()


@functools.lru_cache(maxsize=1)
def _scorer():
    try:
        from rouge_score import rouge_scorer
    except ImportError as exc:  # pragma: no cover - declared in the metrics extra
        raise ImportError('ROUGE-LSum needs rouge-score: pip install "pagegold[metrics]"') from exc
    return rouge_scorer.RougeScorer(["rougeLsum"], use_stemmer=False, tokenizer=_WhitespaceTokenizer())


def _lines(text: str) -> str:
    # rougeLsum splits "sentences" on newlines; blank lines would be empty sentences
    return "\n".join(line for line in text.splitlines() if line.strip())


def rouge_lsum_reference(gold: str | None, pred: str | None) -> tuple[float, float, float]:
    """ROUGE-LSum straight from the rouge-score package (slow; the reference for ``rouge_lsum``).

    Parameters
    ----------
    gold, pred : str or None
        Gold main text and system output; lines are the summary-level "sentences".

    Returns
    -------
    tuple of float
        (precision, recall, F1).

    Examples
    --------
    >>> [round(x, 4) for x in rouge_lsum_reference("the cat sat\\nthe dog ran", "the cat sat")]
    [1.0, 0.5, 0.6667]
    """
    gold, pred = _lines(gold or ""), _lines(pred or "")
    if not gold.split() and not pred.split():
        return 1.0, 1.0, 1.0
    s = _scorer().score(gold, pred)["rougeLsum"]
    return s.precision, s.recall, s.fmeasure


def rouge_lsum(gold: str | None, pred: str | None) -> tuple[float, float, float]:
    """Per-page (precision, recall, F1) of ROUGE-LSum, equal to ``rouge_lsum_reference``.

    Parameters
    ----------
    gold, pred : str or None
        Gold main text and system output; lines are the summary-level "sentences".

    Returns
    -------
    tuple of float
        (precision, recall, F1).

    Examples
    --------
    >>> [round(x, 4) for x in rouge_lsum("the cat sat\\nthe dog ran", "the cat sat")]
    [1.0, 0.5, 0.6667]
    """
    tok = _WhitespaceTokenizer()
    ref = [tok.tokenize(line) for line in _lines(gold or "").split("\n") if line]
    can = [tok.tokenize(line) for line in _lines(pred or "").split("\n") if line]
    m, n = sum(map(len, ref)), sum(map(len, can))
    if not m and not n:
        return 1.0, 1.0, 1.0
    if not m or not n:
        return 0.0, 0.0, 0.0
    hits = _union_hits(ref, can)
    p, r = hits / n, hits / m
    return p, r, (2 * p * r / (p + r) if p + r > 0 else 0.0)


def _union_hits(ref_sents: list[list[str]], can_sents: list[list[str]]) -> int:
    """``hits`` of rouge-score's ``_summary_level_lcs``: union LCS per reference line, no double counts.

    The LCS tables of one reference line against every candidate line are the columns of one array
    (each candidate preceded by a zero boundary column). A row is filled with numpy:
    ``c[i][j] = max(c[i][j-1], c[i-1][j-1]+1 if match else c[i-1][j])`` is a running maximum, kept
    inside each candidate's columns by adding ``segment × (len+1)`` before the ``maximum.accumulate``.
    Backtracking is rouge-score's ``_backtrack_norec`` on the same values, so ties break the same way.
    """
    vocab: dict[str, int] = {}
    ref = [[vocab.setdefault(t, len(vocab)) for t in s] for s in ref_sents]
    can = [[vocab.setdefault(t, len(vocab)) for t in s] for s in can_sents]
    cols_l: list[int] = []
    seg_l: list[int] = []
    starts_l: list[int] = []
    for k, c in enumerate(can):
        starts_l.append(len(cols_l))
        cols_l.append(-1)
        cols_l.extend(c)
        seg_l.extend([k] * (len(c) + 1))
    cols, seg = np.array(cols_l, dtype=np.int64), np.array(seg_l, dtype=np.int64)
    boundary = cols == -1
    starts = np.array(starts_l)
    ends = np.append(starts[1:], len(cols)) - 1
    cnt_r = Counter(t for s in ref for t in s)
    cnt_c = Counter(t for s in can for t in s)
    hits = 0
    shifted = np.zeros(len(cols), dtype=np.int64)
    for r in ref:
        n_rows = len(r)
        if n_rows == 0:
            continue
        off = seg * (n_rows + 1)
        table = np.zeros((n_rows + 1, len(cols)), dtype=np.int64)
        for i in range(1, n_rows + 1):
            prev = table[i - 1]
            shifted[1:] = prev[:-1]
            row = np.where(cols == r[i - 1], shifted + 1, prev)
            row[boundary] = 0
            table[i] = np.maximum.accumulate(row + off) - off
        union: set[int] = set()
        for k in np.flatnonzero(table[n_rows, ends] > 0):  # candidates with an empty LCS add nothing
            b, c = starts[k], can[k]
            i, j = n_rows, len(c)
            t = table[:, b : b + j + 1].tolist()
            while i > 0 and j > 0:
                if r[i - 1] == c[j - 1]:
                    union.add(i - 1)
                    i -= 1
                    j -= 1
                elif t[i][j - 1] > t[i - 1][j]:
                    j -= 1
                else:
                    i -= 1
        for idx in sorted(union):
            tok = r[idx]
            if cnt_c[tok] > 0 and cnt_r[tok] > 0:
                hits += 1
                cnt_c[tok] -= 1
                cnt_r[tok] -= 1
    return hits


def page_stats(gold: str | None, pred: str | None) -> dict[str, float]:
    """Per-page sufficient statistics for ``aggregate``: ``rouge_lsum`` under the family's keys.

    Parameters
    ----------
    gold, pred : str or None
        Gold main text and system output.

    Returns
    -------
    dict
        ``rouge_lsum_precision``, ``rouge_lsum_recall``, ``rouge_lsum_f1``.

    Examples
    --------
    >>> {k: round(v, 4) for k, v in page_stats("the cat sat\\nthe dog ran", "the cat sat").items()}
    {'rouge_lsum_precision': 1.0, 'rouge_lsum_recall': 0.5, 'rouge_lsum_f1': 0.6667}
    """
    return dict(zip(STAT_KEYS, rouge_lsum(gold, pred)))


def aggregate(stats: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Macro means (and the median F1) over the last axis (pages with NaN statistics left out).

    Parameters
    ----------
    stats : mapping of str to numpy.ndarray
        ``page_stats`` keys → arrays of shape ``(..., n_pages)``.

    Returns
    -------
    dict of str to numpy.ndarray
        ``f1``, ``median`` (of the F1), ``precision``, ``recall``.

    Examples
    --------
    >>> s = {"rouge_lsum_f1": np.array([1.0, 0.5]), "rouge_lsum_precision": np.array([1.0, 1.0]),
    ...      "rouge_lsum_recall": np.array([1.0, 0.25])}
    >>> {k: float(v) for k, v in aggregate(s).items()}
    {'f1': 0.75, 'median': 0.75, 'precision': 1.0, 'recall': 0.625}
    """
    f1 = np.asarray(stats["rouge_lsum_f1"], dtype=float)
    means = macro_prf(stats, "rouge_lsum")
    median = np.median(f1, axis=-1) if not np.isnan(f1).any() else np.nanmedian(f1, axis=-1)
    return {"f1": means["f1"], "median": median, "precision": means["precision"], "recall": means["recall"]}


class RougeLSum(Metric):
    """ROUGE-LSum against the gold main text (Bevendorff et al. 2023); opt-in in runs (slow)."""

    name = "rouge-lsum"
    prefix = "rouge_lsum"
    stat_keys = STAT_KEYS
    # rouge's F-measure is reported as plain "rouge_lsum" (schemas/results.yaml's example name)
    columns = ("rouge_lsum", "rouge_lsum_median", "rouge_lsum_precision", "rouge_lsum_recall")
    gold_fields = ("main_text",)
    in_runs = False

    def page_stats(self, page, gold, output):
        return page_stats(gold["main_text"], output if isinstance(output, str) else None)

    def aggregate(self, stats):
        return {("rouge_lsum" if k == "f1" else f"rouge_lsum_{k}"): v for k, v in aggregate(stats).items()}


register_metric(RougeLSum())
