"""Chart builders (Altair, as shipped with Streamlit): pure functions of Report frames, no computation
beyond arranging what ``evaluate()`` returned."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import TYPE_CHECKING

import pandas as pd

from labeleval import fmt
from labeleval.present import glossary
from labeleval.present.cost_chart import (  # noqa: F401  (re-exported: the layout rules of every vendor chart)
    LABEL_CHAR_PX,
    LABEL_HEIGHT_PX,
    PLOT_HEIGHT,
    PLOT_WIDTH,
    TABLEAU10,
    TABLEAU20,
    VENDOR_COLORS,
    Axis,
    cost_axis,
    cost_quality,
    place_labels,
    share_axis,
    vendor_colors,
)

if TYPE_CHECKING:
    import altair as alt


def altair() -> ModuleType:
    """Altair, imported when a chart is first drawn: only the app and the HTML report draw charts, so scoring and
    ``import labeleval.report`` never pay for it."""
    import altair as alt

    return alt


def _vendor_scale(vendors: list[str]) -> alt.Scale:
    alt = altair()
    return alt.Scale(domain=vendors, range=vendor_colors(len(vendors)))


def metric_bars(
    frame: pd.DataFrame,
    *,
    value: str = "value",
    title: str = "",
    percent: bool = False,
    currency: str | None = None,
) -> alt.LayerChart:
    """One bar per vendor with its CI (``ci_low``, ``ci_high``); shares on a 0-100% axis, money in ``currency``."""
    alt = altair()
    vendors = frame["vendor"].astype(str).tolist()
    frame = frame.copy()
    kind = "pct" if percent else ("money" if currency else "number")
    frame["shown"] = [
        fmt.ci(v, lo, hi, kind, currency)  # type: ignore[arg-type]
        for v, lo, hi in zip(
            frame[value], frame.get("ci_low", pd.Series(float("nan"), index=frame.index)),
            frame.get("ci_high", pd.Series(float("nan"), index=frame.index)), strict=True
        )
    ]  # fmt: skip
    if percent:
        axis = alt.Axis(format=".0%")
        scale = alt.Scale(domain=[0, 1], clamp=True)
    elif currency:
        span = cost_axis(frame[value].tolist(), frame[value].tolist())
        if span.log:  # prices spanning more than 10x: dots on a log axis, so the cheap vendors stay readable
            return _log_dots(frame, vendors, value=value, title=title, currency=currency)
        axis = alt.Axis(labelExpr=fmt.vega_money_expr(currency, 2))
        scale = alt.Scale(zero=True)
    else:
        axis = alt.Axis(format=".2f")
        scale = alt.Scale(zero=True)
    color = alt.Color("vendor:N", scale=_vendor_scale(vendors), legend=None)
    base = alt.Chart(frame)
    bars = base.mark_bar(opacity=0.85).encode(
        y=alt.Y("vendor:N", sort=vendors, title=None),
        x=alt.X(f"{value}:Q", title=title, axis=axis, scale=scale),
        color=color,
        tooltip=[alt.Tooltip("vendor:N", title="Vendor"), alt.Tooltip("shown:N", title=title or "Value")],
    )
    rules = base.mark_rule(strokeWidth=2, color="#333").encode(
        y=alt.Y("vendor:N", sort=vendors), x=alt.X("ci_low:Q", scale=scale), x2="ci_high:Q"
    )
    return (bars + rules).properties(height=40 + 30 * len(vendors))


def _log_dots(frame: pd.DataFrame, vendors: list[str], *, value: str, title: str, currency: str) -> alt.LayerChart:
    """Money per vendor as a dot with its interval on a log axis (a bar has no zero to start from there)."""
    alt = altair()
    lows = [v for v in frame["ci_low"].tolist() + frame[value].tolist() if pd.notna(v) and v > 0]
    span = cost_axis(lows, frame["ci_high"].fillna(frame[value]).tolist())
    scale = alt.Scale(type="log", domain=[span.low, span.high], clamp=True)
    x_axis = alt.Axis(labelExpr=fmt.vega_money_expr(currency, 2), values=span.ticks() or alt.Undefined)
    base = alt.Chart(frame).encode(
        y=alt.Y("vendor:N", sort=vendors, title=None),
        color=alt.Color("vendor:N", scale=_vendor_scale(vendors), legend=None),
    )
    rules = base.mark_rule(strokeWidth=2).encode(x=alt.X("ci_low:Q", scale=scale), x2="ci_high:Q")
    dots = base.mark_circle(size=90, opacity=1).encode(
        x=alt.X(f"{value}:Q", title=f"{title} (log scale)" if title else "log scale", axis=x_axis, scale=scale),
        tooltip=[alt.Tooltip("vendor:N", title="Vendor"), alt.Tooltip("shown:N", title=title or "Value")],
    )
    return (rules + dots).properties(height=40 + 30 * len(vendors))


#: Fit the width to the page and keep the plot's height: a legend below adds to the chart instead of squeezing it.
FIT_WIDTH = {"type": "fit-x", "contains": "padding"}


def vendor_legend(n_vendors: int, title: str = "Vendor") -> alt.Legend:
    """A vendor legend that names every vendor: beside the chart up to 8, below it in columns beyond."""
    alt = altair()
    if n_vendors > 8:
        return alt.Legend(title=title, orient="bottom", columns=4, symbolLimit=0)
    return alt.Legend(title=title, symbolLimit=0)


def confusion_heatmap(confusion: pd.DataFrame, vendor: str, labels: list[str]) -> alt.LayerChart:
    """Row-normalised confusion matrix of one vendor (rows: gold, columns: given label)."""
    alt = altair()
    sub = confusion[confusion["vendor"] == vendor].copy()
    totals = sub.groupby("gold_label")["count"].transform("sum")
    sub["share"] = sub["count"] / totals.where(totals > 0)
    base = alt.Chart(sub).encode(
        x=alt.X("label:N", sort=labels, title="Label given"),
        y=alt.Y("gold_label:N", sort=labels, title="Gold label"),
    )
    heat = base.mark_rect().encode(
        color=alt.Color(
            "share:Q",
            scale=alt.Scale(scheme="blues", domain=[0, 1]),
            title="Share of row",
            legend=alt.Legend(format=".0%"),
        ),
        tooltip=[
            alt.Tooltip("gold_label:N", title="Gold label"),
            alt.Tooltip("label:N", title="Label given"),
            alt.Tooltip("count:Q", title="Judgments", format=","),
            alt.Tooltip("share:Q", title="Share of row", format=".1%"),
        ],
    )
    text = base.mark_text(fontSize=12).encode(
        text=alt.Text("count:Q", format=","),
        color=alt.condition("datum.share > 0.5", alt.value("white"), alt.value("#222")),
    )
    return (heat + text).properties(title=vendor, height=heatmap_height(labels) - 90)


def heatmap_height(labels: list[str]) -> int:
    """Pixel height of a confusion heatmap (cells plus axis labels and title)."""
    return 44 * len(labels) + 90


def confusion_grid(confusion: pd.DataFrame, vendors: list[str], labels: list[str], columns: int = 3) -> alt.ConcatChart:
    """Every vendor's confusion heatmap (:func:`confusion_heatmap`), ``columns`` to a row, on one colour scale:
    the picture a document shows where the app puts the heatmaps side by side."""
    alt = altair()
    side = heatmap_height(labels) - 90
    panels = [confusion_heatmap(confusion, vendor, labels).properties(width=side) for vendor in vendors]
    return alt.concat(*panels, columns=columns).resolve_scale(color="shared")


def annotator_scatter(
    annotators: pd.DataFrame, vendors: list[str], accuracy_title: str = "Accuracy on gold"
) -> alt.Chart:
    """Volume (judgments) against gold accuracy per annotator, low performers outlined.

    ``accuracy_title`` names the rule the accuracy follows (``Accuracy on gold (within ±1)``), the same rule
    as the vendor's accuracy on the other pages.
    """
    alt = altair()
    frame = annotators.dropna(subset=["gold_accuracy"]).copy()
    frame["accuracy_text"] = [
        fmt.ci(v, lo, hi, "pct")
        for v, lo, hi in frame[["gold_accuracy", "gold_accuracy_ci_low", "gold_accuracy_ci_high"]].itertuples(
            index=False
        )
    ]
    frame["flag"] = frame["flag_reason"].where(frame["low_performer"].astype(bool), "not flagged")
    return (
        alt.Chart(frame)
        .mark_circle(opacity=0.75)
        .encode(
            x=alt.X("n_judgments:Q", title="Judgments (log scale)", scale=alt.Scale(type="log")),
            y=alt.Y(
                "gold_accuracy:Q",
                title=accuracy_title,
                axis=alt.Axis(format=".0%"),
                scale=alt.Scale(domain=[0, 1], clamp=True),
            ),
            color=alt.Color("vendor:N", scale=_vendor_scale(vendors), legend=vendor_legend(len(vendors))),
            size=alt.Size(
                "gold_judgments:Q",
                scale=alt.Scale(range=[20, 300]),
                legend=alt.Legend(title="Judgments on gold", orient="bottom" if len(vendors) > 8 else "right"),
            ),
            stroke=alt.condition("datum.low_performer", alt.value("#111111"), alt.value("transparent")),
            strokeWidth=alt.value(2),
            tooltip=[
                alt.Tooltip("vendor:N", title="Vendor"),
                alt.Tooltip("annotator_id:N", title="Annotator"),
                alt.Tooltip("n_judgments:Q", title="Judgments", format=","),
                alt.Tooltip("gold_judgments:Q", title="Judgments on gold", format=","),
                alt.Tooltip("accuracy_text:N", title=accuracy_title),
                alt.Tooltip("flag:N", title="Low performer"),
            ],
        )
        .properties(height=380, autosize=FIT_WIDTH)
    )


def cost_breakdown(cost: pd.DataFrame) -> alt.Chart:
    """Labour and fees per vendor, stacked, in the project's currency."""
    alt = altair()
    currency = str(cost["currency"].iloc[0]) if len(cost) else None
    long = cost.melt(id_vars=["vendor"], value_vars=["labour_cost", "fees"], var_name="part", value_name="amount")
    long["part"] = long["part"].map({"labour_cost": "labour", "fees": "fees"})
    long["amount_text"] = long["amount"].map(lambda v: fmt.money(v, currency, total=True))
    return (
        alt.Chart(long)
        .mark_bar()
        .encode(
            y=alt.Y("vendor:N", sort=cost["vendor"].tolist(), title=None),
            x=alt.X("amount:Q", title="Total cost", axis=alt.Axis(labelExpr=fmt.vega_money_expr(currency, 0))),
            color=alt.Color(
                "part:N", scale=alt.Scale(domain=["labour", "fees"], range=["#4C78A8", "#9ecae9"]), title="Part"
            ),
            tooltip=[
                alt.Tooltip("vendor:N", title="Vendor"),
                alt.Tooltip("part:N", title="Part"),
                alt.Tooltip("amount_text:N", title="Amount"),
            ],
        )
        .properties(height=40 + 30 * len(cost))
    )


