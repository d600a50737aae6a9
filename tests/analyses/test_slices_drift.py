"""Slices, drift, suspect-gold exclusion and subsets on the planted pilot."""

from __future__ import annotations

import shutil
import warnings
from dataclasses import replace
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import labeleval as le
from labeleval.analyses.drift import change_points, drift_frames, windows_of
from labeleval.analyses.questions import accuracy_ranking
from labeleval.analyses.slices import AGAINST_MEAN, VENDORS_IN_SLICE, slice_frames, slice_tests, slice_values
from labeleval.errors import LabelevalError
from labeleval.io.dataset import Dataset
from labeleval.io.pipeline import load
from labeleval.options import Uncertainty
from labeleval.present.verdict import verdict
from labeleval.project.manifest import load_project
from labeleval.samples.pilot import generate_ticket_pilot
from labeleval.scoring.run import score
from labeleval.scoring.settings import Settings, resolve_settings
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
    bravo_cirrus = ranking.loc[("Bravo", "Cirrus")]
    assert bravo_cirrus["difference_differs"] and bravo_cirrus["differs_in"] == "en, es"
    assert bravo_cirrus["b_ahead_in"] == "en" and bravo_cirrus["a_ahead_beyond_chance_in"] == "es"
    # a crossover is claimed only when each vendor is ahead beyond chance somewhere: Cirrus's English lead is not
    assert bravo_cirrus["ranking_differs"] == bool(bravo_cirrus["b_ahead_beyond_chance_in"])
    assert not ranking.loc[("Atlas", "Bravo"), "ranking_differs"]  # Bravo leads Atlas in both
    assert ranking["test"].str.contains("items and annotators").all()


def test_slice_gold_counts_add_up(sliced: le.Report) -> None:
    per_vendor = sliced.slices.groupby("vendor")["gold_items"].sum()
    whole = sliced.summary.set_index("vendor")["gold_items"]
    assert (per_vendor == whole.reindex(per_vendor.index)).all()
    cost = sliced.slices.groupby("vendor")["total_cost"].sum()
    assert np.allclose(cost, sliced.summary.set_index("vendor")["total_cost"].reindex(cost.index))


def test_slice_tests_are_one_family(sliced: le.Report) -> None:
    c = sliced.slice_comparisons
    assert set(c["slice"]) == {"en", "es"} and (c["family"] == "slices").all()
    assert set(c["contrast"]) == {VENDORS_IN_SLICE, AGAINST_MEAN}
    assert set(c["metric"]) == {"accuracy", "consensus_accuracy"}  # the usable rate is the accuracy under gold
    assert (c["uncertainty"] == "items_and_annotators").all()
    tested = c[c["p_adjusted"].notna()]
    excludes_zero = (tested["ci_low"] > 0) | (tested["ci_high"] < 0)
    assert (tested["significant"] == excludes_zero).all()  # one max-T: test and simultaneous interval agree
    against = c[c["contrast"] == AGAINST_MEAN]
    sums = against.groupby(["vendor_a", "vendor_b"])["difference"].sum()
    assert np.allclose(sums, 0.0)  # each slice against the mean over slices: the contrasts add up to nothing


@pytest.fixture(scope="module")
def pilot_data(pilot: Path) -> tuple[Dataset, Settings]:
    project = load_project(pilot)
    return load(project, "memory"), resolve_settings(project, n_boot=200, seed=0)


def test_the_family_holds_every_slice(pilot_data: tuple[Dataset, Settings]) -> None:
    """A slice's comparisons are adjusted for every other slice tested beside it: with Spanish untested, the
    English comparisons' adjusted p-values and intervals can only shrink."""
    data, settings = pilot_data
    values = slice_values(data, "language")
    slices, _, _ = slice_frames(data, lambda part: score(part, settings), "language", settings=settings)
    both = slice_tests(data, settings, "language", values, slices)
    english_only = slices.assign(status=np.where(slices["slice"] == "es", "no gold", slices["status"]))
    alone = slice_tests(data, settings, "language", values, english_only)
    assert set(alone["slice"]) == {"en"} and (alone["contrast"] == VENDORS_IN_SLICE).all()
    key = ["vendor_a", "vendor_b", "metric"]
    merged = both[(both["slice"] == "en") & (both["contrast"] == VENDORS_IN_SLICE)].merge(alone, on=key)
    assert len(merged) == len(alone) > 0
    assert np.allclose(merged["difference_x"], merged["difference_y"])  # the same point estimates
    assert (merged["p_adjusted_x"] >= merged["p_adjusted_y"] - 1e-12).all()
    width_both, width_alone = merged["ci_high_x"] - merged["ci_low_x"], merged["ci_high_y"] - merged["ci_low_y"]
    assert (width_both > width_alone).all()  # a larger family: a larger simultaneous critical value


