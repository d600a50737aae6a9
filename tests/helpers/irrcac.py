"""The irrCAC package's own test datasets and expected values (tests/data/irrcac/cases.json) as long frames.

The cases are those of afergadis/irrCAC's unit tests (the Python port of Gwet's R package irrCAC); the datasets
are Gwet's (Handbook of Inter-Rater Reliability, 4th ed.). Each case carries its ``source``: the test it comes
from. ``raw`` datasets are raters x items matrices, ``table`` datasets two raters' contingency tables (rows: the
first rater).
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from tests.helpers.paths import DATA

#: the coefficient each irrCAC method computes, by labeleval's public name
PUBLIC_NAME = {
    "bp": "brennan_prediger",
    "conger": "conger_kappa",
    "fleiss": "fleiss_kappa",
    "gwet": "gwet_ac2",
    "pa2": "percent_agreement",
    "scott": "scott_pi",
    "cohen": "cohen_kappa",
    "krippendorff": "krippendorff_alpha",
}


@cache
def reference() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA / "irrcac" / "cases.json").read_text())
    return data


def cases(kind: str, methods: tuple[str, ...]) -> list[dict[str, Any]]:
    """The cases of ``kind`` (raw or table) for ``methods``."""
    return [c for c in reference()["cases"] if c["kind"] == kind and c["method"] in methods]


def case_id(case: dict[str, Any]) -> str:
    return f"{case['dataset']}-{case['method']}-{case['weights']}"


def raw_frame(name: str) -> pd.DataFrame:
    """A raw dataset as a long frame (items numbered from 0 in the matrix's order)."""
    ds = reference()["raw"][name]
    rows = [
        (str(i), rater, value)
        for rater, column in zip(ds["raters"], ds["matrix"], strict=True)
        for i, value in enumerate(column)
        if value is not None
    ]
    return pd.DataFrame(rows, columns=["item_id", "annotator_id", "label"])


def table_frame(name: str) -> tuple[pd.DataFrame, list[object]]:
    """A contingency table as a long frame of two raters ``A`` (rows) and ``B`` (columns), and its categories."""
    ds = reference()["table"][name]
    cats = list(ds["categories"])
    rows: list[tuple[str, str, object]] = []
    for a, row in enumerate(ds["counts"]):
        for b, count in enumerate(row):
            for _ in range(count):
                item = str(len(rows) // 2)
                rows += [(item, "A", cats[a]), (item, "B", cats[b])]
    return pd.DataFrame(rows, columns=["item_id", "annotator_id", "label"]), cats


def weights_of(case: dict[str, Any], q: int) -> str | np.ndarray:
    """The case's weights: a family's name, or the test's custom matrix."""
    if case["weights"] == "custom":
        return np.array(reference()["custom_weights"][str(q)])
    return str(case["weights"])