#: How much of the distance between two k the vendors of the redundancy chart are spread over.
REDUNDANCY_SPREAD = 0.5


def redundancy(
    curve: pd.DataFrame, target: float, vendors: list[str], *, vote: str = "majority-vote", currency: str | None = None
) -> alt.LayerChart:
    """Consensus accuracy on gold against labels per item, per vendor, with intervals and the target line; each
    vendor is set a little to the side of its k (legend order) so that equal k never stack their intervals."""
    alt = altair()
    curve = curve.copy()
    curve["accuracy_text"] = [
        fmt.ci(v, lo, hi, "pct")
        for v, lo, hi in curve[["accuracy", "accuracy_ci_low", "accuracy_ci_high"]].itertuples(index=False)
    ]
    curve["cost_text"] = curve["cost_per_item"].map(lambda v: fmt.money(v, currency))
    # each vendor a little to the side of k, in legend order, so equal k do not draw intervals on top of each other
    rank = {vendor: i for i, vendor in enumerate(vendors)}
    step = REDUNDANCY_SPREAD / max(len(vendors), 1)
    curve["k_shown"] = [
        k + (rank.get(str(v), 0) - (len(vendors) - 1) / 2) * step
        for v, k in zip(curve["vendor"], curve["k"], strict=True)
    ]
    ks = sorted(int(k) for k in curve["k"].unique())
    color = alt.Color("vendor:N", scale=_vendor_scale(vendors), legend=vendor_legend(len(vendors)))
    y_scale = alt.Scale(zero=False, domainMax=1, clamp=True)
    title = f"{vote.capitalize()} accuracy on gold"
    x = alt.X(
        "k_shown:Q",
        title="Labels per item (k)",
        scale=alt.Scale(domain=[ks[0] - 0.5, ks[-1] + 0.5], nice=False, zero=False),
        axis=alt.Axis(values=ks, format="d", labelAngle=0, grid=False),
    )
    base = alt.Chart(curve).encode(x=x, color=color)
    band = base.mark_errorbar().encode(
        y=alt.Y("accuracy_ci_low:Q", title=title, axis=alt.Axis(format=".0%"), scale=y_scale),
        y2="accuracy_ci_high:Q",
    )
    line = base.mark_line(point=True).encode(
        y=alt.Y("accuracy:Q", scale=y_scale),
        tooltip=[
            alt.Tooltip("vendor:N", title="Vendor"),
            alt.Tooltip("k:O", title="Labels per item"),
            alt.Tooltip("accuracy_text:N", title=title),
            alt.Tooltip("items:Q", title="Gold items", format=","),
            alt.Tooltip("cost_text:N", title="Cost per item"),
        ],
    )
    rule = (
        alt.Chart(pd.DataFrame({"target": [target]})).mark_rule(strokeDash=[4, 4], color="#d62728").encode(y="target:Q")
    )
    return (band + line + rule).properties(height=320, autosize=FIT_WIDTH)


