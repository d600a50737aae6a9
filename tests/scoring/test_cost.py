"""Pricing models, computed by hand on small projects."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import labeleval as le
from labeleval.io.normalize import Billing
from labeleval.io.pipeline import load_data
from labeleval.options import PricingModel
from labeleval.project.manifest import Pricing, load_project
from labeleval.scoring.consensus import usability_reference, vendor_consensus
from labeleval.scoring.cost import cost_breakdown, judgment_pay
from labeleval.scoring.encode import encode, vendor_batches
from labeleval.scoring.settings import Settings
from labeleval.scoring.uncertainty import vendor_sums

BILL = Billing(rows=10, items=4, seconds=7200.0)


@pytest.mark.parametrize(
    ("pricing", "total"),
    [
        (Pricing(PricingModel.PER_LABEL, rate=0.5), 5.0),
        (Pricing(PricingModel.PER_ITEM, rate=2.0), 8.0),
        (Pricing(PricingModel.HOURLY, rate=30.0), 60.0),
        (Pricing(PricingModel.FIXED, amount=99.0), 99.0),
        (Pricing(PricingModel.PER_LABEL, rate=0.5, fee_pct=20.0), 6.0),
        (Pricing(PricingModel.HOURLY, rate=30.0, fee_pct=10.0), 66.0),
    ],
)
def test_pricing_models(pricing: Pricing, total: float) -> None:
    assert cost_breakdown(pricing, BILL).total == pytest.approx(total)


def test_per_row_costs_replace_or_add() -> None:
    bill = Billing(rows=10, items=4, seconds=7200.0, row_cost=3.0, rows_with_cost=2, seconds_with_cost=3600.0)
    assert cost_breakdown(Pricing(PricingModel.PER_LABEL, rate=0.5), bill).total == pytest.approx(8 * 0.5 + 3.0)
    assert cost_breakdown(Pricing(PricingModel.HOURLY, rate=30.0), bill).total == pytest.approx(30.0 + 3.0)
    assert cost_breakdown(Pricing(PricingModel.FIXED, amount=10.0), bill).total == pytest.approx(13.0)


def write_project(root: Path, pricing: str, rows: str, extra_columns: str = "") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "v.csv").write_text(rows)
    (root / "gold.csv").write_text("item_id,label\n1,a\n2,b\n")
    (root / "labeleval.toml").write_text(
        '[task]\nname = "t"\nlabels = ["a", "b"]\n[gold]\npath = "gold.csv"\n'
        f'[[vendors]]\nname = "V"\npath = "v.csv"\n{extra_columns}pricing = {pricing}\n'
    )
    return root


def test_cost_per_usable_label_end_to_end(tmp_path: Path) -> None:
    rows = "item_id,annotator_id,label\n1,x,a\n1,y,a\n2,x,b\n2,y,a\n3,x,a\n3,y,a\n3,z,WRONG\n"
    report = le.evaluate(
        write_project(tmp_path / "p", '{ model = "per_label", rate = 1.0, fee_pct = 50 }', rows), n_boot=0
    )
    s = report.summary.iloc[0]
    # 7 rows delivered (one quarantined) x $1 x 1.5 = $10.5; 6 kept judgments
    assert s.total_cost == pytest.approx(10.5)
    assert s.cost_per_label == pytest.approx(10.5 / 6)
    # gold items 1, 2: 3 of 4 judgments right -> usable rate 0.75
    assert s.usable_rate == pytest.approx(0.75)
    assert s.cost_per_usable_label == pytest.approx(10.5 / (6 * 0.75))
    # consensus: item 1 -> a (right), item 2 a 1-1 tie including the right label -> 1/2 (fractional): 1.5 of 2
    assert s.consensus_accuracy == pytest.approx(0.75)
    assert s.cost_per_correct_item == pytest.approx(10.5 / (3 * 0.75))


def test_hourly_counts_every_delivered_row(tmp_path: Path) -> None:
    rows = "item_id,annotator_id,label,secs\n1,x,a,1800\n1,y,a,1800\n2,x,b,1800\n2,y,NOPE,1800\n"
    project = write_project(
        tmp_path / "h", '{ model = "hourly", rate = 40 }', rows, 'columns = { duration_s = "secs" }\n'
    )
    report = le.evaluate(project, n_boot=0)
    assert report.cost.iloc[0]["hours"] == pytest.approx(2.0)
    assert report.summary.iloc[0]["total_cost"] == pytest.approx(80.0)


def test_judgment_pay_varies_only_under_hourly_pay() -> None:
    seconds = np.array([3600.0, 1800.0, np.nan, 7200.0])
    costs = np.array([np.nan, np.nan, np.nan, 5.0])
    assert judgment_pay(Pricing(PricingModel.PER_LABEL, rate=0.5), seconds, costs) is None
    assert judgment_pay(Pricing(PricingModel.FIXED, amount=9.0), seconds, None) is None
    pay = judgment_pay(Pricing(PricingModel.HOURLY, rate=30.0), seconds, costs)
    assert pay is not None
    # the rate x hours, a missing duration 0, a row's own cost instead of the rate (as the bill counts them)
    np.testing.assert_allclose(pay, [30.0, 15.0, 0.0, 5.0])
    assert judgment_pay(Pricing(PricingModel.HOURLY, rate=30.0), None, None) is None


def hourly_project(root: Path, seed: int = 0, n_items: int = 60, annotators: int = 8) -> Path:
    """One hourly vendor whose annotators differ in speed and skill, every item gold."""
    rng = np.random.default_rng(seed)
    gold = rng.integers(0, 2, n_items)
    speed = np.exp(0.5 * rng.standard_normal(annotators))
    skill = rng.uniform(0.6, 0.95, annotators)
    lines = ["item_id,annotator_id,label,secs"]
    for i in range(n_items):
        for a in rng.choice(annotators, 3, replace=False):
            right = rng.random() < skill[a]
            label = "ab"[gold[i] if right else 1 - gold[i]]
            lines.append(f"{i},w{a},{label},{30 * speed[a] * np.exp(0.3 * rng.standard_normal()):.3f}")
    root.mkdir(parents=True, exist_ok=True)
    (root / "v.csv").write_text("\n".join(lines) + "\n")
    (root / "gold.csv").write_text("item_id,label\n" + "".join(f"{i},{'ab'[g]}\n" for i, g in enumerate(gold)))
    (root / "labeleval.toml").write_text(
        '[task]\nname = "t"\nlabels = ["a", "b"]\n[gold]\npath = "gold.csv"\n'
        '[[vendors]]\nname = "V"\npath = "v.csv"\ncolumns = { duration_s = "secs" }\n'
        'pricing = { model = "hourly", rate = 30 }\n'
    )
    return root


def direct_log_cost_variances(folder: Path) -> tuple[float, float, float]:
    """The item, annotator and judgment variances of log(cost per usable label) by the delta method, written out
    per judgment: each judgment's influence ``pay / P - 1 / N - usable / U + 1 / R`` summed by item, by annotator,
    and alone (every item gold: usable = right, every judgment scored)."""
    rows = pd.read_csv(folder / "v.csv")
    gold = pd.read_csv(folder / "gold.csv").set_index("item_id")["label"]
    pay = 30.0 * rows["secs"].to_numpy() / 3600.0
    usable = (rows["label"].to_numpy() == gold.loc[rows["item_id"]].to_numpy()).astype(float)
    n = float(len(rows))
    influence = pay / pay.sum() - 1.0 / n - usable / usable.sum() + 1.0 / n
    by_item = rows.assign(e=influence).groupby("item_id")["e"].sum().to_numpy()
    by_annotator = rows.assign(e=influence).groupby("annotator_id")["e"].sum().to_numpy()
    return float(by_item @ by_item), float(by_annotator @ by_annotator), float(influence @ influence)


def test_hourly_cost_variances_are_the_per_judgment_delta_method(tmp_path: Path) -> None:
    folder = hourly_project(tmp_path / "h")
    enc = encode(load_data(load_project(folder)))
    (batch,) = vendor_batches(enc)
    settings = Settings(n_boot=0)
    consensus = vendor_consensus(enc, batch, settings, np.random.default_rng(0))
    sums = vendor_sums(enc, batch, consensus, usability_reference(enc, [batch], settings))["relative_cost"]
    v_items, v_annotators, v_judgments = direct_log_cost_variances(folder)
    assert sums.item_variance == pytest.approx(v_items, rel=1e-9)
    assert sums.annotator_variance == pytest.approx(v_annotators, rel=1e-9)
    assert sums.judgment_variance == pytest.approx(v_judgments, rel=1e-9)


@pytest.mark.slow
def test_hourly_cost_resamples_match_the_item_bootstrap_and_keep_the_point(tmp_path: Path) -> None:
    """Item-only resamples of the cost per usable label have the delta-method variance (seconds and usable labels
    resampled together); the two-way interval is wider; the point estimate is the bill over usable labels."""
    folder = hourly_project(tmp_path / "h", seed=3)
    items = le.evaluate(folder, n_boot=4000, seed=1, uncertainty="items")
    both = le.evaluate(folder, n_boot=4000, seed=1)
    s_items, s_both = items.summary.iloc[0], both.summary.iloc[0]
    assert s_items.cost_per_usable_label == s_both.cost_per_usable_label
    assert s_both.cost_per_usable_label == pytest.approx(s_both.total_cost / (s_both.n_judgments * s_both.usable_rate))
    v_items, _, _ = direct_log_cost_variances(folder)
    low, high = s_items.cost_per_usable_label_ci_low, s_items.cost_per_usable_label_ci_high
    log_half = (np.log(high) - np.log(low)) / 2
    assert log_half == pytest.approx(1.959964 * np.sqrt(v_items), rel=1e-6)
    assert s_both.cost_per_usable_label_ci_high - s_both.cost_per_usable_label_ci_low > high - low
    # the delta method is what a bootstrap of whole items gives (a direct Poisson bootstrap of the judgments)
    rows = pd.read_csv(folder / "v.csv")
    gold = pd.read_csv(folder / "gold.csv").set_index("item_id")["label"]
    right = rows["label"].to_numpy() == gold.loc[rows["item_id"]].to_numpy()
    weights = np.random.default_rng(7).poisson(1.0, (4000, len(gold)))[:, rows["item_id"].to_numpy()]
    seconds = rows["secs"].to_numpy()
    log_cost = np.log((weights @ seconds) / weights.sum(axis=1)) - np.log((weights @ right) / weights.sum(axis=1))
    assert np.var(log_cost) == pytest.approx(v_items, rel=0.1)
