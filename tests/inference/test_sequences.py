"""Confidence sequences: the boundary as published, its time-uniform coverage, and the annotators' part of the
variance against a direct computation of the two-way cluster-robust formula."""

from __future__ import annotations

import math

import numpy as np
import pytest

from labeleval.inference.sequences import (
    annotator_excess,
    confidence_sequence,
    linear_annotator_excess,
    log_ratio_sequence,
    mixture_radius,
    mixture_rho,
    running_gram,
    running_sums,
)


def test_the_radius_is_the_normal_mixture_boundary() -> None:
    alpha, t, var = 0.05, 250.0, 0.16
    rho2 = mixture_rho(alpha, 500) ** 2
    want = math.sqrt(var) * math.sqrt(2 * (t * rho2 + 1) / (t * t * rho2) * math.log(math.sqrt(t * rho2 + 1) / alpha))
    assert mixture_radius(np.array([t]), np.array([var]), alpha=alpha, tuned_at=500)[0] == pytest.approx(want)
    # rho makes the boundary (nearly) tightest at tuned_at
    grid = np.exp(np.linspace(-8, 0, 4000))
    widths = [math.sqrt(2 * (500 * r + 1) / (500**2 * r) * math.log(math.sqrt(500 * r + 1) / alpha)) for r in grid]
    best = float(grid[int(np.argmin(widths))])
    assert mixture_rho(alpha, 500) ** 2 == pytest.approx(best, rel=0.1)


def test_time_uniform_coverage_of_a_bernoulli_mean() -> None:
    rng = np.random.default_rng(0)
    misses = 0
    runs = 300
    for _ in range(runs):
        x = (rng.random(600) < 0.8).astype(float)
        look = np.repeat(np.arange(30), 20)
        _, low, high = confidence_sequence(*running_sums(look, x, 30), bounds=(0, 1), alpha=0.05, tuned_at=500)
        misses += bool(((low > 0.8) | (high < 0.8)).any())
    assert misses / runs <= 0.05


def test_a_sequence_starts_blank_and_stays_in_bounds() -> None:
    _, low, high = confidence_sequence(
        *running_sums(np.array([1, 1, 2]), np.array([1.0, 1.0, 1.0]), 3), bounds=(0, 1), alpha=0.05, tuned_at=500
    )
    assert np.isnan(low[0]) and np.isnan(high[0])
    assert (low[1:] >= 0).all() and (high[1:] <= 1).all() and (low[1:] < 1).all()  # all right, yet not [1, 1]


def _direct_excess(look, annotator, group, right, weight, means, units, at: int) -> float:
    """The two-way cluster-robust formula at one look, summed judgment by judgment."""
    included = look <= at
    residual: dict[int, float] = {}
    own = 0.0
    for j in np.flatnonzero(included):
        e = (right[j] - means[group[j], at]) * weight[j]
        residual[annotator[j]] = residual.get(annotator[j], 0.0) + e
        own += e * e
    between = sum(v * v for v in residual.values())
    return max(between - own, 0.0) / units[at] ** 2


def test_annotator_excess_matches_the_formula() -> None:
    rng = np.random.default_rng(4)
    n = 400
    look = rng.integers(0, 5, n)
    annotator = rng.integers(0, 12, n)
    group = (annotator >= 6).astype(np.int64)
    right = (rng.random(n) < np.where(annotator % 3 == 0, 0.6, 0.9)).astype(float)
    weight = 1 / rng.integers(1, 4, n)
    means = rng.uniform(0.6, 0.9, (2, 5))
    units = np.cumsum(np.full(5, 30.0))
    got = annotator_excess(look, annotator, group, right, weight, means, units)
    for at in range(5):
        assert got[at] == pytest.approx(_direct_excess(look, annotator, group, right, weight, means, units, at))
    # annotators who each label one unit add nothing beyond the units' own variance
    single = annotator_excess(look, np.arange(n), group, right, weight, means, units)
    assert single == pytest.approx(np.zeros(5), abs=1e-15)