def position_bias(task_metrics: pd.DataFrame, vendors: list[str]) -> alt.LayerChart:
    """Share of decisive judgments picking the response shown first, per vendor, with the 50% line."""
    alt = altair()
    frame = task_metrics[task_metrics["metric"] == "chose_first_shown"]
    bars = metric_bars(frame, title="Share choosing the response shown first", percent=True)
    rule = alt.Chart(pd.DataFrame({"x": [0.5]})).mark_rule(strokeDash=[4, 4], color="#d62728").encode(x="x:Q")
    return (bars + rule).properties(height=40 + 30 * len(vendors))


def rating_distribution(per_class: pd.DataFrame, labels: list[str], vendors: list[str]) -> alt.Chart:
    """Share of each rating per vendor (side by side), to see skew and central tendency."""
    alt = altair()
    return (
        alt.Chart(per_class)
        .mark_bar()
        .encode(
            x=alt.X("label:N", sort=labels, title="Label", axis=alt.Axis(labelAngle=0)),
            xOffset=alt.XOffset("vendor:N", sort=vendors),
            y=alt.Y("share_of_judgments:Q", title="Share of judgments", axis=alt.Axis(format=".0%")),
            color=alt.Color("vendor:N", scale=_vendor_scale(vendors), legend=vendor_legend(len(vendors))),
            tooltip=[
                alt.Tooltip("vendor:N", title="Vendor"),
                alt.Tooltip("label:N", title="Label"),
                alt.Tooltip("share_of_judgments:Q", title="Share of judgments", format=".1%"),
            ],
        )
        .properties(height=300, autosize=FIT_WIDTH)
    )


