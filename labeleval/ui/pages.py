"""Pages of the app. Each reads the shared Report and draws it; none computes a metric."""

from __future__ import annotations

import streamlit as st

from labeleval.ui.state import current_report
from labeleval.verdict import verdict


def overview() -> None:
    report = current_report()
    if report is None:
        return
    st.title(f"Vendor comparison: {report.settings['task']}")
    st.markdown("\n".join(f"- {s}" for s in verdict(report)))
    st.dataframe(report.summary, hide_index=True, key="overview_summary")
