"""Per-class recall, precision and F1 as ratios: their sums against the per-judgment formulas, their values against
scikit-learn, the properties a per-class table must have, and (slow) the coverage of their intervals."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import labeleval as le
from labeleval.inference.stats import group_variance
from labeleval.scoring.class_ratios import (
    CLASS_METRICS,
    ClassEstimates,
    class_estimates,
    metric_pairs,
    vendor_class_sums,
)
from labeleval.scoring.encode import encode, vendor_batches
from labeleval.scoring.settings import Settings
from tests.helpers.class_projects import population, write_classes
from tests.helpers.projects import random_design

PREVALENCE = (0.8, 0.15, 0.05)
RECALLS = (0.92, 0.75, 0.6)


def _per_judgment(metric: str, gold: np.ndarray, given: np.ndarray, c: int) -> tuple[np.ndarray, np.ndarray]:
    x = ((given == c) & (gold == c)).astype(float)
    s = {"recall": gold == c, "precision": given == c, "f1": ((gold == c) * 1.0 + (given == c)) / 2}[metric]
    return x, np.asarray(s, dtype=float)


def test_sums_match_the_per_judgment_formulas(tmp_path: Path) -> None:
    """Totals, per-item and per-annotator sums and the three delta-method variances equal those of the
    per-judgment ``x`` and ``s`` (recall, precision, F1), on a vendor's own gold items and on shared ones."""
    data = le.load_data(le.load_project(random_design(tmp_path / "p", seed=3)))
    enc = encode(data)
    gold_items = np.flatnonzero(enc.has_gold)
    batches = vendor_batches(enc)
    checked = 0
    for b, within in ((batches[0], None), (batches[1], batches[1].labelled & batches[2].labelled)):
        matrix, ratios = vendor_class_sums(enc, b, gold_items, within)
        rows = b.rows
        item, key, given = enc.item_codes[rows], enc.keys[rows], enc.label_codes[rows]
        gold = enc.gold_code[item]
        keep = (gold >= 0) if within is None else (gold >= 0) & within[item]
        item, key, given, gold = item[keep], key[keep], given[keep], gold[keep]
        dense = metric_pairs(matrix.toarray(), enc.k)  # each metric's (X, S) per gold item
        for j, metric in enumerate(CLASS_METRICS):
            for c in range(enc.k):
                x, s = _per_judgment(metric, gold, given, c)
                one = ratios[(metric, c)]
                assert one.successes == pytest.approx(x.sum()) and one.trials == pytest.approx(s.sum())
                assert one.item_variance == pytest.approx(group_variance(x, s, item, enc.n_items), rel=1e-9)
                assert one.annotator_variance == pytest.approx(group_variance(x, s, key, enc.n_keys), rel=1e-9)
                assert one.judgment_variance == pytest.approx(group_variance(x, s, np.arange(len(x))), rel=1e-9)
                np.testing.assert_allclose(one.key_sums[:, 1], np.bincount(key, s, enc.n_keys))
                col = 2 * (j * enc.k + c)
                np.testing.assert_allclose(dense[:, col], np.bincount(item, x, enc.n_items)[gold_items])
                np.testing.assert_allclose(dense[:, col + 1], np.bincount(item, s, enc.n_items)[gold_items])
                assert one.items == np.count_nonzero(np.bincount(item, s, enc.n_items))
                checked += 1
    assert checked == 2 * 3 * enc.k


def test_values_match_scikit_learn_and_intervals_hold_them(tmp_path: Path) -> None:
    from sklearn.metrics import precision_recall_fscore_support

    project = write_classes(tmp_path / "p", PREVALENCE, {"A": RECALLS, "B": (0.9, 0.6, 0.3)}, seed=1)
    report = le.evaluate(project, n_boot=200, seed=2)
    data = le.load_data(le.load_project(project))
    labels = ["c0", "c1", "c2"]
    for vendor in ("A", "B"):
        ann = data.annotations[data.annotations.vendor == vendor]
        truth = data.gold.reindex(ann.item_id).astype(str).to_numpy()
        p, r, f, s = precision_recall_fscore_support(truth, ann.label.astype(str), labels=labels, zero_division=np.nan)
        ours = report.per_class[report.per_class.vendor == vendor].set_index("label").loc[labels]
        for metric, expected in (("precision", p), ("recall", r), ("f1", f)):
            np.testing.assert_allclose(ours[metric], expected)
            assert (ours[f"{metric}_ci_low"] < ours[metric]).all() and (ours[metric] < ours[f"{metric}_ci_high"]).all()
        np.testing.assert_array_equal(ours["support"], s)


