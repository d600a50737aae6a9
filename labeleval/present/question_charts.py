"""Charts of the slice and drift frames: pure functions of Report frames, Altair only."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pandas as pd

from labeleval import fmt
from labeleval.present import glossary
from labeleval.present.charts import FIT_WIDTH, altair, vendor_colors, vendor_legend

if TYPE_CHECKING:
    import altair as alt


def _vendor_scale(vendors: list[str]) -> alt.Scale:
    alt = altair()
    return alt.Scale(domain=vendors, range=vendor_colors(len(vendors)))


def _shown(frame: pd.DataFrame, kind: fmt.Kind, currency: str | None) -> pd.Series:
    """Each row's figure with its interval, written as the tables write it (for tooltips)."""
    return pd.Series(
        [fmt.ci(v, lo, hi, kind, currency) for v, lo, hi in frame[["value", "low", "high"]].itertuples(index=False)],
        index=frame.index,
        dtype=object,
    )


def _axis(kind: fmt.Kind, currency: str | None) -> alt.Axis:
    alt = altair()
    if kind == "pct":
        return alt.Axis(format=".0%")
    if kind == "money":
        return alt.Axis(labelExpr=fmt.vega_money_expr(currency, 2))
    return alt.Axis(format=".2f")


def _name(metric: str, settings: Mapping[str, Any] | None) -> str:
    """The figure's display name; accuracy says its rule (``within ±1``) when the settings give one."""
    if metric == "accuracy" and settings:
        return glossary.accuracy_name(settings)
    return glossary.column_name(metric)


def _kind(metric: str) -> fmt.Kind:
    if metric in ("accuracy", "consensus_accuracy", "usable_rate"):
        return "pct"
    return "money" if metric.startswith("cost") else "number"


def slice_bars(
    slices: pd.DataFrame, settings: Mapping[str, Any] | None = None, metric: str = "accuracy", title: str = ""
) -> alt.FacetChart:
    """Per slice, one bar per vendor with its interval; slices without a number (absent, too few gold
    items) keep their place with no bar."""
    alt = altair()
    vendors = list(dict.fromkeys(slices["vendor"].astype(str)))
    frame = slices[["slice", "vendor", "status", metric, f"{metric}_ci_low", f"{metric}_ci_high"]].copy()
    frame.columns = ["slice", "vendor", "status", "value", "low", "high"]
    kind = _kind(metric)
    currency = str((settings or {}).get("currency", "")) or None
    name = title or _name(metric, settings)
    frame["shown"] = _shown(frame, kind, currency)
    base = alt.Chart(frame).encode(
        y=alt.Y("vendor:N", sort=vendors, title=None),
        color=alt.Color("vendor:N", scale=_vendor_scale(vendors), legend=None),
    )
    scale = alt.Scale(domain=[0, 1], clamp=True) if kind == "pct" else alt.Scale(zero=True)
    bars = base.mark_bar(opacity=0.85).encode(
        x=alt.X("value:Q", title=name, axis=_axis(kind, currency), scale=scale),
        tooltip=[alt.Tooltip("slice:N", title="Slice"), alt.Tooltip("vendor:N", title="Vendor"),
                 alt.Tooltip("shown:N", title=name), alt.Tooltip("status:N", title="Status")],
    )  # fmt: skip
    rules = base.mark_rule(strokeWidth=2, color="#333").encode(x=alt.X("low:Q", scale=scale), x2="high:Q")
    return (
        (bars + rules)
        .properties(height=26 * len(vendors) + 10, width=420)
        .facet(row=alt.Row("slice:N", title=None, header=alt.Header(labelAngle=0, labelAlign="left")))
    )


def drift_lines(
    drift: pd.DataFrame, settings: Mapping[str, Any] | None = None, metric: str = "accuracy", title: str = ""
) -> alt.LayerChart:
    """Per vendor, the metric over windows with its interval as a band; a vendor's change point (its accuracy
    from that window on differs from before it beyond chance) is marked with a larger, ringed point."""
    alt = altair()
    frame = drift[drift["window"] != "(missing)"].copy()
    vendors = list(dict.fromkeys(frame["vendor"].astype(str)))
    order = list(dict.fromkeys(frame["window"]))
    frame = frame.rename(columns={metric: "value", f"{metric}_ci_low": "low", f"{metric}_ci_high": "high"})
    frame["changed"] = frame["changed"].astype(bool)
    kind = _kind(metric)
    currency = str((settings or {}).get("currency", "")) or None
    name = title or _name(metric, settings)
    frame["shown"] = _shown(frame, kind, currency)
    frame["changed_text"] = frame["changed"].map({True: "yes", False: "no"})
    x = alt.X("window:N", sort=order, title=None, axis=alt.Axis(labelAngle=0))
    color = alt.Color("vendor:N", scale=_vendor_scale(vendors), legend=vendor_legend(len(vendors)))
    base = alt.Chart(frame).encode(x=x, color=color)
    band = base.mark_area(opacity=0.18).encode(y="low:Q", y2="high:Q")
    scale = alt.Scale(zero=False, domainMax=1, clamp=True) if kind == "pct" else alt.Scale(zero=False)
    line = base.mark_line(point=True).encode(
        y=alt.Y("value:Q", title=name, axis=_axis(kind, currency), scale=scale),
        tooltip=[alt.Tooltip("window:N", title="Window"), alt.Tooltip("vendor:N", title="Vendor"),
                 alt.Tooltip("shown:N", title=name), alt.Tooltip("changed_text:N", title="Change point")],
    )  # fmt: skip
    flagged = (
        base.transform_filter("datum.changed")
        .mark_point(size=220, shape="circle", filled=False, strokeWidth=2)
        .encode(y="value:Q")
    )
    return (band + line + flagged).properties(height=300, autosize=FIT_WIDTH)
