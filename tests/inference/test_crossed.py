"""The multiway cluster-robust covariance against a naive sum over pairs of observations, and its max-T."""

from __future__ import annotations

from itertools import combinations
from statistics import NormalDist

import numpy as np

from labeleval.inference.crossed import facet_df, gaussian_max_t, multiway_covariance


def test_multiway_covariance_equals_the_naive_double_sum_over_pairs_sharing_a_facet() -> None:
    rng = np.random.default_rng(4)
    n = 60
    facets = [rng.integers(0, 7, n), rng.integers(0, 5, n), rng.integers(0, 4, n)]
    h = rng.normal(size=(n, 2))
    got = multiway_covariance(h, facets)
    naive = np.zeros((2, 2))
    for size in (1, 2, 3):
        for chosen in combinations(facets, size):
            same = np.ones((n, n), dtype=bool)
            for f in chosen:
                same &= f[:, None] == f[None, :]
            groups = len({tuple(f[o] for f in chosen) for o in range(n)})
            naive += (-1) ** (size + 1) * groups / (groups - 1) * (h.T @ (same.astype(float) @ h))
    values, vectors = np.linalg.eigh(naive)
    naive = (vectors * np.clip(values, 0, None)) @ vectors.T
    np.testing.assert_allclose(got, naive, atol=1e-10)


def test_the_family_critical_value_is_sidaks_for_independent_tests() -> None:
    k = 6
    test = gaussian_max_t(np.zeros(k), np.eye(k), 0.95, draws=40_000, seed=1)
    sidak = NormalDist().inv_cdf(1 - (1 - 0.95 ** (1 / k)) / 2)
    assert abs(test.critical - sidak) < 0.03
    assert not test.significant.any()
    strong = gaussian_max_t(np.array([0.0, 5.0]), np.eye(2), 0.95, draws=4000, seed=1)
    assert list(strong.significant) == [False, True]


def test_perfectly_correlated_tests_cost_nothing_to_join() -> None:
    test = gaussian_max_t(np.zeros(3), np.ones((3, 3)), 0.95, draws=40_000, seed=2)
    assert abs(test.critical - NormalDist().inv_cdf(0.975)) < 0.03


def test_degrees_of_freedom_follow_the_facet_that_carries_the_variance() -> None:
    rng = np.random.default_rng(5)
    n = 4000
    few = rng.integers(0, 12, n)  # 12 large clusters carry the variance
    many = rng.integers(0, 2000, n)
    h = (rng.normal(size=12)[few] + 0.01 * rng.normal(size=n))[:, None] / n
    total = np.diag(multiway_covariance(h, [few, many]))
    df = facet_df(h, [few, many], total)
    assert 3 <= df[0] <= 11  # about the 12 clusters' worth, not the 4000 observations'
    spread = (rng.normal(size=n) / n)[:, None]  # no shared effect: every cluster is small
    df_spread = facet_df(spread, [many], np.diag(multiway_covariance(spread, [many])))
    assert df_spread[0] > 500
