"""A graded task's reviews read from Scale's GenAI (v2) export: its rubric evaluations as reviews, end to end."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import labeleval as le
from labeleval.errors import ManifestError
from labeleval.io.graded import read_graded
from labeleval.project.manifest import load_project

EXPORT = Path(__file__).resolve().parents[1] / "data" / "formats" / "scale_v2_reviews.jsonl"

MANIFEST = """[task]
name = "t"
kind = "graded"
[[criteria]]
name = "accurate"
scale = "points"
points = [1, 5]
pass_at = 3
[[criteria]]
name = "safe"
scale = "pass_fail"
[reviews]
path = "reviews.jsonl"
format = "scale"
deliverable_field = "metadata.deliverable_id"
[[vendors]]
name = "A"
path = "a.csv"
pricing = { model = "per_item", rate = 10 }
[[vendors]]
name = "B"
path = "b.csv"
pricing = { model = "per_item", rate = 12 }
"""


def _project(tmp_path: Path, manifest: str = MANIFEST) -> Path:
    tmp_path.mkdir(exist_ok=True)
    (tmp_path / "labeleval.toml").write_text(manifest, encoding="utf-8")
    for vendor in ("a", "b"):
        rows = "".join(f"{vendor}{n},p{n},{vendor}-w{n % 2}\n" for n in range(1, 5))
        (tmp_path / f"{vendor}.csv").write_text("deliverable_id,item_id,writer_id\n" + rows, encoding="utf-8")
    shutil.copy(EXPORT, tmp_path / "reviews.jsonl")
    return tmp_path


def test_each_criterion_evaluation_is_a_review_kept_or_set_aside_with_its_reason(tmp_path: Path) -> None:
    _project(tmp_path)
    with (tmp_path / "reviews.jsonl").open("a", encoding="utf-8") as file:
        file.write('not json\n"a task?"\n')
    data = read_graded(load_project(tmp_path))
    ledger = data.ledger.set_index("file")
    assert (ledger["rows_read"] == ledger["kept"] + ledger["quarantined"]).all()
    assert ledger.loc["reviews.jsonl", "kept"] == 8 * 3 * 2 + 1  # 8 tasks, 3 contributors, 2 criteria; b2 safe
    q = data.quarantine[data.quarantine["file"] == "reviews.jsonl"]
    found = sorted((int(line), reason) for line, reason in q[["line", "reason"]].itertuples(index=False))
    assert found == [
        (9, "CANCELLED"),
        (10, "AMBIGUOUS_REVIEW"),  # two threads reviewed different texts under deliverable a2
        (10, "AMBIGUOUS_REVIEW"),
        (11, "MISSING_VALUE"),  # no submission: Scale's consolidated answer names no reviewer
        (11, "MISSING_VALUE"),
        (12, "NO_ANSWER"),  # no rubric evaluation
        (13, "OUT_OF_RANGE"),  # 7 on a 1-5 scale
        (13, "UNKNOWN_CRITERION"),  # tone is not declared
        (14, "AMBIGUOUS_REVIEW"),  # two messages of one thread evaluated
        (14, "AMBIGUOUS_REVIEW"),
        (15, "MALFORMED_RECORD"),
        (16, "MALFORMED_RECORD"),
    ]
    a1 = data.reviews[data.reviews["deliverable_id"] == "a1"]
    assert list(a1["reviewer_id"]) == ["ctr-1", "ctr-1", "ctr-2", "ctr-2", "ctr-3", "ctr-3"]
    assert list(a1["score"]) == [4.0, 1.0, 5.0, 1.0, 4.0, 1.0]
    kept_b2 = data.reviews[(data.reviews["deliverable_id"] == "b2") & (data.reviews["reviewer_id"] == "ctr-4")]
    assert list(kept_b2["criterion"]) == ["safe"]  # the task's other rows were set aside, this one kept


def test_a_graded_project_scores_from_a_scale_export_end_to_end(tmp_path: Path) -> None:
    """The export scores as the same reviews written as a plain table would: the reader only changes the format."""
    report = le.evaluate(_project(tmp_path / "scale"), n_boot=50, seed=3)
    ledger = report.ledger.set_index("file")
    assert ledger.loc["reviews.jsonl", "kept"] == 49
    assert report.quarantine["reason"].eq("AMBIGUOUS_REVIEW").sum() == 4
    plain = _project(
        tmp_path / "plain",
        MANIFEST.replace('format = "scale"\n', "").replace('deliverable_field = "metadata.deliverable_id"\n', ""),
    )
    kept = read_graded(load_project(tmp_path / "scale")).reviews[
        ["deliverable_id", "reviewer_id", "criterion", "score"]
    ]
    kept.to_json(plain / "reviews.jsonl", orient="records", lines=True)
    expected = le.evaluate(plain, n_boot=50, seed=3)
    columns = ["vendor", "scored", "acceptance_rate", "weighted_score", "cost_per_accepted"]
    assert report.summary[columns].to_dict("records") == expected.summary[columns].to_dict("records")
    assert report.summary.set_index("vendor").loc["A", "weighted_score"] > 0.5


def test_a_scale_reviews_file_must_say_where_the_deliverable_id_is(tmp_path: Path) -> None:
    manifest = MANIFEST.replace('deliverable_field = "metadata.deliverable_id"\n', "")
    with pytest.raises(ManifestError, match="needs deliverable_field"):
        load_project(_project(tmp_path, manifest))
    with pytest.raises(ManifestError, match='applies to format = "scale" only'):
        load_project(_project(tmp_path, MANIFEST.replace('format = "scale"\n', "")))
