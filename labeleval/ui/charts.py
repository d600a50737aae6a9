"""Chart builders (Altair, as shipped with Streamlit): pure functions of Report frames, no computation
beyond arranging what ``evaluate()`` returned."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import altair as alt
import pandas as pd

from labeleval import fmt, glossary
from labeleval.verdict import pareto_frontier

#: Tableau's ten colours, then its twenty for larger pilots: distinct for up to 20 vendors.
TABLEAU10 = [
    "#4C78A8",
    "#F58518",
    "#E45756",
    "#72B7B2",
    "#54A24B",
    "#EECA3B",
    "#B279A2",
    "#FF9DA6",
    "#9D755D",
    "#BAB0AC",
]
TABLEAU20 = [
    "#4C78A8", "#9ECAE9", "#F58518", "#FFBF79", "#54A24B", "#88D27A", "#B79A20", "#F2CF5B", "#439894", "#83BCB6",
    "#E45756", "#FF9D98", "#79706E", "#BAB0AC", "#D67195", "#FCBFD2", "#B279A2", "#D6A5C9", "#9E765F", "#D8B5A5",
]  # fmt: skip
VENDOR_COLORS = TABLEAU10

#: Plot area assumed when placing point labels (pixels); a wider chart only spreads them further apart.
PLOT_WIDTH, PLOT_HEIGHT = 560, 360
LABEL_CHAR_PX, LABEL_HEIGHT_PX = 7.5, 14


def vendor_colors(n: int) -> list[str]:
    return TABLEAU10[: max(n, 1)] if n <= len(TABLEAU10) else TABLEAU20[:n]


def _vendor_scale(vendors: list[str]) -> alt.Scale:
    return alt.Scale(domain=vendors, range=vendor_colors(len(vendors)))


@dataclass(frozen=True)
class Axis:
    """A value axis fixed in advance: its domain, whether it is logarithmic, and data -> [0, 1]."""

    low: float
    high: float
    log: bool = False

    def position(self, value: float) -> float:
        if self.log:
            return (math.log(value) - math.log(self.low)) / (math.log(self.high) - math.log(self.low))
        return (value - self.low) / (self.high - self.low)

    def value_at(self, position: float) -> float:
        if self.log:
            return math.exp(math.log(self.low) + position * (math.log(self.high) - math.log(self.low)))
        return self.low + position * (self.high - self.low)

    def ticks(self) -> list[float] | None:
        """1-2-5 ticks inside a log domain (Vega's own crowd at every integer multiple); None when linear."""
        if not self.log:
            return None
        out = []
        for exponent in range(math.floor(math.log10(self.low)), math.ceil(math.log10(self.high)) + 1):
            out += [m * 10.0**exponent for m in (1, 2, 5) if self.low <= m * 10.0**exponent <= self.high]
        return out

    def label_digits(self) -> int:
        """Decimals a money tick needs: two, or more for ticks below a cent."""
        ticks = self.ticks()
        smallest = ticks[0] if ticks else max((self.high - self.low) / 6, 1e-9)
        return max(2, -math.floor(math.log10(smallest)) + (0 if ticks else 1))

    def scale(self) -> alt.Scale:
        if self.log:
            return alt.Scale(type="log", domain=[self.low, self.high], nice=False, clamp=True)
        return alt.Scale(domain=[self.low, self.high], nice=False, clamp=True, zero=False)


def cost_axis(lows: Sequence[float], highs: Sequence[float]) -> Axis:
    """Cost never below 0; logarithmic when the prices span more than 10x (cheap vendors stay apart)."""
    lo = min((v for v in lows if math.isfinite(v)), default=math.nan)
    hi = max((v for v in highs if math.isfinite(v)), default=math.nan)
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return Axis(0.0, 1.0)
    if lo > 0 and hi / lo > 10:
        return Axis(lo / 1.4, hi * 1.4, log=True)
    pad = 0.12 * (hi - lo) if hi > lo else max(0.1 * abs(hi), 0.01)
    return Axis(max(0.0, lo - pad), hi + pad)


def share_axis(lows: Sequence[float], highs: Sequence[float]) -> Axis:
    """A share (accuracy) kept inside [0, 1], padded a little around the data."""
    lo = min((v for v in lows if math.isfinite(v)), default=0.0)
    hi = max((v for v in highs if math.isfinite(v)), default=1.0)
    pad = max(0.08 * (hi - lo), 0.02)
    return Axis(max(0.0, lo - pad), min(1.0, hi + pad))


def place_labels(
    points: Sequence[tuple[str, float, float]], *, width: float = PLOT_WIDTH, height: float = PLOT_HEIGHT
) -> dict[str, tuple[float, float, str]]:
    """Where to write each vendor's name beside its point so that no two names overlap.

    ``points`` are (name, x, y) in plot fractions (0..1, y up). Returns name -> (x, y, align) in plot
    fractions for the label's anchor, trying eight spots around the point, nearest first, and then
    spots further out; a label that fits nowhere is left out (the legend still names the vendor).
    """
    boxes: list[tuple[float, float, float, float]] = []
    # the points themselves are obstacles too (8 px squares)
    obstacles = [(x * width - 6, y * height - 6, x * width + 6, y * height + 6) for _, x, y in points]
    placed: dict[str, tuple[float, float, str]] = {}
    order = sorted(points, key=lambda p: (-p[2], p[1]))
    for name, x, y in order:
        w, h = LABEL_CHAR_PX * len(name) + 4, float(LABEL_HEIGHT_PX)
        px, py = x * width, y * height
        candidates: list[tuple[float, float]] = []
        for reach in (1.0, 2.0, 3.2):
            for step_x, step_y in ((10, 8), (10, -8), (-10, 8), (-10, -8), (10, 0), (-10, 0), (0, 18), (0, -18)):
                candidates.append((step_x * reach, step_y * reach))
        for dx, dy in candidates:
            align = "left" if dx > 0 else ("right" if dx < 0 else "center")
            left = px + dx if align == "left" else (px + dx - w if align == "right" else px + dx - w / 2)
            bottom = py + dy - h / 2
            box = (left, bottom, left + w, bottom + h)
            inside = box[0] >= 0 and box[2] <= width and box[1] >= 0 and box[3] <= height
            clash = any(_overlap(box, other) for other in boxes) or any(
                _overlap(box, o) for o in obstacles if not _contains(o, px, py)
            )
            # a name nearer to another vendor's point than to its own would label the wrong point
            own = _distance(box, px, py)
            ambiguous = any(_distance(box, ox * width, oy * height) < own for other, ox, oy in points if other != name)
            if inside and not clash and not ambiguous:
                boxes.append(box)
                placed[name] = ((px + dx) / width, (py + dy) / height, align)
                break
    return placed


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _distance(box: tuple[float, float, float, float], x: float, y: float) -> float:
    """Distance from a point to the nearest edge of a box (0 inside)."""
    dx = max(box[0] - x, 0.0, x - box[2])
    dy = max(box[1] - y, 0.0, y - box[3])
    return math.hypot(dx, dy)


def _contains(box: tuple[float, float, float, float], x: float, y: float) -> bool:
    return box[0] <= x <= box[2] and box[1] <= y <= box[3]


def cost_quality(
    summary: pd.DataFrame, settings: Mapping[str, object] | None = None, *, width: int | None = None
) -> alt.LayerChart:
    """Cost per usable label (x) against accuracy on gold (y), interval bars both ways, Pareto frontier.

    Holds for 2 to 20 vendors and any price range: cost starts at 0 or goes logarithmic when prices span
    more than 10x, accuracy stays within 0-100%, names are placed where they do not collide (and the
    legend names every vendor), and intervals are clipped to the axes, never dropped.
    """
    settings = settings or {}
    frame = _cost_quality_frame(summary)
    vendors = summary["vendor"].astype(str).tolist()
    currency = str(frame["currency"].iloc[0]) if len(frame) and "currency" in frame else None
    x_axis = cost_axis(frame["cost_per_usable_label_ci_low"].tolist(), frame["cost_per_usable_label_ci_high"].tolist())
    y_axis = share_axis(frame["accuracy_ci_low"].tolist(), frame["accuracy_ci_high"].tolist())
    many = len(vendors) > 8
    color = alt.Color(
        "vendor:N",
        scale=_vendor_scale(vendors),
        title="Vendor",
        legend=alt.Legend(orient="bottom", columns=4, symbolLimit=0) if many else alt.Legend(orient="right"),
    )
    x = alt.X(
        "cost_per_usable_label:Q",
        title="Cost per usable label" + (" (log scale)" if x_axis.log else ""),
        axis=alt.Axis(
            labelExpr=fmt.vega_money_expr(currency, x_axis.label_digits()),
            tickCount=6,
            values=x_axis.ticks() or alt.Undefined,
        ),
        scale=x_axis.scale(),
    )
    y = alt.Y(
        "accuracy:Q",
        title=glossary.accuracy_name(settings) + " (per judgment)",
        axis=alt.Axis(format=".0%"),
        scale=y_axis.scale(),
    )
    layers = [*_cost_quality_marks(frame, x, y, x_axis, y_axis, color, settings)]
    layers += _point_labels(frame, x_axis, y_axis, color, width or PLOT_WIDTH)
    chart = alt.LayerChart(layer=layers, height=PLOT_HEIGHT)
    if width:
        chart.width = width
    return chart


def _cost_quality_frame(summary: pd.DataFrame) -> pd.DataFrame:
    """The vendors that have both figures, with the frontier flag, intervals filled, and tooltip text."""
    frame = summary.dropna(subset=["accuracy", "cost_per_usable_label"]).copy()
    currency = str(frame["currency"].iloc[0]) if len(frame) and "currency" in frame else None
    frontier = set(pareto_frontier(frame))
    frame["frontier"] = frame["vendor"].isin(frontier).map({True: "on the frontier", False: "beaten on both"})
    for column in ("cost_per_usable_label", "accuracy"):
        for end in ("_ci_low", "_ci_high"):
            frame[column + end] = frame[column + end].fillna(frame[column])
    cost = frame[["cost_per_usable_label", "cost_per_usable_label_ci_low", "cost_per_usable_label_ci_high"]]
    frame["cost_text"] = [fmt.ci(v, lo, hi, "money", currency) for v, lo, hi in cost.itertuples(index=False)]
    accuracy = frame[["accuracy", "accuracy_ci_low", "accuracy_ci_high"]]
    frame["accuracy_text"] = [fmt.ci(v, lo, hi, "pct") for v, lo, hi in accuracy.itertuples(index=False)]
    frame["judgments_text"] = frame["n_judgments"].map(fmt.count)
    return frame


def _cost_quality_marks(
    frame: pd.DataFrame,
    x: alt.X,
    y: alt.Y,
    x_axis: Axis,
    y_axis: Axis,
    color: alt.Color,
    settings: Mapping[str, object],
) -> list[alt.Chart]:
    """The frontier line, the interval bars both ways and the points with their tooltips."""
    base = alt.Chart(frame)
    xbars = base.mark_rule(strokeWidth=2, opacity=0.7).encode(
        x=alt.X("cost_per_usable_label_ci_low:Q", scale=x_axis.scale()),
        x2="cost_per_usable_label_ci_high:Q",
        y="accuracy:Q",
        color=color,
    )
    ybars = base.mark_rule(strokeWidth=2, opacity=0.7).encode(
        x="cost_per_usable_label:Q",
        y=alt.Y("accuracy_ci_low:Q", scale=y_axis.scale()),
        y2="accuracy_ci_high:Q",
        color=color,
    )
    on_frontier = frame[frame["frontier"] == "on the frontier"].sort_values("cost_per_usable_label")
    line = alt.Chart(on_frontier).mark_line(strokeDash=[6, 4], color="#888").encode(x=x, y=y)
    points = base.mark_point(size=140, filled=True, opacity=1).encode(
        x=x,
        y=y,
        color=color,
        shape=alt.Shape(
            "frontier:N",
            title="Pareto frontier",
            scale=alt.Scale(domain=["on the frontier", "beaten on both"], range=["circle", "cross"]),
        ),
        tooltip=[
            alt.Tooltip("vendor:N", title="Vendor"),
            alt.Tooltip("accuracy_text:N", title=glossary.accuracy_name(settings)),
            alt.Tooltip("cost_text:N", title="Cost per usable label"),
            alt.Tooltip("judgments_text:N", title="Judgments"),
            alt.Tooltip("frontier:N", title="Pareto"),
        ],
    )
    return [line, xbars, ybars, points]


def _point_labels(frame: pd.DataFrame, x_axis: Axis, y_axis: Axis, color: alt.Color, width: float) -> list[alt.Chart]:
    """Vendor names beside their points where they collide with nothing (white halo, a leader line when far)."""
    spots = place_labels(
        [
            (str(r.vendor), x_axis.position(r.cost_per_usable_label), y_axis.position(r.accuracy))
            for r in frame.itertuples(index=False)
        ],
        width=width,
    )
    if not spots:
        return []
    where = frame.set_index(frame["vendor"].astype(str))
    labels = pd.DataFrame(
        [
            {
                "vendor": v,
                "lx": x_axis.value_at(px),
                "ly": y_axis.value_at(py),
                "px": float(where.loc[v, "cost_per_usable_label"]),
                "py": float(where.loc[v, "accuracy"]),
                "far": abs(px - x_axis.position(float(where.loc[v, "cost_per_usable_label"]))) * width > 14
                or abs(py - y_axis.position(float(where.loc[v, "accuracy"]))) * PLOT_HEIGHT > 14,
                "align": align,
            }
            for v, (px, py, align) in spots.items()
        ]
    )
    lx, ly = alt.X("lx:Q", scale=x_axis.scale()), alt.Y("ly:Q", scale=y_axis.scale())
    out: list[alt.Chart] = []
    far = labels[labels["far"]]
    if len(far):
        out.append(
            alt.Chart(far)
            .mark_rule(strokeWidth=1, opacity=0.5)
            .encode(
                x=alt.X("px:Q", scale=x_axis.scale()),
                y=alt.Y("py:Q", scale=y_axis.scale()),
                x2="lx:Q",
                y2="ly:Q",
                color=color,
            )
        )
    for align in ("left", "right", "center"):
        part = labels[labels["align"] == align]
        if len(part):
            text = alt.Chart(part).encode(x=lx, y=ly, text="vendor:N")
            halo = alt.MarkDef(
                type="text", align=align, baseline="middle", fontSize=12, fontWeight="bold", stroke="white",
                strokeWidth=4, strokeOpacity=0.9,
            )  # fmt: skip
            out.append(text.mark_text(**{k: v for k, v in halo.to_dict().items() if k != "type"}))
            out.append(
                text.mark_text(align=align, baseline="middle", fontSize=12, fontWeight="bold").encode(color=color)
            )
    return out


def metric_bars(
    frame: pd.DataFrame,
    *,
    value: str = "value",
    title: str = "",
    percent: bool = False,
    currency: str | None = None,
) -> alt.LayerChart:
    """One bar per vendor with its CI (``ci_low``, ``ci_high``); shares on a 0-100% axis, money in ``currency``."""
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


def confusion_heatmap(confusion: pd.DataFrame, vendor: str, labels: list[str]) -> alt.LayerChart:
    """Row-normalised confusion matrix of one vendor (rows: gold, columns: given label)."""
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


def annotator_scatter(
    annotators: pd.DataFrame, vendors: list[str], accuracy_title: str = "Accuracy on gold"
) -> alt.Chart:
    """Volume (judgments) against gold accuracy per annotator, low performers outlined.

    ``accuracy_title`` names the rule the accuracy follows (``Accuracy on gold (within ±1)``), the same rule
    as the vendor's accuracy on the other pages.
    """
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
            color=alt.Color("vendor:N", scale=_vendor_scale(vendors), title="Vendor"),
            size=alt.Size("gold_judgments:Q", title="Judgments on gold", scale=alt.Scale(range=[20, 300])),
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
        .properties(height=380)
    )


