"""Confidence sequences for a mean, and for a ratio of means: intervals that hold at every look at once, however
often one looks.

A confidence sequence ``(C_t)`` for a mean ``mu`` satisfies ``P(mu in C_t for every t) >= 1 - alpha``, so a
decision taken the first time ``C_t`` excludes a value keeps its error rate under continuous monitoring, where a
fixed-sample test checked daily does not (its false claims grow with the looks).

The boundary is Robbins' normal mixture in the form of the *asymptotic confidence sequence* of Waudby-Smith,
Arnold, Wu, Ramdas & Howard ("Time-uniform central limit theory and asymptotic confidence sequences", Annals of
Statistics 2024, Theorem 2.2; the mixture boundary is Howard, Ramdas, McAuliffe & Sekhon, "Time-uniform,
nonparametric, nonasymptotic confidence sequences", Annals of Statistics 2021)::

    mean_t +- sigma_t * sqrt( 2 (t rho^2 + 1) / (t^2 rho^2) * log( sqrt(t rho^2 + 1) / alpha ) )

two-sided at level ``alpha``, with ``rho`` chosen to make it tightest after ``tuned_at`` units (any ``rho`` keeps
it valid). Why this one: it is closed-form in running sums (a 30-look replay of a million judgments costs one pass
over them), it needs no bound on the variance, and with a conservative variance estimate it is valid in the small
samples of a pilot as measured by simulation (``benchmarks/calibration_watch.py``); a betting sequence
(Waudby-Smith & Ramdas 2024) is tighter for bounded data but needs a search over candidate means per look.

The variance estimate is regularised towards the largest variance the data's range allows,
``sigma_t^2 = (range^2 / 4 + sum (x_i - mean_t)^2) / (t + 1)``, so that the first few units (all right, say)
do not give a zero-width interval. The intervals are not intersected across looks (which the theory allows): if
the mean drifts over the pilot, an intersection could exclude the current estimate, or become empty.

A ratio of means (a cost per usable label: spend over usable labels) gets the same boundary by the delta method
(:func:`log_ratio_sequence`): the running mean of each unit's linear influence on the log ratio. The theorem
covers a mean of independent units; the linearisation around the running estimate is asymptotic and is checked
by simulation, as is the annotators' part of the variance (:func:`annotator_excess`,
:func:`linear_annotator_excess`).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np


def mixture_rho(alpha: float, tuned_at: float) -> float:
    """The mixture's scale that (nearly) minimises the boundary's width after ``tuned_at`` units (the closed-form
    approximation of Waudby-Smith et al. 2024)."""
    log_term = -2.0 * math.log(alpha)
    return math.sqrt((log_term + math.log(log_term + 1.0)) / tuned_at)


def mixture_radius(n: np.ndarray, variance: np.ndarray, *, alpha: float, tuned_at: float) -> np.ndarray:
    """The half-width of the two-sided normal-mixture confidence sequence after ``n`` units (inf where none)."""
    rho2 = mixture_rho(alpha, tuned_at) ** 2
    t = np.asarray(n, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        width = np.sqrt(
            np.asarray(variance, dtype=np.float64)
            * 2.0
            * (t * rho2 + 1.0)
            / (t * t * rho2)
            * np.log(np.sqrt(t * rho2 + 1.0) / alpha)
        )
    return np.where(t > 0, width, np.inf)


def confidence_sequence(
    counts: np.ndarray,
    sums: np.ndarray,
    squares: np.ndarray,
    *,
    bounds: tuple[float, float],
    alpha: float,
    tuned_at: float,
    excess: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(estimate, low, high) at each look from the running ``counts``, ``sums`` and sums of ``squares`` of the
    units seen so far (cumulative, one entry per look), for values within ``bounds`` ((0, 1) for a share,
    (-1, 1) for a difference of shares); the interval is clipped to the bounds (NaN before any unit).

    ``excess`` (one per look) is a further variance of the mean that does not shrink as units arrive, such as
    that of the annotators who labelled them (:func:`annotator_excess`): the mixture then runs in the
    *effective* number of units ``variance / (variance / t + excess)``, so that the interval keeps the width
    that the annotators leave however many items arrive."""
    n = np.asarray(counts, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.where(n > 0, sums / n, np.nan)
        spread = np.maximum(np.where(n > 0, squares - sums * mean, 0.0), 0.0)
    radius = sequence_radius(n, spread, bounds[1] - bounds[0], alpha=alpha, tuned_at=tuned_at, excess=excess)
    low = np.where(n > 0, np.maximum(mean - radius, bounds[0]), np.nan)
    high = np.where(n > 0, np.minimum(mean + radius, bounds[1]), np.nan)
    return mean, low, high


def sequence_radius(
    counts: np.ndarray,
    spread: np.ndarray,
    width: np.ndarray | float,
    *,
    alpha: float,
    tuned_at: float,
    excess: np.ndarray | None = None,
) -> np.ndarray:
    """The half-width at each look for a mean of units whose summed squared deviations are ``spread``: the
    variance regularised towards ``width`` (the units' range: ``(width^2 / 4 + spread) / (t + 1)``), and with
    the ``excess`` variance of the mean (the annotators' part) run in the effective number of units."""
    n = np.asarray(counts, dtype=np.float64)
    variance = (np.asarray(width, dtype=np.float64) ** 2 / 4.0 + spread) / (n + 1.0)
    effective = n
    if excess is not None:
        with np.errstate(divide="ignore", invalid="ignore"):
            effective = np.where(n > 0, variance / (variance / n + np.maximum(excess, 0.0)), 0.0)
    return mixture_radius(effective, variance, alpha=alpha, tuned_at=tuned_at)


def running_gram(look: np.ndarray, columns: np.ndarray, n_looks: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cumulative counts, column sums (looks x k) and sums of outer products (looks x k x k) of the units'
    ``columns`` (units x k) by ``look`` (each unit's look, 0-based)."""
    look = np.asarray(look, dtype=np.int64)
    x = np.asarray(columns, dtype=np.float64)
    k = x.shape[1]
    counts = np.cumsum(np.bincount(look, minlength=n_looks)[:n_looks])
    sums = np.column_stack([np.bincount(look, weights=x[:, c], minlength=n_looks)[:n_looks] for c in range(k)])
    gram = np.zeros((n_looks, k, k))
    for c in range(k):
        for d in range(c, k):
            gram[:, c, d] = gram[:, d, c] = np.bincount(look, weights=x[:, c] * x[:, d], minlength=n_looks)[:n_looks]
    return counts, np.cumsum(sums, axis=0).reshape(n_looks, k), np.cumsum(gram, axis=0)


def log_ratio_sequence(
    counts: np.ndarray,
    sums: np.ndarray,
    gram: np.ndarray,
    signs: np.ndarray,
    ranges: np.ndarray,
    *,
    alpha: float,
    tuned_at: float,
    excess: Callable[[np.ndarray], np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(estimate, low, high) of ``theta = sum_k signs_k log(mean of column k)`` at each look, from the running
    ``counts``, column ``sums`` and ``gram`` of :func:`running_gram` (a cost per usable label: spend over usable
    labels, signs (1, -1); the ratio of two vendors' costs: signs (1, -1, -1, 1)).

    The delta method: a unit's influence on ``theta`` is ``sum_k signs_k x_k / mean_k`` (its linear term, mean
    0 at the estimate), and the sequence is that of the running mean of the influences
    (:func:`sequence_radius`). ``ranges`` (looks x k, 0 where a column has no known bound) bound each column
    per unit, so the regularising width is ``sum_k |signs_k| ranges_k / mean_k``. ``excess``, given the
    influence's coefficients per look (looks x k), returns the annotators' part of the variance of the mean.
    Blank (NaN) at a look where a column's sum is not positive."""
    n = np.asarray(counts, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        means = sums / n[:, None]
        defined = (n > 0) & np.all(sums > 0, axis=1)
        coef = np.where(defined[:, None], signs[None, :] / means, 0.0)
        estimate = np.where(
            defined, np.sum(signs[None, :] * np.log(np.where(defined[:, None], means, 1.0)), axis=1), np.nan
        )
    spread = np.maximum(np.einsum("tk,tkl,tl->t", coef, gram, coef), 0.0)
    width = np.sum(np.abs(coef) * ranges, axis=1)
    radius = sequence_radius(
        n, spread, width, alpha=alpha, tuned_at=tuned_at, excess=None if excess is None else excess(coef)
    )
    return estimate, np.where(defined, estimate - radius, np.nan), np.where(defined, estimate + radius, np.nan)


def linear_annotator_excess(
    look: np.ndarray, annotator: np.ndarray, values: np.ndarray, coef: np.ndarray, units: np.ndarray
) -> np.ndarray:
    """Per look, the annotators' part of the variance of a mean of per-unit influences that are linear in the
    judgments' ``values`` (judgments x k): the influence of a judgment at look ``t`` is ``values . coef[t]``,
    a unit's the sum over its judgments. As :func:`annotator_excess`: ``(sum over annotators of their summed
    influences^2 - sum over judgments of influence^2) / t^2``, clipped at 0; ``look`` is the look from which
    the judgment counts (its unit's), ``units`` the units counted at each look."""
    n_looks, k = coef.shape
    look = np.asarray(look, dtype=np.int64)
    annotator = np.asarray(annotator, dtype=np.int64)
    x = np.asarray(values, dtype=np.float64)
    n_ann = int(annotator.max()) + 1 if len(annotator) else 0
    cell = annotator * n_looks + look
    per_annotator = np.stack(
        [np.cumsum(np.bincount(cell, x[:, c], n_ann * n_looks).reshape(n_ann, n_looks), axis=1) for c in range(k)],
        axis=2,
    )  # annotators x looks x k
    between = np.sum(np.einsum("atk,tk->at", per_annotator, coef) ** 2, axis=0)
    _, _, gram = running_gram(look, x, n_looks)
    own = np.einsum("tk,tkl,tl->t", coef, gram, coef)
    t = np.asarray(units, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(t > 0, np.maximum(between - own, 0.0) / (t * t), 0.0)


def running_sums(look: np.ndarray, values: np.ndarray, n_looks: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cumulative counts, sums and sums of squares of ``values`` by ``look`` (each value's look, 0-based)."""
    look = np.asarray(look, dtype=np.int64)
    values = np.asarray(values, dtype=np.float64)
    counts = np.cumsum(np.bincount(look, minlength=n_looks)[:n_looks])
    sums = np.cumsum(np.bincount(look, weights=values, minlength=n_looks)[:n_looks])
    squares = np.cumsum(np.bincount(look, weights=values * values, minlength=n_looks)[:n_looks])
    return counts, sums, squares


def annotator_excess(
    look: np.ndarray,
    annotator: np.ndarray,
    group: np.ndarray,
    right: np.ndarray,
    weight: np.ndarray,
    means: np.ndarray,
    units: np.ndarray,
) -> np.ndarray:
    """Per look, the annotators' part of the variance of a mean of per-unit shares: the two-way cluster-robust
    estimate (Cameron, Gelbach & Miller 2011) less its units' part, ``(sum over annotators of their summed
    residuals^2 - sum over judgments of residual^2) / t^2``, clipped at 0.

    Each judgment (``right`` 0/1) enters its unit's share with ``weight`` (1 / the unit's judgments from its
    group), from the look ``look`` on; ``group`` is the judgment's vendor (0, 1 ...) whose running mean at each
    look is ``means[group, look]`` (the residual is ``right - mean``); ``units`` the units counted at each look.
    """
    n_looks, n_groups = means.shape[1], means.shape[0]
    group = np.asarray(group, dtype=np.int64)
    values = np.zeros((len(group), 2 * n_groups))  # the judgment's group's (right x weight, weight); 0 elsewhere
    rows = np.arange(len(group))
    values[rows, 2 * group] = np.asarray(right, dtype=np.float64) * weight
    values[rows, 2 * group + 1] = weight
    coef = np.ones((n_looks, 2 * n_groups))  # residual right - mean: 1 x (right x weight) - mean x weight
    coef[:, 1::2] = -np.nan_to_num(np.asarray(means, dtype=np.float64)).T  # a group with no mean yet has no judgment
    return linear_annotator_excess(look, annotator, values, coef, units)
