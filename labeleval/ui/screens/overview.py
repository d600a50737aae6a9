"""The Overview page: the verdict, the leaderboard and cost against quality."""

from __future__ import annotations

import contextlib

import pandas as pd
import streamlit as st

from labeleval.present import glossary
from labeleval.present.cost_chart import cost_quality
from labeleval.present.render import leaderboard, leaderboard_footnotes
from labeleval.present.verdict import verdict
from labeleval.report import GradedReport, Report
from labeleval.safety import markdown_text
from labeleval.ui import inline_svg
from labeleval.ui.screens._common import header, header_caption
from labeleval.ui.screens._graded import graded_overview
from labeleval.ui.screens.decisions import watch_status
from labeleval.ui.state import current_report

__all__ = ["chart_svg", "leaderboard", "leaderboard_markdown", "overview", "rehearse"]


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


#: The width the Overview's SVG chart is drawn for (pixels): about the main column of the wide layout at a
#: 1440-pixel window; the SVG scales with the column (``inline_svg.MAX_SCALE``), the labels are placed for it.
SVG_WIDTH = 1000

#: The SVG's accessible name (the caption above it describes it in full).
SVG_LABEL = "Cost per usable label against accuracy, one point per vendor"


def chart_svg(report: Report) -> str:
    """The Overview's cost-against-quality chart as inline SVG, drawn once per chart (``inline_svg``'s cache):
    raises when vl-convert cannot draw it or the SVG fails the safety check."""

    return inline_svg.cost_quality_svg(cost_quality(report.summary, report.settings, width=SVG_WIDTH), SVG_LABEL)


def rehearse(report: Report) -> None:
    """Make everything the Overview draws from ``report`` once: ``python -m labeleval.ui.serve`` calls it
    before serving, so that what a process does the first time (pandas' and the verdict's first calls,
    vl-convert's start-up) is not done in the first session. The text is thrown away; the chart's SVG stays in
    ``inline_svg``'s cache, where the first session's Overview finds it."""
    header_caption(report)
    verdict(report)
    leaderboard_markdown(leaderboard(report))
    leaderboard_footnotes(report)
    if has_chart(report.summary):
        with contextlib.suppress(Exception):  # the page then falls back to the interactive chart
            chart_svg(report)


def overview() -> None:
    report = current_report(graded_ok=True)
    if report is None:
        return
    if isinstance(report, GradedReport):
        graded_overview(report)
        return
    header(report, "Which vendor gives the most usable labels for the money?")
    st.markdown("\n".join(f"- {markdown_text(sentence)}" for sentence in verdict(report)))
    st.subheader("Leaderboard")
    # a Markdown table: drawn with the page's text, before any table or chart script arrives (st.table's Arrow
    # table made the headline wait 1.2 s longer in the browser; docs/performance.md)
    st.markdown(leaderboard_markdown(leaderboard(report)))
    st.caption(markdown_text(" ".join(leaderboard_footnotes(report))))
    cost_against_quality(report)
    watch_status(report)  # after the chart: it reads the judgments, which the headline does not wait for


def cost_against_quality(report: Report) -> None:
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
        "both (the Pareto frontier). Hover over a point for its figures. The Cost page breaks the cost down."
    )
    try:
        # drawn on the server and sent with the page's text: the chart appears without waiting for Streamlit's
        # Vega-Lite script (docs/performance.md); st.html would strip the SVG (it sanitises to HTML only)
        svg = chart_svg(report)
    except Exception:  # vl-convert missing or failing, or an SVG that fails the check: the interactive chart
        st.vega_lite_chart(cost_quality(summary, report.settings), width="stretch", key="cost_quality_chart")
        return

    st.markdown(inline_svg.html_block(svg), unsafe_allow_html=True)
    st.download_button(
        "Download chart (SVG)",
        svg,
        file_name="cost_against_quality.svg",
        mime="image/svg+xml",
        on_click="ignore",
        type="tertiary",
        icon=":material/download:",
        key="cost_quality_download",
    )
