"""A plain-language verdict written from a Report: who is most accurate, who is cheapest per usable
label, and whether the data can tell the vendors apart (it says so when intervals overlap)."""

from __future__ import annotations

from collections.abc import Callable
from statistics import NormalDist
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from labeleval import fmt
from labeleval.analyses.questions import gold_audit_sentences
from labeleval.metrics.bands import band_reading
from labeleval.present import glossary
from labeleval.present.consolidated import consolidated_vendors
from labeleval.scoring.redundancy import cheapest_clearing, cheapest_for_target

if TYPE_CHECKING:  # the verdict reads a Report; the Report never imports the verdict
    from labeleval.scoring.report_data import ReportData


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


def _pair(report: ReportData, metric: str, a: str, b: str) -> pd.Series | None:
    c = report.comparisons
    hit = c[
        (c["metric"] == metric)
        & (((c["vendor_a"] == a) & (c["vendor_b"] == b)) | ((c["vendor_a"] == b) & (c["vendor_b"] == a)))
    ]
    return None if hit.empty else hit.iloc[0]


def _leader_sentence(report: ReportData, metric: str, best_is_high: bool, describe: str, unit: str) -> str | None:
    """Who leads on ``metric``, and only what the comparison with the runner-up supports.

    Vendors without data for the metric are left out; equal estimates are not ordered; the pair is
    compared on the items both labelled (the row says how many), and a pair with too few shared gold
    items is said to be not comparable yet instead of tested.
    """
    s = report.summary[np.isfinite(report.summary[metric].astype(float))]
    if s.empty:
        return None
    s = s.sort_values(metric, ascending=not best_is_high, kind="stable")
    leader = s.iloc[0]
    currency = str(leader.get("currency", ""))
    kind: fmt.Kind = "pct" if unit == "pct" else "money"
    show = (lambda x: _pct(x)) if unit == "pct" else (lambda x: _money(x, currency))
    low, high = leader.get(f"{metric}_ci_low", np.nan), leader.get(f"{metric}_ci_high", np.nan)
    shown = fmt.ci_phrase(leader[metric], low, high, kind, currency) + _usable_on(report, metric, leader)
    if len(s) == 1:
        alone = len(report.summary) > 1
        return f"{leader['vendor']} {'is the only vendor measured here' if alone else 'is the only vendor'} ({shown})."
    runner = s.iloc[1]
    if np.isclose(float(leader[metric]), float(runner[metric]), rtol=0, atol=1e-12):
        return (
            f"{leader['vendor']} and {runner['vendor']} are level ({shown} and {show(runner[metric])}); "
            f"the data do not order them."
        )
    text = f"{leader['vendor']} is {describe} ({shown})"
    pair = _pair(report, metric, str(leader["vendor"]), str(runner["vendor"]))
    if pair is None:
        return text + f"; {runner['vendor']} ({show(runner[metric])}) is not compared with it."
    note = str(pair.get("note", "") or "")
    if not np.isfinite(pair.get("p_adjusted", np.nan)):
        reason = note.removesuffix(": cannot be compared yet") if note else "no test could be made"
        return text + f"; it cannot be compared with {runner['vendor']} ({show(runner[metric])}) yet: {reason}."
    forward = str(pair["vendor_a"]) == str(leader["vendor"])
    on_shared = _shared_phrase(pair, show, forward)
    if bool(pair["significant"]):
        ahead = (float(pair["difference"]) > 0) == best_is_high
        winner, loser = (pair["vendor_a"], pair["vendor_b"]) if ahead else (pair["vendor_b"], pair["vendor_a"])
        if str(winner) != str(leader["vendor"]):  # different gold coverage: the shared items reverse the order
            return (
                f"{leader['vendor']} has the best {_WHAT.get(metric, metric)} on its own items "
                f"({shown}), but {on_shared} {winner} is ahead of {loser}; that difference is beyond chance "
                f"({_p(pair['p_adjusted'])})."
            )
        return (
            text + f", ahead of {runner['vendor']} ({show(runner[metric])}); the difference is beyond chance "
            f"({_p(pair['p_adjusted'])}{_count_phrase(pair)})."
        )
    return (
        text + f", but the data cannot separate it from {runner['vendor']} ({show(runner[metric])}): "
        f"the difference could be chance ({_p(pair['p_adjusted'])}{_count_phrase(pair)})."
    )


