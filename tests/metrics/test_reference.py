"""Published reference values (copied from ../shared/reference/agreement_cases.json; sources inside).

Krippendorff (2011) example C at all four levels, the Wikipedia alpha examples, irrCAC's raw4raters AC1,
the Wikipedia Fleiss example, scikit-learn's Cohen kappa weighting examples, Krippendorff (1980) p.139
percent agreement. Each case gives its source; the tolerance is half a unit in the last printed decimal.
"""

from __future__ import annotations

import json
import warnings

import pandas as pd
import pytest

import labeleval as le
from tests.helpers.paths import DATA

CASES = json.loads((DATA / "agreement_cases.json").read_text())


def to_long(data: dict) -> pd.DataFrame:
    matrix = data["matrix"]
    raters = data.get("raters") or [f"r{k}" for k in range(len(matrix))]
    items = data.get("items") or list(range(len(matrix[0])))
    rows = [
        (str(item), str(rater), label)
        for rater, row in zip(raters, matrix, strict=True)
        for item, label in zip(items, row, strict=True)
        if label is not None
    ]
    return pd.DataFrame(rows, columns=["item_id", "annotator_id", "label"])


def compute(case: dict) -> float:
    metric, params = case["metric"], case.get("params", {})
    labels = params.get("categories")
    frame = to_long(case["data"])
    weights = params.get("weights")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        if metric == "krippendorff_alpha":
            return le.krippendorff_alpha(frame, level=params["level"], labels=labels)
        if metric == "cohen_kappa":
            return le.cohen_kappa(frame, weights=None if weights in (None, "none") else weights, labels=labels)
        if metric == "fleiss_kappa":
            return le.fleiss_kappa(frame, labels=labels)
        if metric == "gwet_ac1":
            return le.gwet_ac1(frame, labels=labels)
        if metric == "percent_agreement":
            return le.percent_agreement(frame, labels=labels)
    raise AssertionError(f"unexpected metric {metric}")


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_published_value(case: dict) -> None:
    tol = case.get("tolerance", 0.0005)
    tol = tol.get("value", 0.0005) if isinstance(tol, dict) else tol
    assert compute(case) == pytest.approx(case["expected"]["value"], abs=tol + 1e-12), case["source"][:100]


def test_all_twelve_cases_are_covered() -> None:
    assert len(CASES) == 12
    assert {c["metric"] for c in CASES} == {
        "krippendorff_alpha",
        "gwet_ac1",
        "fleiss_kappa",
        "cohen_kappa",
        "percent_agreement",
    }


def test_alpha_components_match_krippendorff_2004() -> None:
    """D_o = 0.2 and D_e = 0.779 for example C nominal (Krippendorff 2004, p. 230)."""
    import numpy as np

    from labeleval.metrics.agreement import alpha_stats, delta
    from labeleval.metrics.counts import count_matrix

    case = next(c for c in CASES if c["id"] == "kalpha_k2011C_nominal")
    counts = count_matrix(to_long(case["data"]))
    totals = alpha_stats(counts.n, "nominal", np.arange(len(counts.categories), dtype=float)).sum(axis=0)
    nc = totals[1:]
    n = nc.sum()
    observed = totals[0] / n
    expected = float(nc @ delta("nominal", np.arange(len(nc), dtype=float)) @ nc) / (n * (n - 1))
    assert observed == pytest.approx(case["expected"]["observed_disagreement"], abs=0.001)
    assert expected == pytest.approx(case["expected"]["expected_disagreement"], abs=0.001)


def test_ac1_components_match_irrcac() -> None:
    """p_a = 0.81818, p_e = 0.19032 for irrCAC's cac.raw4raters (Gwet 2014)."""
    from labeleval.metrics.agreement import agreement_item_stats
    from labeleval.metrics.counts import count_matrix

    case = next(c for c in CASES if c["id"] == "irrcac_raw4raters_gwet_ac1")
    counts = count_matrix(to_long(case["data"]), case["params"]["categories"])
    t = agreement_item_stats(counts.n).sum(axis=0)
    k = len(counts.categories)
    pa = t[0] / t[1]
    pi = t[2 : 2 + k] / t[2 + k]
    pe = float((pi * (1 - pi)).sum() / (k - 1))
    assert pa == pytest.approx(case["expected"]["p_observed"], abs=5e-5)
    assert pe == pytest.approx(case["expected"]["p_expected"], abs=5e-5)
