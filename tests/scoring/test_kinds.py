"""Task kinds beyond nominal: pairwise preferences, Likert (ordinal), numeric scores, multi-label sets. Each
kind-specific figure is checked against the metric functions or direct computation (multi-label end to end, by
brute force from the sets), and the sample projects' planted behaviour (position bias, high tie rate, lenient
raters) must be found."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binomtest

import labeleval as le
from labeleval.inference.stats import binomial_two_sided
from labeleval.metrics.preference import agreement_without_ties
from tests.helpers.paths import ROOT

PAIRS = ROOT / "sample_data" / "preference_pairs"
LIKERT = ROOT / "sample_data" / "helpfulness_likert"


@pytest.fixture(scope="module")
def pairs_report() -> le.Report:
    return le.evaluate(PAIRS, n_boot=200, seed=2)


@pytest.fixture(scope="module")
def likert_report() -> le.Report:
    return le.evaluate(LIKERT, n_boot=200, seed=2)


def metric(report: le.Report, vendor: str, name: str) -> pd.Series:
    t = report.task_metrics
    return t[(t.vendor == vendor) & (t.metric == name)].iloc[0]


# ------------------------------------------------------------------------------------------ pairwise
def test_planted_position_bias_is_found(pairs_report: le.Report) -> None:
    assert metric(pairs_report, "Scale", "chose_first_shown")["p_value"] < 1e-6
    assert metric(pairs_report, "Scale", "chose_first_shown")["value"] > 0.55
    for vendor in ("Surge", "Mercor"):
        assert metric(pairs_report, vendor, "chose_first_shown")["p_value"] > 0.01
    truth = pd.read_csv(PAIRS / "_truth" / "annotators.csv")
    cards = pairs_report.annotators.merge(truth, left_on="annotator_id", right_on="annotator")
    by_type = cards.groupby("planted")["chose_first_shown"].mean()
    assert by_type["position-biased"] > 0.7 and abs(by_type["honest"] - 0.5) < 0.05


def test_planted_tie_rate_and_agreement_without_ties(pairs_report: le.Report) -> None:
    rates = {v: metric(pairs_report, v, "tie_rate")["value"] for v in ("Scale", "Surge", "Mercor")}
    assert max(rates, key=rates.__getitem__) == "Surge"
    for vendor in rates:
        assert (
            metric(pairs_report, vendor, "agreement_without_ties")["value"]
            > metric(pairs_report, vendor, "agreement_with_ties")["value"]
        )
        assert metric(pairs_report, vendor, "accuracy_with_ties")["value"] == pytest.approx(
            pairs_report.summary.set_index("vendor").loc[vendor, "accuracy"]
        )


def test_agreement_by_strength_is_reported(pairs_report: le.Report) -> None:
    names = set(pairs_report.task_metrics.query("vendor == 'Surge'")["metric"])
    assert {"agreement_at_strength=clear", "agreement_at_strength=slight"} <= names
    assert (
        metric(pairs_report, "Surge", "agreement_at_strength=clear")["value"]
        > metric(pairs_report, "Surge", "agreement_at_strength=slight")["value"]
    )


def test_agreement_without_ties_by_hand() -> None:
    # counts (A, B, tie): item 1: 2 A + 1 B + 1 tie -> decisive pairs: AA agree 1 of 3; item 2: 2 B -> 1 of 1
    counts = np.array([[2, 1, 1], [0, 2, 0], [1, 0, 3]])
    assert agreement_without_ties(counts) == pytest.approx((1 / 3 + 1) / 2)


@pytest.mark.parametrize(("k", "n"), [(0, 5), (3, 10), (60, 100), (530, 1000), (17, 17)])
def test_binomial_test_matches_scipy(k: int, n: int) -> None:
    assert binomial_two_sided(k, n) == pytest.approx(binomtest(k, n, 0.5).pvalue, rel=1e-9)


# ------------------------------------------------------------------------------------------- ordinal
def test_likert_metrics_equal_the_functions(likert_report: le.Report) -> None:
    data = le.load_data(le.load_project(LIKERT))
    labels = list(data.project.task.labels)
    for vendor in ("Scale", "Surge", "Mercor"):
        sub = data.annotations[data.annotations.vendor == vendor]
        for weights in ("linear", "quadratic"):
            assert metric(likert_report, vendor, f"gwet_ac2_{weights}")["value"] == pytest.approx(
                le.gwet_ac2(sub, weights=weights, labels=labels)
            )
        assert metric(likert_report, vendor, "within_one_agreement")["value"] == pytest.approx(
            le.within_one_agreement(sub, labels=labels)
        )
        assert likert_report.summary.set_index("vendor").loc[vendor, "alpha"] == pytest.approx(
            le.krippendorff_alpha(sub, level="ordinal", labels=labels)
        )
    mercor = data.annotations[data.annotations.vendor == "Mercor"]
    icc = le.icc(mercor, labels=labels).set_index("form")
    for form in ("ICC1", "ICC2", "ICC3", "ICC1k", "ICC2k", "ICC3k"):  # the experts rate every item: crossed
        assert metric(likert_report, "Mercor", form)["value"] == pytest.approx(icc.loc[form, "icc"])


def test_planted_leniency_is_found(likert_report: le.Report) -> None:
    truth = pd.read_csv(LIKERT / "_truth" / "annotators.csv")
    cards = likert_report.annotators.merge(truth, left_on="annotator_id", right_on="annotator")
    lenient = cards[cards.planted == "lenient"]
    honest = cards[(cards.planted == "honest") & (cards.vendor == "Scale")]
    assert (lenient["leniency"] > 0.5).all()
    assert (lenient["leniency_ci_low"] > 0).mean() >= 0.75
    assert honest["leniency"].abs().mean() < 0.3


def test_tolerance_and_median_consensus(likert_report: le.Report) -> None:
    data = le.load_data(le.load_project(LIKERT))
    ann, gold = data.annotations, data.gold
    scale = ann[(ann.vendor == "Surge") & ann.item_id.isin(gold.index)]
    rating = scale["label"].astype(int).to_numpy()
    expert = gold.reindex(scale["item_id"]).astype(int).to_numpy()
    within = np.mean(np.abs(rating - expert) <= 1)
    assert likert_report.summary.set_index("vendor").loc["Surge", "accuracy"] == pytest.approx(within)
    medians = scale.assign(r=rating).groupby("item_id")["r"].median(numeric_only=True)
    lower = scale.assign(r=rating).groupby("item_id")["r"].apply(lambda r: np.sort(r.to_numpy())[(len(r) - 1) // 2])
    assert (lower <= medians).all()
    cons = np.mean(np.abs(lower.to_numpy() - gold.reindex(lower.index).astype(int).to_numpy()) <= 1)
    assert likert_report.summary.set_index("vendor").loc["Surge", "consensus_accuracy"] == pytest.approx(cons)


# ------------------------------------------------------------------------------------------- numeric
def numeric_project(tmp_path: Path, kind: str = "interval", extra: str = "") -> Path:
    rng = np.random.default_rng(4)
    truth = rng.uniform(10, 90, 60)
    rows = [(f"i{i}", f"a{a}", round(float(truth[i] + rng.normal(0, 5)), 1)) for i in range(60) for a in range(3)]
    pd.DataFrame(rows, columns=["item_id", "annotator_id", "label"]).to_csv(tmp_path / "v.csv", index=False)
    pd.DataFrame({"item_id": [f"i{i}" for i in range(20)], "label": np.round(truth[:20], 1)}).to_csv(
        tmp_path / "gold.csv", index=False
    )
    (tmp_path / "labeleval.toml").write_text(
        f'[task]\nname = "scores"\nkind = "{kind}"\ntolerance = 5\n{extra}[gold]\npath = "gold.csv"\n'
        '[[vendors]]\nname = "V"\npath = "v.csv"\npricing = { model = "per_label", rate = 1 }\n'
    )
    return tmp_path


def test_numeric_scores_end_to_end(tmp_path: Path) -> None:
    project = numeric_project(tmp_path)
    report = le.evaluate(project, n_boot=50)
    data = le.load_data(le.load_project(project))
    ann = data.annotations
    values = ann["label"].astype(float).to_numpy()
    gold = data.gold.astype(float)
    on_gold = ann["item_id"].isin(gold.index).to_numpy()
    error = values[on_gold] - gold.reindex(ann["item_id"][on_gold]).to_numpy()
    s = report.summary.iloc[0]
    assert s["accuracy"] == pytest.approx(np.mean(np.abs(error) <= 5))
    assert metric(report, "V", "mae_vs_gold")["value"] == pytest.approx(np.abs(error).mean())
    assert metric(report, "V", "rmse_vs_gold")["value"] == pytest.approx(np.sqrt((error**2).mean()))
    frame = pd.DataFrame({"item_id": ann["item_id"], "annotator_id": ann["annotator_id"], "label": values})
    assert s["alpha"] == pytest.approx(le.krippendorff_alpha(frame, level="interval"))
    assert metric(report, "V", "alpha_ratio")["value"] == pytest.approx(le.krippendorff_alpha(frame, level="ratio"))
    means = frame.groupby("item_id")["label"].mean()
    cons = np.mean(np.abs(means.reindex(gold.index) - gold) <= 5)
    assert s["consensus_accuracy"] == pytest.approx(cons)
    icc = le.icc(frame).set_index("form")
    assert metric(report, "V", "ICC2")["value"] == pytest.approx(icc.loc["ICC2", "icc"])
    assert report.per_class.empty and report.confusion.empty and report.class_comparisons.empty
    with pytest.raises(le.LabelevalError, match="needs categories"):
        le.evaluate(project, consensus="dawid_skene")


def test_numeric_labels_are_validated(tmp_path: Path) -> None:
    project = numeric_project(tmp_path, kind="ratio", extra="range = [0, 50]\n")
    with open(project / "v.csv", "a") as f:
        f.write("i1,a9,abc\ni2,a9,-3\n")
    report = le.evaluate(project, n_boot=0)
    reasons = report.quarantine["reason"].value_counts().to_dict()
    assert reasons["BAD_NUMBER"] == 1
    assert reasons["OUT_OF_RANGE"] >= 2  # -3, and every score above 50
    assert (report.ledger.rows_read == report.ledger.kept + report.ledger.quarantined).all()


@pytest.mark.parametrize(
    ("task", "message"),
    [
        ('kind = "pairwise"\nlabels = ["left", "right"]', "labels of a pairwise task must be"),
        ('kind = "interval"\nlabels = ["1", "2"]', "is not used by kind = 'interval'"),
        ('kind = "interval"\nrange = [5, 1]', "range must be"),
        ('kind = "ordinal"\nlabels = ["lo", "hi"]\nrange = [0, 1]', "range applies to interval and ratio"),
    ],
)
def test_manifest_checks_per_kind(tmp_path: Path, task: str, message: str) -> None:
    (tmp_path / "v.csv").write_text("item_id,annotator_id,label\n1,a,1\n")
    (tmp_path / "labeleval.toml").write_text(
        f'[task]\nname = "t"\n{task}\n[usability]\nrule = "consensus"\n'
        '[[vendors]]\nname = "V"\npath = "v.csv"\npricing = { model = "per_label", rate = 1 }\n'
    )
    with pytest.raises(le.ManifestError, match=message):
        le.load_project(tmp_path)


def test_shown_first_must_be_a_or_b(tmp_path: Path) -> None:
    (tmp_path / "v.csv").write_text("item_id,annotator_id,label,first\n1,a,A,A\n1,b,B,left\n2,a,tie,B\n2,b,A,\n")
    (tmp_path / "labeleval.toml").write_text(
        '[task]\nname = "t"\nkind = "pairwise"\n[usability]\nrule = "consensus"\n'
        '[[vendors]]\nname = "V"\npath = "v.csv"\ncolumns = { shown_first = "first" }\n'
        'pricing = { model = "per_label", rate = 1 }\n'
    )
    report = le.evaluate(tmp_path, n_boot=0)
    assert report.quarantine[["line", "reason", "value"]].values.tolist() == [[3, "BAD_VALUE", "left"]]


# ------------------------------------------------------------------------------------ multi-label
VOCAB = ["toxic", "pii", "medical", "legal"]


def make_project(tmp_path: Path, min_jaccard: float = 0.5) -> tuple[Path, dict[str, set[str]], pd.DataFrame]:
    rng = np.random.default_rng(8)
    truth = {f"i{i}": {lab for lab in VOCAB if rng.random() < 0.3} for i in range(40)}
    rows = []
    for item, labels in truth.items():
        for a in rng.choice(6, 3, replace=False):
            given = {lab for lab in VOCAB if (lab in labels) != (rng.random() < 0.15)}
            rows.append((item, f"w{a}", given))
    frame = pd.DataFrame(rows, columns=["item_id", "annotator_id", "labels"])
    text = frame.assign(labels=frame["labels"].map(lambda s: "; ".join(sorted(s)) if s else "[]"))
    text.loc[len(text)] = ["i0", "w9", "toxic; spam"]  # an undeclared label in the set
    text.to_csv(tmp_path / "v.csv", index=False)
    gold_items = sorted(truth)[:15]
    pd.DataFrame({"item_id": gold_items, "label": [json.dumps(sorted(truth[i])) for i in gold_items]}).to_csv(
        tmp_path / "gold.csv", index=False
    )
    (tmp_path / "labeleval.toml").write_text(
        f'[task]\nname = "flags"\nkind = "multilabel"\nlabels = {json.dumps(VOCAB)}\nseparator = ";"\n'
        f'min_jaccard = {min_jaccard}\n[gold]\npath = "gold.csv"\n'
        '[[vendors]]\nname = "V"\npath = "v.csv"\ncolumns = { label = "labels" }\n'
        'pricing = { model = "per_label", rate = 1 }\n'
    )
    return tmp_path, {i: truth[i] for i in gold_items}, frame


def jaccard(a: set[str], b: set[str]) -> float:
    return 1.0 - le.jaccard_distance(a, b)


def test_multilabel_end_to_end(tmp_path: Path) -> None:
    project, gold, frame = make_project(tmp_path)
    report = le.evaluate(project, n_boot=50)
    t = report.task_metrics.set_index("metric")["value"]
    assert report.quarantine["reason"].tolist() == ["UNKNOWN_LABEL"]
    # MASI and Jaccard agreement: mean over items of the mean over judgment pairs
    by_item = frame.groupby("item_id")["labels"].apply(list)
    masi = np.mean([np.mean([1 - le.masi_distance(a, b) for a, b in itertools.combinations(s, 2)]) for s in by_item])
    jac = np.mean([np.mean([jaccard(a, b) for a, b in itertools.combinations(s, 2)]) for s in by_item])
    assert t["masi_agreement"] == pytest.approx(masi)
    assert t["jaccard_agreement"] == pytest.approx(jac)
    # example-based F1 and the usable rule (Jaccard >= 0.5) over judgments on gold items
    on_gold = frame[frame.item_id.isin(gold)]
    f1 = [
        2 * len(g & gold[i]) / (len(g) + len(gold[i])) if (g or gold[i]) else 1.0
        for i, g in zip(on_gold.item_id, on_gold.labels, strict=True)
    ]
    assert t["example_based_f1"] == pytest.approx(np.mean(f1))
    usable = np.mean([jaccard(g, gold[i]) >= 0.5 for i, g in zip(on_gold.item_id, on_gold.labels, strict=True)])
    s = report.summary.iloc[0]
    assert s["accuracy"] == pytest.approx(usable)
    assert t["exact_set_accuracy"] == pytest.approx(
        np.mean([g == gold[i] for i, g in zip(on_gold.item_id, on_gold.labels, strict=True)])
    )
    # consensus: each label kept when more than half of the item's judgments include it
    majority = {i: {lab for lab in VOCAB if 2 * sum(lab in s for s in sets) > len(sets)} for i, sets in by_item.items()}
    cons = np.mean([jaccard(majority[i], gold[i]) >= 0.5 for i in gold])
    assert s["consensus_accuracy"] == pytest.approx(cons)
    # per-label precision, recall and the present/absent alpha
    per = report.per_class.set_index("label")
    for lab in VOCAB:
        given = on_gold.labels.map(lambda g, lab=lab: lab in g).to_numpy()
        truth = on_gold.item_id.map(lambda i, lab=lab: lab in gold[i]).to_numpy()
        assert per.loc[lab, "precision"] == pytest.approx((given & truth).sum() / given.sum())
        assert per.loc[lab, "recall"] == pytest.approx((given & truth).sum() / truth.sum())
        binary = frame.assign(label=frame["labels"].map(lambda g, lab=lab: lab in g))
        assert per.loc[lab, "class_alpha"] == pytest.approx(le.krippendorff_alpha(binary))
    assert t["alpha_per_label_macro"] == pytest.approx(per["class_alpha"].mean())
    # per-label figures have no intervals or per-label comparisons (a judgment gives several labels)
    assert per["recall_ci_low"].isna().all() and report.class_comparisons.empty
    assert "No intervals here: they are made for single-label tasks" in report.to_markdown()


def test_exact_sets_by_default_and_json_lists(tmp_path: Path) -> None:
    project, gold, frame = make_project(tmp_path, min_jaccard=1.0)
    records = [{"item_id": i, "annotator_id": a, "label": sorted(s)} for i, a, s in frame.itertuples(index=False)]
    (project / "v.jsonl").write_text("\n".join(json.dumps(r) for r in records) + "\n")
    text = (
        (project / "labeleval.toml")
        .read_text()
        .replace('path = "v.csv"\ncolumns = { label = "labels" }', 'path = "v.jsonl"')
    )
    (project / "labeleval.toml").write_text(text)
    report = le.evaluate(project, n_boot=0)
    on_gold = frame[frame.item_id.isin(gold)]
    exact = np.mean([g == gold[i] for i, g in zip(on_gold.item_id, on_gold.labels, strict=True)])
    assert report.summary.iloc[0]["accuracy"] == pytest.approx(exact)
    assert report.quarantine.empty
    with pytest.raises(le.LabelevalError, match="needs categories"):
        le.evaluate(project, consensus="dawid_skene")


def test_ordinal_per_class_has_intervals_and_comparisons(likert_report: le.Report) -> None:
    """An ordinal scale has classes: each rating's recall and precision get intervals and per-class tests."""
    per = likert_report.per_class
    measured = per[per["support"] > 0]
    assert measured["recall_ci_low"].notna().all()
    low, value, high = (measured[c] for c in ("recall_ci_low", "recall", "recall_ci_high"))
    assert ((low <= value) & (value <= high)).all()
    comparisons = likert_report.class_comparisons
    assert set(comparisons["family"]) == {"per_class"} and set(comparisons["metric"]) == {"recall", "precision"}
