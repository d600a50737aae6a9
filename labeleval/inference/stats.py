"""Uncertainty: the item-clustered Poisson bootstrap, Wilson intervals, McNemar's test, Holm and Benjamini-Hochberg.

The bootstrap
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
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from statistics import NormalDist
from typing import Final

import numpy as np
from scipy.special import ndtr, ndtri, stdtr, stdtrit

from labeleval.inference.blocks import block_sums
from labeleval.tuning import MAX_UNITS

BLOCK: Final = 8192  # items per weight block; part of the seed's meaning, do not change lightly


def _poisson_table() -> np.ndarray:
    """Inverse CDF of Poisson(1) at the 65,536 midpoints (u + 0.5) / 65536: the weight for each 16-bit draw."""
    u = (np.arange(65536, dtype=np.float64) + 0.5) / 65536.0
    cdf = np.cumsum([math.exp(-1.0) / math.factorial(k) for k in range(20)])
    return np.searchsorted(cdf, u, side="left").astype(np.uint8)


_TABLE: Final = _poisson_table()


def weight_blocks(n_boot: int, n_items: int, seed: int, stream: int = 0) -> Iterator[tuple[slice, np.ndarray]]:
    """Yield (item slice, uint8 weights of shape (n_boot, block)) covering all items in order.

    ``stream`` 0 is the items' weights; another stream (``ANNOTATOR_STREAM``) gives independent weights
    for another kind of unit from the same seed."""
    rng = np.random.default_rng(seed if stream == 0 else [seed, stream])
    for start in range(0, n_items, BLOCK):
        stop = min(start + BLOCK, n_items)
        raw = rng.integers(0, 65536, size=(n_boot, stop - start), dtype=np.uint16)
        yield slice(start, stop), _TABLE[raw]


def bootstrap_totals(stats: np.ndarray, *, n_boot: int, seed: int, stream: int = 0) -> np.ndarray:
    """Resampled column sums of an (units x statistics) matrix: returns (n_boot x statistics).

    The units are items (``stream`` 0) or annotators (``stream=ANNOTATOR_STREAM``)."""
    n_items, n_stats = stats.shape
    totals = np.zeros((n_boot, n_stats), dtype=np.float64)
    if n_boot == 0:
        return totals
    if n_items > MAX_UNITS:  # above 2**18 units: resample random blocks of them (labeleval.inference.blocks)
        stats = block_sums(stats, seed=seed, stream=stream)
        n_items = stats.shape[0]
    for block, weights in weight_blocks(n_boot, n_items, seed, stream):
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


def benjamini_hochberg(p_values: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (q-values; NaN stays NaN): reject where q <= the FDR level."""
    p = np.asarray(p_values, dtype=np.float64)
    out = np.full_like(p, np.nan)
    ok = np.flatnonzero(np.isfinite(p))
    if len(ok) == 0:
        return out
    order = ok[np.argsort(p[ok], kind="stable")]
    m = len(order)
    scaled = p[order] * m / np.arange(1, m + 1)
    out[order] = np.minimum(1.0, np.minimum.accumulate(scaled[::-1])[::-1])
    return out


def benjamini_yekutieli(p_values: np.ndarray) -> np.ndarray:
    """Benjamini-Yekutieli adjusted p-values (NaN stays NaN): the Benjamini-Hochberg ones times the harmonic sum
    1 + 1/2 + ... + 1/m, which controls the false discovery rate under any dependence between the tests
    (Benjamini & Yekutieli 2001, Theorem 1.3); reject where the value is at most the level."""
    q = benjamini_hochberg(p_values)
    m = int(np.isfinite(q).sum())
    harmonic = float(np.sum(1.0 / np.arange(1, m + 1))) if m else 1.0
    return np.minimum(1.0, q * harmonic)


# ------------------------------------------------------------------------------------------------------
# Vendor-level uncertainty: annotators as a second source of error, intervals that behave at
# 0 and 1, one multiplicity method whose adjusted p-values and simultaneous intervals agree, tie credit.
# ------------------------------------------------------------------------------------------------------

