"""Paired comparisons between every pair of vendors, on the items both labelled.

Each pair is compared on the items both vendors labelled (gold items for the accuracy-type metrics), and
the row says how many; when the vendors' gold coverage differs a note says so. Below
``settings.min_shared_gold`` shared gold items the pair is not tested ("cannot be compared yet").

The decision family is every pair x {accuracy, consensus accuracy, usable rate (when the usability rule is
not gold: under the gold rule it *is* the accuracy, one test not two), cost per usable label}. One
single-step bootstrap max-T (:func:`labeleval.inference.stats.max_t`) over the family gives each difference its
adjusted p-value and a simultaneous interval from the same resamples: ``significant`` exactly when the
interval excludes 0. The resamples are the two-way ones of :mod:`.uncertainty` (items paired across
vendors; each vendor's annotators independent), or item-only under ``uncertainty = "items"``.
Agreement (alpha) differences form their own family, on each vendor's items, with alpha's resamples under the same
``uncertainty`` (items and annotators: :mod:`.alpha_uncertainty`), each difference on the Satterthwaite t df of
the two alphas' intervals (:func:`alpha_difference_df`), which their annotators bound.

Per-class recall and precision differences (kinds with classes; :func:`class_comparisons`, the Report's
``class_comparisons`` frame) form a third family, every pair x class x {recall, precision}, with its own max-T
over the same kind of resamples: joined to the decision family, the many per-class tests would raise its
critical value and take power from the verdict; apart, each family holds its own error rate, stated in its
``test`` column.
"""

from __future__ import annotations

import itertools
import math
from statistics import NormalDist

import numpy as np
import pandas as pd

from labeleval.inference.stats import jeffreys_se, max_t, two_way_df, two_way_df_array
from labeleval.options import Uncertainty, UsabilityRule
from labeleval.scoring.class_ratios import COMPARED_METRICS, ClassEstimates
from labeleval.scoring.consensus import VendorConsensus
from labeleval.scoring.encode import Encoded, VendorBatch
from labeleval.scoring.settings import Settings
from labeleval.scoring.statistics import Estimates
from labeleval.scoring.uncertainty import RatioEstimate

COLUMNS = (
    "vendor_a",
    "vendor_b",
    "metric",
    "family",
    "estimate_a",
    "estimate_b",
    "difference",
    "ci_low",
    "ci_high",
    "p_value",
    "p_adjusted",
    "significant",
    "test",
    "uncertainty",
    "shared_items",
    "shared_gold_items",
    "gold_items_a",
    "gold_items_b",
    "compared_items",
    "compared_on",
    "note",
)
CLASS_COLUMNS = (*COLUMNS[:3], "label", *COLUMNS[3:])
DECISION_METRICS = ("accuracy", "consensus_accuracy", "usable_rate", "cost_per_usable_label")
SOURCE = {"cost_per_usable_label": "usable_rate"}  # a cost is compared through the rate it divides by
#: what the items a usable rate is measured on are, by usability rule (the ``compared_on`` of its comparisons)
REFERENCE_ITEMS = {
    UsabilityRule.GOLD: "gold items",
    UsabilityRule.CONSENSUS: "confident items",
    UsabilityRule.GOLD_OR_CONSENSUS: "gold or confident items",
}
OWN_ITEMS = "each vendor's own items"


def compared_on(metric: str, usability: UsabilityRule) -> str:
    """What the items a comparison of ``metric`` is measured on are: gold items for the accuracies, the usability
    reference's items for the usable rate and the cost per usable label, each vendor's own items for agreement."""
    if metric in ("usable_rate", *SOURCE):
        return REFERENCE_ITEMS[usability]
    return OWN_ITEMS if metric == "alpha" else "gold items"


