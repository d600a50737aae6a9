"""The Accuracy page: per judgment and per consensus item, confusion matrices, per class."""

from __future__ import annotations

import streamlit as st

from labeleval.ui import charts
from labeleval.ui.pages._common import header
from labeleval.ui.state import current_report


def accuracy() -> None:
    report = current_report()
    if report is None:
        return
    header(report, "Accuracy against gold")
    acc = report.accuracy
    left, right = st.columns(2)
    with left:
        st.markdown("**Per judgment** (share of judgments on gold items that match gold)")
        st.altair_chart(
            charts.metric_bars(acc[acc["metric"] == "judgment_accuracy"], percent=True),
            width="stretch",
            key="judgment_accuracy_chart",
        )
    with right:
        st.markdown(f"**Per consensus item** (majority vote, ties: {report.settings['tie']})")
        st.altair_chart(
            charts.metric_bars(acc[acc["metric"] == "consensus_accuracy"], percent=True),
            width="stretch",
            key="consensus_accuracy_chart",
        )
    if report.confusion.empty:
        st.info("A numeric scale has no classes: see the mean absolute error and RMSE on the Agreement page.")
        return
    st.subheader("Confusion matrices")
    st.caption("Rows: gold label; columns: label given; colour: share of the row; numbers: judgments.")
    labels = list(report.settings["labels"])
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
    st.dataframe(
        report.per_class.drop(columns=["class_alpha"]),
        hide_index=True,
        width="stretch",
        key="per_class_table",
        column_config={
            c: st.column_config.NumberColumn(format="%.3f") for c in ("precision", "recall", "f1", "share_of_judgments")
        },
    )
