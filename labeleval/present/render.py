"""Documents made from a Report: the Markdown and HTML reports a data lead reads and forwards.

The Report holds numbers; this module writes them for people (``Report.to_markdown()`` and
``Report.to_html()`` call it). It reads the Report and the verdict; the Report imports neither, so the
verdict can read a Report without an import cycle.

The HTML report is one self-contained file: the verdict, the tables, and the app's own charts drawn from its
chart specifications as inline SVG (cost against quality, the comparisons' forest plot, every vendor's confusion
matrix, the labels-per-item curve, the consensus's calibration, and the slice and drift views when the Report has
them), the method notes, and human column names. It runs no script and loads nothing, so
it opens offline and in a mail client's preview.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from labeleval import fmt
from labeleval.analyses.calibration import CALIBRATION_BINS, calibration, calibration_summary, confidence_source
from labeleval.analyses.questions import audit_error_sentence
from labeleval.present import agreement_parts, charts, glossary, question_charts
from labeleval.present.consolidated import BLANK_COLUMNS, consolidated_vendors
from labeleval.present.consolidated import REASON as CONSOLIDATED_REASON
from labeleval.present.cost_chart import cost_quality
from labeleval.present.question_text import drift_sentences, slice_sentences
from labeleval.present.verdict import redundancy_line, verdict
from labeleval.safety import markdown_text, terminal_text, without_controls
from labeleval.tuning import CLASS_INTERVALS_MAX

if TYPE_CHECKING:
    import altair as alt

    from labeleval.scoring.report_data import ReportData


# ------------------------------------------------------------------------------------------ tables
def leaderboard(report: ReportData) -> pd.DataFrame:
    """One row per vendor, each headline figure with its interval, as display strings (app, documents)."""
    settings = report.settings
    rows = []
    for r in report.summary.itertuples(index=False):
        currency = str(r.currency)
        rows.append(
            {
                "Vendor": str(r.vendor),
                "Agreement (alpha)": fmt.ci(r.alpha, r.alpha_ci_low, r.alpha_ci_high),
                glossary.accuracy_name(settings): fmt.ci(r.accuracy, r.accuracy_ci_low, r.accuracy_ci_high, "pct"),
                f"Consensus accuracy ({glossary.consensus_name(settings)})": fmt.ci(
                    r.consensus_accuracy, r.consensus_accuracy_ci_low, r.consensus_accuracy_ci_high, "pct"
                ),
                "Cost per usable label": fmt.ci(
                    r.cost_per_usable_label,
                    r.cost_per_usable_label_ci_low,
                    r.cost_per_usable_label_ci_high,
                    "money",
                    currency,
                ),
                "Total cost": fmt.money(r.total_cost, currency, total=True),
                "Judgments": fmt.count(r.n_judgments),
                "Labels per item": fmt.number(r.labels_per_item, 1),
            }
        )
    return pd.DataFrame(rows)


def leaderboard_footnotes(report: ReportData) -> list[str]:
    """Why a leaderboard cell is blank (``—``), one line per reason, and what the brackets are."""
    settings = report.settings
    level = fmt.confidence_level(float(settings.get("confidence", 0.95)))
    notes = [
        f"Brackets: {level} intervals ({settings.get('ci_method', 'bootstrap')}, "
        f"{fmt.count(settings.get('n_boot', 0))} resamples). A usable label {glossary.usability_words(settings)}."
    ]
    basis = glossary.usable_basis(report.summary, settings)
    return notes + ([basis] if basis else []) + blank_notes(report)


def blank_notes(report: ReportData) -> list[str]:
    """One line per headline figure left blank (``—``), with the vendors and the reason."""
    s = report.summary
    notes = []
    consolidated = set(consolidated_vendors(report))
    for column in ("alpha", "accuracy", "consensus_accuracy", "cost_per_usable_label"):
        blank = s.loc[s[column].isna(), "vendor"].astype(str).tolist()
        name = glossary.column_name(column)
        ours = [v for v in blank if v in consolidated and column in BLANK_COLUMNS]
        rest = [v for v in blank if v not in ours]
        if rest:
            notes.append(f"{fmt.BLANK} in {name} for {', '.join(rest)}: {glossary.blank_reason(column)}.")
        if ours:
            notes.append(f"{fmt.BLANK} in {name} for {', '.join(ours)}: {CONSOLIDATED_REASON}.")
    return notes


#: per-class comparisons up to which the documents list every test (above, those beyond chance)
CLASS_ROWS_SHOWN = 12


def comparisons_table(report: ReportData) -> pd.DataFrame:
    """Every vendor pair on each headline metric, in words: difference, interval, adjusted p, verdict."""
    return _comparison_rows(report.comparisons, str(report.settings.get("currency", "")))


def class_comparisons_table(report: ReportData, *, found_only: bool = False) -> pd.DataFrame:
    """Every vendor pair on each class's recall and precision, in words (empty without classes); with
    ``found_only``, the differences beyond chance alone."""
    frame = _optional_frame(report, "class_comparisons")
    if frame is None:
        return pd.DataFrame()
    if found_only:
        frame = frame[frame["significant"].astype(bool)]
    named = frame.assign(
        metric=[f"{m}[{label}]" for m, label in zip(frame["metric"], frame["label"], strict=True)],
    )
    shown = _comparison_rows(named, str(report.settings.get("currency", "")))
    return shown.drop(columns=["Test"]) if len(shown) else shown


def class_comparison_notes(report: ReportData) -> list[str]:
    """What the per-class table's family controls, and how many of its tests found a difference."""
    frame = _optional_frame(report, "class_comparisons")
    if frame is None:
        return []
    tested = frame[frame["p_adjusted"].notna()]
    found = int(tested["significant"].astype(bool).sum())
    test = str(tested["test"].iloc[0]) if len(tested) else "not tested"
    return [
        f"{len(tested)} tests in one family of their own ({test}): the chance of any false "
        f'"yes" in this table is at most {fmt.pct(1 - float(report.settings.get("confidence", 0.95)))}, and the '
        f"headline comparisons keep their own. {found} beyond chance.",
        *[f"{r.vendor_a} − {r.vendor_b}, {r.metric} of {r.label}: {r.note}" for r in frame.itertuples() if r.note][:10],
    ]