def comparisons(
    enc: Encoded,
    batches: list[VendorBatch],
    consensus: list[VendorConsensus],
    est: Estimates,
    settings: Settings,
) -> pd.DataFrame:
    """Every pair of vendors on each metric: difference on shared items, simultaneous CI, adjusted p (a vendor of
    consolidated answers only is compared on consensus accuracy and cost, not on accuracy per judgment)."""
    metrics: tuple[str, ...] = DECISION_METRICS
    if settings.usability == UsabilityRule.GOLD:  # the usable rate is the gold accuracy: do not test it twice
        metrics = tuple(m for m in metrics if m != "usable_rate")
    two_way = settings.uncertainty == Uncertainty.ITEMS_AND_ANNOTATORS
    decision = _Family(
        "decision",
        str(settings.uncertainty),
        f"bootstrap max-T, {'items and annotators' if two_way else 'items'}, shared items",
    )
    resampled = "items and annotators" if two_way else "items"
    agreement = _Family("agreement", str(settings.uncertainty), f"bootstrap max-T, {resampled}, each vendor's items")
    for a, b in itertools.combinations(batches, 2):
        shared = a.labelled & b.labelled
        shared_gold = shared & enc.has_gold
        counts = {
            "shared_items": int(shared.sum()),
            "shared_gold_items": int(shared_gold.sum()),
            "gold_items_a": int((a.labelled & enc.has_gold).sum()),
            "gold_items_b": int((b.labelled & enc.has_gold).sum()),
        }
        same_items = bool(np.array_equal(a.labelled, b.labelled))
        consolidated = a.name in enc.data.consolidated or b.name in enc.data.consolidated
        for metric in metrics:
            ra, rb = _shared_ratio(est, a.name, b.name, metric), _shared_ratio(est, b.name, a.name, metric)
            if ra is None or rb is None:
                continue
            basis = min(ra.items, rb.items)  # the items the test is made on: the count every sentence uses
            row = {"vendor_a": a.name, "vendor_b": b.name, "metric": metric, **counts}
            row |= {"compared_items": basis, "compared_on": compared_on(metric, settings.usability)}
            if metric == "accuracy" and consolidated:  # a consensus is not a judgment: compared as consensus only
                continue
            if basis < settings.min_shared_gold:
                what = f"shared {row['compared_on']}"
                note = f"too few {what} ({basis} < {settings.min_shared_gold}): cannot be compared yet"
                decision.skip(row, *_values(a, b, ra, rb, metric), note)
                continue
            costs = (
                (_relative_cost(est, a.name, b.name), _relative_cost(est, b.name, a.name)) if metric in SOURCE else ()
            )
            coverage = _coverage_note(a.name, b.name, counts, basis, str(row["compared_on"]), same_items)
            decision.add(row, *_difference(a, b, ra, rb, metric, counts["shared_items"], *costs), coverage)
        alpha_a, alpha_b = est(a.name, "alpha"), est(b.name, "alpha")
        samples = est.samples[(a.name, "alpha")] - est.samples[(b.name, "alpha")]
        note = "" if same_items else "agreement on each vendor's own items"
        on: dict[str, object] = {"compared_items": counts["shared_items"], "compared_on": "items"}
        if not same_items:  # each vendor's agreement on its own items: no one count behind the difference
            on = {"compared_items": np.nan, "compared_on": OWN_ITEMS}
        agreement.add(
            {"vendor_a": a.name, "vendor_b": b.name, "metric": "alpha", **counts, **on},
            alpha_a.value,
            alpha_b.value,
            samples,
            float("nan"),
            alpha_difference_df(est, a.name, b.name),
            note,
        )
    frame = pd.DataFrame(
        decision.finish(settings.confidence) + agreement.finish(settings.confidence), columns=list(COLUMNS)
    )
    return frame.astype({"significant": bool, "compared_items": "Int64"})


