"""Variance of statistics whose observations belong to several crossed facets at once (prompts, writers,
reviewers), and the family's simultaneous test from it.

Each statistic is given as its observations' influence ``h`` (observations x statistics): for a statistic linear
in the observations, ``theta - E theta = sum_o h_o``. With facets crossed rather than nested, no single cluster
holds the dependence, so the multiway cluster-robust variance (Cameron, Gelbach & Miller 2011, "Robust inference
with multiway clustering", JBES 29(2)) sums the one-facet cluster variances, subtracts those clustered by each pair
of facets' intersection and adds back the three-way intersection's (inclusion-exclusion), each term with the
small-sample factor ``G / (G - 1)`` of its ``G`` clusters. When the sum is not positive semi-definite its negative
eigenvalues are set to zero (their fix). Unlike the product-weight ("pigeonhole") bootstrap, the observation-level
noise is counted once, not ``2**3 - 1`` times, so the intervals are not wider than the data say.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations

import numpy as np

from labeleval.inference.stats import MaxT, max_t


def _cluster_codes(facets: Sequence[np.ndarray]) -> tuple[np.ndarray, int]:
    """One code per distinct combination of the facets' codes, and how many there are."""
    stacked = np.stack([np.asarray(f, dtype=np.int64) for f in facets], axis=1)
    _, codes = np.unique(stacked, axis=0, return_inverse=True)
    codes = codes.ravel()
    return codes, int(codes.max()) + 1 if len(codes) else 0


def cluster_term(h: np.ndarray, codes: np.ndarray, n_clusters: int) -> np.ndarray:
    """``sum_g H_g' H_g`` with ``H_g`` the summed influence of cluster ``g``, times ``G / (G - 1)``."""
    sums = np.zeros((n_clusters, h.shape[1]))
    np.add.at(sums, codes, h)
    factor = n_clusters / (n_clusters - 1) if n_clusters > 1 else 1.0
    return factor * (sums.T @ sums)


def multiway_covariance(h: np.ndarray, facets: Sequence[np.ndarray]) -> np.ndarray:
    """The statistics' covariance (statistics x statistics) from the observations' influence ``h`` and each
    observation's code in every facet (inclusion-exclusion over the facets' intersections)."""
    h2 = np.atleast_2d(np.asarray(h, dtype=np.float64).T).T
    total = np.zeros((h2.shape[1], h2.shape[1]))
    for size in range(1, len(facets) + 1):
        sign = 1.0 if size % 2 else -1.0
        for chosen in combinations(facets, size):
            codes, n_clusters = _cluster_codes(chosen)
            total += sign * cluster_term(h2, codes, n_clusters)
    values, vectors = np.linalg.eigh((total + total.T) / 2.0)
    if (values < 0).any():
        total = (vectors * np.clip(values, 0.0, None)) @ vectors.T
    return total


def facet_df(h: np.ndarray, facets: Sequence[np.ndarray], total: np.ndarray) -> np.ndarray:
    """Each statistic's degrees of freedom: how well its variance ``total`` is known, from its one-facet cluster
    variances ``V_f``. Each ``V_f`` is a sum of ``G_f`` squared cluster sums ``S_g``; with unequal clusters it
    is known as well as ``df_f = 3 (sum S_g**2)**2 / sum S_g**4`` independent terms would make it (at most
    ``G_f - 1``; ``G_f`` for equal normal clusters), and ``df = total**2 / sum_f V_f**2 / df_f`` (Satterthwaite).
    A difference whose variance comes from two vendors' 20 writers each, of unequal output, gets about 25."""
    h2 = np.atleast_2d(np.asarray(h, dtype=np.float64).T).T
    terms = np.zeros(h2.shape[1])
    for facet in facets:
        codes, n_clusters = _cluster_codes([facet])
        sums = np.zeros((n_clusters, h2.shape[1]))
        np.add.at(sums, codes, h2)
        squares = sums**2
        v = squares.sum(axis=0) * (n_clusters / (n_clusters - 1) if n_clusters > 1 else 1.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            df_f = np.minimum(3.0 * squares.sum(axis=0) ** 2 / (squares**2).sum(axis=0), max(n_clusters - 1, 1))
            terms += np.where(v > 0, v**2 / df_f, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        df = np.asarray(total, dtype=np.float64) ** 2 / terms
    return np.where(np.isfinite(df) & (df > 0), np.maximum(df, 1.0), np.inf)


def gaussian_max_t(
    estimates: np.ndarray,
    covariance: np.ndarray,
    confidence: float,
    *,
    draws: int,
    seed: int,
    df: np.ndarray | None = None,
) -> MaxT:
    """The single-step max-T of :func:`labeleval.inference.stats.max_t` over a family, its resamples drawn from
    the normal law with the family's ``covariance`` (a multiplier bootstrap of the sandwich): adjusted p-values
    and simultaneous intervals that account for the correlation between the family's tests; ``df``: each test's
    degrees of freedom (:func:`facet_df`), its statistic read on the t law's tail."""
    est = np.asarray(estimates, dtype=np.float64)
    if not len(est):
        return max_t(est, np.zeros((0, 0)), confidence)
    rng = np.random.default_rng([seed, 27])
    cov = (covariance + covariance.T) / 2.0
    values, vectors = np.linalg.eigh(cov)
    root = vectors * np.sqrt(np.clip(values, 0.0, None))
    samples = est[None, :] + rng.standard_normal((max(draws, 2), len(est))) @ root.T
    se = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    return max_t(est, samples, confidence, se_floor=se, df=df)