def cost_breakdown(cost: pd.DataFrame) -> alt.Chart:
    """Labour and fees per vendor, stacked, in the project's currency."""
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


def redundancy(
    curve: pd.DataFrame, target: float, vendors: list[str], *, vote: str = "majority-vote", currency: str | None = None
) -> alt.LayerChart:
    """Consensus accuracy on gold against labels per item, per vendor, with intervals and the target line."""
    curve = curve.copy()
    curve["accuracy_text"] = [
        fmt.ci(v, lo, hi, "pct")
        for v, lo, hi in curve[["accuracy", "accuracy_ci_low", "accuracy_ci_high"]].itertuples(index=False)
    ]
    curve["cost_text"] = curve["cost_per_item"].map(lambda v: fmt.money(v, currency))
    color = alt.Color("vendor:N", scale=_vendor_scale(vendors), title="Vendor")
    y_scale = alt.Scale(zero=False, domainMax=1, clamp=True)
    title = f"{vote.capitalize()} accuracy on gold"
    base = alt.Chart(curve).encode(
        x=alt.X("k:O", title="Labels per item (k)", axis=alt.Axis(labelAngle=0)), color=color
    )
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
    return (band + line + rule).properties(height=320)


def position_bias(task_metrics: pd.DataFrame, vendors: list[str]) -> alt.LayerChart:
    """Share of decisive judgments picking the response shown first, per vendor, with the 50% line."""
    frame = task_metrics[task_metrics["metric"] == "chose_first_shown"]
    bars = metric_bars(frame, title="Share choosing the response shown first", percent=True)
    rule = alt.Chart(pd.DataFrame({"x": [0.5]})).mark_rule(strokeDash=[4, 4], color="#d62728").encode(x="x:Q")
    return (bars + rule).properties(height=40 + 30 * len(vendors))


def rating_distribution(per_class: pd.DataFrame, labels: list[str], vendors: list[str]) -> alt.Chart:
    """Share of each rating per vendor (side by side), to see skew and central tendency."""
    return (
        alt.Chart(per_class)
        .mark_bar()
        .encode(
            x=alt.X("label:N", sort=labels, title="Label", axis=alt.Axis(labelAngle=0)),
            xOffset=alt.XOffset("vendor:N", sort=vendors),
            y=alt.Y("share_of_judgments:Q", title="Share of judgments", axis=alt.Axis(format=".0%")),
            color=alt.Color("vendor:N", scale=_vendor_scale(vendors), title="Vendor"),
            tooltip=[
                alt.Tooltip("vendor:N", title="Vendor"),
                alt.Tooltip("label:N", title="Label"),
                alt.Tooltip("share_of_judgments:Q", title="Share of judgments", format=".1%"),
            ],
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
