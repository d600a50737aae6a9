"""Confidence sequences: the boundary as published, its time-uniform coverage, and the annotators' part of the
variance against a direct computation of the two-way cluster-robust formula."""

from __future__ import annotations

import math

import numpy as np
import pytest

from labeleval.inference.sequences import (
    annotator_excess,
    confidence_sequence,
    mixture_radius,
    mixture_rho,
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
