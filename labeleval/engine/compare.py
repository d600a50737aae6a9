"""Paired comparisons between every pair of vendors on the headline metrics."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from labeleval.engine.consensus import VendorConsensus
from labeleval.engine.encode import Encoded, VendorBatch
from labeleval.engine.settings import Settings
from labeleval.engine.statistics import Estimates
from labeleval.options import UsabilityRule
from labeleval.stats import bootstrap_p_value, holm, mcnemar_exact, percentile_ci

COLUMNS = (
    "vendor_a",
    "vendor_b",
    "metric",
    "estimate_a",
    "estimate_b",
    "difference",
    "ci_low",
    "ci_high",
    "p_value",
    "test",
    "shared_items",
    "shared_gold_items",
)
METRICS = ("accuracy", "consensus_accuracy", "alpha", "usable_rate", "cost_per_usable_label")
BOOTSTRAP_TEST = "paired item bootstrap (Wald, bootstrap SE)"
MCNEMAR_TEST = "exact McNemar on shared gold items"


def comparisons(
    enc: Encoded,
    batches: list[VendorBatch],
    consensus: list[VendorConsensus],
    est: Estimates,
    settings: Settings,
) -> pd.DataFrame:
    """Every pair of vendors on each metric: difference, paired bootstrap CI, p-value, Holm-adjusted p."""
    metrics: tuple[str, ...] = METRICS
    if settings.usability == UsabilityRule.GOLD:  # the usable rate is the gold accuracy: do not test it twice
        metrics = tuple(m for m in metrics if m != "usable_rate")
    rows = []
    pairs = itertools.combinations(zip(batches, consensus, strict=True), 2)
    for (a, ca), (b, cb) in pairs:
        shared = a.labelled & b.labelled
        shared_gold = shared & enc.has_gold
        for metric in metrics:
            row = _bootstrap_row(a.name, b.name, metric, est, settings.confidence)
            if metric == "consensus_accuracy":
                correct_a = ca.chosen_correct & shared_gold
                correct_b = cb.chosen_correct & shared_gold
                row["p_value"] = mcnemar_exact(int((correct_a & ~correct_b).sum()), int((~correct_a & correct_b).sum()))
                row["test"] = MCNEMAR_TEST
            rows.append({**row, "shared_items": int(shared.sum()), "shared_gold_items": int(shared_gold.sum())})
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    frame["p_holm"] = holm(frame["p_value"].to_numpy(dtype=np.float64))
    frame["significant"] = frame["p_holm"] < (1.0 - settings.confidence)
    return frame


def _bootstrap_row(a: str, b: str, metric: str, est: Estimates, confidence: float) -> dict[str, object]:
    estimate_a, estimate_b = est(a, metric).value, est(b, metric).value
    diff = est.samples[(a, metric)] - est.samples[(b, metric)]
    if len(diff):
        low, high = percentile_ci(diff[:, None], confidence)
        ci, p = (float(low[0]), float(high[0])), bootstrap_p_value(estimate_a - estimate_b, diff)
    else:
        ci, p = (np.nan, np.nan), np.nan
    return {
        "vendor_a": a,
        "vendor_b": b,
        "metric": metric,
        "estimate_a": estimate_a,
        "estimate_b": estimate_b,
        "difference": estimate_a - estimate_b,
        "ci_low": ci[0],
        "ci_high": ci[1],
        "p_value": p,
        "test": BOOTSTRAP_TEST,
    }
