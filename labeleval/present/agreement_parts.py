"""Agreement by category and by annotator as people read it: a category x vendor table of kappas with their
intervals, the chart of the same, and each vendor's lowest-agreeing annotators (pure functions of the Report's
``category_agreement`` and ``annotator_agreement`` frames)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from labeleval import fmt
from labeleval.present.charts import altair
from labeleval.present.cost_chart import vendor_colors
from labeleval.scoring.report_data import ReportData
from labeleval.tuning import MIN_AGREEMENT_ITEMS, MIN_CATEGORY_ITEMS

if TYPE_CHECKING:
    import altair as alt


def _figure(row: pd.Series) -> str:
    shown = fmt.ci(row["kappa"], row["ci_low"], row["ci_high"])
    return shown if shown != fmt.BLANK or fmt.is_blank(row["note"]) else f"{fmt.BLANK} ({row['note']})"


#: the annotators per vendor the documents and the Agreement page show before the full table
LOWEST = 5


def category_caption(report: ReportData) -> str:
    """What the per-label table shows, and why a cell is ``—``."""
    level = fmt.confidence_level(float(report.settings.get("confidence", 0.95)))
    return (
        f"Fleiss' kappa of each label against all the others, with its {level} interval (Fieller's, over items): "
        "a label whose interval sits low is one the annotators read differently. "
        f"{fmt.BLANK} where fewer than {MIN_CATEGORY_ITEMS} items have two or more judgments giving the label, or "
        f"fewer than {MIN_AGREEMENT_ITEMS} items have two or more judgments: too little to read."
    )


def annotator_caption(report: ReportData, lowest: int = LOWEST) -> str:
    """What the lowest-annotators table shows, and where every annotator is."""
    level = fmt.confidence_level(float(report.settings.get("confidence", 0.95)))
    return (
        f"Each annotator's agreement with the vendor's other annotators on the same items, corrected for chance, "
        f"with its {level} interval over the annotator's items; each vendor's {lowest} lowest first. An interval "
        "wholly below the others' marks an annotator who reads the task differently. Every annotator: "
        "annotator_agreement.csv in the CSV export, or the app's Agreement page."
    )


def category_table(report: ReportData) -> pd.DataFrame:
    """One row per category, one column per vendor: kappa [interval], or ``—`` with the reason."""
    frame = report.category_agreement
    if frame.empty:
        return pd.DataFrame()
    shown = frame.assign(shown=frame.apply(_figure, axis=1))
    table = shown.pivot(index="category", columns="vendor", values="shown")
    vendors = [v for v in report.summary["vendor"].astype(str) if v in table.columns]
    order = list(dict.fromkeys(frame["category"]))
    table = table.reindex(index=order, columns=vendors).fillna(fmt.BLANK)
    table.index.name = "Label"
    table.columns.name = None
    return table.reset_index()


def category_chart(report: ReportData) -> alt.LayerChart:
    """Each category's kappa with its interval, one dot and line per vendor, on one -1..1 axis."""
    alt = altair()
    frame = report.category_agreement.dropna(subset=["kappa"]).copy()
    vendors = [v for v in report.summary["vendor"].astype(str) if v in set(frame["vendor"])]
    frame["shown"] = [
        fmt.ci(k, lo, hi) for k, lo, hi in zip(frame["kappa"], frame["ci_low"], frame["ci_high"], strict=True)
    ]
    order = list(dict.fromkeys(frame["category"]))
    lowest = float(frame["ci_low"].min()) if frame["ci_low"].notna().any() else 0.0
    scale = alt.Scale(domain=[min(-0.1, lowest), 1.0], clamp=True)
    y = alt.Y("category:N", sort=order, title=None)
    offset = alt.YOffset("vendor:N", sort=vendors)
    color = alt.Color("vendor:N", scale=alt.Scale(domain=vendors, range=vendor_colors(len(vendors))), title="Vendor")
    base = alt.Chart(frame)
    lines = base.mark_rule(strokeWidth=2).encode(
        y=y,
        yOffset=offset,
        x=alt.X("ci_low:Q", scale=scale, title="Kappa of the label against the rest"),
        x2="ci_high:Q",
        color=color,
    )
    dots = base.mark_circle(size=70, opacity=1).encode(
        y=y, yOffset=offset, x=alt.X("kappa:Q", scale=scale), color=color,
        tooltip=[alt.Tooltip("category:N", title="Label"), alt.Tooltip("vendor:N", title="Vendor"),
                 alt.Tooltip("shown:N", title="Kappa [interval]"), alt.Tooltip("items:Q", title="Items")],
    )  # fmt: skip
    return (lines + dots).properties(height=max(120, 18 * len(order) * max(len(vendors), 1)))


def annotator_table(report: ReportData, lowest: int | None = 5) -> pd.DataFrame:
    """Each vendor's ``lowest`` annotators by kappa (every annotator with None): vendor, annotator, kappa
    [interval] or ``—`` with the reason, the share of their pairings that agree, their items and judgments."""
    frame = report.annotator_agreement
    if frame.empty:
        return pd.DataFrame()
    if lowest is not None:
        frame = frame.groupby("vendor", sort=False).head(lowest)
    return pd.DataFrame(
        {
            "Vendor": frame["vendor"].astype(str),
            "Annotator": frame["annotator_id"].astype(str),
            "Kappa with the others": frame.apply(_figure, axis=1),
            "Pairings agreeing": frame["agreement"].map(fmt.pct),
            "Shared items": frame["items"].map(fmt.count),
            "Judgments": frame["judgments"].map(fmt.count),
        }
    ).reset_index(drop=True)
