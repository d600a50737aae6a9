"""The cost of redundancy: accuracy by labels per item, and the cheapest way to a target."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import labeleval as le
from labeleval.present.verdict import redundancy_line
from labeleval.scoring.kinds import NominalKind
from labeleval.scoring.redundancy import cheapest_for_target, redundancy_curve
from tests.helpers.datasets import load


def test_curve_on_rte_matches_majority_vote_at_full_k() -> None:
    """RTE has 10 answers per item; at k = 10 every draw keeps all of them, so the curve equals majority vote
    with random ties, whose exact expectation the dataset card gives (0.8969)."""
    answers, gold = load("snow_rte")
    items, item_index = pd.factorize(answers["item_id"])
    labels, categories = pd.factorize(answers["label"], sort=True)
    gold_codes = pd.Series(pd.Categorical(gold, categories=categories).codes, index=gold.index)
    gold_per_item = gold_codes.reindex(item_index).fillna(-1).to_numpy(dtype=np.int64)
    curve = redundancy_curve(
        vendor="rte",
        item_codes=items,
        label_codes=labels,
        gold_codes=gold_per_item,
        kind=NominalKind(("0", "1")),
        cost_per_label=0.01,
        draws=40,
        seed=0,
        confidence=0.95,
    )
    assert curve["k"].tolist() == list(range(1, 11))
    assert curve.loc[curve.k == 10, "accuracy"].iloc[0] == pytest.approx(0.8969, abs=0.005)
    odd = curve[curve.k % 2 == 1]["accuracy"].to_numpy()
    assert np.all(np.diff(odd) > 0)  # more labels, better majority (odd k: no ties)
    assert curve["cost_per_item"].tolist() == pytest.approx([0.01 * k for k in range(1, 11)])


def test_sample_redundancy_and_the_cheapest_vendor(sample_report) -> None:
    r = sample_report.redundancy
    assert set(r["vendor"]) == {"Scale", "Surge", "Mercor", "In-house"}
    assert r.groupby("vendor")["k"].max().to_dict() == {"Mercor": 3, "Scale": 5, "Surge": 3, "In-house": 3}
    best = cheapest_for_target(r, 0.95)
    assert best is not None and best["vendor"] == "Mercor" and best["k"] == 3
    cheaper = cheapest_for_target(r, 0.90)
    assert cheaper is not None and cheaper["cost_per_item"] < best["cost_per_item"]
    assert cheapest_for_target(r, 0.999) is None
    assert "Mercor with k=3" in redundancy_line(sample_report)


@pytest.mark.slow
def test_target_is_an_evaluate_option(sample_project) -> None:
    report = le.evaluate(sample_project, n_boot=0, target_accuracy=0.9)
    assert report.settings["target_accuracy"] == 0.9
    assert report.redundancy["reaches_target"].equals(report.redundancy["accuracy"] >= 0.9)
    assert "90% majority-vote accuracy" in redundancy_line(report)
