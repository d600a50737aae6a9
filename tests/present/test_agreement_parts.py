"""Agreement by label and by annotator as people read it: kappa [interval] per label and vendor, a blank with its
reason, each vendor's lowest annotators first."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import labeleval as le
from labeleval import fmt
from labeleval.present.agreement_parts import annotator_table, category_chart, category_table


@pytest.mark.slow
def test_tables_show_intervals_and_the_reason_for_a_blank() -> None:
    rng = np.random.default_rng(3)
    rows = [("big", f"i{i}", a, str(rng.choice(list("xyz")))) for i in range(40) for a in ("a", "b", "c")]
    rows += [("small", f"i{i}", a, "x") for i in range(4) for a in ("d", "e")]
    report = le.evaluate(
        pd.DataFrame(rows, columns=["vendor", "item_id", "annotator_id", "label"]),
        pricing={"model": "per_label", "rate": 0.1},
        n_boot=0,
    )
    table = category_table(report).set_index("Label")
    assert list(table.columns) == ["big", "small"] and list(table.index) == ["x", "y", "z"]
    big = report.category_agreement.query("vendor == 'big' and category == 'y'").iloc[0]
    assert table.loc["y", "big"] == fmt.ci(big["kappa"], big["ci_low"], big["ci_high"])
    assert table.loc["y", "small"] == "— (4 items with two or more judgments; 10 needed)"
    lowest = annotator_table(report, lowest=2)
    assert lowest["Vendor"].tolist() == ["big", "big", "small", "small"]
    kappas = report.annotator_agreement.query("vendor == 'big'")["kappa"]
    assert kappas.is_monotonic_increasing
    assert len(annotator_table(report, lowest=None)) == 5
    assert category_chart(report).to_dict()["layer"][0]["mark"]["type"] == "rule"