def alpha_difference_df(est: Estimates, a: str, b: str) -> float:
    """The Satterthwaite df of a difference of two vendors' alphas, ``(V_a + V_b)^2 / (V_a^2 / df_a + V_b^2 /
    df_b)`` with each alpha's resampled variance and the df its interval takes (which its annotators bound); infinite
    where the intervals resample items only."""
    df_a, df_b = est.alpha_df.get(a, math.inf), est.alpha_df.get(b, math.inf)
    finite = [est.samples[(v, "alpha")][np.isfinite(est.samples[(v, "alpha")])] for v in (a, b)]
    if not (math.isfinite(df_a) or math.isfinite(df_b)) or min(len(f) for f in finite) < 2:
        return math.inf  # items only, or an alpha without resamples (undefined): the family's normal scale
    v_a, v_b = (float(np.var(f)) for f in finite)
    denominator = (v_a**2 / df_a if df_a > 0 else math.inf) + (v_b**2 / df_b if df_b > 0 else math.inf)
    if not (denominator > 0 and math.isfinite(denominator)):
        return math.inf if denominator == 0 else 1.0
    return max((v_a + v_b) ** 2 / denominator, 1.0)


def class_comparisons(
    enc: Encoded, batches: list[VendorBatch], estimates: ClassEstimates, settings: Settings
) -> pd.DataFrame:
    """Every pair of vendors on each class's recall and precision: one max-T family of its own (``per_class``).

    Each difference is on the gold items both vendors labelled; a class neither vendor's gold (recall) or
    judgments (precision) reach on two items or more is not tested, and a pair below ``min_shared_gold`` shared
    gold items is not tested at all (as in the decision family)."""
    two_way = settings.uncertainty == Uncertainty.ITEMS_AND_ANNOTATORS
    family = _Family(
        "per_class",
        str(settings.uncertainty),
        f"bootstrap max-T over every pair x class x recall/precision, {'items and annotators' if two_way else 'items'}",
    )
    if estimates.ratios:
        for a, b in itertools.combinations(batches, 2):
            shared_gold = a.labelled & b.labelled & enc.has_gold
            counts = {
                "shared_items": int((a.labelled & b.labelled).sum()),
                "shared_gold_items": int(shared_gold.sum()),
                "gold_items_a": int((a.labelled & enc.has_gold).sum()),
                "gold_items_b": int((b.labelled & enc.has_gold).sum()),
            }
            for label in enc.labels:
                for metric in COMPARED_METRICS:
                    _class_row(family, a, b, label, metric, estimates, counts, settings)
    frame = pd.DataFrame(family.finish(settings.confidence), columns=list(CLASS_COLUMNS))
    return frame.astype({"significant": bool, "compared_items": "Int64"})


def _class_row(
    family: _Family,
    a: VendorBatch,
    b: VendorBatch,
    label: str,
    metric: str,
    estimates: ClassEstimates,
    counts: dict[str, int],
    settings: Settings,
) -> None:
    ra, rb = estimates.get(a.name, metric, label, b.name), estimates.get(b.name, metric, label, a.name)
    if ra is None or rb is None:
        return
    row = {"vendor_a": a.name, "vendor_b": b.name, "metric": metric, "label": label, **counts}
    row |= {"compared_items": counts["shared_gold_items"], "compared_on": "gold items"}
    basis = min(ra.items, rb.items)
    if counts["shared_gold_items"] < settings.min_shared_gold:
        shared = counts["shared_gold_items"]
        note = f"too few shared gold items ({shared} < {settings.min_shared_gold}): cannot be compared yet"
        family.skip(row, ra.value, rb.value, note)
    elif basis < 2:
        what = "gold items of this class" if metric == "recall" else "gold items given this label"
        family.skip(row, ra.value, rb.value, f"too few {what} ({basis} < 2): not tested")
    else:
        estimate_a, estimate_b, diff, floor, df = _difference(a, b, ra, rb, metric, basis)
        note = _coverage_note(a.name, b.name, counts, counts["shared_gold_items"], "gold items", False)
        family.add(row, estimate_a, estimate_b, diff, floor, df, note)