def leniency(annotators: pd.DataFrame, vendors: list[str]) -> alt.LayerChart:
    """Each annotator's mean offset from gold or consensus, with its interval; 0 is calibrated."""
    alt = altair()
    frame = annotators.dropna(subset=["leniency"]).sort_values("leniency")
    base = alt.Chart(frame).encode(
        y=alt.Y("vendor:N", sort=vendors, title=None),
        color=alt.Color("vendor:N", scale=_vendor_scale(vendors), legend=None),
    )
    points = (
        base.mark_circle(size=60, opacity=0.7)
        .encode(
            x=alt.X("leniency:Q", title="Mean offset from gold or consensus, in scale steps (+ = lenient)"),
            yOffset=alt.YOffset("jitter:Q"),
            tooltip=[
                alt.Tooltip("vendor:N", title="Vendor"),
                alt.Tooltip("annotator_id:N", title="Annotator"),
                alt.Tooltip("leniency:Q", title="Leniency", format="+.2f"),
                alt.Tooltip("n_judgments:Q", title="Judgments", format=","),
            ],
        )
        .transform_calculate(jitter="random()")
    )
    rule = alt.Chart(pd.DataFrame({"x": [0.0]})).mark_rule(color="#888").encode(x="x:Q")
    return (rule + points).properties(height=60 + 40 * len(vendors))


