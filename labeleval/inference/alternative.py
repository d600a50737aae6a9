"""The alternative annotator test and its companion, equivalence of two accuracies (TOST).

**The alternative annotator test** (Calderon, Reichart & Dror, "The Alternative Annotator Test for
LLM-as-a-Judge: How to Statistically Justify Replacing Human Annotators with LLMs", ACL 2025) asks whether a
candidate annotator (a model, or a cheaper vendor's consensus) can stand in for a group of human annotators.
Each human *j* is held out in turn. On every item *i* that *j* labelled, the candidate's label and *j*'s label
are each scored against the remaining humans' labels of *i* (the share of them it matches, under the task's match
rule), and

* ``W_f(i) = 1`` when the candidate scores at least as well as *j*, ``W_h(i) = 1`` when *j* scores at least as
  well as the candidate (a tie counts for both);
* ``rho_f = mean W_f`` and ``rho_h = mean W_h`` over *j*'s items (the candidate's and the human's advantage
  probabilities);
* the one-sided paired t-test of ``H0: rho_h - rho_f >= epsilon`` against ``H1: rho_h - rho_f < epsilon`` on the
  per-item differences ``W_h(i) - W_f(i)``; ``epsilon`` is the handicap the humans carry for the candidate's
  lower cost (the paper suggests 0.2 for experts, 0.15 for skilled workers, 0.1 for crowd workers);
* the p-values of every held-out human are adjusted together by Benjamini-Yekutieli; the candidate *wins*
  against *j* where *j*'s adjusted p-value is at most the level, and it passes when it wins against at least
  half the humans tested (the winning rate ``omega >= 0.5``).

A human is tested only with enough items (:data:`~labeleval.tuning.ALT_MIN_ITEMS`, the paper's floor for the
t-test); an item counts only where the candidate labelled it and at least two humans did (so that one remains
when one is held out). The functions take integer codes and a match rule ``hit[label, reference]`` (the task
kind's, :attr:`labeleval.scoring.kinds.Kind.hit`) and know nothing of vendors.

**TOST** (Schuirmann 1987): two one-sided paired t-tests that the mean per-item difference of two accuracies
lies within ``(-margin, margin)``; equivalence is claimed when both reject at the level, that is when the
``1 - 2 * level`` t interval of the mean lies inside the margins.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import stdtr, stdtrit

from labeleval.inference.stats import benjamini_yekutieli
from labeleval.metrics.cells import Hit

#: the columns of :func:`annotator_tests`
TEST_COLUMNS = (
    "annotator",
    "n_items",
    "candidate_advantage",
    "annotator_advantage",
    "difference",
    "t",
    "p_value",
)


def leave_one_out_scores(
    item: np.ndarray, code: np.ndarray, candidate: np.ndarray, hit: Hit
) -> tuple[np.ndarray, np.ndarray]:
    """Per judgment (human ``code`` on item ``item``, an index into ``candidate``): the share of the *other*
    judgments of the same item that the human's label matches, and that the candidate's label of the item
    matches (``hit[label, reference]``). Items with a single judgment get NaN."""
    item = np.asarray(item, dtype=np.int64)
    code = np.asarray(code, dtype=np.int64)
    n = len(item)
    human = np.full(n, np.nan)
    model = np.full(n, np.nan)
    if n == 0:
        return human, model
    order = np.argsort(item, kind="stable")
    sorted_item = item[order]
    starts = np.flatnonzero(np.r_[True, sorted_item[1:] != sorted_item[:-1]])
    sizes = np.diff(np.r_[starts, n])
    group = np.repeat(np.arange(len(starts)), sizes)
    size_j = sizes[group]
    # every ordered pair (j, k) of judgments of one item, j != k
    rep = np.repeat(np.arange(n), size_j)
    within = np.arange(len(rep)) - np.repeat(np.cumsum(size_j) - size_j, size_j)
    other = starts[group][rep] + within
    keep = other != rep
    rep, other = rep[keep], other[keep]
    codes = code[order]
    pair_hits = np.asarray(hit[codes[rep], codes[other]], dtype=np.float64)
    others = np.maximum(size_j - 1, 1).astype(np.float64)
    human_sorted = np.bincount(rep, weights=pair_hits, minlength=n) / others
    cand = np.asarray(candidate, dtype=np.int64)[sorted_item]
    own = np.asarray(hit[cand, codes], dtype=np.float64)
    per_item = np.bincount(group, weights=own, minlength=len(starts))
    model_sorted = (per_item[group] - own) / others
    single = size_j < 2
    human_sorted[single] = np.nan
    model_sorted[single] = np.nan
    human[order] = human_sorted
    model[order] = model_sorted
    return human, model


def annotator_tests(
    item: np.ndarray,
    annotator: np.ndarray,
    code: np.ndarray,
    candidate: np.ndarray,
    hit: Hit,
    *,
    epsilon: float,
) -> pd.DataFrame:
    """One row per held-out annotator (:data:`TEST_COLUMNS`): items, the candidate's and the annotator's
    advantage probabilities, their mean difference ``rho_h - rho_f``, and the one-sided t-test of
    ``rho_h - rho_f >= epsilon`` (p-value unadjusted). Judgments whose item the candidate did not label
    (``candidate[item] < 0``) or that no other judgment shares are left out before scoring."""
    item = np.asarray(item, dtype=np.int64)
    annotator = np.asarray(annotator, dtype=np.int64)
    code = np.asarray(code, dtype=np.int64)
    labelled = np.asarray(candidate, dtype=np.int64)[item] >= 0
    item, annotator, code = item[labelled], annotator[labelled], code[labelled]
    human, model = leave_one_out_scores(item, code, candidate, hit)
    ok = np.isfinite(human)
    diff = (human[ok] >= model[ok]).astype(np.float64) - (model[ok] >= human[ok]).astype(np.float64)
    wins = (model[ok] >= human[ok]).astype(np.float64)
    who = annotator[ok]
    rows = []
    for a in np.unique(who):
        mine = who == a
        rows.append({"annotator": int(a), **one_sided_t(diff[mine], epsilon), "candidate_advantage": wins[mine].mean()})
    frame = pd.DataFrame(rows, columns=list(TEST_COLUMNS))
    if len(frame):
        frame["annotator_advantage"] = frame["candidate_advantage"] + frame["difference"]
    return frame


def one_sided_t(values: np.ndarray, bound: float) -> dict[str, float]:
    """The one-sample t-test of ``mean >= bound`` against ``mean < bound``: ``n_items``, ``difference`` (the
    mean), ``t`` and ``p_value``. With no spread the p-value is 0 below the bound and 1 otherwise."""
    n = len(values)
    mean = float(values.mean()) if n else math.nan
    if n < 2:
        return {"n_items": n, "difference": mean, "t": math.nan, "p_value": math.nan}
    sd = float(values.std(ddof=1))
    if sd == 0.0:
        return {"n_items": n, "difference": mean, "t": math.nan, "p_value": 0.0 if mean < bound else 1.0}
    t = (mean - bound) / (sd / math.sqrt(n))
    return {"n_items": n, "difference": mean, "t": t, "p_value": float(stdtr(n - 1, t))}


def decide(tests: pd.DataFrame, *, level: float, min_items: int) -> pd.DataFrame:
    """``tests`` with ``tested`` (at least ``min_items`` items), ``p_adjusted`` (Benjamini-Yekutieli over every
    tested row at once: concatenate the slices' rows first to test them as one family) and ``candidate_wins``."""
    out = tests.copy()
    out["tested"] = out["n_items"] >= min_items
    p = np.where(out["tested"], out["p_value"].to_numpy(dtype=np.float64), np.nan)
    out["p_adjusted"] = benjamini_yekutieli(p)
    out["candidate_wins"] = out["tested"] & (out["p_adjusted"] <= level)
    return out


@dataclass(frozen=True)
class Equivalence:
    """A TOST of a mean paired difference against ``(-margin, margin)``: the estimate, its ``1 - 2 * level``
    interval, the TOST p-value (the larger one-sided one) and whether equivalence is claimed."""

    n: int
    difference: float
    ci_low: float
    ci_high: float
    p_value: float
    margin: float
    equivalent: bool


def tost(differences: np.ndarray, *, margin: float, level: float) -> Equivalence:
    """Two one-sided t-tests that the mean of ``differences`` (one per unit) lies within ``(-margin, margin)``."""
    d = np.asarray(differences, dtype=np.float64)
    d = d[np.isfinite(d)]
    n = len(d)
    if n < 2:
        mean = float(d.mean()) if n else math.nan
        return Equivalence(n, mean, math.nan, math.nan, math.nan, margin, False)
    mean = float(d.mean())
    se = float(d.std(ddof=1)) / math.sqrt(n)
    if se == 0.0:
        inside = abs(mean) < margin
        return Equivalence(n, mean, mean, mean, 0.0 if inside else 1.0, margin, inside)
    p_low = float(stdtr(n - 1, -(mean + margin) / se))  # H0: mean <= -margin
    p_high = float(stdtr(n - 1, (mean - margin) / se))  # H0: mean >= margin
    half = float(stdtrit(n - 1, 1 - level)) * se
    p = max(p_low, p_high)
    return Equivalence(n, mean, mean - half, mean + half, p, margin, p <= level)