ANNOTATOR_STREAM: Final = 1  # the annotators' weights come from their own stream of the evaluation's seed


def group_variance(
    x: np.ndarray,
    s: np.ndarray,
    groups: np.ndarray,
    n_groups: int | None = None,
    *,
    influence: np.ndarray | None = None,
) -> float:
    """Variance of the ratio ``sum(x) / sum(s)`` when whole groups are resampled with Poisson(1) weights.

    The delta method: ``sum_g (X_g - r S_g)^2 / S^2`` with ``X_g``, ``S_g`` the group sums and ``r`` the
    ratio; it is what the Poisson bootstrap of the groups estimates (without its Monte-Carlo noise). With
    ``groups`` the item of each judgment it is the item-bootstrap variance; with the annotator, the
    annotator-bootstrap variance; with ``np.arange(len(x))``, the judgment-level (iid) variance. NaN when
    ``sum(s)`` is not positive. ``influence`` multiplies each judgment's residual ``x - r s``: an item-level
    ratio whose credit is shared by the item's ``m`` judgments (consensus accuracy) passes ``m``, so that an
    annotator's residual is the whole residual of the items it voted on (its influence on the consensus).

    Examples
    --------
    >>> x = np.array([1.0, 0.0, 1.0, 1.0]); s = np.ones(4)
    >>> round(group_variance(x, s, np.arange(4)), 6)  # p (1 - p) / n
    0.046875
    """
    x = np.asarray(x, dtype=np.float64)
    s = np.asarray(s, dtype=np.float64)
    total = float(s.sum())
    if not total > 0:
        return float("nan")
    r = float(x.sum()) / total
    size = int(n_groups) if n_groups is not None else (int(groups.max()) + 1 if len(groups) else 0)
    weight = x - r * s if influence is None else (x - r * s) * np.asarray(influence, dtype=np.float64)
    residual = np.bincount(groups, weights=weight, minlength=size)
    return float(residual @ residual) / total**2


def volume_moments(volumes: np.ndarray) -> tuple[float, float]:
    """``E`` and ``Var`` of the annotator sum of squares, per unit annotator variance, under volume shares ``w``.

    An annotator's residual is ``w_g (a_g - sum_h w_h a_h)``: its effect measured against the vendor's own
    volume-weighted mean. For independent effects of variance ``s2`` the sum of the squared residuals is the
    quadratic form ``a' A a`` with ``A = (I - w 1') D_w^2 (I - 1 w')``, whose mean is ``s2 tr(A)`` and whose
    variance (Gaussian effects) is ``2 s2^2 tr(A^2)``. With ``S_k = sum w^k``::

        tr(A)   = S_2 - 2 S_3 + S_2^2
        tr(A^2) = S_2^4 + 2 S_2 S_4 - 4 S_2^2 S_3 + 2 S_3^2 + S_4 (1 + 2 S_2) - 4 S_5

    (equal volumes: ``(G - 1) / G^2`` and ``(G - 1) / G^4``). Returns ``(tr(A), tr(A^2))``; zeros without volume.
    """
    v = np.asarray(volumes, dtype=np.float64)
    v = v[v > 0]
    total = float(v.sum())
    if not total > 0:
        return 0.0, 0.0
    w = v / total
    s2, s3, s4, s5 = (float(np.sum(w**k)) for k in (2, 3, 4, 5))
    trace = s2 - 2 * s3 + s2**2
    trace_sq = s2**4 + 2 * s2 * s4 - 4 * s2**2 * s3 + 2 * s3**2 + s4 * (1 + 2 * s2) - 4 * s5
    return max(trace, 0.0), max(trace_sq, 0.0)