def test_renaming_labels_permutes_the_classes(tmp_path: Path) -> None:
    """Labels renamed so that their order reverses: the same figures and intervals, class by class."""
    first = write_classes(tmp_path / "a", PREVALENCE, {"A": RECALLS, "B": RECALLS}, seed=4)
    second = tmp_path / "b"
    shutil.copytree(first, second)
    rename = {"c0": "z", "c1": "y", "c2": "x"}
    for name in ("gold.csv", "A.csv", "B.csv"):
        frame = pd.read_csv(second / name)
        frame["label"] = frame["label"].map(rename)
        frame.to_csv(second / name, index=False)
    manifest = (second / "labeleval.toml").read_text().replace('["c0", "c1", "c2"]', '["x", "y", "z"]')
    (second / "labeleval.toml").write_text(manifest)
    a, b = (le.evaluate(p, n_boot=200, seed=5) for p in (first, second))
    renamed = a.per_class.assign(label=a.per_class["label"].map(rename)).sort_values(["vendor", "label"])
    pd.testing.assert_frame_equal(
        renamed.reset_index(drop=True).drop(columns="class_alpha"),
        b.per_class.sort_values(["vendor", "label"]).reset_index(drop=True).drop(columns="class_alpha"),
        rtol=1e-9,
    )
    ca = a.class_comparisons.assign(label=a.class_comparisons["label"].map(rename))
    key = ["vendor_a", "vendor_b", "label", "metric"]
    pd.testing.assert_frame_equal(
        ca.sort_values(key).reset_index(drop=True),
        b.class_comparisons.sort_values(key).reset_index(drop=True),
        rtol=1e-9,
    )


def test_row_order_does_not_change_the_figures(tmp_path: Path) -> None:
    """Shuffled rows: the same per-class table (its intervals are analytic). The comparisons' resamples draw one
    weight per annotator code, and codes follow the rows' first appearances, so only with ``uncertainty =
    "items"`` are the comparisons the same to the bit; with annotators their estimates are."""
    first = write_classes(tmp_path / "a", PREVALENCE, {"A": RECALLS, "B": (0.9, 0.6, 0.3)}, seed=6)
    second = tmp_path / "b"
    shutil.copytree(first, second)
    for name in ("A.csv", "B.csv"):
        frame = pd.read_csv(second / name)
        frame.sample(frac=1.0, random_state=0).to_csv(second / name, index=False)
    a, b = (le.evaluate(p, n_boot=200, seed=7) for p in (first, second))
    pd.testing.assert_frame_equal(a.per_class, b.per_class, rtol=1e-12)
    same = ["vendor_a", "vendor_b", "metric", "label", "estimate_a", "estimate_b", "difference", "shared_items"]
    pd.testing.assert_frame_equal(a.class_comparisons[same], b.class_comparisons[same], rtol=1e-12)
    a, b = (le.evaluate(p, n_boot=200, seed=7, uncertainty="items") for p in (first, second))
    pd.testing.assert_frame_equal(a.class_comparisons, b.class_comparisons, rtol=1e-12)


def test_perfect_labels_give_recall_and_precision_one(tmp_path: Path) -> None:
    project = write_classes(tmp_path / "p", PREVALENCE, {"A": RECALLS, "B": RECALLS}, seed=8)
    gold = pd.read_csv(project / "gold.csv").set_index("item_id")["label"]
    for name in ("A.csv", "B.csv"):
        frame = pd.read_csv(project / name)
        frame["label"] = gold.reindex(frame["item_id"]).to_numpy()
        frame.to_csv(project / name, index=False)
    report = le.evaluate(project, n_boot=200, seed=9)
    table = report.per_class
    for metric in CLASS_METRICS:
        assert (table[metric] == 1.0).all() and (table[f"{metric}_ci_high"] == 1.0).all()
        assert (table[f"{metric}_ci_low"] < 1.0).all()  # finite data: never a zero-width interval
    assert not report.class_comparisons["significant"].any()


def test_no_intervals_without_classes_or_gold(tmp_path: Path) -> None:
    project = write_classes(tmp_path / "p", PREVALENCE, {"A": RECALLS}, seed=10)
    manifest = (project / "labeleval.toml").read_text()
    no_gold = manifest.replace('[gold]\npath = "gold.csv"\n', '[usability]\nrule = "consensus"\n')
    (project / "labeleval.toml").write_text(no_gold)
    enc = encode(le.load_data(le.load_project(project)))
    estimates = class_estimates(enc, vendor_batches(enc), Settings(n_boot=50))
    assert estimates == ClassEstimates(reason="no gold items")
    report = le.evaluate(project, n_boot=50)
    assert report.per_class["recall_ci_low"].isna().all() and report.class_comparisons.empty


@pytest.mark.slow
def test_intervals_cover_the_population_values(tmp_path: Path) -> None:
    """60 simulated projects (300 gold items at 80/15/5, 8 annotators): the 95% intervals of every class's recall,
    precision and F1 cover the population value in about 95% of them (pooled over the 9 figures)."""
    truth = population(PREVALENCE, RECALLS)
    hits = []
    for seed in range(60):
        project = write_classes(tmp_path / f"p{seed}", PREVALENCE, {"A": RECALLS}, seed=100 + seed)
        table = le.evaluate(project, n_boot=300, seed=seed).per_class.set_index("label")
        for metric in CLASS_METRICS:
            for j, value in enumerate(truth[metric]):
                row = table.loc[f"c{j}"]
                hits.append(row[f"{metric}_ci_low"] <= value <= row[f"{metric}_ci_high"])
        shutil.rmtree(project)
    assert 0.89 <= np.mean(hits) <= 0.99, np.mean(hits)
