"""One glossary of display names and units, read by the app, the CLI table and the documents.

Report frames keep their machine names (``cost_per_usable_label``), which the JSON and CSV exports use
verbatim; a person reads ``Cost per usable label``, formatted in the project's currency. A term knows
its unit, so :func:`display_frame` turns any Report frame into display strings, and ``—`` with the
reason wherever a figure is undefined (:func:`blank_reason`).

>>> column_name("cost_per_usable_label")
'Cost per usable label'
>>> metric_name("agreement_at_strength=clear")
'Agreement when the preference is clear'
>>> accuracy_name({"tolerance": 1.0})
'Accuracy on gold (within ±1)'
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from labeleval import fmt
from labeleval.options import Reason
from labeleval.tuning import MIN_AGREEMENT_ITEMS


@dataclass(frozen=True)
class Term:
    """A column or metric as a person reads it: its name, its unit (a :data:`labeleval.fmt.Kind` or
    ``text``/``flag``) and one line on what it means."""

    name: str
    unit: str = "number"
    help: str = ""


T = Term
#: Every column of a Report frame a person may see, by its machine name.
COLUMNS: dict[str, Term] = {
    "vendor": T("Vendor", "text"),
    "item_id": T("Item", "text", "the item's id in the vendor files"),
    "annotator_id": T("Annotator", "text"),
    "n_items": T("Items", "count", "distinct items the vendor labelled"),
    "n_judgments": T("Judgments", "count", "labels delivered and kept"),
    "n_annotators": T("Annotators", "count"),
    "labels_per_item": T("Labels per item", "number1", "mean judgments per item"),
    "alpha": T("Agreement (Krippendorff's alpha)", "number", "chance-corrected agreement among its annotators"),
    "percent_agreement": T("Percent agreement", "pct", "share of agreeing annotator pairs per item"),
    "gwet_ac1": T("Gwet's AC1", "number"),
    "gold_items": T("Gold items", "count", "items with an expert answer that the vendor labelled"),
    "accuracy": T("Accuracy on gold", "pct", "share of judgments on gold items that are right"),
    "consensus_accuracy": T("Consensus accuracy", "pct", "share of gold items whose consensus label is right"),
    "consensus_method": T("Consensus method", "text"),
    "consensus_accuracy_mv": T("Consensus accuracy (majority vote)", "pct"),
    "consensus_accuracy_ds": T("Consensus accuracy (Dawid-Skene)", "pct"),
    "consensus_unresolved": T("Unresolved ties", "count", "items whose majority vote is a tie left unresolved"),
    "total_cost": T("Total cost", "total", "labour and fees, for every row delivered"),
    "currency": T("Currency", "text"),
    "cost_per_label": T("Cost per label", "money"),
    "usable_rate": T("Usable rate", "pct", "share of judgments that pass the usability rule"),
    "cost_per_usable_label": T("Cost per usable label", "money", "total cost / usable labels"),
    "cost_per_correct_item": T("Cost per correct item", "money", "total cost / items whose consensus is right"),
    "pricing_model": T("Pricing", "text"),
    "rate": T("Rate", "money"),
    "billed_units": T("Billed units", "number1"),
    "unit": T("Unit", "text"),
    "rows_delivered": T("Rows delivered", "count"),
    "hours": T("Hours worked", "number1"),
    "labour_cost": T("Labour", "total"),
    "fees": T("Fees", "total"),
    "cost_per_item": T("Cost per item", "money"),
    "usable_labels": T("Usable labels", "count"),
    "usable_items": T(
        "Usable rate's items",
        "count",
        "the items the usable rate is measured on: gold items, or items with a confident consensus (usability rule)",
    ),
    "gold_judgments": T("Judgments on gold", "count"),
    "gold_correct": T("Right on gold", "count"),
    "gold_accuracy": T("Accuracy on gold", "pct"),
    "agreement_with_peers": T("Agreement with peers", "pct", "share agreeing with the other annotators' majority"),
    "ds_accuracy": T("Dawid-Skene accuracy", "pct", "estimated accuracy from the pooled evidence, gold or not"),
    "label_skew": T("Label skew", "pct", "distance of the annotator's label mix from the vendor's"),
    "median_seconds": T("Median time", "seconds", "median seconds per judgment"),
    "too_fast_share": T("Too fast", "pct", "share of judgments faster than the too-fast threshold"),
    "low_performer": T("Low performer", "flag"),
    "flag_reason": T("Why flagged", "text"),
    "leniency": T("Leniency", "signed", "mean offset from gold or consensus, in scale steps (+ = lenient)"),
    "tie_rate": T("Tie rate", "pct"),
    "chose_first_shown": T("Chose the first shown", "pct", "position bias: 50% means none"),
    "position_p_value": T("Position bias p", "p"),
    "k": T("Labels per item (k)", "count"),
    "items": T("Items", "count"),
    "draw_sd": T("Spread over draws", "pct", "standard deviation of the accuracy over the seeded draws"),
    "reaches_target": T("Reaches the target", "flag"),
    "label": T("Label", "text"),
    "gold_label": T("Gold", "text"),
    "support": T("Gold support", "count", "judgments on gold items whose gold is this label"),
    "predicted": T("Given", "count", "judgments on gold items giving this label"),
    "precision": T("Precision", "pct"),
    "recall": T("Recall", "pct"),
    "f1": T("F1", "pct"),
    "share_of_judgments": T("Share of judgments", "pct"),
    "class_alpha": T("Class alpha", "number", "alpha of this label against all others"),
    "count": T("Judgments", "count"),
    "metric": T("Metric", "text"),
    "level": T("Level", "text"),
    "value": T("Value", "number"),
    "n": T("n", "count"),
    "p_value": T("p", "p"),
    "note": T("Note", "text"),
    "vendor_a": T("Vendor A", "text"),
    "vendor_b": T("Vendor B", "text"),
    "estimate_a": T("A", "number"),
    "estimate_b": T("B", "number"),
    "difference": T("Difference (A − B)", "number"),
    "test": T("Test", "text"),
    "shared_items": T("Shared items", "count"),
    "shared_gold_items": T("Shared gold items", "count"),
    "compared_items": T("Compared on", "count", "the items the test is made on (see Items compared)"),
    "compared_on": T("Items compared", "text"),
    "p_adjusted": T("Adjusted p (max-T)", "p"),
    "significant": T("Beyond chance", "flag"),
    "consensus": T("Consensus", "text"),
    "confidence": T("Confidence", "pct", "share of the item's votes behind its consensus"),
    "consensus_correct": T("Consensus right", "pct"),
    "vendors_disagree": T("Vendors disagree", "flag"),
    "file": T("File", "text"),
    "rows_read": T("Rows read", "count"),
    "kept": T("Kept", "count"),
    "quarantined": T("Quarantined", "count"),
    "line": T("Line", "count"),
    "column": T("Column", "text"),
    "reason": T("Reason", "text"),
    "message": T("Message", "text"),
    "code": T("Code", "text"),
    # gold audit
    "rank": T("Rank", "count"),
    "suggested_label": T("Suggested label", "text", "the label the pooled evidence favours"),
    "posterior_suggested": T("Evidence for the suggestion", "pct", "pooled Dawid-Skene probability"),
    "posterior_gold": T("Evidence for gold", "pct", "pooled Dawid-Skene probability of the gold label"),
    "vote_share_suggested": T("Votes for the suggestion", "pct"),
    "vote_share_gold": T("Votes for gold", "pct"),
    "n_vendors": T("Vendors", "count"),
    "vendors_agreeing": T("Vendors agreeing", "count", "vendors whose majority gives the suggested label"),
    "p_adjusted_gold": T(
        "Adjusted p (across gold items)", "p", "Benjamini-Hochberg or Holm over every tested gold item"
    ),
    "suspect": T("Suspect", "flag"),
    "votes": T("Votes", "text"),
    # slices and drift
    "by": T("Sliced by", "text"),
    "slice": T("Slice", "text"),
    "status": T("Status", "text"),
    "family": T("Family", "text"),
    "uncertainty": T("Intervals over", "text"),
    "gold_items_a": T("Gold items A", "count"),
    "gold_items_b": T("Gold items B", "count"),
    "contrast": T("Contrast", "text"),
    "slices_compared": T("Slices compared", "count"),
    "a_ahead_in": T("A ahead in", "count"),
    "b_ahead_in": T("B ahead in", "count"),
    "a_ahead_beyond_chance_in": T("A ahead beyond chance in", "text"),
    "b_ahead_beyond_chance_in": T("B ahead beyond chance in", "text"),
    "ranking_differs": T("Ranking differs", "flag", "each vendor ahead beyond chance in some slice"),
    "differs_in": T("Differs in", "text", "slices whose difference departs from its mean over slices"),
    "difference_differs": T("Difference differs", "flag", "the difference is not the same in every slice"),
    "over": T("Windows", "text"),
    "window": T("Window", "text"),
    "window_start": T("Window start", "date"),
    "baseline": T("Baseline", "text"),
    "change": T("Change", "signed_pct"),
    "changed": T("Change point", "flag", "accuracy from this window on differs from before it beyond chance"),
    "accuracy_before": T("Accuracy before", "pct", "pooled over the windows before this one"),
    "accuracy_since": T("Accuracy since", "pct", "pooled over this window and the ones after it"),
    "change_ci_low": T("Change CI low", "signed_pct"),
    "change_ci_high": T("Change CI high", "signed_pct"),
    "accuracy_baseline": T("Baseline accuracy", "pct"),
    "p_accuracy": T("p (accuracy)", "p"),
    "p_accuracy_adjusted": T("Adjusted p (accuracy)", "p"),
    "median_seconds_baseline": T("Baseline median time", "seconds"),
    "p_speed": T("p (speed)", "p"),
    "p_speed_adjusted": T("Adjusted p (speed)", "p"),
    "drift": T("Drift", "text"),
    "consensus_ties": T("Tied items", "count", "gold items whose vote is tied (they share the credit)"),
    "clears_target": T("Interval clears the target", "flag"),
    "language": T("Language", "text"),
    "domain": T("Domain", "text"),
    "difficulty": T("Difficulty", "text"),
    # sample-size plans
    "consensus_accuracy_a": T("Consensus accuracy A", "pct"),
    "consensus_accuracy_b": T("Consensus accuracy B", "pct"),
    "accuracy_a": T("Accuracy A", "pct"),
    "accuracy_b": T("Accuracy B", "pct"),
    "only_a_right": T("Only A right", "count"),
    "only_b_right": T("Only B right", "count"),
    "discordance": T("Discordant items", "pct", "share of shared gold items where exactly one vendor is right"),
    "power_now": T("Power now", "pct", "chance the report's test separates the pair with the gold items there are"),
    "items_needed": T("Gold items needed", "count", "shared gold items for the chosen power at today's difference"),
    "more_items_needed": T("More gold items needed", "count"),
    "named_difference": T("Planned difference", "pct"),
    "items_needed_named": T("Gold items needed (planned difference)", "count"),
    "more_items_needed_named": T("More gold items needed (planned difference)", "count"),
    "power": T("Power", "pct"),
    "gold_items_consensus": T("Gold items (consensus)", "count"),
    "gold_items_judgment": T("Gold items (accuracy)", "count", "gold items for the accuracy comparison alone"),
    "power_consensus": T("Power (consensus)", "pct", "power of the consensus comparison at the plan's gold items"),
    "power_judgment": T("Power (accuracy)", "pct", "power of the accuracy comparison at the plan's gold items"),
    "pool_size": T("Annotators", "count"),
    "labels": T("Labels", "count"),
    "cost": T("Cost", "total"),
    "text": T("Item text", "text"),
    "url": T("Link", "text"),
}

#: Metric names in the long frames (agreement, accuracy, task_metrics, comparisons).
METRICS: dict[str, Term] = {
    "krippendorff_alpha": T("Krippendorff's alpha", "number"),
    "alpha": T("Krippendorff's alpha", "number"),
    "percent_agreement": T("Percent agreement", "pct"),
    "fleiss_kappa": T("Fleiss' kappa", "number"),
    "gwet_ac1": T("Gwet's AC1", "number"),
    "light_kappa": T("Light's kappa (mean pairwise Cohen)", "number"),
    "judgment_accuracy": T("Accuracy per judgment", "pct"),
    "accuracy": T("Accuracy on gold", "pct"),
    "consensus_accuracy": T("Consensus accuracy", "pct"),
    "usable_rate": T("Usable rate", "pct"),
    "macro_f1": T("Macro-F1", "pct"),
    "cost_per_usable_label": T("Cost per usable label", "money"),
    "cost_per_correct_item": T("Cost per correct item", "money"),
    "agreement_with_ties": T("Agreement, ties included", "pct"),
    "agreement_without_ties": T("Agreement, ties left out", "pct"),
    "tie_rate": T("Tie rate", "pct"),
    "accuracy_with_ties": T("Accuracy, ties included", "pct"),
    "accuracy_without_ties": T("Accuracy, ties left out", "pct"),
    "chose_first_shown": T("Chose the response shown first", "pct"),
    "alpha_interval": T("Alpha (interval)", "number"),
    "alpha_ratio": T("Alpha (ratio)", "number"),
    "alpha_ordinal": T("Alpha (ordinal)", "number"),
    "gwet_ac2_linear": T("Gwet's AC2 (linear weights)", "number"),
    "gwet_ac2_quadratic": T("Gwet's AC2 (quadratic weights)", "number"),
    "weighted_kappa_linear": T("Weighted kappa (linear)", "number"),
    "weighted_kappa_quadratic": T("Weighted kappa (quadratic)", "number"),
    "within_one_agreement": T("Agreement within one step", "pct"),
    "mae_vs_gold": T("Mean absolute error vs gold", "number"),
    "rmse_vs_gold": T("Root mean squared error vs gold", "number"),
    "masi_agreement": T("MASI agreement", "number"),
    "jaccard_agreement": T("Jaccard agreement", "number"),
    "alpha_masi": T("Alpha (MASI distance)", "number"),
    "macro_label_alpha": T("Mean per-label alpha", "number"),
    "example_f1": T("Example-based F1", "pct"),
}

#: Words for the settings a figure depends on.
USABILITY = {
    "gold": "equals gold (rate measured on gold items)",
    "consensus": "equals a confident cross-vendor consensus",
    "gold_or_consensus": "equals gold, else a confident consensus",
}
CONSENSUS_METHODS = {"majority_vote": "majority vote", "dawid_skene": "Dawid-Skene", "median": "median"}
TIES = {
    "abstain": "ties left unresolved",
    "lowest": "ties go to the first label",
    "random": "ties broken at random",
    "fractional": "ties share the credit",
}

#: Words for the coded values of some columns.
VALUE_WORDS: dict[str, dict[str, str]] = {
    "pricing_model": {
        "per_label": "per label",
        "per_item": "per item",
        "hourly": "hourly",
        "fixed": "fixed",
        "per_million_tokens": "per million tokens",
    },
    "consensus_method": CONSENSUS_METHODS,
    # a quarantined row's reason code in words (the CSV/JSON exports and `labeleval validate` keep the code)
    "reason": {code: code.lower().replace("_", " ") for code in Reason.values()},
}

#: A display cell that reads as a number (right-aligned, never wrapped): 1,234 · 77.8% [75.2, 80.3] · $0.085 · —
NUMERIC_CELL = r"(—|< 0\.001|[-+]?[$€£¥₹]?-?[\d,.]+( %|%)?( [A-Z]{3}| s| min| h| points)?( \[[^\]]*\])?)"

#: Why a figure can be blank, by metric (or column), when the Report row carries no note of its own.
BLANK_REASONS: dict[str, str] = {
    "light_kappa": "no two of the vendor's annotators share 10 or more items",
    "weighted_kappa_linear": "no two of the vendor's annotators share 10 or more items",
    "weighted_kappa_quadratic": "no two of the vendor's annotators share 10 or more items",
    "gold_label": "no gold answer for this item",
    "gold_accuracy": "no judgments on gold items",
    "accuracy": "no gold items labelled by this vendor",
    "consensus_accuracy": "no gold items labelled by this vendor",
    "consensus": "a tie left unresolved",
    "consensus_correct": "no gold answer for this item, or a tie left unresolved",
    "median_seconds": "the vendor file gives no durations",
    "too_fast_share": "the vendor file gives no durations",
    "ds_accuracy": "too few judgments for Dawid-Skene",
    "agreement_with_peers": "no other annotator labelled the same items",
    "alpha": f"fewer than {MIN_AGREEMENT_ITEMS} items with two or more judgments",
    "cost_per_usable_label": "no usable labels",
    "cost_per_correct_item": "no correct consensus items",
    "change": "the first window has no window before it to compare with",
    "items_needed": "not compared on shared gold items",
    "more_items_needed": "not compared on shared gold items",
    "items_needed_named": "the planned difference is not above zero",
    "more_items_needed_named": "the planned difference is not above zero",
    "p_adjusted": "nothing to compare: the baseline window, or too few gold items",
    "p_value": "nothing to compare: the baseline window, or too few gold items",
}
CI_BLANK = "no interval for this figure (not bootstrapped, or 0 resamples)"


def column_term(column: str) -> Term:
    """The term of a column; an unknown ``votes_<label>``/``*_ci_low`` column gets a derived one."""
    if column in COLUMNS:
        return COLUMNS[column]
    if column.startswith("votes_"):
        return Term(f"Votes: {column.removeprefix('votes_')}", "count")
    for end, word in (("_ci_low", "low"), ("_ci_high", "high")):
        if column.endswith(end):
            base = column_term(column.removesuffix(end))
            return Term(f"{base.name}: {word}", base.unit)
    if column == "ci_low":
        return Term("Interval low", "number")
    if column == "ci_high":
        return Term("Interval high", "number")
    return Term(column.replace("_", " ").capitalize(), "text")


def column_name(column: str) -> str:
    return column_term(column).name


def metric_term(metric: str) -> Term:
    """The term of a metric; parametrised names (``agreement_at_strength=clear``, ``ICC2k``) are spelled out."""
    if metric in METRICS:
        return METRICS[metric]
    strength = re.fullmatch(r"agreement_at_strength=(.+)", metric)
    if strength:
        level = strength.group(1)
        words = {"none": "no stated preference", "slight": "slight", "clear": "clear"}
        return Term(
            f"Agreement when the preference is {words.get(level, level)}"
            if level != "none"
            else "Agreement with no stated strength",
            "pct",
        )
    consensus = re.fullmatch(r"consensus_(\w+)_vs_gold \((\w+)\)", metric)
    if consensus:
        return Term(f"{metric_term(consensus.group(1) + '_vs_gold').name} ({consensus.group(2)} consensus)", "number")
    if re.fullmatch(r"ICC[123]k?", metric):
        return Term(f"Intraclass correlation {metric}", "number")
    label = re.fullmatch(r"(precision|recall|alpha)\[(.+)\]", metric)
    if label:
        return Term(
            f"{label.group(1).capitalize()}: {label.group(2)}", "pct" if label.group(1) != "alpha" else "number"
        )
    return Term(metric.replace("_", " ").capitalize(), "number")


def metric_name(metric: str) -> str:
    return metric_term(metric).name


def tolerance_suffix(settings: Mapping[str, Any]) -> str:
    """`` (within ±1)`` when near misses count as right, else ``""``."""
    tolerance = float(settings.get("tolerance", 0.0) or 0.0)
    return f" (within ±{tolerance:g})" if tolerance > 0 else ""


def accuracy_name(settings: Mapping[str, Any]) -> str:
    """The vendor accuracy as the settings define it: ``Accuracy on gold (within ±1)``."""
    return "Accuracy on gold" + tolerance_suffix(settings)


def annotator_accuracy_name(settings: Mapping[str, Any]) -> str:
    """The annotators' accuracy: on the same rule as the vendor's (a rating within the tolerance counts as
    right, ``engine/people.py``), so its name is the vendor accuracy's (``Accuracy on gold (within ±1)``)."""
    return accuracy_name(settings)


