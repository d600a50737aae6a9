"""The Cost page: labour and fees, per usable label, per correct item, what redundancy buys."""

from __future__ import annotations

import math

import streamlit as st

from labeleval.safety import markdown_text
from labeleval.ui import charts
from labeleval.ui.pages._common import ci, header
from labeleval.ui.state import current_report
from labeleval.verdict import redundancy_line


def cost() -> None:
    report = current_report()
    if report is None:
        return
    header(report, "What a usable label costs")
    c = report.cost
    st.markdown(
        f"A vendor is billed for every row it delivered, usable or not. A label is **usable** when it "
        f"{'matches gold (rate measured on gold items, applied to all)' if report.settings['usability'] == 'gold' else 'matches the reference (' + report.settings['usability'] + ')'}. "  # noqa: E501
        f"A **correct item** is a majority-vote consensus that matches gold."
    )
    currency = str(c["currency"].iloc[0])
    cols = st.columns(len(c))
    for col, row in zip(cols, c.itertuples(index=False), strict=True):
        col.metric(
            f"{row.vendor}: cost per usable label",
            ci(row.cost_per_usable_label, math.nan, math.nan, "money", currency),
            help=f"{row.pricing_model}: {row.billed_units:,.1f} {row.unit} billed",
        )
    left, right = st.columns(2)
    with left:
        st.markdown("**Total cost** (labour and fees)")
        st.altair_chart(charts.cost_breakdown(c), width="stretch", key="cost_breakdown_chart")
    with right:
        st.markdown("**Cost per usable label**, with CI")
        bars = c.rename(
            columns={
                "cost_per_usable_label": "value",
                "cost_per_usable_label_ci_low": "ci_low",
                "cost_per_usable_label_ci_high": "ci_high",
            }
        )
        st.altair_chart(
            charts.metric_bars(bars, title=f"{currency} per usable label"),
            width="stretch",
            key="cost_per_usable_chart",
        )
    money = ("labour_cost", "fees", "total_cost")
    per_unit = (
        "rate",
        "cost_per_label",
        "cost_per_item",
        "cost_per_usable_label",
        "cost_per_usable_label_ci_low",
        "cost_per_usable_label_ci_high",
        "cost_per_correct_item",
        "cost_per_correct_item_ci_low",
        "cost_per_correct_item_ci_high",
    )
    config = {col: st.column_config.NumberColumn(format="%.2f") for col in money}
    config |= {col: st.column_config.NumberColumn(format="%.4f") for col in per_unit}
    config |= {
        col: st.column_config.NumberColumn(format="%.3f")
        for col in ("billed_units", "hours", "usable_rate", "usable_labels", "consensus_accuracy")
    }
    st.dataframe(c, hide_index=True, width="stretch", key="cost_table", column_config=config)
    st.subheader("What redundancy buys")
    st.markdown(markdown_text(redundancy_line(report)))
    if not report.redundancy.empty:
        vendors = report.summary["vendor"].astype(str).tolist()
        st.caption(
            "Majority-vote accuracy on gold items when only k of each item's labels are kept (drawn at random, "
            "averaged over seeded draws; ties broken at random); the dashed line is the target."
        )
        st.altair_chart(
            charts.redundancy(report.redundancy, float(report.settings["target_accuracy"]), vendors),
            width="stretch",
            key="redundancy_chart",
        )
        st.dataframe(report.redundancy, hide_index=True, width="stretch", key="redundancy_table")