def _usable_on(report: ReportData, metric: str, row: pd.Series) -> str:
    """``; usable rate on 6 confident items``: what a cost per usable label rests on when the usable rate is not
    the accuracy on gold (a consensus usability rule), else ``''``."""
    rule = str(report.settings.get("usability", "gold"))
    if metric != "cost_per_usable_label" or rule == "gold" or pd.isna(row.get("usable_items", np.nan)):
        return ""
    return f"; usable rate on {fmt.count(row['usable_items'])} {glossary.REFERENCE_ITEMS.get(rule, 'items')}"


_WHAT = {
    "accuracy": "accuracy on gold",
    "consensus_accuracy": "consensus accuracy on gold",
    "cost_per_usable_label": "cost per usable label",
}


def _consensus_sentences(report: ReportData, within: str) -> list[str]:
    """Vendors that return one consolidated answer per item, compared on consensus accuracy with every vendor's
    consensus (never with per-judgment accuracy), the figure each is compared on, and who leads on it."""
    names = consolidated_vendors(report)
    if not names:
        return []
    s = report.summary.set_index("vendor")

    def figure(name: str) -> str:
        low, high = s.loc[name, "consensus_accuracy_ci_low"], s.loc[name, "consensus_accuracy_ci_high"]
        return fmt.ci_phrase(s.loc[name, "consensus_accuracy"], low, high, "pct", "")

    shown = figure(names[0]) if len(names) == 1 else "; ".join(f"{n} {figure(n)}" for n in names)
    one = len(names) == 1
    lead = (
        f"{' and '.join(names)} {'returns' if one else 'return'} one consolidated answer per item, not "
        f"per-annotator judgments, so {'it is' if one else 'they are'} compared on consensus accuracy ({shown}) "
        f"with each other vendor's consensus answer per item, not ranked on accuracy per judgment; agreement within "
        f"{'it' if one else 'them'} cannot be measured."
    )
    ranking = _leader_sentence(report, "consensus_accuracy", True, f"the most accurate as a consensus{within}", "pct")
    return [lead, *([ranking] if ranking else [])]


def _compared(pair: pd.Series) -> tuple[int, str]:
    """The items the comparison was made on, as the comparisons table shows them: how many, and what they are."""
    n = pair.get("compared_items", pair.get("shared_gold_items", 0))
    on = str(pair.get("compared_on", "gold items") or "gold items")
    return (0 if pd.isna(n) else int(n)), on


def _count_phrase(pair: pd.Series) -> str:
    n, on = _compared(pair)
    if on != "gold items":  # a usable rate's items (confident consensus): always said, the reader cannot guess it
        return f"; compared on the {n:,} {on} both labelled"
    if int(pair.get("gold_items_a", n) or 0) != n or int(pair.get("gold_items_b", n) or 0) != n:
        return f"; compared on the {n:,} gold items both labelled, as their gold coverage differs"
    return ""


def _shared_phrase(pair: pd.Series, show: Callable[[float], str], forward: bool) -> str:
    n, on = _compared(pair)
    a, b = str(pair["vendor_a"]), str(pair["vendor_b"])
    ea, eb = show(float(pair["estimate_a"])), show(float(pair["estimate_b"]))
    values = f"{a} {ea}, {b} {eb}" if forward else f"{b} {eb}, {a} {ea}"
    return f"on the {n:,} {on} both labelled ({values})"


def tolerance_note(settings: dict[str, object] | object) -> str:
    """' within ±1' when the task counts near misses as right, else ''."""
    tolerance = float(getattr(settings, "get", lambda *_: 0.0)("tolerance", 0.0) or 0.0)
    return f" within ±{tolerance:g}" if tolerance > 0 else ""


def verdict(report: ReportData) -> list[str]:
    """Sentences for a busy reader, most important first."""
    out: list[str] = []
    within = tolerance_note(report.settings)
    accuracy = _leader_sentence(report, "accuracy", True, f"the most accurate on gold{within}", "pct")
    if accuracy:
        out.append(accuracy)
    out += _consensus_sentences(report, within)
    cheapest = _leader_sentence(report, "cost_per_usable_label", False, "the cheapest per usable label", "money")
    if cheapest:
        out.append(cheapest)
    agreement = _agreement_sentence(report)
    if agreement:
        out.append(agreement)
    value = _value_sentence(report)
    if value:
        out.append(value)
    out += _kind_sentences(report)

    out += gold_audit_sentences(report)
    if len(report.quarantine):
        out.append(_quarantine_sentence(report))
    return out