def annotator_terms(settings: Mapping[str, Any]) -> dict[str, Term]:
    """Report-card columns whose name depends on the settings: gold accuracy says its rule (within ±1)."""
    name = annotator_accuracy_name(settings)
    return {
        "gold_accuracy": Term(name, "pct", COLUMNS["gold_accuracy"].help),
        "gold_correct": Term("Right on gold" + tolerance_suffix(settings), "count", COLUMNS["gold_correct"].help),
    }


def consensus_name(settings: Mapping[str, Any]) -> str:
    """The consensus actually used: ``Dawid-Skene``, or the kind's own vote (``majority vote``, ``median`` for a
    rating scale, ``mean`` for numbers, ``per-label majority vote`` for label sets)."""
    method = str(settings.get("consensus_method", "majority_vote"))
    if method == "majority_vote":
        kind = str(settings.get("kind", "nominal"))
        return KIND_VOTES.get(kind, "per-label majority vote" if kind == "multilabel" else "majority vote")
    return CONSENSUS_METHODS.get(method, method.replace("_", " "))


#: The consensus each task kind takes without a model (what the redundancy analysis uses).
KIND_VOTES = {"ordinal": "median", "interval": "mean", "ratio": "mean"}


def vote_name(settings: Mapping[str, Any]) -> str:
    """``majority-vote`` (``median``, ``mean``): the plain consensus of the kind, whatever the chosen method."""
    return KIND_VOTES.get(str(settings.get("kind", "nominal")), "majority-vote")


