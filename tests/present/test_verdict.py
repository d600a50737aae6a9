"""The verdict in human words: no manifest keys, column names or other identifiers reach the reader."""

from __future__ import annotations

import re

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
