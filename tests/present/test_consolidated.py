"""A vendor that returns one consolidated answer per item is compared as a consensus, and the Report says so."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import labeleval as le

LABELS = ("a", "b", "c")


def _noisy(truth: np.ndarray, accuracy: float, rng: np.random.Generator) -> np.ndarray:
    out = truth.copy()
    for k in np.flatnonzero(rng.random(len(truth)) > accuracy):
        out[k] = rng.choice([x for x in LABELS if x != truth[k]])
    return out


@pytest.fixture(scope="module")
def report() -> le.Report:
    rng = np.random.default_rng(7)
    items = [f"i{k:03d}" for k in range(80)]
    truth = rng.choice(LABELS, len(items))
    frames = {}
    for vendor, accuracy in (("Crowd", 0.7), ("Experts", 0.9)):
        frames[vendor] = pd.concat(
            pd.DataFrame({"item_id": items, "annotator_id": f"{vendor}-{w}", "label": _noisy(truth, accuracy, rng)})
            for w in range(3)
        )
    # one answer per item under the readers' id for consolidated answers (Scale without worker ids, GT's manifest)
    frames["Scale"] = pd.DataFrame({"item_id": items, "annotator_id": "consolidated", "label": _noisy(truth, 0.8, rng)})
    gold = pd.DataFrame({"item_id": items, "label": truth})
    return le.evaluate(frames, gold=gold, pricing={"model": "per_label", "rate": 0.1}, n_boot=50, seed=1)


@pytest.mark.slow
def test_a_consolidated_vendor_has_consensus_accuracy_but_no_judgment_accuracy_or_agreement(report: le.Report) -> None:
    scale = report.summary.set_index("vendor").loc["Scale"]
    assert np.isnan(scale["accuracy"]) and np.isnan(scale["alpha"])
    assert scale["consensus_accuracy"] == pytest.approx(scale["usable_rate"])  # its answers, scored as a consensus
    assert np.isfinite(scale["cost_per_usable_label"])
    accuracy = report.accuracy.set_index(["vendor", "metric"])
    assert np.isnan(accuracy.loc[("Scale", "judgment_accuracy"), "value"])
    notes = report.agreement.loc[report.agreement["vendor"] == "Scale", "note"]
    assert notes.str.contains("one consolidated answer per item").all()
    assert list(report.notes.loc[report.notes["vendor"] == "Scale", "code"]) == ["CONSOLIDATED_ONLY"]
    assert "Scale" not in set(report.annotators["vendor"])  # no report card for a vendor's consolidated answers


@pytest.mark.slow
def test_a_consolidated_vendor_is_compared_on_consensus_accuracy_and_cost_only(report: le.Report) -> None:
    c = report.comparisons
    with_scale = c[(c["vendor_a"] == "Scale") | (c["vendor_b"] == "Scale")]
    decision = set(with_scale.loc[with_scale["family"] == "decision", "metric"])
    assert decision == {"consensus_accuracy", "cost_per_usable_label"}
    assert "accuracy" in set(c.loc[(c["vendor_a"] != "Scale") & (c["vendor_b"] != "Scale"), "metric"])


@pytest.mark.slow
def test_the_report_says_how_a_consolidated_vendor_is_compared(report: le.Report) -> None:
    md = report.to_markdown()
    verdict = md.split("## Leaderboard")[0]
    first = verdict.split("\n- ")[1]
    assert first.startswith("Experts is the most accurate on gold") and "Scale" not in first  # not ranked per judgment
    assert "Scale returns one consolidated answer per item" in verdict and "compared on consensus accuracy" in verdict
    assert "is the most accurate as a consensus" in verdict
    assert (
        "— in Accuracy on gold for Scale: one consolidated answer per item, no per-annotator judgments: compared on "
        "consensus accuracy." in md
    )
