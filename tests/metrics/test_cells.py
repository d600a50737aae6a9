"""Many categories: the engine's sparse path (non-zero count cells) gives what the dense path gives.

The engine holds a vendor's counts as a dense items x K matrix when it is small (``metrics.forms.dense_ok``) and
as the matrix's non-zero cells above that, both behind ``metrics.forms.Counts``. Each operation of the interface
is checked on the two forms of random count matrices, and whole reports are compared with the sparse path forced
on (thresholds set to 0).
"""

from __future__ import annotations

import importlib.util
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import sparse

import labeleval as le
from labeleval.metrics import cells, forms
from labeleval.metrics.agreement import agreement_item_stats, alpha_from_counts, alpha_stats
from labeleval.metrics.forms import CellCounts, DenseCounts
from labeleval.options import TiePolicy
from labeleval.scoring import kinds
from labeleval.scoring.kinds import MultilabelKind, NominalKind, NumericKind, OrdinalKind
from tests.helpers.paths import ROOT

FRAMES = (
    "summary",
    "agreement",
    "accuracy",
    "per_class",
    "confusion",
    "annotators",
    "task_metrics",
    "redundancy",
    "cost",
    "comparisons",
    "items",
)


def _random_counts(rng: np.random.Generator) -> tuple[np.ndarray, sparse.csr_array]:
    n, k = int(rng.integers(1, 30)), int(rng.integers(1, 9))
    dense = rng.integers(0, 3, (n, k)) * (rng.random((n, k)) < 0.5)
    return dense, cells.canonical(sparse.csr_array(dense))


def _same(a: tuple[np.ndarray, ...], b: tuple[np.ndarray, ...]) -> bool:
    return all(np.array_equal(x, y, equal_nan=True) for x, y in zip(a, b, strict=True))


def test_the_two_count_forms_answer_alike() -> None:
    rng = np.random.default_rng(12)
    for _ in range(300):
        array, sp = _random_counts(rng)
        dense, cell = DenseCounts(array), CellCounts(sp)
        n, k = array.shape
        for tie in ("abstain", "fractional", "lowest"):
            assert _same(dense.majority(tie=tie, rng=None), cell.majority(tie=tie, rng=None))
        gold = np.asarray(rng.integers(-1, k, n), dtype=np.int64)
        hit = rng.random((k, k)) < 0.4
        for h in (None, hit, np.eye(k, dtype=bool)):
            assert _same(dense.tie_credit(gold, h), cell.tie_credit(gold, h))
        assert np.array_equal(dense.matching(hit, gold), cell.matching(hit, gold))
        assert _same(dense.lower_median(), cell.lower_median())
        rated = array.sum(axis=1) > 0  # top_two is asked of items with judgments only
        assert _same(tuple(t[rated] for t in dense.top_two()), tuple(t[rated] for t in cell.top_two()))
        assert np.array_equal(dense.totals(), cell.totals())
        assert np.array_equal(dense.dense(), cell.dense()) and np.array_equal(dense.cells().toarray(), array)
        items = rng.integers(0, n, 2 * n)
        assert np.array_equal(dense.rows(items).dense(), cell.rows(items).dense())
        voted = items[array[items].sum(axis=1) > 0]
        label = np.array([rng.choice(np.flatnonzero(array[i])) for i in voted], dtype=np.int64)
        assert np.array_equal(
            dense.rows(voted).without_votes(label).dense(), cell.rows(voted).without_votes(label).dense()
        )
        random = cell.majority(tie="random", rng=rng)
        untied = ~random[2]
        assert np.array_equal(random[0][untied], dense.majority(tie="lowest", rng=None)[0][untied])