def class_summary_line(report: ReportData, shown: int = 3) -> str | None:
    """One sentence on the per-class family: how many differences are beyond chance, the largest few in words."""
    frame = _optional_frame(report, "class_comparisons")
    if frame is None or frame["p_adjusted"].isna().all():
        return None
    tested = int(frame["p_adjusted"].notna().sum())
    found = frame[frame["significant"].astype(bool)]
    if found.empty:
        return f"Per class: no difference in recall or precision beyond chance ({tested} tests, a family of their own)."
    found = found.reindex(found["difference"].abs().sort_values(ascending=False).index)
    parts = []
    for r in found.head(shown).itertuples(index=False):
        better, worse = (r.vendor_a, r.vendor_b) if r.difference > 0 else (r.vendor_b, r.vendor_a)
        parts.append(f"{better} over {worse} on {r.metric} of {r.label} ({100 * abs(r.difference):.1f} points)")
    more = f" and {len(found) - shown} more" if len(found) > shown else ""
    return (
        f"Per class, beyond chance ({len(found)} of {tested} tests, a family of their own): {'; '.join(parts)}{more}."
    )


def per_class_table(report: ReportData) -> pd.DataFrame:
    """vendor x label: support, precision, recall and F1 with their intervals (empty without classes)."""
    frame = report.per_class
    if frame.empty:
        return pd.DataFrame()
    keep = [c for c in frame.columns if c not in ("class_alpha", "share_of_judgments")]
    return glossary.display_frame(frame[keep])


def _compared_cell(r: Any) -> str:
    """The items a comparison was made on, as its sentence says them: ``300 gold items``, ``1,650 confident
    items``; a frame without the column (an older Report) falls back to the shared items."""
    n, on = getattr(r, "compared_items", r.shared_items), str(getattr(r, "compared_on", "items"))
    return on if fmt.is_blank(n) or pd.isna(n) else f"{fmt.count(n)} {on}"


def _difference_cells(r: Any, unit: str, currency: str) -> tuple[str, str, str]:
    """The difference, its interval, and both vendors' figures on the compared items."""
    if unit == "pct":
        diff = fmt.BLANK if fmt.is_blank(r.difference) else f"{100 * r.difference:+.1f} points"
        bounds = (
            f"[{100 * r.ci_low:+.1f}, {100 * r.ci_high:+.1f}]"
            if not (fmt.is_blank(r.ci_low) or fmt.is_blank(r.ci_high))
            else ""
        )
        return diff, bounds, f"{fmt.pct(r.estimate_a)} vs {fmt.pct(r.estimate_b)}"
    kind: fmt.Kind = "money" if unit == "money" else "number"
    diff = fmt.value(r.difference, kind, currency)
    if diff != fmt.BLANK and r.difference > 0:
        diff = "+" + diff
    bounds = (
        f"[{fmt.value(r.ci_low, kind, currency)}, {fmt.value(r.ci_high, kind, currency)}]"
        if not (fmt.is_blank(r.ci_low) or fmt.is_blank(r.ci_high))
        else ""
    )
    return diff, bounds, f"{fmt.value(r.estimate_a, kind, currency)} vs {fmt.value(r.estimate_b, kind, currency)}"


def _comparison_rows(comparisons: pd.DataFrame, currency: str) -> pd.DataFrame:
    rows = []
    adjusted = "p_adjusted" if "p_adjusted" in comparisons.columns else "p_holm"
    adjusted_name = glossary.column_name(adjusted)
    for r in comparisons.itertuples(index=False):
        diff, bounds, figures = _difference_cells(r, glossary.metric_term(str(r.metric)).unit, currency)
        rows.append(
            {
                "Metric": glossary.metric_name(str(r.metric)),
                "Pair": f"{r.vendor_a} − {r.vendor_b}",
                "Difference": f"{diff} {bounds}".strip(),
                "A vs B on these items": figures,
                adjusted_name: fmt.p_value(getattr(r, adjusted)),
                "Beyond chance": "yes" if bool(r.significant) else "no",
                "Test": str(r.test),
                "Compared on": _compared_cell(r),
            }
        )
    return pd.DataFrame(rows)


