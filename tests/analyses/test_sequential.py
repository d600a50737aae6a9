"""``Report.sequential``: the pilot replayed day by day with confidence sequences, and each pair's decision."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import labeleval as le
from labeleval.analyses.sequential import CONTINUE, EQUIVALENT, INCONCLUSIVE, better
from labeleval.errors import LabelevalError
from tests.helpers.replacement_projects import write_replacement_project


def _watch(folder: Path, **kwargs: Any) -> le.Report:
    return le.evaluate(write_replacement_project(folder, **kwargs), n_boot=0)


def test_one_row_per_look_and_sequence(tmp_path: Path) -> None:
    watched = _watch(tmp_path, n_items=120, days=6).sequential()
    seq = watched.sequences
    assert watched.settings["looks"] == 6 and len(seq) == 6 * 3
    assert set(seq["what"]) == {"accuracy", "difference"}
    final = seq[seq["look"] == 6].set_index("vendor")
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
