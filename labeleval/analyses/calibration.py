"""Is the consensus's confidence honest? On gold items, the consensus's confidence against how often it is right.

Where the consensus's ``confidence`` reads as a probability (a Dawid-Skene posterior, or the share of an item's
votes behind a majority vote over categories), the gold items are put in equal-width bins of that confidence and
each bin's share of right consensus labels is set against its mean confidence: a reliability diagram. A
posterior that says 0.9 should be right about 9 times in 10; a vote share is not a probability, and its diagram
says what a given share of agreement has been worth on this task. Neither uses gold: gold only scores them.

Each bin's share has a Wilson interval over its items (the consensus of one item is one trial); the expected
calibration error is the item-weighted mean gap between the bins' confidence and their share right.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from labeleval.inference.stats import wilson_interval

#: equal-width bins of confidence in a reliability diagram
CALIBRATION_BINS = 10

#: the calibration table's columns
COLUMNS = (
    "vendor",
    "bin_low",
    "bin_high",
    "items",
    "mean_confidence",
    "accuracy",
    "accuracy_ci_low",
    "accuracy_ci_high",
)

#: the per-vendor summary's columns
SUMMARY_COLUMNS = ("vendor", "items", "mean_confidence", "accuracy", "gap", "calibration_error")

#: the kinds whose majority vote picks one category, so that the top label's share of the votes is a confidence
VOTE_SHARE_KINDS = ("nominal", "pairwise")


def confidence_source(settings: Mapping[str, Any]) -> str | None:
    """What the items' ``confidence`` is where it reads as a probability: ``posterior`` (Dawid-Skene),
    ``vote share`` (a majority vote over categories); None for a median, a mean or a label set's similarity."""
    if str(settings.get("consensus_method", "majority_vote")) == "dawid_skene":
        return "posterior"
    if str(settings.get("kind", "nominal")) in VOTE_SHARE_KINDS:
        return "vote share"
    return None


def calibration(items: pd.DataFrame, settings: Mapping[str, Any], *, bins: int = CALIBRATION_BINS) -> pd.DataFrame:
    """Per vendor and bin of the consensus's confidence, on gold items with a consensus: the items, their mean
    confidence and the share whose consensus is right (a tie's shared credit counts as its share), with a Wilson
    interval at the Report's confidence. Empty where the confidence is no probability
    (:func:`confidence_source`) or no gold item has a consensus."""
    needed = {"vendor", "confidence", "consensus_correct"}
    if confidence_source(settings) is None or items.empty or not needed <= set(items.columns):
        return pd.DataFrame(columns=list(COLUMNS))
    scored = items.loc[items["consensus_correct"].notna() & items["confidence"].notna(), list(needed)]
    if scored.empty:
        return pd.DataFrame(columns=list(COLUMNS))
    confidence = scored["confidence"].to_numpy(dtype=float).clip(0.0, 1.0)
    # a share like 0.7 may be stored a hair under it: a small slack keeps it in its own bin
    which = np.minimum(np.floor(confidence * bins + 1e-9), bins - 1).astype(np.int64)
    grouped = (
        scored.assign(bin=which, confidence=confidence)
        .groupby(["vendor", "bin"], sort=False, observed=True)
        .agg(items=("confidence", "size"), mean_confidence=("confidence", "mean"), right=("consensus_correct", "sum"))
        .reset_index()
    )
    vendors = list(dict.fromkeys(items["vendor"].astype(str)))
    grouped["order"] = grouped["vendor"].astype(str).map({v: i for i, v in enumerate(vendors)})
    grouped = grouped.sort_values(["order", "bin"], kind="stable").reset_index(drop=True)
    trials = grouped["items"].to_numpy(dtype=float)
    right = grouped["right"].to_numpy(dtype=float)
    low, high = wilson_interval(right, trials, float(settings.get("confidence", 0.95)))
    return pd.DataFrame(
        {
            "vendor": grouped["vendor"].astype(str),
            "bin_low": grouped["bin"] / bins,
            "bin_high": (grouped["bin"] + 1) / bins,
            "items": grouped["items"].astype(np.int64),
            "mean_confidence": grouped["mean_confidence"],
            "accuracy": right / trials,
            "accuracy_ci_low": low,
            "accuracy_ci_high": high,
        }
    )


def calibration_summary(table: pd.DataFrame) -> pd.DataFrame:
    """One row per vendor of a :func:`calibration` table: gold items, mean confidence, share right, the gap
    (confidence minus share right: above 0, overconfident) and the expected calibration error."""
    rows = []
    for vendor, part in table.groupby("vendor", sort=False):
        n = part["items"].to_numpy(dtype=float)
        total = n.sum()
        confidence = float((n * part["mean_confidence"]).sum() / total)
        accuracy = float((n * part["accuracy"]).sum() / total)
        error = float((n * (part["mean_confidence"] - part["accuracy"]).abs()).sum() / total)
        rows.append((vendor, int(total), confidence, accuracy, confidence - accuracy, error))
    return pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))
