"""The gold audit's null: the logit-normal binomial mixture and its tails, error clustering, the lead's tail,
Benjamini-Hochberg."""

from __future__ import annotations

import math
from dataclasses import replace
from functools import partial

import numpy as np
import pytest
from scipy import integrate, stats

from labeleval.inference.gold_null import (
    DifficultyNull,
    ErrorSpread,
    fit_difficulty_null,
    fit_error_clustering,
    lead_tail,
    logit_normal_binomial_pmf,
    null_lead_tail,
)
from labeleval.inference.stats import benjamini_hochberg
from labeleval.tuning import AUDIT_NULL_WIDEN_LOGLIK

SQRT_2PI = math.sqrt(2 * math.pi)


def _logit_normal_binomial(n: int, mu: float, sd: float, size: int, rng: np.random.Generator) -> np.ndarray:
    return rng.binomial(n, 1 / (1 + np.exp(-rng.normal(mu, sd, size))))


def test_logit_normal_binomial_pmf_matches_the_integral() -> None:
    for n, mu, sd in ((9, 2.0, 1.0), (15, 0.0, 1.5), (1, -1.0, 0.3)):
        pmf = logit_normal_binomial_pmf(n, mu, sd)
        assert pmf.sum() == pytest.approx(1.0)

        def density(z: float, k: int, n: int = n, mu: float = mu, sd: float = sd) -> float:
            p = 1 / (1 + math.exp(-z))
            return math.comb(n, k) * p**k * (1 - p) ** (n - k) * math.exp(-0.5 * ((z - mu) / sd) ** 2) / sd / SQRT_2PI

        for k in range(n + 1):
            exact = integrate.quad(density, mu - 12 * sd, mu + 12 * sd, args=(k,))[0]
            assert pmf[k] == pytest.approx(exact, rel=1e-3, abs=1e-12)


def test_difficulty_null_recovers_a_logit_normal_and_widens_it_a_little() -> None:
    """One component, its median recovered; its sd above the maximum-likelihood one, where the log-likelihood
    has fallen by ``AUDIT_NULL_WIDEN_LOGLIK``."""
    rng = np.random.default_rng(0)
    k = _logit_normal_binomial(9, 2.0, 1.0, 3000, rng)
    null = fit_difficulty_null(k, np.full(3000, 9), floor=0.25)
    assert len(null.components) == 1
    _, mu, sd = null.components[0]
    assert mu == pytest.approx(2.0, abs=0.15)

    def loglik(s: float) -> float:
        return float(np.log(logit_normal_binomial_pmf(9, mu, s))[k].sum())

    grid = np.linspace(0.5, 1.5, 201)
    best = grid[np.argmax([loglik(s) for s in grid])]
    assert best == pytest.approx(1.0, abs=0.15)
    assert sd > best + 0.02
    assert loglik(sd) == pytest.approx(max(loglik(s) for s in grid) - AUDIT_NULL_WIDEN_LOGLIK, abs=0.05)


def test_difficulty_null_of_unanimous_items_stays_finite() -> None:
    null = fit_difficulty_null(np.full(50, 9), np.full(50, 9), floor=0.25)
    (_, mu, sd), *_ = null.components
    assert np.isfinite(mu) and np.isfinite(sd) and null.pmf(9, 0)[9] > 0.95


def test_benjamini_hochberg_by_hand_and_against_statsmodels() -> None:
    p = np.array([0.01, 0.04, 0.03, 0.20, np.nan, 0.001])
    # by hand: sorted 0.001, 0.01, 0.03, 0.04, 0.20 with m = 5 -> 0.005, 0.025, 0.05, 0.05, 0.20
    expected = np.array([0.025, 0.05, 0.05, 0.20, np.nan, 0.005])
    assert np.allclose(benjamini_hochberg(p), expected, equal_nan=True)
    multitest = pytest.importorskip("statsmodels.stats.multitest")
    q = np.random.default_rng(1).random(200) ** 3
    assert np.allclose(benjamini_hochberg(q), multitest.multipletests(q, method="fdr_bh")[1])


def test_clustering_is_found_when_misses_go_to_one_label() -> None:
    rng = np.random.default_rng(2)
    spread = rng.multinomial(4, [1 / 3] * 3, size=300)
    clustered = np.zeros((300, 3), dtype=int)
    clustered[:, 0] = 4
    assert fit_error_clustering(spread).clustered < 0.15
    assert fit_error_clustering(np.vstack([spread, clustered])).clustered > 0.4
    assert fit_error_clustering(spread[:3]).clustered == 1.0  # too few items: assume clustered


