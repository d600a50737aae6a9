"""The documents of a graded Report: the HTML page is self-contained like the label report's (charts inline, no
script, nothing fetched), every table and chart of the Markdown report is there, and user text stays text."""

from __future__ import annotations

import html
from pathlib import Path

import pytest

import labeleval as le
from labeleval.present import graded_charts
from labeleval.present.graded_text import BALANCE_TITLE, WEIGHTED
from labeleval.report import GradedReport
from tests.helpers.documents import fetches
from tests.helpers.graded_projects import GRADED_SAMPLE, HOSTILE_CRITERION, HOSTILE_VENDORS, hostile_graded_project

#: every section of a graded document, and what the figure drawn under it says (None: a table and a note only)
SECTIONS = {
    "Vendors": None,
    "Comparisons on shared prompts (one max-T family)": "simultaneous interval",
    "Rubric reliability (reviewers' agreement)": "Krippendorff's alpha",
    "Criteria": "adjusted for reviewer severity",
    "Reviewer severity (points; + lenient, - severe)": "blue lenient",
    BALANCE_TITLE: None,
    "Judges and gold reviewers against the panel": None,
    "Writers": "Each writer's share",
}


@pytest.fixture(scope="module")
def graded() -> GradedReport:
    report = le.evaluate(GRADED_SAMPLE, n_boot=200, seed=0)
    assert isinstance(report, GradedReport)
    return report


@pytest.mark.slow
def test_graded_html_is_a_self_contained_document_with_its_charts(graded: GradedReport) -> None:
    page = graded.to_html()
    assert page.startswith("<!doctype html>") and "<title>Vendor comparison: SFT demonstrations" in page
    assert "graded task · 4 criteria · 3 vendors · 600 deliverables · 200 prompts · 8 reviewers" in page
    for heading, caption in SECTIONS.items():
        assert f"<h2>{html.escape(heading)}</h2>" in page, heading
        body = page.split(f"<h2>{html.escape(heading)}</h2>")[1].split("<h2>")[0]
        assert "<table>" in body, heading
        if caption is not None:
            assert "<svg" in body and html.escape(caption) in body, heading
    balance = page.split(f"<h2>{html.escape(BALANCE_TITLE)}</h2>")[1].split("<h2>")[0]
    assert "Reviewers are unbalanced across vendors (Cramer&#x27;s V 0.20)" in balance  # the sample plants it
    assert "could not be drawn" not in page and page.count("<svg") == page.count("</svg>") == 5
    assert fetches(page) == []
    assert len(page) < 400_000
    notebook = graded._repr_html_()  # the same tables, drawn at once
    assert "<svg" not in notebook and notebook.count("<table>") == page.count("<table>")


@pytest.mark.slow
def test_graded_markdown_and_html_carry_the_same_figures(graded: GradedReport) -> None:
    """The criteria, reliability, severity, balance and writers of the frames, in both documents."""
    markdown, page = graded.to_markdown(), graded.to_html()
    for heading in SECTIONS:
        assert f"## {heading}" in markdown, heading
    style = graded.reliability.set_index("criterion").loc["style"]
    alpha = f"{style['alpha']:.3f} \\[{style['alpha_ci_low']:.3f}, {style['alpha_ci_high']:.3f}\\]"
    assert alpha in markdown and alpha.replace("\\", "") in page
    writer = graded.annotators.iloc[0]
    assert f"| {writer['vendor']} | {writer['writer_id']} | {writer['deliverables']} |" in markdown
    lenient = graded.severity.sort_values("severity").iloc[-1]
    assert f"{lenient['severity']:+.2f}" in markdown and f"{lenient['severity']:+.2f}" in page
    assert "Reviewers are unbalanced across vendors" in markdown


@pytest.mark.slow
def test_graded_documents_show_hostile_names_and_text_as_text(tmp_path: Path) -> None:
    report = le.evaluate(hostile_graded_project(tmp_path / "p"), n_boot=100, seed=0)
    page, markdown = report.to_html(), report.to_markdown()
    assert fetches(page) == []
    assert "<img" not in page and "<script" not in page
    for name in HOSTILE_VENDORS.values():
        assert html.escape(name) in page  # in the tables and the charts' text
    assert "![x](" not in markdown and "<img" not in markdown and "<script" not in markdown
    assert HOSTILE_CRITERION not in markdown  # escaped, so that no viewer loads the image


def test_graded_forest_names_each_criterion_in_its_points() -> None:
    assert graded_charts.metric_term("accuracy").name == "accuracy (points, severity-adjusted)"
    assert graded_charts.metric_term(WEIGHTED).name.startswith("Weighted score (0-1")
    assert graded_charts.metric_term(WEIGHTED).unit == graded_charts.metric_term("style").unit == "number"
