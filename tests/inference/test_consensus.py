"""Consensus on real crowdsourcing data with gold (tests/data/datasets, from ../shared/datasets).

Majority vote: the tie-rule figures the datasets' SOURCE.md files report are reproduced exactly. Dawid-Skene:
the published figures, plus properties (gold clamping, row order, renaming, convergence reporting)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import labeleval as le
from labeleval.metrics.counts import count_matrix
from labeleval.metrics.forms import DenseCounts
from tests.helpers.datasets import load
from tests.helpers.paths import DATA


def ds_accuracy(name: str, **kwargs: object) -> tuple[float, le.Consensus]:
    answers, gold = load(name)
    result = le.dawid_skene(answers, **kwargs)  # type: ignore[arg-type]
    labels = result.labels["label"]
    scored = labels.index.intersection(gold.index)
    return float((labels.loc[scored] == gold.loc[scored]).mean()), result


@pytest.mark.parametrize(
    ("name", "published"),
    [
        ("snow_rte", 0.9275),  # Zheng et al. 2017, D&S; crowd-kit 1.4.2 gives the same
        ("zheng_s_dog", 0.8426),  # Zheng et al. 2017, D&S
        ("gal_adultcontent_toy", 1.0),  # GAL README: DS recovers all 5 URLs, majority vote 4
    ],
)
def test_reproduces_published_accuracy(name: str, published: float) -> None:
    accuracy, result = ds_accuracy(name)
    assert accuracy == pytest.approx(published, abs=0.01)  # the issue allows one point
    assert accuracy == pytest.approx(published, abs=5e-5)  # and in fact it is exact
    assert result.converged and 1 < result.n_iter < 100


def test_toy_set_learns_the_adversarial_worker() -> None:
    _, result = ds_accuracy("gal_adultcontent_toy")
    conf = result.confusions
    assert conf is not None
    worker5 = conf[(conf.annotator_id == "worker5") & (conf.true_label == conf.label)]
    assert worker5["probability"].max() < 0.01  # always wrong: its diagonal is empty
    answers, gold = load("gal_adultcontent_toy")
    mv = le.majority_vote(answers).labels["label"]
    assert (mv.loc[gold.index] == gold).sum() == 4


def test_anaesthesia_class_priors() -> None:
    """Dawid & Skene (1979) report prevalences of about 0.40 / 0.42 / 0.11 / 0.07; crowd-kit 1.4.2 gives
    0.3996 / 0.4220 / 0.1118 / 0.0667 with all 100 iterations. Repeated ratings are kept (they are real)."""
    answers = pd.read_csv(DATA / "datasets" / "dawid_skene_1979_anaesthesia" / "answers.csv", dtype=str).rename(
        columns={"item": "item_id", "worker": "annotator_id"}
    )
    result = le.dawid_skene(answers, tol=0.0)
    assert result.priors is not None
    np.testing.assert_allclose(result.priors.to_numpy(), [0.3996, 0.4220, 0.1118, 0.0667], atol=6e-4)
    assert result.converged  # with tol=0 it stops only when the log-likelihood stops changing at all


def test_gold_clamping_fixes_gold_items_and_helps() -> None:
    answers, gold = load("zheng_s_dog")
    half = gold.iloc[::2]
    clamped = le.dawid_skene(answers, gold=half)
    labels = clamped.labels["label"]
    assert (labels.loc[half.index] == half).all()
    assert clamped.posteriors is not None
    assert clamped.posteriors.loc[half.index].max(axis=1).min() == pytest.approx(1.0)
    rest = gold.index.difference(half.index)
    plain_acc, _ = ds_accuracy("zheng_s_dog")
    assert (labels.loc[rest] == gold.loc[rest]).mean() >= plain_acc - 0.02


def test_invariant_to_row_order_and_renaming() -> None:
    answers, _ = load("zheng_s_dog")
    base = le.dawid_skene(answers).labels
    shuffled = answers.sample(frac=1.0, random_state=5).reset_index(drop=True)
    shuffled["annotator_id"] = "w_" + shuffled["annotator_id"]
    again = le.dawid_skene(shuffled).labels
    pd.testing.assert_series_equal(base["label"], again["label"])
    np.testing.assert_allclose(base["confidence"], again["confidence"], atol=1e-9)


def test_perfect_agreement_is_certain() -> None:
    df = pd.DataFrame(
        {
            "item_id": np.repeat([1, 2, 3, 4], 3),
            "annotator_id": list("abc") * 4,
            "label": np.repeat(["x", "y", "x", "y"], 3),
        }
    )
    labels = le.dawid_skene(df).labels
    assert labels["label"].tolist() == ["x", "y", "x", "y"]
    assert labels["confidence"].min() > 0.99


# ---------------------------------------------------------------------------------- majority vote
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
