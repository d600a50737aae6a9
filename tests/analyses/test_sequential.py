"""``Report.sequential``: the pilot replayed day by day with confidence sequences, and each pair's decision."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import labeleval as le
from labeleval.analyses.sequential import CONTINUE, EQUIVALENT, INCONCLUSIVE, better, cheaper, judgment_costs
from labeleval.errors import LabelevalError
from tests.helpers.replacement_projects import write_replacement_project


def _watch(folder: Path, **kwargs: Any) -> le.Report:
    return le.evaluate(write_replacement_project(folder, **kwargs), n_boot=0)


def test_one_row_per_look_and_sequence(tmp_path: Path) -> None:
    watched = _watch(tmp_path, n_items=120, days=6).sequential()
    seq = watched.sequences
    assert watched.settings["looks"] == 6 and len(seq) == 6 * 6
    assert set(seq["what"]) == {"accuracy", "difference", "cost", "cost ratio"}
    final = seq[(seq["look"] == 6) & seq["what"].isin(["accuracy", "difference"])].set_index("vendor")
    assert final.loc["Panel", "gold_items"] == final.loc["Model", "gold_items"] == 120
    for row in seq.dropna(subset=["cs_low"]).itertuples():
        assert row.cs_low <= row.estimate <= row.cs_high
    diff = final.loc["Panel - Model"]
    assert diff["estimate"] == pytest.approx(final.loc["Panel", "estimate"] - final.loc["Model", "estimate"])
    decisions = {CONTINUE, EQUIVALENT, INCONCLUSIVE, better("Panel"), better("Model")}
    assert watched.decisions["decision"].item() in decisions


@pytest.mark.slow
def test_a_clearly_better_vendor_is_found_and_the_day_said(tmp_path: Path) -> None:
    watched = _watch(tmp_path, n_items=300, days=10, human_accuracy=0.6, model_accuracy=0.97).sequential()
    row = watched.decisions.iloc[0]
    assert row["decision"] == better("Model")
    first = int(row["first_look"])
    status = watched.sequences.query("what == 'difference'").set_index("look")["status"]
    assert status[first] == better("Model") and (status[status.index < first] == CONTINUE).all()
    assert row["cs_high"] < 0  # Panel - Model


@pytest.mark.slow
def test_equal_vendors_are_equivalent_within_a_wide_margin(tmp_path: Path) -> None:
    report = _watch(tmp_path, n_items=400, days=10, human_accuracy=0.9, model_accuracy=0.9, n_humans=6)
    assert report.sequential(delta=0.2).decisions["decision"].item() == EQUIVALENT
    assert report.sequential(delta=0.01).decisions["decision"].item() == INCONCLUSIVE


@pytest.mark.slow
def test_items_without_a_time_are_left_out_and_counted(tmp_path: Path) -> None:
    manifest = write_replacement_project(tmp_path, n_items=60, days=4)
    panel = pd.read_csv(tmp_path / "panel.csv")
    panel.loc[panel["item"].isin(["it-0000", "it-0001"]), "submitted_at"] = np.nan
    panel.to_csv(tmp_path / "panel.csv", index=False)
    watched = le.evaluate(manifest, n_boot=0).sequential()
    assert watched.settings["items_without_time"] == 2
    assert watched.sequences.query("what == 'accuracy'")["gold_items"].max() == 58


def test_bad_requests_are_clear_errors(tmp_path: Path) -> None:
    report = _watch(tmp_path, n_items=40, days=3)
    with pytest.raises(LabelevalError, match="batch_id"):
        report.sequential(over="batch")
    with pytest.raises(LabelevalError, match="delta"):
        report.sequential(delta=0)
    with pytest.raises(LabelevalError, match="confidence"):
        report.sequential(confidence=1.2)
    with pytest.raises(LabelevalError, match="cost margin"):
        report.sequential(cost_margin=1.5)


def _hourly(folder: Path, **kwargs: Any) -> Path:
    """The panel paid by the hour, each annotator at their own speed (h0 the slowest)."""
    manifest = write_replacement_project(folder, **kwargs)
    panel = pd.read_csv(folder / "panel.csv")
    rng = np.random.default_rng(3)
    speed = panel["annotator"].map({"h0": 60.0, "h1": 30.0, "h2": 20.0, "h3": 15.0})
    panel["seconds"] = (speed * rng.lognormal(0.0, 0.3, len(panel))).round(1)
    panel.to_csv(folder / "panel.csv", index=False)
    text = manifest.read_text(encoding="utf-8")
    text = text.replace('submitted_at = "submitted_at" }', 'submitted_at = "submitted_at", duration_s = "seconds" }')
    text = text.replace('model = "per_label", rate = 0.40', 'model = "hourly", rate = 30.0, fee_pct = 10')
    manifest.write_text(text, encoding="utf-8")
    return manifest


@pytest.mark.slow
def test_cost_sequences_end_at_the_reports_cost_per_usable_label(tmp_path: Path) -> None:
    """Every item has gold and the usability rule is gold: the last look's cost per usable label is the report's
    (the bill over the usable labels), per label and under hourly pay with fees; the pair's ratio is theirs."""
    report = le.evaluate(_hourly(tmp_path, n_items=120, days=6), n_boot=0)
    watched = report.sequential()
    seq = watched.sequences
    final = seq[(seq["look"] == 6) & seq["what"].str.startswith("cost")].set_index("vendor")
    cost = report.cost.set_index("vendor")["cost_per_usable_label"]
    assert final.loc["Panel", "estimate"] == pytest.approx(cost["Panel"])
    assert final.loc["Model", "estimate"] == pytest.approx(cost["Model"])
    assert final.loc["Panel / Model", "estimate"] == pytest.approx(cost["Panel"] / cost["Model"])
    for row in seq[seq["what"].str.startswith("cost")].dropna(subset=["cs_low"]).itertuples():
        assert 0 < row.cs_low <= row.estimate <= row.cs_high
    decided = watched.cost_decisions.iloc[0]
    assert decided["decision"] == cheaper("Model") and decided["first_look"] == 1  # tokens cost far less
    assert decided["final_cs_low"] > 1


