"""Reviewer severity of a graded task: an additive many-facet model, fitted exactly, and what it makes linear.

Per criterion, score ``y = mu_d + s_r + e``: ``mu_d`` the deliverable's quality (a fixed effect, one per
deliverable), ``s_r`` reviewer ``r``'s severity on that criterion (negative: severe), ``e`` the reviewer's noise.
This is the rating-scale form of a many-facet model (Linacre's facets, on the score scale rather than logits)
and the additive two-way model of an incomplete block design. Deliverables are fixed effects on purpose: each
reviewer's severity is then estimated only from comparisons with the other reviewers *of the same deliverables*,
so it cannot absorb the quality of the work a reviewer happened to see; with random deliverable effects, a
lenient reviewer who saw mostly one vendor's (better) work would be partly read as lenient and partly as having
seen good work. With 8-100 reviewers, severities are fixed effects too (they are the quantity of interest, not a
variance), identified up to a constant: they sum to zero, so an adjusted score is on the scale of the panel's
average reviewer.

The least-squares fit (what alternating least squares converges to) is solved exactly: the deliverables absorbed,
the severities solve the reviewers' reduced normal equations ``C s = q`` with ``C = diag(n_r) - N' diag(1/n_d) N``
(``N`` deliverables x reviewers counts) and ``q_r = sum_(o by r) (y_o - ybar_d(o))``; ``C`` is reviewers x
reviewers, its pseudo-inverse gives the zero-sum solution. Reviewers who share no deliverable, even through
others, are not comparable: ``C`` then has more than one zero eigenvalue, and the fit says so.

Because the fit is linear in the scores, any adjusted mean ``theta = mean over a set of (y_o - s_r(o))`` is
``sum_o l_o y_o`` with coefficients in closed form (:func:`adjusted_coefficients`), which is what the crossed
variance (:mod:`labeleval.inference.crossed`) needs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse


@dataclass(frozen=True)
class SeverityFit:
    """One criterion's fit: each reviewer's severity (0 for reviewers without a score on it), ``C``'s
    pseudo-inverse, and whether every reviewer is connected to every other through shared deliverables."""

    severity: np.ndarray
    pinv: np.ndarray
    connected: bool
    components: int


def fit_severity(deliverable: np.ndarray, reviewer: np.ndarray, y: np.ndarray, n_reviewers: int) -> SeverityFit:
    """Severities by the reduced normal equations (codes: deliverables 0..D-1, reviewers 0..R-1)."""
    n_deliverables = int(deliverable.max()) + 1 if len(deliverable) else 0
    counts = sparse.csr_array(
        (np.ones(len(y)), (deliverable, reviewer)), shape=(n_deliverables, n_reviewers), dtype=np.float64
    )
    n_d = np.asarray(counts.sum(axis=1)).ravel()
    n_r = np.asarray(counts.sum(axis=0)).ravel()
    inv_d = np.where(n_d > 0, 1.0 / np.maximum(n_d, 1.0), 0.0)
    c = np.diag(n_r) - (counts.T @ (counts * inv_d[:, None])).toarray()
    ybar = np.bincount(deliverable, weights=y, minlength=n_deliverables) * inv_d
    q = np.bincount(reviewer, weights=y - ybar[deliverable], minlength=n_reviewers)
    active = n_r > 0
    pinv = np.zeros((n_reviewers, n_reviewers))
    if active.sum() > 1:
        sub = c[np.ix_(active, active)]
        pinv[np.ix_(active, active)] = np.linalg.pinv(sub, hermitian=True)
        eigen = np.linalg.eigvalsh(sub)
        components = int((eigen < 1e-9 * max(float(eigen.max()), 1.0)).sum())
    else:
        components = int(active.sum())
    severity = pinv @ q
    severity[active] -= severity[active].mean()  # the zero-sum solution, also when reviewers are disconnected
    return SeverityFit(severity, pinv, components <= 1, max(components, 1))


def adjusted_coefficients(
    fit: SeverityFit, deliverable: np.ndarray, reviewer: np.ndarray, selected: np.ndarray
) -> np.ndarray:
    """Coefficients ``l`` of ``mean over selected o of (y_o - s_r(o)) = sum_o l_o y_o`` (over every observation of
    the criterion: the severities are estimated from all of them)."""
    n_sel = int(selected.sum())
    if n_sel == 0:
        return np.zeros(len(deliverable))
    n_reviewers = len(fit.severity)
    share = np.bincount(reviewer[selected], minlength=n_reviewers) / n_sel
    g = fit.pinv @ share
    per_obs = g[reviewer]
    n_deliverables = int(deliverable.max()) + 1
    counts = np.bincount(deliverable, minlength=n_deliverables)
    gbar = np.bincount(deliverable, weights=per_obs, minlength=n_deliverables) / np.maximum(counts, 1)
    return selected.astype(np.float64) / n_sel - per_obs + gbar[deliverable]


def severity_covariance(fit: SeverityFit, deliverable: np.ndarray, reviewer: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The sampling covariance of the fitted severities, ``sigma**2 C^+``: ``sigma**2`` the two-way model's residual
    variance (its sum of squares over the observations less the deliverables and the comparable severities)."""
    if not len(y):
        return np.zeros_like(fit.pinv)
    n_deliverables = int(deliverable.max()) + 1
    n_d = np.bincount(deliverable, minlength=n_deliverables).astype(np.float64)
    inv_d = np.where(n_d > 0, 1.0 / np.maximum(n_d, 1.0), 0.0)
    s = fit.severity[reviewer]
    ybar = np.bincount(deliverable, weights=y, minlength=n_deliverables) * inv_d
    sbar = np.bincount(deliverable, weights=s, minlength=n_deliverables) * inv_d
    residual = y - ybar[deliverable] - (s - sbar[deliverable])
    reviewers = int((np.bincount(reviewer, minlength=len(fit.severity)) > 0).sum())
    df = len(y) - int((n_d > 0).sum()) - max(reviewers - fit.components, 0)
    sigma2 = float(residual @ residual) / df if df > 0 else 0.0
    return sigma2 * fit.pinv


def severity_draws(covariance: np.ndarray, n_draws: int, rng: np.random.Generator) -> np.ndarray:
    """``n_draws`` x reviewers normal deviations of the severities from their estimate with ``covariance``."""
    values, vectors = np.linalg.eigh(covariance)
    root = vectors * np.sqrt(np.clip(values, 0.0, None))
    return rng.standard_normal((n_draws, len(values))) @ root.T