def comparison_notes(report: ReportData) -> list[str]:
    """Why a difference can differ from the gap between the leaderboard's figures: it is measured on the items in
    'Compared on' only (the line is given only when some difference does differ from that gap)."""
    c, s = decision_comparisons(report.comparisons), report.summary.set_index(report.summary["vendor"].astype(str))
    apart = []
    for r in c.itertuples(index=False):
        known = str(r.vendor_a) in s.index and str(r.vendor_b) in s.index
        if r.metric not in s.columns or fmt.is_blank(r.difference) or not known:
            continue
        gap = float(s.loc[str(r.vendor_a), r.metric]) - float(s.loc[str(r.vendor_b), r.metric])
        if np.isfinite(gap) and not np.isclose(gap, float(r.difference), rtol=1e-3, atol=5e-4):
            apart.append(r)
    if not apart:
        return []
    first = apart[0]
    unit = glossary.metric_term(str(first.metric)).unit
    currency = str(report.settings.get("currency", ""))
    leader_a, leader_b = (s.loc[str(v), first.metric] for v in (first.vendor_a, first.vendor_b))
    show = (lambda x: fmt.pct(x)) if unit == "pct" else (lambda x: fmt.money(x, currency))
    return [
        "Each difference is measured on the items in 'Compared on' only (the items both vendors labelled), so it "
        "can differ from the gap between the vendors' own figures (leaderboard, cost table), which use all of each "
        f"vendor's items: e.g. {glossary.metric_name(str(first.metric)).lower()}, {first.vendor_a} − "
        f"{first.vendor_b}: {show(first.estimate_a)} vs {show(first.estimate_b)} on {_compared_cell(first)}, "
        f"{show(leader_a)} vs {show(leader_b)} as their own figures"
        + (f" ({len(apart) - 1} more such rows)." if len(apart) > 1 else ".")
    ]


def agreement_table(report: ReportData) -> pd.DataFrame:
    """Metric x vendor, each cell the estimate and its interval (``—`` when undefined or built on too little),
    then the evidence behind them: items with two or more judgments, annotators, and the annotator pairs behind
    Light's kappa."""
    vendors = report.summary["vendor"].astype(str).tolist()
    table = metric_table(report.agreement, vendors)
    a = report.agreement
    if a.empty or "raters" not in a.columns:
        return table
    first = a.drop_duplicates("vendor").set_index(a.drop_duplicates("vendor")["vendor"].astype(str))
    light = a[a["metric"] == "light_kappa"].set_index(a.loc[a["metric"] == "light_kappa", "vendor"].astype(str))
    evidence = [
        ("Items with two or more judgments", first["items"]),
        ("Annotators", first["raters"]),
        ("Annotator pairs behind Light's kappa (sharing 10+ items)", light["pairs"]),
    ]
    rows = [{"Metric": name, **{v: fmt.count(values.get(v)) for v in vendors}} for name, values in evidence]
    return pd.concat([table, pd.DataFrame(rows)], ignore_index=True)


def metric_table(long: pd.DataFrame, vendors: list[str]) -> pd.DataFrame:
    """A long (vendor, metric, value, ci_low, ci_high) frame as metric x vendor display strings."""
    a = long
    rows = []
    for metric, group in a.groupby("metric", sort=False):
        unit = glossary.metric_term(str(metric)).unit
        row: dict[str, str] = {"Metric": glossary.metric_name(str(metric))}
        by_vendor = group.set_index(group["vendor"].astype(str))
        for vendor in vendors:
            if vendor not in by_vendor.index:
                row[vendor] = fmt.BLANK
                continue
            r = by_vendor.loc[vendor]
            row[vendor] = fmt.ci(r["value"], r["ci_low"], r["ci_high"], "pct" if unit == "pct" else "number")
        rows.append(row)
    return pd.DataFrame(rows)


def metric_table_notes(long: pd.DataFrame, vendors: list[str]) -> list[str]:
    """The footnotes of :func:`metric_table`: why each ``—`` is blank (a figure left undefined, or a metric
    this vendor's design does not give), then what each figure is (the rows' notes, said once for the metrics
    that share one)."""
    blank: dict[str, dict[str, list[str]]] = {}  # metric name -> reason -> vendors
    about: dict[str, dict[str, list[str]]] = {}  # metric name -> note -> vendors
    for metric, group in long.groupby("metric", sort=False):
        name = glossary.metric_name(str(metric))
        by_vendor = group.set_index(group["vendor"].astype(str))
        notes = by_vendor["note"] if "note" in by_vendor.columns else pd.Series(dtype=object)
        for vendor in vendors:
            note = notes.get(vendor) if vendor in by_vendor.index else None
            if vendor not in by_vendor.index:
                reason = glossary.absent_reason(str(metric))
            elif fmt.is_blank(by_vendor.loc[vendor, "value"]):
                reason = glossary.BLANK_REASONS.get(str(metric)) or glossary.blank_reason("value", None, note)
            else:
                if isinstance(note, str) and note.strip():
                    about.setdefault(name, {}).setdefault(note.strip(), []).append(vendor)
                continue
            blank.setdefault(name, {}).setdefault(reason, []).append(vendor)

    def grouped(table: dict[str, dict[str, list[str]]], *, always_vendors: bool) -> dict[str, list[str]]:
        """Sentences keyed by their text, each with the metric names it applies to."""
        out: dict[str, list[str]] = {}
        for name, by_text in table.items():
            shared = len(by_text) == 1 and not always_vendors
            text = "; ".join(t if shared else f"{t} ({', '.join(v)})" for t, v in by_text.items())
            out.setdefault(text, []).append(name)
        return out

    lines = [f"{fmt.BLANK} {', '.join(names)}: {text}." for text, names in grouped(blank, always_vendors=True).items()]
    described = [f"{', '.join(names)}: {text}" for text, names in grouped(about, always_vendors=False).items()]
    if described:
        lines.append("About the figures. " + ". ".join(described) + ".")
    return lines