def _coverage_note(a: str, b: str, counts: dict[str, int], compared: int, on: str, same_items: bool) -> str:
    """Why a difference can differ from the gap between the two vendors' own figures: it is measured on the
    ``compared`` items both labelled (the row's ``compared_items``), the figures on each vendor's own."""
    ga, gb = counts["gold_items_a"], counts["gold_items_b"]
    if on != "gold items":
        if same_items:
            return ""
        return f"compared on the {compared:,} {on} both labelled; each vendor's own figure uses all its {on}"
    if ga == gb == compared:
        return ""
    return (
        f"gold coverage differs ({a} labelled {ga:,} gold items, {b} {gb:,}): compared on the {compared:,} both "
        f"labelled; each vendor's own figure uses all its gold items"
    )


def _shared_ratio(est: Estimates, vendor: str, other: str, metric: str) -> RatioEstimate | None:
    name = SOURCE.get(metric, metric)
    return est.ratios.get((vendor, name, other), est.ratios.get((vendor, name)))


def _relative_cost(est: Estimates, vendor: str, other: str) -> RatioEstimate | None:
    """The cost per usable label's resamples relative to its estimate, where the vendor's pay varies (hourly)."""
    return est.ratios.get((vendor, "relative_cost", other), est.ratios.get((vendor, "relative_cost")))


def _values(a: VendorBatch, b: VendorBatch, ra: RatioEstimate, rb: RatioEstimate, metric: str) -> tuple[float, float]:
    if metric in SOURCE:  # cost per usable label = cost per label / usable rate (infinite when none is usable)
        with np.errstate(divide="ignore", invalid="ignore"):
            return float(np.float64(a.cost_per_label) / ra.value), float(np.float64(b.cost_per_label) / rb.value)
    return ra.value, rb.value


def _difference(
    a: VendorBatch,
    b: VendorBatch,
    ra: RatioEstimate,
    rb: RatioEstimate,
    metric: str,
    shared_items: int,
    cost_a: RatioEstimate | None = None,
    cost_b: RatioEstimate | None = None,
) -> tuple[float, float, np.ndarray, float, float]:
    """Estimates, resampled differences, the SE floor and the Satterthwaite df of one comparison."""
    floor_a = float(jeffreys_se(np.array([ra.successes]), np.array([ra.trials]))[0])
    floor_b = float(jeffreys_se(np.array([rb.successes]), np.array([rb.trials]))[0])
    scale_a = scale_b = 1.0
    samples_a, samples_b = ra.samples, rb.samples
    estimate_a, estimate_b = _values(a, b, ra, rb, metric)
    if metric in SOURCE:
        smooth_a = (ra.successes + 0.5) / (ra.trials + 1.0)
        smooth_b = (rb.successes + 0.5) / (rb.trials + 1.0)
        scale_a, scale_b = a.cost_per_label / smooth_a**2, b.cost_per_label / smooth_b**2
        with np.errstate(divide="ignore", invalid="ignore"):
            samples_a = a.cost_per_label / np.clip(ra.samples, 0.0, 1.0)
            samples_b = b.cost_per_label / np.clip(rb.samples, 0.0, 1.0)
    floor = float(np.hypot(scale_a * floor_a, scale_b * floor_b))  # the usable rates' floor, through the cost
    if metric in SOURCE:
        # variable pay: the cost's own resamples (pay and usable labels together), relative to its estimate
        if cost_a is not None:
            ra, scale_a, samples_a = cost_a, estimate_a, estimate_a * cost_a.samples
        if cost_b is not None:
            rb, scale_b, samples_b = cost_b, estimate_b, estimate_b * cost_b.samples
    with np.errstate(invalid="ignore"):
        diff = samples_a - samples_b
        item_part = scale_a * ra.item_part - scale_b * rb.item_part
    finite = item_part[np.isfinite(item_part)]
    item_var = float(np.var(finite, ddof=1)) if len(finite) > 1 else 0.0
    excess = scale_a**2 * ra.annotator_variance + scale_b**2 * rb.annotator_variance
    terms = scale_a**4 * ra.df_terms + scale_b**4 * rb.df_terms  # each vendor's annotators (inference.stats)
    return estimate_a, estimate_b, diff, floor, two_way_df(item_var, max(shared_items - 1, 1), excess, terms)


