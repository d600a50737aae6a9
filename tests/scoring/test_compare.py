"""Vendors compared end to end: intervals over items and annotators, comparisons on shared items, verdicts from
evidence, fractional ties, the redundancy recommendation with its uncertainty."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import labeleval as le
from labeleval.errors import LabelevalError
from labeleval.present.render import comparison_notes, comparisons_table
from labeleval.present.verdict import redundancy_line, verdict
from labeleval.scoring.compare import alpha_difference_df
from labeleval.scoring.statistics import Estimate, Estimates

LABELS = np.array(["a", "b", "c", "d"])


def _vendor_frame(
    rng: np.random.Generator,
    gold: np.ndarray,
    items: np.ndarray,
    skills: np.ndarray,
    per_item: int,
    prefix: str,
) -> pd.DataFrame:
    rows = []
    for i in items:
        who = rng.choice(len(skills), size=per_item, replace=False)
        right = rng.random(per_item) < skills[who]
        wrong = (gold[i] + rng.integers(1, 4, per_item)) % 4
        labels = np.where(right, gold[i], wrong)
        rows += [(f"i{i:04d}", f"{prefix}{w}", LABELS[label]) for w, label in zip(who, labels, strict=True)]
    return pd.DataFrame(rows, columns=["item_id", "annotator_id", "label"])


def write_project(
    folder: Path,
    vendors: dict[str, pd.DataFrame],
    gold: np.ndarray,
    gold_items: np.ndarray,
    rates: dict[str, float] | None = None,
    data: str = "",
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    pd.DataFrame({"item_id": [f"i{i:04d}" for i in gold_items], "label": LABELS[gold[gold_items]]}).to_csv(
        folder / "gold.csv", index=False
    )
    blocks = []
    for name, frame in vendors.items():
        frame.to_csv(folder / f"{name}.csv", index=False)
        rate = (rates or {}).get(name, 0.1)
        blocks.append(
            f'[[vendors]]\nname = "{name}"\npath = "{name}.csv"\n'
            f'pricing = {{ model = "per_label", rate = {rate}, currency = "USD" }}\n'
        )
    (folder / "labeleval.toml").write_text(
        '[task]\nname = "t"\nkind = "nominal"\nlabels = ["a", "b", "c", "d"]\n\n[gold]\npath = "gold.csv"\n\n'
        + (f"[data]\n{data}\n\n" if data else "")
        + "\n".join(blocks)
    )
    return folder


@pytest.fixture(scope="module")
def uneven(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A labels all 300 gold items; B only the 150 easiest (higher-skill there); 5 annotators each."""
    rng = np.random.default_rng(0)
    n = 300
    gold = rng.integers(0, 4, n)
    skills = np.array([0.95, 0.9, 0.7, 0.6, 0.85])
    a = _vendor_frame(rng, gold, np.arange(n), skills, 3, "a")
    b = _vendor_frame(rng, gold, np.arange(150), skills, 3, "b")
    return write_project(tmp_path_factory.mktemp("uneven"), {"A": a, "B": b}, gold, np.arange(n))


def test_comparisons_use_shared_items_and_say_so(uneven: Path) -> None:
    report = le.evaluate(uneven, n_boot=300)
    c = report.comparisons.set_index("metric")
    acc = c.loc["accuracy"]
    assert acc["shared_gold_items"] == 150 and acc["gold_items_a"] == 300 and acc["gold_items_b"] == 150
    assert "gold coverage differs" in acc["note"]
    annotations = pd.read_csv(uneven / "A.csv")
    gold = pd.read_csv(uneven / "gold.csv").set_index("item_id")["label"]
    shared = annotations[annotations["item_id"].isin(pd.read_csv(uneven / "B.csv")["item_id"])]
    on_shared = (shared["label"].to_numpy() == gold.reindex(shared["item_id"]).to_numpy()).mean()
    assert acc["estimate_a"] == pytest.approx(on_shared)  # A on the items both labelled, not all of A's
    summary = report.summary.set_index("vendor")
    assert summary.loc["A", "gold_items"] == 300  # each vendor's own figure keeps all its gold items
    assert acc["estimate_a"] != pytest.approx(summary.loc["A", "accuracy"])


