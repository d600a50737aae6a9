"""The bootstrap engine and the tests it reports, against direct computation and statsmodels."""

from __future__ import annotations

import numpy as np
import pytest
from statsmodels.stats.contingency_tables import mcnemar
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint

from labeleval.inference.stats import (
    BLOCK,
    bootstrap_p_value,
    bootstrap_totals,
    holm,
    mcnemar_exact,
    percentile_ci,
    weight_blocks,
    wilson_interval,
)


def test_weights_are_poisson_one() -> None:
    _, w = next(weight_blocks(400, BLOCK, seed=3))
    assert w.mean() == pytest.approx(1.0, abs=0.01)
    assert w.var() == pytest.approx(1.0, abs=0.02)
    assert (w == 0).mean() == pytest.approx(np.exp(-1), abs=0.01)


def test_totals_equal_explicit_weighted_sums_across_blocks() -> None:
    rng = np.random.default_rng(0)
    stats = rng.random((BLOCK + 123, 3))
    totals = bootstrap_totals(stats, n_boot=7, seed=5)
    weights = np.hstack([w for _, w in weight_blocks(7, len(stats), seed=5)]).astype(float)
    np.testing.assert_allclose(totals, weights @ stats)


def test_same_seed_same_resamples_other_seed_differs() -> None:
    stats = np.random.default_rng(1).random((50, 2))
    a = bootstrap_totals(stats, n_boot=20, seed=9)
    np.testing.assert_array_equal(a, bootstrap_totals(stats, n_boot=20, seed=9))
    assert not np.array_equal(a, bootstrap_totals(stats, n_boot=20, seed=10))


def test_bootstrap_ci_of_a_mean_covers_like_a_t_interval() -> None:
    """On iid data the item bootstrap CI of a mean is close to the t interval."""
    rng = np.random.default_rng(2)
    x = rng.normal(10, 2, 400)
    stats = np.column_stack([x, np.ones_like(x)])
    totals = bootstrap_totals(stats, n_boot=2000, seed=1)
    low, high = percentile_ci((totals[:, 0] / totals[:, 1])[:, None], 0.95)
    half = 1.96 * x.std(ddof=1) / np.sqrt(len(x))
    assert low[0] == pytest.approx(x.mean() - half, abs=0.04)
    assert high[0] == pytest.approx(x.mean() + half, abs=0.04)


def test_wilson_matches_statsmodels() -> None:
    k, n = np.array([0, 3, 17, 50]), np.array([10, 10, 40, 50])
    low, high = wilson_interval(k, n, 0.95)
    peer_low, peer_high = proportion_confint(k, n, alpha=0.05, method="wilson")
    np.testing.assert_allclose(low, peer_low, atol=1e-12)
    np.testing.assert_allclose(high, peer_high, atol=1e-12)


@pytest.mark.parametrize(("b", "c"), [(3, 11), (0, 5), (7, 7), (20, 4), (480, 530), (0, 0)])
def test_mcnemar_exact_matches_statsmodels(b: int, c: int) -> None:
    assert mcnemar_exact(b, c) == pytest.approx(mcnemar([[10, b], [c, 10]], exact=True).pvalue)


def test_holm_matches_statsmodels() -> None:
    p = np.array([0.01, 0.04, 0.03, 0.2, np.nan])
    ours = holm(p)
    peer = multipletests(p[:4], method="holm")[1]
    np.testing.assert_allclose(ours[:4], peer)
    assert np.isnan(ours[4])


def test_p_value_from_bootstrap_se() -> None:
    d = np.random.default_rng(0).normal(0.5, 0.25, 5000)
    assert bootstrap_p_value(0.5, d) == pytest.approx(0.0455, abs=0.004)  # z = 2
    assert bootstrap_p_value(0.0, d) == pytest.approx(1.0)
