"""A plain-language verdict written from a Report: who is most accurate, who is cheapest per usable
label, and whether the data can tell the vendors apart (it says so when intervals overlap)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from labeleval import fmt, glossary
from labeleval.redundancy import cheapest_for_target

if TYPE_CHECKING:  # the verdict reads a Report; the Report never imports the verdict
    from labeleval.report import Report


def pareto_frontier(
    summary: pd.DataFrame, *, quality: str = "accuracy", cost: str = "cost_per_usable_label"
) -> list[str]:
    """Vendors no other vendor beats on both quality (higher) and cost (lower)."""
    rows = summary[["vendor", quality, cost]].dropna()
    out = []
    for row in rows.itertuples(index=False):
        q, c = getattr(row, quality), getattr(row, cost)
        dominated = ((rows[quality] >= q) & (rows[cost] <= c) & ((rows[quality] > q) | (rows[cost] < c))).any()
        if not dominated:
            out.append(str(row.vendor))
    return out


def _p(p: float) -> str:
    return fmt.p_phrase(p, adjusted=True)


def _pct(x: float) -> str:
    return fmt.pct(x)


def _money(x: float, currency: str) -> str:
    return fmt.money(x, currency)


def _pair(report: Report, metric: str, a: str, b: str) -> pd.Series | None:
    c = report.comparisons
    hit = c[
        (c["metric"] == metric)
        & (((c["vendor_a"] == a) & (c["vendor_b"] == b)) | ((c["vendor_a"] == b) & (c["vendor_b"] == a)))
    ]
    return None if hit.empty else hit.iloc[0]


def _leader_sentence(report: Report, metric: str, best_is_high: bool, describe: str, unit: str) -> str | None:
    s = report.summary.dropna(subset=[metric])
    if s.empty:
        return None
    s = s.sort_values(metric, ascending=not best_is_high, kind="stable")
    leader = s.iloc[0]
    currency = str(leader.get("currency", ""))
    show = (lambda x: _pct(x)) if unit == "pct" else (lambda x: _money(x, currency))
    low, high = leader.get(f"{metric}_ci_low", np.nan), leader.get(f"{metric}_ci_high", np.nan)
    shown = fmt.ci_phrase(leader[metric], low, high, "pct" if unit == "pct" else "money", currency)
    text = f"{leader['vendor']} is {describe} ({shown})"
    if len(s) == 1:
        return text + "."
    runner = s.iloc[1]
    pair = _pair(report, metric, str(leader["vendor"]), str(runner["vendor"]))
    if pair is None or not np.isfinite(pair["p_holm"]):
        return text + f"; {runner['vendor']} follows with {show(runner[metric])}."
    if bool(pair["significant"]):
        return (
            text + f", ahead of {runner['vendor']} ({show(runner[metric])}); the difference is beyond chance "
            f"({_p(pair['p_holm'])})."
        )
    return (
        text + f", but the data cannot separate it from {runner['vendor']} ({show(runner[metric])}): "
        f"the difference could be chance ({_p(pair['p_holm'])})."
    )


def tolerance_note(settings: dict[str, object] | object) -> str:
    """' within ±1' when the task counts near misses as right, else ''."""
    tolerance = float(getattr(settings, "get", lambda *_: 0.0)("tolerance", 0.0) or 0.0)
    return f" within ±{tolerance:g}" if tolerance > 0 else ""


def verdict(report: Report) -> list[str]:
    """Sentences for a busy reader, most important first."""
    out: list[str] = []
    within = tolerance_note(report.settings)
    accuracy = _leader_sentence(report, "accuracy", True, f"the most accurate on gold{within}", "pct")
    if accuracy:
        out.append(accuracy)
    cheapest = _leader_sentence(report, "cost_per_usable_label", False, "the cheapest per usable label", "money")
    if cheapest:
        out.append(cheapest)
    s = report.summary.dropna(subset=["alpha"])
    if not s.empty:
        best = s.sort_values("alpha", ascending=False).iloc[0]
        out.append(
            f"{best['vendor']} has the most consistent annotators (Krippendorff's alpha {best['alpha']:.2f}; "
            f"0.8 or more is usually read as reliable, below 0.667 as tentative at best)."
        )
    frontier = pareto_frontier(report.summary)
    if frontier:
        others = [str(v) for v in report.summary["vendor"] if v not in frontier]
        if not others and len(frontier) > 1:
            ladder = report.summary.sort_values("accuracy")["vendor"].astype(str).tolist()
            out.append(
                f"No vendor is both more accurate and cheaper than another: each step up in accuracy "
                f"({' → '.join(ladder)}) costs more per usable label; the choice is a price for quality."
            )
        elif others:
            out.append(
                f"Best value: {', '.join(frontier)}. {', '.join(others)} "
                f"{'is' if len(others) == 1 else 'are'} beaten on both accuracy and cost per usable label."
            )
    out += _kind_sentences(report)
    if len(report.quarantine):
        out.append(
            f"{len(report.quarantine):,} of {int(report.ledger['rows_read'].sum()):,} input rows were quarantined "
            f"(see the ledger); they are billed but never usable."
        )
    return out


def _kind_sentences(report: Report) -> list[str]:
    """What only this task kind can show: position bias and ties, lenient raters."""
    t = report.task_metrics
    if t.empty:
        return []
    out = []
    first = t[t["metric"] == "chose_first_shown"]
    biased = first[(first["p_value"] < 0.01) & (first["value"] > 0.5)]
    for row in biased.itertuples(index=False):
        out.append(
            f"{row.vendor} shows position bias: its raters picked the response shown first in {row.value:.0%} of "
            f"decisive judgments (binomial {fmt.p_phrase(row.p_value, adjusted=False)}, {row.n:,} judgments)."
        )
    ties = t[t["metric"] == "tie_rate"].sort_values("value", ascending=False)
    if len(ties) > 1:
        top = ties.iloc[0]
        out.append(
            f"{top['vendor']} calls the most ties ({top['value']:.0%} of judgments; next: "
            f"{ties.iloc[1]['vendor']} {ties.iloc[1]['value']:.0%})."
        )
    cards = report.annotators
    if "leniency" in cards.columns:
        lenient = cards[(cards["leniency_ci_low"] > 0.5) | (cards["leniency_ci_high"] < -0.5)]
        if len(lenient):
            by_vendor = lenient.groupby("vendor").size().sort_values(ascending=False)
            listing = ", ".join(f"{v} {n}" for v, n in by_vendor.items())
            out.append(
                f"{len(lenient)} annotators rate clearly off the reference (mean offset beyond half a point): "
                f"{listing}; see their leniency on the Agreement page."
            )
    return out


def redundancy_line(report: Report) -> str:
    """The answer to "which vendor and how many labels per item reach the target, most cheaply?"."""
    target = float(report.settings.get("target_accuracy", 0.95))
    rule = glossary.vote_name(report.settings)
    best = cheapest_for_target(report.redundancy, target)
    if best is None:
        if report.redundancy.empty:
            return "Labels per item: no gold items, so the accuracy bought by redundancy cannot be measured."
        top = report.redundancy.sort_values("accuracy", ascending=False).iloc[0]
        return (
            f"Labels per item: no vendor reaches {target:.0%} {rule} accuracy on gold with the labels it "
            f"sold; the best is {top['vendor']} with k={int(top['k'])} ({top['accuracy']:.1%})."
        )
    currency = str(report.summary["currency"].iloc[0])
    return (
        f"Labels per item: the cheapest way to {target:.0%} {rule} accuracy on gold is {best['vendor']} with "
        f"k={int(best['k'])} labels per item ({fmt.pct(best['accuracy'])}, "
        f"{fmt.money(best['cost_per_item'], currency)} per item). Every vendor and k: 'What redundancy buys' "
        f"on the Cost page."
    )
