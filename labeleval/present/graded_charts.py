"""Charts of a graded Report (written work scored by reviewers against a rubric): pure functions of its frames,
drawn by the app's pages and the HTML report alike."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from labeleval import fmt
from labeleval.present import glossary
from labeleval.present.charts import FIT_WIDTH, _vendor_scale, altair, comparison_forest, vendor_legend
from labeleval.present.graded_text import WEIGHTED

if TYPE_CHECKING:
    import altair as alt

#: colours of the two estimates of a criterion's score: severity-adjusted (what the verdict reads) and raw
ESTIMATE_COLORS = {"adjusted": "#1f4e79", "raw": "#9aa5b1"}
#: a panel's height per row (vendor, criterion or reviewer) and its fixed part, in pixels
ROW_PX, PANEL_PX = 26, 40


def metric_term(metric: str) -> glossary.Term:
    """A graded comparison's metric as a person reads it: a criterion in its points, or the weighted score."""
    if metric == WEIGHTED:
        return glossary.Term("Weighted score (0-1, severity-adjusted)", "number")
    return glossary.Term(f"{metric} (points, severity-adjusted)", "number")


def graded_forest(comparisons: pd.DataFrame) -> alt.VConcatChart:
    """The family's paired comparisons as the label report's forest plot, one panel per criterion."""
    return comparison_forest(comparisons, "", term=metric_term)


def _estimates(criteria: pd.DataFrame, value: str) -> pd.DataFrame:
    """Long frame of one figure per vendor and criterion: the adjusted and raw means (``score``) or the pass
    rate (``pass``), each with its interval and its text."""
    if value == "pass":
        pieces = [("pass rate", "pass_rate", "pct")]
    else:
        pieces = [("adjusted", "adjusted_score", "number"), ("raw", "mean_score", "number")]
    rows = []
    for estimate, stem, kind in pieces:
        part = criteria[["vendor", "criterion", "reliable"]].copy()
        part["estimate"] = estimate
        part["value"], part["low"], part["high"] = (criteria[c] for c in (stem, f"{stem}_ci_low", f"{stem}_ci_high"))
        part["shown"] = [fmt.ci(v, lo, hi, kind) for v, lo, hi in part[["value", "low", "high"]].to_numpy()]  # type: ignore[arg-type]
        rows.append(part)
    return pd.concat(rows, ignore_index=True)


def criteria_chart(criteria: pd.DataFrame, vendors: list[str], value: str = "score") -> alt.VConcatChart:
    """Per criterion, each vendor's mean score severity-adjusted (dark, with its interval) beside the raw mean
    (grey), or (``value="pass"``) its pass rate; a criterion kept out of the verdict says so in its title."""
    alt = altair()
    long = _estimates(criteria, value)
    panels = []
    for criterion, rows in long.groupby("criterion", sort=False):
        out = "" if bool(rows["reliable"].iloc[0]) else " (kept out of the verdict: reviewers disagree)"
        words = "pass rate of the reviews (raw)" if value == "pass" else "mean score, adjusted and raw"
        base = alt.Chart(rows).encode(
            y=alt.Y("vendor:N", sort=vendors, title=None),
            yOffset=alt.YOffset("estimate:N"),
            color=alt.Color(
                "estimate:N",
                scale=alt.Scale(domain=list(ESTIMATE_COLORS), range=list(ESTIMATE_COLORS.values()))
                if value != "pass"
                else alt.Scale(range=[ESTIMATE_COLORS["adjusted"]]),
                legend=alt.Legend(title=None, orient="top") if value != "pass" else None,
            ),
        )
        axis = alt.Axis(format=".0%") if value == "pass" else alt.Axis(format=".2f")
        rules = base.mark_rule(strokeWidth=2).encode(
            x=alt.X("low:Q", title=f"{criterion}: {words}{out}", axis=axis, scale=alt.Scale(zero=False)), x2="high:Q"
        )
        dots = base.mark_circle(size=80, opacity=1).encode(
            x="value:Q",
            tooltip=[
                alt.Tooltip("vendor:N", title="Vendor"),
                alt.Tooltip("estimate:N", title="Estimate"),
                alt.Tooltip("shown:N", title="Value [CI]"),
            ],
        )
        height = PANEL_PX + ROW_PX * len(vendors) * (1 if value == "pass" else 2)
        panels.append((rules + dots).properties(height=height, width=FOREST_WIDTH_PX))
    return alt.vconcat(*panels).resolve_scale(x="independent", color="shared")


#: the width of a graded panel (pixels), as the label report's forest plot
FOREST_WIDTH_PX = 640


