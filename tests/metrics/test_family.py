"""The chance-corrected family (labeleval/metrics/family.py) against the reference packages' own test data.

irrCAC (Gwet's package; its Python port's unit tests, tests/data/irrcac/cases.json, each case naming its test):
every coefficient, every weight family, values, p_a, p_e, standard errors and 95% intervals, on Gwet's raw
datasets and two-rater tables. dkpro-statistics' published examples (Artstein & Poesio 2008; Randolph 2005)
for Bennett's S, Scott's pi, Cohen's kappa and Randolph's kappa. statsmodels' cohens_kappa for Cohen's standard
errors, general and under no agreement. Then the properties: perfect agreement gives 1, invariance to row order
and to renaming items, annotators and labels, q from the declared categories.
"""

from __future__ import annotations

import tracemalloc
import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import sparse, stats
from statsmodels.stats.inter_rater import cohens_kappa as sm_cohens_kappa

import labeleval as le
from labeleval.errors import SchemaError, UndefinedMetricWarning
from labeleval.metrics import family
from labeleval.metrics.family import WEIGHT_FAMILIES, Chance, cohen_fit, fit, ratings, weight_matrix
from tests.helpers import irrcac

CHANCE: dict[str, Chance] = {"bp": "uniform", "conger": "conger", "fleiss": "fleiss", "gwet": "gwet", "pa2": "percent"}
CHANCE["scott"] = "fleiss"
TOLERANCE = 0.0005 + 1e-9  # irrCAC's tests print 3 decimals


def _public(case: dict[str, Any], frame: pd.DataFrame, labels: list[object] | None, q: int) -> float:
    fn = getattr(le, irrcac.PUBLIC_NAME[case["method"]])
    weights = irrcac.weights_of(case, q)
    if case["method"] == "gwet" and case["weights"] == "identity":
        return float(le.gwet_ac1(frame, labels=labels))
    return float(fn(frame, labels=labels, weights=None if case["weights"] == "identity" else weights))


def _check(case: dict[str, Any], got: dict[str, float]) -> None:
    wrong = {k: (round(v, 4), case[k]) for k, v in got.items() if k in case and abs(v - case[k]) > TOLERANCE}
    assert not wrong, f"{case['source']}: {wrong}"


def _interval(value: float, se: float, n: int) -> tuple[float, float]:
    low, high = stats.t.interval(0.95, n - 1, loc=value, scale=se)
    return float(low), min(float(high), 1.0)


RAW = irrcac.cases("raw", tuple(CHANCE))


@pytest.mark.parametrize("case", RAW, ids=[irrcac.case_id(c) for c in RAW])
def test_irrcac_raw_cases(case: dict[str, Any]) -> None:
    """Gwet's raw datasets (4 raters x 12 items, 5 observers x 15, g1g2, gender, Ben and Gerry): value, p_a, p_e,
    standard error and interval of every coefficient under every weight family, as irrCAC's tests print them."""
    frame = irrcac.raw_frame(case["dataset"])
    r = ratings(frame)
    q = r.n.shape[1]
    f = fit(r, weight_matrix(irrcac.weights_of(case, q), q), CHANCE[case["method"]])
    low, high = _interval(f.value, f.se(), f.n_items)
    _check(case, {"value": f.value, "pa": f.pa, "pe": f.pe, "se": f.se(), "lo": low, "hi": high})
    if case["method"] != "pa2":
        assert _public(case, frame, None, q) == pytest.approx(f.value, abs=1e-12)


TABLE = [c for c in irrcac.cases("table", tuple(CHANCE)) if c["weights"] != "custom" or c["dataset"].endswith("3x3")]