def consensus_description(settings: Mapping[str, Any]) -> str:
    """``majority vote, ties left unresolved`` (ties only matter to a vote) or ``Dawid-Skene``."""
    method = str(settings.get("consensus_method", "majority_vote"))
    name = consensus_name(settings)
    if method == "majority_vote" and name.endswith("majority vote"):
        tie = str(settings.get("tie", "abstain"))
        return f"{name}, {TIES.get(tie, 'ties: ' + tie)}"
    return name


def usability_words(settings: Mapping[str, Any]) -> str:
    """What a usable label means under the settings: ``within ±1 of gold (rate measured on gold items)``."""
    rule = str(settings.get("usability", "gold"))
    text = USABILITY.get(rule, rule)
    tolerance = float(settings.get("tolerance", 0.0) or 0.0)
    if tolerance > 0:
        text = text.replace("equals", f"within ±{tolerance:g} of", 1)
    return text


#: what the items a usable rate rests on are called, by usability rule
REFERENCE_ITEMS = {"gold": "gold items", "consensus": "confident items", "gold_or_consensus": "gold or confident items"}


def usable_basis(frame: pd.DataFrame, settings: Mapping[str, Any]) -> str:
    """How many items each vendor's usable rate rests on, when the usability rule is not gold alone (under gold
    the rate is the accuracy on gold, whose items the leaderboard shows): ``''`` else.

    >>> frame = pd.DataFrame({"vendor": ["A", "B"], "usable_items": [14, 120]})
    >>> usable_basis(frame, {"usability": "consensus"}).split(": ")[1]
    'A 14 confident items, B 120.'
    """
    rule = str(settings.get("usability", "gold"))
    if rule == "gold" or "usable_items" not in frame.columns or frame.empty:
        return ""
    what = REFERENCE_ITEMS.get(rule, "items")
    counts = [(str(v), fmt.count(n)) for v, n in zip(frame["vendor"], frame["usable_items"], strict=True)]
    listed = ", ".join(f"{v} {n}" + (f" {what}" if k == 0 else "") for k, (v, n) in enumerate(counts))
    source = "a confident cross-vendor consensus" if rule == "consensus" else "gold or a confident consensus"
    return f"Usable rates rest on the items with {source} each vendor labelled: {listed}."


