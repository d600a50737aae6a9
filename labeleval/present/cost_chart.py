"""Cost against quality, the Overview's chart, as a plain Vega-Lite specification.

Written without Altair so that the Overview's first render does not import it (about 0.3-0.6 s) or
validate a layered chart against the Vega-Lite schema. The Overview and the HTML report draw it as SVG with
vl-convert (the Overview inline, with hover text: ``ui/inline_svg.py``; Streamlit's ``st.vega_lite_chart`` only
when that fails). The layout rules (axes, label placement) live here too.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from labeleval import fmt
from labeleval.present import glossary
from labeleval.present.verdict import pareto_frontier

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


def readable_on_white(hex_color: str, contrast: float = 3.0) -> str:
    """``hex_color`` darkened (same hue) until it has at least ``contrast`` against white (WCAG's ratio for
    large or bold text); colours dark enough already are returned as they are.

    >>> readable_on_white("#4C78A8"), readable_on_white("#FCBFD2")
    ('#4C78A8', '#B08693')
    """

    def luminance(rgb: Sequence[float]) -> float:
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    rgb = [int(hex_color.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    factor = 1.0
    while 1.05 / (luminance([c * factor for c in rgb]) + 0.05) < contrast and factor > 0:
        factor -= 0.02
    if factor == 1.0:
        return hex_color
    return "#" + "".join(f"{round(c * factor * 255):02X}" for c in rgb)


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

    def scale(self) -> dict[str, Any]:
        """The Vega-Lite scale of this axis."""
        if self.log:
            return {"type": "log", "domain": [self.low, self.high], "nice": False, "clamp": True}
        return {"domain": [self.low, self.high], "nice": False, "clamp": True, "zero": False}


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
) -> dict[str, Any]:
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
    legend = {"orient": "bottom", "columns": 4, "symbolLimit": 0} if len(vendors) > 8 else {"orient": "right"}
    color = {
        "field": "vendor",
        "type": "nominal",
        "scale": {"domain": vendors, "range": vendor_colors(len(vendors))},
        "title": "Vendor",
        "legend": legend,
    }
    axis: dict[str, Any] = {"labelExpr": fmt.vega_money_expr(currency, x_axis.label_digits()), "tickCount": 6}
    if x_axis.ticks():
        axis["values"] = x_axis.ticks()
    x = {
        "field": "cost_per_usable_label",
        "type": "quantitative",
        "title": "Cost per usable label" + (" (log scale)" if x_axis.log else ""),
        "axis": axis,
        "scale": x_axis.scale(),
    }
    y = {
        "field": "accuracy",
        "type": "quantitative",
        "title": glossary.accuracy_name(settings) + " (per judgment)",
        "axis": {"format": ".0%"},
        "scale": y_axis.scale(),
    }
    layers = _marks(frame, x, y, x_axis, y_axis, color, settings)
    layers += _point_labels(frame, x_axis, y_axis, color, width or PLOT_WIDTH)
    spec: dict[str, Any] = {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "height": PLOT_HEIGHT,
        # fit the width to the page, keep the plot's height: a legend below adds to it instead of squeezing it
        "autosize": {"type": "fit-x", "contains": "padding"},
        "layer": layers,
    }
    if width:
        spec["width"] = width
    return spec


def _values(frame: pd.DataFrame, columns: Sequence[str]) -> dict[str, Any]:
    """Inline data for a layer: plain Python values, None for a missing number."""
    part = frame[list(columns)].astype(object)
    rows = part.where(part.notna(), None).to_dict("records")
    return {"values": [{k: (float(v) if isinstance(v, float) else v) for k, v in row.items()} for row in rows]}


def _cost_quality_frame(summary: pd.DataFrame) -> pd.DataFrame:
    """The vendors that have both figures, with the frontier flag, intervals filled, and tooltip text."""
    frame = summary.dropna(subset=["accuracy", "cost_per_usable_label"]).copy()
    frame["vendor"] = frame["vendor"].astype(str)
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


def _marks(
    frame: pd.DataFrame,
    x: dict[str, Any],
    y: dict[str, Any],
    x_axis: Axis,
    y_axis: Axis,
    color: dict[str, Any],
    settings: Mapping[str, object],
) -> list[dict[str, Any]]:
    """The frontier line, the interval bars both ways and the points with their tooltips."""
    columns = [
        "vendor", "accuracy", "accuracy_ci_low", "accuracy_ci_high", "cost_per_usable_label",
        "cost_per_usable_label_ci_low", "cost_per_usable_label_ci_high", "frontier", "cost_text",
        "accuracy_text", "judgments_text",
    ]  # fmt: skip
    data = _values(frame, columns)
    on_frontier = frame[frame["frontier"] == "on the frontier"].sort_values("cost_per_usable_label")
    quantity = {"type": "quantitative"}
    line = {
        "data": _values(on_frontier, ["vendor", "cost_per_usable_label", "accuracy"]),
        "mark": {"type": "line", "strokeDash": [6, 4], "color": "#888"},
        "encoding": {"x": x, "y": y},
    }
    xbars = {
        "data": data,
        "mark": {"type": "rule", "strokeWidth": 2, "opacity": 0.7},
        "encoding": {
            "x": {"field": "cost_per_usable_label_ci_low", **quantity, "scale": x_axis.scale()},
            "x2": {"field": "cost_per_usable_label_ci_high"},
            "y": {"field": "accuracy", **quantity},
            "color": color,
        },
    }
    ybars = {
        "data": data,
        "mark": {"type": "rule", "strokeWidth": 2, "opacity": 0.7},
        "encoding": {
            "x": {"field": "cost_per_usable_label", **quantity},
            "y": {"field": "accuracy_ci_low", **quantity, "scale": y_axis.scale()},
            "y2": {"field": "accuracy_ci_high"},
            "color": color,
        },
    }
    points = {
        "data": data,
        "mark": {"type": "point", "size": 140, "filled": True, "opacity": 1},
        "encoding": {
            "x": x,
            "y": y,
            "color": color,
            "shape": {
                "field": "frontier",
                "type": "nominal",
                "title": "Pareto frontier",
                "scale": {"domain": ["on the frontier", "beaten on both"], "range": ["circle", "cross"]},
            },
            "tooltip": [
                {"field": "vendor", "type": "nominal", "title": "Vendor"},
                {"field": "accuracy_text", "type": "nominal", "title": glossary.accuracy_name(settings)},
                {"field": "cost_text", "type": "nominal", "title": "Cost per usable label"},
                {"field": "judgments_text", "type": "nominal", "title": "Judgments"},
                {"field": "frontier", "type": "nominal", "title": "Pareto"},
            ],
        },
    }
    return [line, xbars, ybars, points]


def _point_labels(
    frame: pd.DataFrame, x_axis: Axis, y_axis: Axis, color: dict[str, Any], width: float
) -> list[dict[str, Any]]:
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
    where = frame.set_index("vendor")
    rows = []
    for vendor, (px, py, align) in spots.items():
        cost, accuracy = float(where.loc[vendor, "cost_per_usable_label"]), float(where.loc[vendor, "accuracy"])
        far = abs(px - x_axis.position(cost)) * width > 14 or abs(py - y_axis.position(accuracy)) * PLOT_HEIGHT > 14
        rows.append(
            {
                "vendor": vendor,
                "lx": x_axis.value_at(px),
                "ly": y_axis.value_at(py),
                "px": cost,
                "py": accuracy,
                "far": far,
                "align": align,
            }
        )
    labels = pd.DataFrame(rows)
    palette = dict(zip(color["scale"]["domain"], color["scale"]["range"], strict=True))
    ink = {vendor: readable_on_white(palette.get(vendor, "#333333")) for vendor in labels["vendor"]}
    q = "quantitative"
    lx = {"field": "lx", "type": q, "scale": x_axis.scale()}
    ly = {"field": "ly", "type": q, "scale": y_axis.scale()}
    out: list[dict[str, Any]] = []
    far_rows = labels[labels["far"]]
    if len(far_rows):
        out.append(
            {
                "data": _values(far_rows, ["vendor", "lx", "ly", "px", "py"]),
                "mark": {"type": "rule", "strokeWidth": 1, "opacity": 0.5},
                "encoding": {
                    "x": {"field": "px", "type": q, "scale": x_axis.scale()},
                    "y": {"field": "py", "type": q, "scale": y_axis.scale()},
                    "x2": {"field": "lx"},
                    "y2": {"field": "ly"},
                    "color": color,
                },
            }
        )
    for align in ("left", "right", "center"):
        part = labels[labels["align"] == align]
        if not len(part):
            continue
        data = _values(part, ["vendor", "lx", "ly"])
        text = {"type": "text", "align": align, "baseline": "middle", "fontSize": 12, "fontWeight": "bold"}
        encoding = {"x": lx, "y": ly, "text": {"field": "vendor", "type": "nominal"}}
        halo = {**text, "stroke": "white", "strokeWidth": 4, "strokeOpacity": 0.9}
        out.append({"data": data, "mark": halo, "encoding": encoding})
        out.append(
            {
                "data": _values(part.assign(ink=part["vendor"].map(ink)), ["vendor", "lx", "ly", "ink"]),
                "mark": text,
                # the vendor's colour, darkened where it is too light to read on white (its point keeps it)
                "encoding": {**encoding, "color": {"field": "ink", "type": "nominal", "scale": None, "legend": None}},
            }
        )
    return out
