"""The manifest of a graded task: criteria, acceptance, reviews, and clear errors naming the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from labeleval.errors import ManifestError
from labeleval.options import AcceptanceRule, CriterionScale
from labeleval.project.manifest import load_project

HEAD = """[task]
name = "t"
kind = "graded"
"""
CRITERIA = """[[criteria]]
name = "accuracy"
scale = "points"
points = [1, 7]
weight = 2
[[criteria]]
name = "safety"
"""
REST = """[reviews]
path = "r.csv"
[[vendors]]
name = "A"
path = "a.csv"
pricing = { model = "per_item", rate = 10 }
"""


def _load(tmp_path: Path, text: str) -> object:
    (tmp_path / "labeleval.toml").write_text(text, encoding="utf-8")
    for name in ("r.csv", "a.csv", "g.csv"):
        (tmp_path / name).write_text("x\n1\n", encoding="utf-8")
    return load_project(tmp_path)


def test_a_graded_manifest_is_parsed(tmp_path: Path) -> None:
    project = _load(tmp_path, HEAD + CRITERIA + '[acceptance]\nrule = "weighted_score"\nmin_score = 0.8\n' + REST)
    assert project.graded  # type: ignore[attr-defined]
    accuracy, safety = project.criteria  # type: ignore[attr-defined]
    assert (accuracy.scale, accuracy.low, accuracy.high, accuracy.pass_at, accuracy.weight) == (
        CriterionScale.POINTS, 1, 7, 4.0, 2.0
    )  # fmt: skip
    assert (safety.scale, safety.low, safety.high) == (CriterionScale.PASS_FAIL, 0, 1)
    assert project.acceptance.rule == AcceptanceRule.WEIGHTED_SCORE and project.acceptance.min_score == 0.8  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (HEAD + REST, r"labeleval\.toml: a graded task needs at least one \[\[criteria\]\]"),
        (
            HEAD + CRITERIA.replace('"points"', '"stars"') + REST,
            r"line 6: \[\[criteria\]\] 'accuracy'\.scale must be one of 'pass_fail', 'points'",
        ),
        (HEAD + CRITERIA.replace("[1, 7]", "[5, 1]") + REST, r"line 7: .*points must be \[lowest, highest\]"),
        (HEAD + CRITERIA + "pass_at = 1\n" + REST, r"line 11: .*'safety'\.pass_at applies to scale = 'points'"),
        (HEAD + CRITERIA + "[acceptance]\nmin_score = 0.5\n" + REST, r"line 12: \[acceptance\]\.min_score applies to"),
        (HEAD + CRITERIA + REST.replace('[reviews]\npath = "r.csv"\n', ""), r"a graded task needs a \[reviews\] table"),
        (HEAD + CRITERIA + '[gold]\npath = "g.csv"\n' + REST, r"line 11: \[gold\] does not apply to a graded task"),
        (HEAD + 'labels = ["a", "b"]\n' + CRITERIA + REST, r"line 4: \[task\]\.labels is not used by kind = 'graded'"),
        (HEAD + CRITERIA + CRITERIA.replace('"accuracy"', '"Safety"') + REST, r"\[\[criteria\]\] names 'Safety' and"),
        (
            '[task]\nkind = "nominal"\nlabels = ["a", "b"]\n' + CRITERIA + REST,
            r"line 4: \[criteria\] belongs to graded tasks",
        ),
    ],
)
def test_mistakes_name_the_line_and_what_is_allowed(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ManifestError, match=message):
        _load(tmp_path, text)