def test_lead_tail_is_a_distribution_tail() -> None:
    """Against brute force: the lead's null probabilities over every vote vector of 6 judgments sum to one,
    and the tail at each lead equals the enumerated sum."""
    a, b, theta, n = 4.0, 1.0, 0.7, 6
    spread = ErrorSpread(0.0, theta)
    probs: dict[int, float] = {}
    pmf = stats.betabinom.pmf(np.arange(n + 1), n, a, b)

    def beta(size: int) -> np.ndarray:
        return np.asarray(stats.betabinom.pmf(np.arange(size + 1), size, a, b))

    for g in range(n + 1):
        e = n - g
        for x in range(e + 1):
            for y in range(e - x + 1):
                counts = np.array([x, y, e - x - y])
                p_err = stats.dirichlet_multinomial.pmf(counts, [theta] * 3, e) if e else 1.0
                lead = counts.max() - g
                probs[lead] = probs.get(lead, 0.0) + pmf[g] * p_err
    assert sum(probs.values()) == pytest.approx(1.0)
    for t in sorted(probs):
        tail = sum(v for k, v in probs.items() if k >= t)
        got = lead_tail(np.array([0]), np.array([t]), np.array([n]), beta, spread, 3)[0]
        assert got == pytest.approx(tail, rel=1e-9, abs=1e-12)
    clustered = lead_tail(np.array([1]), np.array([5]), np.array([6]), beta, ErrorSpread(1.0, theta), 3)
    assert clustered[0] == pytest.approx(stats.betabinom.cdf(1, 6, a, b))


def test_difficulty_null_adds_a_hard_component_only_when_the_data_show_one() -> None:
    rng = np.random.default_rng(3)
    bulk = _logit_normal_binomial(15, 3.0, 0.6, 300, rng)
    assert len(fit_difficulty_null(bulk, np.full(300, 15), floor=0.25).components) == 1
    hard = _logit_normal_binomial(15, 0.0, 0.6, 60, rng)
    mixed = fit_difficulty_null(np.concatenate([bulk, hard]), np.full(360, 15), floor=0.25)
    assert len(mixed.components) == 2 and mixed.ambiguous == (False, True)
    assert sum(w for w, _, _ in mixed.components) == pytest.approx(1.0)


def test_difficulty_null_tail_holds_for_hard_items_with_many_judgments() -> None:
    """The design where a beta null flagged correct gold: 300 items with 15 judgments, 10% of them hard (their
    chance of a right judgment around a half, logit sd 1.1), 3 wrong gold. The null's probability of no
    right vote is at least half the truth's in every seed (a beta mixture's was 3 to 100 times too small)."""
    truth = 0.9 * logit_normal_binomial_pmf(15, 2.1, 1.1)[0] + 0.1 * logit_normal_binomial_pmf(15, 0.1, 1.1)[0]
    for seed in range(5):
        rng = np.random.default_rng(seed)
        k = np.concatenate(
            [
                _logit_normal_binomial(15, 2.1, 1.1, 267, rng),
                _logit_normal_binomial(15, 0.1, 1.1, 30, rng),
                rng.binomial(15, 0.04, 3),  # wrong gold: a third of an ordinary item's misses
            ]
        )
        null = fit_difficulty_null(k, np.full(300, 15), floor=0.25)
        no_right = sum(w * null.pmf(15, c)[0] for c, (w, _, _) in enumerate(null.components))
        assert no_right >= truth / 2


def test_a_hard_component_is_taken_as_clustered() -> None:
    null = DifficultyNull(((0.8, 2.0, 1.0), (0.2, 0.0, 1.0)), (False, True))
    spread = ErrorSpread(0.3, 2.0)
    g, top, n = np.array([0, 1, 3]), np.array([9, 6, 4]), np.array([9, 9, 9])
    expected = 0.8 * lead_tail(g, top, n, partial(null.pmf, component=0), spread, 3) + 0.2 * lead_tail(
        g, top, n, partial(null.pmf, component=1), None, 3
    )
    assert np.allclose(null_lead_tail(g, top, n, null, spread, 3), expected)
    assert (
        null_lead_tail(g, top, n, null, spread, 3) >= null_lead_tail(g, top, n, replace(null, ambiguous=()), spread, 3)
    ).all()
