"""The Overview page: the verdict, the leaderboard and cost against quality."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from labeleval.report import Report
from labeleval.safety import markdown_text
from labeleval.ui import charts
from labeleval.ui.pages._common import ci, header
from labeleval.ui.state import current_report
from labeleval.verdict import verdict


def leaderboard(report: Report) -> pd.DataFrame:
    """The Overview table: one row per vendor, each headline figure with its CI, as display strings."""
    s = report.summary
    rows = []
    for r in s.itertuples(index=False):
        rows.append(
            {
                "Vendor": r.vendor,
                "Agreement (alpha)": ci(r.alpha, r.alpha_ci_low, r.alpha_ci_high),
                "Accuracy on gold": ci(r.accuracy, r.accuracy_ci_low, r.accuracy_ci_high, "pct"),
                "Consensus accuracy": ci(
                    r.consensus_accuracy, r.consensus_accuracy_ci_low, r.consensus_accuracy_ci_high, "pct"
                ),
                "Cost per usable label": ci(
                    r.cost_per_usable_label,
                    r.cost_per_usable_label_ci_low,
                    r.cost_per_usable_label_ci_high,
                    "money",
                    r.currency,
                ),
                "Total cost": f"{r.total_cost:,.2f} {r.currency}",
                "Judgments": f"{r.n_judgments:,}",
                "Labels / item": f"{r.labels_per_item:.1f}",
            }
        )
    return pd.DataFrame(rows)


def overview() -> None:
    report = current_report()
    if report is None:
        return
    header(report, "Which vendor gives the most usable labels for the money?")
    st.markdown("\n".join(f"- {markdown_text(sentence)}" for sentence in verdict(report)))
    st.subheader("Leaderboard")
    # a static table: three rows need no grid, and it renders without loading the grid's script
    st.table(leaderboard(report).set_index("Vendor"))
    st.subheader("Cost against quality")
    st.caption(
        "Bars are confidence intervals; the dashed line joins the vendors no other vendor beats on both "
        "accuracy and cost (the Pareto frontier)."
    )
    st.altair_chart(charts.cost_quality(report.summary), width="stretch", key="cost_quality_chart")