def test_the_form_is_chosen_in_one_place(monkeypatch: pytest.MonkeyPatch) -> None:
    item, label = np.array([0, 0, 1, 2]), np.array([1, 1, 0, 2])
    small = forms.counts_for(item, label, 3, 3)
    assert isinstance(small, DenseCounts) and small.dense().tolist() == [[0, 2, 0], [1, 0, 0], [0, 0, 1]]
    monkeypatch.setattr(forms, "DENSE_MAX_LABELS", 0)
    monkeypatch.setattr(forms, "DENSE_MAX_CELLS", 0)
    many = forms.counts_for(item, label, 3, 3)
    assert isinstance(many, CellCounts) and np.array_equal(many.dense(), small.dense())


def test_nearest_value_is_the_dense_argmin_with_its_ties() -> None:
    rng = np.random.default_rng(3)
    for _ in range(300):
        k = int(rng.integers(1, 12))
        values = rng.choice(np.arange(40) / 4, k, replace=False)  # unsorted, like a numeric kind's categories
        midpoints = (values[:, None] + values[None, :]).ravel() / 2  # equidistant targets: the lower index wins
        target = rng.choice(np.r_[values, midpoints, rng.random(5) * 12 - 1], 25)
        expected = np.argmin(np.abs(values[None, :] - target[:, None]), axis=1)
        assert np.array_equal(cells.nearest_value(values, target), expected)
        assert np.array_equal(DenseCounts(np.zeros((len(target), k))).nearest(values, target), expected)


def test_numeric_consensus_from_cells() -> None:
    rng = np.random.default_rng(5)
    for _ in range(100):
        dense, sp = _random_counts(rng)
        values = rng.choice(np.arange(50) / 2, dense.shape[1], replace=False)
        kind = NumericKind(tuple(str(v) for v in values))
        a = kind.consensus(DenseCounts(dense), tie=TiePolicy.ABSTAIN, rng=None)
        b = kind.consensus(CellCounts(sp), tie=TiePolicy.ABSTAIN, rng=None)
        assert np.array_equal(a.code, b.code)
        np.testing.assert_allclose(a.value, b.value, rtol=1e-13)
        np.testing.assert_allclose(a.confidence, b.confidence, rtol=1e-12)


def test_alpha_and_agreement_blocks_from_cells() -> None:
    rng = np.random.default_rng(7)
    warnings.simplefilter("ignore")
    for _ in range(100):
        n, k = int(rng.integers(1, 40)), int(rng.integers(2, 30))
        dense = rng.integers(0, 3, (n, k)) * (rng.random((n, k)) < 0.3)
        sp = sparse.csr_array(dense)
        values = np.sort(rng.choice(np.arange(100.0), k, replace=False))
        for level in ("nominal", "ordinal", "interval", "ratio"):
            block = alpha_stats(sp, level, values)
            block = block.toarray() if isinstance(block, sparse.csr_array) else block
            np.testing.assert_allclose(alpha_stats(dense, level, values), block, rtol=1e-12, atol=1e-12)
            a = alpha_from_counts(dense, level=level, values=values)
            b = alpha_from_counts(sp, level=level, values=values)
            assert (np.isnan(a) and np.isnan(b)) or a == b
        block = agreement_item_stats(sp)
        assert isinstance(block, sparse.csr_array)
        np.testing.assert_allclose(agreement_item_stats(dense), block.toarray(), rtol=1e-13)


