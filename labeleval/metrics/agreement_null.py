"""The standard error of an agreement coefficient under no agreement, where no formula gives it: a permutation
null.

Each annotator's labels are shuffled over the items that annotator rated: every item keeps its number of
judgments and every annotator their own category shares, and any agreement beyond chance is broken. The standard
deviation of a coefficient over ``n`` such permutations is its SE under no agreement, conditional on the
annotators' shares as Fleiss, Nee & Landis's (1979) formula is (for a test of no agreement; like every SE under
the null, too narrow for an interval where agreement is not zero), and the share of permutations at least as far
from their mean as the estimate is the permutation test's p-value. Where a formula exists (Fleiss' kappa with
equal judgments per item; Cohen's kappa, Fleiss, Cohen & Everitt 1969) the permutation SE agrees with it.

The null's centre is not 0 for every coefficient: percent agreement's is the chance agreement, and AC1's and
Brennan-Prediger's lie above 0 when the categories are unequally used; the p-value is measured from the null's
own centre, so it holds its level for each.

Light's kappa has one too: the shuffle keeps the items each annotator rated, so the annotator pairs sharing 10 or
more items, the pairs Light's kappa averages, are the same pairs on every permutation; only their labels change.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

import numpy as np
from scipy import sparse

from labeleval.metrics.family import Ratings
from labeleval.tuning import DENSE_MAX_CELLS


def shuffled(r: Ratings, rng: np.random.Generator) -> Ratings:
    """``r`` with each annotator's labels shuffled over that annotator's judgments."""
    by_rater = np.argsort(r.rater, kind="stable")
    mixed = np.lexsort((rng.random(len(r.rater)), r.rater))  # each rater's judgments in a random order
    label = np.empty_like(r.label)
    label[by_rater] = r.label[mixed]
    n_items, q = r.n.shape
    if n_items * q <= DENSE_MAX_CELLS:
        n: np.ndarray | sparse.csr_array = np.bincount(r.item * q + label, minlength=n_items * q).reshape(n_items, q)
    else:
        n = sparse.csr_array((np.ones(len(label), dtype=np.int64), (r.item, label)), shape=(n_items, q))
        n.sum_duplicates()
    return replace(r, n=n, label=label)


def permutation_null(
    r: Ratings, statistics: Sequence[tuple[str, Callable[[Ratings], float], float]], n: int, seed: int = 0
) -> dict[str, tuple[float, float]]:
    """(SE under no agreement, permutation p of no agreement) of each coefficient of ``statistics`` (name, the
    coefficient of a Ratings, estimate) over ``n`` permutations from ``seed``: the standard deviation of its finite
    values, and the share of them at least as far from their mean as the estimate (one added above and below, so
    never 0); NaN with fewer than two."""
    rng = np.random.default_rng(seed)
    draws: dict[str, list[float]] = {name: [] for name, _, _ in statistics}
    for _ in range(n):
        null = shuffled(r, rng)
        for name, statistic, _ in statistics:
            draws[name].append(statistic(null))
    out = {}
    for name, _, estimate in statistics:
        values = np.asarray(draws[name])
        finite = values[np.isfinite(values)]
        if len(finite) < 2:
            out[name] = (float("nan"), float("nan"))
            continue
        centre = float(finite.mean())
        beyond = int((np.abs(finite - centre) >= abs(estimate - centre) - 1e-12).sum())
        out[name] = (float(np.std(finite, ddof=1)), (1.0 + beyond) / (1.0 + len(finite)))
    return out