def _confident_items(folder: Path, vendors: tuple[str, ...], min_confidence: float = 0.9) -> set[str]:
    """Items whose cross-vendor consensus is confident, counted from the files: each vendor's label shares on the
    item averaged over the vendors that labelled it, the top share at least ``min_confidence``, untied, and at
    least two judgments behind it."""
    frames = [pd.read_csv(folder / f"{name}.csv") for name in vendors]
    shares = [pd.crosstab(f["item_id"], f["label"], normalize="index") for f in frames]
    pooled = pd.concat(shares).fillna(0.0).groupby(level=0).mean()
    votes = pd.concat(frames)["item_id"].value_counts()
    top = pooled.max(axis=1)
    untied = pooled.eq(top, axis=0).sum(axis=1) == 1
    keep = (top >= min_confidence - 1e-12) & untied & (votes.reindex(pooled.index) >= 2)
    return set(pooled.index[keep])


def test_each_comparison_says_how_many_items_its_test_used(uneven: Path) -> None:
    """The count beside a difference is the count of the items the test used: shared gold items for the
    accuracies; under the consensus rule, the shared items with a confident consensus for the usable rate and
    the cost per usable label (not the shared items); the verdict says the same count."""
    by_gold = le.evaluate(uneven, n_boot=100).comparisons.set_index("metric")
    assert by_gold.loc["accuracy", "compared_items"] == 150
    assert by_gold.loc["accuracy", "compared_on"] == "gold items"
    assert by_gold.loc["cost_per_usable_label", "compared_items"] == 150
    report = le.evaluate(uneven, n_boot=100, usability="consensus")
    c = report.comparisons.set_index("metric")
    shared = set(pd.read_csv(uneven / "B.csv")["item_id"])
    confident_shared = len(_confident_items(uneven, ("A", "B")) & shared)
    assert 0 < confident_shared < c.loc["usable_rate", "shared_items"]
    for metric in ("usable_rate", "cost_per_usable_label"):
        assert c.loc[metric, "compared_items"] == confident_shared
        assert c.loc[metric, "compared_on"] == "confident items"
    assert c.loc["accuracy", "compared_items"] == 150  # the accuracies stay on the shared gold items
    summary = report.summary.set_index("vendor")
    assert summary.loc["B", "usable_items"] == confident_shared  # B labelled only the shared items
    assert summary.loc["A", "usable_items"] == len(_confident_items(uneven, ("A", "B")))
    shown = set(comparisons_table(report)["Compared on"])
    assert f"{confident_shared:,} confident items" in shown and "150 gold items" in shown
    said = re.findall(r"compared on the ([\d,]+) ([a-z ]+?) both labelled", " ".join(verdict(report)))
    assert said, verdict(report)
    assert {f"{n} {what}" for n, what in said} <= shown


def test_a_cost_sentence_says_what_the_usable_rate_rests_on(uneven: Path, tmp_path: Path) -> None:
    vendors = {name: pd.read_csv(uneven / f"{name}.csv") for name in ("A", "B")}
    gold = pd.read_csv(uneven / "gold.csv")
    codes = np.array([list(LABELS).index(x) for x in gold["label"]])
    project = write_project(tmp_path / "p", vendors, codes, np.arange(len(codes)), rates={"A": 0.02, "B": 0.2})
    report = le.evaluate(project, n_boot=100, usability="consensus")
    summary = report.summary.set_index("vendor")
    sentence = next(t for t in verdict(report) if "cheapest per usable label" in t)
    assert f"(usable rate on {summary.loc['A', 'usable_items']:,} confident items" not in sentence
    assert f"; usable rate on {summary.loc['A', 'usable_items']:,} confident items)" in sentence
    gold_rule = next(t for t in verdict(le.evaluate(project, n_boot=100)) if "cheapest per usable label" in t)
    assert "usable rate on" not in gold_rule  # under the gold rule it is the accuracy, on the leaderboard's items


def test_a_difference_apart_from_the_leaderboard_gap_is_explained(uneven: Path) -> None:
    report = le.evaluate(uneven, n_boot=100)
    notes = comparison_notes(report)
    assert len(notes) == 1 and "'Compared on'" in notes[0]
    acc = report.comparisons.set_index("metric").loc["accuracy"]
    own = report.summary.set_index("vendor")["accuracy"]
    assert f"{100 * acc['estimate_a']:.1f}% vs {100 * acc['estimate_b']:.1f}% on 150 gold items" in notes[0]
    assert f"{100 * own['A']:.1f}% vs {100 * own['B']:.1f}% as their own figures" in notes[0]


def test_no_gap_note_when_every_vendor_labelled_the_same_items(five_annotators: Path) -> None:
    assert comparison_notes(le.evaluate(five_annotators, n_boot=50)) == []


