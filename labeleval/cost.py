"""Pricing models and what a label costs (DESIGN §6).

A vendor is paid for what it delivered, usable or not: every row read from its file is billed, including
rows labeleval quarantines. Labour cost by pricing model:

``per_label``  ``rate`` x rows delivered
``per_item``   ``rate`` x distinct items delivered
``hourly``     ``rate`` x hours (summed ``duration_s`` of the rows delivered)
``fixed``      ``amount``

Rows that carry their own ``cost`` are charged that amount instead (per_label and hourly), or on top
(per_item and fixed: bonuses, adjustments). ``fee_pct`` adds a platform fee on the labour cost.

Derived figures: ``cost_per_label = total_cost / n_judgments`` (kept judgments);
``cost_per_usable_label = total_cost / (n_judgments x usable_rate)``;
``cost_per_correct_item = total_cost / (n_items x consensus_accuracy)``.
"""

from __future__ import annotations

from dataclasses import dataclass

from labeleval.io.normalize import Billing
from labeleval.project import Pricing


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
    """Apply a pricing model to what a vendor delivered."""
    model = pricing.model
    if model == "per_label":
        units, unit = float(billing.rows - billing.rows_with_cost), "labels"
        labour = pricing.rate * units
    elif model == "per_item":
        units, unit = float(billing.items), "items"
        labour = pricing.rate * units
    elif model == "hourly":
        seconds = (billing.seconds or 0.0) - billing.seconds_with_cost
        units, unit = seconds / 3600.0, "hours"
        labour = pricing.rate * units
    elif model == "fixed":
        units, unit = 1.0, "batch"
        labour = pricing.amount
    else:  # guarded by the manifest check
        raise ValueError(f"unknown pricing model {model!r}")
    labour += billing.row_cost
    fees = labour * pricing.fee_pct / 100.0
    return CostBreakdown(
        model=model,
        rate=pricing.amount if model == "fixed" else pricing.rate,
        billed_units=units,
        unit=unit,
        labour=labour,
        fees=fees,
        total=labour + fees,
        currency=pricing.currency,
    )
