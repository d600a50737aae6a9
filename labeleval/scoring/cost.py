"""Pricing models and what a label costs.

A vendor is paid for what it delivered, usable or not: every row read from its file is billed, including
rows labeleval quarantines. Labour cost by pricing model:

``per_label``  ``rate`` x rows delivered
``per_item``   ``rate`` x distinct items delivered
``hourly``     ``rate`` x hours (summed ``duration_s`` of the rows delivered)
``fixed``      ``amount``
``per_million_tokens``  ``input_rate`` x input tokens / 1e6 + ``output_rate`` x output tokens / 1e6

Rows that carry their own ``cost`` are charged that amount instead (per_label and hourly: a timesheet's
hours x each person's rate, a Toloka reward), or on top (per_item and fixed: bonuses, adjustments). Work a
native reader set aside (rejected, cancelled) is billed only when the vendor says ``bill_excluded = true``.
``fee_pct`` adds a platform fee on the labour cost.

Derived figures: ``cost_per_label = total_cost / n_judgments`` (kept judgments);
``cost_per_usable_label = total_cost / (n_judgments x usable_rate)``;
``cost_per_correct_item = total_cost / (n_items x consensus_accuracy)``.

What a single judgment costs (:func:`judgment_pay`) is fixed under ``per_label`` (the rate), ``per_item``,
``fixed`` and ``per_million_tokens`` pricing; under ``hourly`` pay it is the rate x the judgment's duration (or
the person's own rate x hours), so it varies with the annotators and the items, and the interval of the cost
per usable label resamples it with the usable labels (labeleval/scoring/uncertainty.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from labeleval.io.normalize import Billing
from labeleval.project.manifest import Pricing


@dataclass(frozen=True)
class CostBreakdown:
    """Billed units, labour, fees and total for one vendor."""

    model: str
    rate: float
    billed_units: float
    unit: str
    labour: float
    fees: float
    total: float
    currency: str


def cost_breakdown(pricing: Pricing, billing: Billing) -> CostBreakdown:
    """Apply a pricing model to what a vendor delivered.

    ``rate`` and ``billed_units`` say what was really billed: with per-person hourly rates (a timesheet's
    per-row costs) the units are every billed hour and the rate is the hours-weighted mean rate; for
    ``per_million_tokens`` the units are millions of tokens and the rate is the blended price per million.
    """
    model = pricing.model
    rate = pricing.amount if model == "fixed" else pricing.rate
    if model == "per_label":
        units, unit = float(billing.rows - billing.rows_with_cost), "labels"
        labour = pricing.rate * units + billing.row_cost
    elif model == "per_item":
        units, unit = float(billing.items), "items"
        labour = pricing.rate * units + billing.row_cost
    elif model == "hourly":
        hours = (billing.seconds or 0.0) / 3600.0
        at_flat_rate = (billing.seconds or 0.0) - billing.seconds_with_cost
        labour = pricing.rate * at_flat_rate / 3600.0 + billing.row_cost
        units, unit = hours, "hours"
        if billing.rows_with_cost:
            unit = "hours (per-person rates)"
            rate = labour / hours if hours > 0 else float("nan")
    elif model == "fixed":
        units, unit = 1.0, "batch"
        labour = pricing.amount + billing.row_cost
    elif model == "per_million_tokens":
        units, unit = (billing.input_tokens + billing.output_tokens) / 1e6, "million tokens"
        labour = (billing.input_tokens * pricing.input_rate + billing.output_tokens * pricing.output_rate) / 1e6
        labour += billing.row_cost
        rate = labour / units if units > 0 else float("nan")
    else:  # guarded by the manifest check
        raise ValueError(f"unknown pricing model {model!r}")
    fees = labour * pricing.fee_pct / 100.0
    return CostBreakdown(
        model=model,
        rate=rate,
        billed_units=units,
        unit=unit,
        labour=labour,
        fees=fees,
        total=labour + fees,
        currency=pricing.currency,
    )


def judgment_pay(pricing: Pricing, durations: np.ndarray | None, row_costs: np.ndarray | None) -> np.ndarray | None:
    """Each judgment's labour pay where it varies with the judgment (``hourly``), in the pricing's currency;
    None where every judgment costs the same (every other model).

    A row's own ``cost`` (a timesheet's hours x the person's rate) is its pay; else ``rate`` x its duration in
    hours, a missing duration counting 0 (as the bill does). Fees are a fixed share and cancel in a relative cost.
    """
    if pricing.model != "hourly":
        return None
    seconds = np.zeros(0) if durations is None else np.clip(np.nan_to_num(durations, nan=0.0), 0.0, None)
    pay = pricing.rate * seconds / 3600.0 if durations is not None else None
    if row_costs is not None:
        own = np.isfinite(row_costs)
        base = pay if pay is not None else np.zeros(len(row_costs))
        pay = np.where(own, np.clip(np.nan_to_num(row_costs, nan=0.0), 0.0, None), base)
    return pay
