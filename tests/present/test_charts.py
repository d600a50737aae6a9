"""The app's charts as specs: what a reader would see overlap is kept apart."""

from __future__ import annotations

import pandas as pd
import pytest

from labeleval.present import charts


def _curve(vendors: list[str], ks: tuple[int, ...] = (1, 2, 3)) -> pd.DataFrame:
    rows = [
        {
            "vendor": v, "k": k, "items": 100, "accuracy": 0.8, "accuracy_ci_low": 0.7, "accuracy_ci_high": 0.9,
            "draw_sd": 0.0, "cost_per_item": 0.1 * k, "cost_per_correct_item": 0.125 * k,
            "reaches_target": False, "clears_target": False,
        }
        for v in vendors
        for k in ks
    ]  # fmt: skip
    return pd.DataFrame(rows)


@pytest.mark.parametrize("n_vendors", [2, 5, 12])
def test_redundancy_intervals_of_equal_k_stand_apart(n_vendors: int) -> None:
    """Every vendor at the same accuracy and k: each interval bar gets its own x, within half a step of its k,
    in legend order; the bars, the lines and the target stay."""
    vendors = [f"Vendor {i}" for i in range(n_vendors)]
    spec = charts.redundancy(_curve(vendors), 0.95, vendors).to_dict()
    values = next(iter(spec["datasets"].values()))
    for k in (1, 2, 3):
        xs = [row["k_shown"] for row in values if row["k"] == k]
        assert len(set(xs)) == n_vendors
        assert xs == sorted(xs)  # vendors in legend order
        assert all(abs(x - k) < 0.5 * charts.REDUNDANCY_SPREAD + 1e-9 for x in xs)
    marks = [layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"] for layer in spec["layer"]]
    assert marks == ["errorbar", "line", "rule"]
    assert spec["layer"][0]["encoding"]["x"]["axis"]["values"] == [1, 2, 3]  # ticks only at the real k