def reliability_chart(reliability: pd.DataFrame, min_alpha: float) -> alt.LayerChart:
    """Each criterion's Krippendorff's alpha among the reviewers with its interval, the threshold below which a
    criterion is kept out of the verdict as a dashed line; criteria kept out in red."""
    alt = altair()
    frame = reliability.assign(
        verdict=reliability["reliable"].map({True: "in the verdict", False: "kept out"}),
        shown=[
            fmt.ci(v, lo, hi, "number")
            for v, lo, hi in reliability[["alpha", "alpha_ci_low", "alpha_ci_high"]].to_numpy()
        ],
    )
    order = frame["criterion"].tolist()
    base = alt.Chart(frame).encode(y=alt.Y("criterion:N", sort=order, title=None, axis=alt.Axis(labelLimit=220)))
    scale = alt.Scale(domain=[min(0.0, float(frame["alpha_ci_low"].min())), 1.0], clamp=True)
    rules = base.mark_rule(strokeWidth=2, color="#555").encode(
        x=alt.X("alpha_ci_low:Q", title="Krippendorff's alpha among the reviewers", scale=scale), x2="alpha_ci_high:Q"
    )
    dots = base.mark_circle(size=100, opacity=1).encode(
        x="alpha:Q",
        color=alt.Color(
            "verdict:N",
            scale=alt.Scale(domain=["in the verdict", "kept out"], range=["#1f4e79", "#c0392b"]),
            legend=alt.Legend(title=None, orient="top"),
        ),
        tooltip=[
            alt.Tooltip("criterion:N", title="Criterion"),
            alt.Tooltip("shown:N", title="Alpha [CI]"),
            alt.Tooltip("verdict:N", title="Verdict"),
        ],
    )
    line = (
        alt.Chart(pd.DataFrame({"x": [min_alpha]}))
        .mark_rule(strokeDash=[4, 3], color="#333")
        .encode(x=alt.X("x:Q", scale=scale))
    )
    return (rules + dots + line).properties(height=PANEL_PX + 32 * len(frame), autosize=FIT_WIDTH)


def severity_heatmap(severity: pd.DataFrame) -> alt.LayerChart:
    """Reviewer x criterion: each reviewer's severity in points (blue lenient, red severe), the number written."""
    alt = altair()
    frame = severity.assign(shown=severity["severity"].map(lambda v: f"{v:+.2f}"))
    reviewers = list(dict.fromkeys(frame["reviewer"].astype(str)))
    criteria = list(dict.fromkeys(frame["criterion"].astype(str)))
    span = max(float(frame["severity"].abs().max()), 0.01) if len(frame) else 1.0
    base = alt.Chart(frame).encode(
        x=alt.X("criterion:N", sort=criteria, title=None, axis=alt.Axis(labelAngle=0, orient="top", labelLimit=220)),
        y=alt.Y("reviewer:N", sort=reviewers, title=None),
    )
    cells = base.mark_rect().encode(
        color=alt.Color(
            "severity:Q",
            scale=alt.Scale(scheme="redblue", domain=[-span, span]),
            legend=alt.Legend(title="Points (+ lenient)", format="+.1f"),
        ),
        tooltip=[
            alt.Tooltip("reviewer:N", title="Reviewer"),
            alt.Tooltip("criterion:N", title="Criterion"),
            alt.Tooltip("shown:N", title="Severity (points)"),
            alt.Tooltip("scores:Q", title="Scores given", format=","),
        ],
    )
    text = base.mark_text(fontSize=12).encode(text="shown:N", color=alt.value("#111"))
    return (cells + text).properties(height=PANEL_PX + ROW_PX * len(reviewers), width=150 * max(len(criteria), 1))


#: the rows a vendor's writers are spread over in :func:`writers_chart`
JITTER_ROWS = 5


def writers_chart(writers: pd.DataFrame, vendors: list[str]) -> alt.Chart:
    """Each writer's acceptance rate (adjusted for reviewer severity) by vendor, sized by deliverables."""
    alt = altair()
    frame = writers.assign(
        shown=[
            fmt.ci(v, lo, hi, "pct")
            for v, lo, hi in writers[
                ["acceptance_rate", "acceptance_rate_ci_low", "acceptance_rate_ci_high"]
            ].to_numpy()
        ]
    ).dropna(subset=["acceptance_rate"])
    frame["jitter"] = frame.groupby("vendor").cumcount() % JITTER_ROWS  # spread a vendor's writers, the same each time
    return (
        alt.Chart(frame)
        .mark_circle(opacity=0.75)
        .encode(
            x=alt.X("acceptance_rate:Q", title="Writer's accepted share", axis=alt.Axis(format=".0%"),
                    scale=alt.Scale(domain=[0, 1], clamp=True)),
            y=alt.Y("vendor:N", sort=vendors, title=None),
            yOffset=alt.YOffset("jitter:Q"),
            color=alt.Color("vendor:N", scale=_vendor_scale(vendors), legend=vendor_legend(len(vendors))),
            size=alt.Size("deliverables:Q", scale=alt.Scale(range=[20, 300]),
                          legend=alt.Legend(title="Deliverables", orient="bottom")),
            tooltip=[
                alt.Tooltip("vendor:N", title="Vendor"),
                alt.Tooltip("writer_id:N", title="Writer"),
                alt.Tooltip("deliverables:Q", title="Deliverables", format=","),
                alt.Tooltip("shown:N", title="Accepted [CI]"),
            ],
        )
        .properties(height=PANEL_PX + 60 * len(vendors), autosize=FIT_WIDTH)
    )  # fmt: skip
