"""Pricing models, computed by hand on small projects."""

from __future__ import annotations

from pathlib import Path

import pytest

import labeleval as le
from labeleval.io.normalize import Billing
from labeleval.options import PricingModel
from labeleval.project.manifest import Pricing
from labeleval.scoring.cost import cost_breakdown

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
