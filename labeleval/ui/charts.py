"""Chart builders (Altair, as shipped with Streamlit): pure functions of Report frames, no computation
beyond arranging what ``evaluate()`` returned."""

from __future__ import annotations

import altair as alt
import pandas as pd

from labeleval.verdict import pareto_frontier

VENDOR_COLORS = ["#4C78A8", "#F58518", "#54A24B", "#B279A2", "#E45756", "#72B7B2", "#9D755D", "#BAB0AC"]


def _vendor_scale(vendors: list[str]) -> alt.Scale:
    return alt.Scale(domain=vendors, range=VENDOR_COLORS[: len(vendors)] or VENDOR_COLORS[:1])


def cost_quality(summary: pd.DataFrame) -> alt.LayerChart:
    """Cost per usable label (x) against accuracy on gold (y), CI bars both ways, Pareto frontier marked."""
    frame = summary.copy()
    frontier = set(pareto_frontier(frame))
    frame["frontier"] = frame["vendor"].isin(frontier).map({True: "on the frontier", False: "dominated"})
    vendors = frame["vendor"].astype(str).tolist()
    color = alt.Color("vendor:N", scale=_vendor_scale(vendors), legend=None)
    x = alt.X(
        "cost_per_usable_label:Q",
        title="Cost per usable label",
        axis=alt.Axis(format="$,.2f"),
        scale=alt.Scale(zero=False, padding=30),
    )
    y = alt.Y(
        "accuracy:Q",
        title="Accuracy on gold (per judgment)",
        axis=alt.Axis(format=".0%"),
        scale=alt.Scale(zero=False, padding=30),
    )
    base = alt.Chart(frame)
    xbars = base.mark_rule(strokeWidth=2).encode(
        x="cost_per_usable_label_ci_low:Q", x2="cost_per_usable_label_ci_high:Q", y=y, color=color
    )
    ybars = base.mark_rule(strokeWidth=2).encode(x=x, y="accuracy_ci_low:Q", y2="accuracy_ci_high:Q", color=color)
    line = (
        alt.Chart(frame[frame["vendor"].isin(frontier)].sort_values("cost_per_usable_label"))
        .mark_line(strokeDash=[6, 4], color="#888")
        .encode(x=x, y=y)
    )
    points = base.mark_point(size=160, filled=True).encode(
        x=x,
        y=y,
        color=color,
        shape=alt.Shape(
            "frontier:N",
            title="Pareto",
            scale=alt.Scale(domain=["on the frontier", "dominated"], range=["circle", "cross"]),
        ),
        tooltip=[
            alt.Tooltip("vendor:N"),
            alt.Tooltip("accuracy:Q", format=".1%"),
            alt.Tooltip("cost_per_usable_label:Q", title="cost / usable label", format="$,.4f"),
            alt.Tooltip("n_judgments:Q", format=","),
        ],
    )
    labels = base.mark_text(align="left", dx=10, dy=-10, fontSize=13, fontWeight="bold").encode(
        x=x, y=y, text="vendor:N", color=color
    )
    return (line + xbars + ybars + points + labels).properties(height=360)


def metric_bars(frame: pd.DataFrame, *, value: str = "value", title: str = "", percent: bool = False) -> alt.LayerChart:
    """One bar per vendor with its CI (``ci_low``, ``ci_high``)."""
    vendors = frame["vendor"].astype(str).tolist()
    fmt = ".0%" if percent else ".2f"
    color = alt.Color("vendor:N", scale=_vendor_scale(vendors), legend=None)
    base = alt.Chart(frame)
    bars = base.mark_bar(opacity=0.85).encode(
        y=alt.Y("vendor:N", sort=vendors, title=None),
        x=alt.X(f"{value}:Q", title=title, axis=alt.Axis(format=fmt)),
        color=color,
        tooltip=[alt.Tooltip("vendor:N"), alt.Tooltip(f"{value}:Q", format=".3f")],
    )
    rules = base.mark_rule(strokeWidth=2, color="#333").encode(
        y=alt.Y("vendor:N", sort=vendors), x="ci_low:Q", x2="ci_high:Q"
    )
    return (bars + rules).properties(height=40 + 36 * len(vendors))


def confusion_heatmap(confusion: pd.DataFrame, vendor: str, labels: list[str]) -> alt.LayerChart:
    """Row-normalised confusion matrix of one vendor (rows: gold, columns: given label)."""
    sub = confusion[confusion["vendor"] == vendor].copy()
    totals = sub.groupby("gold_label")["count"].transform("sum")
    sub["share"] = sub["count"] / totals.where(totals > 0)
    base = alt.Chart(sub).encode(
        x=alt.X("label:N", sort=labels, title="label given"),
        y=alt.Y("gold_label:N", sort=labels, title="gold label"),
    )
    heat = base.mark_rect().encode(
        color=alt.Color("share:Q", scale=alt.Scale(scheme="blues", domain=[0, 1]), title="share of row"),
        tooltip=["gold_label", "label", "count", alt.Tooltip("share:Q", format=".1%")],
    )
    text = base.mark_text(fontSize=12).encode(
        text=alt.Text("count:Q", format=","),
        color=alt.condition("datum.share > 0.5", alt.value("white"), alt.value("#222")),
    )
    return (heat + text).properties(title=vendor, height=heatmap_height(labels) - 90)


def heatmap_height(labels: list[str]) -> int:
    """Pixel height of a confusion heatmap (cells plus axis labels and title)."""
    return 44 * len(labels) + 90


