"""The app's view in its address: a link's project and settings are read once, checked against the widgets,
and the view is written back, differences from the project's own settings only."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from labeleval.ui import view_url
from labeleval.ui.state import ProjectSettings, project_settings, sample_projects
from tests.helpers.paths import ROOT

OWN = project_settings(sample_projects()["content_safety"])


def own_of(name: str | None) -> ProjectSettings:
    return project_settings(sample_projects()[name or "content_safety"])


@pytest.mark.parametrize(
    ("name", "text", "value"),
    [
        ("consensus", "dawid_skene", "dawid_skene"),
        ("consensus", "majority", None),
        ("n_boot", "500", 500),
        ("n_boot", "501", None),  # not a stop of the select slider
        ("seed", "42", 42),
        ("seed", "-1", None),
        ("seed", "1e3", None),
        ("seed", str(2**40), None),
        ("confidence", "0.9", 0.9),
        ("confidence", "0.905", None),  # between the slider's steps
        ("confidence", "1.5", None),
        ("confidence", "nan", None),
        ("target_accuracy", "0.97", 0.97),
        ("uncertainty", "items", "items"),
        ("usability", "<script>", None),
    ],
)
def test_a_link_value_is_taken_only_where_the_widget_could_hold_it(name: str, text: str, value: object) -> None:
    parsed = view_url.parse_setting(name, text, OWN)
    assert parsed == (pytest.approx(value) if isinstance(value, float) else value)


def test_a_link_opens_a_sample_by_name_and_never_a_path() -> None:
    project, settings, ignored = view_url.read_view({"project": "ticket_pilot", "consensus": "dawid_skene"}, own_of)
    assert (project, settings, ignored) == ("ticket_pilot", {"consensus": "dawid_skene"}, [])
    for path in ("/etc", "../content_safety", str(ROOT / "sample_data" / "ticket_pilot"), ""):
        project, _, ignored = view_url.read_view({"project": path}, own_of)
        assert project is None and len(ignored) == 1 and "not a sample project" in ignored[0]
    _, settings, ignored = view_url.read_view({"n_boot": "9999", "tie": "abstain", "unknown": "x"}, own_of)
    assert settings == {"tie": "abstain"} and ignored == ["n_boot='9999' (not a value of 'Bootstrap resamples')"]


def test_the_view_writes_only_what_differs_and_reads_back_the_same() -> None:
    state = {**OWN.values, "consensus": "dawid_skene", "confidence": 0.9000000000000001, "n_boot": 500}
    params = view_url.view_params("content_safety", state, OWN)
    assert params == {"project": "content_safety", "consensus": "dawid_skene", "confidence": "0.9", "n_boot": "500"}
    assert view_url.view_params(None, dict(OWN.values), OWN) == {}
    project, settings, ignored = view_url.read_view(params, own_of)
    assert project == "content_safety" and not ignored
    assert settings == {"consensus": "dawid_skene", "confidence": pytest.approx(0.9), "n_boot": 500}


@pytest.mark.slow
def test_the_app_opens_the_linked_project_and_settings_and_says_what_it_left_out() -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.query_params["project"] = "helpfulness_likert"
    at.query_params["n_boot"] = "0"
    at.query_params["seed"] = "oops"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["project_choice"] == "helpfulness_likert"
    assert at.session_state["n_boot"] == 0
    assert any("seed='oops'" in t.value for t in at.toast)
    assert dict(at.query_params) == {"project": "helpfulness_likert", "n_boot": "0"}
    at.sidebar.selectbox(key="project_choice").set_value("content_safety").run()
    # the project's settings reset to the new project's own; the resamples are the session's, and stay
    assert dict(at.query_params) == {"project": "content_safety", "n_boot": "0"}