@pytest.mark.slow
def test_too_few_gold_items_is_said_not_shown(pilot: Path) -> None:
    report = le.evaluate(pilot, n_boot=100, by="difficulty")  # gold-file metadata: blank off gold
    s = report.slices
    missing = s[s["slice"] == "(missing)"]
    assert (missing["status"] == "no gold").all() and missing["accuracy"].isna().all()
    guarded = le.evaluate(pilot, n_boot=100, by="language", min_shared_gold=200).slices
    assert guarded["status"].str.startswith("too few gold items").all()
    assert guarded["accuracy"].isna().all() and guarded["alpha"].notna().all()


def test_drift_is_a_change_point_test_over_one_family(sliced: le.Report) -> None:
    d = sliced.drift
    assert len(d) == 9 and d["window"].nunique() == 3
    first = d["window"] == d["window"].iloc[0]
    assert d.loc[first, "p_adjusted"].isna().all() and d.loc[~first, "p_adjusted"].notna().all()
    later = d[~first]
    assert np.allclose(later["change"], later["accuracy_since"] - later["accuracy_before"])
    # the pooled accuracies are the windows' own: before the second window is the first, from the last is the last
    second, last = d[d["window"] == d["window"].unique()[1]], d[d["window"] == d["window"].unique()[-1]]
    assert np.allclose(second["accuracy_before"], d.loc[first, "accuracy"].to_numpy())
    assert np.allclose(last["accuracy_since"], last["accuracy"])
    assert (later["change_ci_low"] <= later["change"]).all() and (later["change"] <= later["change_ci_high"]).all()
    assert d["test"].str.startswith("change point").all() and (d["uncertainty"] == "items_and_annotators").all()
    assert (d.groupby("vendor")["changed"].sum() <= 1).all()  # one change point per vendor at most
    assert d["accuracy_ci_low"].notna().all() and d["cost_per_usable_label_ci_high"].notna().all()


@pytest.mark.slow
def test_drift_counts_the_annotators(pilot_data: tuple[Dataset, Settings]) -> None:
    """Cirrus's fall in week 3 is four of its ten annotators collapsing. Conditional on those annotators (items
    only) it is a clear change point; counting the annotators as the vendor's sample of its workforce widens the
    interval, as it should, and the annotators themselves are flagged in ``annotator_drift``."""
    data, settings = pilot_data
    frames = {}
    for uncertainty in ("items", "items_and_annotators"):
        chosen = replace(settings, uncertainty=Uncertainty(uncertainty))
        scorer = partial(score, settings=chosen)
        frames[uncertainty] = drift_frames(data, scorer, "week", settings=chosen)[0].set_index(["window", "vendor"])
    week3 = ("week of 2026-11-16", "Cirrus")
    items, both = frames["items"], frames["items_and_annotators"]
    assert items.loc[week3, "changed"] and items.loc[week3, "change"] < -0.1
    assert np.isclose(items.loc[week3, "change"], both.loc[week3, "change"])  # the same estimate
    width = both["change_ci_high"] - both["change_ci_low"]
    assert width.loc[week3] > (items["change_ci_high"] - items["change_ci_low"]).loc[week3]


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
    assert not d.loc[("week-2", "Cirrus"), "changed"] and np.isnan(d.loc[("week-2", "Cirrus"), "p_adjusted"])


def test_verdict_says_whether_suspect_gold_changes_the_ranking(pilot: Path) -> None:
    report = le.evaluate(pilot, n_boot=0)
    note = dict(report.settings["gold_audit"])
    assert note["suspect_gold"] == 11 and note["ranking_changed"] is False
    assert any("11 gold items look wrong" in s and "does not change" in s for s in verdict(report))
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
    note = report.settings["gold_audit"]
    assert note["suspect_gold"] > 0 and "Cirrus" not in note["ranking_with_suspects"]
    ranking = [s for s in verdict(report) if "accuracy ranking" in s]
    assert ranking and not any("Cirrus" in s for s in ranking)  # not ranked on an accuracy it has no data for


