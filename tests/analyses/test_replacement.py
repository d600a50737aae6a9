"""``Report.replacement``: the alternative annotator test on a project's vendors, every kind with a match rule."""

from __future__ import annotations

import math
import pickle
from dataclasses import fields
from pathlib import Path

import numpy as np
import pytest

import labeleval as le
from labeleval.analyses.replacement import FAILS, NOT_YET, PASSES, agreement_credit, epsilon_from_costs
from labeleval.errors import LabelevalError
from labeleval.inference.stats import benjamini_yekutieli
from labeleval.options import TaskKind
from labeleval.project.schema import TaskSpec
from labeleval.samples.llm_judge import generate_llm_judge
from labeleval.scoring.kinds import kind_for
from labeleval.tuning import ALT_EPSILON_MAX, ALT_EPSILON_UNKNOWN_COST, ALT_MIN_ITEMS
from tests.helpers.paths import ROOT
from tests.helpers.replacement_projects import SETS, write_replacement_project


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> le.Report:
    return le.evaluate(write_replacement_project(tmp_path_factory.mktemp("panel"), n_items=150), n_boot=0)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["nominal", "pairwise", "ordinal", "interval", "multilabel"])
def test_every_kind_with_a_match_rule(tmp_path: Path, kind: str) -> None:
    good = le.evaluate(write_replacement_project(tmp_path / "good", kind=kind, model_accuracy=0.85), n_boot=0)
    bad = le.evaluate(write_replacement_project(tmp_path / "bad", kind=kind, model_accuracy=0.2), n_boot=0)
    assert good.replacement(candidate="Model", incumbent="Panel").decision["decision"].item() == PASSES
    assert bad.replacement(candidate="Model", incumbent="Panel").decision["decision"].item() == FAILS


def test_the_result_is_tidy_and_consistent(report: le.Report) -> None:
    result = report.replacement(candidate="Model", incumbent="Panel", epsilon=0.1)
    row = result.decision.iloc[0]
    tested = result.annotators[result.annotators["tested"]]
    assert row["annotators_tested"] == len(tested) == 4
    assert row["winning_rate"] == pytest.approx(tested["candidate_wins"].mean())
    assert row["items"] == 150 and row["gold_items"] == 150
    assert row["epsilon"] == 0.1 and result.settings["epsilon_source"] == "given"
    assert (result.annotators["p_adjusted"] >= result.annotators["p_value"]).all()
    assert row["candidate_accuracy"] - row["incumbent_accuracy"] == pytest.approx(row["accuracy_difference"])


def test_epsilon_from_the_cost_per_usable_label(report: le.Report) -> None:
    result = report.replacement(candidate="Model", incumbent="Panel")
    costs = report.summary.set_index("vendor")["cost_per_usable_label"]
    saved = 1 - costs["Model"] / costs["Panel"]
    assert result.settings["epsilon"] == pytest.approx(ALT_EPSILON_MAX * saved)
    assert epsilon_from_costs(0.5, 0.25)[0] == 0.0  # dearer than the incumbent: no handicap
    assert epsilon_from_costs(0.0, 0.25)[0] == ALT_EPSILON_MAX
    assert epsilon_from_costs(math.nan, 0.25)[0] == ALT_EPSILON_UNKNOWN_COST


def test_slices_are_one_family(report: le.Report) -> None:
    result = report.replacement(candidate="Model", incumbent="Panel", by="region")
    assert sorted(result.decision["slice"]) == ["north", "south"]
    assert len(result.annotators) == 8
    # Benjamini-Yekutieli over the eight rows at once
    assert result.annotators["p_adjusted"].to_numpy() == pytest.approx(
        benjamini_yekutieli(result.annotators["p_value"].to_numpy())
    )


def test_cannot_tell_yet_says_what_is_missing(tmp_path: Path) -> None:
    two = le.evaluate(write_replacement_project(tmp_path / "two", n_humans=2), n_boot=0)
    row = two.replacement(candidate="Model", incumbent="Panel").decision.iloc[0]
    # one more annotator, who needs the minimum of shared items
    assert row["decision"] == NOT_YET and row["annotators_needed"] == 1 and row["items_needed"] == ALT_MIN_ITEMS
    few = le.evaluate(write_replacement_project(tmp_path / "few", n_items=20), n_boot=0)
    row = few.replacement(candidate="Model", incumbent="Panel").decision.iloc[0]
    assert row["decision"] == NOT_YET and row["items_needed"] == ALT_MIN_ITEMS - 20 and row["annotators_needed"] == 0
    assert np.isnan(row["winning_rate"])


def test_bad_requests_are_clear_errors(report: le.Report) -> None:
    with pytest.raises(LabelevalError, match="no vendor named 'Nobody'"):
        report.replacement(candidate="Nobody", incumbent="Panel")
    with pytest.raises(LabelevalError, match="same vendor"):
        report.replacement(candidate="Panel", incumbent="Panel")
    with pytest.raises(LabelevalError, match="epsilon"):
        report.replacement(candidate="Model", incumbent="Panel", epsilon=1.5)


def test_the_judgments_stay_out_of_pickles(report: le.Report) -> None:
    restored = pickle.loads(pickle.dumps(report))
    assert set(restored.__dict__) == {f.name for f in fields(report)}
    with pytest.raises(LabelevalError, match="does not carry its judgments"):
        restored.replacement(candidate="Model", incumbent="Panel")


def test_the_bundled_model_judge_sample(tmp_path: Path) -> None:
    bundled = ROOT / "sample_data" / "llm_judge"
    fresh = generate_llm_judge(tmp_path / "llm_judge").parent
    names = sorted(p.relative_to(bundled) for p in bundled.rglob("*") if p.is_file())
    assert names == sorted(p.relative_to(fresh) for p in fresh.rglob("*") if p.is_file())
    for name in names:
        assert (bundled / name).read_bytes() == (fresh / name).read_bytes(), name
    report = le.evaluate(bundled, n_boot=0)
    large = report.replacement(candidate="Judge-Large", incumbent="Panel").decision.iloc[0]
    small = report.replacement(candidate="Judge-Small", incumbent="Panel").decision.iloc[0]
    assert large["decision"] == PASSES and small["decision"] == FAILS
    assert large["annotators_tested"] == 5 and large["items"] == 360


def test_multilabel_agreement_is_graded_jaccard() -> None:
    kind = kind_for(TaskSpec("t", kind=TaskKind.MULTILABEL, labels=("spam", "abuse", "adult")), SETS[:1] + SETS[3:5])
    credit = np.asarray(agreement_credit(kind))
    # {spam} against {spam, abuse}: 1/2; {spam, abuse} against {spam, adult}: 1/3
    assert credit[0, 1] == pytest.approx(0.5) and credit[1, 2] == pytest.approx(1 / 3) and credit[0, 0] == 1
    nominal = kind_for(TaskSpec("t", labels=("a", "b")), ("a", "b"))
    assert agreement_credit(nominal) is nominal.hit


@pytest.mark.slow
def test_suspect_gold_left_out_of_the_scoring_is_left_out_here_too() -> None:
    pilot = ROOT / "sample_data" / "ticket_pilot"
    report = le.evaluate(pilot, n_boot=0, exclude_suspect_gold=True)
    excluded = report.settings["gold_audit"]["excluded_gold"]
    row = report.replacement(candidate="Atlas", incumbent="Bravo").decision.iloc[0]
    assert excluded and row["gold_items"] == 360 - len(excluded)
    looks = report.sequential().sequences
    assert looks.query("what == 'accuracy'")["gold_items"].max() == 360 - len(excluded)