def annotator_scatter(annotators: pd.DataFrame, vendors: list[str]) -> alt.Chart:
    """Volume (judgments) against gold accuracy per annotator, low performers outlined."""
    frame = annotators.dropna(subset=["gold_accuracy"]).copy()
    return (
        alt.Chart(frame)
        .mark_circle(opacity=0.75)
        .encode(
            x=alt.X("n_judgments:Q", title="judgments", scale=alt.Scale(type="log")),
            y=alt.Y("gold_accuracy:Q", title="accuracy on gold", axis=alt.Axis(format=".0%")),
            color=alt.Color("vendor:N", scale=_vendor_scale(vendors)),
            size=alt.Size("gold_judgments:Q", title="gold judgments", scale=alt.Scale(range=[20, 300])),
            stroke=alt.condition("datum.low_performer", alt.value("#d62728"), alt.value("transparent")),
            strokeWidth=alt.value(2),
            tooltip=[
                "vendor",
                "annotator_id",
                "n_judgments",
                "gold_judgments",
                alt.Tooltip("gold_accuracy:Q", format=".1%"),
                alt.Tooltip("gold_accuracy_ci_high:Q", title="upper CI", format=".1%"),
            ],
        )
        .properties(height=380)
    )


def cost_breakdown(cost: pd.DataFrame) -> alt.Chart:
    """Labour and fees per vendor, stacked."""
    long = cost.melt(id_vars=["vendor"], value_vars=["labour_cost", "fees"], var_name="part", value_name="amount")
    long["part"] = long["part"].map({"labour_cost": "labour", "fees": "fees"})
    return (
        alt.Chart(long)
        .mark_bar()
        .encode(
            y=alt.Y("vendor:N", sort=cost["vendor"].tolist(), title=None),
            x=alt.X("amount:Q", title="total cost", axis=alt.Axis(format="$,.0f")),
            color=alt.Color("part:N", scale=alt.Scale(domain=["labour", "fees"], range=["#4C78A8", "#9ecae9"])),
            tooltip=["vendor", "part", alt.Tooltip("amount:Q", format="$,.2f")],
        )
        .properties(height=40 + 36 * len(cost))
    )


def redundancy(curve: pd.DataFrame, target: float, vendors: list[str]) -> alt.LayerChart:
    """Majority-vote accuracy on gold against labels per item, per vendor, with the target line."""
    color = alt.Color("vendor:N", scale=_vendor_scale(vendors))
    base = alt.Chart(curve).encode(
        x=alt.X("k:O", title="labels per item (k)"),
        color=color,
    )
    band = base.mark_errorbar().encode(
        y=alt.Y(
            "accuracy_ci_low:Q",
            title="majority-vote accuracy on gold",
            axis=alt.Axis(format=".0%"),
            scale=alt.Scale(zero=False),
        ),
        y2="accuracy_ci_high:Q",
    )
    line = base.mark_line(point=True).encode(
        y="accuracy:Q",
        tooltip=[
            "vendor",
            "k",
            alt.Tooltip("accuracy:Q", format=".1%"),
            "items",
            alt.Tooltip("cost_per_item:Q", title="cost per item", format=",.3f"),
        ],
    )
    rule = (
        alt.Chart(pd.DataFrame({"target": [target]})).mark_rule(strokeDash=[4, 4], color="#d62728").encode(y="target:Q")
    )
    return (band + line + rule).properties(height=320)


def position_bias(task_metrics: pd.DataFrame, vendors: list[str]) -> alt.LayerChart:
    """Share of decisive judgments picking the response shown first, per vendor, with the 50% line."""
    frame = task_metrics[task_metrics["metric"] == "chose_first_shown"]
    bars = metric_bars(frame, title="share choosing the response shown first", percent=True)
    rule = alt.Chart(pd.DataFrame({"x": [0.5]})).mark_rule(strokeDash=[4, 4], color="#d62728").encode(x="x:Q")
    return (bars + rule).properties(height=40 + 36 * len(vendors))


def rating_distribution(per_class: pd.DataFrame, labels: list[str], vendors: list[str]) -> alt.Chart:
    """Share of each rating per vendor (side by side), to see skew and central tendency."""
    return (
        alt.Chart(per_class)
        .mark_bar()
        .encode(
            x=alt.X("label:N", sort=labels, title="rating"),
            xOffset=alt.XOffset("vendor:N", sort=vendors),
            y=alt.Y("share_of_judgments:Q", title="share of judgments", axis=alt.Axis(format=".0%")),
            color=alt.Color("vendor:N", scale=_vendor_scale(vendors)),
            tooltip=["vendor", "label", alt.Tooltip("share_of_judgments:Q", format=".1%")],
        )
        .properties(height=300)
    )


def leniency(annotators: pd.DataFrame, vendors: list[str]) -> alt.LayerChart:
    """Each annotator's mean offset from gold or consensus, with its interval; 0 is calibrated."""
    frame = annotators.dropna(subset=["leniency"]).sort_values("leniency")
    base = alt.Chart(frame).encode(
        y=alt.Y("vendor:N", sort=vendors, title=None),
        color=alt.Color("vendor:N", scale=_vendor_scale(vendors), legend=None),
    )
    points = (
        base.mark_circle(size=60, opacity=0.7)
        .encode(
            x=alt.X("leniency:Q", title="mean offset from gold / consensus (+ = lenient)"),
            yOffset=alt.YOffset("jitter:Q"),
            tooltip=["vendor", "annotator_id", alt.Tooltip("leniency:Q", format="+.2f"), "n_judgments"],
        )
        .transform_calculate(jitter="random()")
    )
    rule = alt.Chart(pd.DataFrame({"x": [0.0]})).mark_rule(color="#888").encode(x="x:Q")
    return (rule + points).properties(height=60 + 60 * len(vendors))
