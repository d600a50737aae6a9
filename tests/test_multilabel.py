"""Multi-label tasks end to end, every figure recomputed by brute force from the sets."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import labeleval as le

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