def volume_factor(volumes: np.ndarray) -> float:
    """The exact correction for measuring annotator effects against the vendor's own mean, under unequal volumes.

    The variance annotators add to a volume-weighted mean is ``s2 sum w^2``; the residuals' sum of squares has
    mean ``s2 tr(A)`` (:func:`volume_moments`), so the unbiased factor is
    ``sum w^2 / (sum w^2 - 2 sum w^3 + (sum w^2)^2)``: ``G / (G - 1)`` for equal volumes, and larger when a few
    annotators do most of the work (one of 20 with 53% of the judgments: 3.7, where ``G / (G - 1)`` with Kish's
    effective number would give 1.4). NaN for a single annotator (nothing to measure against).

    >>> round(volume_factor(np.ones(5)), 6)
    1.25
    """
    v = np.asarray(volumes, dtype=np.float64)
    v = v[v > 0]
    trace, _ = volume_moments(v)
    if len(v) < 2 or not trace > 1e-15:
        return float("nan")
    w = v / v.sum()
    return float(np.sum(w**2)) / trace


def volume_df(volumes: np.ndarray) -> float:
    """Degrees of freedom of the annotator sum of squares under volume shares: ``tr(A)^2 / tr(A^2)``.

    ``G - 1`` for equal volumes; fewer when a few annotators do most of the work (it is the number of
    independent annotator contrasts the estimate really rests on). 0 for fewer than two annotators.

    >>> round(volume_df(np.ones(5)), 6)
    4.0
    """
    trace, trace_sq = volume_moments(volumes)
    return trace**2 / trace_sq if trace_sq > 1e-300 and len(np.flatnonzero(np.asarray(volumes) > 0)) > 1 else 0.0


@dataclass(frozen=True)
class CrossedDesign:
    """The sums of a crossed items x annotators design that the expected sums of squares of a ratio depend on.

    A ratio ``sum(x) / sum(s)`` over judgments ``j`` (one per item and annotator cell), with ``S_g`` and ``S_i``
    the annotators' and items' sums of ``s`` (:func:`crossed_variance`). ``s`` is item-level (every judgment of
    an item has the same), as for accuracy and the usable rate, so ``S_i = s_i m_i``.
    """

    total: float  # S = sum_j s_j
    annotators: np.ndarray  # S_g
    items: np.ndarray  # S_i
    squares: float  # sum_j s_j^2
    cubes: float  # sum_j s_j^3
    annotator_squares: float  # sum_j s_j^2 S_g(j)
    item_squares: float  # sum_j s_j^2 S_i(j)
    cross: float  # sum_j s_j S_g(j) S_i(j)


def crossed_components(design: CrossedDesign, annotator_ss: float, item_ss: float, judgment_ss: float) -> np.ndarray:
    """Unbiased moment estimates of the annotator, item and judgment variances ``(s_a^2, s_b^2, s_e^2)`` of a
    ratio's judgments ``y_j = x_j / s_j = mu + a_g + b_i + e_j`` from its three sums of squares.

    The sums of squares are those of the residuals ``x - r s`` summed by annotator (``Q_a``), by item (``Q_i``)
    and by judgment (``Q_e``), each measured against the ratio ``r`` itself. With ``S``, ``A_k = sum S_g^k``,
    ``B_k = sum S_i^k`` and the design's other sums (:class:`CrossedDesign`: ``Q2``, ``P3``, ``Y_a``, ``Y_i``,
    ``Z``)::

        E Q_a = s_a^2 (A_2 - 2 A_3 / S + A_2^2 / S^2) + s_b^2 (Q2 - 2 Z / S + A_2 B_2 / S^2)
                + s_e^2 (Q2 - 2 Y_a / S + A_2 Q2 / S^2)
        E Q_i = the same with annotators and items exchanged
        E Q_e = s_a^2 (Q2 - 2 Y_a / S + Q2 A_2 / S^2) + s_b^2 (Q2 - 2 Y_i / S + Q2 B_2 / S^2)
                + s_e^2 (Q2 - 2 P3 / S + Q2^2 / S^2)

    (Henderson's method 3 for the two-way crossed random-effects model, with the ratio's own centring), solved
    for the three variances. NaN where the design cannot tell them apart (one judgment per item or per
    annotator, a single annotator).
    """
    d = design
    s, q2 = d.total, d.squares
    if not s > 0 or np.count_nonzero(d.annotators) < 2 or np.count_nonzero(d.items) < 2:
        return np.full(3, np.nan)
    a2, a3 = float(np.sum(d.annotators**2)), float(np.sum(d.annotators**3))
    b2, b3 = float(np.sum(d.items**2)), float(np.sum(d.items**3))
    both = q2 - 2 * d.cross / s + a2 * b2 / s**2
    moments = np.array(
        [
            [a2 - 2 * a3 / s + a2**2 / s**2, both, q2 - 2 * d.annotator_squares / s + a2 * q2 / s**2],
            [both, b2 - 2 * b3 / s + b2**2 / s**2, q2 - 2 * d.item_squares / s + b2 * q2 / s**2],
            [
                q2 - 2 * d.annotator_squares / s + q2 * a2 / s**2,
                q2 - 2 * d.item_squares / s + q2 * b2 / s**2,
                q2 - 2 * d.cubes / s + q2**2 / s**2,
            ],
        ]
    )
    if not np.all(np.isfinite(moments)) or np.linalg.cond(moments) > 1e10:
        return np.full(3, np.nan)
    return np.asarray(np.linalg.solve(moments, [annotator_ss, item_ss, judgment_ss]), dtype=np.float64)