@pytest.mark.parametrize("case", TABLE, ids=[irrcac.case_id(c) for c in TABLE])
def test_irrcac_two_rater_tables(case: dict[str, Any]) -> None:
    """Two raters' tables (3x3 abstractors, 4x4 diagnosis; 100 and 223 items). The values are the many-rater
    formulas' on the same judgments; irrCAC's two-rater variances divide by n where the many-rater ones divide
    by n - 1, so the standard error here is the many-rater one times sqrt((n - 1) / n). (The 4x4 test's custom
    weights are not symmetric, which only a table's fixed rater order can give a meaning: left out.)"""
    frame, cats = irrcac.table_frame(case["dataset"])
    r = ratings(frame, cats)
    q = len(cats)
    f = fit(r, weight_matrix(irrcac.weights_of(case, q), q), CHANCE[case["method"]])
    n = f.n_items
    se = f.se() * np.sqrt((n - 1) / n)
    low, high = _interval(f.value, se, n)
    _check(case, {"value": f.value, "pa": f.pa, "pe": f.pe, "se": se, "lo": low, "hi": high})
    if case["method"] != "pa2" or case["weights"] == "identity":
        assert _public(case, frame, cats, q) == pytest.approx(f.value, abs=1e-12)


COHEN = [c for c in irrcac.cases("table", ("cohen",)) if c["weights"] != "custom" or c["dataset"].endswith("3x3")]


@pytest.mark.parametrize("case", COHEN, ids=[irrcac.case_id(c) for c in COHEN])
def test_irrcac_cohen(case: dict[str, Any]) -> None:
    """Cohen's kappa of the two tables under every weight family: value, p_a, p_e, SE and interval."""
    frame, cats = irrcac.table_frame(case["dataset"])
    table = np.array(irrcac.reference()["table"][case["dataset"]]["counts"])
    f = cohen_fit(table, weight_matrix(irrcac.weights_of(case, len(cats)), len(cats)))
    low, high = _interval(f.value, f.se, f.n)
    _check(case, {"value": f.value, "pa": f.pa, "pe": f.pe, "se": f.se, "lo": low, "hi": high})
    assert _public(case, frame, cats, len(cats)) == pytest.approx(f.value, abs=1e-12)


@pytest.mark.parametrize("name", ["table_cont3x3abstractors", "table_cont4x4diagnosis"])
@pytest.mark.parametrize("wt", [None, "linear", "quadratic"])
def test_cohen_standard_errors_equal_statsmodels(name: str, wt: str | None) -> None:
    """The general SE and the SE under no agreement (Fleiss, Cohen & Everitt 1969) equal statsmodels'."""
    table = np.array(irrcac.reference()["table"][name]["counts"])
    ours = cohen_fit(table, weight_matrix(wt, len(table)))
    peer = sm_cohens_kappa(table, wt=wt)
    assert ours.value == pytest.approx(peer.kappa, abs=1e-12)
    assert ours.se == pytest.approx(np.sqrt(peer.var_kappa), rel=1e-9)
    assert ours.se_no_agreement == pytest.approx(np.sqrt(peer.var_kappa0), rel=1e-9)


def _two_raters(table: list[tuple[str, str, int]]) -> pd.DataFrame:
    rows: list[tuple[int, str, str]] = []
    for first, second, count in table:
        for _ in range(count):
            item = len(rows) // 2
            rows += [(item, "A", first), (item, "B", second)]
    return pd.DataFrame(rows, columns=["item_id", "annotator_id", "label"])


# Artstein & Poesio (2008), Computational Linguistics 34(4), p. 558 and p. 568, as dkpro-statistics' tests
# (ArtsteinPoesio2008Test) assert them: (first coder, second coder, items)
AP_EXAMPLE_1 = [("STAT", "STAT", 20), ("IReq", "STAT", 20), ("STAT", "IReq", 10), ("IReq", "IReq", 50)]
AP_EXAMPLE_2 = [("STAT", "STAT", 46), ("IReq", "STAT", 6), ("IReq", "IReq", 32), ("IReq", "Chck", 6)]
AP_EXAMPLE_2 += [("Chck", "Chck", 10)]


