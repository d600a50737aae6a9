"""The app's pages under Streamlit's AppTest: one page with the sidebar, as app.py wires them, and the
Overview's leaderboard read back as a frame."""

from __future__ import annotations

import html
import re

import pandas as pd
from streamlit.testing.v1 import AppTest


def run_page(page: str, project: str | None = None) -> None:
    """AppTest script: the sidebar and one page, as app.py wires them (AppTest runs this function's source
    alone, so it imports what it uses)."""
    from pathlib import Path

    import streamlit as st

    from labeleval.ui.app import page_function
    from labeleval.ui.state import default_project, sidebar_settings

    st.session_state.setdefault("project_path", project or str(default_project()))
    sidebar_settings(Path(st.session_state["project_path"]))
    page_function(page)()


def page_test(page: str, project: str | None = None) -> AppTest:
    return AppTest.from_function(run_page, args=(page, project), default_timeout=120)


def leaderboard_of(at: AppTest) -> pd.DataFrame:
    """The Overview's leaderboard (a Markdown table) read back as a frame indexed by vendor, cells unescaped."""
    text = next(m.value for m in at.markdown if m.value.startswith("| Vendor |"))
    lines = text.splitlines()

    def cells(line: str) -> list[str]:
        parts = re.split(r"(?<!\\)\|", line.strip()[1:-1])
        return [html.unescape(re.sub(r"\\(.)", r"\1", part.strip())).replace("\u00a0", " ") for part in parts]

    rows = [cells(line) for line in (lines[0], *lines[2:])]
    return pd.DataFrame(rows[1:], columns=rows[0]).set_index("Vendor")
