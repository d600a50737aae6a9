"""Uncertainty: the item-clustered Poisson bootstrap, Wilson intervals, McNemar's test, Holm's correction.

The bootstrap (DESIGN §7)
-------------------------
Judgments on one item are not independent, so items are resampled, not rows. Every statistic labeleval
reports with a CI is a function of *sums over items* of per-item sufficient statistics (for alpha, each
item's coincidence contributions; for accuracy, correct and scored judgments; ...). One
(resamples x items) weight matrix, drawn once per evaluation and shared by all vendors, gives every
statistic of every resample by a single matrix product ``W @ S``; because the vendors share the weights,
the differences between vendors are *paired* resamples too.

Weights are Poisson(1) (the "Poisson bootstrap", Hanley & MacGibbon 2006; Chamandy et al. 2012), an
approximation of the multinomial bootstrap that is exact in the limit and lets items be weighted
independently. They are drawn by inverse-CDF lookup on 16-bit uniform integers (a 65,536-entry table),
which is far cheaper than ``Generator.poisson``. Intervals are percentile intervals. The item order is
the sorted item ids, so results do not depend on row order, and the weights are drawn in fixed-size item
blocks, so a seed gives the same resamples on any machine.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from statistics import NormalDist
from typing import Final

import numpy as np

BLOCK: Final = 8192  # items per weight block; part of the seed's meaning, do not change lightly


def _poisson_table() -> np.ndarray:
    """Inverse CDF of Poisson(1) at the 65,536 midpoints (u + 0.5) / 65536: the weight for each 16-bit draw."""
    u = (np.arange(65536, dtype=np.float64) + 0.5) / 65536.0
    cdf = np.cumsum([math.exp(-1.0) / math.factorial(k) for k in range(20)])
    return np.searchsorted(cdf, u, side="left").astype(np.uint8)


_TABLE: Final = _poisson_table()


def weight_blocks(n_boot: int, n_items: int, seed: int) -> Iterator[tuple[slice, np.ndarray]]:
    """Yield (item slice, uint8 weights of shape (n_boot, block)) covering all items in order."""
    rng = np.random.default_rng(seed)
    for start in range(0, n_items, BLOCK):
        stop = min(start + BLOCK, n_items)
        raw = rng.integers(0, 65536, size=(n_boot, stop - start), dtype=np.uint16)
        yield slice(start, stop), _TABLE[raw]


def bootstrap_totals(stats: np.ndarray, *, n_boot: int, seed: int) -> np.ndarray:
    """Resampled column sums of an (items x statistics) matrix: returns (n_boot x statistics)."""
    n_items, n_stats = stats.shape
    totals = np.zeros((n_boot, n_stats), dtype=np.float64)
    if n_boot == 0:
        return totals
    for block, weights in weight_blocks(n_boot, n_items, seed):
        totals += weights.astype(np.float64) @ stats[block]
    return totals


def percentile_ci(samples: np.ndarray, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval per column of (n_boot x k) samples, ignoring NaN resamples."""
    tail = (1.0 - confidence) / 2.0 * 100.0
    s = np.atleast_2d(samples.T).T if samples.ndim == 1 else samples
    if s.shape[0] == 0:
        nan = np.full(s.shape[1], np.nan)
        return nan, nan
    with np.errstate(all="ignore"):
        finite = np.isfinite(s)
        s = np.where(finite, s, np.nan)
        all_nan = ~finite.any(axis=0)
        filled = np.where(all_nan[None, :], 0.0, s)
        low = np.nanpercentile(filled, tail, axis=0)
        high = np.nanpercentile(filled, 100.0 - tail, axis=0)
    low[all_nan] = np.nan
    high[all_nan] = np.nan
    return low, high


def bootstrap_p_value(estimate: float, differences: np.ndarray) -> float:
    """Two-sided p-value that a difference is zero, from its bootstrap standard error (a Wald test).

    Counting resamples on the far side of zero cannot give a p-value below 2 / (resamples + 1), which
    would make every multiple-comparison correction meaningless; the standard error has no such floor.
    """
    d = differences[np.isfinite(differences)]
    if len(d) < 2 or not np.isfinite(estimate):
        return float("nan")
    se = float(np.std(d, ddof=1))
    if se == 0:
        return 1.0 if estimate == 0 else 0.0
    return float(2.0 * (1.0 - NormalDist().cdf(abs(estimate) / se)))


def wilson_interval(successes: np.ndarray, trials: np.ndarray, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for binomial proportions (NaN where there are no trials)."""
    z = NormalDist().inv_cdf(0.5 + confidence / 2.0)
    n = np.asarray(trials, dtype=np.float64)
    k = np.asarray(successes, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    low = np.where(n > 0, centre - half, np.nan)
    high = np.where(n > 0, centre + half, np.nan)
    return np.clip(low, 0, 1), np.clip(high, 0, 1)


def binomial_two_sided(successes: int, trials: int) -> float:
    """Exact two-sided binomial test against 1/2: ``2 P(X <= min(k, n - k))``, at most 1; NaN without trials.

    Summed in log space (no scipy.stats import, which costs 0.6 s)."""
    if trials == 0:
        return float("nan")
    x = np.arange(min(successes, trials - successes) + 1)
    log_pmf = (
        math.lgamma(trials + 1)
        - np.array([math.lgamma(v + 1) + math.lgamma(trials - v + 1) for v in x])
        - trials * math.log(2.0)
    )
    top = float(log_pmf.max())
    return float(min(1.0, 2.0 * math.exp(top) * float(np.exp(log_pmf - top).sum())))


def mcnemar_exact(only_a: int, only_b: int) -> float:
    """Exact (binomial) McNemar p-value from the discordant pair counts (1 when there are none)."""
    return 1.0 if only_a + only_b == 0 else binomial_two_sided(only_a, only_a + only_b)


def holm(p_values: np.ndarray) -> np.ndarray:
    """Holm-Bonferroni adjusted p-values (NaN stays NaN)."""
    p = np.asarray(p_values, dtype=np.float64)
    out = np.full_like(p, np.nan)
    ok = np.flatnonzero(np.isfinite(p))
    if len(ok) == 0:
        return out
    order = ok[np.argsort(p[ok], kind="stable")]
    m = len(order)
    adjusted = np.minimum(1.0, np.maximum.accumulate(p[order] * (m - np.arange(m))))
    out[order] = adjusted
    return out