def agreement_footnotes(report: ReportData) -> list[str]:
    """Why an agreement cell is blank or has no interval."""
    a = report.agreement
    notes = []
    for metric, group in a.groupby("metric", sort=False):
        blank = group[group["value"].isna()]
        reasons: dict[str, list[str]] = {}
        for _, row in blank.iterrows():
            note = row.get("note")
            reason = note if isinstance(note, str) and note else glossary.blank_reason("value", str(metric))
            reasons.setdefault(reason, []).append(str(row["vendor"]))
        for reason, vendors in reasons.items():
            notes.append(f"{fmt.BLANK} {glossary.metric_name(str(metric))} for {', '.join(vendors)}: {reason}.")
        shown = group["value"].notna()
        no_ci = group.loc[shown & group["ci_low"].isna(), "vendor"].astype(str).tolist()
        if no_ci and len(no_ci) == int(shown.sum()):
            notes.append(f"{glossary.metric_name(str(metric))} has no interval: it is not bootstrapped.")
    return notes


def redundancy(report: ReportData) -> str:
    """The verdict's labels-per-item line, pointing to the document's own section (the app's is on its Cost
    page)."""
    return redundancy_line(report).replace("'What redundancy buys' on the Cost page", "'What redundancy buys' below")


def redundancy_table(report: ReportData) -> pd.DataFrame:
    """Per vendor and k labels per item: the plain vote's accuracy on gold, what an item and a correct item cost."""
    s = report.settings
    vote = glossary.vote_name(s)
    accuracy = glossary.Term(f"{vote.capitalize()} accuracy on gold{glossary.tolerance_suffix(s)}", "pct")
    return glossary.display_frame(
        report.redundancy, currency=str(s.get("currency", "")) or None, terms={"accuracy": accuracy}
    )


def settings_line(settings: Mapping[str, Any]) -> str:
    """The settings behind every figure, in one sentence."""
    level = fmt.confidence_level(float(settings.get("confidence", 0.95)))
    return (
        f"{level} intervals: {settings.get('ci_method', 'bootstrap')}, {fmt.count(settings.get('n_boot', 0))} "
        f"resamples, seed {settings.get('seed')}. A usable label {glossary.usability_words(settings)}. "
        f"Consensus: {glossary.consensus_description(settings)}. labeleval {settings.get('version')}."
    )


def method_notes(report: ReportData) -> list[str]:
    """How the figures were made, for a reader who was not in the room."""
    s = report.settings
    level = fmt.confidence_level(float(s.get("confidence", 0.95)))
    within = glossary.tolerance_suffix(s)
    return [
        f"Accuracy on gold{within}: the share of a vendor's judgments on gold items that "
        f"{'fall within ±' + format(float(s.get('tolerance', 0)), 'g') + ' of' if within else 'equal'} the expert "
        "answer. Consensus accuracy: the share of gold items whose consensus label "
        f"({glossary.consensus_description(s)}) is right.",
        "Agreement: Krippendorff's alpha among each vendor's annotators on the same items, read on the "
        "Landis-Koch bands as the highest band it reaches with probability 0.95 or more (Gwet's benchmarking). "
        "Agreement is consistency, not correctness.",
        f"Cost per usable label: the vendor's total bill (every row delivered, usable or not, with fees) divided "
        f"by its usable labels; a usable label {glossary.usability_words(s)}.",
        f"Intervals: {level}, {s.get('ci_method', 'bootstrap')}, {fmt.count(s.get('n_boot', 0))} resamples, "
        f"seed {s.get('seed')}; items are resampled, so the judgments on one item move together"
        + (
            ", and so are each vendor's annotators: the intervals say what hiring the vendor would give, not only "
            "what these annotators did (alpha's too; the other agreement intervals cover items only)."
            if str(s.get("uncertainty", "items")) == "items_and_annotators"
            else " (these annotators only)."
        ),
        "Comparisons between vendors are paired on the items both labelled (a pair sharing fewer than "
        f"{s.get('min_shared_gold', 20)} gold items is not compared); one bootstrap max-T over every pair and "
        "decision metric gives adjusted p-values and simultaneous intervals that agree, and the verdict only "
        "calls a difference real when that test does.",
        "Every input row is kept or quarantined with a reason, file and line (the ledger above).",
    ]


CALIBRATION_TITLE = "Is the consensus's confidence honest?"


def calibration_terms(source: str) -> dict[str, glossary.Term]:
    """The calibration summary's columns as a person reads them (``source``: what the confidence is)."""
    what = "Dawid-Skene posterior" if source == "posterior" else "vote share"
    return {
        "items": glossary.Term("Gold items", "count", "gold items with a consensus"),
        "mean_confidence": glossary.Term(f"Mean {what}", "pct", f"the consensus label's {what}, averaged"),
        "accuracy": glossary.Term("Consensus right", "pct", "share of these gold items whose consensus is right"),
        "gap": glossary.Term("Gap", "pct", f"mean {what} minus the share right: above 0, overconfident"),
        "calibration_error": glossary.Term(
            "Calibration error", "pct", "gold items' mean distance between a bin's confidence and its share right"
        ),
    }


