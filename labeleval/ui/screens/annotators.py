"""The Annotators page: volume against accuracy, low performers, report cards."""

from __future__ import annotations

import streamlit as st

from labeleval.present import charts, glossary
from labeleval.report import GradedReport
from labeleval.safety import spreadsheet_frame
from labeleval.ui.screens._common import header, table
from labeleval.ui.screens._graded_pages import graded_annotators
from labeleval.ui.state import current_report


def annotators() -> None:
    report = current_report(graded_ok=True)
    if report is None:
        return
    if isinstance(report, GradedReport):
        graded_annotators(report)
        return
    header(report, "Annotators")
    settings = report.settings
    a = report.annotators
    vendors = report.summary["vendor"].astype(str).tolist()
    chosen = st.multiselect("Vendors", vendors, default=vendors, key="annotator_vendors")
    shown = a[a["vendor"].isin(chosen)]
    flagged = shown[shown["low_performer"].astype(bool)]
    accuracy_title = glossary.annotator_accuracy_name(settings)
    st.markdown(
        f"**{len(flagged)} low performer{'' if len(flagged) == 1 else 's'}** (black outline): gold accuracy "
        "clearly below their vendor's, a "
        f"Dawid-Skene accuracy far below their peers', mostly too-fast judgments, or a skewed label mix. "
        f"Each comes with its reason."
    )
    st.altair_chart(charts.annotator_scatter(shown, vendors, accuracy_title), width="stretch", key="annotator_chart")
    if len(flagged):
        table(flagged[["vendor", "annotator_id", "n_judgments", "flag_reason"]], key="low_performer_table")
        st.download_button(
            "Download low performers (CSV)",
            # for people (the vendor's account manager): display names and units; the CSV export keeps the columns
            spreadsheet_frame(
                glossary.display_frame(
                    flagged.drop(columns=["low_performer"]), terms=glossary.annotator_terms(settings)
                )
            ).to_csv(index=False),
            "low_performers.csv",
            "text/csv",
            key="download_low_performers",
            on_click="ignore",
        )
    st.subheader("Report cards")
    table(
        shown.drop(columns=["low_performer"]),
        key="annotator_table",
        label_column="annotator_id",
        terms=glossary.annotator_terms(settings),
    )
