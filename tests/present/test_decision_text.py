"""The watched pilot's cost decisions in words."""

from __future__ import annotations

import math

import pandas as pd

from labeleval.analyses.sequential import COST_COVERS, EQUIVALENT, INCONCLUSIVE, Sequential, cheaper
from labeleval.present.decision_text import cost_sentences, ratio


def test_ratio_is_written_with_two_decimals_or_whole_when_large() -> None:
    assert ratio(0.8) == "0.80×" and ratio(12.345) == "12.35×" and ratio(2564.13) == "2,564×"
    assert ratio(math.nan) == "—" and ratio(math.inf) == "—"


def _decision(a: str, b: str, decision: str, first: float, estimate: float) -> dict[str, object]:
    return {
        "vendor_a": a,
        "vendor_b": b,
        "decision": decision,
        "first_look": first,
        "first_window": None if math.isnan(first) else "2026-03-04",
        "gold_items": 60,
        "estimate": estimate,
        "cs_low": estimate * 0.8,
        "cs_high": estimate * 1.2,
        "final_gold_items": 200,
        "final_estimate": estimate,
        "final_cs_low": estimate * 0.9,
        "final_cs_high": estimate * 1.1,
    }


def test_each_pairs_cost_decision_is_one_sentence() -> None:
    costs = pd.DataFrame(
        [
            _decision("A", "B", cheaper("B"), 3, 1.6),
            _decision("A", "C", EQUIVALENT, 5, 1.01),
            _decision("B", "C", INCONCLUSIVE, math.nan, 0.7),
        ]
    )
    settings = {"cost_margin": 0.1, "cost_covers": COST_COVERS}
    out = cost_sentences(Sequential(pd.DataFrame(), pd.DataFrame(), settings, cost_decisions=costs))
    assert out[0].startswith("A vs B, cost per usable label: B cheaper, reached at look 3 (2026-03-04) on 60")
    assert "A's cost over B's 1.60× [1.28×, 1.92×]" in out[0]
    assert "equivalent within 10%" in out[1]
    assert "inconclusive so far" in out[2] and "0.70× [0.63×, 0.77×] on 200 shared gold items" in out[2]
    assert out[3] == f"The costs cover {COST_COVERS}."
    assert cost_sentences(Sequential(pd.DataFrame(), pd.DataFrame(), settings)) == []