def calibration_notes(source: str, settings: Mapping[str, Any]) -> list[str]:
    """What the calibration table and diagram set against what, in words."""
    if source == "posterior":
        what = (
            "The Dawid-Skene posterior of each gold item's consensus label (fitted without gold) against how often "
            "that label is right: a posterior of 0.9 should be right 9 times in 10."
        )
    else:
        what = (
            "The share of each gold item's votes behind its majority label against how often that label is right. "
            "A vote share is not a probability: the table says what a given share of agreement has been worth here."
        )
    level = fmt.confidence_level(float(settings.get("confidence", 0.95)))
    return [
        what,
        "Gap: mean confidence minus share right (above 0, overconfident). Calibration error: the gold items' mean "
        f"distance between their bin's confidence and its share right, in {CALIBRATION_BINS} bins of equal width; "
        f"the diagram's bars are {level} Wilson intervals of each bin's share.",
    ]


def _calibration_section(report: ReportData) -> list[tuple[str, pd.DataFrame, list[str]]]:
    """The calibration summary, where the consensus's confidence reads as a probability and gold scores it."""
    source = confidence_source(report.settings)
    bins = calibration(report.items, report.settings)
    if source is None or bins.empty:
        return []
    shown = glossary.display_frame(calibration_summary(bins), terms=calibration_terms(source))
    return [(CALIBRATION_TITLE, shown, calibration_notes(source, report.settings))]


def _agreement_parts(report: ReportData) -> list[tuple[str, pd.DataFrame, list[str]]]:
    """Agreement per label (label x vendor) and each vendor's lowest-agreeing annotators, when the task has
    categories."""
    out = []
    labels = agreement_parts.category_table(report)
    if not labels.empty:
        out.append(("Agreement per label", labels, [agreement_parts.category_caption(report)]))
    lowest = agreement_parts.annotator_table(report, lowest=agreement_parts.LOWEST)
    if not lowest.empty:
        out.append(("Agreement per annotator: the lowest", lowest, [agreement_parts.annotator_caption(report)]))
    return out


def _low_performers(report: ReportData) -> pd.DataFrame:
    a = report.annotators
    if a.empty or "low_performer" not in a.columns:
        return pd.DataFrame()
    flagged = a[a["low_performer"].astype(bool)]
    columns = [c for c in ("vendor", "annotator_id", "n_judgments", "gold_accuracy", "flag_reason") if c in a]
    return glossary.display_frame(flagged[columns], terms=glossary.annotator_terms(report.settings))


def _cost_table(report: ReportData) -> pd.DataFrame:
    columns = [
        "vendor",
        "pricing_model",
        "rate",
        "billed_units",
        "unit",
        "labour_cost",
        "fees",
        "total_cost",
        "cost_per_label",
        "usable_rate",
        "usable_items",
        "cost_per_usable_label",
        "cost_per_correct_item",
    ]
    c = report.cost
    return glossary.display_frame(c[[col for col in columns if col in c.columns] + ["currency"]], drop=("currency",))


#: The columns of the slice, drift and gold-audit frames a reader of the document needs (the CSV has all).
QUESTION_COLUMNS = {
    "gold_audit": (
        "rank", "item_id", "gold_label", "suggested_label", "p_value", "p_adjusted_gold", "vendors_agreeing", "votes",
    ),
    "slices": (
        "by", "slice", "vendor", "status", "gold_items", "accuracy", "accuracy_ci_low", "accuracy_ci_high",
        "cost_per_usable_label", "cost_per_usable_label_ci_low", "cost_per_usable_label_ci_high", "currency",
    ),
    "drift": (
        "window", "vendor", "status", "gold_items", "accuracy", "accuracy_ci_low", "accuracy_ci_high",
        "accuracy_before", "change", "p_adjusted", "changed",
    ),
}  # fmt: skip


def _question_sections(report: ReportData) -> list[tuple[str, pd.DataFrame, list[str]]]:
    """The gold audit (suspect items only), slices and drift, when the Report has them."""
    out: list[tuple[str, pd.DataFrame, list[str]]] = []
    currency = str(report.settings.get("currency", ""))
    audit = _optional_frame(report, "gold_audit")
    if audit is not None:
        suspect = audit[audit["suspect"].astype(bool)] if "suspect" in audit.columns else audit
        shown = suspect[[c for c in QUESTION_COLUMNS["gold_audit"] if c in suspect.columns]]
        notes = [
            f"{len(suspect)} gold items where every vendor's annotators, pooled, contradict the expert answer beyond "
            "what item difficulty explains: worth sending back to the experts (the CSV export lists them with each "
            "vendor's votes)."
            if len(suspect)
            else "No gold item where every vendor's annotators, pooled, contradict the expert answer beyond what "
            "item difficulty explains.",
            audit_error_sentence(report.settings.get("gold_audit") or {}),
        ]
        out.append(("Gold items that look wrong", glossary.display_frame(shown), notes))
    for name, title in (("slices", "By slice"), ("drift", "Over time")):
        frame = _optional_frame(report, name)
        if frame is not None:
            shown = frame[[c for c in QUESTION_COLUMNS[name] if c in frame.columns]]
            table = glossary.display_frame(shown, currency=currency, drop=("currency",))
            out.append((title, table, [*_found(report, name, frame), *glossary.blank_notes(shown, "vendor")]))
    return out


