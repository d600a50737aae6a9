"""The Annotators page: volume against accuracy, low performers, report cards."""

from __future__ import annotations

import streamlit as st

from labeleval.safety import spreadsheet_frame
from labeleval.ui import charts
from labeleval.ui.pages._common import header
from labeleval.ui.state import current_report


def annotators() -> None:
    report = current_report()
    if report is None:
        return
    header(report, "Annotators")
    a = report.annotators
    vendors = report.summary["vendor"].astype(str).tolist()
    chosen = st.multiselect("Vendors", vendors, default=vendors, key="annotator_vendors")
    shown = a[a["vendor"].isin(chosen)]
    flagged = shown[shown["low_performer"]]
    st.markdown(
        f"**{len(flagged)} low performers** (red outline): gold accuracy clearly below their vendor's, a "
        f"Dawid-Skene accuracy far below their peers', mostly too-fast judgments, or a skewed label mix. "
        f"Each comes with its reason."
    )
    st.altair_chart(charts.annotator_scatter(shown, vendors), width="stretch", key="annotator_chart")
    if len(flagged):
        st.dataframe(
            flagged[["vendor", "annotator_id", "n_judgments", "flag_reason"]],
            hide_index=True,
            width="stretch",
            key="low_performer_table",
        )
        st.download_button(
            "Download low performers (CSV)",
            spreadsheet_frame(flagged).to_csv(index=False),
            "low_performers.csv",
            "text/csv",
            key="download_low_performers",
        )
    st.subheader("Report cards")
    percent = (
        "gold_accuracy",
        "gold_accuracy_ci_low",
        "gold_accuracy_ci_high",
        "agreement_with_peers",
        "ds_accuracy",
        "too_fast_share",
        "label_skew",
    )
    config = {c: st.column_config.NumberColumn(format="percent") for c in percent}
    config["median_seconds"] = st.column_config.NumberColumn(format="%.1f")
    st.dataframe(shown, hide_index=True, width="stretch", key="annotator_table", column_config=config)
