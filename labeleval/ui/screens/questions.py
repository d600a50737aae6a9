"""The "Slices & time" page: metrics per slice, over time, and how many more gold items; plus
the gold-audit section the Items page shows. Every number comes from ``evaluate()`` or :mod:`labeleval.analyses.plan`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from labeleval import fmt
from labeleval.analyses.plan import pilot_plan, pilot_prices
from labeleval.analyses.questions import audit_error_sentence, gold_audit_sentences
from labeleval.api import evaluate
from labeleval.errors import LabelevalError
from labeleval.io.pipeline import load_data
from labeleval.limits import evaluation_slot
from labeleval.present import glossary
from labeleval.present.question_charts import drift_lines, slice_bars
from labeleval.present.question_text import drift_sentences, slice_sentences
from labeleval.project.manifest import find_manifest, load_project
from labeleval.report import Report
from labeleval.safety import markdown_text, spreadsheet_frame
from labeleval.ui.screens._common import dataframe, header, table
from labeleval.ui.state import Options, check_unchanged, current_report, evaluate_options, fingerprint


@st.cache_data(show_spinner="Scoring every slice and window…", max_entries=8)
def cached_breakdown(
    manifest: str, key: str, options: Options, by: str | None, over: str | None, exclude: bool = False
) -> Report:
    """``evaluate(..., by=, over=, exclude_suspect_gold=)`` keyed on file bytes (``key``), the sidebar's
    options and the choices."""
    chosen: dict[str, Any] = dict(options)
    with evaluation_slot():  # shares the app's evaluation slots (labeleval.limits): memory stays bounded
        report = evaluate(manifest, **chosen, by=by, over=over, exclude_suspect_gold=exclude)
    check_unchanged(Path(manifest), key)  # a file changed while scored: not cached under the old bytes' key
    return report


#: In a sample-size plan, ``alpha`` is the test's level, not Krippendorff's alpha.
PLAN_TERMS = {"alpha": glossary.Term("Test level (alpha)", "number"), "test": glossary.Term("Test", "text")}


def _breakdown(by: str | None, over: str | None, exclude: bool = False) -> Report | None:
    path = st.session_state.get("project_path")
    if path is None:
        return None
    try:
        manifest = find_manifest(path)
        return cached_breakdown(str(manifest), fingerprint(manifest), evaluate_options(Path(path)), by, over, exclude)
    except LabelevalError as exc:
        st.warning(markdown_text(exc))
        return None


def _metadata_columns() -> list[str]:
    try:
        project = load_project(st.session_state["project_path"])
    except (LabelevalError, KeyError):
        return []

    try:
        return [str(c) for c in load_data(project).items.columns if c not in ("text", "url")]
    except LabelevalError:
        return []


#: The headline figures a slice table can show: display name and unit (labeleval.fmt).
SLICE_FIGURES: dict[str, tuple[str, fmt.Kind]] = {
    "accuracy": ("Accuracy on gold", "pct"),
    "consensus_accuracy": ("Consensus accuracy", "pct"),
    "alpha": ("Agreement (Krippendorff's alpha)", "number"),
    "cost_per_usable_label": ("Cost per usable label", "money"),
}


def _figure_cell(
    value: float, low: float, high: float, status: str, kind: fmt.Kind = "pct", currency: str | None = None
) -> str:
    """A slice's figure with its interval, as every other table writes it; the reason when there is none."""
    if status == "absent":
        return "absent"
    if pd.isna(value):
        return f"{fmt.BLANK} {status}"
    return fmt.ci(value, low, high, kind, currency)