def absent_reason(metric: str) -> str:
    """Why a vendor has no row for ``metric`` in a long metrics frame (another vendor has one)."""
    if re.fullmatch(r"ICC[23]k?", metric):
        return "the two-way forms need a crossed design (every annotator rated every item), which these ratings are not"
    return BLANK_REASONS.get(metric, "not computed for this vendor's data")


def blank_reason(column: str, metric: str | None = None, note: object = None) -> str:
    """Why a figure is blank: the Report row's own note if it has one, else the glossary's reason."""
    if isinstance(note, str) and note.strip():
        return note.strip()
    for key in (metric, column):
        if key and key in BLANK_REASONS:
            return BLANK_REASONS[key]
    if column.endswith(("_ci_low", "_ci_high")) or column in ("ci_low", "ci_high"):
        return CI_BLANK
    return "not defined for this data"


def blank_notes(frame: pd.DataFrame, label_column: str = "vendor", metric_column: str = "metric") -> list[str]:
    """One line per blank figure in ``frame`` (grouped by reason): ``— Light's kappa for Scale: no two ...``.

    Interval columns are summarised: a figure without an interval gets one line per metric, not one per cell.
    """
    groups: dict[tuple[str, str], list[str]] = {}
    has_metric = metric_column in frame.columns
    notes = frame["note"] if "note" in frame.columns else None
    for column in frame.columns:
        if column in (label_column, metric_column, "note") or str(column).endswith(("ci_low", "ci_high")):
            continue
        blank = frame[column].isna()
        if not blank.any() or column_term(str(column)).unit in ("text", "flag"):
            continue
        for position in blank.to_numpy().nonzero()[0]:
            row = frame.iloc[position]
            metric = str(row[metric_column]) if has_metric else None
            what = metric_name(metric) if metric else column_name(str(column))
            note = notes.iloc[position] if notes is not None else None
            label = str(row[label_column]) if label_column in frame.columns else ""
            groups.setdefault((what, blank_reason(str(column), metric, note)), []).append(label)
    lines = []
    for (what, reason), labels in groups.items():
        names = list(dict.fromkeys(w for w in labels if w))
        listed = ", ".join(names[:6]) + (f" and {len(names) - 6} more" if len(names) > 6 else "")
        lines.append(f"{fmt.BLANK} {what}{' for ' + listed if listed else ''}: {reason}")
    return lines