def _found(report: ReportData, name: str, frame: pd.DataFrame) -> list[str]:
    """What the slice or drift tests found, and what they tested."""
    if name == "drift":
        return drift_sentences(frame)
    ranking = _optional_frame(report, "slice_ranking")
    return slice_sentences(ranking, str(frame["by"].iloc[0])) if ranking is not None else []


def _optional_frame(report: ReportData, name: str) -> pd.DataFrame | None:
    """A frame another part of the engine may add (slices, drift, gold audit): None when absent or empty."""
    frame = getattr(report, name, None)
    if isinstance(frame, pd.DataFrame) and not frame.empty:
        return frame
    return None


# ------------------------------------------------------------------------------------------ Markdown
def _md_cell(value: object) -> str:
    """A table cell (or any user text) as literal Markdown: no image, link, HTML or line of its own."""
    return markdown_text(value)


def markdown_table(frame: pd.DataFrame, max_rows: int = 200) -> str:
    """A display frame (strings) as a Markdown table; ``_(none)_`` when empty."""
    if frame.empty:
        return "_(none)_"
    shown = frame.head(max_rows)
    header = "| " + " | ".join(_md_cell(c) for c in shown.columns) + " |"
    rule = "|" + "|".join("---" for _ in shown.columns) + "|"
    body = ["| " + " | ".join(_md_cell(v) for v in row) + " |" for row in shown.itertuples(index=False)]
    more = ["", f"_{len(frame) - max_rows} more rows in the CSV/JSON export._"] if len(frame) > max_rows else []
    return "\n".join([header, rule, *body, *more])


def _sections(report: ReportData) -> list[tuple[str, pd.DataFrame, list[str]]]:
    """(title, display table, footnotes) of every table the documents show, in reading order."""
    out: list[tuple[str, pd.DataFrame, list[str]]] = [
        ("Leaderboard", leaderboard(report), leaderboard_footnotes(report)),
        ("Are the differences real?", comparisons_table(report), comparison_notes(report)),
        ("Agreement", agreement_table(report), agreement_footnotes(report)),
        *_agreement_parts(report),
        ("Cost", _cost_table(report), [n for n in [glossary.usable_basis(report.cost, report.settings)] if n]),
    ]
    if not report.redundancy.empty:
        out.append(("What redundancy buys", redundancy_table(report), glossary.blank_notes(report.redundancy)))
    if not report.per_class.empty:
        notes = glossary.blank_notes(report.per_class[["vendor", "label", "precision", "recall", "f1"]])
        if "recall_ci_low" in report.per_class and report.per_class["recall_ci_low"].isna().all():
            notes.append(
                f"No intervals here: they are made for single-label tasks of at most {CLASS_INTERVALS_MAX} labels, "
                "with resamples (n_boot above 0)."
            )
        out.append(("Per class, against gold", per_class_table(report), notes))
    classes = _optional_frame(report, "class_comparisons")
    if classes is not None:  # a long family: the documents list what it found, the exports and the app all of it
        long = len(classes) > CLASS_ROWS_SHOWN
        notes = class_comparison_notes(report) + (
            [
                "Only the differences beyond chance are listed here; every test is in "
                "the CSV/JSON export and the app's Accuracy page."
            ]
            if long
            else []
        )
        out.append(("Do the vendors differ class by class?", class_comparisons_table(report, found_only=long), notes))
    out += _calibration_section(report)
    if not report.task_metrics.empty:
        vendors = report.summary["vendor"].astype(str).tolist()
        shown = metric_table(report.task_metrics, vendors)
        out.append(("Metrics of this task kind", shown, metric_table_notes(report.task_metrics, vendors)))
    flagged = _low_performers(report)
    out.append(
        (
            "Low-performing annotators",
            flagged,
            [f"{len(flagged)} of {len(report.annotators)} annotators flagged; each with its reason."],
        )
    )
    out += _question_sections(report)
    ledger = report.ledger
    out.append(
        (
            "Ledger",
            glossary.display_frame(ledger),
            [
                f"{fmt.count(ledger['rows_read'].sum())} rows read = {fmt.count(ledger['kept'].sum())} kept + "
                f"{fmt.count(ledger['quarantined'].sum())} quarantined."
            ],
        )
    )
    return out


