"""The Cost page: labour and fees, per usable label, per correct item, what redundancy buys."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st

from labeleval import fmt
from labeleval.present import charts, glossary
from labeleval.present.verdict import redundancy_line
from labeleval.report import GradedReport
from labeleval.safety import markdown_text
from labeleval.ui.screens._common import header, table
from labeleval.ui.screens._graded_pages import graded_cost
from labeleval.ui.state import current_report

#: Cost-per-usable-label tiles per row: a dozen vendors wrap instead of squeezing their names.
TILES_PER_ROW = 4


def _on_items(row: object, settings: Mapping[str, Any]) -> str:
    """`` on 1,518 confident items``: the items a usable rate rests on (its count is in the cost table too)."""
    n = getattr(row, "usable_items", None)
    if n is None or fmt.is_blank(n):
        return ""
    return f" on {fmt.count(n)} {glossary.REFERENCE_ITEMS.get(str(settings.get('usability')), 'items')}"


def cost() -> None:
    report = current_report(graded_ok=True)
    if report is None:
        return
    if isinstance(report, GradedReport):
        graded_cost(report)
        return
    header(report, "What a usable label costs")
    settings = report.settings
    c = report.cost
    st.markdown(
        f"A vendor is billed for every row it delivered, usable or not. A label is **usable** when it "
        f"{markdown_text(glossary.usability_words(settings))}. A **correct item** is a gold item whose consensus "
        f"({markdown_text(glossary.consensus_description(settings))}) is right{glossary.tolerance_suffix(settings)}."
    )
    currency = str(c["currency"].iloc[0])
    st.markdown("**Cost per usable label**")
    for start in range(0, len(c), TILES_PER_ROW):
        chunk = c.iloc[start : start + TILES_PER_ROW]
        cols = st.columns(TILES_PER_ROW)
        for col, row in zip(cols, chunk.itertuples(index=False), strict=False):
            pricing = glossary.VALUE_WORDS["pricing_model"].get(str(row.pricing_model), str(row.pricing_model))
            col.metric(
                markdown_text(row.vendor),  # a label reads Markdown: the vendor's name is data
                fmt.money(row.cost_per_usable_label, currency),
                help=(
                    f"{pricing}: {fmt.number(row.billed_units, 1)} {row.unit} billed, "
                    f"{fmt.money(row.total_cost, currency, total=True)} in total, "
                    f"usable rate {fmt.pct(row.usable_rate)}{_on_items(row, settings)}"
                    if not fmt.is_blank(row.cost_per_usable_label)
                    else f"{fmt.BLANK}: {glossary.blank_reason('cost_per_usable_label')}"
                ),
            )
    basis = glossary.usable_basis(c, settings)
    if basis:
        st.caption(markdown_text(basis))
    left, right = st.columns(2)
    with left:
        st.markdown("**Total cost** (labour and fees)")
        st.altair_chart(charts.cost_breakdown(c), width="stretch", key="cost_breakdown_chart")
    with right:
        st.markdown("**Cost per usable label**, with its interval")
        bars = c.rename(
            columns={
                "cost_per_usable_label": "value",
                "cost_per_usable_label_ci_low": "ci_low",
                "cost_per_usable_label_ci_high": "ci_high",
            }
        )
        st.altair_chart(
            charts.metric_bars(bars, title="Cost per usable label", currency=currency),
            width="stretch",
            key="cost_per_usable_chart",
        )
    table(c, key="cost_table", drop=("currency",))
    st.subheader("What redundancy buys")
    line = redundancy_line(report).replace("'What redundancy buys' on the Cost page", "the chart and table below")
    st.markdown(markdown_text(line))
    if not report.redundancy.empty:
        vendors = report.summary["vendor"].astype(str).tolist()
        vote = glossary.vote_name(settings)
        st.caption(
            f"{vote.capitalize()} accuracy on gold items{glossary.tolerance_suffix(settings)} when only k of each "
            "item's labels are kept (drawn at random, averaged over seeded draws; ties broken at random); each "
            "vendor is drawn a little to the side of its k, so that intervals do not cover each other; the dashed "
            "line is the target."
        )
        st.altair_chart(
            charts.redundancy(
                report.redundancy, float(settings["target_accuracy"]), vendors, vote=vote, currency=currency
            ),
            width="stretch",
            key="redundancy_chart",
        )
        accuracy = glossary.Term(
            f"{vote.capitalize()} accuracy on gold{glossary.tolerance_suffix(settings)}", "pct"
        )  # the consensus of k labels, not each judgment
        table(report.redundancy, key="redundancy_table", currency=currency, terms={"accuracy": accuracy})
