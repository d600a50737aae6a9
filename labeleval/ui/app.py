"""The comparison app: a thin UI over ``evaluate()`` (DESIGN §9). It computes nothing of its own."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import streamlit as st

from labeleval.ui import pages
from labeleval.ui.state import default_project, sidebar_settings

PAGES = (
    (pages.overview, "Overview", ":material/leaderboard:", "overview"),
    (pages.agreement, "Agreement", ":material/handshake:", "agreement"),
    (pages.accuracy, "Accuracy", ":material/target:", "accuracy"),
    (pages.cost, "Cost", ":material/payments:", "cost"),
    (pages.annotators, "Annotators", ":material/groups:", "annotators"),
    (pages.items, "Items", ":material/search:", "items"),
    (pages.data, "Data", ":material/database:", "data"),
)


def project_argument() -> str | None:
    """The project to open: ``LABELEVAL_PROJECT``, or ``streamlit run app.py -- PROJECT``."""
    if os.environ.get("LABELEVAL_PROJECT"):
        return os.environ["LABELEVAL_PROJECT"]
    if len(sys.argv) > 1 and Path(sys.argv[0]).name in ("app.py", "streamlit_app.py"):
        return sys.argv[1]
    return None


def main() -> None:
    st.set_page_config(page_title="labeleval: vendor comparison", page_icon=":material/balance:", layout="wide")
    project_arg = project_argument()
    st.session_state.setdefault("project_path", str(project_arg or default_project()))
    navigation = st.navigation(
        [
            st.Page(fn, title=title, icon=icon, url_path=url, default=(url == "overview"))
            for fn, title, icon, url in PAGES
        ]
    )
    sidebar_settings(Path(st.session_state["project_path"]))
    navigation.run()
