"""The Overview page: the verdict, the leaderboard and cost against quality."""

from __future__ import annotations

import streamlit as st

from labeleval import glossary
from labeleval.render import leaderboard, leaderboard_footnotes
from labeleval.safety import markdown_text
from labeleval.ui.pages._common import header
from labeleval.ui.state import current_report
from labeleval.verdict import verdict

__all__ = ["leaderboard", "overview"]


def overview() -> None:
    report = current_report()
    if report is None:
        return
    header(report, "Which vendor gives the most usable labels for the money?")
    st.markdown("\n".join(f"- {markdown_text(sentence)}" for sentence in verdict(report)))
    st.subheader("Leaderboard")
    # a static table: a dozen rows need no grid, and it renders without loading the grid's script
    st.table(leaderboard(report).set_index("Vendor"))
    st.caption(markdown_text(" ".join(leaderboard_footnotes(report))))
    st.subheader("Cost against quality")
    summary = report.summary
    if summary["accuracy"].isna().all() or summary["cost_per_usable_label"].isna().all():
        st.info(
            f"No chart: {glossary.blank_reason('accuracy')} or {glossary.blank_reason('cost_per_usable_label')}, "
            "so accuracy and cost per usable label cannot be placed against each other."
        )
        return
    st.caption(
        f"Each vendor's {glossary.accuracy_name(report.settings).lower()} against its cost per usable label; "
        "bars are confidence intervals both ways; the dashed line joins the vendors no other vendor beats on "
        "both (the Pareto frontier). The Cost page breaks the cost down."
    )
    # a plain Vega-Lite spec: the Overview never imports Altair (its first render is the app's first render)
    from labeleval.ui.cost_chart import cost_quality

    st.vega_lite_chart(cost_quality(summary, report.settings), width="stretch", key="cost_quality_chart")
