"""Agreement by category and by annotator: R irr's category kappas on Fleiss (1971), the intervals against a
bootstrap over items, and the annotator who disagrees with the rest found with an interval that says so."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import labeleval as le
from labeleval.tuning import MIN_AGREEMENT_ITEMS, MIN_CATEGORY_ITEMS
from tests.helpers.paths import DATA


def diagnoses() -> pd.DataFrame:
    """Fleiss (1971) Table 1: 30 patients, 6 psychiatrists each (R irr's ``diagnoses``)."""
    wide = pd.read_csv(DATA / "irr" / "diagnoses.csv")
    return wide.melt(id_vars="patient", var_name="annotator_id", value_name="label").rename(
        columns={"patient": "item_id"}
    )


def test_category_kappas_as_r_irr_prints_them() -> None:
    """R irr, kappam.fleiss(diagnoses, detail = TRUE): 0.245, 0.245, 0.520, 0.471, 0.566 (pyirr's tests print
    the same)."""
    table = le.category_agreement(diagnoses())
    assert table["kappa"].round(3).tolist() == [0.245, 0.245, 0.520, 0.471, 0.566]
    assert (table["ci_low"] < table["kappa"]).all() and (table["kappa"] < table["ci_high"]).all()
    assert table["share"].sum() == pytest.approx(1.0) and (table["items"] == 30).all()


def test_category_kappa_is_fleiss_of_the_category_against_the_rest() -> None:
    frame = diagnoses()
    table = le.category_agreement(frame).set_index("category")
    for category in (1, 4):
        binary = frame.assign(label=np.where(frame["label"] == category, "it", "rest"))
        assert table.loc[category, "kappa"] == pytest.approx(le.fleiss_kappa(binary), abs=1e-12)
        row = le.agreement_table(binary, n_boot=10).set_index("coefficient").loc["fleiss_kappa"]
        assert table.loc[category, "se"] == pytest.approx(row["se"], rel=1e-12)


def test_a_label_few_items_give_twice_has_no_figure() -> None:
    """Under :data:`MIN_CATEGORY_ITEMS` items with two or more judgments of a label: "—" with the reason."""
    rows = [
        (i, a, "rare" if i < MIN_CATEGORY_ITEMS - 1 or (i == 20 and a == "a") else "x" if i % 2 else "y")
        for i in range(40)
        for a in "abc"
    ]
    table = le.category_agreement(pd.DataFrame(rows, columns=["item_id", "annotator_id", "label"]))
    rare = table.set_index("category").loc["rare"]
    assert np.isnan(rare["kappa"]) and np.isnan(rare["ci_low"])
    assert (
        rare["note"] == f"{MIN_CATEGORY_ITEMS - 1} items with two or more judgments giving the category; "
        f"{MIN_CATEGORY_ITEMS} needed"
    )
    assert table.set_index("category").loc[["x", "y"], "kappa"].notna().all()


@pytest.mark.slow
def test_a_rare_labels_intervals_cover_at_30_items() -> None:
    """10% prevalence, 4 annotators right 70% of the time on 30 items (the design where kappa +- t SE covered
    84%): the intervals shown hold the kappa of 100,000 items 93-97% of the time, within Monte-Carlo error."""
    rng = np.random.default_rng(11)

    def draw(n_items: int) -> pd.DataFrame:
        truth = rng.choice(4, n_items, p=[0.4, 0.3, 0.2, 0.1])
        right = rng.random((n_items, 4)) < 0.7
        label = np.where(right, truth[:, None], rng.integers(0, 4, (n_items, 4)))
        return pd.DataFrame(
            {
                "item_id": np.repeat(np.arange(n_items), 4),
                "annotator_id": np.tile(list("abcd"), n_items),
                "label": label.ravel(),
            }
        )

    population = le.category_agreement(draw(100_000), labels=[0, 1, 2, 3])["kappa"].iloc[3]
    hits = []
    for _ in range(400):
        row = le.category_agreement(draw(30), labels=[0, 1, 2, 3]).iloc[3]
        if np.isfinite(row["ci_low"]):
            hits.append(row["ci_low"] <= population <= row["ci_high"])
    assert len(hits) > 150
    assert 0.915 <= np.mean(hits) <= 0.985


def _crowd(seed: int, n_items: int = 150, bad: str = "r3") -> pd.DataFrame:
    """Five annotators on every item; four are right 85% of the time, ``bad`` 35%."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, 4, n_items)
    rows = []
    for i in range(n_items):
        for a in ("r0", "r1", "r2", "r3", "r4"):
            right = rng.random() < (0.35 if a == bad else 0.85)
            rows.append((i, a, int(truth[i]) if right else int(rng.integers(0, 4))))
    return pd.DataFrame(rows, columns=["item_id", "annotator_id", "label"])


def test_the_annotator_who_disagrees_with_the_rest_comes_first_and_stands_apart() -> None:
    table = le.annotator_agreement(_crowd(2))
    assert table["annotator_id"].iloc[0] == "r3"
    assert table["ci_high"].iloc[0] < table["ci_low"].iloc[1:].min()
    assert (table["items"] == 150).all() and table["note"].isna().all()


@pytest.mark.slow
def test_annotator_intervals_against_a_bootstrap_over_items() -> None:
    """The ratio estimator's SE is within 15% of the SE of 400 resamples of the items."""
    frame = _crowd(3, n_items=120)
    table = le.annotator_agreement(frame).set_index("annotator_id")
    rng = np.random.default_rng(0)
    rows_of = [np.flatnonzero(frame["item_id"].to_numpy() == i) for i in range(120)]
    draws = []
    for _ in range(400):
        picked = rng.integers(0, 120, 120)
        take = np.concatenate([rows_of[i] for i in picked])
        copy = np.repeat(np.arange(120), [len(rows_of[i]) for i in picked])
        resample = frame.iloc[take].assign(item_id=copy)
        draws.append(le.annotator_agreement(resample).set_index("annotator_id")["agreement"])
    boot = pd.concat(draws, axis=1).std(axis=1, ddof=1)
    pe = 1.0 - (1.0 - table["agreement"]) / (1.0 - table["kappa"])  # the chance agreement held fixed
    assert (table["se"] * (1.0 - pe) / boot).between(0.85, 1.15).all()


def test_too_few_shared_items_gives_no_figure() -> None:
    frame = _crowd(4, n_items=MIN_AGREEMENT_ITEMS - 1)
    annotators = le.annotator_agreement(frame)
    assert annotators["kappa"].isna().all() and annotators["note"].str.contains("needed").all()
    categories = le.category_agreement(frame)
    assert categories["kappa"].isna().all() and categories["note"].str.contains("needed").all()


def test_invariant_to_row_order_and_names() -> None:
    frame = _crowd(5, n_items=60)
    base = le.annotator_agreement(frame)
    renamed = frame.sample(frac=1.0, random_state=2).assign(
        annotator_id=lambda f: "a-" + f["annotator_id"], item_id=lambda f: "x" + f["item_id"].astype(str)
    )
    other = le.annotator_agreement(renamed)
    assert other["annotator_id"].tolist() == ["a-" + a for a in base["annotator_id"]]
    np.testing.assert_allclose(other["kappa"], base["kappa"], atol=1e-12)
    np.testing.assert_allclose(other["se"], base["se"], atol=1e-12)