def _ratio_units(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per unit (an item with 3 judgments): its look, pay (log-normal) and usable judgments (0-3)."""
    look = np.sort(rng.integers(0, 6, n))
    pay = rng.lognormal(0.0, 0.6, (n, 3)).sum(axis=1)
    usable = (rng.random((n, 3)) < 0.8).sum(axis=1).astype(float)
    return look, pay, usable


def test_log_ratio_sequence_is_the_delta_method_sequence() -> None:
    rng = np.random.default_rng(11)
    look, pay, usable = _ratio_units(rng, 300)
    counts, sums, gram = running_gram(look, np.column_stack([pay, usable]), 6)
    ranges = np.column_stack([np.zeros(6), np.full(6, 3.0)])
    est, low, high = log_ratio_sequence(counts, sums, gram, np.array([1.0, -1.0]), ranges, alpha=0.05, tuned_at=100)
    for at in range(6):
        p, u = pay[look <= at], usable[look <= at]
        t = len(p)
        theta = math.log(p.sum() / u.sum())
        influence = p / p.mean() - u / u.mean()  # the linear term of log(mean p / mean u)
        width = 3.0 / u.mean()  # a unit's usable judgments span 0..3
        variance = (width**2 / 4 + np.sum(influence**2)) / (t + 1)
        radius = float(mixture_radius(np.array([t]), np.array([variance]), alpha=0.05, tuned_at=100)[0])
        assert est[at] == pytest.approx(theta)
        assert (low[at], high[at]) == pytest.approx((theta - radius, theta + radius))


def test_a_ratio_sequence_is_blank_until_its_denominator_is_positive() -> None:
    look = np.array([0, 1, 1])
    counts, sums, gram = running_gram(look, np.array([[1.0, 0.0], [1.0, 1.0], [2.0, 1.0]]), 3)
    est, low, high = log_ratio_sequence(
        counts, sums, gram, np.array([1.0, -1.0]), np.ones((3, 2)), alpha=0.05, tuned_at=10
    )
    assert np.isnan([est[0], low[0], high[0]]).all()
    assert est[1] == pytest.approx(math.log(2.0)) and low[2] < est[2] < high[2]


@pytest.mark.slow
def test_time_uniform_coverage_of_a_ratio_of_means() -> None:
    """The true ratio E[pay] / E[usable] stays inside the sequence at every one of 30 looks in at least 95% of
    runs (up to Monte-Carlo error): the delta method's small-sample behaviour, measured."""
    rng = np.random.default_rng(5)
    runs, missed = 400, 0
    truth = math.log(3 * math.exp(0.6**2 / 2) / (3 * 0.8))
    for _ in range(runs):
        n = 600
        look = np.repeat(np.arange(30), n // 30)
        pay = rng.lognormal(0.0, 0.6, (n, 3)).sum(axis=1)
        usable = (rng.random((n, 3)) < 0.8).sum(axis=1).astype(float)
        counts, sums, gram = running_gram(look, np.column_stack([pay, usable]), 30)
        ranges = np.column_stack([np.zeros(30), np.full(30, 3.0)])
        _, low, high = log_ratio_sequence(counts, sums, gram, np.array([1.0, -1.0]), ranges, alpha=0.05, tuned_at=500)
        missed += bool(np.any((low > truth) | (high < truth)))
    assert missed / runs <= 0.05 + 2 * math.sqrt(0.05 * 0.95 / runs)


def test_linear_annotator_excess_is_the_shares_excess_in_linear_form() -> None:
    """A share's residual ``weight * (right - mean)`` is linear in (right * weight, weight) with coefficients
    (1, -mean): the general form gives the same annotators' part as :func:`annotator_excess`."""
    rng = np.random.default_rng(9)
    n = 500
    look = rng.integers(0, 5, n)
    annotator = rng.integers(0, 10, n)
    right = (rng.random(n) < np.where(annotator % 2 == 0, 0.6, 0.9)).astype(float)
    weight = 1 / rng.integers(1, 4, n)
    means = rng.uniform(0.6, 0.9, (1, 5))
    units = np.cumsum(np.full(5, 40.0))
    shares = annotator_excess(look, annotator, np.zeros(n, dtype=np.int64), right, weight, means, units)
    coef = np.column_stack([np.ones(5), -means[0]])
    linear = linear_annotator_excess(look, annotator, np.column_stack([right * weight, weight]), coef, units)
    assert linear == pytest.approx(shares)
    assert shares.max() > 0