def _memory_categories():
    spec = importlib.util.spec_from_file_location("memory_categories", ROOT / "benchmarks" / "memory_categories.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["memory_categories"] = module
    spec.loader.exec_module(module)
    return module


def _projects(tmp: Path) -> list[Path]:
    mc = _memory_categories()
    generated = [
        mc.make_project(tmp / name, kind, k, 3_000)
        for name, kind, k in (("nominal_300", "nominal", 300), ("score", "score 0-100, 0.1 steps", 1_001))
    ]
    return [*sorted((ROOT / "sample_data").glob("*/")), *generated]


@pytest.mark.slow
@pytest.mark.parametrize("index", range(6))
def test_reports_are_the_same_on_the_sparse_path(index: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = _projects(tmp_path)[index]
    warnings.simplefilter("ignore")
    dense = le.evaluate(project, n_boot=40, seed=0)
    monkeypatch.setattr(forms, "DENSE_MAX_LABELS", 0)
    monkeypatch.setattr(forms, "DENSE_MAX_CELLS", 0)
    monkeypatch.setattr(kinds, "HIT_MATRIX_MAX", 0)  # the match rule pair by pair, as for many categories
    sparse_report = le.evaluate(project, n_boot=40, seed=0)
    for name in FRAMES:
        a, b = getattr(dense, name), getattr(sparse_report, name)
        pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-9, atol=1e-12, obj=f"{project.name}: {name}")


def test_leave_one_out_agreement_from_top_two_counts() -> None:
    from labeleval.scoring.annotators import leave_one_out_agreement

    rng = np.random.default_rng(11)
    for _ in range(400):
        n, k = int(rng.integers(1, 20)), int(rng.integers(1, 6))
        dense = rng.integers(0, 4, (n, k)) * (rng.random((n, k)) < 0.6)
        it, lab = np.nonzero(dense)
        item, label = np.repeat(it, dense[it, lab]), np.repeat(lab, dense[it, lab])
        if not len(item):
            continue
        expected = leave_one_out_agreement(dense[item], label)
        for counts in (DenseCounts(dense), CellCounts(cells.canonical(sparse.csr_array(dense)))):
            got = counts.leave_one_out_agreement(item, label)
            assert np.array_equal(expected[0], got[0]) and np.array_equal(expected[1], got[1])


def test_one_vs_rest_alphas_in_one_pass() -> None:
    from labeleval.metrics.agreement import one_vs_rest_alpha, one_vs_rest_alphas

    rng = np.random.default_rng(13)
    warnings.simplefilter("ignore")
    for _ in range(200):
        n, k = int(rng.integers(1, 40)), int(rng.integers(1, 8))
        dense = rng.integers(0, 3, (n, k)) * (rng.random((n, k)) < 0.5)
        m = dense.sum(axis=1)
        expected = [one_vs_rest_alpha(dense[:, c], m) for c in range(k)]
        np.testing.assert_allclose(one_vs_rest_alphas(sparse.csr_array(dense), m), expected, rtol=1e-12, atol=1e-14)


@pytest.mark.slow
def test_many_labels_frames_stay_small(tmp_path: Path) -> None:
    """Above 64 labels: the confusion frame lists the pairs that occur (their counts add up to the judgments on
    gold items), and the items frame has one votes text column instead of a column per label."""
    project = _memory_categories().make_project(tmp_path / "nominal_200", "nominal", 200, 3_000)
    warnings.simplefilter("ignore")
    report = le.evaluate(project, n_boot=20, seed=0)
    assert (report.confusion["count"] > 0).all()
    on_gold = report.items.dropna(subset=["gold_label"]).groupby("vendor")["n_judgments"].sum()
    assert report.confusion.groupby("vendor")["count"].sum().to_dict() == on_gold.to_dict()
    assert not [c for c in report.items.columns if c.startswith("votes_") and c != "votes_by_label"]
    row = report.items.iloc[0]
    counts = [int(part.rsplit(" ", 1)[1]) for part in row["votes_by_label"].split(", ")]
    assert sum(counts) == row["n_judgments"] and counts == sorted(counts, reverse=True)
    assert len(report.per_class) == 2 * 200 and report.per_class["class_alpha"].notna().any()


def test_label_skew_over_used_labels(monkeypatch: pytest.MonkeyPatch) -> None:
    from labeleval.scoring.annotators import label_skew

    rng = np.random.default_rng(17)
    for _ in range(100):
        n_keys, k = int(rng.integers(1, 30)), int(rng.integers(1, 20))
        keys = np.r_[np.arange(n_keys), rng.integers(0, n_keys, int(rng.integers(1, 300)))]
        labels = rng.integers(0, k, len(keys))
        n = np.bincount(keys, minlength=n_keys)
        vendor_of_key = np.array([f"V{i % 3}" for i in range(n_keys)], dtype=object)
        expected = label_skew(keys, labels, n_keys, k, n, vendor_of_key)
        with monkeypatch.context() as m:
            m.setattr(forms, "DENSE_MAX_LABELS", 0)
            m.setattr(forms, "DENSE_MAX_CELLS", 0)
            got = label_skew(keys, labels, n_keys, k, n, vendor_of_key)
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-14)


