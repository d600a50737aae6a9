"""The watched pilot's chart: each pair's paired difference and its confidence sequence, look by look (a pure
function of :class:`labeleval.analyses.sequential.Sequential` frames, Altair only)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from labeleval import fmt
from labeleval.present.charts import FIT_WIDTH, altair, vendor_colors, vendor_legend

if TYPE_CHECKING:
    import altair as alt


def sequence_chart(sequences: pd.DataFrame, delta: float) -> alt.LayerChart:
    """Per pair, the difference in gold accuracy (A − B) at each look with its confidence sequence as a band,
    and the lines at 0 and ±``delta`` that the decisions read."""
    alt = altair()
    frame = sequences[(sequences["what"] == "difference") & sequences["cs_low"].notna()].copy()
    pairs = list(dict.fromkeys(frame["vendor"].astype(str)))
    order = list(dict.fromkeys(frame["window"].astype(str)))
    frame["window"] = frame["window"].astype(str)
    frame["shown"] = [
        fmt.ci(v, lo, hi, "pct") for v, lo, hi in frame[["estimate", "cs_low", "cs_high"]].itertuples(index=False)
    ]
    x = alt.X("window:N", sort=order, title=None, axis=alt.Axis(labelAngle=-45))
    color = alt.Color(
        "vendor:N",
        scale=alt.Scale(domain=pairs, range=vendor_colors(len(pairs))),
        legend=vendor_legend(len(pairs), "Pair"),
    )
    base = alt.Chart(frame).encode(x=x, color=color)
    band = base.mark_area(opacity=0.15).encode(y="cs_low:Q", y2="cs_high:Q")
    line = base.mark_line(point=True).encode(
        y=alt.Y("estimate:Q", title="Difference in gold accuracy (A − B)", axis=alt.Axis(format=".0%")),
        tooltip=[alt.Tooltip("window:N", title="Look"), alt.Tooltip("vendor:N", title="Pair"),
                 alt.Tooltip("gold_items:Q", title="Shared gold items"), alt.Tooltip("shown:N", title="Difference"),
                 alt.Tooltip("status:N", title="Decision at this look")],
    )  # fmt: skip
    rules = pd.DataFrame({"y": [-delta, 0.0, delta], "kind": ["-delta", "0", "+delta"]})
    marks = (
        alt.Chart(rules)
        .mark_rule(strokeDash=[4, 4], color="#888")
        .encode(y="y:Q", tooltip=[alt.Tooltip("kind:N", title="Line")])
    )
    return (band + line + marks).properties(height=320, autosize=FIT_WIDTH)