@pytest.mark.parametrize(
    ("table", "s", "pi", "kappa"), [(AP_EXAMPLE_1, 0.4, 0.341, 0.348), (AP_EXAMPLE_2, 0.82, 0.7995, 0.8013)]
)
def test_artstein_poesio_examples(table: list[tuple[str, str, int]], s: float, pi: float, kappa: float) -> None:
    frame = _two_raters(table)
    assert le.bennett_s(frame) == pytest.approx(s, abs=0.001)
    assert le.scott_pi(frame) == pytest.approx(pi, abs=0.001)
    assert le.cohen_kappa(frame) == pytest.approx(kappa, abs=0.001)
    assert le.conger_kappa(frame) == pytest.approx(le.cohen_kappa(frame), abs=1e-12)  # two raters, all items


def _three_raters(items: list[tuple[str, str, str]]) -> pd.DataFrame:
    rows = [(i, rater, label) for i, labels in enumerate(items) for rater, label in zip("abc", labels, strict=True)]
    return pd.DataFrame(rows, columns=["item_id", "annotator_id", "label"])


def test_randolph_2005_examples() -> None:
    """Randolph (2005), p. 17, as dkpro-statistics' Randolph2005Test asserts: Fleiss 0.33 and -0.2, free-marginal
    kappa 0.33 on both."""
    first = _three_raters([("Yes", "Yes", "Yes"), ("Yes", "Yes", "No"), ("No", "No", "Yes"), ("No", "No", "No")])
    second = _three_raters([("Yes", "Yes", "Yes"), ("Yes", "Yes", "No"), ("Yes", "Yes", "No"), ("Yes", "Yes", "Yes")])
    assert le.fleiss_kappa(first) == pytest.approx(0.33, abs=0.01)
    assert le.randolph_kappa(first) == pytest.approx(0.33, abs=0.01)
    assert le.fleiss_kappa(second) == pytest.approx(-0.2, abs=0.01)
    assert le.randolph_kappa(second) == pytest.approx(0.33, abs=0.01)


def test_q_comes_from_the_declared_categories() -> None:
    """Two used categories of four declared: the free-marginal coefficients and AC1 use q = 4, by ``labels`` or
    ``n_categories`` alike; Fleiss' kappa does not depend on q."""
    frame = _three_raters([("Yes", "Yes", "Yes"), ("Yes", "Yes", "No"), ("No", "No", "Yes"), ("No", "No", "No")])
    declared = ["Yes", "No", "Maybe", "Skip"]
    pa = le.percent_agreement(frame)
    for fn in (le.bennett_s, le.brennan_prediger, le.randolph_kappa):
        assert fn(frame, n_categories=4) == pytest.approx((pa - 0.25) / 0.75, abs=1e-12)
        assert fn(frame, labels=declared) == pytest.approx(fn(frame, n_categories=4), abs=1e-12)
        assert fn(frame) == pytest.approx((pa - 0.5) / 0.5, abs=1e-12)
    assert le.gwet_ac1(frame, n_categories=4) == pytest.approx(le.gwet_ac1(frame, labels=declared), abs=1e-12)
    assert le.fleiss_kappa(frame, labels=declared) == pytest.approx(le.fleiss_kappa(frame), abs=1e-12)
    with pytest.raises(SchemaError, match="n_categories"):
        le.randolph_kappa(frame, n_categories=1)
    with pytest.raises(SchemaError, match="labels="):
        le.randolph_kappa(frame, n_categories=4, weights="linear")


def test_weight_families_are_agreement_weights() -> None:
    for name in WEIGHT_FAMILIES:
        w = weight_matrix(name, 5)
        assert np.allclose(np.diag(w), 1.0) and np.allclose(w, w.T) and w.min() >= -1e-12, name
    assert np.allclose(weight_matrix("linear", 3), [[1, 0.5, 0], [0.5, 1, 0.5], [0, 0.5, 1]])
    with pytest.raises(SchemaError, match="must be one of"):
        weight_matrix("cubic", 3)
    with pytest.raises(SchemaError, match="3 x 3"):
        weight_matrix(np.eye(2), 3)