def to_markdown(report: ReportData) -> str:
    """The Markdown report: verdict, leaderboard, comparisons, agreement, cost, annotators, ledger, method."""

    lines = [f"# labeleval report: {_md_cell(report.settings.get('task', ''))}", ""]
    lines += [f"- {markdown_text(sentence)}" for sentence in verdict(report)]  # vendor names are data, not markup
    lines += ["", markdown_text(redundancy(report)), "", f"_{markdown_text(settings_line(report.settings))}_", ""]
    for title, table, notes in _sections(report):
        lines += [f"## {markdown_text(title)}", "", markdown_table(table), ""]
        lines += [f"{markdown_text(note)}  " for note in notes]
        if notes:
            lines.append("")
    lines += ["## How these figures were made", ""]
    lines += [f"- {markdown_text(note)}" for note in method_notes(report)]
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------------------------ HTML
STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:68rem;padding:0 1.5rem;
color:#1f2933;line-height:1.45}
h1{font-size:1.6rem;margin-bottom:0.2rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #e4e7eb;
padding-bottom:0.2rem}.sub{color:#52606d;margin-top:0}
.verdict{background:#f5f7fa;border-left:4px solid #4C78A8;padding:0.6rem 1rem 0.6rem 2rem}.verdict li{margin:0.3rem 0}
table{border-collapse:collapse;margin:0.5rem 0 0.5rem;font-size:0.85rem}
th,td{border-bottom:1px solid #e4e7eb;padding:0.3rem 0.6rem;text-align:right;vertical-align:top}
th{background:#f5f7fa;font-weight:600}.text{text-align:left}.num{white-space:nowrap}
.wrap{overflow-x:auto}.note{color:#52606d;font-size:0.85rem;margin:0.2rem 0}figure{margin:0.5rem 0 1rem}
figcaption{color:#52606d;font-size:0.85rem}svg{max-width:100%;height:auto}
@media print{body{margin:0;max-width:none}.wrap{overflow:visible}}
"""


def _html(value: object) -> str:
    """``value`` as HTML text: escaped, without control characters (NUL, bidirectional overrides ...)."""
    return html.escape(terminal_text(str(value), keep_newlines=False))


def html_table(frame: pd.DataFrame) -> str:
    """A display frame as an HTML table (every cell escaped; text columns left-aligned)."""
    if frame.empty:
        return "<p class='note'>(none)</p>"
    numeric = [bool(frame[c].astype(str).str.fullmatch(glossary.NUMERIC_CELL).all()) for c in frame.columns]
    head = "".join(
        f"<th{'' if n else ' class=text'}>{_html(str(c))}</th>" for c, n in zip(frame.columns, numeric, strict=True)
    )
    body = []
    for row in frame.itertuples(index=False):
        cells = [
            f"<td{' class=num' if n else ' class=text'}>{_html(str(v))}</td>" for v, n in zip(row, numeric, strict=True)
        ]
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<div class='wrap'><table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"


def chart_svg(chart: alt.TopLevelMixin | dict[str, Any]) -> str:
    """A chart (Altair, or a Vega-Lite dict) as inline SVG: vl-convert renders the spec the app draws."""
    import vl_convert

    # a copy without control characters: vl-convert aborts the process on one in a label. Not validated again
    # against the Vega-Lite schema: the app draws (and Streamlit validates) the same builders' specs, and the
    # validation took half of the document's time
    spec = without_controls(chart if isinstance(chart, dict) else chart.to_dict(validate=False))
    assert isinstance(spec, dict)
    # the figure's caption describes it; Vega's per-mark ARIA text would read out internal field names
    spec.setdefault("config", {})["aria"] = False
    if not {"facet", "hconcat", "vconcat", "concat", "repeat"} & set(spec) and spec.get("width") in (None, "container"):
        spec["width"] = 640  # "as wide as the container" means nothing in a static image
    svg = vl_convert.vegalite_to_svg(spec)
    return svg[svg.find("<svg") :] if "<svg" in svg else svg


def _figure(build: Callable[[], alt.TopLevelMixin | dict[str, Any]], caption: str) -> str:
    try:
        svg = chart_svg(build())
    except ImportError:  # an install without the report extra: the document, without its pictures
        return "<p class='note'>(Charts need the report extra: pip install 'labeleval[report]'.)</p>"
    except Exception as exc:  # a chart that cannot be drawn must not cost the reader the report
        why = _html(f"{type(exc).__name__}: {exc}")
        return f"<p class='note'>(The chart could not be drawn here: {why}.)</p>"
    text = _html(caption)
    return f"<figure role='img' aria-label='{text}'>{svg}<figcaption>{text}</figcaption></figure>"


#: (Report frame, section title, builder in ``labeleval.present.question_charts``, caption), drawn when the frame
#: exists.
OPTIONAL_CHARTS = (
    ("slices", "By slice", "slice_bars", "Accuracy on gold per slice and vendor, with intervals."),
    ("drift", "Over time", "drift_lines", "Accuracy on gold per window and vendor, with interval bands."),
)


#: labels up to which the documents draw each vendor's confusion matrix (the CSV export has every count)
CONFUSION_LABELS_MAX = 12
#: cells (vendors x labels x labels) up to which they are drawn: each cell is about 0.5 KB of SVG, so the matrices
#: stay under about 500 KB of the document
CONFUSION_CELLS_MAX = 1_000


def decision_comparisons(comparisons: pd.DataFrame) -> pd.DataFrame:
    """The comparisons behind the verdict (the ``decision`` family), without the other families' rows."""
    if "family" not in comparisons.columns:
        return comparisons
    return comparisons[comparisons["family"].astype(str) == "decision"]


def _confusion_figure(report: ReportData, vendors: list[str], labels: list[str]) -> str:
    """Every vendor's confusion matrix, or a note saying why they are too many to draw legibly and compactly."""
    cells = len(vendors) * len(labels) ** 2
    if len(labels) <= CONFUSION_LABELS_MAX and cells <= CONFUSION_CELLS_MAX:
        return _figure(
            lambda: charts.confusion_grid(report.confusion, vendors, labels),
            "Confusion matrix of each vendor's judgments on gold items. Rows: gold label; columns: label given; "
            "colour: share of the row; numbers: judgments.",
        )
    why = (
        f"{len(labels)} labels, more than the {CONFUSION_LABELS_MAX} a picture shows legibly"
        if len(labels) > CONFUSION_LABELS_MAX
        else f"{len(vendors)} vendors x {len(labels)} x {len(labels)} labels, more than the {CONFUSION_CELLS_MAX:,} "
        "cells a compact document holds"
    )
    note = f"No confusion matrices drawn: {why}; the confusion table of the CSV/JSON export has every count."
    return f"<p class='note'>{_html(note)}</p>"


def _evidence_charts(report: ReportData) -> dict[str, str]:
    """The figures behind the tables: the comparisons' forest plot, the confusion matrices and what
    redundancy buys, each when the Report has what it draws."""
    out: dict[str, str] = {}
    s = report.settings
    currency = str(s.get("currency", "USD"))
    vendors = report.summary["vendor"].astype(str).tolist()
    decision = decision_comparisons(report.comparisons)
    if not decision.empty and decision["difference"].notna().any():
        out["Are the differences real?"] = _figure(
            lambda: charts.comparison_forest(decision, currency),
            "Each pair's difference (A − B) on each metric of the verdict, with its simultaneous interval; red: "
            "beyond chance, grey: could be chance; the dashed line is no difference.",
        )
    labels = [str(label) for label in s.get("labels", [])]
    if not report.confusion.empty and labels:
        out["Per class, against gold"] = _confusion_figure(report, vendors, labels)
    if not report.redundancy.empty and report.redundancy["accuracy"].notna().any():
        vote = glossary.vote_name(s)
        out["What redundancy buys"] = _figure(
            lambda: charts.redundancy(
                report.redundancy, float(s.get("target_accuracy", 0.95)), vendors, vote=vote, currency=currency
            ),
            f"{vote.capitalize()} accuracy on gold items when only k of each item's labels are kept, with its "
            "interval, per vendor (each drawn a little to the side of its k); the dashed line is the target.",
        )
    source = confidence_source(s)
    bins = calibration(report.items, s)
    if source is not None and not bins.empty:
        out[CALIBRATION_TITLE] = _figure(
            lambda: charts.calibration_diagram(bins, vendors, source),
            "Reliability diagram: each bin of the consensus's confidence at its mean confidence (across) against the "
            "share of its gold items whose consensus is right (up), with intervals, sized by its items; each "
            f"vendor's line joins its bins of {charts.CALIBRATION_LINE_ITEMS} items or more. On the dashed diagonal "
            "a confidence means what it says; below it the consensus is overconfident.",
        )
    return out


def _charts(report: ReportData) -> dict[str, str]:
    """Section title -> figure HTML, for the charts this Report can show."""

    out: dict[str, str] = _evidence_charts(report)
    summary = report.summary
    if summary["accuracy"].notna().any() and summary["cost_per_usable_label"].notna().any():
        out["Leaderboard"] = _figure(
            lambda: cost_quality(summary, report.settings, width=720),
            "Cost per usable label against accuracy on gold, with interval bars both ways; the dashed line "
            "joins the vendors no other vendor beats on both (the Pareto frontier).",
        )

    for frame_name, title, builder_name, caption in OPTIONAL_CHARTS:
        frame = _optional_frame(report, frame_name)
        builder = getattr(question_charts, builder_name, None)
        if frame is not None and builder is not None:
            out[title] = _figure(lambda f=frame, b=builder: b(f, report.settings), caption)  # type: ignore[misc]
    return out


def to_html(report: ReportData) -> str:
    """The HTML report: one self-contained page, no scripts, nothing loaded from elsewhere."""

    s = report.settings
    task = str(s.get("task", ""))
    title = f"Vendor comparison: {task}" if task else "Vendor comparison"
    summary = report.summary
    gold = int(summary["gold_items"].max()) if len(summary) and summary["gold_items"].notna().any() else 0
    subtitle = (
        f"{s.get('kind', '')} task · {len(summary)} vendors · {fmt.count(summary['n_judgments'].sum())} judgments · "
        f"{fmt.count(gold)} gold items"
    )
    figures = _charts(report)
    parts = [
        "<!doctype html>",
        f"<html lang='en'><head><meta charset='utf-8'><meta name='viewport' content='width=device-width'>"
        f"<title>{_html(title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{_html(title)}</h1>",
        f"<p class='sub'>{_html(subtitle)}</p>",
        "<h2>Verdict</h2>",
        "<ul class='verdict'>" + "".join(f"<li>{_html(x)}</li>" for x in verdict(report)) + "</ul>",
        f"<p>{_html(redundancy(report))}</p>",
        f"<p class='note'>{_html(settings_line(s))}</p>",
    ]
    for title_, table, notes in _sections(report):
        parts.append(f"<h2>{_html(title_)}</h2>")
        parts.append(html_table(table))
        parts += [f"<p class='note'>{_html(n)}</p>" for n in notes]
        if title_ in figures:
            parts.append(figures[title_])
    parts.append("<h2>How these figures were made</h2>")
    parts.append("<ul>" + "".join(f"<li>{_html(n)}</li>" for n in method_notes(report)) + "</ul>")
    parts.append("</body></html>")
    return "\n".join(parts)