def format_cell(value: Any, unit: str, currency: str | None = None) -> str:
    """One cell in its unit (``—`` when blank)."""
    if unit == "text":
        return fmt.BLANK if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
    if unit == "flag":
        return fmt.BLANK if value is None or pd.isna(value) else ("yes" if bool(value) else "no")
    if unit == "p":
        return fmt.p_value(value) if not isinstance(value, str) else value
    if unit == "number1":
        return fmt.number(value, 1)
    if unit == "signed":
        return fmt.BLANK if fmt.is_blank(value) else f"{float(value):+.2f}"
    if unit == "date":
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            return fmt.BLANK
        return pd.Timestamp(value).strftime("%Y-%m-%d") if not isinstance(value, str) else value
    if unit == "signed_pct":
        return fmt.BLANK if fmt.is_blank(value) else f"{100 * float(value):+.1f} points"
    try:
        return fmt.value(value, unit, currency)  # type: ignore[arg-type]
    except (TypeError, ValueError):  # a column whose values are text here (the quarantine's value as read)
        return str(value)


def _interval_columns(frame: pd.DataFrame) -> dict[str, tuple[str, str]]:
    """Columns that have both interval ends beside them: ``{"accuracy": ("accuracy_ci_low", ...)}``."""
    out = {}
    for column in frame.columns:
        name = str(column)
        low, high = (f"{name}_ci_low", f"{name}_ci_high") if name != "value" else ("ci_low", "ci_high")
        if low in frame.columns and high in frame.columns:
            out[name] = (low, high)
    return out


