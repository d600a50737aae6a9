"""The SE under no agreement from a permutation null: it agrees with the formulas where they exist (Fleiss, Nee &
Landis 1979 on Fleiss' 1971 data; Fleiss, Cohen & Everitt 1969 for Cohen's kappa), with the spread of the
coefficients over samples drawn with no agreement where they do not, and a permutation keeps what it must."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import labeleval as le
from labeleval.metrics.agreement_null import shuffled
from labeleval.metrics.family import ratings
from labeleval.metrics.light import light_evidence
from tests.helpers.paths import DATA


def diagnoses() -> pd.DataFrame:
    wide = pd.read_csv(DATA / "irr" / "diagnoses.csv")
    long = wide.melt(id_vars="patient", var_name="annotator_id", value_name="label")
    return long.rename(columns={"patient": "item_id"})


def _chance(seed: int, n_items: int = 60, raters: int = 3) -> pd.DataFrame:
    """``raters`` annotators labelling every item at random, each with their own category shares."""
    rng = np.random.default_rng(seed)
    shares = [[0.5, 0.3, 0.2], [0.4, 0.4, 0.2], [0.6, 0.2, 0.2], [0.3, 0.3, 0.4]]
    rows = [(i, f"r{a}", int(rng.choice(3, p=shares[a % 4]))) for i in range(n_items) for a in range(raters)]
    return pd.DataFrame(rows, columns=["item_id", "annotator_id", "label"])


def test_a_permutation_keeps_each_items_judgments_and_each_annotators_shares() -> None:
    r = ratings(_chance(0))
    null = shuffled(r, np.random.default_rng(1))
    np.testing.assert_array_equal(null.m, r.m)
    for a in range(r.n_raters):
        mine = r.rater == a
        assert sorted(null.label[mine]) == sorted(r.label[mine])
    assert (null.label != r.label).any()


def test_only_asked_for_and_named() -> None:
    table = le.agreement_table(_chance(2), n_boot=10).set_index("coefficient")
    assert table.loc["fleiss_kappa", "no_agreement_method"] == "Fleiss, Nee & Landis (1979)"
    assert table.loc["gwet_ac1", "se_no_agreement"] != table.loc["gwet_ac1", "se_no_agreement"]  # NaN
    permuted = le.agreement_table(_chance(2), n_boot=10, n_permutations=50).set_index("coefficient")
    names = ("percent_agreement", "brennan_prediger", "conger_kappa", "gwet_ac1", "krippendorff_alpha", "light_kappa")
    for name in names:
        assert (
            permuted.loc[name, "no_agreement_method"] == "permutation (50)"
            and permuted.loc[name, "se_no_agreement"] > 0
        )
    assert permuted.loc["fleiss_kappa", "se_no_agreement"] == table.loc["fleiss_kappa", "se_no_agreement"]


@pytest.mark.slow
def test_the_permutation_se_matches_the_formulas_where_they_exist() -> None:
    frame = diagnoses()
    formula = le.agreement_table(frame, n_boot=10).set_index("coefficient").loc["fleiss_kappa", "se_no_agreement"]
    r = ratings(frame)
    rng = np.random.default_rng(0)
    draws = [le.fleiss_kappa(_frame_of(shuffled(r, rng), frame)) for _ in range(400)]
    assert np.std(draws, ddof=1) == pytest.approx(formula, rel=0.12)
    pair = _chance(3, n_items=80, raters=2)
    row = le.agreement_table(pair, n_boot=10, n_permutations=400).set_index("coefficient")
    cohen = row.loc["cohen_kappa", "se_no_agreement"]
    assert row.loc["conger_kappa", "se_no_agreement"] == pytest.approx(cohen, rel=0.12)  # Conger is Cohen here


def _frame_of(r: object, like: pd.DataFrame) -> pd.DataFrame:
    """A Ratings' judgments back as a long frame (codes as labels)."""
    return pd.DataFrame({"item_id": r.item, "annotator_id": r.rater, "label": r.label})  # type: ignore[attr-defined]


@pytest.mark.slow
def test_under_no_agreement_the_se_is_the_spread_and_the_test_holds_its_level() -> None:
    """200 samples with no agreement beyond chance (each annotator with their own shares): Conger's kappa's and
    alpha's standard deviation over them against the mean permutation SE of 20 of them (within 15%: their
    chance agreement follows the shares, so conditioning on them costs little); and on 40 of them the
    permutation test of every coefficient rejects at 5% no more often than a 5% test's Monte-Carlo bound."""
    names = ["conger_kappa", "krippendorff_alpha", "light_kappa"]
    tables = [le.agreement_table(_chance(10 + s), n_boot=2).set_index("coefficient") for s in range(200)]
    spread = pd.concat([t["estimate"] for t in tables], axis=1).loc[names].std(axis=1, ddof=1)
    permuted = [
        le.agreement_table(_chance(10 + s), n_boot=2, n_permutations=100, seed=s).set_index("coefficient")
        for s in range(40)
    ]
    mean_se = pd.concat([t["se_no_agreement"] for t in permuted[:20]], axis=1).loc[names].mean(axis=1)
    assert (mean_se / spread).between(0.85, 1.15).all(), (mean_se / spread).to_dict()
    p = pd.concat([t["p_no_agreement"] for t in permuted], axis=1)
    rejected = (p < 0.05).mean(axis=1).drop(["cohen_kappa"], errors="ignore")
    assert (rejected <= 0.05 + 2 * np.sqrt(0.05 * 0.95 / 40)).all(), rejected.to_dict()


def test_the_p_value_of_strong_agreement_is_the_smallest_a_permutation_gives() -> None:
    frame = _chance(4)
    frame["label"] = frame["item_id"] % 3  # every annotator gives the item's category
    row = le.agreement_table(frame, n_boot=2, n_permutations=40).set_index("coefficient").loc["gwet_ac1"]
    assert row["p_no_agreement"] == pytest.approx(1 / 41)
    fleiss = le.agreement_table(frame, n_boot=2).set_index("coefficient").loc["fleiss_kappa"]
    z = fleiss["estimate"] / fleiss["se_no_agreement"]
    assert fleiss["p_no_agreement"] == pytest.approx(2 * (1 - 0.5 * (1 + math.erf(z / math.sqrt(2)))), abs=1e-12)


def test_lights_permutation_null_keeps_its_pairs() -> None:
    """The shuffle keeps each annotator's items, so Light's kappa averages the same annotator pairs on every
    permutation (3 of a pool of 6 on each item); with perfect agreement its p is the smallest 40 permutations give."""
    rng = np.random.default_rng(7)
    who = np.argsort(rng.random((60, 6)), axis=1)[:, :3]
    frame = pd.DataFrame(
        {"item_id": np.repeat(np.arange(60), 3), "annotator_id": who.ravel(), "label": rng.integers(0, 3, 180)}
    )
    r = ratings(frame)
    pairs = light_evidence(r.item, r.rater, r.label, None)[1:]
    null = shuffled(r, np.random.default_rng(1))
    assert pairs[0] > 0 and light_evidence(null.item, null.rater, null.label, None)[1:] == pairs
    frame["label"] = frame["item_id"] % 3
    row = le.agreement_table(frame, n_boot=2, n_permutations=40).set_index("coefficient").loc["light_kappa"]
    assert row["no_agreement_method"] == "permutation (40)" and row["p_no_agreement"] == pytest.approx(1 / 41)