def slices_section(report: Report) -> None:
    columns = _metadata_columns()
    st.subheader("By slice")
    if not columns:
        st.info(
            "This project declares no item metadata to slice by. Add an [items] table (language, domain, "
            "difficulty …) or `metadata = [...]` columns of the gold file to the manifest; see docs/usage.md."
        )
        return
    by = st.selectbox("Slice the items by", columns, key="slice_by")
    result = _breakdown(by, None)
    if result is None or result.slices.empty:
        return
    s = result.slices
    metric = st.selectbox("Figure", list(SLICE_FIGURES), format_func=lambda m: SLICE_FIGURES[m][0], key="slice_metric")
    name, kind = SLICE_FIGURES[metric]
    settings = result.settings
    currency = str(settings.get("currency", "")) or None
    figures = s.assign(
        text=[
            _figure_cell(getattr(r, metric), getattr(r, f"{metric}_ci_low"), getattr(r, f"{metric}_ci_high"),
                         r.status, kind, currency)
            for r in s.itertuples()
        ]
    )  # fmt: skip
    vendors = [str(v) for v in report.summary["vendor"]]
    wide = figures.pivot(index="slice", columns="vendor", values="text")
    wide = wide[[v for v in vendors if v in wide.columns]]
    wide.index.name, wide.columns.name = str(by).replace("_", " ").capitalize(), None
    st.caption(
        f"{name}{glossary.tolerance_suffix(settings) if kind == 'pct' else ''} per slice and vendor, with its "
        "interval. A slice with too few gold items shows why instead of a gold figure; a vendor that labelled "
        "nothing in it shows as absent."
    )
    dataframe(wide, width="stretch", key="slice_table")
    counts = s.pivot(index="slice", columns="vendor", values="gold_items")
    counts = counts[[v for v in vendors if v in counts.columns]].astype("Int64")
    counts.index.name, counts.columns.name = wide.index.name, None
    st.caption("Gold items per slice and vendor")
    dataframe(counts, width="stretch", key="slice_counts")

    st.altair_chart(slice_bars(s, settings, metric=metric, title=name), key="slice_chart")
    for sentence in slice_sentences(result.slice_ranking, str(by)):
        st.markdown(markdown_text(sentence))
    with st.expander("The slices' tests: one family over every slice, vendor pair and metric"):
        table(result.slice_comparisons, key="slice_comparisons")


def drift_section(report: Report) -> None:
    st.subheader("Over time")
    over = st.radio("Windows", ["week", "day", "batch"], horizontal=True, key="drift_over")
    result = _breakdown(None, over)
    if result is None or result.drift.empty:
        return

    d = result.drift
    st.altair_chart(
        drift_lines(d, result.settings, title=glossary.accuracy_name(result.settings)), key="drift_accuracy"
    )
    st.caption(
        "Accuracy on gold per window, with its interval band; a ringed point is where a vendor's accuracy changed "
        "beyond chance (its accuracy from that window on against before it)."
    )
    st.altair_chart(
        drift_lines(d, result.settings, metric="cost_per_usable_label", title="Cost per usable label"),
        key="drift_cost",
    )
    st.caption("Cost per usable label per window (a window is billed its share of the vendor's bill).")
    for sentence in drift_sentences(d):
        st.markdown(markdown_text(sentence))
    people = result.annotator_drift
    flagged = people[people["drift"].astype(str) != ""] if len(people) else people
    st.caption(f"Annotators whose accuracy or speed changed beyond chance: {len(flagged)}")
    if len(flagged):
        table(
            flagged[["vendor", "annotator_id", "window", "accuracy", "accuracy_baseline", "median_seconds", "drift"]],
            key="annotator_drift",
            label_column="annotator_id",
        )


def plan_section(report: Report) -> None:
    st.subheader("How many more gold items?")
    difference = st.slider("Also plan for a difference of", 0.01, 0.20, 0.03, 0.01, key="plan_diff")
    power = st.select_slider("Power", [0.7, 0.8, 0.9, 0.95], value=0.8, key="plan_power")
    plan = report.plan(power=power, difference=difference)
    if plan.empty:
        st.info("One vendor only: nothing to compare.")
    else:
        shown = plan[
            ["vendor_a", "vendor_b", "metric", "shared_gold_items", "difference", "power_now", "items_needed",
             "more_items_needed", "items_needed_named"]
        ]  # fmt: skip
        at = glossary.Term(f"Gold items needed at a {difference:.0%} difference", "count")
        table(shown, key="plan_pairs", label_column="vendor_a", terms={"items_needed_named": at, **PLAN_TERMS})
        st.caption(
            f"Shared gold items at which the report's own test reaches the power on accuracy (the verdict's "
            f"comparison) and consensus accuracy, sized by simulating pilots of vendors like these. Test planned "
            f"for: {plan['test'].iloc[0]}. Never: no number of items reaches the power with these annotators."
        )
    with st.expander("Plan a pilot that is not yet run"):
        vendors = list(report.summary["vendor"])
        observed = report.summary.set_index("vendor")["accuracy"]
        accs = {}
        cols = st.columns(max(len(vendors), 1))
        for i, v in enumerate(vendors):
            start = float(observed.get(v, 0.85)) if pd.notna(observed.get(v, float("nan"))) else 0.85
            accs[v] = cols[i].number_input(
                f"{markdown_text(v)} accuracy", 0.01, 0.99, round(start, 2), 0.01, key=f"pilot_acc_{i}"
            )
        k = st.number_input("Labels per item", 1, 15, 3, key="pilot_k")
        pool = st.number_input("Annotators per vendor", 1, 1000, 20, key="pilot_pool")
        skill = st.number_input("Spread of annotator accuracy (SD)", 0.0, 0.3, 0.05, 0.01, key="pilot_skill")
        hard = st.number_input(
            "Spread of item difficulty (logit SD, shared by vendors)", 0.0, 4.0, 1.0, 0.25, key="pilot_difficulty"
        )
        share = st.slider("Share of pilot items that are gold", 0.05, 1.0, 0.2, 0.05, key="pilot_gold_share")
        per_label, per_item = pilot_prices(report.cost)
        try:
            pilot = pilot_plan(
                accs,
                labels_per_item=int(k),
                pool_size=int(pool),
                n_classes=max(len(report.settings.get("labels", [])), 2),
                skill_sd=float(skill),
                difficulty_sd=float(hard),
                power=power,
                alpha=1 - float(report.settings.get("confidence", 0.95)),
                gold_share=share,
                cost_per_label=per_label,
                cost_per_item=per_item,
            )
        except LabelevalError as exc:
            st.warning(markdown_text(exc))
            return
        st.caption(f"Test planned for: {pilot.test}.")
        table(pilot.pairs, key="pilot_pairs", label_column="vendor_a", terms=PLAN_TERMS)
        table(pilot.vendors, key="pilot_vendors", terms=PLAN_TERMS)
        for note in pilot.notes:
            st.markdown(markdown_text(note))


