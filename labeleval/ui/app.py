"""The comparison app: a thin UI over ``evaluate()`` (DESIGN §9). It computes nothing of its own."""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

from labeleval.ui import pages
from labeleval.ui.state import default_project, sidebar_settings


def main() -> None:
    st.set_page_config(page_title="labeleval: vendor comparison", page_icon="⚖️", layout="wide")
    project_arg = sys.argv[1] if len(sys.argv) > 1 else None
    st.session_state.setdefault("project_path", str(project_arg or default_project()))
    navigation = st.navigation(
        [
            st.Page(pages.overview, title="Overview", icon="🏁", url_path="overview", default=True),
        ]
    )
    sidebar_settings(Path(st.session_state["project_path"]))
    navigation.run()
