"""MASI and Jaccard distances against published values.

Source: Passonneau (2006) for MASI's monotonicity weights 1, 2/3, 1/3, 0, as current NLTK's
nltk.metrics.masi_distance computes them (0.6667 for {1, 2} vs {1, 2, 3, 4}; 0.8667 for {1, 2, 3, 4} vs
{3, 4, 5}; older NLTK releases rounded the weights to 0.67/0.33 and printed 0.665)."""

from __future__ import annotations

import pytest

import labeleval as le


@pytest.mark.parametrize(
    ("a", "b", "masi", "jaccard"),
    [
        ({1, 2}, {1, 2, 3, 4}, 1 - 0.5 * 2 / 3, 0.5),  # current NLTK: 0.6667 (J = 1/2, nested: M = 2/3)
        ({1, 2, 3, 4}, {3, 4, 5}, 1 - 0.4 / 3, 0.6),  # current NLTK: 0.8667 (J = 2/5, overlap: M = 1/3)
        ({1, 2}, {1, 2}, 0.0, 0.0),
        ({1, 2}, {3}, 1.0, 1.0),
        ({1, 2, 3}, {2, 3, 4}, 1 - 0.5 / 3, 0.5),
        (set(), set(), 0.0, 0.0),
    ],
)
def test_masi_and_jaccard(a: set[int], b: set[int], masi: float, jaccard: float) -> None:
    assert le.masi_distance(a, b) == pytest.approx(masi)
    assert le.masi_distance(b, a) == pytest.approx(masi)  # symmetric
    assert le.jaccard_distance(a, b) == pytest.approx(jaccard)
