"""The verdict in human words: no manifest keys, column names or other identifiers reach the reader."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

import labeleval as le
from labeleval.present.verdict import verdict
from tests.helpers.paths import ROOT

#: an identifier as code writes it: snake_case (``bill_excluded``, ``cost_per_usable_label``)
IDENTIFIER = re.compile(r"\b[a-z]+_[a-z_]+\b")


@pytest.mark.slow
@pytest.mark.parametrize("sample", ["content_safety", "helpfulness_likert", "preference_pairs", "ticket_pilot"])
def test_the_verdict_names_no_identifiers(sample: str) -> None:
    sentences = verdict(le.evaluate(ROOT / "sample_data" / sample, n_boot=50, seed=0))
    assert sentences
    for sentence in sentences:
        assert not IDENTIFIER.search(sentence), sentence


def test_the_quarantine_sentence_says_who_pays_in_words(sample_report) -> None:
    """The sample's 17 quarantined rows: 9 set aside by the vendors' platforms, 8 delivered but unusable."""
    (sentence,) = [s for s in verdict(sample_report) if "quarantined" in s]
    assert "9 set aside as not delivered" in sentence and "8 delivered but unusable (billed)" in sentence
    assert "not billed unless the project says the vendor charges for such work" in sentence
    assert "bill_excluded" not in sentence and "manifest" not in sentence


@pytest.mark.slow
def test_quarantined_item_metadata_rows_are_not_called_billed(tmp_path: Path) -> None:
    """Rows of the items file (reference data) quarantined beside a vendor's unusable rows: the sentence counts
    them apart and does not call them billed."""
    project = tmp_path / "p"
    shutil.copytree(ROOT / "sample_data" / "content_safety", project)
    items = pd.read_csv(project / "items.csv")
    pd.concat([items, items.head(40)]).to_csv(project / "items.csv", index=False)  # 40 items listed twice
    report = le.evaluate(project, n_boot=0)
    from_items = int((report.quarantine["vendor"] == "items").sum())
    assert from_items > 0
    (sentence,) = [s for s in verdict(report) if "quarantined" in s]
    assert f"{from_items:,} in the gold or item files (reference data, not judgments: nothing billed)" in sentence
    assert "9 set aside as not delivered" in sentence and "8 delivered but unusable (billed)" in sentence
