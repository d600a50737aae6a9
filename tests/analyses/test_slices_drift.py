"""Slices, drift, suspect-gold exclusion and subsets on the planted pilot."""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import labeleval as le
from labeleval.analyses.slices import gail_simon_p
from labeleval.errors import LabelevalError
from labeleval.samples.pilot import generate_ticket_pilot
from tests.helpers.paths import ROOT


@pytest.fixture(scope="module")
def pilot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_ticket_pilot(tmp_path_factory.mktemp("pilot")).parent


@pytest.fixture(scope="module")
def sliced(pilot: Path) -> le.Report:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no numpy or pandas warning reaches the console
        return le.evaluate(pilot, n_boot=300, seed=0, by="language", over="week")


@pytest.mark.slow
def test_slices_show_every_vendor_with_intervals(sliced: le.Report) -> None:
    s = sliced.slices.set_index(["slice", "vendor"])
    assert set(s.index.get_level_values("slice")) == {"en", "es"}
    assert (s["status"] == "ok").all()
    assert (s["accuracy_ci_low"] <= s["accuracy"]).all() and (s["accuracy"] <= s["accuracy_ci_high"]).all()
    # planted: Bravo is best on Spanish, Cirrus on English
    assert s.loc[("es", "Bravo"), "accuracy"] > s.loc[("es", "Cirrus"), "accuracy"]
    assert s.loc[("en", "Cirrus"), "accuracy"] > s.loc[("en", "Bravo"), "accuracy"]
    ranking = sliced.slice_ranking.set_index(["vendor_a", "vendor_b"])
    assert bool(ranking.loc[("Bravo", "Cirrus"), "ranking_differs"])
    assert not bool(ranking.loc[("Atlas", "Bravo"), "ranking_differs"])  # Bravo leads Atlas in both


def test_slice_gold_counts_add_up(sliced: le.Report) -> None:
    per_vendor = sliced.slices.groupby("vendor")["gold_items"].sum()
    whole = sliced.summary.set_index("vendor")["gold_items"]
    assert (per_vendor == whole.reindex(per_vendor.index)).all()
    cost = sliced.slices.groupby("vendor")["total_cost"].sum()
    assert np.allclose(cost, sliced.summary.set_index("vendor")["total_cost"].reindex(cost.index))


def test_slice_comparisons_are_adjusted_across_slices(sliced: le.Report) -> None:
    c = sliced.slice_comparisons
    assert set(c["slice"]) == {"en", "es"}
    finite = c["p_value"].notna()
    assert (c.loc[finite, "p_adjusted_slices"] >= c.loc[finite, "p_value"] - 1e-12).all()


@pytest.mark.slow
def test_too_few_gold_items_is_said_not_shown(pilot: Path) -> None:
    report = le.evaluate(pilot, n_boot=100, by="difficulty")  # gold-file metadata: blank off gold
    s = report.slices
    missing = s[s["slice"] == "(missing)"]
    assert (missing["status"] == "no gold").all() and missing["accuracy"].isna().all()
    guarded = le.evaluate(pilot, n_boot=100, by="language", min_shared_gold=200).slices
    assert guarded["status"].str.startswith("too few gold items").all()
    assert guarded["accuracy"].isna().all() and guarded["alpha"].notna().all()


def test_drift_flags_only_the_planted_change(sliced: le.Report) -> None:
    d = sliced.drift
    assert len(d) == 9 and d["window"].nunique() == 3
    changed = d[d["changed"]]
    assert list(changed["vendor"]) == ["Cirrus"] and changed["window"].iloc[0] == "week of 2026-11-16"
    assert changed["change"].iloc[0] < -0.1
    assert d["accuracy_ci_low"].notna().all() and d["cost_per_usable_label_ci_high"].notna().all()


def test_annotator_drift_finds_the_collapsing_annotators(sliced: le.Report) -> None:
    people = sliced.annotator_drift
    flagged = people[people["drift"] != ""]
    assert set(flagged["vendor"]) == {"Cirrus"}
    assert set(flagged["annotator_id"]) <= {"ci-001", "ci-002", "ci-003", "ci-004"}  # the planted drifters
    assert len(set(flagged["annotator_id"])) >= 3
    assert flagged["window"].eq("week of 2026-11-16").all()


@pytest.mark.slow
def test_drift_by_batch_and_day(pilot: Path) -> None:
    batch = le.evaluate(pilot, n_boot=100, over="batch").drift
    assert list(dict.fromkeys(batch["window"])) == ["week-1", "week-2", "week-3"]
    with pytest.raises(LabelevalError, match="over must be one of"):
        le.evaluate(pilot, n_boot=0, over="month")
    with pytest.raises(LabelevalError, match="no item metadata column 'country'"):
        le.evaluate(pilot, n_boot=0, by="country")


