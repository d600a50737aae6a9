"""The reliability diagram's table: bins of the consensus's confidence against its share right on gold."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from labeleval.analyses.calibration import CALIBRATION_BINS, calibration, calibration_summary, confidence_source
from labeleval.inference.stats import wilson_interval

NOMINAL = {"kind": "nominal", "consensus_method": "majority_vote", "confidence": 0.95}


@pytest.mark.parametrize(
    ("kind", "method", "source"),
    [
        ("nominal", "majority_vote", "vote share"),
        ("pairwise", "majority_vote", "vote share"),
        ("ordinal", "majority_vote", None),  # a median's cumulative share is no probability of being right
        ("ordinal", "dawid_skene", "posterior"),
        ("nominal", "dawid_skene", "posterior"),
        ("interval", "majority_vote", None),
        ("multilabel", "majority_vote", None),
    ],
)
def test_only_a_confidence_that_reads_as_a_probability_is_diagrammed(
    kind: str, method: str, source: str | None
) -> None:
    settings = {"kind": kind, "consensus_method": method}
    assert confidence_source(settings) == source
    items = pd.DataFrame({"vendor": ["A"], "confidence": [0.9], "consensus_correct": [1.0]})
    assert calibration(items, settings).empty is (source is None)


def test_bins_counts_shares_and_intervals_by_hand() -> None:
    """Shares such as 0.7 and 2/3 land in their own bin, 1.0 in the top one; items off gold (NaN) or without a
    consensus are left out; a tie's half credit counts as half; each share has its Wilson interval."""
    items = pd.DataFrame(
        {
            "vendor": ["B", "B", "B", "A", "A", "A", "A", "A", "A"],
            "confidence": [0.7, 0.7, 1.0, 2 / 3, 2 / 3, 0.1 * 7, 1.0, 1.0, np.nan],
            "consensus_correct": [1.0, 0.0, 1.0, 1.0, 0.5, 1.0, 1.0, np.nan, 1.0],
        }
    )
    table = calibration(items, NOMINAL)
    assert table["vendor"].tolist() == ["B", "B", "A", "A", "A"]  # vendors in the items' order, bins ascending
    assert table["bin_low"].tolist() == pytest.approx([0.7, 0.9, 0.6, 0.7, 0.9])
    assert table["items"].tolist() == [2, 1, 2, 1, 1]
    assert table["accuracy"].tolist() == pytest.approx([0.5, 1.0, 0.75, 1.0, 1.0])
    assert table["mean_confidence"].tolist() == pytest.approx([0.7, 1.0, 2 / 3, 0.7, 1.0])
    low, high = wilson_interval(np.array([1.5]), np.array([2.0]), 0.95)
    a_06 = table.iloc[2]
    assert (a_06["accuracy_ci_low"], a_06["accuracy_ci_high"]) == pytest.approx((low[0], high[0]))
    summary = calibration_summary(table).set_index("vendor")
    assert summary.loc["A", "items"] == 4
    assert summary.loc["A", "accuracy"] == pytest.approx((1.5 + 1 + 1) / 4)
    assert summary.loc["A", "mean_confidence"] == pytest.approx((4 / 3 + 0.7 + 1) / 4)
    assert summary.loc["A", "gap"] == pytest.approx(summary.loc["A", "mean_confidence"] - summary.loc["A", "accuracy"])
    error = (2 * abs(2 / 3 - 0.75) + abs(0.7 - 1) + 0) / 4
    assert summary.loc["A", "calibration_error"] == pytest.approx(error)


def test_a_calibrated_confidence_reads_calibrated_and_an_overconfident_one_does_not() -> None:
    """Confidences drawn uniformly and right with that probability: every bin's interval holds its confidence
    about as often as its level says, and the calibration error is small; the same outcomes read against a
    confidence pushed towards 1 show a positive gap."""
    rng = np.random.default_rng(7)
    n = 20_000
    confidence = rng.uniform(0.5, 1.0, n)
    right = (rng.uniform(size=n) < confidence).astype(float)
    items = pd.DataFrame({"vendor": "A", "confidence": confidence, "consensus_correct": right})
    table = calibration(items, NOMINAL)
    assert len(table) == CALIBRATION_BINS // 2
    covered = (table["accuracy_ci_low"] <= table["mean_confidence"]) & (
        table["mean_confidence"] <= table["accuracy_ci_high"]
    )
    assert covered.sum() >= len(table) - 1
    summary = calibration_summary(table).iloc[0]
    assert abs(summary["gap"]) < 0.01 and summary["calibration_error"] < 0.02
    pushed = calibration(items.assign(confidence=np.sqrt(confidence)), NOMINAL)
    assert calibration_summary(pushed).iloc[0]["gap"] > 0.05


def test_no_gold_or_no_items_gives_an_empty_table() -> None:
    no_gold = pd.DataFrame({"vendor": ["A"], "confidence": [0.9], "consensus_correct": [np.nan]})
    assert calibration(no_gold, NOMINAL).empty
    assert calibration(pd.DataFrame(), NOMINAL).empty
    assert calibration_summary(calibration(no_gold, NOMINAL)).empty


@pytest.mark.slow
def test_each_bins_interval_covers_its_true_share_95_percent_of_the_time() -> None:
    """400 simulated vendors of 300 gold items whose consensus is right with probability equal to its confidence
    (uniform on 0.5-1): each bin's 95% interval holds the bin's true share right (its items' mean probability) in
    93-97% of the 2,000 bins."""
    rng = np.random.default_rng(3)
    held = bins = 0
    for _ in range(400):
        confidence = rng.uniform(0.5, 1.0, 300)
        right = (rng.uniform(size=300) < confidence).astype(float)
        table = calibration(
            pd.DataFrame({"vendor": "A", "confidence": confidence, "consensus_correct": right}), NOMINAL
        )
        truth = table["mean_confidence"]
        held += int(((table["accuracy_ci_low"] <= truth) & (truth <= table["accuracy_ci_high"])).sum())
        bins += len(table)
    assert bins == 2_000 and 0.93 <= held / bins <= 0.97
