"""The Overview of a graded task (written work scored by reviewers against a rubric): the verdict, the vendors,
the paired comparisons, the rubric's reliability, the criteria, the reviewers' severity and the writers."""

from __future__ import annotations

import streamlit as st

from labeleval import fmt
from labeleval.present.graded_text import graded_verdict, method_line, sections
from labeleval.report import GradedReport
from labeleval.safety import markdown_text
from labeleval.ui.screens._common import dataframe


def graded_overview(report: GradedReport) -> None:
    """Draw the graded Report: every figure comes from ``evaluate()``."""
    st.title("Which vendor's written work is accepted most, for the money?")
    st.caption(markdown_text(f"{report.settings.get('task')} · {method_line(report.settings)}"))
    st.markdown(
        "\n".join(f"- {markdown_text(sentence)}" for sentence in graded_verdict(report.frames(), report.settings))
    )
    for k, (title, frame) in enumerate(sections(report.frames(), report.settings)):
        st.subheader(title)
        dataframe(frame, hide_index=True, width="stretch", key=f"graded_section_{k}")
    st.subheader("Writers")
    writers = report.annotators
    shown = writers.assign(
        acceptance=[
            fmt.ci(v, lo, hi, "pct")
            for v, lo, hi in writers[
                ["acceptance_rate", "acceptance_rate_ci_low", "acceptance_rate_ci_high"]
            ].to_numpy()
        ]
    )[["vendor", "writer_id", "deliverables", "scored", "accepted", "acceptance"]]
    shown.columns = ["Vendor", "Writer", "Deliverables", "Scored", "Accepted", "Acceptance [CI]"]
    dataframe(shown, hide_index=True, width="stretch", key="graded_writers")