def difference_df(
    item_var: float | np.ndarray,
    excess_a: float | np.ndarray,
    excess_b: float | np.ndarray,
    terms_a: float | np.ndarray,
    terms_b: float | np.ndarray,
    shared_items: int | np.ndarray,
) -> np.ndarray:
    """:func:`~labeleval.inference.stats.two_way_df` of a paired difference, element-wise over arrays (a plan's
    simulated pilots): its item variance, each vendor's annotator excess
    (:attr:`~labeleval.scoring.uncertainty.RatioEstimate.annotator_variance`) and that excess's Satterthwaite
    terms (:attr:`~labeleval.scoring.uncertainty.RatioEstimate.df_terms`), as :func:`_difference` combines them
    (``shared_items`` broadcasts too)."""
    a, b, ta, tb = (np.asarray(v, dtype=np.float64) for v in (excess_a, excess_b, terms_a, terms_b))
    return two_way_df_array(item_var, np.asarray(shared_items, dtype=np.float64) - 1, a + b, ta + tb)


class _Family:
    """Rows of one multiplicity family, tested together by one max-T when finished."""

    def __init__(self, name: str, uncertainty: str, test: str) -> None:
        self.name, self.uncertainty, self.test = name, uncertainty, test
        self.rows: list[dict[str, object]] = []
        self.samples: list[np.ndarray] = []
        self.floors: list[float] = []
        self.dfs: list[float] = []
        self.skipped: list[dict[str, object]] = []

    def add(
        self,
        row: dict[str, object],
        estimate_a: float,
        estimate_b: float,
        samples: np.ndarray,
        floor: float,
        df: float,
        note: str,
    ) -> None:
        self.rows.append({**row, **self._base(estimate_a, estimate_b, note)})
        self.samples.append(samples)
        self.floors.append(floor)
        self.dfs.append(df)

    def skip(self, row: dict[str, object], estimate_a: float, estimate_b: float, note: str) -> None:
        self.skipped.append({**row, **self._base(estimate_a, estimate_b, note), "test": "not tested"})

    def _base(self, estimate_a: float, estimate_b: float, note: str) -> dict[str, object]:
        return {
            "family": self.name,
            "estimate_a": estimate_a,
            "estimate_b": estimate_b,
            "difference": estimate_a - estimate_b,
            "ci_low": np.nan,
            "ci_high": np.nan,
            "p_value": np.nan,
            "p_adjusted": np.nan,
            "significant": False,
            "test": self.test,
            "uncertainty": self.uncertainty,
            "note": note,
        }

    def finish(self, confidence: float) -> list[dict[str, object]]:
        if self.rows and len(self.samples[0]) >= 2:
            estimates = np.array([float(r["difference"]) for r in self.rows])  # type: ignore[arg-type]
            result = max_t(
                estimates,
                np.column_stack(self.samples),
                confidence,
                se_floor=np.array(self.floors),
                df=np.array(self.dfs),
            )
            for k, row in enumerate(self.rows):
                z = result.statistic[k]
                row["ci_low"], row["ci_high"] = float(result.low[k]), float(result.high[k])
                row["p_value"] = 2.0 * (1.0 - NormalDist().cdf(z)) if np.isfinite(z) else np.nan
                row["p_adjusted"] = float(result.p_adjusted[k])
                row["significant"] = bool(result.significant[k])
        return self.rows + self.skipped