def test_exclude_suspect_gold(pilot: Path) -> None:
    plain = le.evaluate(pilot, n_boot=0)
    cleaned = le.evaluate(pilot, n_boot=0, exclude_suspect_gold=True)
    note = cleaned.settings["gold_audit"]
    assert len(note["excluded_gold"]) == int(plain.gold_audit["suspect"].sum()) > 0
    before = plain.summary.set_index("vendor")["accuracy"]
    after = cleaned.summary.set_index("vendor")["accuracy"]
    assert (after > before).all()  # wrong gold lowered every vendor's accuracy
    assert (cleaned.summary["gold_items"] == plain.summary["gold_items"] - len(note["excluded_gold"])).all()
    assert "ranking_changed" in note


@pytest.mark.slow
def test_a_vendor_absent_from_a_window_is_no_data(tmp_path: Path, pilot: Path) -> None:
    """Cirrus delivers week 1 only; Bravo's week-2 rows carry no gold: frames say so, nothing raises."""
    project = tmp_path / "p"
    shutil.copytree(pilot, project)
    cirrus = pd.read_csv(project / "cirrus.csv")
    cirrus[cirrus["batch"] == "week-1"].to_csv(project / "cirrus.csv", index=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        report = le.evaluate(project, n_boot=100, over="batch", by="language")
    d = report.drift.set_index(["window", "vendor"])
    assert d.loc[("week-2", "Cirrus"), "status"] == "absent"
    assert d.loc[("week-2", "Cirrus"), "n_judgments"] == 0 and np.isnan(d.loc[("week-2", "Cirrus"), "accuracy"])
    assert not d.loc[("week-2", "Cirrus"), "changed"]


def test_gail_simon_against_its_definition() -> None:
    d, se = np.array([0.05, -0.04]), np.array([0.02, 0.02])
    q_plus, q_minus, p = gail_simon_p(d, se)
    assert q_minus == pytest.approx(6.25) and q_plus == pytest.approx(4.0)
    assert p == pytest.approx(0.5 * stats.chi2.sf(4.0, 1))  # k = 2: Binomial(1; 1, 1/2) = 1/2
    assert gail_simon_p(np.array([0.05, 0.04]), se)[2] == 1.0  # same sign everywhere: no crossover


def test_verdict_says_whether_suspect_gold_changes_the_ranking(pilot: Path) -> None:
    from dataclasses import replace

    from labeleval.present.verdict import verdict

    report = le.evaluate(pilot, n_boot=0)
    note = dict(report.settings["gold_audit"])
    assert note["suspect_gold"] == 13 and note["ranking_changed"] is False
    assert any("13 gold items look wrong" in s and "does not change" in s for s in verdict(report))
    note.update(ranking_changed=True, ranking_without_suspects=["Cirrus", "Bravo", "Atlas"])
    changed = replace(report, settings={**report.settings, "gold_audit": note})
    assert any(
        "changes the accuracy ranking from Bravo > Cirrus > Atlas to Cirrus > Bravo > Atlas" in s
        for s in verdict(changed)
    )


@pytest.mark.slow
def test_a_vendor_without_gold_is_no_data(tmp_path: Path, pilot: Path) -> None:
    project = tmp_path / "p"
    shutil.copytree(pilot, project)
    gold = set(pd.read_csv(project / "gold.csv")["ticket"])
    cirrus = pd.read_csv(project / "cirrus.csv")
    cirrus[~cirrus["ticket"].isin(gold)].to_csv(project / "cirrus.csv", index=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        report = le.evaluate(project, n_boot=100, by="language", over="week")
    assert (report.slices.loc[report.slices["vendor"] == "Cirrus", "status"] == "no gold").all()
    assert (report.drift.loc[report.drift["vendor"] == "Cirrus", "status"] == "no gold").all()


def test_the_bundled_pilot_is_what_the_generator_writes(tmp_path: Path) -> None:
    bundled = ROOT / "sample_data" / "ticket_pilot"
    fresh = generate_ticket_pilot(tmp_path / "pilot").parent
    names = sorted(p.relative_to(bundled) for p in bundled.rglob("*") if p.is_file())
    assert names == sorted(p.relative_to(fresh) for p in fresh.rglob("*") if p.is_file())
    for name in names:
        assert (bundled / name).read_bytes() == (fresh / name).read_bytes(), name


@pytest.mark.slow
def test_the_streaming_engine_gives_the_same_frames(pilot: Path) -> None:
    """The chunked engine hands categorical ids to the audit, slices and drift: same frames as in memory."""
    options = {"n_boot": 100, "by": "language", "over": "week", "exclude_suspect_gold": True}
    memory = le.evaluate(pilot, engine="memory", **options)  # type: ignore[arg-type]
    stream = le.evaluate(pilot, engine="stream", **options)  # type: ignore[arg-type]
    for name in ("gold_audit", "slices", "slice_ranking", "drift", "annotator_drift"):
        pd.testing.assert_frame_equal(getattr(memory, name), getattr(stream, name), check_dtype=False)
    assert memory.settings["gold_audit"] == stream.settings["gold_audit"]
