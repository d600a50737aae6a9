"""The app's "Replace & watch" page, under Streamlit's AppTest."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import labeleval as le
from labeleval.ui.screens import decisions as decisions_page
from tests.helpers.apptest import page_test
from tests.helpers.paths import ROOT
from tests.helpers.replacement_projects import write_replacement_project

JUDGE = str(ROOT / "sample_data" / "llm_judge")


def _run(project: str):
    at = page_test("decisions", project)
    at.session_state["n_boot"] = 0
    return at.run()


@pytest.mark.slow
def test_replacement_and_watch_on_the_model_judge_sample() -> None:
    at = _run(JUDGE)
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert at.selectbox(key="alt_candidate").value == "Judge-Small"  # the cheapest by cost per usable label
    at.selectbox(key="alt_candidate").set_value("Judge-Large").run()
    at.selectbox(key="alt_incumbent").set_value("Panel").run()
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    assert "Judge-Large can replace Panel's annotators: it wins against 5 of 5" in text
    watched = le.evaluate(JUDGE, n_boot=0).sequential()
    decided = watched.decisions.set_index(["vendor_a", "vendor_b"])["decision"]
    assert f"Panel vs Judge-Large: {decided[('Panel', 'Judge-Large')]}" in text
    assert "anytime-valid confidence sequences" in text


def _without_times(tmp_path: Path) -> str:
    manifest = write_replacement_project(tmp_path, n_items=60)
    text = manifest.read_text(encoding="utf-8")
    text = text.replace(', submitted_at = "submitted_at"', "").replace('submitted_at = "created_at", ', "")
    manifest.write_text(text, encoding="utf-8")
    pd.read_csv(tmp_path / "panel.csv").drop(columns="submitted_at").to_csv(tmp_path / "panel.csv", index=False)
    records = [json.loads(line) for line in (tmp_path / "model.jsonl").read_text(encoding="utf-8").splitlines()]
    lines = [json.dumps({k: v for k, v in r.items() if k != "created_at"}) for r in records]
    (tmp_path / "model.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(tmp_path)


@pytest.mark.slow
def test_a_project_without_times_says_so(tmp_path: Path) -> None:
    at = _run(_without_times(tmp_path))
    assert not at.exception, [e.value for e in at.exception]
    assert any("needs submission times" in i.value for i in at.info)
    assert any("Model can replace Panel" in m.value for m in at.markdown)  # the replacement test needs none


@pytest.mark.slow
def test_the_overview_shows_each_pairs_watch_status() -> None:
    """The Overview's watch panel: one row per pair, each decision as ``labeleval watch`` takes it (its
    defaults) with the day it was reached; none for a project without submission times."""
    at = page_test("overview", JUDGE)
    at.session_state["n_boot"] = 0
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(h.value == "Watching the pilot" for h in at.subheader)
    table = next(m.value for m in at.markdown if m.value.startswith("| Pair |"))
    watched = le.evaluate(JUDGE, n_boot=0).sequential()
    assert len(table.splitlines()) == 2 + len(watched.decisions)
    first = watched.decisions.set_index(["vendor_a", "vendor_b"]).loc[("Panel", "Judge-Large")]
    assert f"Judge-Large better since {first['first_window']} (day {int(first['first_look'])} of" in table
    cost = watched.cost_decisions.set_index(["vendor_a", "vendor_b"]).loc[("Panel", "Crowd")]
    assert f"Crowd cheaper since {cost['first_window']}" in table


@pytest.mark.slow
def test_no_watch_panel_without_submission_times_or_above_the_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = page_test("overview", _without_times(tmp_path))
    plain.session_state["n_boot"] = 0
    plain.run()
    assert not plain.exception and not any(h.value == "Watching the pilot" for h in plain.subheader)
    monkeypatch.setattr(decisions_page, "OVERVIEW_WATCH_MAX_JUDGMENTS", 100)  # the sample has 2,880 judgments
    large = page_test("overview", JUDGE)
    large.session_state["n_boot"] = 0
    large.run()
    assert not large.exception and not any(h.value == "Watching the pilot" for h in large.subheader)
    assert any("on the Replace & watch page (this project is large)" in c.value for c in large.caption)