def crossed_variance(design: CrossedDesign, annotator_ss: float, item_ss: float, judgment_ss: float) -> float:
    """The variance of a ratio over a crossed items x annotators design: ``(s_a^2 A_2 + s_b^2 B_2 + s_e^2 Q2) / S^2``
    with the moment estimates of :func:`crossed_components`, each at least 0. NaN where they are undefined.

    The components estimator ``V_i + c (V_a - V_e)`` subtracts the whole judgment-level variance from the
    annotator one, but an annotator's residual holds only the part of the item variance that its own items do not
    share with the other annotators': when every annotator labels every item (3 annotators, 3 labels per item) it
    holds none of it, and the subtraction takes half the item variance away. These moments count what each sum of
    squares holds, for any design.

    >>> design = CrossedDesign(4.0, np.array([2.0, 2.0]), np.array([2.0, 2.0]), 4.0, 4.0, 8.0, 8.0, 16.0)
    >>> round(crossed_variance(design, 0.5, 0.5, 1.0), 6)
    0.125
    """
    components = crossed_components(design, annotator_ss, item_ss, judgment_ss)
    if not np.all(np.isfinite(components)):
        return float("nan")
    a2, b2 = float(np.sum(design.annotators**2)), float(np.sum(design.items**2))
    weights = np.array([a2, b2, design.squares]) / design.total**2
    return float(weights @ np.maximum(components, 0.0))


def annotator_excess(
    annotator_var: np.ndarray | list[float],
    judgment_var: np.ndarray | list[float],
    n_annotators: np.ndarray | list[float],
    per_item: np.ndarray | list[float] | float = 1.0,
    *,
    factor: np.ndarray | list[float] | None = None,
) -> np.ndarray:
    """The part of the variance that annotators add beyond judgment-level noise, ``max(0, c (V_a - V_e))``.

    ``V_a`` (annotator bootstrap) counts each judgment's own noise once; so does the item bootstrap, so
    the two-way variance is ``V_i + V_a - V_e`` (the components estimator; Owen 2007's product
    "pigeonhole" weights give ``V_i + V_a + V_e`` instead, throwing away power when annotators do not
    differ). ``c`` undoes the shrinkage of annotator effects measured against the vendor's own mean over
    ``G`` annotators: ``G / (G - 1)`` for a judgment-level ratio; for an item-level ratio shared by ``m``
    judgments per item (``per_item``; consensus accuracy) an annotator's items also hold ``m - 1`` of the
    other annotators, which dilutes its effect by ``(G - m) / (G - 1)``, so ``c`` also divides by its square
    (with ``G - m`` at least 1). ``factor`` replaces ``G / (G - 1)`` by the exact factor for unequal
    volumes (:func:`volume_factor`), ``G`` then being the effective number of annotators.
    """
    c = excess_factor(n_annotators, per_item, factor=factor)
    excess = c * (np.asarray(annotator_var, dtype=np.float64) - np.asarray(judgment_var, dtype=np.float64))
    return np.where(np.isfinite(excess), np.maximum(excess, 0.0), 0.0)


