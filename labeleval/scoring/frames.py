"""The vendor-level Report frames: summary, agreement, accuracy, cost, redundancy.

Each function takes the encoded data, the vendors, their estimates and the settings, and returns one tidy
frame; none of them computes a statistic that has an interval (those come from :mod:`.statistics`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from labeleval.inference.stats import proportion_interval
from labeleval.metrics.agreement_table import too_few_items
from labeleval.scoring.classes import class_table
from labeleval.scoring.consensus import VendorConsensus
from labeleval.scoring.encode import CONSOLIDATED_NOTE, Encoded, VendorBatch
from labeleval.scoring.pairs import light_evidence
from labeleval.scoring.redundancy import draws_for, redundancy_curve
from labeleval.scoring.settings import Settings
from labeleval.scoring.statistics import Estimates
from labeleval.tuning import MIN_PAIR_COVERAGE

WITH_CI = ("alpha", "accuracy", "consensus_accuracy")
COSTS_WITH_CI = ("usable_rate", "cost_per_usable_label", "cost_per_correct_item")
SUMMARY_AGREEMENT = ("alpha", "alpha_ci_low", "alpha_ci_high", "percent_agreement", "gwet_ac1")


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
        if thin_note(int((b.m >= 2).sum())):  # too few items to show agreement (as the agreement frame)
            row.update(
                dict.fromkeys(("alpha", "alpha_ci_low", "alpha_ci_high", "percent_agreement", "gwet_ac1"), np.nan)
            )
        row["gold_items"] = int((b.labelled & enc.has_gold).sum())
        _with_ci(row, est, b.name, ("accuracy", "consensus_accuracy"))
        if b.name in enc.data.consolidated:  # its answers are a consensus: not ranked as judgments
            row.update(dict.fromkeys(("accuracy", "accuracy_ci_low", "accuracy_ci_high"), np.nan))
        row["consensus_method"] = str(settings.consensus)
        row["consensus_accuracy_mv"] = est(b.name, "consensus_accuracy_mv").value
        row["consensus_accuracy_ds"] = est(b.name, "consensus_accuracy_ds").value
        row["consensus_unresolved"] = int(((c.chosen.code < 0) & b.labelled).sum())
        row["consensus_ties"] = int(((b.store.tie_credit(enc.gold_code)[1] > 1) & b.labelled).sum())
        row["total_cost"] = b.cost.total
        row["currency"] = b.cost.currency
        row["cost_per_label"] = b.cost_per_label
        _with_ci(row, est, b.name, COSTS_WITH_CI)
        row["usable_items"] = usable_items(est, b.name)
        rows.append(row)
    return pd.DataFrame(rows)


def usable_items(est: Estimates, vendor: str) -> int:
    """The items a vendor's usable rate rests on: those it labelled that have a usability reference (gold items
    under the gold rule, confident cross-vendor consensus items under the consensus rule, either under both)."""
    ratio = est.ratios.get((vendor, "usable_rate"))
    return int(ratio.items) if ratio is not None else 0


def _with_ci(row: dict[str, object], est: Estimates, vendor: str, names: tuple[str, ...]) -> None:
    for name in names:
        row[name], row[f"{name}_ci_low"], row[f"{name}_ci_high"] = est(vendor, name)


def light_kappas(enc: Encoded, batches: list[VendorBatch]) -> list[tuple[float, int, int]]:
    """Each vendor's Light's kappa (NaN where undefined), the annotator pairs behind it and the annotators they
    cover."""
    return [light_evidence(enc, b, min_overlap=10) for b in batches]


def thin_note(items: int) -> str | None:
    """Why an agreement figure on ``items`` items with two or more judgments is not shown, or None."""
    note = too_few_items(items)
    return None if note is None else f"built on {note}"


def coverage_note(pairs: int, covered: int, raters: int) -> str | None:
    """Why Light's kappa from ``pairs`` annotator pairs covering ``covered`` of ``raters`` is not shown, or None."""
    if pairs == 0 or covered >= MIN_PAIR_COVERAGE * raters:
        return None
    return (
        f"built on {pairs} annotator pair{'s' if pairs > 1 else ''} sharing 10+ items, {covered} of {raters} "
        f"annotators; at least {MIN_PAIR_COVERAGE:.0%} of them needed"
    )


