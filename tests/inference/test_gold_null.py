"""The gold audit's null: beta-binomial fit and tails, error clustering, the lead's tail, Benjamini-Hochberg."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from labeleval.inference.gold_null import (
    ErrorSpread,
    beta_binomial_cdf,
    beta_binomial_pmf,
    fit_beta_binomial,
    fit_difficulty_null,
    fit_error_clustering,
    lead_tail,
)
from labeleval.inference.stats import benjamini_hochberg


def test_beta_binomial_pmf_and_cdf_match_scipy() -> None:
    for n, a, b in ((9, 6.5, 1.2), (15, 0.4, 0.3), (1, 2.0, 5.0)):
        assert np.allclose(beta_binomial_pmf(n, a, b), stats.betabinom.pmf(np.arange(n + 1), n, a, b))
    ks = np.array([0, 3, 9, 2, 15])
    ns = np.array([9, 9, 9, 15, 15])
    assert np.allclose(beta_binomial_cdf(ks, ns, 3.0, 0.8), stats.betabinom.cdf(ks, ns, 3.0, 0.8))


def test_beta_binomial_fit_is_the_maximum_likelihood() -> None:
    """Recovers simulated parameters, and no nearby (a, b) has a higher scipy log-likelihood."""
    rng = np.random.default_rng(0)
    n = rng.integers(5, 12, 4000)
    k = stats.betabinom.rvs(n, 6.0, 1.5, random_state=rng)
    a, b = fit_beta_binomial(k, n)
    assert a == pytest.approx(6.0, rel=0.2) and b == pytest.approx(1.5, rel=0.2)
    best = stats.betabinom.logpmf(k, n, a, b).sum()
    for da, db in ((1.02, 1), (0.98, 1), (1, 1.02), (1, 0.98)):
        assert stats.betabinom.logpmf(k, n, a * da, b * db).sum() <= best + 1e-6


def test_beta_binomial_fit_of_unanimous_items_stays_finite() -> None:
    a, b = fit_beta_binomial(np.full(50, 9), np.full(50, 9))
    assert np.isfinite(a) and np.isfinite(b) and a / (a + b) > 0.99


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
        got = lead_tail(np.array([0]), np.array([t]), np.array([n]), a, b, spread, 3)[0]
        assert got == pytest.approx(tail, rel=1e-9, abs=1e-12)
    clustered = lead_tail(np.array([1]), np.array([5]), np.array([6]), a, b, ErrorSpread(1.0, theta), 3)
    assert clustered[0] == pytest.approx(stats.betabinom.cdf(1, 6, a, b))


def test_difficulty_null_adds_a_hard_component_only_when_the_data_show_one() -> None:
    rng = np.random.default_rng(3)
    n = np.full(300, 15)
    bulk = stats.betabinom.rvs(15, 20.0, 2.0, size=300, random_state=rng)
    assert len(fit_difficulty_null(bulk, n, floor=0.25).components) == 1
    hard = stats.betabinom.rvs(15, 5.0, 5.0, size=60, random_state=rng)
    mixed = fit_difficulty_null(np.concatenate([bulk, hard]), np.full(360, 15), floor=0.25)
    assert len(mixed.components) == 2
    assert sum(w for w, _, _ in mixed.components) == pytest.approx(1.0)
    # the mixture's tail at 2 of 15 is far heavier than one beta-binomial's, and close to the truth's
    a, b = fit_beta_binomial(np.concatenate([bulk, hard]), np.full(360, 15))
    truth = (300 * stats.betabinom.cdf(2, 15, 20.0, 2.0) + 60 * stats.betabinom.cdf(2, 15, 5.0, 5.0)) / 360
    tail = sum(w * stats.betabinom.cdf(2, 15, pa, pb) for w, pa, pb in mixed.components)
    assert stats.betabinom.cdf(2, 15, a, b) < tail
    assert tail == pytest.approx(truth, rel=0.6)
