"""The Overview of a graded task (written work scored by reviewers against a rubric): the verdict, the vendors,
the paired comparisons, the rubric's reliability, the criteria, the reviewers' severity and the writers."""

from __future__ import annotations

import streamlit as st

from labeleval.present.graded_render import graded_subtitle
from labeleval.present.graded_text import BALANCE_TITLE, balance_note, graded_verdict, method_line, sections
from labeleval.report import GradedReport
from labeleval.safety import markdown_text
from labeleval.ui.screens._common import dataframe


def graded_header(report: GradedReport, title: str) -> None:
    """A graded page's title and the line under it: task, criteria, vendors, deliverables, reviewers."""
    st.title(title)
    st.caption(markdown_text(f"{report.settings.get('task')} · {graded_subtitle(report.frames(), report.settings)}"))


def graded_overview(report: GradedReport) -> None:
    """Draw the graded Report: every figure comes from ``evaluate()``."""
    graded_header(report, "Which vendor's written work is accepted most, for the money?")
    st.markdown(
        "\n".join(f"- {markdown_text(sentence)}" for sentence in graded_verdict(report.frames(), report.settings))
    )
    st.caption(markdown_text(method_line(report.settings)))
    for k, (title, frame) in enumerate(sections(report.frames(), report.settings)):
        st.subheader(title)
        dataframe(frame, hide_index=True, width="stretch", key=f"graded_section_{k}")
        if title == BALANCE_TITLE:
            st.caption(markdown_text(balance_note(report.settings)))
