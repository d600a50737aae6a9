"""The Comparisons page: the tests behind the verdict, as a forest plot of simultaneous intervals and a table."""

from __future__ import annotations

import streamlit as st

from labeleval.present import charts, glossary, render
from labeleval.report import GradedReport
from labeleval.safety import markdown_text
from labeleval.ui.screens._common import header, table
from labeleval.ui.screens._graded_pages import graded_comparisons
from labeleval.ui.state import current_report

#: the comparison frame's columns the page's table shows (the rest are in the exports)
SHOWN = (
    "vendor_a",
    "vendor_b",
    "metric",
    "estimate_a",
    "estimate_b",
    "difference",
    "ci_low",
    "ci_high",
    "p_adjusted",
    "significant",
    "compared_items",
    "compared_on",
)


def comparisons() -> None:
    report = current_report(graded_ok=True)
    if report is None:
        return
    if isinstance(report, GradedReport):
        graded_comparisons(report)
        return
    header(report, "Which differences are real?")
    frame = report.comparisons
    decision = render.decision_comparisons(frame)
    if decision.empty:
        st.info("One vendor, or no figure two vendors share: there is nothing to compare.")
        return
    multiplicity = str(report.settings.get("multiplicity", ""))
    st.markdown(
        "Every sentence of the verdict comes from these tests: each pair of vendors on accuracy, consensus accuracy "
        "and cost per usable label, on the items both labelled. "
        + markdown_text(
            f"The intervals are simultaneous ({multiplicity}): a pair whose interval leaves out 0 differs beyond "
            "chance, with the chance of any false finding across the whole family held at "
            f"{1 - float(report.settings.get('confidence', 0.95)):.0%}."
        )
    )
    st.altair_chart(
        charts.comparison_forest(decision, str(report.settings.get("currency", "USD"))),
        key="comparisons_forest",
    )
    st.subheader("The tests")
    shown = decision[[c for c in SHOWN if c in decision.columns]].rename(
        columns={"ci_low": "difference_ci_low", "ci_high": "difference_ci_high"}  # shown with the difference
    )
    table(
        shown,
        key="comparisons_table",
        label_column="vendor_a",
        currency=str(report.settings.get("currency", "USD")),
    )
    st.caption(
        markdown_text(
            f"Differences are A minus B; {glossary.metric_name('cost_per_usable_label').lower()} in "
            f"{report.settings.get('currency', 'USD')}, shares in percentage points. A and B are the two vendors' "
            "figures on the items the test is made on ('Compared on': gold items for the accuracies, the items "
            "with a usability reference for the usable rate and the cost per usable label)."
        )
    )
    for line in render.comparison_notes(report):
        st.caption(markdown_text(line))
