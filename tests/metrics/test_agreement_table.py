"""``le.agreement_table``: every coefficient with its SE, interval and p-value, against irrCAC's own test values
(tests/data/irrcac/cases.json, each case naming its test), R irr's published Fleiss (1971) figures (kappa 0.430,
z 17.7; Light's kappa 0.459; pyirr's tests print the same), statsmodels' Cohen SEs and the krippendorff package;
then the evidence rules (too few items, too few annotators behind Light's kappa) and the properties."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.inter_rater import cohens_kappa as sm_cohens_kappa

import labeleval as le
from labeleval.metrics.agreement_table import TABLE_COLUMNS
from labeleval.tuning import MIN_AGREEMENT_ITEMS
from tests.helpers import irrcac
from tests.helpers.paths import DATA

ROW = {
    "bp": "brennan_prediger",
    "fleiss": "fleiss_kappa",
    "conger": "conger_kappa",
    "krippendorff": "krippendorff_alpha",
}
TOLERANCE = 0.0005 + 1e-9


def _row_name(case: dict[str, Any]) -> str:
    if case["method"] == "gwet":
        return "gwet_ac1" if case["weights"] == "identity" else "gwet_ac2"
    return ROW[case["method"]]


RAW = irrcac.cases("raw", ("bp", "fleiss", "conger", "gwet", "krippendorff"))


@pytest.mark.parametrize("case", RAW, ids=[irrcac.case_id(c) for c in RAW])
def test_irrcac_raw_values_ses_intervals_and_p_values(case: dict[str, Any]) -> None:
    """Every raw case of irrCAC's tests, read from the table's row. irrCAC's raw Brennan-Prediger p-value is
    one-sided (its other coefficients' are two-sided): the table's two-sided one is twice it."""
    frame = irrcac.raw_frame(case["dataset"])
    q = int(frame["label"].nunique())
    weights = irrcac.weights_of(case, q)
    table = le.agreement_table(frame, weights=None if case["weights"] == "identity" else weights, n_boot=10)
    row = table.set_index("coefficient").loc[_row_name(case)]
    got = {"value": row.estimate, "se": row.se, "lo": row.ci_low, "hi": row.ci_high}
    wrong = {k: (round(v, 4), case[k]) for k, v in got.items() if k in case and abs(v - case[k]) > TOLERANCE}
    assert not wrong, f"{case['source']}: {wrong}"
    p = row.p_value / 2 if case["method"] == "bp" else row.p_value
    assert p == pytest.approx(case["p"], abs=0.5e-5 + 1e-12), case["source"]
    assert row.method == "Gwet variance (general)" and row.raters == int(frame["annotator_id"].nunique())


COHEN = [c for c in irrcac.cases("table", ("cohen",)) if c["weights"] != "custom" or c["dataset"].endswith("3x3")]


@pytest.mark.parametrize("case", COHEN, ids=[irrcac.case_id(c) for c in COHEN])
def test_irrcac_cohen_rows(case: dict[str, Any]) -> None:
    frame, cats = irrcac.table_frame(case["dataset"])
    weights = irrcac.weights_of(case, len(cats))
    table = le.agreement_table(frame, labels=cats, weights=None if case["weights"] == "identity" else weights)
    row = table.set_index("coefficient").loc["cohen_kappa"]
    got = {"value": row.estimate, "se": row.se, "lo": row.ci_low, "hi": row.ci_high}
    wrong = {k: (round(v, 4), case[k]) for k, v in got.items() if k in case and abs(v - case[k]) > TOLERANCE}
    assert not wrong, f"{case['source']}: {wrong}"
    assert row.pairs == 1 and row["items"] == sum(map(sum, irrcac.reference()["table"][case["dataset"]]["counts"]))


def test_cohen_row_against_statsmodels() -> None:
    frame, cats = irrcac.table_frame("table_cont4x4diagnosis")
    table = np.array(irrcac.reference()["table"]["table_cont4x4diagnosis"]["counts"])
    row = le.agreement_table(frame, labels=cats).set_index("coefficient").loc["cohen_kappa"]
    peer = sm_cohens_kappa(table)
    assert row.estimate == pytest.approx(peer.kappa, abs=1e-12)
    assert row.se == pytest.approx(np.sqrt(peer.var_kappa), rel=1e-9)
    assert row.se_no_agreement == pytest.approx(np.sqrt(peer.var_kappa0), rel=1e-9)


def diagnoses() -> pd.DataFrame:
    """Fleiss (1971) Table 1: 30 patients, 6 psychiatrists each, 5 diagnoses (R irr's ``diagnoses``)."""
    wide = pd.read_csv(DATA / "irr" / "diagnoses.csv")
    long = wide.melt(id_vars="patient", var_name="annotator_id", value_name="label")
    return long.rename(columns={"patient": "item_id"})


def test_fleiss_1971_as_r_irr_prints_it() -> None:
    """R irr: kappam.fleiss(diagnoses) kappa 0.430, z 17.7 (the z of the SE under no agreement, Fleiss, Nee &
    Landis 1979); kappam.light(diagnoses) 0.459."""
    table = le.agreement_table(diagnoses(), n_boot=200).set_index("coefficient")
    fleiss = table.loc["fleiss_kappa"]
    assert fleiss.estimate == pytest.approx(0.430, abs=0.0005)
    assert fleiss.estimate / fleiss.se_no_agreement == pytest.approx(17.7, abs=0.05)
    assert fleiss.se > 2 * fleiss.se_no_agreement  # the null SE is far too narrow for an interval here
    light = table.loc["light_kappa"]
    assert light.estimate == pytest.approx(0.459, abs=0.0005)
    assert light.pairs == 15 and light.method == "jackknife SE over items (t interval)"
    assert light.ci_low < light.estimate < light.ci_high
    weighted = le.agreement_table(diagnoses(), weights="linear", n_boot=200).set_index("coefficient")
    assert weighted.loc["light_kappa", "method"] == "bootstrap SE over items (t interval)"
    assert weighted.loc["light_kappa", "se"] > 0


def test_alpha_row_is_krippendorffs_nominal_alpha() -> None:
    frame = diagnoses()
    row = le.agreement_table(frame, n_boot=10).set_index("coefficient").loc["krippendorff_alpha"]
    assert row.estimate == pytest.approx(le.krippendorff_alpha(frame), abs=1e-12)


def test_columns_and_evidence() -> None:
    table = le.agreement_table(irrcac.raw_frame("raw_gender"), n_boot=50)
    assert list(table.columns) == list(TABLE_COLUMNS)
    assert (table["items"] == 15).all() and (table["raters"] == 4).all()
    assert table["note"].isna().all() and table["estimate"].notna().all()


def test_too_few_items_gives_no_figure_and_says_why() -> None:
    frame = irrcac.raw_frame("raw_4raters")
    few = frame[frame["item_id"].astype(int) < MIN_AGREEMENT_ITEMS - 1]
    table = le.agreement_table(few, n_boot=20)
    assert table["estimate"].isna().all() and table["se"].isna().all()
    family = table[table["coefficient"] != "light_kappa"]
    assert family["note"].str.contains(f"{MIN_AGREEMENT_ITEMS - 1} items with two or more judgments").all()
    assert table.set_index("coefficient").loc["light_kappa", "note"] == "no two annotators share 10 or more items"


def test_light_from_one_pair_of_many_annotators_is_not_a_figure() -> None:
    """One pair of annotators shares 10 items; 40 others each rate 2 items with one another: Light's kappa would
    be that one pair's Cohen kappa. The row has no figure and names the pairs and annotators behind it."""
    rng = np.random.default_rng(0)
    rows = [(f"p{i}", a, str(rng.integers(0, 3))) for i in range(10) for a in ("a", "b")]
    rows += [(f"c{i}", f"x{(2 * i + k) % 40}", str(rng.integers(0, 3))) for i in range(60) for k in (0, 1)]
    table = le.agreement_table(pd.DataFrame(rows, columns=["item_id", "annotator_id", "label"]), n_boot=20)
    light = table.set_index("coefficient").loc["light_kappa"]
    assert np.isnan(light.estimate) and light.pairs == 1
    assert "covering 2 of 42 annotators" in light.note


def test_finite_population_correction() -> None:
    frame = irrcac.raw_frame("raw_5observers")
    infinite = le.agreement_table(frame, n_boot=10).set_index("coefficient")
    finite = le.agreement_table(frame, population=30, n_boot=10).set_index("coefficient")
    n = 15
    for name in ("fleiss_kappa", "gwet_ac1", "conger_kappa"):
        assert finite.loc[name, "se"] == pytest.approx(infinite.loc[name, "se"] * np.sqrt(1 - n / 30), rel=1e-12)


def test_perfect_agreement_and_invariance() -> None:
    perfect = pd.DataFrame(
        {
            "item_id": np.repeat(np.arange(12), 3),
            "annotator_id": list("abc") * 12,
            "label": np.repeat(list("xyz") * 4, 3),
        }
    )
    table = le.agreement_table(perfect, n_boot=20)
    assert np.allclose(table["estimate"], 1.0)
    frame = irrcac.raw_frame("raw_g1g2")
    base = le.agreement_table(frame, n_boot=50).drop(columns=["method"])
    shuffled = le.agreement_table(frame.sample(frac=1.0, random_state=3), n_boot=50).drop(columns=["method"])
    renamed = frame.assign(
        item_id="i" + frame["item_id"],
        annotator_id=frame["annotator_id"].str.lower(),
        label=frame["label"].map({"a": "e", "b": "d", "c": "c", "d": "b", "e": "a"}),
    )
    fixed = ["coefficient", "estimate", "se", "ci_low", "ci_high", "p_value", "items", "raters", "pairs"]
    pd.testing.assert_frame_equal(base[fixed[:6] + fixed[6:]].iloc[:-1], shuffled[fixed].iloc[:-1])
    pd.testing.assert_frame_equal(base[fixed].iloc[:-1], le.agreement_table(renamed, n_boot=50)[fixed].iloc[:-1])


def test_bad_confidence_is_refused() -> None:
    with pytest.raises(le.SchemaError, match="confidence"):
        le.agreement_table(irrcac.raw_frame("raw_g1g2"), confidence=95)