def agreement(
    enc: Encoded, batches: list[VendorBatch], est: Estimates, lights: list[tuple[float, int, int]] | None = None
) -> pd.DataFrame:
    """vendor x metric: Krippendorff's alpha, percent agreement, Fleiss' kappa, Gwet's AC1 (with CIs) and
    Light's kappa (mean pairwise Cohen's kappa over annotator pairs sharing 10+ items; ``lights`` if made), each
    with its evidence (``items`` with two or more judgments, ``raters``, ``pairs`` behind Light's kappa). A figure
    under the minimum evidence (:data:`~labeleval.tuning.MIN_AGREEMENT_ITEMS`,
    :data:`~labeleval.tuning.MIN_PAIR_COVERAGE`) is blank, its ``note`` saying why."""
    rows = []
    lights = light_kappas(enc, batches) if lights is None else lights
    for b, (light, pairs, covered) in zip(batches, lights, strict=True):
        pairable = int((b.m >= 2).sum())
        raters = int(np.count_nonzero(np.bincount(enc.keys[b.rows]))) if b.n_judgments else 0
        evidence = {"vendor": b.name, "items": pairable, "raters": raters}
        thin = CONSOLIDATED_NOTE if b.name in enc.data.consolidated else thin_note(pairable)
        for metric in ("alpha", "percent_agreement", "fleiss_kappa", "gwet_ac1"):
            value, low, high = (np.nan,) * 3 if thin else est(b.name, metric)
            name = "krippendorff_alpha" if metric == "alpha" else metric
            level = enc.kind.level if metric == "alpha" else ""
            figures = {"value": value, "ci_low": low, "ci_high": high, "pairs": np.nan, "note": thin}
            rows.append({"metric": name, "level": level} | evidence | figures)
        note = thin or coverage_note(pairs, covered, raters)
        figures = {
            "value": np.nan if note else light,
            "ci_low": np.nan,
            "ci_high": np.nan,
            "pairs": pairs,
            "note": note,
        }
        rows.append({"metric": "light_kappa", "level": ""} | evidence | figures)
    columns = ["vendor", "metric", "level", "value", "ci_low", "ci_high", "items", "raters", "pairs", "note"]
    return pd.DataFrame(rows, columns=columns)


def accuracy(enc: Encoded, batches: list[VendorBatch], est: Estimates, usable_scored: list[int]) -> pd.DataFrame:
    """vendor x metric: judgment accuracy, consensus accuracy, usable rate (with CIs) and macro-F1."""
    rows = []
    for b, n_usable in zip(batches, usable_scored, strict=True):
        gold_items = int((b.labelled & enc.has_gold).sum())
        scored = int(np.where(enc.has_gold, b.m, 0).sum())
        for metric, n in (("accuracy", scored), ("consensus_accuracy", gold_items), ("usable_rate", n_usable)):
            value, low, high = est(b.name, metric)
            if metric == "accuracy" and b.name in enc.data.consolidated:
                value, low, high = np.nan, np.nan, np.nan
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
                "usable_items": usable_items(est, b.name),
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


def redundancy_intervals(redundancy: pd.DataFrame, est: Estimates, settings: Settings) -> pd.DataFrame:
    """The redundancy rows' intervals counted as the headline's are: Wilson on the design-effect sample size with
    the Satterthwaite t (:func:`~labeleval.inference.stats.proportion_interval`), where the draws alone would
    count items only (and claim a target cleared that the vendor's annotators leave open).

    k = 1 takes the design effect and df of the vendor's per-judgment accuracy (one label per item is one
    judgment); the vendor's own k (all its labels on every gold item) is the headline consensus accuracy and
    takes its interval exactly (one interval per figure); a k between takes the larger design effect of the
    two and the smaller df."""
    if redundancy.empty or not est.ratios:
        return redundancy
    out = redundancy.copy()
    for vendor, rows in out.groupby("vendor", sort=False):
        single = est.ratios.get((str(vendor), "accuracy"))
        full = est.ratios.get((str(vendor), "consensus_accuracy_mv"))
        if single is None or full is None:
            continue
        deffs = [_design_effect(r.value, r.trials, r.variance) for r in (single, full)]
        first = rows["k"].to_numpy() == 1
        p, n = rows["accuracy"].to_numpy(dtype=np.float64), rows["items"].to_numpy(dtype=np.float64)
        deff = np.where(first, deffs[0], max(deffs))
        df = np.where(first, single.df, min(single.df, full.df))
        with np.errstate(invalid="ignore", divide="ignore"):
            low, high = proportion_interval(p, n, deff * p * (1 - p) / n, settings.confidence, df)
        headline = np.isclose(n, full.trials) & np.isclose(p, full.value, rtol=0, atol=1e-9) & ~first
        out.loc[rows.index, "accuracy_ci_low"] = np.where(headline, full.low, low)
        out.loc[rows.index, "accuracy_ci_high"] = np.where(headline, full.high, high)
    out["clears_target"] = out["accuracy_ci_low"] >= settings.target_accuracy
    return out


def _design_effect(value: float, trials: float, variance: float) -> float:
    """``variance / (p (1 - p) / n)``, at least 1 (1 where the binomial variance is 0 or unknown)."""
    binomial = value * (1 - value) / trials if trials > 0 else 0.0
    return max(variance / binomial, 1.0) if binomial > 0 and np.isfinite(variance) else 1.0