def display_frame(
    frame: pd.DataFrame,
    *,
    currency: str | None = None,
    metric_column: str = "metric",
    drop: tuple[str, ...] = (),
    merge_intervals: bool = True,
    terms: Mapping[str, Term] | None = None,
) -> pd.DataFrame:
    """A Report frame as display strings with human column names; blanks are ``—``.

    In long frames (a ``metric`` column) the unit of ``value``, ``ci_low``, ``ci_high``, ``estimate_*``
    and ``difference`` follows each row's metric, and the metric is spelled out. With ``merge_intervals``
    a figure and its ``*_ci_low``/``*_ci_high`` columns become one column, ``77.8% [75.2, 80.3]``.
    ``terms`` names columns whose meaning differs in this frame (a plan's ``alpha`` is a test level).
    """
    own = dict(terms or {})
    currencies = frame["currency"].astype(str) if "currency" in frame.columns else None
    rows = frame.drop(columns=[c for c in drop if c in frame.columns])
    out = pd.DataFrame(index=rows.index)
    intervals = _interval_columns(rows) if merge_intervals else {}
    merged = {end for pair in intervals.values() for end in pair}
    metric_units = (
        rows[metric_column].astype(str).map(lambda m: metric_term(m).unit) if metric_column in rows.columns else None
    )
    per_row = {"value", "ci_low", "ci_high", "estimate_a", "estimate_b", "difference"}
    for column in rows.columns:
        if column in merged:
            continue
        term = own.get(str(column)) or column_term(str(column))
        if column in intervals:
            low, high = intervals[column]
            cells = []
            for i, (v, lo, hi) in enumerate(zip(rows[column], rows[low], rows[high], strict=True)):
                unit = metric_units.iloc[i] if metric_units is not None and column in per_row else term.unit
                kind = unit if unit in ("pct", "money", "number") else "number"
                row_currency = currencies.iloc[i] if currencies is not None else currency
                cells.append(fmt.ci(v, lo, hi, kind, row_currency))  # type: ignore[arg-type]
            out[term.name] = cells
            continue
        if column == metric_column and metric_units is not None:
            out[term.name] = rows[column].astype(str).map(metric_name)
            continue
        if column in VALUE_WORDS:
            words = VALUE_WORDS[column]
            out[term.name] = rows[column].map(lambda v, w=words: w.get(str(v), str(v)) if not pd.isna(v) else fmt.BLANK)
            continue
        cells = []
        for i, v in enumerate(rows[column].tolist()):
            unit = term.unit
            if metric_units is not None and column in per_row:
                unit = metric_units.iloc[i]
            row_currency = currencies.iloc[i] if currencies is not None else currency
            if column == "difference" and unit == "pct" and not fmt.is_blank(v):
                cells.append(f"{100 * float(v):+.1f} points")
            else:
                cells.append(format_cell(v, unit, row_currency))
        out[term.name] = cells
    return out.reset_index(drop=True)
