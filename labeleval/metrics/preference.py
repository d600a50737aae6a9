"""Pairwise preferences (A, B, tie): agreement with and without ties, tie rates, position bias, and
agreement by preference strength. Published human agreement on such data is low by classification
standards (InstructGPT: 72.6 +/- 1.5%; MT-Bench: 81% without ties, 63% with them), so these figures are
best read relative to the other vendors on the same items."""

from __future__ import annotations

import numpy as np

A, B, TIE = 0, 1, 2  # codes of the fixed pairwise labels ("A", "B", "tie")


def agreement_without_ties(counts: np.ndarray) -> float:
    """Share of agreeing pairs among pairs of non-tie judgments on the same item, averaged over items with
    two or more non-tie judgments (MT-Bench's "agreement without ties")."""
    decisive = counts[:, [A, B]].astype(np.float64)
    m = decisive.sum(axis=1)
    ok = m >= 2
    if not ok.any():
        return float("nan")
    return float(np.mean((decisive[ok] * (decisive[ok] - 1)).sum(axis=1) / (m[ok] * (m[ok] - 1))))


def position_choices(labels: np.ndarray, shown_first: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per judgment: (did it pick the response shown first?, is it a decisive judgment with a known order?)."""
    known = (shown_first >= 0) & (labels != TIE) & (labels >= 0)
    return known & (labels == shown_first), known
