"""The cost of redundancy: accuracy by labels per item, and the cheapest way to a target."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import labeleval as le
from labeleval.inference.stats import wilson_interval
from labeleval.present.verdict import redundancy_line
from labeleval.scoring.kinds import NominalKind
from labeleval.scoring.redundancy import WithinItemRanks, cheapest_for_target, redundancy_curve
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


def test_redundancy_intervals_are_the_headlines_and_count_annotators(sample_report: le.Report) -> None:
    """A vendor's own k is its headline consensus accuracy: the same figure with the same interval (one interval
    per figure); k = 1 is one judgment per item and its interval is at least the items-only Wilson interval's
    width, since it counts the annotators as the headline accuracy does."""
    summary = sample_report.summary.set_index("vendor")
    redundancy = sample_report.redundancy
    checked = 0
    for vendor, rows in redundancy.groupby("vendor"):
        top = rows[rows["k"] == rows["k"].max()].iloc[0]
        if top["items"] == summary.loc[vendor, "gold_items"]:  # every gold item has the vendor's k labels
            checked += 1
            assert top["accuracy"] == pytest.approx(summary.loc[vendor, "consensus_accuracy"], abs=1e-9)
            assert top["accuracy_ci_low"] == summary.loc[vendor, "consensus_accuracy_ci_low"]
            assert top["accuracy_ci_high"] == summary.loc[vendor, "consensus_accuracy_ci_high"]
        one = rows[rows["k"] == 1].iloc[0]
        low, high = wilson_interval(np.array([one["accuracy"] * one["items"]]), np.array([one["items"]]), 0.95)
        assert one["accuracy_ci_high"] - one["accuracy_ci_low"] >= float(high[0] - low[0]) - 1e-12  # items only
    assert checked >= 2
    target = float(sample_report.settings["target_accuracy"])
    assert (redundancy["clears_target"] == (redundancy["accuracy_ci_low"] >= target)).all()


@pytest.mark.parametrize("most", [6, 60])
def test_random_ranks_are_the_ranks_of_a_sort_of_items_and_keys(most: int) -> None:
    """The padded ranking (judgments per item alike) and the full sort (one item with many) give each judgment its
    rank within its item in the order of the keys, as ``argsort(items + keys)`` does."""
    rng = np.random.default_rng(4)
    per_item = rng.integers(1, 7, 300)
    per_item[0] = most
    items = rng.permutation(np.repeat(np.arange(300), per_item))
    keys = rng.random(len(items))
    order = np.argsort(items + keys)
    expected = np.empty(len(items), dtype=np.int64)
    first = np.searchsorted(items[order], items[order])  # each sorted judgment's item's first position
    expected[order] = np.arange(len(items)) - first
    ranks = WithinItemRanks(items, np.bincount(items))
    assert ranks.padded == (most == 6)
    assert np.array_equal(ranks.random(keys), expected)