#: the forest plot's panel width (pixels): the main column of the wide layout at a 1440-pixel window, less the
#: pair labels
FOREST_WIDTH = 640


def comparison_forest(
    comparisons: pd.DataFrame, currency: str, term: Callable[[str], glossary.Term] = glossary.metric_term
) -> alt.VConcatChart:
    """The verdict's comparisons as a forest plot: per metric, each pair's difference (A minus B) with its
    simultaneous interval, a line at no difference, significant pairs filled. One panel per metric, each on its
    own axis (shares in points, money in ``currency``); ``term`` names a metric and gives its unit."""
    alt = altair()
    panels = []
    for metric, rows in comparisons.groupby("metric", sort=False):
        frame = rows.assign(
            pair=rows["vendor_a"].astype(str) + " − " + rows["vendor_b"].astype(str),
            verdict=rows["significant"].map({True: "beyond chance", False: "could be chance"}),
        )
        named = term(str(metric))
        unit = named.unit
        kind = "pct" if unit == "pct" else ("money" if unit == "money" else "number")
        frame["shown"] = [
            fmt.ci(v, lo, hi, kind, currency)  # type: ignore[arg-type]
            for v, lo, hi in zip(frame["difference"], frame["ci_low"], frame["ci_high"], strict=True)
        ]
        frame["adjusted"] = [fmt.p_value(p) for p in frame["p_adjusted"]]
        if kind == "pct":
            axis = alt.Axis(format="+.0%")
        elif kind == "money":
            axis = alt.Axis(format="+,.3~f")
        else:
            axis = alt.Axis(format="+.2f")
        title = f"{named.name}{f' ({currency})' if kind == 'money' else ''}: difference A − B, simultaneous interval"
        base = alt.Chart(frame).encode(y=alt.Y("pair:N", sort=frame["pair"].tolist(), title=None))
        rules = base.mark_rule(strokeWidth=2, color="#555").encode(
            x=alt.X("ci_low:Q", title=title, axis=axis), x2="ci_high:Q"
        )
        dots = base.mark_point(size=90, filled=True).encode(
            x="difference:Q",
            color=alt.Color(
                "verdict:N",
                scale=alt.Scale(domain=["beyond chance", "could be chance"], range=["#c0392b", "#95a5a6"]),
                legend=alt.Legend(title=None, orient="top"),
            ),
            tooltip=[
                alt.Tooltip("pair:N", title="Pair"),
                alt.Tooltip("shown:N", title="Difference"),
                alt.Tooltip("adjusted:N", title="Adjusted p"),
            ],
        )
        zero = alt.Chart(pd.DataFrame({"x": [0.0]})).mark_rule(strokeDash=[4, 3], color="#333").encode(x="x:Q")
        panels.append((rules + dots + zero).properties(height=30 + 28 * len(frame), width=FOREST_WIDTH))
    return alt.vconcat(*panels).resolve_scale(x="independent", color="shared")