FAMILY = ("scott_pi", "bennett_s", "brennan_prediger", "randolph_kappa", "conger_kappa", "hubert_kappa")


def _random_frame(seed: int, n_items: int = 40, raters: int = 4, k: int = 4) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, k, n_items)
    rows = [
        (f"i{i}", f"r{a}", int(truth[i]) if rng.random() < 0.7 else int(rng.integers(0, k)))
        for i in range(n_items)
        for a in range(raters)
        if rng.random() < 0.85
    ]
    return pd.DataFrame(rows, columns=["item_id", "annotator_id", "label"])


@pytest.mark.parametrize("name", FAMILY)
def test_perfect_agreement_gives_one(name: str) -> None:
    frame = pd.DataFrame(
        {"item_id": np.repeat(np.arange(6), 3), "annotator_id": list("abc") * 6, "label": np.repeat(list("xyzxyz"), 3)}
    )
    assert getattr(le, name)(frame) == pytest.approx(1.0, abs=1e-12)
    assert getattr(le, name)(frame, labels=list("xyz"), weights="quadratic") == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("name", FAMILY)
def test_invariant_to_row_order_and_renaming(name: str) -> None:
    frame = _random_frame(3)
    fn = getattr(le, name)
    base = fn(frame)
    shuffled = frame.sample(frac=1.0, random_state=1)
    renamed = frame.assign(
        item_id="item-" + frame["item_id"].str[::-1],
        annotator_id=frame["annotator_id"].map({"r0": "zed", "r1": "amy", "r2": "bo", "r3": "cy"}),
        label=frame["label"].map({0: "d", 1: "c", 2: "b", 3: "a"}),
    )
    assert fn(shuffled) == pytest.approx(base, abs=1e-12)
    assert fn(renamed) == pytest.approx(base, abs=1e-12)
    assert np.isfinite(base) and -1.0 <= base <= 1.0


def test_conger_is_hubert_and_is_cohen_for_two_complete_raters() -> None:
    frame = _random_frame(5)
    assert le.hubert_kappa(frame) == pytest.approx(le.conger_kappa(frame), abs=1e-12)
    two = frame[frame["annotator_id"].isin(["r0", "r1"])]
    complete = two[two.groupby("item_id")["annotator_id"].transform("size") == 2]
    for wt in (None, "linear", "quadratic", "ordinal"):
        assert le.conger_kappa(complete, labels=[0, 1, 2, 3], weights=wt) == pytest.approx(
            le.cohen_kappa(complete, labels=[0, 1, 2, 3], weights=wt), abs=1e-12
        )


def test_weighted_forms_extend_the_unweighted_ones() -> None:
    """Identity weights give the unweighted numbers; AC2 with identity weights is AC1; Cohen's linear and
    quadratic forms agree whichever path computes them."""
    frame = _random_frame(7)
    assert le.fleiss_kappa(frame, weights="identity") == pytest.approx(le.fleiss_kappa(frame), abs=1e-12)
    assert le.percent_agreement(frame, weights=np.eye(4)) == pytest.approx(le.percent_agreement(frame), abs=1e-12)
    assert le.gwet_ac2(frame, weights="identity") == pytest.approx(le.gwet_ac1(frame), abs=1e-12)
    assert le.scott_pi(frame, weights="linear") == pytest.approx(le.fleiss_kappa(frame, weights="linear"), abs=1e-12)
    two = frame[frame["annotator_id"].isin(["r0", "r1"])]
    for wt in ("linear", "quadratic"):
        matrix = weight_matrix(wt, 4)
        assert le.cohen_kappa(two, weights=matrix) == pytest.approx(le.cohen_kappa(two, weights=wt), abs=1e-12)


