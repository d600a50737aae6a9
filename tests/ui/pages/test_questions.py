"""The app's "Slices & time" page and the Items page's gold audit, under Streamlit's AppTest."""

from __future__ import annotations

import pandas as pd
import pytest

import labeleval as le
from tests.helpers.apptest import page_test
from tests.helpers.paths import ROOT

PILOT = str(ROOT / "sample_data" / "ticket_pilot")


def frame(at, *columns: str, nth: int = 0):
    """The nth dataframe on the page whose columns include ``columns`` (AppTest keeps no dataframe keys)."""
    hits = [d.value for d in at.dataframe if set(columns) <= set(map(str, d.value.columns))]
    return hits[nth]


def number(column):
    """Display strings such as "1,096" back to numbers ("—", a blank or "never": NaN)."""
    return pd.to_numeric(column.astype(str).str.replace(",", ""), errors="coerce")


def fast(page: str, project: str):
    """The page with 200 resamples (the sidebar keeps a value already in session state)."""
    at = page_test(page, project)
    at.session_state["n_boot"] = 200
    return at.run()


@pytest.mark.slow
def test_slices_page_shows_slices_ranking_and_drift() -> None:
    at = fast("questions", PILOT)
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert at.selectbox(key="slice_by").value == "language"
    text = " ".join(m.value for m in at.markdown)
    assert "accuracy difference between Bravo and Cirrus is not the same in every language slice" in text
    assert "one max-T family over every slice" in text and "change-point test" in text
    table = frame(at, "Atlas", "Bravo", "Cirrus")
    report = le.evaluate(PILOT, n_boot=200, by="language")
    expected = report.slices.set_index(["slice", "vendor"])["accuracy"]
    assert table.loc["es", "Bravo"].startswith(f"{expected[('es', 'Bravo')]:.1%}")
    at.selectbox(key="slice_by").set_value("domain").run()
    assert not at.exception
    assert set(frame(at, "Atlas", "Bravo", "Cirrus").index) == {"general", "medical"}
    at.selectbox(key="slice_metric").set_value("alpha").run()
    assert not at.exception
    assert frame(at, "Atlas", "Bravo", "Cirrus").iloc[0, 0].startswith("0.")  # alpha, with its interval
    at.radio(key="drift_over").set_value("batch").run()
    assert not at.exception
    assert any("change-point test" in m.value for m in at.markdown)
    assert any(c.value.endswith("changed beyond chance: 4") for c in at.caption)  # Cirrus's four, in week-3


@pytest.mark.slow
def test_plan_panel_follows_the_named_difference() -> None:
    at = fast("questions", PILOT)
    first = number(frame(at, "Shared gold items", "Power now").iloc[:, -1])
    at.slider(key="plan_diff").set_value(0.1).run()
    assert not at.exception
    second = number(frame(at, "Shared gold items", "Power now").iloc[:, -1])
    both = first.notna() & second.notna()
    assert (second[both] <= first[both]).all() and (second[both] < first[both]).any()  # a larger one needs fewer
    assert len(frame(at, "Gold items (consensus)", "Gold items (accuracy)")) == 3
    assert any("Test planned for: bootstrap max-T" in c.value for c in at.caption)


@pytest.mark.slow
def test_items_page_lists_suspect_gold_with_a_download() -> None:
    at = fast("items", PILOT)
    assert not at.exception, [e.value for e in at.exception]
    audit = frame(at, "Suggested label", "Votes for gold")
    expected = le.evaluate(PILOT, n_boot=0).gold_audit
    assert list(audit["Item"]) == list(expected.loc[expected["suspect"], "item_id"])
    assert "Item text" in audit.columns
    at.toggle(key="audit_exclude").set_value(True).run()
    assert not at.exception, [e.value for e in at.exception]
    side = frame(at, "Accuracy with the suspect gold", "Accuracy without")
    cleaned = le.evaluate(PILOT, n_boot=0, exclude_suspect_gold=True).summary.set_index("vendor")
    assert list(number(side["Gold items without"]).astype(int)) == list(cleaned["gold_items"])
    assert any("were left out of every accuracy figure" in m.value for m in at.markdown)


@pytest.mark.slow
def test_slices_page_on_a_project_without_metadata() -> None:
    at = fast("questions", str(ROOT / "sample_data" / "preference_pairs"))  # no [items], no gold metadata
    assert not at.exception, [e.value for e in at.exception]
    assert any("declares no item metadata" in i.value for i in at.info)


@pytest.mark.slow
@pytest.mark.parametrize("project", ["preference_pairs", "helpfulness_likert"])
def test_slices_and_items_pages_on_other_task_kinds(project: str) -> None:
    """No exception and no error on a pairwise or a rating-scale project; a project without submission times
    gets a warning that says which column to map instead of a drift chart."""
    path = str(ROOT / "sample_data" / project)
    for page in ("questions", "items"):
        at = fast(page, path)
        assert not at.exception, [e.value for e in at.exception]
        assert not at.error, [e.value for e in at.error]
    if project == "helpfulness_likert":
        assert any("submitted" in w.value for w in fast("questions", path).warning)
