"""``labeleval gold-audit``, ``labeleval plan`` and ``score --by/--over`` through the CLI."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from labeleval.cli.main import main
from tests.helpers.paths import ROOT

PILOT = str(ROOT / "sample_data" / "ticket_pilot")


def test_gold_audit_csv_lists_the_planted_wrong_gold(tmp_path: Path) -> None:
    out = tmp_path / "suspect_gold.csv"
    assert main(["gold-audit", PILOT, "--format", "csv", "--out", str(out)]) == 0
    audit = pd.read_csv(out)
    wrong = set(pd.read_csv(Path(PILOT) / "_truth" / "wrong_gold.csv")["ticket"])
    # 11 of the 12 planted: the twelfth (gold 0 of 11 votes, the rest split 7 / 3 / 1) is within what hard
    # correct items show under Holm
    assert audit["suspect"].all() and set(audit["item_id"]) <= wrong and len(audit) >= len(wrong) - 1
    assert {"votes_Atlas", "votes_Bravo", "votes_Cirrus", "posterior_gold"} <= set(audit.columns)


def test_gold_audit_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["gold-audit", PILOT]) == 0
    text = capsys.readouterr().out
    assert text.startswith("11 of 360 gold items look wrong") and "t-0527" in text
    assert "chance that any correct gold item is called suspect is at most 5% (Holm" in text
    assert "adjusted p" in text and "Send the list back" in text
    assert main(["gold-audit", PILOT, "--control", "fdr", "--level", "0.1"]) == 0
    text = capsys.readouterr().out
    assert "at most 10% of the items called suspect have a correct gold label (Benjamini-Hochberg" in text
    assert int(text.split()[0]) >= 11  # a looser error rate finds at least as many


@pytest.mark.slow
def test_plan_table_and_csv(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["plan", PILOT, "--difference", "0.05"]) == 0
    text = capsys.readouterr().out
    assert "Bravo vs Cirrus" in text and "needed at 5.0%" in text and "Test planned for: bootstrap max-T" in text
    out = tmp_path / "plan.csv"
    assert main(["plan", PILOT, "--format", "csv", "--out", str(out)]) == 0
    plan = pd.read_csv(out)
    assert len(plan) == 6 and set(plan["metric"]) == {"accuracy", "consensus_accuracy"}
    assert (plan["items_needed"] > 0).all() and plan["test"].str.contains("max-T").all()


@pytest.mark.slow
def test_score_by_and_over(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["score", PILOT, "--n-boot", "100", "--by", "language", "--over", "batch"]) == 0
    text = capsys.readouterr().out
    assert "By language" in text and "difference between Bravo and Cirrus is not the same in every" in text
    assert "Over batch" in text and "change-point test" in text
    assert "annotator Cirrus/ci-002, week-3: accuracy" in text  # the collapse, annotator by annotator


def test_score_by_unknown_column_is_a_clean_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["score", PILOT, "--n-boot", "0", "--by", "country"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: no item metadata column 'country'") and "language" in err


@pytest.mark.slow
def test_plan_a_pilot(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", PILOT, "--pilot", "Atlas=0.75,Bravo=0.85,Cirrus=0.88", "--pool", "30"]) == 0
    text = capsys.readouterr().out
    assert "Gold items: " in text and "$" in text and "staff more annotators" in text
    table = text.split("Test planned for:")[1]  # the tables speak the display names and formats
    assert "Gold items (consensus)" in table and "Consensus accuracy" in table
    assert not re.search(r"\b(vendor_a|gold_items_\w+|consensus_accuracy|power_\w+)\b|\d\.\d{5}|\bUSD\b", table)
    assert "Test planned for: bootstrap max-T over the report's decision family (9 tests" in text
    assert main(["plan", PILOT, "--pilot", "Atlas=high"]) == 1
    assert "vendor=accuracy pairs" in capsys.readouterr().err
