"""The Items page: where vendors disagree with gold or each other, side by side."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from labeleval import fmt
from labeleval.present import glossary
from labeleval.report import GradedReport, Report
from labeleval.safety import markdown_text
from labeleval.ui.screens._common import dataframe, header, preview, table
from labeleval.ui.screens._graded_pages import graded_items
from labeleval.ui.screens.questions import gold_audit_section
from labeleval.ui.state import current_report

#: What an empty cell of the side-by-side table means, written in the cell itself.
NO_GOLD, TIE, NOT_LABELLED = "— no gold", "— tied vote", "not labelled"  # "tie" alone is a pairwise label


def item_metadata(report: Report) -> pd.DataFrame:
    """The item's own description (``text``, ``url``) by item id, from the Report's item frame or metadata."""
    for source in (getattr(report, "item_metadata", None), report.items):
        if isinstance(source, pd.DataFrame) and {"item_id"} & ({*source.columns} | {source.index.name}):
            frame = source.reset_index() if source.index.name == "item_id" else source
            present = [c for c in ("text", "url") if c in frame.columns]
            if present:
                return frame.drop_duplicates("item_id").set_index("item_id")[present]
    return pd.DataFrame(index=pd.Index([], name="item_id"))


def side_by_side(report: Report, subset: pd.DataFrame) -> pd.DataFrame:
    """One row per item: its text, gold and each vendor's consensus; every blank says why."""
    vendors = [v for v in report.summary["vendor"].astype(str) if v in set(subset["vendor"].astype(str))]
    labelled = subset.assign(shown=subset["consensus"].astype(object).where(subset["consensus"].notna(), TIE))
    side = labelled.pivot(index="item_id", columns="vendor", values="shown").reindex(columns=vendors)
    side = side.fillna(NOT_LABELLED)
    gold = subset.drop_duplicates("item_id").set_index("item_id")["gold_label"].reindex(side.index)
    side.insert(0, "Gold", gold.astype(object).where(gold.notna(), NO_GOLD))
    meta = item_metadata(report).reindex(side.index)
    if "url" in meta.columns:
        side.insert(0, "Link", meta["url"])
    if "text" in meta.columns:
        side.insert(0, "Item text", meta["text"].map(preview))
    side.index.name = "Item"
    side.columns.name = None
    return side


def items() -> None:
    report = current_report(graded_ok=True)
    if report is None:
        return
    if isinstance(report, GradedReport):
        graded_items(report)
        return
    header(report, "Items where vendors disagree")
    frame = report.items
    choice = st.radio(
        "Show items where",
        ["vendors disagree with each other", "a vendor's consensus disagrees with gold", "all items"],
        horizontal=True,
        key="items_filter",
    )
    if choice.startswith("vendors"):
        keep = frame.loc[frame["vendors_disagree"].astype(bool), "item_id"]
    elif choice.startswith("a vendor"):
        keep = frame.loc[frame["consensus_correct"] == 0, "item_id"]
    else:
        keep = frame["item_id"]
    subset = frame[frame["item_id"].isin(keep.unique())]
    side = side_by_side(report, subset)
    consensus = glossary.consensus_description(report.settings)
    cells = side.drop(columns=[c for c in ("Item text", "Link") if c in side.columns])
    blanks = [  # only the blanks this table has
        why
        for mark, why in (
            (TIE, f"'{TIE}': the vote was tied and the tie left unresolved, so there is no single label"),
            (NO_GOLD, f"'{NO_GOLD}': the item has no expert answer"),
            (NOT_LABELLED, f"'{NOT_LABELLED}': the vendor never saw the item"),
        )
        if (cells == mark).any().any()
    ]
    st.caption(
        f"{fmt.count(len(side))} items. Cells show each vendor's consensus label ({markdown_text(consensus)})"
        + ("; " + "; ".join(blanks) + "." if blanks else ".")
        + (" Item text is cut to one line: pick the item below to read all of it." if "Item text" in side else "")
    )
    config = {
        "Item text": st.column_config.TextColumn("Item text", width="large", help="the first line; full text below"),
        "Link": st.column_config.LinkColumn("Link", help="the item as the annotators saw it"),
    }
    dataframe(side.head(5000), width="stretch", key="items_table", column_config=config)
    if len(side) > 5000:
        st.caption(f"The first 5,000 of {fmt.count(len(side))} items; the CSV export has them all.")
    item = st.selectbox("Look at one item", side.index[:5000], key="item_detail")
    if item is not None:
        _item_detail(report, subset, str(item))

    gold_audit_section(report)


def _item_detail(report: Report, subset: pd.DataFrame, item: str) -> None:
    """The item in full: its text and link, then every vendor's votes, consensus and confidence."""
    meta = item_metadata(report)
    if item in meta.index:
        row = meta.loc[item]
        if "text" in meta.columns and isinstance(row.get("text"), str) and row["text"].strip():
            st.markdown(f"**Item {markdown_text(item)}**")
            st.text(str(row["text"]))  # verbatim, never read as Markdown
        if "url" in meta.columns and isinstance(row.get("url"), str) and row["url"].strip():
            st.link_button("Open the item", str(row["url"]))
    detail = subset[subset["item_id"] == item].copy()
    detail["consensus"] = detail["consensus"].astype(object).where(detail["consensus"].notna(), TIE)
    detail["gold_label"] = detail["gold_label"].astype(object).where(detail["gold_label"].notna(), NO_GOLD)
    votes = [c for c in detail.columns if c.startswith("votes_")]
    shown = detail[["vendor", "n_judgments", "consensus", "confidence", "gold_label", *votes]]
    table(shown, key="item_votes")
