"""The pages of a graded task (written work scored by reviewers against a rubric) where a labelling task shows
labels: the comparisons, the rubric's reliability, the criteria, the cost per accepted deliverable, the writers and
reviewers, and the deliverables with their reviews. Every figure comes from ``evaluate()``; the tables are the
documents' (``present/graded_text.py``), the charts ``present/graded_charts.py``'s."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from labeleval import fmt
from labeleval.errors import LabelevalError
from labeleval.limits import evaluation_slot
from labeleval.present import charts, graded_charts
from labeleval.present import graded_text as words
from labeleval.project.manifest import find_manifest
from labeleval.report import GradedReport
from labeleval.safety import markdown_text
from labeleval.ui import report_cache
from labeleval.ui.isolate import read_graded_detail, run_isolated
from labeleval.ui.screens._common import dataframe, preview
from labeleval.ui.screens._graded import graded_header
from labeleval.ui.state import default_project, fingerprint

#: Cost-per-accepted tiles per row, as the label Cost page's
TILES_PER_ROW = 4
#: Deliverables the Items page's table shows (the CSV export has them all)
ITEMS_SHOWN = 5000


def _vendors(report: GradedReport) -> list[str]:
    return report.summary["vendor"].astype(str).tolist()


def _show(frame: pd.DataFrame, key: str) -> None:
    dataframe(frame, hide_index=True, width="stretch", key=key)


def graded_comparisons(report: GradedReport) -> None:
    """The family of paired tests behind the verdict: forest plot and table."""
    graded_header(report, "Which differences are real?")
    frame = report.comparisons
    if frame.empty:
        st.info("One vendor, or no reliable criterion two vendors share: there is nothing to compare.")
        return
    level = fmt.confidence_level(float(report.settings.get("confidence", 0.95)))
    out = [str(c) for c in report.settings.get("excluded_criteria", [])]
    st.markdown(
        "Every sentence of the verdict comes from these tests: each pair of vendors on each reliable criterion and "
        "on the weighted score, on the prompts both answered, after each reviewer's severity is taken out. "
        f"The intervals are simultaneous ({level}, one max-T family of {fmt.count(len(frame))} tests): a pair whose "
        "interval leaves out 0 differs beyond chance."
        + (f" Not tested (the reviewers do not agree on them): {markdown_text(', '.join(out))}." if out else "")
    )
    st.altair_chart(graded_charts.graded_forest(frame), key="graded_forest")
    st.subheader("The tests")
    _show(words.comparisons_table(report.frames()), "graded_comparisons_table")
    st.caption(
        "Differences are A minus B, in the criterion's points (a pass/fail criterion on 0-1) or on the weighted "
        "score's 0-1; the raw difference is before the severity adjustment."
    )


def graded_agreement(report: GradedReport) -> None:
    """The rubric's reliability: the reviewers' agreement per criterion, which criteria are out and why, and how
    far the judges and gold reviewers sit from the panel."""
    graded_header(report, "Do the reviewers agree on the rubric?")
    settings = report.settings
    st.markdown(
        "Before any vendor is ranked on a criterion, its reviewers must agree on it: Krippendorff's alpha among "
        "the reviewers of the same deliverables, with its interval. A criterion below "
        f"{settings.get('min_alpha')} is reported but kept out of the verdict and the weighted score: on it, the "
        "score says more about who reviewed than about the work."
    )
    reliability = report.reliability
    st.altair_chart(
        graded_charts.reliability_chart(reliability, float(settings.get("min_alpha", 0.0))),
        width="stretch",
        key="graded_reliability_chart",
    )
    _show(words.reliability_table(report.frames()), "graded_reliability_table")
    for r in reliability[~reliability["reliable"].astype(bool)].itertuples(index=False):
        st.warning(markdown_text(f"'{r.criterion}' is kept out of the verdict: {r.reason}."))
    if len(report.judges):
        st.subheader("Judges and gold reviewers against the panel")
        st.caption(
            "Offset: the reviewer's mean score less the panel's on the same deliverables. Distance less panel's: "
            "how much farther (+) or closer (-) it sits from the panel's reviewers than they sit from each other; "
            "a judge stands in for the panel where the replacement test (each reviewer held out in turn) says it can "
            "replace them, on a criterion the reviewers agree on."
        )
        _show(words.judges_table(report.frames()), "graded_judges_table")


def graded_accuracy(report: GradedReport) -> None:
    """Per criterion and vendor: mean score raw and severity-adjusted, and the pass rate, with intervals."""
    graded_header(report, "Scores per criterion")
    settings = report.settings
    st.markdown(
        "Each vendor's work per rubric criterion: the reviewers' mean score as given (raw) and with each "
        "reviewer's severity on that criterion taken out (adjusted), and the share of reviews at or above the "
        "criterion's pass mark, each with its interval."
    )
    shown = st.radio(
        "Show", ["mean score, adjusted and raw", "pass rate"], horizontal=True, key="graded_criteria_figure"
    )
    value = "pass" if shown == "pass rate" else "score"
    st.altair_chart(
        graded_charts.criteria_chart(report.criteria, _vendors(report), value), key=f"graded_criteria_{value}"
    )
    _show(words.criteria_table(report.frames()), "graded_criteria_table")
    note = words.balance_note(settings)
    (st.warning if settings.get("reviewers_unbalanced") else st.caption)(markdown_text(note))
    s = report.summary
    exposure = pd.DataFrame(
        {
            "Vendor": s["vendor"],
            "Weighted score, raw": s["raw_weighted_score"].map(fmt.number),
            "Weighted score, adjusted [CI]": [
                fmt.ci(v, lo, hi, "number")
                for v, lo, hi in s[["weighted_score", "weighted_score_ci_low", "weighted_score_ci_high"]].to_numpy()
            ],
            "Raw less adjusted": s["severity_exposure"].map(lambda v: f"{v:+.3f}"),
        }
    )
    st.subheader("What the reviewers each vendor drew did to its score")
    _show(exposure, "graded_exposure_table")


def graded_cost(report: GradedReport) -> None:
    """What an accepted deliverable costs: tiles, a chart with intervals, and the cost table."""
    graded_header(report, "What an accepted deliverable costs")
    settings = report.settings
    currency = str(settings.get("currency", "USD"))
    st.markdown(
        "A vendor is paid for every deliverable, accepted or not. A deliverable is **accepted** when "
        f"{markdown_text(words.acceptance_words(settings))} (reviewer severity taken out); the cost per accepted "
        "deliverable is the total cost over the accepted ones, with its interval."
    )
    s = report.summary
    for start in range(0, len(s), TILES_PER_ROW):
        cols = st.columns(TILES_PER_ROW)
        for col, row in zip(cols, s.iloc[start : start + TILES_PER_ROW].itertuples(index=False), strict=False):
            col.metric(
                markdown_text(row.vendor),
                fmt.money(row.cost_per_accepted, currency),
                help=f"{fmt.money(row.total_cost, currency, total=True)} for {fmt.count(row.deliverables)} "
                f"deliverables, {fmt.pct(row.acceptance_rate)} accepted",
            )
    bars = s.rename(
        columns={
            "cost_per_accepted": "value",
            "cost_per_accepted_ci_low": "ci_low",
            "cost_per_accepted_ci_high": "ci_high",
        }
    )
    st.markdown("**Cost per accepted deliverable**, with its interval")
    st.altair_chart(
        charts.metric_bars(bars, title="Cost per accepted deliverable", currency=currency),
        width="stretch",
        key="graded_cost_chart",
    )
    _show(words.cost_table(report.frames(), settings), "graded_cost_table")


def graded_annotators(report: GradedReport) -> None:
    """The writers' report cards, and the reviewers' severity per criterion and spread over the vendors."""
    graded_header(report, "Writers and reviewers")
    vendors = _vendors(report)
    chosen = st.multiselect("Vendors", vendors, default=vendors, key="graded_writer_vendors")
    writers = report.annotators[report.annotators["vendor"].isin(chosen)]
    st.subheader("Writers")
    st.caption(
        "Each writer's share of deliverables accepted (reviewer severity taken out), with a Wilson interval; a "
        "writer with few deliverables has a wide one."
    )
    st.altair_chart(graded_charts.writers_chart(writers, chosen), width="stretch", key="graded_writers_chart")
    frames = {**report.frames(), "annotators": writers}
    _show(words.writers_table(frames), "graded_writers_table")
    st.subheader("Reviewers: severity per criterion")
    st.caption(
        "Each reviewer's leniency (+) or severity (-) in points per criterion, estimated from the deliverables "
        "several reviewers scored (additive model); the adjusted scores take it out."
    )
    st.altair_chart(graded_charts.severity_heatmap(report.severity), key="graded_severity_chart")
    _show(words.severity_table(report.frames()), "graded_severity_table")
    st.subheader("Reviewers across vendors")
    _show(words.balance_table(report.frames()), "graded_balance_table")
    note = words.balance_note(report.settings)
    (st.warning if report.settings.get("reviewers_unbalanced") else st.caption)(markdown_text(note))


@st.cache_data(show_spinner="Reading the deliverables…", max_entries=4)
def cached_detail(manifest: str, key: str) -> tuple[pd.DataFrame, pd.DataFrame] | LabelevalError:
    """The deliverables' text and every review, keyed on the files' bytes (``key``); an upload's are read in a
    child process, as its scoring is."""
    try:
        if report_cache.is_upload(Path(manifest)):
            with evaluation_slot():
                found: tuple[pd.DataFrame, pd.DataFrame] = run_isolated(
                    read_graded_detail, manifest, what="the uploaded project"
                )
                return found
        return read_graded_detail(manifest)
    except LabelevalError as exc:
        return exc


def _detail() -> tuple[pd.DataFrame, pd.DataFrame] | None:
    path = st.session_state.get("project_path", str(default_project()))
    try:
        manifest = find_manifest(path)
        found = cached_detail(str(manifest), fingerprint(manifest))
    except LabelevalError as exc:
        found = exc
    if isinstance(found, LabelevalError):
        st.error(f"The deliverables cannot be read: {markdown_text(found)}")
        return None
    return found


def graded_items(report: GradedReport) -> None:
    """The deliverables with their outcome and weighted score; one deliverable in full with its reviews."""
    graded_header(report, "Deliverables and their reviews")
    items = report.items
    vendors = _vendors(report)
    left, right = st.columns(2)
    chosen = left.multiselect("Vendors", vendors, default=vendors, key="graded_items_vendors")
    outcome = right.radio("Show", ["all", "accepted", "not accepted"], horizontal=True, key="graded_items_outcome")
    subset = items[items["vendor"].isin(chosen)]
    if outcome != "all":
        subset = subset[subset["accepted"].eq(1.0) == (outcome == "accepted")]
    detail = _detail()
    texts = detail[0].set_index("deliverable_id")["text"] if detail is not None else pd.Series(dtype=object)
    shown = pd.DataFrame(
        {
            "Deliverable": subset["deliverable_id"],
            "Vendor": subset["vendor"],
            "Prompt": subset["item_id"],
            "Writer": subset["writer_id"],
            "Text": subset["deliverable_id"].map(texts).map(preview),
            "Accepted": subset["accepted"].map(_yes_no),
            "Accepted, raw": subset["raw_accepted"].map(_yes_no),
            "Weighted score": subset["weighted_score"].map(fmt.number),
            "Scores": subset["scores"].map(fmt.count),
        }
    )
    if not shown["Text"].astype(bool).any():
        shown = shown.drop(columns=["Text"])
    st.caption(
        f"{fmt.count(len(shown))} deliverables. Accepted: with reviewer severity taken out; raw: as scored."
        + (" Text is cut to one line: pick a deliverable below to read all of it." if "Text" in shown else "")
    )
    _show(shown.head(ITEMS_SHOWN), "graded_items_table")
    if len(shown) > ITEMS_SHOWN:
        st.caption(f"The first {ITEMS_SHOWN:,} of {fmt.count(len(shown))}; the CSV export has them all.")
    picked = st.selectbox("Look at one deliverable", shown["Deliverable"].head(ITEMS_SHOWN), key="graded_item")
    if picked is not None and detail is not None:
        _deliverable(str(picked), texts, detail[1])


def _yes_no(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "not scored"
    return "yes" if float(value) == 1.0 else "no"  # type: ignore[arg-type]


def _deliverable(deliverable: str, texts: pd.Series, reviews: pd.DataFrame) -> None:
    """One deliverable in full: its text verbatim, then each reviewer's score per criterion."""
    st.markdown(f"**Deliverable {markdown_text(deliverable)}**")
    text = texts.get(deliverable)
    if isinstance(text, str) and text.strip():
        st.text(text)  # verbatim, never read as Markdown
    else:
        st.caption("The deliverable file carries no text for it.")
    mine = reviews[reviews["deliverable_id"] == deliverable]
    if mine.empty:
        st.caption("No reviews of this deliverable.")
        return
    grid = mine.pivot_table(
        index=["role", "reviewer_id"], columns="criterion", values="score", aggfunc="first", sort=False
    )
    grid = grid.map(lambda v: fmt.number(v, 0) if pd.notna(v) else "not scored").reset_index()
    grid = grid.rename(columns={"role": "Role", "reviewer_id": "Reviewer"}).rename_axis(columns=None)
    _show(grid, "graded_item_reviews")
    st.caption("Scores as given, in the criterion's points (pass/fail as 1/0); panel reviewers set the verdict.")