#: Reasons of rows a vendor-format reader set aside as not delivered (labeleval/io/formats).
SET_ASIDE = ("REJECTED", "CANCELLED", "NOT_COMPLETED", "REVIEW_ANNOTATION", "NO_ANSWER")


def _quarantine_sentence(report: ReportData) -> str:
    """How many rows were quarantined, telling apart the rows of the gold and item files (reference data: no one
    is paid for them), the work a vendor's platform marked as not delivered (not billed unless the project says
    the vendor charges for it: ``bill_excluded``) and delivered rows that cannot be used (billed)."""
    total = len(report.quarantine)
    read = int(report.ledger["rows_read"].sum())
    reasons = report.quarantine["reason"].astype(str)
    judgments = report.quarantine["vendor"].astype(str).isin(set(report.summary["vendor"].astype(str)))
    reference = int((~judgments).sum())
    set_aside = int((judgments & reasons.isin(SET_ASIDE)).sum())
    unusable = int(judgments.sum()) - set_aside
    parts = []
    if reference:
        parts.append(f"{reference:,} in the gold or item files (reference data, not judgments: nothing billed)")
    if set_aside:
        parts.append(
            f"{set_aside:,} set aside as not delivered (rejected, cancelled, reviewer annotations or no answer; not "
            "billed unless the project says the vendor charges for such work)"
        )
    if unusable:
        parts.append(f"{unusable:,} delivered but unusable (billed)")
    head = f"{total:,} of {read:,} input rows were quarantined (see the ledger)"
    if parts == [f"{unusable:,} delivered but unusable (billed)"]:
        return f"{head}; they are billed but never usable."
    return f"{head}: " + ", and ".join([", ".join(parts[:-1]), parts[-1]] if len(parts) > 1 else parts) + "."


def alpha_readings(report: ReportData) -> list[str]:
    """Each vendor's alpha, highest first, with its interval and the Landis-Koch band it reaches with probability
    0.95 or more (Gwet's benchmarking, the standard error read from the interval); a vendor whose alpha stands on
    too little is named with the reason instead, after the others."""
    a = report.agreement
    alpha = a[a["metric"] == "krippendorff_alpha"] if "metric" in a.columns else a
    z = NormalDist().inv_cdf(0.5 + float(report.settings.get("confidence", 0.95)) / 2.0)
    shown, withheld = [], []
    for _, row in alpha.sort_values("value", ascending=False, kind="stable").iterrows():
        if not np.isfinite(float(row["value"])):
            if isinstance(row.get("note"), str):
                withheld.append(f"{row['vendor']} (alpha not shown: {row['note']})")
            continue
        low, high = float(row["ci_low"]), float(row["ci_high"])
        text = f"{row['vendor']} {float(row['value']):.2f}"
        if np.isfinite(low) and np.isfinite(high):
            text += f" [{low:.2f}, {high:.2f}]"
            reading = band_reading(float(row["value"]), (high - low) / (2.0 * z))
            if reading is not None:
                chance = "over 0.99" if reading[1] > 0.995 else f"{reading[1]:.2f}"
                text += f", at least {reading[0]} with probability {chance}"
        shown.append(text)
    return shown + withheld


def _agreement_sentence(report: ReportData) -> str | None:
    """Each vendor's alpha read on the Landis-Koch bands (:func:`alpha_readings`): a description of these
    annotators, not a claim about the vendor (agreement intervals cover items only, so an ordering "beyond
    chance" would not hold for other annotators)."""
    readings = alpha_readings(report)
    if not readings:
        return None
    return (
        f"Agreement among each vendor's own annotators (Krippendorff's alpha, intervals over items for these "
        f"annotators, read on the Landis-Koch bands as the highest band reached with probability 0.95 or more): "
        f"{'; '.join(readings)}."
    )


