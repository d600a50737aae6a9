"""The Agreement page: each metric per vendor with CIs, agreement per label and per annotator with intervals, the
kind's own metrics."""

from __future__ import annotations

import streamlit as st

from labeleval.present import agreement_parts as parts
from labeleval.present import charts, glossary
from labeleval.present.render import agreement_footnotes, agreement_table, metric_table, metric_table_notes
from labeleval.present.verdict import alpha_readings
from labeleval.report import GradedReport, Report
from labeleval.safety import markdown_text
from labeleval.ui.screens._common import dataframe, header
from labeleval.ui.screens._graded_pages import graded_agreement
from labeleval.ui.state import current_report


def agreement() -> None:
    report = current_report(graded_ok=True)
    if report is None:
        return
    if isinstance(report, GradedReport):
        graded_agreement(report)
        return
    header(report, "Agreement between annotators")
    st.markdown(
        "Chance-corrected agreement among each vendor's annotators on the same items, with the items, "
        "annotators and pairs behind each figure. Each alpha is read on the Landis–Koch bands as the highest "
        "band it reaches with probability 0.95 or more (below the table); a figure built on too little is "
        "shown as —, with the reason. Agreement is consistency, not correctness: the Accuracy page compares "
        "vendors with gold."
    )
    a = report.agreement
    metric = str(
        st.selectbox("Metric", list(a["metric"].unique()), format_func=glossary.metric_name, key="agreement_metric")
    )
    chosen = a[a["metric"] == metric]
    st.altair_chart(
        charts.metric_bars(chosen, title=glossary.metric_name(metric)),
        width="stretch",
        key="agreement_chart",
    )
    dataframe(agreement_table(report), hide_index=True, width="stretch", key="agreement_table")
    readings = alpha_readings(report)
    if readings:
        st.markdown(markdown_text("**Alpha on the Landis–Koch bands**: " + "; ".join(readings) + "."))
    notes = agreement_footnotes(report)
    if notes:
        st.caption(markdown_text(" ".join(notes)))
    _by_category(report)
    _by_annotator(report)
    _kind_section(report)


def _by_category(report: Report) -> None:
    """Which label the annotators cannot agree on: each label's kappa against the rest, with its interval."""
    table = parts.category_table(report)
    if table.empty:
        return
    st.subheader("Agreement per label")
    st.caption(parts.category_caption(report))
    if report.category_agreement["kappa"].notna().any():
        st.altair_chart(parts.category_chart(report), width="stretch", key="category_agreement_chart")
    dataframe(table, hide_index=True, width="stretch", key="category_agreement_table")


def _by_annotator(report: Report) -> None:
    """Which annotator disagrees with the rest: each vendor's lowest kappas with their intervals."""
    lowest = parts.annotator_table(report, lowest=parts.LOWEST)
    if lowest.empty:
        return
    st.subheader("Agreement per annotator")
    st.caption(parts.annotator_caption(report))
    height = 35 * (len(lowest) + 1) + 3  # every row in view
    dataframe(lowest, hide_index=True, width="stretch", height=height, key="annotator_agreement_table")
    with st.expander("Every annotator"):
        dataframe(parts.annotator_table(report, lowest=None), hide_index=True, width="stretch", key="annotator_all")


KIND_TITLES = {
    "pairwise": "Preference judgments",
    "ordinal": "Rating scale",
    "interval": "Numeric scores",
    "ratio": "Numeric scores",
    "multilabel": "Multi-label judgments",
}


def _kind_section(report: Report) -> None:
    """What only this task kind has: position bias and ties (pairwise), distributions and leniency (scales)."""
    kind = str(report.settings["kind"])
    if kind not in KIND_TITLES or report.task_metrics.empty:
        return
    vendors = report.summary["vendor"].astype(str).tolist()
    st.subheader(KIND_TITLES[kind])
    if kind == "pairwise":
        st.markdown(
            "Agreement on preferences is low by classification standards (InstructGPT reports 72.6% between "
            "labelers; MT-Bench 81% without ties, 63% with them): compare vendors with each other, not with "
            "1.0. **Position bias**: a share above 50% means raters favour whichever response they saw first."
        )
        if (report.task_metrics["metric"] == "chose_first_shown").any():
            st.altair_chart(
                charts.position_bias(report.task_metrics, vendors), width="stretch", key="position_bias_chart"
            )
    else:
        if not report.per_class.empty:
            st.markdown(
                "**How often each vendor gives each label**"
                if kind == "multilabel"
                else "**How each vendor uses the scale**"
            )
            st.altair_chart(
                charts.rating_distribution(report.per_class, list(report.settings["labels"]), vendors),
                width="stretch",
                key="rating_distribution_chart",
            )
        if "leniency" in report.annotators.columns:
            st.markdown(
                "**Leniency**: each annotator's mean offset from gold (or the item's consensus), in scale steps"
            )
            st.altair_chart(charts.leniency(report.annotators, vendors), width="stretch", key="leniency_chart")
    kind_table = metric_table(report.task_metrics, vendors)
    dataframe(  # every row in view: the notes below refer to them
        kind_table, hide_index=True, width="stretch", height=35 * (len(kind_table) + 1) + 3, key="task_metrics_table"
    )
    for note in metric_table_notes(report.task_metrics, vendors):
        st.caption(markdown_text(note))
    with st.expander("With intervals, sample sizes and notes"):
        dataframe(
            glossary.display_frame(report.task_metrics), hide_index=True, width="stretch", key="task_metrics_long"
        )