@pytest.mark.slow
def test_each_judgment_costs_its_share_of_the_bill(tmp_path: Path) -> None:
    report = le.evaluate(_hourly(tmp_path, n_items=60, days=3), n_boot=0)
    data = report._judgments()
    pay = judgment_costs(data)
    vendor = data.annotations["vendor"].astype(str).to_numpy()
    total = report.cost.set_index("vendor")["total_cost"]
    for name in ("Panel", "Model"):
        assert pay[vendor == name].sum() == pytest.approx(total[name])
    seconds = data.annotations["duration_s"].to_numpy()[vendor == "Panel"]
    assert np.corrcoef(pay[vendor == "Panel"], seconds)[0, 1] == pytest.approx(1.0)  # hourly: pay follows time
    assert np.ptp(pay[vendor == "Model"]) == pytest.approx(0.0)  # per token, billed as a whole: the mean


@pytest.mark.slow
def test_slower_annotators_widen_the_cost_sequence(tmp_path: Path) -> None:
    """The annotators are a source of error in the cost too: the same judgments, with the panel's speeds
    spread across its four annotators instead of equal, give a wider sequence for its cost per usable label."""
    spread = le.evaluate(_hourly(tmp_path / "spread", n_items=200, days=5), n_boot=0)
    manifest = _hourly(tmp_path / "even", n_items=200, days=5)
    panel = pd.read_csv(manifest.parent / "panel.csv")
    panel["seconds"] = pd.read_csv(tmp_path / "spread" / "panel.csv")["seconds"].mean()
    panel.to_csv(manifest.parent / "panel.csv", index=False)
    even = le.evaluate(manifest, n_boot=0)

    def width(report: le.Report) -> float:
        seq = report.sequential().sequences
        row = seq[(seq["what"] == "cost") & (seq["vendor"] == "Panel")].iloc[-1]
        return float(np.log(row["cs_high"] / row["cs_low"]))

    assert width(spread) > 1.5 * width(even)
