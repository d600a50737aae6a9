"""Helpers every page shares: the page header and CI formatting."""

from __future__ import annotations

import math

import streamlit as st

from labeleval.report import Report
from labeleval.safety import markdown_text

METRIC_NAMES = {
    "krippendorff_alpha": "Krippendorff's alpha",
    "percent_agreement": "Percent agreement",
    "fleiss_kappa": "Fleiss' kappa",
    "gwet_ac1": "Gwet's AC1",
    "light_kappa": "Light's kappa (mean pairwise Cohen)",
    "judgment_accuracy": "Accuracy per judgment",
    "consensus_accuracy": "Majority-vote consensus accuracy",
    "usable_rate": "Usable rate",
    "macro_f1": "Macro-F1",
}


def ci(value: float, low: float, high: float, kind: str = "num", currency: str = "USD") -> str:
    if value is None or not math.isfinite(value):
        return "n/a"
    symbol = {"USD": "$", "EUR": "€", "GBP": "£"}.get(currency, "")
    if kind == "pct":
        main, lo, hi = f"{value:.1%}", f"{low:.1%}", f"{high:.1%}"
    elif kind == "money":
        main, lo, hi = f"{symbol}{value:,.3f}", f"{symbol}{low:,.3f}", f"{symbol}{high:,.3f}"
    else:
        main, lo, hi = f"{value:.3f}", f"{low:.3f}", f"{high:.3f}"
    if low is None or high is None or not (math.isfinite(low) and math.isfinite(high)):
        return main
    return f"{main}  [{lo} – {hi}]"


def header(report: Report, title: str) -> None:
    st.title(title)
    s = report.settings
    st.caption(
        f"{markdown_text(s['task'])} · {s['kind']} · {len(report.summary)} vendors · "
        f"{int(report.summary['n_judgments'].sum()):,} judgments · {int(report.summary['gold_items'].max()):,} "
        f"gold items · {round(100 * s['confidence'])}% intervals from {s['n_boot']:,} item-bootstrap resamples"
    )
