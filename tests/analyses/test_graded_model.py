"""Reviewer severity: the exact fit against a naive alternating least squares, the adjusted means' linear form, and
the severities' sampling covariance against their spread over simulated panels."""

from __future__ import annotations

import numpy as np
import pytest

from labeleval.analyses.graded_model import adjusted_coefficients, fit_severity, severity_covariance, severity_draws


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


@pytest.mark.slow
def test_the_severities_covariance_matches_their_spread_over_simulated_panels() -> None:
    rng = np.random.default_rng(4)
    n_d, n_r, noise = 80, 6, 0.5
    truth = np.array([0.4, -0.3, 0.0, 0.2, -0.1, -0.2])
    r = np.stack([rng.choice(n_r, 3, replace=False) for _ in range(n_d)]).ravel()
    d = np.repeat(np.arange(n_d), 3)
    quality = rng.normal(3.0, 0.8, n_d)
    fits, predicted = [], []
    for _ in range(600):
        y = quality[d] + truth[r] + rng.normal(0.0, noise, len(d))
        fit = fit_severity(d, r, y, n_r)
        fits.append(fit.severity)
        predicted.append(np.diag(severity_covariance(fit, d, r, y)))
    empirical = np.var(np.stack(fits), axis=0, ddof=1)
    assert np.allclose(np.mean(predicted, axis=0), empirical, rtol=0.15)
    assert np.allclose(np.mean(fits, axis=0), truth - truth.mean(), atol=0.02)
    draws = severity_draws(severity_covariance(fit, d, r, y), 4000, np.random.default_rng(5))
    assert np.allclose(draws.var(axis=0), predicted[-1], rtol=0.1)
