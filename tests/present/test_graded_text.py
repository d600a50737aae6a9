"""A graded Report's words: sentences only from significant tests, the excluded criteria and the balance check."""

from __future__ import annotations

import pandas as pd

from labeleval.present.graded_text import graded_markdown, graded_text, graded_verdict

SETTINGS = {"confidence": 0.95, "reviewers_unbalanced": False, "task": "t<script>", "acceptance_rule": "all_pass"}


def _frames(significant: list[bool], reliable: list[bool]) -> dict[str, pd.DataFrame]:
    n = len(significant)
    comparisons = pd.DataFrame(
        {
            "vendor_a": ["A"] * n,
            "vendor_b": ["B"] * n,
            "metric": ["accuracy", "weighted score"][:n],
            "shared_prompts": [200] * n,
            "difference": [-0.4, 0.05][:n],
            "raw_difference": [0.1, 0.0][:n],
            "se": [0.1, 0.01][:n],
            "df": [40.0, 40.0][:n],
            "ci_low": [-0.7, 0.01][:n],
            "ci_high": [-0.1, 0.09][:n],
            "p_adjusted": [0.001, 0.2][:n],
            "significant": significant,
            "family_size": [n] * n,
        }
    )
    reliability = pd.DataFrame(
        {
            "criterion": ["accuracy", "style"][: len(reliable)],
            "level": "ordinal",
            "alpha": [0.8, 0.1][: len(reliable)],
            "alpha_ci_low": [0.7, 0.0][: len(reliable)],
            "alpha_ci_high": [0.9, 0.2][: len(reliable)],
            "deliverables": 600,
            "reliable": reliable,
            "reason": ["", "the reviewers agree too little on it"][: len(reliable)],
        }
    )
    summary = pd.DataFrame({"vendor": ["A", "B"], "severity_exposure": [0.05, -0.01]})
    return {"comparisons": comparisons, "reliability": reliability, "summary": summary}


def test_only_significant_tests_make_sentences_and_the_better_vendor_leads() -> None:
    lines = graded_verdict(_frames([True, False], [True, True]), SETTINGS)
    assert len(lines) == 1
    assert lines[0].startswith("B scores higher than A on accuracy") and "0.40 points" in lines[0]
    assert "0.10 to 0.70" in lines[0]


def test_nothing_significant_says_so_and_excluded_criteria_and_imbalance_are_named() -> None:
    lines = graded_verdict(_frames([False, False], [True, False]), {**SETTINGS, "reviewers_unbalanced": True})
    assert lines[0].startswith("No vendor pair differs")
    assert any(line.startswith("Criterion 'style' is not in the verdict") for line in lines)
    assert any("Reviewers are unbalanced" in line and "A's raw weighted score is +0.050" in line for line in lines)


def test_documents_escape_the_task_name() -> None:
    frames = _frames([True, False], [True, True])
    frames["ledger"] = pd.DataFrame({"rows_read": [10], "kept": [9], "quarantined": [1]})
    text = graded_text(_full(frames) | {"summary": pd.DataFrame()}, SETTINGS, lambda f: "TABLE")
    assert "Rows: 10 read = 9 kept + 1 quarantined" in text
    assert "<script>" not in graded_markdown(_full(frames), SETTINGS)


def _full(frames: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The frames the document's tables read, empty where the test does not need them."""
    criteria = pd.DataFrame(
        columns=[
            "vendor",
            "criterion",
            "scores",
            "mean_score",
            "mean_score_ci_low",
            "mean_score_ci_high",
            "adjusted_score",
            "adjusted_score_ci_low",
            "adjusted_score_ci_high",
            "pass_rate",
            "pass_rate_ci_low",
            "pass_rate_ci_high",
            "reliable",
        ]
    )
    summary = pd.DataFrame(
        columns=[
            "vendor",
            "deliverables",
            "acceptance_rate",
            "acceptance_rate_ci_low",
            "acceptance_rate_ci_high",
            "raw_acceptance_rate",
            "weighted_score",
            "weighted_score_ci_low",
            "weighted_score_ci_high",
            "raw_weighted_score",
            "cost_per_accepted",
            "cost_per_accepted_ci_low",
            "cost_per_accepted_ci_high",
            "total_cost",
            "severity_exposure",
        ]
    )
    severity = pd.DataFrame({"reviewer": ["r1"], "criterion": ["accuracy"], "scores": [3], "severity": [0.2]})
    balance = pd.DataFrame(columns=["reviewer", "vendor", "scores", "share_of_vendor"])
    writers = pd.DataFrame(
        columns=[
            "vendor",
            "writer_id",
            "deliverables",
            "scored",
            "accepted",
            "weighted_score",
            "acceptance_rate",
            "acceptance_rate_ci_low",
            "acceptance_rate_ci_high",
        ]
    )
    return frames | {
        "criteria": criteria,
        "summary": summary,
        "severity": severity,
        "reviewer_balance": balance,
        "annotators": writers,
    }


def test_each_judge_gets_the_replacement_tests_sentence() -> None:
    judges = pd.DataFrame(
        {
            "reviewer": ["llm", "llm", "llm", "llm", "expert"],
            "role": ["judge", "judge", "judge", "judge", "gold"],
            "criterion": ["accuracy", "style", "safety", "tone", "accuracy"],
            "epsilon": [0.1, 0.1, 0.1, 0.1, float("nan")],
            "reviewers_tested": [8.0, 8.0, 8.0, 2.0, float("nan")],
            "reviewers_won": [6.0, 8.0, 1.0, 2.0, float("nan")],
            "replacement": ["can replace", "can replace", "cannot replace", "cannot tell yet", ""],
            "stands_in": [True, False, False, False, False],
        }
    )
    lines = graded_verdict({**_frames([False], [True]), "judges": judges}, SETTINGS)
    about = [line for line in lines if line.startswith("Judge")]
    assert len(about) == 4  # the gold reviewer is compared with the panel, not tested for replacing it
    assert about[0].startswith("Judge llm can stand in for the reviewers on 'accuracy'") and "6 of the 8" in about[0]
    assert "do not agree on it" in about[1]
    assert about[2].startswith("Judge llm cannot stand in") and "1 of the 8" in about[2]
    assert "too few reviewers" in about[3]