def test_undefined_cases_warn_and_return_nan() -> None:
    one_label = pd.DataFrame({"item_id": [1, 1, 2, 2], "annotator_id": list("abab"), "label": ["x"] * 4})
    with pytest.warns(UndefinedMetricWarning, match="fewer than two categories"):
        assert np.isnan(le.scott_pi(one_label))
    assert le.randolph_kappa(one_label, n_categories=2) == pytest.approx(1.0)
    single = pd.DataFrame({"item_id": [1, 2], "annotator_id": ["a", "b"], "label": ["x", "y"]})
    with pytest.warns(UndefinedMetricWarning, match="two or more judgments"):
        assert np.isnan(le.conger_kappa(single))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        le.conger_kappa(_random_frame(1))


def test_the_non_zero_cells_give_the_dense_numbers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Above DENSE_MAX_CELLS the counts are held as their non-zero cells and unweighted coefficients never form
    a q x q matrix: the same values and standard errors as the dense form."""
    frame = _random_frame(11, n_items=60, raters=5, k=6)
    dense = le.agreement_table(frame, n_boot=20).set_index("coefficient")
    parts = le.category_agreement(frame), le.annotator_agreement(frame)
    monkeypatch.setattr(family, "DENSE_MAX_CELLS", 0)
    assert isinstance(ratings(frame).n, sparse.csr_array)
    cells = le.agreement_table(frame, n_boot=20).set_index("coefficient")
    pd.testing.assert_frame_equal(dense, cells, rtol=1e-10)
    pd.testing.assert_frame_equal(parts[0], le.category_agreement(frame), rtol=1e-10)
    pd.testing.assert_frame_equal(parts[1], le.annotator_agreement(frame), rtol=1e-10)
    for name in FAMILY:
        monkeypatch.setattr(family, "DENSE_MAX_CELLS", 10**9)
        expected = getattr(le, name)(frame)
        monkeypatch.setattr(family, "DENSE_MAX_CELLS", 0)
        assert getattr(le, name)(frame) == pytest.approx(expected, abs=1e-12), name


@pytest.mark.slow
def test_ten_thousand_categories_stay_small() -> None:
    rng = np.random.default_rng(5)
    truth = rng.integers(0, 10_000, 30_000)
    items = np.repeat(np.arange(30_000), 3)
    labels = np.where(rng.random(90_000) < 0.7, truth[items], rng.integers(0, 10_000, 90_000))
    frame = pd.DataFrame({"item_id": items, "annotator_id": rng.integers(0, 50, 90_000), "label": labels})
    tracemalloc.start()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        values = [getattr(le, name)(frame) for name in FAMILY]
        table = le.agreement_table(frame, n_boot=2)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert all(np.isfinite(values)) and table["estimate"].notna().all()
    assert peak < 200 * 1024**2  # items x K dense would be 2.4 GB, K x K 800 MB


ALPHA = irrcac.cases("raw", ("krippendorff",))


@pytest.mark.parametrize("case", ALPHA, ids=[irrcac.case_id(c) for c in ALPHA])
def test_weighted_alpha_equals_irrcac(case: dict[str, Any]) -> None:
    """``krippendorff_alpha(weights=...)``: alpha with Gwet's weights or a custom matrix, irrCAC's raw values."""
    frame = irrcac.raw_frame(case["dataset"])
    q = int(frame["label"].nunique())
    weights = irrcac.weights_of(case, q)
    got = le.krippendorff_alpha(frame, weights=None if case["weights"] == "identity" else weights)
    assert got == pytest.approx(case["value"], abs=TOLERANCE), case["source"]


def test_weighted_alpha_extends_the_levels() -> None:
    """Identity weights are the nominal level; on equally spaced numeric labels quadratic weights are the interval
    level; a level and weights together are refused."""
    frame = irrcac.raw_frame("raw_4raters")
    assert le.krippendorff_alpha(frame, weights=np.eye(5)) == pytest.approx(le.krippendorff_alpha(frame), abs=1e-12)
    assert le.krippendorff_alpha(frame, weights="quadratic") == pytest.approx(
        le.krippendorff_alpha(frame, level="interval"), abs=1e-12
    )
    with pytest.raises(SchemaError, match="not both"):
        le.krippendorff_alpha(frame, level="ordinal", weights="linear")
