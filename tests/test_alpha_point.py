"""Above the package's size the headline alpha is the bootstrap statistic's point value: it must equal
the closed forms of ``alpha_from_counts`` at every level, dense counts and non-zero cells alike."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse

from labeleval.metrics.agreement import alpha_from_counts, alpha_from_stats, alpha_stats, package_sized
from labeleval.tuning import PACKAGE_MAX_CELLS


def _counts(rng: np.random.Generator, n_items: int, k: int) -> np.ndarray:
    truth = rng.integers(0, k, n_items)
    m = rng.integers(1, 6, n_items)
    counts = np.zeros((n_items, k), dtype=np.int64)
    for j in range(5):
        rated = j < m
        right = rng.random(n_items) < 0.7
        label = np.where(right, truth, rng.integers(0, k, n_items))
        np.add.at(counts, (np.flatnonzero(rated), label[rated]), 1)
    return counts


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
@pytest.mark.parametrize("as_cells", [False, True])
def test_point_value_of_the_statistic_is_the_closed_form(level: str, as_cells: bool) -> None:
    rng = np.random.default_rng(["nominal", "ordinal", "interval", "ratio"].index(level))
    k = 5
    counts = _counts(rng, 2 * PACKAGE_MAX_CELLS // k**2, k)  # pairable items x 25 above the limit
    n: np.ndarray | sparse.csr_array = sparse.csr_array(counts) if as_cells else counts
    assert not package_sized(n)
    values = np.array([1.0, 2.0, 3.0, 5.0, 8.0])
    block = alpha_stats(n, level, values)
    totals = np.asarray(block.sum(axis=0)).reshape(1, -1)
    point = float(alpha_from_stats(totals, level, values)[0])  # what the engine's alpha statistic computes
    expected = alpha_from_counts(n, level=level, values=values)
    assert 0.2 < expected < 0.9
    assert point == pytest.approx(expected, rel=1e-12, abs=1e-12)


def test_small_counts_still_go_to_the_package() -> None:
    counts = _counts(np.random.default_rng(9), 1_000, 4)
    assert package_sized(counts)
    assert package_sized(sparse.csr_array(counts))


def test_every_class_alpha_at_once_is_each_class_alpha() -> None:
    """The per-class frame's one-against-the-rest alphas of every class at once (for speed) equal the
    per-class function's, undefined classes (never or always given) included."""
    from labeleval.metrics.agreement import one_vs_rest_alpha, one_vs_rest_alphas

    rng = np.random.default_rng(4)
    for trial in range(60):
        n_items, k = int(rng.integers(1, 300)), int(rng.integers(2, 7))
        counts = rng.integers(0, 4, (n_items, k)) * (rng.random((n_items, k)) < rng.random())
        if trial % 3 == 0:
            counts[:, 0] = 0  # a class nobody gave
        m = counts.sum(axis=1)
        each = np.array([one_vs_rest_alpha(counts[:, c], m) for c in range(k)])
        np.testing.assert_allclose(one_vs_rest_alphas(sparse.csr_array(counts), m), each, rtol=1e-12, equal_nan=True)