def test_too_few_shared_gold_items_are_not_compared(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    gold = rng.integers(0, 4, 40)
    a = pd.DataFrame({"item_id": ["i0000"], "annotator_id": ["x"], "label": [LABELS[gold[0]]]})
    b = pd.DataFrame({"item_id": ["i0000"], "annotator_id": ["y"], "label": [LABELS[(gold[0] + 1) % 4]]})
    project = write_project(tmp_path / "p", {"A": a, "B": b}, gold, np.arange(1))
    report = le.evaluate(project, n_boot=200)
    decision = report.comparisons[report.comparisons["family"] == "decision"]
    assert not decision["significant"].any()
    assert decision["p_adjusted"].isna().all()  # never p = 0 from a zero bootstrap SE
    assert decision["note"].str.contains("cannot be compared yet").all()
    text = " ".join(verdict(report))
    assert "beyond chance" not in text and "cannot be compared" in text
    summary = report.summary.set_index("vendor")
    assert summary.loc["A", "accuracy_ci_low"] < 1 and summary.loc["B", "accuracy_ci_high"] > 0  # no [100%, 100%]


def test_min_shared_gold_is_a_setting(uneven: Path, tmp_path: Path) -> None:
    report = le.evaluate(uneven, n_boot=100, min_shared_gold=200)
    assert report.comparisons.query("family == 'decision'")["p_adjusted"].isna().all()
    assert report.settings["min_shared_gold"] == 200
    with pytest.raises(LabelevalError, match="min_shared_gold"):
        le.evaluate(uneven, n_boot=10, min_shared_gold=-1)


@pytest.fixture(scope="module")
def five_annotators(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rng = np.random.default_rng(3)
    n = 300
    gold = rng.integers(0, 4, n)
    a = _vendor_frame(rng, gold, np.arange(n), np.array([0.97, 0.95, 0.6, 0.55, 0.9]), 3, "a")
    b = _vendor_frame(rng, gold, np.arange(n), np.array([0.8, 0.82, 0.78, 0.81, 0.79]), 3, "b")
    return write_project(tmp_path_factory.mktemp("five"), {"A": a, "B": b}, gold, np.arange(n))


def test_intervals_cover_annotators_by_default_and_items_on_request(five_annotators: Path) -> None:
    two_way = le.evaluate(five_annotators, n_boot=400).summary.set_index("vendor")
    items = le.evaluate(five_annotators, n_boot=400, uncertainty="items").summary.set_index("vendor")
    width = two_way["accuracy_ci_high"] - two_way["accuracy_ci_low"]
    item_width = items["accuracy_ci_high"] - items["accuracy_ci_low"]
    assert width["A"] > 1.5 * item_width["A"]  # A's annotators differ a lot: the vendor-level interval widens
    assert width["B"] == pytest.approx(item_width["B"], rel=0.35)  # B's barely differ: little changes
    assert two_way["accuracy"].equals(items["accuracy"])


def test_reports_say_what_the_intervals_cover(five_annotators: Path, tmp_path: Path) -> None:
    report = le.evaluate(five_annotators, n_boot=50)
    assert report.settings["uncertainty"] == "items_and_annotators"
    assert "annotators" in str(report.settings["ci_method"])
    assert "alpha's widened by its annotators' part" in str(report.settings["agreement_ci_method"])
    assert set(report.comparisons["uncertainty"]) == {"items_and_annotators"}  # alpha's family too
    text = (
        (five_annotators / "labeleval.toml")
        .read_text()
        .replace("[[vendors]]", '[data]\nuncertainty = "items"\n\n[[vendors]]', 1)
    )
    (tmp_path / "m").mkdir()
    for f in five_annotators.iterdir():
        (tmp_path / "m" / f.name).write_bytes(f.read_bytes())
    (tmp_path / "m" / "labeleval.toml").write_text(text)
    items = le.evaluate(tmp_path / "m", n_boot=20)
    assert items.settings["uncertainty"] == "items"
    assert items.settings["agreement_ci_method"] == "percentile, item-clustered Poisson bootstrap (items only)"
    assert set(items.comparisons["uncertainty"]) == {"items"}
    (tmp_path / "m" / "labeleval.toml").write_text(text.replace('"items"', '"annotators"'))
    with pytest.raises(LabelevalError, match="uncertainty"):
        le.load_project(tmp_path / "m")


def test_perfect_vendor_never_gets_a_zero_width_interval(tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    gold = rng.integers(0, 4, 100)
    a = _vendor_frame(rng, gold, np.arange(100), np.ones(10), 3, "a")
    report = le.evaluate(write_project(tmp_path / "p", {"A": a}, gold, np.arange(100)), n_boot=200)
    row = report.summary.iloc[0]
    for metric in ("accuracy", "consensus_accuracy"):
        assert row[metric] == 1.0
        assert 0.9 < row[f"{metric}_ci_low"] < 1.0 and row[f"{metric}_ci_high"] == 1.0
    assert row["cost_per_usable_label_ci_high"] > row["cost_per_usable_label"]


@pytest.mark.slow
def test_fractional_ties_make_two_labels_no_worse_than_one(tmp_path: Path) -> None:
    """Identical annotators; one vendor sells 2 labels per item, one sells 1: with fractional credit their
    consensus accuracies agree; with abstain the 2-label vendor looks worse by construction."""
    rng = np.random.default_rng(5)
    n = 3000
    gold = rng.integers(0, 4, n)
    skills = np.full(20, 0.85)
    one = _vendor_frame(rng, gold, np.arange(n), skills, 1, "o")
    two = _vendor_frame(rng, gold, np.arange(n), skills, 2, "t")
    project = write_project(tmp_path / "p", {"One": one, "Two": two}, gold, np.arange(n))
    report = le.evaluate(project, n_boot=200)
    assert report.settings["tie"] == "fractional"
    s = report.summary.set_index("vendor")
    assert s.loc["Two", "consensus_ties"] > 0 and s.loc["One", "consensus_ties"] == 0
    assert s.loc["Two", "consensus_accuracy"] == pytest.approx(s.loc["One", "consensus_accuracy"], abs=0.03)
    row = report.comparisons.query("metric == 'consensus_accuracy'").iloc[0]
    assert not row["significant"]
    abstain = le.evaluate(project, n_boot=200, tie="abstain").summary.set_index("vendor")
    assert abstain.loc["Two", "consensus_accuracy"] < abstain.loc["One", "consensus_accuracy"] - 0.05
    # the redundancy curve uses the same rule: k = 2 is not worse than k = 1
    curve = report.redundancy.query("vendor == 'Two'").set_index("k")["accuracy"]
    assert curve.loc[2] == pytest.approx(curve.loc[1], abs=0.02)


def test_identical_vendors_are_never_beaten_on_both(tmp_path: Path) -> None:
    rng = np.random.default_rng(6)
    n = 200
    gold = rng.integers(0, 4, n)
    skills = np.full(30, 0.8)
    vendors = {v: _vendor_frame(rng, gold, np.arange(n), skills, 3, v) for v in ("A", "B")}
    report = le.evaluate(write_project(tmp_path / "p", vendors, gold, np.arange(n)), n_boot=300)
    text = " ".join(verdict(report))
    assert "beaten on both" not in text.lower()
    assert "each step up" not in text


def test_perfect_vendors_at_the_same_price_get_no_ordering(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    gold = rng.integers(0, 4, 100)
    vendors = {v: _vendor_frame(rng, gold, np.arange(100), np.ones(5), 3, v) for v in ("A", "B")}
    report = le.evaluate(write_project(tmp_path / "p", vendors, gold, np.arange(100)), n_boot=100)
    sentences = verdict(report)
    assert any("level" in s and "do not order them" in s for s in sentences)
    assert not any("beyond chance" in s or "costs more" in s for s in sentences)


def test_nothing_is_said_about_a_metric_a_vendor_has_no_data_for(tmp_path: Path) -> None:
    rng = np.random.default_rng(8)
    n = 200
    gold = rng.integers(0, 4, n)
    a = _vendor_frame(rng, gold, np.arange(100), np.full(10, 0.8), 3, "a")  # gold items 0..99
    b = _vendor_frame(rng, gold, np.arange(100, 200), np.full(10, 0.8), 3, "b")  # no gold items
    project = write_project(tmp_path / "p", {"A": a, "B": b}, gold, np.arange(100), rates={"A": 0.1, "B": 0.01})
    report = le.evaluate(project, n_boot=100)
    assert np.isnan(report.summary.set_index("vendor").loc["B", "cost_per_usable_label"])
    text = " ".join(verdict(report))
    assert "beaten" not in text and "B is" not in text and "ahead of B" not in text


def test_redundancy_line_says_whether_the_interval_clears_the_target(five_annotators: Path) -> None:
    report = le.evaluate(five_annotators, n_boot=50, target_accuracy=0.9)
    line = redundancy_line(report)
    curve = report.redundancy
    clears = curve[curve["accuracy_ci_low"] >= 0.9]
    if clears.empty:
        assert "no vendor and k clears it" in line or "no vendor reaches" in line
    else:
        best = clears.sort_values("cost_per_item").iloc[0]
        assert f"{best['vendor']} with k={int(best['k'])}" in line
        assert "clears" in line
    assert (curve["clears_target"] == (curve["accuracy_ci_low"] >= 0.9)).all()


def test_per_class_comparisons_are_a_family_of_their_own(tmp_path: Path) -> None:
    """A rare class's recall far apart is found, in the right direction, by the per-class family; its tests stay
    out of the headline family (whose size and power are unchanged) and the family is named in every row."""
    from tests.helpers.class_projects import write_classes

    project = write_classes(
        tmp_path / "p", (0.9, 0.1), {"A": (0.95, 0.9), "B": (0.95, 0.3)}, gold_items=800, annotators=10, seed=3
    )
    report = le.evaluate(project, n_boot=300, seed=1)
    assert set(report.comparisons["family"]) <= {"decision", "agreement"}
    classes = report.class_comparisons
    assert len(classes) == 2 * 2 and set(classes["family"]) == {"per_class"}
    assert classes["test"].str.contains("max-T over every pair x class").all()
    rare = classes[(classes["label"] == "c1") & (classes["metric"] == "recall")].iloc[0]
    assert rare["significant"] and rare["difference"] > 0 and rare["vendor_a"] == "A"
    assert (classes["ci_low"] <= classes["difference"]).all() and (classes["difference"] <= classes["ci_high"]).all()
    assert (classes["significant"] == (classes["p_adjusted"] <= 0.05)).all()


def test_per_class_comparisons_of_identical_vendors_find_nothing(tmp_path: Path) -> None:
    from tests.helpers.class_projects import write_classes

    project = write_classes(tmp_path / "p", (0.8, 0.15, 0.05), {"A": (0.9, 0.7, 0.6)}, seed=4)
    frame = pd.read_csv(project / "A.csv")
    frame.assign(annotator_id=frame["annotator_id"].str.replace("A", "B")).to_csv(project / "B.csv", index=False)
    manifest = (project / "labeleval.toml").read_text()
    (project / "labeleval.toml").write_text(manifest + manifest.split("\n\n")[-1].replace('"A', '"B'))
    report = le.evaluate(project, n_boot=300, seed=2)
    classes = report.class_comparisons
    assert len(classes) == 3 * 2 and (classes["difference"] == 0).all() and not classes["significant"].any()


def test_per_class_comparisons_need_shared_gold(tmp_path: Path) -> None:
    from tests.helpers.class_projects import write_classes

    project = write_classes(tmp_path / "p", (0.8, 0.2), {"A": (0.9, 0.7), "B": (0.9, 0.7)}, gold_items=40, seed=5)
    report = le.evaluate(project, n_boot=100, seed=2, min_shared_gold=50)
    classes = report.class_comparisons
    assert (classes["test"] == "not tested").all() and classes["note"].str.contains("too few shared gold").all()


def _alpha_estimates(dfs: dict[str, float], sds: dict[str, float]) -> Estimates:
    rng = np.random.default_rng(0)
    samples = {(v, "alpha"): 0.6 + sd * rng.standard_normal(4000) for v, sd in sds.items()}
    table = {(v, "alpha"): Estimate(0.6, 0.5, 0.7) for v in sds}
    return Estimates(table, samples, alpha_df=dfs)


def test_alpha_difference_df_is_satterthwaites_of_the_two_alphas() -> None:
    """Two alphas of equal spread on 4 df each: about 8 df (the sum); one far wider: about its own 4; under
    item-only intervals (no df recorded): normal."""
    equal = alpha_difference_df(_alpha_estimates({"A": 4.0, "B": 4.0}, {"A": 0.05, "B": 0.05}), "A", "B")
    assert equal == pytest.approx(8.0, rel=0.1)
    wide = alpha_difference_df(_alpha_estimates({"A": 4.0, "B": 40.0}, {"A": 0.2, "B": 0.02}), "A", "B")
    assert 4.0 <= wide < 4.5
    one = alpha_difference_df(_alpha_estimates({"A": 6.0}, {"A": 0.05, "B": 0.05}), "A", "B")
    assert one == pytest.approx(24.0, rel=0.15)  # (2v)^2 / (v^2 / 6)
    assert alpha_difference_df(_alpha_estimates({}, {"A": 0.05, "B": 0.05}), "A", "B") == np.inf
