"""Charts of the slice and drift frames (issue 11): pure functions of Report frames, Altair only."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import altair as alt
import pandas as pd

from labeleval.ui.charts import vendor_colors


def _vendor_scale(vendors: list[str]) -> alt.Scale:
    return alt.Scale(domain=vendors, range=vendor_colors(len(vendors)))


def slice_bars(
    slices: pd.DataFrame, settings: Mapping[str, Any] | None = None, metric: str = "accuracy"
) -> alt.FacetChart:
    """Per slice, one bar per vendor with its interval; slices without a number (absent, too few gold
    items) keep their place with no bar."""
    vendors = list(dict.fromkeys(slices["vendor"].astype(str)))
    frame = slices[["slice", "vendor", "status", metric, f"{metric}_ci_low", f"{metric}_ci_high"]].copy()
    frame.columns = ["slice", "vendor", "status", "value", "low", "high"]
    percent = metric in ("accuracy", "consensus_accuracy", "usable_rate")
    base = alt.Chart(frame).encode(
        y=alt.Y("vendor:N", sort=vendors, title=None),
        color=alt.Color("vendor:N", scale=_vendor_scale(vendors), legend=None),
    )
    bars = base.mark_bar(opacity=0.85).encode(
        x=alt.X("value:Q", title=metric.replace("_", " "), axis=alt.Axis(format=".0%" if percent else ".3f")),
        tooltip=["slice:N", "vendor:N", "status:N", alt.Tooltip("value:Q", format=".3f"),
                 alt.Tooltip("low:Q", format=".3f"), alt.Tooltip("high:Q", format=".3f")],
    )  # fmt: skip
    rules = base.mark_rule(strokeWidth=2, color="#333").encode(x="low:Q", x2="high:Q")
    return (
        (bars + rules)
        .properties(height=26 * len(vendors) + 10, width=420)
        .facet(row=alt.Row("slice:N", title=None, header=alt.Header(labelAngle=0, labelAlign="left")))
    )


def drift_lines(
    drift: pd.DataFrame, settings: Mapping[str, Any] | None = None, metric: str = "accuracy"
) -> alt.LayerChart:
    """Per vendor, the metric over windows with its interval as a band; windows that changed beyond chance
    from the first are marked with a larger, ringed point."""
    frame = drift[drift["window"] != "(missing)"].copy()
    vendors = list(dict.fromkeys(frame["vendor"].astype(str)))
    order = list(dict.fromkeys(frame["window"]))
    frame = frame.rename(columns={metric: "value", f"{metric}_ci_low": "low", f"{metric}_ci_high": "high"})
    frame["changed"] = frame["changed"].astype(bool)
    percent = metric in ("accuracy", "consensus_accuracy", "usable_rate")
    x = alt.X("window:N", sort=order, title=None, axis=alt.Axis(labelAngle=0))
    color = alt.Color("vendor:N", scale=_vendor_scale(vendors), title="Vendor")
    base = alt.Chart(frame).encode(x=x, color=color)
    band = base.mark_area(opacity=0.18).encode(y="low:Q", y2="high:Q")
    axis = alt.Axis(format=".0%" if percent else ".3f")
    line = base.mark_line(point=True).encode(
        y=alt.Y("value:Q", title=metric.replace("_", " "), axis=axis, scale=alt.Scale(zero=False)),
        tooltip=["window:N", "vendor:N", alt.Tooltip("value:Q", format=".3f"), alt.Tooltip("low:Q", format=".3f"),
                 alt.Tooltip("high:Q", format=".3f"), "changed:N"],
    )  # fmt: skip
    flagged = (
        base.transform_filter("datum.changed")
        .mark_point(size=220, shape="circle", filled=False, strokeWidth=2)
        .encode(y="value:Q")
    )
    return (band + line + flagged).properties(height=300)