#: gold items a calibration bin needs for the vendor's line to pass through it (a bin of one or two items is a dot
#: with its wide interval: a line through it would draw its noise as a shape)
CALIBRATION_LINE_ITEMS = 10


def calibration_diagram(table: pd.DataFrame, vendors: list[str], source: str) -> alt.LayerChart:
    """A reliability diagram (:func:`labeleval.analyses.calibration.calibration`): each bin of the consensus's
    confidence at its mean confidence against its share right on gold, with the share's interval, sized by its
    gold items, one line per vendor through the bins of :data:`CALIBRATION_LINE_ITEMS` items or more; the diagonal
    is a confidence that means what it says."""
    alt = altair()
    frame = table.copy()
    frame["accuracy_text"] = [
        fmt.ci(v, lo, hi, "pct")
        for v, lo, hi in frame[["accuracy", "accuracy_ci_low", "accuracy_ci_high"]].itertuples(index=False)
    ]
    frame["bin_text"] = [f"{lo:.0%}–{hi:.0%}" for lo, hi in zip(frame["bin_low"], frame["bin_high"], strict=True)]
    low = float(frame["bin_low"].min()) if len(frame) else 0.0
    scale = alt.Scale(domain=[low, 1.0], nice=False, zero=False)
    y_scale = alt.Scale(domain=[min(low, float(frame["accuracy_ci_low"].min()) if len(frame) else 0.0), 1.0])
    x_title = "Dawid-Skene posterior of the consensus label" if source == "posterior" else "Share of the votes"
    color = alt.Color("vendor:N", scale=_vendor_scale(vendors), legend=vendor_legend(len(vendors)))
    base = alt.Chart(frame).encode(
        x=alt.X("mean_confidence:Q", title=x_title, axis=alt.Axis(format=".0%"), scale=scale)
    )
    bars = base.mark_rule(strokeWidth=1.5, opacity=0.6).encode(
        y=alt.Y("accuracy_ci_low:Q", scale=y_scale), y2="accuracy_ci_high:Q", color=color
    )
    line = (
        base.transform_filter(f"datum.items >= {CALIBRATION_LINE_ITEMS}")
        .mark_line(opacity=0.8)
        .encode(y=alt.Y("accuracy:Q", scale=y_scale), color=color, order="mean_confidence:Q")
    )
    dots = base.mark_circle(opacity=0.9).encode(
        y=alt.Y("accuracy:Q", title="Share right on gold", axis=alt.Axis(format=".0%"), scale=y_scale),
        color=color,
        size=alt.Size("items:Q", scale=alt.Scale(range=[20, 260]), legend=alt.Legend(title="Gold items")),
        tooltip=[
            alt.Tooltip("vendor:N", title="Vendor"),
            alt.Tooltip("bin_text:N", title="Confidence bin"),
            alt.Tooltip("mean_confidence:Q", title="Mean confidence", format=".1%"),
            alt.Tooltip("accuracy_text:N", title="Share right on gold"),
            alt.Tooltip("items:Q", title="Gold items", format=","),
        ],
    )
    diagonal = (
        alt.Chart(pd.DataFrame({"x": [low, 1.0]}))
        .mark_line(strokeDash=[4, 4], color="#888")
        .encode(x=alt.X("x:Q", scale=scale), y=alt.Y("x:Q", scale=y_scale))
    )
    return (diagonal + bars + line + dots).properties(height=320, autosize=FIT_WIDTH)
