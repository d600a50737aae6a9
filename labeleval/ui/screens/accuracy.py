"""The Accuracy page: per judgment and per consensus item, confusion matrices, per class."""

from __future__ import annotations

import streamlit as st

from labeleval.analyses.calibration import calibration, calibration_summary, confidence_source
from labeleval.present import charts, glossary, render
from labeleval.report import GradedReport, Report
from labeleval.safety import markdown_text
from labeleval.ui.screens._common import dataframe, header, table
from labeleval.ui.screens._graded_pages import graded_accuracy
from labeleval.ui.state import current_report


def accuracy() -> None:
    report = current_report(graded_ok=True)
    if report is None:
        return
    if isinstance(report, GradedReport):
        graded_accuracy(report)
        return
    header(report, "Accuracy against gold")
    settings = report.settings
    acc = report.accuracy
    within = glossary.tolerance_suffix(settings)
    left, right = st.columns(2)
    with left:
        st.markdown(f"**Per judgment{within}**: the share of judgments on gold items that match gold")
        st.altair_chart(
            charts.metric_bars(acc[acc["metric"] == "judgment_accuracy"], percent=True),
            width="stretch",
            key="judgment_accuracy_chart",
        )
    with right:
        st.markdown(
            f"**Per consensus item{within}**: the share of gold items whose consensus "
            f"({glossary.consensus_description(settings)}) matches gold"
        )
        st.altair_chart(
            charts.metric_bars(acc[acc["metric"] == "consensus_accuracy"], percent=True),
            width="stretch",
            key="consensus_accuracy_chart",
        )
    if report.accuracy["value"].isna().any():
        missing = acc.loc[acc["value"].isna() & acc["metric"].eq("judgment_accuracy"), "vendor"].astype(str)
        if len(missing):
            st.caption(f"No bar for {markdown_text(', '.join(missing))}: {glossary.blank_reason('accuracy')}.")
    if report.confusion.empty:
        st.info(
            "A numeric scale has no classes: the mean absolute error and RMSE are on the Agreement page, "
            "under Numeric scores."
        )
        return
    st.subheader("Confusion matrices")
    st.caption("Rows: gold label; columns: label given; colour: share of the row; numbers: judgments.")
    labels = list(settings["labels"])
    vendors = report.summary["vendor"].astype(str).tolist()
    columns = st.columns(min(len(vendors), 3))
    for i, vendor in enumerate(vendors):
        with columns[i % len(columns)]:
            st.altair_chart(
                charts.confusion_heatmap(report.confusion, vendor, labels),
                width="stretch",
                height=charts.heatmap_height(labels),
                key=f"confusion_{vendor}",
            )
    st.subheader("Per class")
    st.caption(
        "Precision, recall and F1 of each label against gold, on the judgments of gold items (exact matches), "
        "with intervals over items and annotators, as for the headline figures."
    )
    table(report.per_class.drop(columns=["class_alpha"]), key="per_class_table")
    differences = render.class_comparisons_table(report)
    if not differences.empty:
        st.subheader("Per-class differences between vendors")
        for note in render.class_comparison_notes(report):
            st.caption(markdown_text(note))
        dataframe(differences, hide_index=True, width="stretch", key="class_comparisons_table")
    _calibration(report)


def _calibration(report: Report) -> None:
    """The reliability diagram and its summary, where the consensus's confidence reads as a probability."""
    source = confidence_source(report.settings)
    bins = calibration(report.items, report.settings)
    if source is None or bins.empty:
        return
    st.subheader(render.CALIBRATION_TITLE)
    for note in render.calibration_notes(source, report.settings):
        st.caption(markdown_text(note))
    vendors = report.summary["vendor"].astype(str).tolist()
    st.altair_chart(charts.calibration_diagram(bins, vendors, source), width="stretch", key="calibration_chart")
    table(calibration_summary(bins), key="calibration_table", terms=render.calibration_terms(source))