def test_the_pair_by_pair_match_rule_is_the_matrix(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(19)
    cases = [
        NominalKind(("a", "b", "c")),
        OrdinalKind(tuple("12345"), tolerance=1),
        NumericKind(("0.5", "1.0", "2.25", "3.0", "2.0"), tolerance=0.5),
        MultilabelKind(("a", "a|b", "b", "b|c", "a|b|c"), vocabulary=("a", "b", "c"), min_jaccard=0.5),
    ]
    for kind in cases:
        matrix = kind.hit
        assert isinstance(matrix, np.ndarray)
        monkeypatch.setattr(kinds, "HIT_MATRIX_MAX", 0)
        rule = type(kind).__new__(type(kind))
        rule.__dict__.update({k: v for k, v in kind.__dict__.items() if k != "hit"})
        assert isinstance(rule.hit, cells.PairRule)
        monkeypatch.setattr(kinds, "HIT_MATRIX_MAX", 1024)
        a, b = rng.integers(0, matrix.shape[0], 200), rng.integers(0, matrix.shape[0], 200)
        assert np.array_equal(rule.hit[a, b], matrix[a, b])
        assert np.array_equal(rule.hit.matrix(), matrix)
        with pytest.raises(TypeError):
            rule.hit[:, 0]


def test_continuous_scores_stay_linear(tmp_path: Path) -> None:
    """An interval score where nearly every rating is a distinct value (K ~ judgments): no K x K match matrix,
    no items x K counts; the report is made and its alpha equals the public function's."""
    rng = np.random.default_rng(23)
    n_items, per_item = 4_000, 3
    truth = np.repeat(rng.random(n_items) * 100, per_item)
    frame = pd.DataFrame(
        {
            "item_id": np.repeat(np.arange(n_items), per_item).astype(str),
            "annotator_id": [f"w{a}" for a in rng.integers(0, 200, n_items * per_item)],
            "label": np.round(truth + rng.normal(0, 5, n_items * per_item), 4),
        }
    ).drop_duplicates(["item_id", "annotator_id"])
    frame.to_csv(tmp_path / "v.csv", index=False)
    frame.drop_duplicates("item_id").iloc[::5][["item_id", "label"]].to_csv(tmp_path / "gold.csv", index=False)
    (tmp_path / "labeleval.toml").write_text(
        '[task]\nname = "t"\nkind = "interval"\nrange = [-50, 150]\ntolerance = 5\n\n[gold]\npath = "gold.csv"\n\n'
        '[[vendors]]\nname = "V"\npath = "v.csv"\npricing = { model = "per_label", rate = 0.1 }\n',
        encoding="utf-8",
    )
    warnings.simplefilter("ignore")
    report = le.evaluate(tmp_path, n_boot=20, seed=0)
    assert len(report.settings["labels"]) > 10_000
    expected = le.krippendorff_alpha(frame, level="interval")
    assert report.summary["alpha"].iloc[0] == pytest.approx(expected, rel=1e-9)


@pytest.mark.slow
def test_evaluate_on_ten_thousand_labels_stays_small(tmp_path: Path) -> None:
    """evaluate() on 10,000 labels: no items x K counts or blocks, no K x K match matrix (the identity alone
    would be 100 MB, each vendor's dense counts and blocks another 40 MB apiece)."""
    import tracemalloc

    project = _memory_categories().make_project(tmp_path / "nominal_10000", "nominal", 10_000, 3_000)
    warnings.simplefilter("ignore")
    tracemalloc.start()
    try:
        report = le.evaluate(project, n_boot=20, seed=0)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert np.isfinite(report.summary["alpha"]).all()
    assert peak < 60 * 1024**2, f"{peak / 1024**2:.0f} MB"
