"""The app honours the manifest: the sidebar starts from the project's own settings, so the app
shows the numbers `labeleval score` prints; a user's change holds for the session; another project resets."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

import labeleval as le
from labeleval.cli.main import main
from labeleval.options import UsabilityRule
from labeleval.ui.screens.overview import leaderboard
from labeleval.ui.state import project_label
from tests.helpers.apptest import leaderboard_of

LABELS = ["a", "b", "c"]


def write_project(root: Path, *, gold: bool, extra: str = "") -> Path:
    """Two vendors, 80 items, 3 judgments each; Alpha is right 85% of the time, Beta 70%; 40 gold items."""
    rng = np.random.default_rng(7)
    root.mkdir(parents=True, exist_ok=True)
    truth = rng.integers(0, 3, size=80)
    for name, skill in (("Alpha", 0.85), ("Beta", 0.7)):
        rows = []
        for item, t in enumerate(truth):
            for worker in rng.choice(6, size=3, replace=False):
                right = rng.random() < skill
                label = t if right else (t + rng.integers(1, 3)) % 3
                rows.append({"item": f"i{item}", "worker": f"{name[0]}{worker}", "label": LABELS[label]})
        pd.DataFrame(rows).to_csv(root / f"{name.lower()}.csv", index=False)
    manifest = ["[task]", 'name = "Settings test"', 'kind = "nominal"', f"labels = {json.dumps(LABELS)}", ""]
    if gold:
        pd.DataFrame({"item": [f"i{i}" for i in range(40)], "gold": [LABELS[t] for t in truth[:40]]}).to_csv(
            root / "gold.csv", index=False
        )
        manifest += ["[gold]", 'path = "gold.csv"', 'columns = { item_id = "item", label = "gold" }', ""]
    manifest += [extra, ""]
    for name, rate in (("Alpha", 0.2), ("Beta", 0.1)):
        manifest += [
            "[[vendors]]",
            f'name = "{name}"',
            f'path = "{name.lower()}.csv"',
            'columns = { item_id = "item", annotator_id = "worker" }',
            f'pricing = {{ model = "per_label", rate = {rate}, currency = "USD" }}',
            "",
        ]
    (root / "labeleval.toml").write_text("\n".join(manifest), encoding="utf-8")
    return root


def run_overview(project: str) -> None:
    """AppTest script: the sidebar and the Overview page, as app.py wires them (the sidebar's values settled
    first, the page, then the sidebar's widgets)."""
    from pathlib import Path

    import streamlit as st

    from labeleval.ui.app import page_function
    from labeleval.ui.state import settings_state, sidebar_widgets

    st.session_state.setdefault("project_path", project)
    settings_state(Path(st.session_state["project_path"]))
    page_function("overview")()
    sidebar_widgets()


def cli_summary(project: Path, capsys: pytest.CaptureFixture[str]) -> pd.DataFrame:
    assert main(["score", str(project), "--format", "json"]) == 0
    return pd.DataFrame(json.loads(capsys.readouterr().out)["summary"])


NON_DEFAULT = """[usability]
rule = "gold_or_consensus"
min_confidence = 0.7

[data]
tie = "lowest"
consensus = "dawid_skene"

[quality]
target_accuracy = 0.9
"""


@pytest.mark.slow
@pytest.mark.parametrize(("gold", "extra"), [(False, '[usability]\nrule = "consensus"\n'), (True, NON_DEFAULT)])
def test_the_app_shows_what_the_cli_prints(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], gold: bool, extra: str
) -> None:
    project = write_project(tmp_path / "p", gold=gold, extra=extra)
    at = AppTest.from_function(run_overview, args=(str(project),), default_timeout=120).run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    own = le.load_project(project)
    assert at.selectbox(key="usability").value == own.usability.rule
    assert at.selectbox(key="tie").value == own.tie
    assert at.selectbox(key="consensus").value == own.consensus
    assert at.slider(key="min_confidence").value == pytest.approx(own.usability.min_confidence)
    assert at.slider(key="target_accuracy").value == pytest.approx(own.quality.target_accuracy)
    cli = cli_summary(project, capsys)
    report = le.evaluate(project)  # no overrides: what the CLI scores
    numeric = [c for c in cli.columns if pd.api.types.is_float_dtype(cli[c])]
    np.testing.assert_allclose(
        cli[numeric].to_numpy(dtype=float), report.summary[numeric].to_numpy(dtype=float), rtol=1e-9
    )
    assert leaderboard_of(at).equals(leaderboard(report).set_index("Vendor"))
    if not gold:  # a project without gold cannot use the gold rules: the sidebar does not offer them
        assert at.selectbox(key="usability").options == [UsabilityRule.CONSENSUS.description]