def excess_factor(
    n_annotators: np.ndarray | list[float],
    per_item: np.ndarray | list[float] | float = 1.0,
    *,
    factor: np.ndarray | list[float] | None = None,
) -> np.ndarray:
    """The ``c`` of :func:`annotator_excess`: the shrinkage factor over the squared dilution (NaN below 2)."""
    g = np.asarray(n_annotators, dtype=np.float64)
    m = np.asarray(per_item, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        dilution = np.maximum(g - m, 1.0) / np.maximum(g - 1.0, 1.0)
        shrinkage = g / (g - 1) if factor is None else np.asarray(factor, dtype=np.float64)
        return np.asarray(np.where(g > 1, shrinkage / dilution**2, np.nan), dtype=np.float64)


def annotator_df_terms(
    annotator_var: float, judgment_var: float, c: float, annotator_df: float, judgment_df: float
) -> float:
    """The annotator part's share of a Satterthwaite denominator:
    ``(c (V_a - V_e / 2))^2 / df_a + (c V_e / 2)^2 / df_e``.

    The annotator excess ``c (V_a - V_e)`` is a difference of two mean squares (Satterthwaite 1946). Counting
    the excess alone (``excess^2 / df_a``) lets the df grow to the items' exactly when the excess is
    under-estimated; counting all of ``c V_a`` against ``df_a`` (the textbook form for a difference) is
    conservative, since the excess is truncated at 0 (one annotator of 20 with 53% of the work: 100% coverage).
    Half the judgment-level mean square is counted with the annotators: the df stays below what the annotators
    support (at most ``df_a`` without item variance, :func:`volume_df`), and 95% intervals cover 93-97% in
    the simulated workforces (docs/metrics.md). 0 where there is no annotator part (``c`` not finite).
    Element-wise over arrays: :func:`annotator_df_terms_array`.
    """
    return float(annotator_df_terms_array(annotator_var, judgment_var, c, annotator_df, judgment_df))


def annotator_df_terms_array(
    annotator_var: float | np.ndarray,
    judgment_var: float | np.ndarray,
    c: float | np.ndarray,
    annotator_df: float | np.ndarray,
    judgment_df: float | np.ndarray,
) -> np.ndarray:
    """:func:`annotator_df_terms` element-wise (a sample-size plan's simulated pilots)."""
    v_a, v_e, c, df_a, df_e = (
        np.asarray(v, dtype=np.float64) for v in (annotator_var, judgment_var, c, annotator_df, judgment_df)
    )
    half = v_e / 2.0
    some = np.isfinite(c) & (df_a > 0)
    counted = (df_e > 0) & np.isfinite(df_e)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        terms = (c * np.maximum(v_a - half, 0.0)) ** 2 / np.where(some, df_a, 1.0)
        terms = terms + np.where(counted, (c * half) ** 2 / np.where(counted, df_e, 1.0), 0.0)
    return np.asarray(np.where(some & np.isfinite(terms), terms, 0.0), dtype=np.float64)


def two_way_df(item_var: float, item_df: float, excess: float, terms: float) -> float:
    """Satterthwaite df of ``V_i + excess`` with the annotator part's ``terms`` (:func:`annotator_df_terms`);
    element-wise over arrays: :func:`two_way_df_array`.

    >>> two_way_df(1.0, 100.0, 0.0, 0.0)
    100.0
    """
    return float(two_way_df_array(item_var, item_df, excess, terms))


def two_way_df_array(
    item_var: float | np.ndarray, item_df: float | np.ndarray, excess: float | np.ndarray, terms: float | np.ndarray
) -> np.ndarray:
    """:func:`two_way_df` element-wise (a sample-size plan's simulated pilots)."""
    v_i, df_i, excess, terms = (np.asarray(v, dtype=np.float64) for v in (item_var, item_df, excess, terms))
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        denominator = np.where(v_i > 0, v_i**2 / np.maximum(df_i, 1.0) + terms, terms)
        df = (v_i + excess) ** 2 / denominator
    return np.asarray(np.where((denominator > 0) & np.isfinite(denominator), df, np.inf), dtype=np.float64)


def two_way_samples(
    point: np.ndarray, item_samples: np.ndarray, annotator_samples: np.ndarray, excess: np.ndarray
) -> np.ndarray:
    """Resamples whose spread covers items and annotators: ``point + item deviation + f * annotator deviation``.

    ``item_samples`` and ``annotator_samples`` are (resamples x statistics) from independent item and
    annotator Poisson weights; ``f`` scales each statistic's annotator deviations to the variance
    ``excess`` (:func:`annotator_excess`), so a column's variance is ``V_i + excess`` while its
    correlation with the other statistics (same vendor: positive; other vendors: none, since their
    annotators differ) comes from the resamples. Paired differences between vendors keep the shared
    item weights. Where ``excess`` is 0 the result is the item bootstrap.
    """
    point = np.asarray(point, dtype=np.float64)
    item_dev = item_samples - point[None, :]
    annotator_dev = annotator_samples - point[None, :]
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        spread = np.nanvar(annotator_dev, axis=0, ddof=1) if len(annotator_dev) > 1 else np.zeros(len(point))
        scale = np.where(spread > 0, np.sqrt(np.asarray(excess) / spread), 0.0)
    scale = np.where(np.isfinite(scale), scale, 0.0)
    annotator_part = np.where(np.isfinite(annotator_dev), annotator_dev, 0.0) * scale[None, :]
    return point[None, :] + item_dev + annotator_part


def satterthwaite_df(variances: np.ndarray, dfs: np.ndarray) -> np.ndarray:
    """Welch-Satterthwaite degrees of freedom of a sum of variance components (last axis).

    ``(sum V_k)^2 / sum(V_k^2 / df_k)``; infinite when every component has infinite df or the sum is 0.

    >>> float(satterthwaite_df(np.array([1.0, 1.0]), np.array([4.0, 4.0])))
    8.0
    """
    v = np.asarray(variances, dtype=np.float64)
    d = np.asarray(dfs, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        denominator = np.where(v > 0, v**2 / d, 0.0).sum(axis=-1)
        df = v.sum(axis=-1) ** 2 / denominator
    return np.where(denominator > 0, df, np.inf)


def _t_quantile(probability: np.ndarray | float, df: np.ndarray | float) -> np.ndarray:
    """Student-t quantile (normal where df is infinite)."""

    p = np.asarray(probability, dtype=np.float64)
    d = np.broadcast_to(np.asarray(df, dtype=np.float64), np.broadcast(p, np.asarray(df)).shape)
    finite = np.isfinite(d) & (d > 0)
    return np.where(finite, stdtrit(np.where(finite, d, 1.0), p), ndtri(p))


def _z_to_t(z: np.ndarray | float, df: np.ndarray) -> np.ndarray:
    """The Student-t deviate with the same upper tail as the normal deviate ``z``."""

    d = np.asarray(df, dtype=np.float64)
    finite = np.isfinite(d) & (d > 0)
    z_arr = np.broadcast_to(np.asarray(z, dtype=np.float64), d.shape)
    with np.errstate(invalid="ignore"):
        t = -stdtrit(np.where(finite, d, 1.0), ndtr(-z_arr))
    return np.where(finite, t, z_arr)


def _t_to_z(t: np.ndarray, df: np.ndarray) -> np.ndarray:
    """The normal deviate with the same upper tail as ``|t|`` on ``df`` degrees of freedom."""

    t = np.abs(np.asarray(t, dtype=np.float64))
    d = np.asarray(df, dtype=np.float64)
    finite = np.isfinite(d) & (d > 0)
    tail = stdtr(np.where(finite, d, 1.0), -t)  # P(T <= -|t|)
    z = -ndtri(np.clip(tail, 1e-300, 0.5))
    return np.where(finite, z, t)


def proportion_interval(
    estimate: np.ndarray,
    trials: np.ndarray,
    variance: np.ndarray,
    confidence: float,
    df: np.ndarray | float = np.inf,
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval on the effective sample size, with a t quantile: behaves at 0 and 1.

    The bootstrap ``variance`` of the proportion gives a design effect ``deff = variance / (p (1 - p) / n)``
    (clustering by item and annotator), never below 1, and the Wilson interval is computed on
    ``n / deff`` trials with ``z`` replaced by the Student-t quantile on ``df`` degrees of freedom (the
    Satterthwaite df of the variance components; infinite for items only). At ``p = 0`` or ``1`` the
    binomial variance is 0, the design effect is taken as 1, and the interval keeps the Wilson width
    for ``n`` trials (``[0.963, 1]`` for 100 of 100 at 95%): finite data never give a zero-width interval.
    NaN where there are no trials.

    >>> low, high = proportion_interval(np.array([1.0]), np.array([100]), np.array([0.0]), 0.95)
    >>> round(float(low[0]), 4), float(high[0])
    (0.963, 1.0)
    """
    p = np.asarray(estimate, dtype=np.float64)
    n = np.asarray(trials, dtype=np.float64)
    v = np.asarray(variance, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        binomial = p * (1 - p) / n
        deff = np.where((binomial > 0) & np.isfinite(v), v / binomial, 1.0)
        n_eff = n / np.maximum(deff, 1.0)
        z = _t_quantile(0.5 + confidence / 2.0, df)
        centre = (p + z**2 / (2 * n_eff)) / (1 + z**2 / n_eff)
        half = z * np.sqrt(p * (1 - p) / n_eff + z**2 / (4 * n_eff**2)) / (1 + z**2 / n_eff)
    ok = (n > 0) & np.isfinite(p)
    low = np.where(ok, np.where(p <= 0, 0.0, np.clip(centre - half, 0.0, 1.0)), np.nan)  # Wilson's exact ends
    high = np.where(ok, np.where(p >= 1, 1.0, np.clip(centre + half, 0.0, 1.0)), np.nan)
    return low, high


def jeffreys_se(successes: np.ndarray, trials: np.ndarray) -> np.ndarray:
    """Binomial standard error with Jeffreys-smoothed proportions ``(x + 1/2) / (n + 1)``: never 0 for n > 0.

    The floor under a bootstrap standard error of a proportion (and, through the delta method, of what
    is derived from one): a difference seen on finitely many items is never infinitely sure.
    """
    x = np.asarray(successes, dtype=np.float64)
    n = np.asarray(trials, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = (x + 0.5) / (n + 1.0)
        return np.where(n > 0, np.sqrt(p * (1 - p) / n), np.nan)


@dataclass(frozen=True)
class MaxT:
    """Single-step bootstrap max-T over a family (Westfall & Young 1993, Romano & Wolf 2005).

    ``p_adjusted[k] <= 1 - confidence`` exactly when the simultaneous interval ``[low[k], high[k]]``
    excludes 0 (``significant``). Tests that cannot be run (no resamples, a zero standard error) get NaN
    and are never significant; a p-value is never below ``1 / (resamples + 1)``.
    """

    se: np.ndarray
    statistic: np.ndarray  # estimate / se, on the normal scale (t mapped through its df)
    p_adjusted: np.ndarray
    low: np.ndarray
    high: np.ndarray
    significant: np.ndarray
    critical: float  # the simultaneous critical value on the normal scale


def max_t(
    estimates: np.ndarray,
    samples: np.ndarray,
    confidence: float,
    *,
    se_floor: np.ndarray | None = None,
    df: np.ndarray | None = None,
) -> MaxT:
    """Adjusted p-values and simultaneous intervals for a family of differences, from the same resamples.

    Parameters
    ----------
    estimates
        The family's differences, shape (m,).
    samples
        Their bootstrap resamples, shape (resamples, m) (two-way or item-only); NaN resamples are ignored.
    confidence
        Simultaneous coverage of the intervals; a test is significant at level ``1 - confidence``.
    se_floor
        A lower bound on each standard error (:func:`jeffreys_se` for proportions), so that a difference
        seen on a few items whose resamples all agree is not infinitely sure.
    df
        Degrees of freedom of each standard error (Satterthwaite; ``inf`` for the item bootstrap). Each
        studentised difference is mapped to the normal deviate with the same tail before it is compared
        with the resampled maximum, and each interval uses the matching t quantile.

    Notes
    -----
    With ``se_k`` the bootstrap standard error ``sd_k`` (or the floor, if larger), the observed
    ``z_k = |theta_k| / se_k`` and the resampled ``z*_bk = |theta*_bk - theta_k| / sd_k``, the maxima
    ``M*_b = max_k z*_bk`` give ``p_k = (1 + #{M*_b >= z_k}) / (B + 1)`` and the critical value ``c``,
    the smallest with ``p <= 1 - confidence`` beyond it; interval ``k`` is ``theta_k +- c se_k``. The
    single-step form is used (not the step-down one) because only it has intervals that agree with its
    p-values.
    """
    est = np.asarray(estimates, dtype=np.float64)
    m = len(est)
    alpha = 1.0 - confidence
    nan = np.full(m, np.nan)
    if m == 0 or samples.ndim != 2 or samples.shape[0] < 2:
        return MaxT(nan, nan, nan, nan, nan, np.zeros(m, dtype=bool), float("nan"))
    with np.errstate(invalid="ignore"):
        dev = samples - est[None, :]
    dev = np.where(np.isfinite(dev), dev, np.nan)  # an infinite resample (a cost over a zero rate) is no resample
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a column with no finite resample: NaN, not a warning
        boot_se = np.nanstd(dev, axis=0, ddof=1)
    se = boot_se.copy()
    if se_floor is not None:
        floor = np.asarray(se_floor, dtype=np.float64)
        se = np.where(np.isfinite(floor), np.fmax(se, floor), se)
    dof = np.full(m, np.inf) if df is None else np.asarray(df, dtype=np.float64)
    testable = np.isfinite(est) & np.isfinite(se) & (se > 0)
    varies = np.isfinite(boot_se) & (boot_se > 0)
    # each testable column's resampled deviation in its own bootstrap SE units; a column that does not vary
    # at all (its SE is the floor alone) is represented by standard normal deviates (a fixed stream)
    z_boot = np.abs(np.random.default_rng(0).standard_normal((len(dev), m)))
    with np.errstate(invalid="ignore", divide="ignore"):
        z_boot[:, varies] = np.abs(dev[:, varies] / boot_se[varies][None, :])
    z_boot = np.where(np.isfinite(z_boot), z_boot, 0.0)[:, testable]
    maxima = z_boot.max(axis=1) if z_boot.shape[1] else np.zeros(len(dev))
    n_boot = len(maxima)
    statistic = np.full(m, np.nan)
    statistic[testable] = _t_to_z(est[testable] / se[testable], dof[testable])
    p = np.full(m, np.nan)
    p[testable] = (1.0 + (maxima[None, :] >= statistic[testable][:, None]).sum(axis=1)) / (n_boot + 1.0)
    allowed = math.floor(alpha * (n_boot + 1) + 1e-9) - 1  # resamples at or beyond z allowed for p <= alpha
    descending = np.sort(maxima)[::-1]
    critical = float(descending[allowed]) if 0 <= allowed < n_boot else float("inf")
    t_critical = _z_to_t(critical, dof)
    half = np.where(testable, t_critical * se, np.nan)
    low = np.where(testable, est - half, np.nan)
    high = np.where(testable, est + half, np.nan)
    significant = testable & (p <= alpha + 1e-12)
    # the interval excludes 0 exactly when significant (ties at the boundary follow the p-value)
    low = np.where(significant & (est > 0), np.maximum(low, np.nextafter(0.0, 1.0)), low)
    high = np.where(significant & (est < 0), np.minimum(high, -np.nextafter(0.0, 1.0)), high)
    low = np.where(testable & ~significant, np.minimum(low, 0.0), low)
    high = np.where(testable & ~significant, np.maximum(high, 0.0), high)
    return MaxT(se, statistic, p, low, high, significant, critical)