def test_the_accuracy_ranking_leaves_out_vendors_without_an_accuracy() -> None:
    summary = pd.DataFrame({"vendor": ["B", "A", "C", "D"], "accuracy": [0.8, 0.8, np.nan, 0.9]})
    assert accuracy_ranking(summary) == ["D", "A", "B"]
    assert accuracy_ranking(summary.iloc[::-1]) == ["D", "A", "B"]


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


def _null_weeks(folder: Path, rng: np.random.Generator) -> Path:
    """Two equal vendors, 6 weeks x 40 gold items, 16 annotators each (logit-skill sd 1) of whom 6 work each week:
    the vendors' populations never change, only who is on shift."""
    weeks, per_week, staff, shift = 6, 40, 16, 6
    n = weeks * per_week
    gold = rng.integers(0, 2, n)
    difficulty = 1.5 + rng.standard_normal(n)
    ids = np.array([f"i{i:03d}" for i in range(n)])
    pd.DataFrame({"item_id": ids, "label": np.array(["a", "b"])[gold]}).to_csv(folder / "gold.csv", index=False)
    manifest = '[task]\nname = "null"\nkind = "nominal"\nlabels = ["a", "b"]\n\n[gold]\npath = "gold.csv"\n'
    for vendor in ("A", "B"):
        skill = rng.standard_normal(staff)
        frames = []
        for w in range(weeks):
            item = np.repeat(np.arange(w * per_week, (w + 1) * per_week), 3)
            on_shift = rng.choice(staff, shift, replace=False)
            who = on_shift[np.argsort(rng.random((per_week, shift)), axis=1)[:, :3]].ravel()
            right = rng.random(len(item)) < 1 / (1 + np.exp(-(skill[who] + difficulty[item])))
            stamp = (pd.Timestamp("2026-01-05") + pd.Timedelta(weeks=w, hours=10)).strftime("%Y-%m-%dT%H:%M:%SZ")
            label = np.where(right, gold[item], 1 - gold[item])
            frames.append(
                pd.DataFrame(
                    {"item_id": ids[item], "annotator_id": who, "label": np.array(["a", "b"])[label], "t": stamp}
                )
            )
        pd.concat(frames).to_csv(folder / f"{vendor}.csv", index=False)
        manifest += (
            f'\n[[vendors]]\nname = "{vendor}"\npath = "{vendor}.csv"\ncolumns = {{ submitted_at = "t" }}\n'
            'pricing = { model = "per_label", rate = 0.1, currency = "USD" }\n'
        )
    (folder / "labeleval.toml").write_text(manifest)
    return folder


@pytest.mark.slow
def test_a_new_roster_on_shift_is_not_drift(tmp_path: Path) -> None:
    """A fast null check of the change-point family: 20 projects where only the roster on shift changes. Counting
    the annotators, a drift alarm is as rare as the family's level allows (at most 3 of 20 projects, where 5%
    gives 1 on average); with intervals over items only, the roster reads as drift more often."""
    rng = np.random.default_rng(11)
    alarms = {Uncertainty.ITEMS: 0, Uncertainty.ITEMS_AND_ANNOTATORS: 0}
    for r in range(20):
        project = load_project(_null_weeks(tmp_path, rng))
        data = load(project, "memory")
        labels, order, _ = windows_of(data, "week")
        frame = pd.DataFrame(
            [
                {"window": w, "vendor": v, "status": "ok", "baseline": np.nan, "changed": False}
                for w in order
                for v in "AB"
            ]
        )
        for uncertainty in alarms:
            tested = frame.copy()
            change_points(tested, data, labels, resolve_settings(project, n_boot=200, seed=r, uncertainty=uncertainty))
            alarms[uncertainty] += int(tested["changed"].any())
    assert alarms[Uncertainty.ITEMS_AND_ANNOTATORS] <= 3, alarms
    assert alarms[Uncertainty.ITEMS] > alarms[Uncertainty.ITEMS_AND_ANNOTATORS], alarms
