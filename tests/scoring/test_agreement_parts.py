"""The Report's agreement by category and by annotator: each vendor's rows are le.category_agreement's and
le.annotator_agreement's on that vendor's judgments, interval for interval; kinds without categories have none."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import labeleval as le

PRICING = {"model": "per_label", "rate": 0.1}


def _judgments(seed: int) -> pd.DataFrame:
    """Two vendors; in "noisy" annotator n3 answers at random; "thin" has an annotator on 5 shared items."""
    rng = np.random.default_rng(seed)
    truth = rng.choice(list("abc"), 80, p=[0.5, 0.3, 0.2])
    rows = []
    for vendor, who in (("noisy", ("n0", "n1", "n2", "n3")), ("thin", ("t0", "t1", "t2"))):
        for i, label in enumerate(truth):
            for a in who:
                skill = 0.3 if a == "n3" else 0.85
                rows.append((vendor, f"i{i}", a, label if rng.random() < skill else str(rng.choice(list("abc")))))
    rows += [("thin", f"i{i}", "t9", "a") for i in range(5)]
    return pd.DataFrame(rows, columns=["vendor", "item_id", "annotator_id", "label"])


@pytest.fixture(scope="module")
def scored() -> tuple[pd.DataFrame, le.Report]:
    frame = _judgments(0)
    return frame, le.evaluate(frame, pricing=PRICING, n_boot=0)


def test_each_vendor_is_the_public_functions_on_its_judgments(scored: tuple[pd.DataFrame, le.Report]) -> None:
    frame, report = scored
    for vendor in ("noisy", "thin"):
        own = frame[frame["vendor"] == vendor]
        categories = report.category_agreement.query("vendor == @vendor").drop(columns="vendor")
        expected = le.category_agreement(own, labels=list("abc"))
        pd.testing.assert_frame_equal(
            categories.reset_index(drop=True),
            expected.assign(category=expected["category"].astype(str)),
            check_dtype=False,
            rtol=1e-12,
        )
        people = report.annotator_agreement.query("vendor == @vendor").drop(columns="vendor")
        expected = le.annotator_agreement(own, labels=list("abc"))
        pd.testing.assert_frame_equal(people.reset_index(drop=True), expected, check_dtype=False, rtol=1e-12)


def test_the_annotator_who_disagrees_comes_first_and_a_thin_one_has_a_reason(
    scored: tuple[pd.DataFrame, le.Report],
) -> None:
    people = scored[1].annotator_agreement
    noisy = people[people["vendor"] == "noisy"]
    assert noisy["annotator_id"].iloc[0] == "n3"
    assert noisy["ci_high"].iloc[0] < noisy["ci_low"].iloc[1:].min()
    thin = people[people["annotator_id"] == "t9"].iloc[0]
    assert np.isnan(thin["kappa"]) and "5 items shared with another annotator" in thin["note"]


def test_the_frames_go_into_every_export(scored: tuple[pd.DataFrame, le.Report], tmp_path: Path) -> None:
    report = scored[1]
    data = report.to_dict(["category_agreement", "annotator_agreement"])
    assert {row["category"] for row in data["category_agreement"]} == {"a", "b", "c"}
    assert (tmp_path / "r" / "annotator_agreement.csv") in report.to_csv(tmp_path / "r")


def test_numeric_tasks_have_no_category_or_annotator_frames() -> None:
    frame = pd.DataFrame(
        {
            "vendor": "v",
            "item_id": np.repeat(np.arange(20), 2),
            "annotator_id": ["a", "b"] * 20,
            "label": np.arange(40) % 7 + 0.5,
        }
    )
    report = le.evaluate(frame, pricing=PRICING, task={"kind": "interval"}, n_boot=0)
    assert report.category_agreement.empty and report.annotator_agreement.empty
    assert "kappa" in report.category_agreement.columns and "annotator_id" in report.annotator_agreement.columns
