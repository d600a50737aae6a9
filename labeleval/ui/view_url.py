"""The app's view in its address: the page is the path (``/comparisons``), the project and the sidebar's settings
are query parameters (``?project=ticket_pilot&consensus=dawid_skene``), so that a link opens the same view.

Only what differs from the project's own settings is written, and a link is read once, when a session starts.
A link names a bundled sample project by name, never a path: an address cannot open a folder on the server that
its chooser does not offer. The server's own project (``labeleval app PROJECT``) is what a link without a project
opens; an upload belongs to its session and is not in the address. Each value is checked against the setting's
widget (a choice the project offers, a value on the slider, a whole number); one that is not is left out, and
the session says so.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import streamlit as st

from labeleval.safety import markdown_text
from labeleval.scoring.settings import SPECS, Widget
from labeleval.ui.state import SIDEBAR, ProjectSettings, project_settings, sample_projects

#: the query parameter naming the project
PROJECT = "project"

#: Streamlit's own parameters (how an app is embedded): kept as they are
EMBED = ("embed", "embed_options")

#: the largest seed a link may set (the seed widget's own values are whole numbers from 0)
SEED_MAX = 2**32 - 1


def parse_setting(name: str, text: str, own: ProjectSettings) -> object | None:
    """The value ``text`` sets the sidebar setting ``name`` to, or None when its widget could not hold it."""
    widget = SPECS[name].widget
    if widget is None:
        return None
    if widget.kind == "select":
        spec = SPECS[name]
        allowed = own.choices.get(name, spec.choices.values() if spec.choices is not None else ())
        return text if text in allowed else None
    if widget.kind == "select_slider":
        return next((v for v in widget.values if str(v) == text), None)
    if widget.kind == "number":
        return int(text) if text.isascii() and text.isdigit() and int(text) <= SEED_MAX else None
    return _slider_value(widget, text, own.values.get(name))


def _slider_value(widget: Widget, text: str, own: object) -> float | None:
    """A slider's value from ``text``: a number within the slider's range (which reaches down to the project's
    own value) on its steps."""
    try:
        value = float(text)
    except ValueError:
        return None
    low = min(widget.low, float(own)) if isinstance(own, int | float) else widget.low
    if not math.isfinite(value) or not low - 1e-9 <= value <= widget.high + 1e-9:
        return None
    steps = (value - widget.low) / widget.step
    if abs(steps - round(steps)) > 1e-6 and abs(value - low) > 1e-9:
        return None
    return round(value, 10)


def setting_text(value: object) -> str:
    """A setting's value as a query parameter: ``0.9``, ``500``, ``dawid_skene``."""
    if isinstance(value, float):
        return format(round(value, 10), "g")
    return str(value)


def read_view(
    params: Mapping[str, str], own_of: Callable[[str | None], ProjectSettings]
) -> tuple[str | None, dict[str, object], list[str]]:
    """The project (a sample's name), the settings and the parameters left out (in words) of a link's ``params``;
    ``own_of(project name or None)`` gives the :class:`ProjectSettings` the settings are checked against."""
    samples = sample_projects()
    project = params.get(PROJECT)
    ignored: list[str] = []
    if project is not None and project not in samples:
        ignored.append(f"project {project!r} (not a sample project of this app)")
        project = None
    own: ProjectSettings = own_of(project)
    settings: dict[str, object] = {}
    for name in SIDEBAR:
        if name not in params:
            continue
        value = parse_setting(name, params[name], own)
        if value is None:
            ignored.append(f"{name}={params[name]!r} (not a value of '{SPECS[name].label}')")
        else:
            settings[name] = value
    return project, settings, ignored


def view_params(project: str | None, state: Mapping[str, Any], own: ProjectSettings) -> dict[str, str]:
    """The query parameters of the view: the project (a sample's name) and every sidebar setting whose value
    differs from the project's own."""
    out = {PROJECT: project} if project is not None else {}
    for name in SIDEBAR:
        if name in state and setting_text(state[name]) != setting_text(own.values.get(name)):
            out[name] = setting_text(state[name])
    return out


def open_link() -> None:
    """On a session's first run: the link's project chosen before the sidebar settles (:func:`apply_link` sets its
    settings after)."""
    if "link_view" in st.session_state:
        return
    params = _address()
    project, settings, ignored = read_view(
        params, lambda name: project_settings(sample_projects()[name]) if name else _current_own()
    )
    if project is not None:
        st.session_state["project_choice"] = project
    st.session_state["link_view"] = (settings, ignored)


def apply_link() -> None:
    """After the sidebar settled the project's own settings: the link's settings over them, once a session."""
    settings, ignored = st.session_state.get("link_view") or ({}, [])
    if settings or ignored:
        for name, value in settings.items():
            st.session_state[name] = value
        if ignored:
            st.toast(markdown_text("Not applied from the link: " + "; ".join(ignored)))
        st.session_state["link_view"] = ({}, [])


def write_view() -> None:
    """The session's view into the address bar (replacing what a page change cleared)."""
    choice = str(st.session_state.get("project_choice", ""))
    project = choice if choice in sample_projects() else None
    wanted = view_params(project, st.session_state.to_dict(), _current_own())
    if _address() != wanted:
        st.query_params.from_dict(wanted)


def _address() -> dict[str, str]:
    """The address's query parameters, less Streamlit's own."""
    return {key: st.query_params[key] for key in st.query_params if key not in EMBED}


def _current_own() -> ProjectSettings:
    return project_settings(Path(st.session_state.get("project_path", "")))
