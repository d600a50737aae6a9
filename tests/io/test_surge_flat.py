"""Surge's flat results export (one record per response, the question a column), as JSON and as CSV."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import labeleval as le
from labeleval.io.formats import sniff
from tests.helpers.paths import DATA

FORMATS = DATA / "formats"
QUESTION = "Is the review positive or negative?"


@pytest.mark.parametrize(("file", "lines"), [("surge_flat.csv", [2, 3, 4, 6]), ("surge_flat.json", [1, 2, 3, 5])])
def test_the_flat_export_is_read_as_surge_with_its_lines(file: str, lines: list[int]) -> None:
    assert sniff(FORMATS / file) == "surge"
    r = le.read_file(FORMATS / file, item_field="item_id")
    assert r.format == "surge"
    assert list(r.rows["item_id"]) == ["rev-1", "rev-1", "rev-2", "rev-3"]
    assert list(r.rows["annotator_id"]) == ["sw1", "sw2", "sw1", "sw2"]
    assert list(r.rows["label"]) == ["Positive", "Positive", "Negative", "Negative"]
    assert list(r.rows["duration_s"]) == pytest.approx([12.5, 9.0, 15.0, 11.0])
    assert list(r.rows["line"]) == lines  # a quoted text over two lines is one record (CSV line 6)
    assert list(r.quarantine["reason"]) == ["NO_ANSWER"] and QUESTION in r.quarantine["message"].iloc[0]
    ledger = r.ledger.iloc[0]
    assert ledger["rows_read"] == ledger["kept"] + ledger["quarantined"] == 5


def test_the_task_id_is_the_default_item_and_the_question_can_be_named(tmp_path: Path) -> None:
    r = le.read_file(FORMATS / "surge_flat.csv", question=QUESTION)
    assert list(r.rows["item_id"]) == ["t-1", "t-1", "t-2", "t-3"]
    with pytest.raises(le.AdapterError, match=r"surge_flat\.csv.*no question 'Sentiment'.*'text'"):
        le.read_file(FORMATS / "surge_flat.csv", question="Sentiment")


def test_two_questions_need_the_question_named_and_a_missing_worker_column_is_named(tmp_path: Path) -> None:
    two = tmp_path / "two.csv"
    two.write_text("task_id,worker_id,time_spent_in_secs,Toxic?,Spam?\nt1,w1,3,yes,no\n")
    with pytest.raises(le.AdapterError, match=r"several questions \('Toxic\?', 'Spam\?'\)"):
        le.read_file(two, format="surge")
    assert list(le.read_file(two, format="surge", question="Spam?").rows["label"]) == ["no"]
    (tmp_path / "anon.csv").write_text("task_id,time_spent_in_secs,Toxic?\nt1,3,yes\n")
    with pytest.raises(le.AdapterError, match=r"anon\.csv: no column 'worker_id' \(the worker id\)"):
        le.read_file(tmp_path / "anon.csv", format="surge")
    rows = json.loads((FORMATS / "surge_flat.json").read_text())
    (tmp_path / "anon.json").write_text(json.dumps([{k: v for k, v in r.items() if k != "worker_id"} for r in rows]))
    with pytest.raises(le.AdapterError, match=r"anon\.json does not look like a Surge export.*flat export"):
        le.read_file(tmp_path / "anon.json", format="surge")


def test_the_flat_export_carries_no_gold_and_says_so(tmp_path: Path) -> None:
    shutil.copy(FORMATS / "surge_flat.csv", tmp_path / "surge.csv")
    (tmp_path / "labeleval.toml").write_text(
        """
[task]
name = "reviews"
labels = ["Positive", "Negative"]

[gold]
path = "surge.csv"
format = "surge"

[[vendors]]
name = "Surge"
path = "surge.csv"
format = "surge"
pricing = { model = "per_label", rate = 0.2 }
"""
    )
    with pytest.raises(le.AdapterError, match="flat export carries no gold-standard answers"):
        le.evaluate(tmp_path, n_boot=0)


def test_a_project_scores_the_flat_export(tmp_path: Path) -> None:
    shutil.copy(FORMATS / "surge_flat.csv", tmp_path / "surge.csv")
    (tmp_path / "gold.csv").write_text("item_id,label\nrev-1,Positive\nrev-2,Positive\nrev-3,Negative\n")
    (tmp_path / "labeleval.toml").write_text(
        """
[task]
name = "reviews"
labels = ["Positive", "Negative"]

[gold]
path = "gold.csv"

[[vendors]]
name = "Surge"
path = "surge.csv"
format = "surge"
item_field = "item_id"
pricing = { model = "per_label", rate = 0.2 }
"""
    )
    summary = le.evaluate(tmp_path, n_boot=0).summary.set_index("vendor").loc["Surge"]
    assert summary["n_judgments"] == 4 and summary["gold_items"] == 3
    assert summary["accuracy"] == pytest.approx(3 / 4)
