"""evaluate() on the sample project and on small hand-checked projects."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import labeleval as le
from labeleval.report import Report
from tests.helpers import oracles
from tests.helpers.paths import ROOT

SUMMARY_COLUMNS = [
    "vendor",
    "n_items",
    "n_judgments",
    "n_annotators",
    "labels_per_item",
    "alpha",
    "alpha_ci_low",
    "alpha_ci_high",
    "gold_items",
    "accuracy",
    "accuracy_ci_low",
    "accuracy_ci_high",
    "consensus_accuracy",
    "total_cost",
    "currency",
    "cost_per_label",
    "usable_rate",
    "cost_per_usable_label",
    "cost_per_usable_label_ci_low",
    "cost_per_usable_label_ci_high",
    "cost_per_correct_item",
]


def test_summary_has_the_design_columns(sample_report: Report) -> None:
    assert set(SUMMARY_COLUMNS) <= set(sample_report.summary.columns)
    assert list(sample_report.summary["vendor"]) == ["Scale", "Surge", "Mercor", "In-house"]


@pytest.mark.slow
def test_summary_numbers_equal_independent_computations(sample_report: Report, sample_project: Path) -> None:
    """Every headline number against a computation that shares no code with the engine: the krippendorff
    package on the dense reliability matrix, and loops written from the definitions (tests/helpers/oracles.py)."""
    import krippendorff

    data = le.load_data(le.load_project(sample_project))
    ann, gold = data.annotations, data.gold
    labels = list(data.project.task.labels)
    for row in sample_report.summary.itertuples(index=False):
        sub = ann[ann["vendor"] == row.vendor]
        dense = sub.pivot_table(index="annotator_id", columns="item_id", values="label", aggfunc="first", observed=True)
        reliability = dense.apply(lambda col: col.map({lab: i for i, lab in enumerate(labels)})).to_numpy(float)
        peer = krippendorff.alpha(reliability_data=reliability, level_of_measurement="nominal")
        assert row.alpha == pytest.approx(peer, abs=1e-9)
        assert row.percent_agreement == pytest.approx(oracles.percent_agreement(sub), abs=1e-12)
        assert row.gwet_ac1 == pytest.approx(oracles.gwet_ac1(sub, labels), abs=1e-12)
        assert row.accuracy == pytest.approx(oracles.accuracy(sub, gold), abs=1e-12)
        assert row.consensus_accuracy == pytest.approx(oracles.majority_accuracy_fractional(sub, gold), abs=1e-12)
        assert row.alpha_ci_low < row.alpha < row.alpha_ci_high
        assert row.accuracy_ci_low < row.accuracy < row.accuracy_ci_high
        assert row.cost_per_usable_label_ci_low < row.cost_per_usable_label < row.cost_per_usable_label_ci_high


def test_sample_vendor_profiles_come_through(sample_report: Report) -> None:
    s = sample_report.summary.set_index("vendor")
    assert s.loc["Mercor", "accuracy"] > s.loc["Surge", "accuracy"] > s.loc["Scale", "accuracy"]
    assert s.loc["Scale", "cost_per_usable_label"] < s.loc["Surge", "cost_per_usable_label"]
    assert s.loc["Surge", "cost_per_usable_label"] < s.loc["Mercor", "cost_per_usable_label"]
    assert s.loc["Scale", "labels_per_item"] == pytest.approx(5, abs=0.01)


@pytest.mark.slow
def test_same_seed_same_report_and_row_order_does_not_matter(tmp_path: Path, sample_project: Path) -> None:
    a = le.evaluate(sample_project, n_boot=100, seed=4)
    b = le.evaluate(sample_project, n_boot=100, seed=4)
    pd.testing.assert_frame_equal(a.summary, b.summary)
    copy = tmp_path / "shuffled"
    shutil.copytree(sample_project, copy)
    tasks = json.loads((copy / "surge_export.json").read_text())  # Surge's export: a list of tasks
    random.Random(3).shuffle(tasks)
    for task in tasks:
        task["responses"].reverse()
    (copy / "surge_export.json").write_text(json.dumps(tasks))
    c = le.evaluate(copy, n_boot=100, seed=4)
    pd.testing.assert_frame_equal(a.summary, c.summary, check_exact=False, rtol=1e-12)


@pytest.mark.slow
def test_ci_shrinks_with_confidence_and_n_boot_zero_gives_point_only(sample_project: Path) -> None:
    wide = le.evaluate(sample_project, n_boot=200, confidence=0.99).summary
    narrow = le.evaluate(sample_project, n_boot=200, confidence=0.8).summary
    assert (
        (wide["accuracy_ci_high"] - wide["accuracy_ci_low"]) > (narrow["accuracy_ci_high"] - narrow["accuracy_ci_low"])
    ).all()
    bare = le.evaluate(sample_project, n_boot=0).summary
    assert bare["accuracy_ci_low"].isna().all()
    np.testing.assert_allclose(bare["accuracy"], wide["accuracy"])


def test_bad_options_raise_clear_errors(sample_project: Path) -> None:
    with pytest.raises(le.LabelevalError, match="n_boot"):
        le.evaluate(sample_project, n_boot=-1)
    with pytest.raises(le.LabelevalError, match="confidence"):
        le.evaluate(sample_project, confidence=95)
    with pytest.raises(le.LabelevalError, match="usability"):
        le.evaluate(sample_project, usability="vibes")
    with pytest.raises(le.LabelevalError, match="expected a Project"):
        le.evaluate(42)


@pytest.mark.slow
def test_consensus_usability_rules(sample_project: Path) -> None:
    gold_rule = le.evaluate(sample_project, n_boot=50).summary.set_index("vendor")
    cons = le.evaluate(sample_project, n_boot=50, usability="consensus", min_confidence=0.8).summary.set_index("vendor")
    either = le.evaluate(sample_project, n_boot=50, usability="gold_or_consensus").summary.set_index("vendor")
    for s in (cons, either):
        assert s["usable_rate"].between(0.5, 1).all()
        assert (s["usable_rate"] != gold_rule["usable_rate"]).any()
    assert cons.loc["Mercor", "usable_rate"] > cons.loc["Scale", "usable_rate"]


def test_comparisons_are_paired_and_adjusted(sample_report: Report) -> None:
    c = sample_report.comparisons
    assert len(c) == 6 * 4  # 6 pairs x 4 metrics (usable rate equals accuracy under the gold rule)
    tested = c[c["p_adjusted"].notna()]
    assert (tested["p_adjusted"] >= tested["p_value"] - 1e-15).all()
    # significant exactly when the simultaneous interval excludes 0
    assert (tested["significant"] == ((tested["ci_low"] > 0) | (tested["ci_high"] < 0))).all()
    assert set(c["family"]) == {"decision", "agreement"}
    acc = c[(c.metric == "accuracy") & (c.vendor_a == "Scale") & (c.vendor_b == "Mercor")].iloc[0]
    assert acc["ci_high"] < 0 and acc["significant"]


def test_exports_round_trip(tmp_path: Path, sample_report: Report) -> None:
    data = json.loads(sample_report.to_json())
    assert set(data) == {"settings", *Report.frame_names()}
    assert data["summary"][0]["vendor"] == "Scale"
    assert data["settings"]["n_boot"] == 300 and data["settings"]["seed"] == 1
    written = sample_report.to_csv(tmp_path / "csv")
    assert {p.name for p in written} >= {"summary.csv", "ledger.csv", "quarantine.csv", "settings.json"}
    back = pd.read_csv(tmp_path / "csv" / "summary.csv")
    np.testing.assert_allclose(back["accuracy"], sample_report.summary["accuracy"])
    md = sample_report.to_markdown()
    assert "## Leaderboard" in md and "| Vendor |" in md
    page = sample_report.to_html()
    assert page.startswith("<!doctype html>") and "<script" not in page and "Mercor" in page


def test_ledger_reconciles_and_lists_planted_dirt(sample_report: Report) -> None:
    ledger = sample_report.ledger
    assert (ledger.rows_read == ledger.kept + ledger.quarantined).all()
    reasons = set(sample_report.quarantine["reason"])
    assert {
        "UNKNOWN_LABEL",
        "DUPLICATE_JUDGMENT",
        "MALFORMED_RECORD",
        "BAD_TIMESTAMP",
        "NEGATIVE_DURATION",
        "NO_ANSWER",  # Surge responses without an answer
        "CANCELLED",  # cancelled Scale tasks and skipped Label Studio annotations, set aside by the readers
        "REVIEW_ANNOTATION",  # a reviewer's ground-truth annotation is not the vendor's judgment
    } <= reasons


def test_annotators_frame(sample_report: Report) -> None:
    a = sample_report.annotators
    assert a.groupby("vendor").size().to_dict() == {"Mercor": 12, "Scale": 150, "Surge": 30, "In-house": 10}
    assert a["n_judgments"].sum() == sample_report.summary["n_judgments"].sum()
    assert ((a["gold_accuracy_ci_low"] <= a["gold_accuracy"]) | a["gold_accuracy"].isna()).all()


def test_per_class_matches_scikit_learn(sample_report: Report, sample_project: Path) -> None:
    from sklearn.metrics import precision_recall_fscore_support

    data = le.load_data(le.load_project(sample_project))
    ann = data.annotations
    sub = ann[(ann.vendor == "Surge") & ann.item_id.isin(data.gold.index)]
    truth = data.gold.reindex(sub.item_id).astype(str).to_numpy()
    labels = list(data.project.task.labels)
    p, r, f, s = precision_recall_fscore_support(truth, sub.label.astype(str), labels=labels, zero_division=np.nan)
    ours = sample_report.per_class[sample_report.per_class.vendor == "Surge"]
    np.testing.assert_allclose(ours["precision"], p)
    np.testing.assert_allclose(ours["recall"], r)
    np.testing.assert_allclose(ours["f1"], f)
    np.testing.assert_array_equal(ours["support"], s)


@pytest.mark.slow
def test_consensus_method_option(sample_project: Path) -> None:
    mv = le.evaluate(sample_project, n_boot=50).summary
    ds = le.evaluate(sample_project, n_boot=50, consensus="dawid_skene").summary
    np.testing.assert_allclose(mv["consensus_accuracy"], mv["consensus_accuracy_mv"])
    np.testing.assert_allclose(ds["consensus_accuracy"], ds["consensus_accuracy_ds"])
    np.testing.assert_allclose(mv["consensus_accuracy_ds"], ds["consensus_accuracy_ds"])
    abstain = le.evaluate(sample_project, n_boot=50, tie="abstain").summary  # ties counted as not correct
    assert (ds["consensus_accuracy_ds"] >= abstain["consensus_accuracy_mv"]).all()  # DS helps on this data
    with pytest.raises(le.LabelevalError, match="consensus must be one of"):
        le.evaluate(sample_project, consensus="vibes")


@pytest.mark.slow
def test_ds_consensus_per_vendor_equals_an_independent_em(sample_project: Path) -> None:
    """Per-vendor Dawid-Skene consensus accuracy against a loop-style EM (tests/helpers/oracles.py)."""
    data = le.load_data(le.load_project(sample_project))
    ann, gold = data.annotations, data.gold
    labels = list(data.project.task.labels)
    report = le.evaluate(sample_project, n_boot=0, consensus="dawid_skene")
    for row in report.summary.itertuples(index=False):
        sub = ann[ann["vendor"] == row.vendor]
        consensus = oracles.dawid_skene_labels(sub, labels)
        truth = gold.astype(str)
        scored = [i for i in consensus if i in truth.index]
        expected = np.mean([consensus[i] == truth[i] for i in scored])
        assert row.consensus_accuracy_ds == pytest.approx(expected, abs=1e-12)


@pytest.mark.slow
def test_pooled_dawid_skene_reference(sample_project: Path) -> None:
    mv = le.evaluate(sample_project, n_boot=0, usability="consensus", min_confidence=0.9).summary
    ds = le.evaluate(
        sample_project, n_boot=0, usability="consensus", min_confidence=0.9, consensus="dawid_skene"
    ).summary
    assert (mv["usable_rate"] != ds["usable_rate"]).any()
    assert ds["usable_rate"].between(0.6, 1.0).all()


def test_the_public_names_are_one_table() -> None:
    """``__all__`` is the PUBLIC table (plus ``__version__``); the names shown to type checkers under
    ``TYPE_CHECKING`` are the same names, each imported from the module the table says."""
    import ast

    import labeleval

    assert labeleval.__all__ == ["__version__", *sorted(labeleval.PUBLIC)]
    tree = ast.parse(Path(labeleval.__file__).read_text(encoding="utf-8"))
    typing_block = next(n for n in tree.body if isinstance(n, ast.If) and "TYPE_CHECKING" in ast.unparse(n.test))
    shown = {
        alias.name: node.module
        for node in typing_block.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    assert shown == labeleval.PUBLIC
    for name, module in labeleval.PUBLIC.items():
        assert getattr(labeleval, name).__module__ == module, name


@pytest.mark.slow
def test_a_graded_project_evaluates_to_a_graded_report_with_its_exports(tmp_path: Path) -> None:
    """``evaluate`` on graded written work: a Report (every caller typed for one keeps working) with the graded
    frames beside the shared ones, and the exports, documents and repr of any Report."""
    report = le.evaluate(ROOT / "sample_data" / "graded_writing", n_boot=100)
    assert isinstance(report, le.GradedReport) and isinstance(report, le.Report)
    assert list(report.summary["vendor"]) == ["Scale", "Surge", "Mercor"]
    assert set(report.reliability["criterion"]) == {"accuracy", "instruction_following", "style", "safety"}
    assert {"criteria", "reliability", "severity", "reviewer_balance", "judges", "judge_reviewers"} <= set(
        report.frame_names()
    )
    written = report.to_csv(tmp_path / "csv")
    assert any(p.name.startswith("reliability") for p in written)
    assert '"reliability"' in report.to_json()
    assert "Rubric reliability" in report.to_markdown() and "<table>" in report.to_html()
    assert "Scale" in repr(report)
    with pytest.raises(le.LabelevalError, match="graded task has no gold labels"):
        report.plan()


@pytest.mark.parametrize("asked", [{"by": "lang"}, {"over": "day"}])
def test_slices_and_windows_of_a_graded_task_are_refused_with_the_reason(asked: dict[str, str]) -> None:
    with pytest.raises(le.LabelevalError, match=f"{next(iter(asked))}=.*for labelling tasks"):
        le.evaluate(ROOT / "sample_data" / "graded_writing", n_boot=0, **asked)  # type: ignore[arg-type]


def test_frames_of_a_graded_task_point_to_the_project_folder() -> None:
    frame = pd.DataFrame({"vendor": ["A"], "item_id": ["p1"], "annotator_id": ["w1"], "label": ["x"]})
    with pytest.raises(le.LabelevalError, match=r"a graded task .* is read from a project folder"):
        le.evaluate(frame, task={"kind": "graded"}, pricing={"model": "per_item", "rate": 1.0})
