"""The Items page: where vendors disagree with gold or each other, side by side."""

from __future__ import annotations

import streamlit as st

from labeleval.ui.pages._common import header
from labeleval.ui.state import current_report


def items() -> None:
    report = current_report()
    if report is None:
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
        keep = frame.loc[frame["vendors_disagree"], "item_id"]
    elif choice.startswith("a vendor"):
        keep = frame.loc[frame["consensus_correct"] == 0, "item_id"]
    else:
        keep = frame["item_id"]
    subset = frame[frame["item_id"].isin(keep.unique())]
    side = subset.pivot(index="item_id", columns="vendor", values="consensus")
    side = side.reindex(columns=[v for v in report.summary["vendor"] if v in side.columns])
    gold = subset.drop_duplicates("item_id").set_index("item_id")["gold_label"]
    side.insert(0, "gold", gold.reindex(side.index))
    st.caption(f"{len(side):,} items. Cells show each vendor's majority-vote label (empty: a tie left unresolved).")
    st.dataframe(side.head(5000), width="stretch", key="items_table")
    item = st.selectbox("Look at one item", side.index[:5000], key="item_detail")
    if item is not None:
        detail = subset[subset["item_id"] == item].set_index("vendor")
        votes = [c for c in detail.columns if c.startswith("votes_")]
        st.dataframe(
            detail[["n_judgments", "consensus", "confidence", "gold_label", *votes]],
            width="stretch",
            key="item_votes",
        )
    from labeleval.ui.pages.questions import gold_audit_section

    gold_audit_section(report)
