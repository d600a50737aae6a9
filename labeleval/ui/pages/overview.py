"""The Overview page: the verdict, the leaderboard and cost against quality."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from labeleval import glossary
from labeleval.render import leaderboard, leaderboard_footnotes
from labeleval.report import Report
from labeleval.safety import markdown_text
from labeleval.ui.pages._common import header, header_caption
from labeleval.ui.state import current_report
from labeleval.verdict import verdict

__all__ = ["leaderboard", "leaderboard_markdown", "overview", "rehearse"]


def leaderboard_markdown(frame: pd.DataFrame) -> str:
    """The leaderboard as a Markdown table, every cell literal text; figures right-aligned."""
    header = "| " + " | ".join(markdown_text(c) for c in frame.columns) + " |"
    rule = "|" + "|".join(":---" if c == "Vendor" else "---:" for c in frame.columns) + "|"
    rows = ["| " + " | ".join(_unbroken(markdown_text(v)) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([header, rule, *rows])


def _unbroken(cell: str) -> str:
    """An interval kept on one line (``[0.352,\u00a00.390]``): a narrow column wraps before the bracket."""
    return cell.replace(", ", ",\u00a0") if "[" in cell else cell


def has_chart(summary: pd.DataFrame) -> bool:
    """Whether the cost-against-quality chart has something to place: some accuracy and some cost per usable
    label."""
    return not (summary["accuracy"].isna().all() or summary["cost_per_usable_label"].isna().all())


def rehearse(report: Report) -> None:
    """Make everything the Overview draws from ``report`` once, and throw it away: ``python -m
    labeleval.ui.serve`` calls it before serving, so that what a process does the first time (pandas' and the
    verdict's first calls) is not done in the first session."""
    header_caption(report)
    verdict(report)
    leaderboard_markdown(leaderboard(report))
    leaderboard_footnotes(report)
    if has_chart(report.summary):
        from labeleval.ui.cost_chart import cost_quality

        cost_quality(report.summary, report.settings)


def overview() -> None:
    report = current_report()
    if report is None:
        return
    header(report, "Which vendor gives the most usable labels for the money?")
    st.markdown("\n".join(f"- {markdown_text(sentence)}" for sentence in verdict(report)))
    st.subheader("Leaderboard")
    # a Markdown table: drawn with the page's text, before any table or chart script arrives (st.table's Arrow
    # table made the headline wait 1.2 s longer in the browser; benchmarks/README.md)
    st.markdown(leaderboard_markdown(leaderboard(report)))
    st.caption(markdown_text(" ".join(leaderboard_footnotes(report))))
    st.subheader("Cost against quality")
    summary = report.summary
    if not has_chart(summary):
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
