"""Majority vote on real crowdsourcing data with gold (tests/data/datasets, from ../shared/datasets):
the tie-rule figures their SOURCE.md files report are reproduced exactly."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import labeleval as le
from labeleval.metrics.counts import count_matrix
from labeleval.metrics.forms import DenseCounts
from tests.conftest import DATA


def load(name: str) -> tuple[pd.DataFrame, pd.Series]:
    folder = DATA / "datasets" / name
    answers = pd.read_csv(folder / "answers.csv", dtype=str).rename(
        columns={"item": "item_id", "worker": "annotator_id"}
    )
    gold = pd.read_csv(folder / "gold.csv", dtype=str).set_index("item")["label"]
    gold.index.name = "item_id"
    return answers, gold


def mv_accuracy(answers: pd.DataFrame, gold: pd.Series, tie: str) -> float:
    consensus = le.majority_vote(answers, tie=tie, seed=0).labels
    scored = consensus.index.intersection(gold.index)
    return float((consensus.loc[scored, "label"] == gold.loc[scored]).mean())


@pytest.mark.parametrize(
    ("name", "lowest", "tied"),
    [("snow_rte", 0.9187, 65), ("zheng_s_dog", 0.8178, 50), ("gal_adultcontent_toy", 0.8, 0)],
)
def test_majority_vote_tie_rules(name: str, lowest: float, tied: int) -> None:
    answers, gold = load(name)
    assert mv_accuracy(answers, gold, "lowest") == pytest.approx(lowest, abs=5e-5)
    counts = count_matrix(answers)
    _, _, is_tied = DenseCounts(counts.n).majority(tie="lowest", rng=None)
    assert int(is_tied.sum()) == tied


@pytest.mark.parametrize(("name", "expected"), [("snow_rte", 0.8969), ("zheng_s_dog", 0.8222)])
def test_expected_accuracy_with_random_ties(name: str, expected: float) -> None:
    """The expectation over uniform random tie-breaking, computed exactly from the tied shares."""
    answers, gold = load(name)
    counts = count_matrix(answers)
    items = pd.Index(counts.items)
    g = pd.Series(pd.Categorical(gold.reindex(items), categories=counts.categories).codes, index=items).to_numpy()
    top = counts.n.max(axis=1)
    at_top = counts.n == top[:, None]
    share = at_top[np.arange(len(g)), g] / at_top.sum(axis=1)
    assert share.mean() == pytest.approx(expected, abs=5e-5)
    # and the seeded random policy lands near it
    assert mv_accuracy(answers, gold, "random") == pytest.approx(expected, abs=0.02)


def test_abstain_leaves_ties_unresolved() -> None:
    answers, _gold = load("snow_rte")
    consensus = le.majority_vote(answers)
    assert consensus.unresolved == 65
    with pytest.raises(le.SchemaError, match="seed"):
        le.majority_vote(answers, tie="random")