def dominated_pairs(report: ReportData) -> list[tuple[str, str]]:
    """(loser, winner) pairs where the winner is better on accuracy AND cheaper per usable label, both
    differences beyond chance (the family's adjusted tests, on the items both labelled)."""
    c = report.comparisons
    if c.empty or "p_adjusted" not in c.columns:
        return []
    out = []
    for (a, b), rows in c.groupby(["vendor_a", "vendor_b"], sort=False):
        by_metric = {str(r["metric"]): r for _, r in rows.iterrows()}
        accuracy, cost = by_metric.get("accuracy"), by_metric.get("cost_per_usable_label")
        if accuracy is None or cost is None or not (bool(accuracy["significant"]) and bool(cost["significant"])):
            continue
        a_better = float(accuracy["difference"]) > 0
        a_cheaper = float(cost["difference"]) < 0
        if a_better == a_cheaper:
            out.append((str(b), str(a)) if a_better else (str(a), str(b)))
    return out


def _value_sentence(report: ReportData) -> str | None:
    """Who is beaten on both quality and price, only where both differences are beyond chance."""
    dominated = dominated_pairs(report)
    measured = report.summary[
        np.isfinite(report.summary["accuracy"].astype(float))
        & np.isfinite(report.summary["cost_per_usable_label"].astype(float))
    ]
    if len(measured) < 2:
        return None
    if not dominated:
        return (
            "No vendor is both more accurate and cheaper per usable label than another by more than chance "
            "would explain."
        )
    by_loser: dict[str, list[str]] = {}
    for loser, winner in dominated:
        by_loser.setdefault(loser, []).append(winner)
    parts = [f"{loser} by {' and '.join(winners)}" for loser, winners in by_loser.items()]
    return f"Beaten on both accuracy and cost per usable label, each difference beyond chance: {'; '.join(parts)}."


def _kind_sentences(report: ReportData) -> list[str]:
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


def redundancy_line(report: ReportData) -> str:
    """The answer to "which vendor and how many labels per item reach the target, most cheaply?", with its
    uncertainty: whether the cheapest option's interval clears the target, and the cheapest that does."""
    target = float(report.settings.get("target_accuracy", 0.95))
    confidence = float(report.settings.get("confidence", 0.95))
    rule = glossary.vote_name(report.settings)
    redundancy = report.redundancy
    if redundancy.empty:
        return "Labels per item: no gold items, so the accuracy bought by redundancy cannot be measured."
    currency = str(report.summary["currency"].iloc[0])

    def option(row: pd.Series) -> str:
        shown = fmt.ci_phrase(row["accuracy"], row.get("accuracy_ci_low"), row.get("accuracy_ci_high"), "pct")
        return (
            f"{row['vendor']} with k={int(row['k'])} labels per item ({shown}, "
            f"{fmt.money(row['cost_per_item'], currency)} per item)"
        )

    goal = f"{target:.0%} {rule} accuracy on gold"
    confident = cheapest_clearing(redundancy, target)
    possible = cheapest_clearing(redundancy, target, end="accuracy_ci_high")
    tail = " Every vendor and k: 'What redundancy buys' on the Cost page."
    if possible is None:
        top = redundancy.sort_values("accuracy", ascending=False).iloc[0]
        return (
            f"Labels per item: no vendor reaches {goal} with the labels it sold, even at the top of its interval; "
            f"the best is {option(top)}.{tail}"
        )
    if confident is not None and _same_option(confident, possible):
        return (
            f"Labels per item: the cheapest way to {goal} is {option(confident)}; its {confidence:.0%} interval "
            f"clears the target.{tail}"
        )
    cheap = cheapest_for_target(redundancy, target)
    if cheap is not None and (confident is None or not _same_option(cheap, confident)):
        text = (
            f"Labels per item: the cheapest option whose estimate reaches {goal} is {option(cheap)}, but its "
            f"interval does not clear {target:.0%}"
        )
        if not _same_option(cheap, possible):
            text += f"; the cheaper {option(possible)} cannot be told apart from the target either"
    else:
        text = (
            f"Labels per item: {option(possible)} cannot be told apart from {goal} (its interval includes "
            f"{target:.0%}) but does not clear it"
        )
    if confident is None:
        return text + f"; no vendor and k clears it with {confidence:.0%} confidence.{tail}"
    return text + f"; the cheapest that clears it with {confidence:.0%} confidence is {option(confident)}.{tail}"


def _same_option(a: pd.Series, b: pd.Series) -> bool:
    return str(a["vendor"]) == str(b["vendor"]) and int(a["k"]) == int(b["k"])
