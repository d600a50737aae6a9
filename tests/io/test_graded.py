"""Reading a graded task's deliverables and reviews: every row kept or quarantined with its line and reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from labeleval.errors import SchemaError
from labeleval.io.graded import read_graded
from labeleval.project.manifest import load_project

MANIFEST = """[task]
name = "t"
kind = "graded"
[[criteria]]
name = "accuracy"
scale = "points"
points = [1, 5]
[[criteria]]
name = "safety"
scale = "pass_fail"
[reviews]
path = "reviews.jsonl"
columns = { reviewer_id = "who" }
gold_reviewers = ["expert"]
[[vendors]]
name = "A"
path = "a.csv"
pricing = { model = "per_item", rate = 10 }
[[vendors]]
name = "B"
path = "b.csv"
pricing = { model = "hourly", rate = 60 }
"""

A = """deliverable_id,item_id,writer_id,text,cost,duration_s
a1,p1,w1,hello,,
a2,p2,w1,,,
a3,,w2,,,
a1,p3,w2,again,,
a4,p4,w2,,-3,
"""
B = """deliverable_id,item_id,writer_id,duration_s
b1,p1,v1,600
a2,p2,v1,60
b2,p2,v2,abc
"""
REVIEWS = """{"deliverable_id": "a1", "who": "r1", "criterion": "accuracy", "score": 4}
{"deliverable_id": "a1", "who": "r2", "criterion": "accuracy", "score": "5"}
{"deliverable_id": "a1", "who": "r1", "criterion": "safety", "score": "PASS"}
{"deliverable_id": "a1", "who": "r1", "criterion": "accuracy", "score": 3}
{"deliverable_id": "a1", "who": "r3", "criterion": "accuracy", "score": 7}
{"deliverable_id": "a1", "who": "r3", "criterion": "style", "score": 2}
{"deliverable_id": "zz", "who": "r3", "criterion": "safety", "score": "fail"}
{"deliverable_id": "b1", "who": "", "criterion": "safety", "score": "no"}
not json
{"deliverable_id": "b1", "who": "r1", "criterion": "safety", "score": "maybe"}
{"deliverable_id": "b1", "who": "expert", "criterion": "safety", "score": "yes"}
{"deliverable_id": "b1", "who": "r2", "criterion": "accuracy", "score": 2.5}
{"deliverable_id": "b1", "who": "r2", "criterion": "safety", "score": 0}
"""


def _project(tmp_path: Path, reviews: str = REVIEWS) -> Path:
    (tmp_path / "labeleval.toml").write_text(MANIFEST, encoding="utf-8")
    (tmp_path / "a.csv").write_text(A, encoding="utf-8")
    (tmp_path / "b.csv").write_text(B, encoding="utf-8")
    (tmp_path / "reviews.jsonl").write_text(reviews, encoding="utf-8")
    return tmp_path


def test_every_row_is_kept_or_quarantined_with_its_reason(tmp_path: Path) -> None:
    data = read_graded(load_project(_project(tmp_path)))
    ledger = data.ledger.set_index("file")
    assert (ledger["rows_read"] == ledger["kept"] + ledger["quarantined"]).all()
    q = data.quarantine
    found = {(f, int(line), reason) for f, line, reason in q[["file", "line", "reason"]].itertuples(index=False)}
    assert found == {
        ("a.csv", 4, "MISSING_VALUE"),  # a3 has no prompt
        ("a.csv", 5, "DUPLICATE_DELIVERABLE"),  # a1 again
        ("a.csv", 6, "NEGATIVE_COST"),
        ("b.csv", 3, "DUPLICATE_DELIVERABLE"),  # a2 is vendor A's
        ("b.csv", 4, "BAD_NUMBER"),
        ("reviews.jsonl", 4, "DUPLICATE_REVIEW"),
        ("reviews.jsonl", 5, "OUT_OF_RANGE"),  # 7 on a 1-5 scale
        ("reviews.jsonl", 6, "UNKNOWN_CRITERION"),
        ("reviews.jsonl", 7, "UNKNOWN_DELIVERABLE"),
        ("reviews.jsonl", 8, "MISSING_VALUE"),
        ("reviews.jsonl", 9, "MALFORMED_RECORD"),
        ("reviews.jsonl", 10, "OUT_OF_RANGE"),  # maybe is not pass or fail
        ("reviews.jsonl", 12, "OUT_OF_RANGE"),  # 2.5 is not a whole point
    }
    assert list(data.reviews["score"]) == [4.0, 5.0, 1.0, 0.0]
    assert list(data.reviews["vendor"]) == ["A", "A", "A", "B"]
    assert list(data.gold_reviews["reviewer_id"]) == ["expert"]
    assert data.deliverables.set_index("deliverable_id").loc["b1", "duration_s"] == 600.0


def test_a_missing_column_names_the_file_and_the_column(tmp_path: Path) -> None:
    _project(tmp_path)
    (tmp_path / "a.csv").write_text("deliverable_id,item_id\nx,p1\n", encoding="utf-8")
    with pytest.raises(SchemaError, match=r"a\.csv line 1: missing column 'writer_id'"):
        read_graded(load_project(tmp_path))


def test_a_vendor_without_reviewed_work_is_a_problem(tmp_path: Path) -> None:
    only_a = "\n".join(line for line in REVIEWS.splitlines() if '"b1"' not in line) + "\n"
    data = read_graded(load_project(_project(tmp_path, only_a)))
    assert data.problems == ("B: no reviewed deliverable to score",)
    assert set(data.notes["code"]) == {"UNREVIEWED"}