@pytest.mark.slow
def test_a_change_holds_and_another_project_resets_it(tmp_path: Path) -> None:
    plain = write_project(tmp_path / "plain", gold=True)
    special = write_project(tmp_path / "special", gold=True, extra=NON_DEFAULT)
    at = AppTest.from_function(run_overview, args=(str(special),), default_timeout=120).run()
    at.selectbox(key="tie").set_value("random").run()
    assert at.selectbox(key="tie").value == "random"
    expected = leaderboard(le.evaluate(special, tie="random")).set_index("Vendor")
    assert leaderboard_of(at).equals(expected)  # on the run the change made, though the widget is drawn last
    at.run()  # a rerun keeps the user's choice
    assert at.selectbox(key="tie").value == "random"
    assert leaderboard_of(at).equals(expected)
    at.session_state["project_choice_pending"] = str(plain)  # what opening another project (an upload) does
    at.run()
    assert not at.exception
    assert at.selectbox(key="tie").value == le.load_project(plain).tie != "random"
    assert at.selectbox(key="consensus").value == le.load_project(plain).consensus == "majority_vote"
    assert leaderboard_of(at).equals(leaderboard(le.evaluate(plain)).set_index("Vendor"))


@pytest.mark.slow
def test_a_project_chosen_in_the_sidebar_is_the_one_shown_on_that_run(tmp_path: Path) -> None:
    """The chooser is drawn after the page, yet the page of the run a choice makes already shows that project,
    with its own settings."""
    from tests.helpers.paths import ROOT

    plain = write_project(tmp_path / "plain", gold=True)
    at = AppTest.from_function(run_overview, args=(str(plain),), default_timeout=120).run()
    at.select_slider(key="n_boot").set_value(0).run()  # quick: no resampling
    at.selectbox(key="project_choice").set_value("helpfulness_likert").run()
    assert not at.exception, [e.value for e in at.exception]
    sample = ROOT / "sample_data" / "helpfulness_likert"
    assert "Response helpfulness (1-7)" in at.caption[0].value
    assert at.selectbox(key="tie").value == le.load_project(sample).tie
    assert leaderboard_of(at).equals(leaderboard(le.evaluate(sample, n_boot=0)).set_index("Vendor"))


@pytest.mark.slow
def test_ones_own_project_stays_in_the_chooser_after_a_sample(tmp_path: Path) -> None:
    """A project opened from the command line (or uploaded) is still offered after switching to a sample, and
    choosing it again shows it: switching back and forth keeps every project reachable."""
    plain = write_project(tmp_path / "plain", gold=True)
    at = AppTest.from_function(run_overview, args=(str(plain),), default_timeout=120).run()
    at.select_slider(key="n_boot").set_value(0).run()
    own = at.selectbox(key="project_choice").value
    shown = project_label(str(own))
    assert shown == "Settings test (plain)"  # the task's name and the folder's, not the path
    at.selectbox(key="project_choice").set_value("helpfulness_likert").run()
    assert shown in at.selectbox(key="project_choice").options
    at.selectbox(key="project_choice").set_value(own).run()
    assert not at.exception, [e.value for e in at.exception]
    assert Path(at.session_state["project_path"]).resolve() == plain.resolve()
    assert leaderboard_of(at).equals(leaderboard(le.evaluate(plain, n_boot=0)).set_index("Vendor"))
    at.selectbox(key="project_choice").set_value("content_safety").run()
    assert {shown, "helpfulness_likert"} <= set(at.selectbox(key="project_choice").options)
