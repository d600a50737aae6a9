"""A Report in a notebook: a few lines of repr, and an HTML view of the leaderboard and verdict."""

from __future__ import annotations

import dataclasses

from labeleval.report import Report


def test_the_repr_is_a_few_lines_naming_the_project_and_each_vendor(sample_report: Report) -> None:
    text = repr(sample_report)
    lines = text.splitlines()
    assert len(lines) == len(sample_report.summary) + 3
    assert lines[0].startswith("<labeleval Report: Content safety triage (nominal, 4 labels) · 4 vendors")
    assert "content_safety" in lines[0]
    for line, vendor in zip(lines[2:], sample_report.summary["vendor"], strict=False):
        assert line.strip().startswith(vendor)
    assert "Accuracy on gold" in lines[1] and "Cost per usable label" in lines[1]
    assert len(text) < 1500


def test_the_html_view_shows_the_leaderboard_and_verdict_escaped(sample_report: Report) -> None:
    summary = sample_report.summary.copy()
    summary.loc[0, "vendor"] = "<script>alert(1)</script>"
    hostile = dataclasses.replace(sample_report, summary=summary)
    view = hostile._repr_html_()
    assert "<script>" not in view and "&lt;script&gt;alert(1)&lt;/script&gt;" in view
    assert "<table>" in view and "Cost per usable label" in view and "<li>" in view
    assert view.count("<tr>") == len(summary) + 1
