"""The vendor-level Report frames: summary, agreement, accuracy, cost, redundancy.

Each function takes the encoded data, the vendors, their estimates and the settings, and returns one tidy
frame; none of them computes a statistic that has an interval (those come from :mod:`.statistics`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from labeleval.scoring.classes import class_table
from labeleval.scoring.consensus import VendorConsensus
from labeleval.scoring.encode import Encoded, VendorBatch
from labeleval.scoring.pairs import light_kappa
from labeleval.scoring.redundancy import draws_for, redundancy_curve
from labeleval.scoring.settings import Settings
from labeleval.scoring.statistics import Estimates

WITH_CI = ("alpha", "accuracy", "consensus_accuracy")
COSTS_WITH_CI = ("usable_rate", "cost_per_usable_label", "cost_per_correct_item")


def summary(
    enc: Encoded, batches: list[VendorBatch], consensus: list[VendorConsensus], est: Estimates, settings: Settings
) -> pd.DataFrame:
    """One row per vendor: volume, agreement, accuracy, cost, each headline figure with its CI."""
    rows = []
    for b, c in zip(batches, consensus, strict=True):
        row: dict[str, object] = {
            "vendor": b.name,
            "n_items": b.n_items,
            "n_judgments": b.n_judgments,
            "n_annotators": len(np.unique(enc.keys[b.rows])) if b.n_judgments else 0,
            "labels_per_item": float(b.m[b.labelled].mean()) if b.n_items else np.nan,
        }
        _with_ci(row, est, b.name, ("alpha",))
        row["percent_agreement"] = est(b.name, "percent_agreement").value
        row["gwet_ac1"] = est(b.name, "gwet_ac1").value
        row["gold_items"] = int((b.labelled & enc.has_gold).sum())
        _with_ci(row, est, b.name, ("accuracy", "consensus_accuracy"))
        row["consensus_method"] = str(settings.consensus)
        row["consensus_accuracy_mv"] = est(b.name, "consensus_accuracy_mv").value
        row["consensus_accuracy_ds"] = est(b.name, "consensus_accuracy_ds").value
        row["consensus_unresolved"] = int(((c.chosen.code < 0) & b.labelled).sum())
        row["consensus_ties"] = int(((b.store.tie_credit(enc.gold_code)[1] > 1) & b.labelled).sum())
        row["total_cost"] = b.cost.total
        row["currency"] = b.cost.currency
        row["cost_per_label"] = b.cost_per_label
        _with_ci(row, est, b.name, COSTS_WITH_CI)
        rows.append(row)
    return pd.DataFrame(rows)


def _with_ci(row: dict[str, object], est: Estimates, vendor: str, names: tuple[str, ...]) -> None:
    for name in names:
        row[name], row[f"{name}_ci_low"], row[f"{name}_ci_high"] = est(vendor, name)


def light_kappas(enc: Encoded, batches: list[VendorBatch]) -> list[float]:
    """Each vendor's Light's kappa (NaN where undefined)."""
    return [light_kappa(enc, b, min_overlap=10) for b in batches]


def agreement(
    enc: Encoded, batches: list[VendorBatch], est: Estimates, lights: list[float] | None = None
) -> pd.DataFrame:
    """vendor x metric: Krippendorff's alpha, percent agreement, Fleiss' kappa, Gwet's AC1 (with CIs) and
    Light's kappa (mean pairwise Cohen's kappa over annotator pairs sharing 10+ items; ``lights`` if made)."""
    rows = []
    lights = light_kappas(enc, batches) if lights is None else lights
    for b, light in zip(batches, lights, strict=True):
        pairable = int((b.m >= 2).sum())
        for metric in ("alpha", "percent_agreement", "fleiss_kappa", "gwet_ac1"):
            value, low, high = est(b.name, metric)
            rows.append(
                {
                    "vendor": b.name,
                    "metric": "krippendorff_alpha" if metric == "alpha" else metric,
                    "level": enc.kind.level if metric == "alpha" else "",
                    "value": value,
                    "ci_low": low,
                    "ci_high": high,
                    "items": pairable,
                }
            )
        rows.append(
            {
                "vendor": b.name,
                "metric": "light_kappa",
                "level": "",
                "value": light,
                "ci_low": np.nan,
                "ci_high": np.nan,
                "items": pairable,
            }
        )
    return pd.DataFrame(rows)


def accuracy(enc: Encoded, batches: list[VendorBatch], est: Estimates, usable_scored: list[int]) -> pd.DataFrame:
    """vendor x metric: judgment accuracy, consensus accuracy, usable rate (with CIs) and macro-F1."""
    rows = []
    for b, n_usable in zip(batches, usable_scored, strict=True):
        gold_items = int((b.labelled & enc.has_gold).sum())
        scored = int(np.where(enc.has_gold, b.m, 0).sum())
        for metric, n in (("accuracy", scored), ("consensus_accuracy", gold_items), ("usable_rate", n_usable)):
            value, low, high = est(b.name, metric)
            rows.append(
                {
                    "vendor": b.name,
                    "metric": "judgment_accuracy" if metric == "accuracy" else metric,
                    "value": value,
                    "ci_low": low,
                    "ci_high": high,
                    "gold_items": gold_items,
                    "n": n,
                }
            )
        table = class_table(enc, b)
        f1 = table.loc[table["support"] > 0, "f1"]
        rows.append(
            {
                "vendor": b.name,
                "metric": "macro_f1",
                "value": float(f1.mean()) if len(f1) else np.nan,
                "ci_low": np.nan,
                "ci_high": np.nan,
                "gold_items": gold_items,
                "n": scored,
            }
        )
    return pd.DataFrame(rows)


def cost(enc: Encoded, batches: list[VendorBatch], est: Estimates) -> pd.DataFrame:
    """Pricing model, billed units, labour, fees, total, per label, per item, per usable label, per correct
    consensus item."""
    rows = []
    for b in batches:
        billing = enc.data.billing[b.name]
        usable_rate = est(b.name, "usable_rate").value
        per_usable = est(b.name, "cost_per_usable_label")
        per_correct = est(b.name, "cost_per_correct_item")
        rows.append(
            {
                "vendor": b.name,
                "pricing_model": str(b.cost.model),
                "rate": b.cost.rate,
                "billed_units": b.cost.billed_units,
                "unit": b.cost.unit,
                "rows_delivered": billing.rows,
                "n_judgments": b.n_judgments,
                "n_items": b.n_items,
                "hours": (billing.seconds / 3600.0) if billing.seconds is not None else np.nan,
                "labour_cost": b.cost.labour,
                "fees": b.cost.fees,
                "total_cost": b.cost.total,
                "currency": b.cost.currency,
                "cost_per_label": b.cost_per_label,
                "cost_per_item": b.cost.total / b.n_items if b.n_items else np.nan,
                "usable_rate": usable_rate,
                "usable_labels": b.n_judgments * usable_rate,
                "cost_per_usable_label": per_usable.value,
                "cost_per_usable_label_ci_low": per_usable.low,
                "cost_per_usable_label_ci_high": per_usable.high,
                "consensus_accuracy": est(b.name, "consensus_accuracy").value,
                "cost_per_correct_item": per_correct.value,
                "cost_per_correct_item_ci_low": per_correct.low,
                "cost_per_correct_item_ci_high": per_correct.high,
            }
        )
    return pd.DataFrame(rows)


def redundancy(enc: Encoded, batches: list[VendorBatch], settings: Settings) -> pd.DataFrame:
    """Consensus accuracy on gold by k labels per item, per vendor (see :mod:`labeleval.scoring.redundancy`)."""
    frames = []
    for b in batches:
        gold_judgments = int(enc.has_gold[enc.item_codes[b.rows]].sum())
        curve = redundancy_curve(
            vendor=b.name,
            item_codes=enc.item_codes[b.rows],
            label_codes=enc.label_codes[b.rows],
            gold_codes=enc.gold_code,
            kind=enc.kind,
            cost_per_label=b.cost_per_label,
            draws=draws_for(gold_judgments),
            seed=settings.seed + b.index,
            confidence=settings.confidence,
            tie=settings.tie,
        )
        if len(curve):
            frames.append(curve)
    if not frames:
        return pd.DataFrame(columns=["vendor", "k", "items", "accuracy", "reaches_target"])
    out = pd.concat(frames, ignore_index=True)
    out["reaches_target"] = out["accuracy"] >= settings.target_accuracy
    out["clears_target"] = out["accuracy_ci_low"] >= settings.target_accuracy
    return out
