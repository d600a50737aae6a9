"""Scale's GenAI (v2) task export: threads per contributor, label-like annotations, rubric scores as a table."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

import labeleval as le
from labeleval.io.formats import ReadOptions, sniff
from labeleval.io.formats.scale_v2 import rubric_scores
from tests.helpers.paths import DATA

EXPORT = DATA / "formats" / "scale_v2.json"


def test_each_threads_contributor_is_an_annotator_and_undelivered_tasks_are_set_aside() -> None:
    assert sniff(EXPORT) == "scale"
    r = le.read_file(EXPORT, item_field="metadata.item_id")
    assert r.format == "scale"
    assert list(zip(r.rows["item_id"], r.rows["annotator_id"], r.rows["label"], strict=True)) == [
        ("p-001", "ctr-17", "yes"),
        ("p-001", "ctr-22", "no"),
    ]
    assert str(r.rows["submitted_at"].iloc[1]).startswith("2026-10-01 09:10")  # the submission's time
    assert list(zip(r.quarantine["line"], r.quarantine["reason"], strict=True)) == [
        (2, "NO_ANSWER"),  # marked not applicable
        (3, "CANCELLED"),
        (4, "NO_ANSWER"),  # reported as sensitive content
    ]
    assert "sensitive content" in r.quarantine["message"].iloc[2]
    assert not any("consolidated" in n for n in r.notes)
    ledger = r.ledger.iloc[0]
    assert ledger["rows_read"] == ledger["kept"] + ledger["quarantined"] == 5


def _tasks() -> list[dict[str, Any]]:
    return list(json.loads(EXPORT.read_text()))


def test_a_listing_with_several_keys_turns_and_no_submissions(tmp_path: Path) -> None:
    tasks = _tasks()
    thread = tasks[0]["threads"][1]
    thread["submissions"] = []  # Scale's consolidated answer
    again: dict[str, Any] = {**thread["turns"][0]["annotations"][0], "value": "yes"}
    thread["turns"].append({"id": "tu-9", "messages": [], "annotations": [again]})
    rating = {"id": "a-9", "key": "overall", "type": "rubric_rating", "value": {"score": 4}}
    tasks[1]["threads"][0]["annotations"].append(rating)
    path = tmp_path / "listing.json"
    path.write_text(json.dumps({"tasks": tasks, "next_token": None}))
    with pytest.raises(le.AdapterError, match=r"listing\.json.*several questions \('helpful', 'overall'\)"):
        le.read_file(path, format="scale")
    r = le.read_file(path, format="scale", question="helpful", item_field="metadata.item_id")
    assert list(zip(r.rows["item_id"], r.rows["annotator_id"], strict=True)) == [
        ("p-001", "ctr-17"),
        ("p-001/turn-1", "consolidated"),  # the key on two turns of one thread: one item per turn
        ("p-001/turn-2", "consolidated"),
    ]
    assert any("consolidated" in n for n in r.notes)
    overall = le.read_file(path, format="scale", question="overall", item_field="metadata.item_id")
    assert list(overall.rows["label"]) == ["4"]  # a rubric rating's score
    assert set(overall.quarantine["reason"]) == {"NO_ANSWER", "CANCELLED"}


def test_rubric_scores_are_a_table_per_criterion() -> None:
    scores = rubric_scores(EXPORT, name=EXPORT.name, options=ReadOptions(item_field="metadata.item_id"))
    assert list(scores.columns) == [
        "line",
        "item_id",
        "annotator_id",
        "criterion",
        "score",
        "total_score",
        "percentage",
    ]
    assert scores[["item_id", "annotator_id", "criterion", "score"]].values.tolist() == [
        ["p-001", "ctr-17", "c-accurate", 1],
        ["p-001", "ctr-17", "c-concise", 0],
    ]
    assert set(scores["percentage"]) == {50}


def test_a_project_scores_scale_contributors(tmp_path: Path) -> None:
    shutil.copy(EXPORT, tmp_path / "scale.json")
    (tmp_path / "gold.csv").write_text("item_id,label\np-001,yes\np-002,no\n")
    (tmp_path / "labeleval.toml").write_text(
        """
[task]
name = "helpful"
labels = ["yes", "no"]

[gold]
path = "gold.csv"

[[vendors]]
name = "Scale"
path = "scale.json"
format = "scale"
item_field = "metadata.item_id"
pricing = { model = "per_label", rate = 1.5 }
"""
    )
    report = le.evaluate(tmp_path, n_boot=0)
    summary = report.summary.set_index("vendor").loc["Scale"]
    assert summary["n_annotators"] == 2 and summary["n_judgments"] == 2 and summary["accuracy"] == pytest.approx(0.5)