def gold_audit_section(report: Report) -> None:
    """Gold items the pooled evidence contradicts, with a CSV to send back to the experts."""
    audit = report.gold_audit
    st.subheader("Gold items that look wrong")
    if audit.empty or "suspect" not in audit.columns:
        st.caption("The pooled judgments of every vendor agree with every gold label (or the task has no categories).")
        return
    suspects = audit[audit["suspect"].astype(bool)]
    rule = (
        "the pooled votes of every vendor's annotators reject the gold label beyond what item difficulty explains, "
        "and at least two vendors' majorities agree on another label"
    )
    error = audit_error_sentence(report.settings.get("gold_audit") or {})
    if suspects.empty:
        st.caption(f"No gold item looks wrong: none where {rule}. {error}")
    else:
        one = len(suspects) == 1
        st.caption(
            f"{fmt.count(len(suspects))} gold {'item looks' if one else 'items look'} wrong: {rule}. {error} Score "
            f"without {'it' if one else 'them'} with `--exclude-suspect-gold`."
        )
    show_all = st.toggle("Also show contradicted items that are not suspect", key="audit_all")
    if suspects.empty and not show_all:
        return
    shown = audit if show_all else suspects
    text = report.items.drop_duplicates("item_id").set_index("item_id")
    shown = shown.copy()
    for column in ("text", "url"):
        if column in text.columns:
            shown[column] = text[column].reindex(shown["item_id"]).to_numpy()
    table(shown, key="gold_audit_table", label_column="item_id")
    st.download_button(
        "Download the suspect gold items (CSV)",
        # for the experts: display names; `labeleval gold-audit --format csv` and the CSV export keep the columns
        spreadsheet_frame(glossary.display_frame(suspects)).to_csv(index=False).encode("utf-8"),
        file_name="suspect_gold.csv",
        mime="text/csv",
        key="gold_audit_csv",
        on_click="ignore",
    )
    if len(suspects) and st.toggle("Compare every vendor's accuracy without them", key="audit_exclude"):
        _without_suspects(report)


def _without_suspects(report: Report) -> None:
    """Accuracy on gold with and without the suspect items, side by side, and what that does to the ranking."""

    cleaned = _breakdown(None, None, exclude=True)
    if cleaned is None:
        return
    before = report.summary.set_index("vendor")
    after = cleaned.summary.set_index("vendor")
    side = pd.DataFrame(
        {
            "Vendor": list(before.index),
            "Accuracy with the suspect gold": [fmt.pct(before.at[v, "accuracy"]) for v in before.index],
            "Accuracy without": [fmt.pct(after.at[v, "accuracy"]) for v in before.index],
            "Gold items without": [fmt.count(after.at[v, "gold_items"]) for v in before.index],
        }
    )
    dataframe(side, hide_index=True, width="stretch", key="audit_exclude_table")
    for sentence in gold_audit_sentences(cleaned):
        st.markdown(markdown_text(sentence))


def questions() -> None:
    report = current_report()
    if report is None:
        return
    header(report, "Slices, time and sample size")
    slices_tab, time_tab, plan_tab = st.tabs(["By slice", "Over time", "How many more items"])
    with slices_tab:
        slices_section(report)
    with time_tab:
        drift_section(report)
    with plan_tab:
        plan_section(report)
