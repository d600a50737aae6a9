"""The comparison app: a thin UI over ``evaluate()``. It computes nothing of its own.

Each page's module is imported only when the page is shown, so the first render of the Overview does not
pay for the upload, annotator or cost pages' imports.
"""

from __future__ import annotations

import importlib
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx
from streamlit.runtime.scriptrunner_utils.exceptions import ScriptControlException

from labeleval.ui import view_url
from labeleval.ui.screens import PAGES
from labeleval.ui.state import default_project, settings_state, sidebar_widgets

#: Seconds between the page and the sidebar's widgets on a session's first run. The browser loads the widgets'
#: scripts (selectbox, slider, expander) when they first arrive; sent with the page, they often held up the
#: drawing of the page's last elements (the Overview's chart) by about 0.25 s. A 60 ms pause lets the page be
#: drawn first (docs/performance.md); later runs have the scripts and do not pause.
FIRST_SIDEBAR_PAUSE_S = 0.06

#: The tab's icon: an emoji, which the page draws itself as an inline SVG (a ``:material/...:`` icon would be
#: fetched from a font server on the internet, and fail offline; the navigation's icons use the bundled font).
PAGE_ICON = "⚖️"


def project_argument() -> str | None:
    """The project to open: ``LABELEVAL_PROJECT``, or ``streamlit run app.py -- PROJECT``."""
    if os.environ.get("LABELEVAL_PROJECT"):
        return os.environ["LABELEVAL_PROJECT"]
    if len(sys.argv) > 1 and Path(sys.argv[0]).name in ("app.py", "streamlit_app.py"):
        return sys.argv[1]
    return None


def page_function(module: str) -> Callable[[], None]:
    """The page ``labeleval.ui.screens.<module>.<module>()``, imported when the page is first shown."""

    def run() -> None:
        getattr(importlib.import_module(f"labeleval.ui.screens.{module}"), module)()

    run.__name__ = module  # st.Page derives nothing from it (url_path is given), but tracebacks read better
    return run


#: The default page's own path: Streamlit serves the default page at ``/`` only, and answers its ``url_path`` typed
#: by hand with "Page not found"; :func:`open_default_by_name` opens it there instead.
DEFAULT_PAGE = "overview"


def open_default_by_name() -> None:
    """``/overview`` typed into the address bar opens the Overview (at ``/``, the query string kept), not Streamlit's
    "Page not found". Streamlit resolves a typed address by the pages' paths, in which the default page's is ``""``;
    a request for the default page by its own path is turned into a request for the default page, before
    ``st.navigation`` resolves it."""
    ctx = get_script_run_ctx()
    if ctx is None:
        return
    pages = ctx.pages_manager
    if not pages.intended_page_script_hash and (pages.intended_page_name or "").strip("/") == DEFAULT_PAGE:
        pages.set_script_intent("", "")


def main() -> None:
    st.set_page_config(page_title="labeleval: vendor comparison", page_icon=PAGE_ICON, layout="wide")
    project_arg = project_argument()
    st.session_state.setdefault("project_path", str(project_arg or default_project()))
    pages = [
        st.Page(page_function(module), title=title, icon=icon, url_path=url, default=(url == DEFAULT_PAGE))
        for module, title, icon, url in PAGES
    ]
    open_default_by_name()
    navigation = st.navigation(pages)
    if st.session_state.pop("open_overview", False):  # a project was just uploaded (ui/upload.py)
        st.switch_page(pages[0])
    view_url.open_link()  # a link's project, on a session's first run
    settings_state(Path(st.session_state["project_path"]))  # the sidebar's values, settled before the page runs
    view_url.apply_link()  # the link's settings over the project's own
    view_url.write_view()  # the address says what is shown: page, project, settings
    try:
        navigation.run()
    finally:  # drawn after the page, so that the page reaches the browser first (docs/performance.md)
        if not st.session_state.get("sidebar_sent"):
            time.sleep(FIRST_SIDEBAR_PAUSE_S)
            st.session_state["sidebar_sent"] = True
        sidebar_widgets()
        if not isinstance(sys.exc_info()[1], ScriptControlException):
            # the chooser reached the browser holding an uploaded project: its choice is settled. A run cut short
            # (the user moved to another page while the upload was scored) keeps it pending, or the browser's
            # chooser, which still holds the project the upload replaced, would choose that one again.
            st.session_state.pop("project_choice_pending", None)
