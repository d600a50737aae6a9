"""Reviewer severity: the exact fit against a naive alternating least squares, and the adjusted means' linear form."""

from __future__ import annotations

import numpy as np

from labeleval.analyses.graded_model import adjusted_coefficients, fit_severity


def _als(d: np.ndarray, r: np.ndarray, y: np.ndarray, n_r: int) -> np.ndarray:
    """Naive alternating least squares: deliverable means, then reviewer offsets, until they settle."""
    s = np.zeros(n_r)
    for _ in range(2000):
        mu = np.bincount(d, weights=y - s[r]) / np.bincount(d)
        s = np.bincount(r, weights=y - mu[d], minlength=n_r) / np.maximum(np.bincount(r, minlength=n_r), 1)
        s -= s.mean()
    return s


def test_severity_matches_alternating_least_squares_and_adjusted_means_are_linear() -> None:
    rng = np.random.default_rng(3)
    d = np.repeat(np.arange(150), 3)
    r = np.concatenate([rng.choice(6, 3, replace=False) for _ in range(150)])
    y = rng.normal(3, 1, 150)[d] + np.array([0.5, -0.2, 0.0, 0.3, -0.4, -0.2])[r] + rng.normal(0, 0.3, len(d))
    fit = fit_severity(d, r, y, 6)
    assert fit.connected
    np.testing.assert_allclose(fit.severity, _als(d, r, y, 6), atol=1e-8)
    chosen = d < 50
    coef = adjusted_coefficients(fit, d, r, chosen)
    np.testing.assert_allclose(coef @ y, (y - fit.severity[r])[chosen].mean(), atol=1e-10)


def test_disconnected_reviewers_are_reported() -> None:
    d = np.repeat(np.arange(20), 2)
    r = np.where(np.arange(40) < 20, np.tile([0, 1], 20), np.tile([2, 3], 20))
    fit = fit_severity(d, r, np.arange(40, dtype=float) % 5, 4)
    assert not fit.connected and fit.components == 2
