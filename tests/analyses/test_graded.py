"""The graded-work statistics: severity against an alternating-least-squares fit, the crossed variance against a
naive double sum, invariance to row order and renaming, and the planted confound."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import labeleval as le
from labeleval.analyses.graded import rate_interval, score_graded
from labeleval.inference.stats import wilson_interval
from labeleval.io.graded import read_graded
from labeleval.project.manifest import load_project
from labeleval.report import GradedReport
from labeleval.samples.graded import (
    SAMPLE_DESIGN,
    GradedDesign,
    SimCriterion,
    SimJudge,
    generate_graded_writing,
    simulate_graded,
)


def _frames(folder: Path, deliverables: pd.DataFrame, reviews: pd.DataFrame) -> GradedReport:
    text = (folder / "labeleval.toml").read_text(encoding="utf-8")
    for vendor, rows in deliverables.groupby("vendor", sort=False):
        rows.drop(columns="vendor").to_csv(folder / f"{vendor}.csv", index=False)
    reviews.to_csv(folder / "reviews.csv", index=False)
    (folder / "labeleval.toml").write_text(text, encoding="utf-8")
    report = le.evaluate(folder, n_boot=0)
    assert isinstance(report, GradedReport)
    return report


MANIFEST = """[task]
name = "t"
kind = "graded"
[[criteria]]
name = "accuracy"
scale = "points"
points = [1, 5]
pass_at = 4
[[criteria]]
name = "safety"
scale = "pass_fail"
[reviews]
path = "reviews.csv"
[[vendors]]
name = "A"
path = "A.csv"
pricing = { model = "per_item", rate = 10 }
[[vendors]]
name = "B"
path = "B.csv"
pricing = { model = "per_item", rate = 10 }
"""

CONFOUND = GradedDesign(
    vendors={"A": (3.4, 3.9), "B": (3.6, 4.0)},
    criteria=(SimCriterion("accuracy", 5, 0.3), SimCriterion("safety", 1, 0.2)),
    severity=(1.0, -0.3, -0.2, -0.2, 0.9, -0.4, 0.0, -0.3),
    tilt={"A": 10.0},
    n_prompts=300,
)


def test_lenient_reviewers_on_one_vendor_flip_the_raw_ranking_not_the_adjusted(tmp_path: Path) -> None:
    (tmp_path / "labeleval.toml").write_text(MANIFEST, encoding="utf-8")
    deliverables, reviews = simulate_graded(CONFOUND, np.random.default_rng(7))
    report = _frames(tmp_path, deliverables, reviews)
    c = report.criteria.set_index(["vendor", "criterion"])
    raw = c.loc[("A", "accuracy"), "mean_score"] - c.loc[("B", "accuracy"), "mean_score"]
    adjusted = c.loc[("A", "accuracy"), "adjusted_score"] - c.loc[("B", "accuracy"), "adjusted_score"]
    assert raw > 0 > adjusted  # B is better; A's lenient reviewers make it look better raw
    assert report.settings["reviewers_unbalanced"]
    assert any("unbalanced" in s for s in report.verdict())


@pytest.mark.slow
def test_row_order_and_renaming_do_not_change_the_figures(tmp_path: Path) -> None:
    design = replace(CONFOUND, n_prompts=80)
    deliverables, reviews = simulate_graded(design, np.random.default_rng(8))
    one, two = tmp_path / "one", tmp_path / "two"
    for folder in (one, two):
        folder.mkdir()
        (folder / "labeleval.toml").write_text(MANIFEST, encoding="utf-8")
    first = _frames(one, deliverables, reviews)
    rename = {name: f"zz{k}" for k, name in enumerate(sorted(set(reviews["reviewer_id"]), reverse=True))}
    shuffled = reviews.sample(frac=1.0, random_state=1).assign(reviewer_id=lambda f: f["reviewer_id"].map(rename))
    second = _frames(two, deliverables.sample(frac=1.0, random_state=2), shuffled)
    pd.testing.assert_frame_equal(first.criteria, second.criteria, atol=1e-9, check_exact=False)
    # the adjusted acceptance interval's severity term is a Monte Carlo over the reviewers' severities, drawn in the
    # reviewers' order: renaming them redraws it (200 draws; a few thousandths of the interval at most)
    drawn = ["acceptance_rate_ci_low", "acceptance_rate_ci_high", "acceptance_rate_severity_se"]
    drawn += ["cost_per_accepted_ci_low", "cost_per_accepted_ci_high"]
    exact = [c for c in first.summary.columns if c not in drawn]
    pd.testing.assert_frame_equal(first.summary[exact], second.summary[exact], atol=1e-9, check_exact=False)
    pd.testing.assert_frame_equal(first.summary[drawn[:3]], second.summary[drawn[:3]], atol=2e-3, check_exact=False)


@pytest.mark.slow
def test_the_sample_scores_with_the_unreliable_criterion_kept_out(tmp_path: Path) -> None:
    manifest = generate_graded_writing(tmp_path / "s")
    found = score_graded(read_graded(load_project(manifest)), n_boot=100)
    rel = found.reliability.set_index("criterion")
    assert not rel.loc["style", "reliable"] and rel.drop(index="style")["reliable"].all()
    assert "style" not in set(found.comparisons["metric"])
    assert found.facts["reviewers_unbalanced"]
    assert len(found.summary) == len(SAMPLE_DESIGN.vendors)


def _with_judge(reviews: pd.DataFrame, noise: float, rng: np.random.Generator) -> pd.DataFrame:
    """A judge that scores like one more panel reviewer (a random reviewer's score, with ``noise`` points added)."""
    first = reviews.groupby(["deliverable_id", "criterion"], sort=True).sample(1, random_state=1)
    high = np.where(first["criterion"] == "safety", 1, 5)
    low = np.where(first["criterion"] == "safety", 0, 1)
    score = np.clip(np.round(first["score"].to_numpy() + noise * rng.standard_normal(len(first))), low, high)
    return first.assign(reviewer_id="judge", score=score.astype(int))


@pytest.mark.slow
def test_a_judge_like_a_reviewer_stands_in_and_a_noisy_one_does_not(tmp_path: Path) -> None:
    design = replace(CONFOUND, tilt={}, severity=(0.0,) * 8)
    deliverables, reviews = simulate_graded(design, np.random.default_rng(9))
    verdicts = {}
    for noise in (0.0, 1.5):
        folder = tmp_path / f"n{noise}"
        folder.mkdir()
        text = MANIFEST.replace('path = "reviews.csv"', 'path = "reviews.csv"\njudges = ["judge"]')
        (folder / "labeleval.toml").write_text(text, encoding="utf-8")
        judged = pd.concat([reviews, _with_judge(reviews, noise, np.random.default_rng(3))], ignore_index=True)
        report = le.evaluate(_write(folder, deliverables, judged), n_boot=200)
        assert isinstance(report, GradedReport)
        verdicts[noise] = report.judges.set_index("criterion")["stands_in"]
        assert "judge" not in set(report.severity["reviewer"])  # not part of the panel
    assert verdicts[0.0]["accuracy"] and not verdicts[1.5]["accuracy"]


@pytest.mark.slow
def test_the_replacement_test_lets_a_reviewer_like_judge_stand_in_and_not_a_shifted_one(tmp_path: Path) -> None:
    judges = (SimJudge("like", 0.0, 1.0), SimJudge("shifted", 1.0, 1.0))
    design = replace(CONFOUND, tilt={}, severity=(0.2, -0.2, 0.0, 0.1, -0.1, 0.0, 0.15, -0.15), judges=judges)
    deliverables, reviews = simulate_graded(design, np.random.default_rng(11))
    text = MANIFEST.replace('path = "reviews.csv"', 'path = "reviews.csv"\njudges = ["like", "shifted"]')
    (tmp_path / "labeleval.toml").write_text(text, encoding="utf-8")
    report = le.evaluate(_write(tmp_path, deliverables, reviews), n_boot=0)
    assert isinstance(report, GradedReport)
    found = report.judges.set_index(["reviewer", "criterion"])
    assert found.loc[("like", "accuracy"), "replacement"] == "can replace"
    assert found.loc[("like", "accuracy"), "stands_in"]
    assert found.loc[("shifted", "accuracy"), "replacement"] == "cannot replace"
    assert not found.loc[("shifted", "accuracy"), "stands_in"]
    held_out = report.judge_reviewers
    shifted = held_out[(held_out["judge"] == "shifted") & (held_out["criterion"] == "accuracy")]
    assert set(shifted["reviewer"]) == {f"rev-{k}" for k in range(1, 9)}  # every reviewer held out in turn
    assert (shifted["difference"] > 0.1).all() and not shifted["judge_wins"].any()
    assert (
        found.loc[("like", "accuracy"), "reviewers_won"]
        == held_out[(held_out["judge"] == "like") & (held_out["criterion"] == "accuracy")]["judge_wins"].sum()
    )
    sentences = report.verdict()
    assert any("Judge like can stand in for the reviewers on 'accuracy'" in s for s in sentences)
    assert any("Judge shifted cannot stand in for the reviewers on 'accuracy'" in s for s in sentences)


def _write(folder: Path, deliverables: pd.DataFrame, reviews: pd.DataFrame) -> Path:
    for vendor, rows in deliverables.groupby("vendor", sort=False):
        rows.drop(columns="vendor").to_csv(folder / f"{vendor}.csv", index=False)
    reviews.to_csv(folder / "reviews.csv", index=False)
    return folder


def test_a_rate_interval_is_wilsons_on_the_effective_sample_size() -> None:
    binomial = rate_interval(0.06, 0.06 * 0.94 / 200, 200, 0.95)
    assert np.allclose(binomial, [v[0] for v in wilson_interval(np.array([12.0]), np.array([200.0]), 0.95)])
    clustered = rate_interval(0.06, 2 * 0.06 * 0.94 / 200, 200, 0.95)  # a design effect of 2: 100 deliverables' worth
    assert np.allclose(clustered, [v[0] for v in wilson_interval(np.array([6.0]), np.array([100.0]), 0.95)])
    assert rate_interval(0.06, 1e-9, 200, 0.95) == binomial  # a design effect below 1 is taken as 1
    assert 0.06 - binomial[0] < binomial[1] - 0.06  # longer on the side away from 0
    low, high = rate_interval(0.0, 0.0, 200, 0.95)
    assert low == 0.0 and high > 0.01  # none accepted is not "certainly none"
