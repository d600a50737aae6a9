"""The "Replace & watch" page: can a cheaper labeller replace a vendor (the alternative annotator test), and
can the pilot stop today (confidence sequences). Both replay the judgments, which the app reads once per
project's bytes (the cached Report does not carry them)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
import streamlit as st

from labeleval import fmt
from labeleval.analyses.replacement import Replacement, replacement
from labeleval.analyses.sequential import EQUIVALENT, INCONCLUSIVE, Sequential, sequential
from labeleval.errors import LabelevalError
from labeleval.io.dataset import Dataset
from labeleval.io.pipeline import load_data
from labeleval.limits import evaluation_slot
from labeleval.present.decision_charts import sequence_chart
from labeleval.present.decision_text import points, ratio, replacement_sentences, watch_sentences
from labeleval.project.manifest import find_manifest, load_project
from labeleval.report import Report
from labeleval.safety import markdown_text
from labeleval.tuning import OVERVIEW_WATCH_MAX_JUDGMENTS, WATCH_CONFIDENCE, WATCH_COST_MARGIN, WATCH_DELTA
from labeleval.ui.screens._common import dataframe, header
from labeleval.ui.state import current_report, fingerprint


@st.cache_resource(show_spinner="Reading the judgments…", max_entries=2)
def cached_data(manifest: str, key: str) -> Dataset | LabelevalError:
    """The project's judgments, read once per project's bytes (``key``); an error is returned, not raised."""
    try:
        with evaluation_slot():
            data = load_data(load_project(manifest))
        data.raise_problems()
        return data
    except LabelevalError as exc:
        return exc


def _data() -> Dataset | None:
    try:
        manifest = find_manifest(st.session_state.get("project_path", ""))
        outcome = cached_data(str(manifest), fingerprint(manifest))
    except LabelevalError as exc:
        outcome = exc
    if isinstance(outcome, LabelevalError):
        st.warning(markdown_text(outcome))
        return None
    return outcome


def decisions() -> None:
    report = current_report()
    if report is None:
        return
    header(report, "Replace a vendor? Stop the pilot?")
    data = _data()
    if data is None:
        return
    replacement_section(report, data)
    watch_section(data)


def replacement_section(report: Report, data: Dataset) -> None:
    st.subheader("Can a cheaper labeller replace a vendor's annotators?")
    costs = report.summary.set_index("vendor")["cost_per_usable_label"]
    vendors = [str(v) for v in report.summary["vendor"]]
    if len(vendors) < 2:
        st.info("One vendor: nothing to replace it with.")
        return
    by_cost = sorted(vendors, key=lambda v: (pd.isna(costs[v]), costs[v] if pd.notna(costs[v]) else 0.0))
    left, right, third = st.columns(3)
    candidate = left.selectbox(
        "Candidate (e.g. a model)", vendors, index=vendors.index(by_cost[0]), key="alt_candidate"
    )
    others = [v for v in vendors if v != candidate]
    incumbent = right.selectbox("Incumbent", others, index=others.index(by_cost[-1]) if by_cost[-1] in others else 0,
                                key="alt_incumbent")  # fmt: skip
    given = third.number_input(
        "Epsilon (blank: from cost)", min_value=0.0, max_value=0.99, value=None, step=0.05, key="alt_epsilon"
    )
    confidence = float(report.settings.get("confidence", 0.95))
    try:
        result = replacement(
            data,
            candidate=candidate,
            incumbent=incumbent,
            epsilon=given,
            costs=costs.to_dict(),
            level=round(1 - confidence, 10),
            seed=int(report.settings.get("seed", 0)),
        )
    except LabelevalError as exc:
        st.warning(markdown_text(exc))
        return
    currency = str(report.settings.get("currency", "")) or None
    dataframe(_decision_table(result, currency), hide_index=True, width="stretch", key="alt_decision")
    for sentence in replacement_sentences(result):
        st.markdown(markdown_text(sentence))
    with st.expander("Each held-out annotator"):
        dataframe(_annotator_table(result), hide_index=True, width="stretch", key="alt_annotators")


def _decision_table(result: Replacement, currency: str | None) -> pd.DataFrame:
    d = result.decision
    return pd.DataFrame(
        {
            "Slice": d["slice"].astype(str),
            "Shared items": [fmt.count(v) for v in d["items"]],
            "Annotators tested": [
                f"{int(t)} of {int(a)}" for t, a in zip(d["annotators_tested"], d["annotators"], strict=True)
            ],
            "Winning rate": [fmt.pct(v, 0) for v in d["winning_rate"]],
            "Decision": d["decision"].astype(str),
            "Candidate's cost per usable label": [fmt.money(v, currency) for v in d["candidate_cost_per_usable_label"]],
            "Incumbent's cost per usable label": [fmt.money(v, currency) for v in d["incumbent_cost_per_usable_label"]],
            "Gold accuracy difference": [fmt.pct(v) for v in d["accuracy_difference"]],
            "Equivalent (TOST)": ["yes" if v else "no" for v in d["equivalent"]],
        }
    )  # fmt: skip


def _annotator_table(result: Replacement) -> pd.DataFrame:
    a = result.annotators
    return pd.DataFrame(
        {
            "Slice": a["slice"].astype(str),
            "Annotator": a["annotator_id"].astype(str),
            "Items": [fmt.count(v) for v in a["n_items"]],
            "Candidate at least as good": [fmt.pct(v, 0) for v in a["candidate_advantage"]],
            "Annotator at least as good": [fmt.pct(v, 0) for v in a["annotator_advantage"]],
            "Adjusted p-value": [fmt.p_value(v) for v in a["p_adjusted"]],
            "Candidate wins": [
                "yes" if w else ("no" if t else "not tested")
                for w, t in zip(a["candidate_wins"], a["tested"], strict=True)
            ],
        }
    )  # fmt: skip


def watch_section(data: Dataset) -> None:
    st.subheader("Can the pilot stop today?")
    left, cost, middle, right = st.columns(4)
    delta = left.slider("Equivalent within (accuracy points)", 1, 20, round(100 * WATCH_DELTA), key="watch_delta")
    margin = cost.slider("Costs equivalent within (%)", 1, 50, round(100 * WATCH_COST_MARGIN), key="watch_margin")
    confidence = middle.select_slider("Confidence", [0.9, 0.95, 0.99], WATCH_CONFIDENCE, key="watch_confidence")
    over = right.radio("One look per", ["day", "week", "batch"], horizontal=True, key="watch_over")
    try:
        watched = sequential(
            data, delta=delta / 100, confidence=float(confidence), over=str(over), cost_margin=margin / 100
        )
    except LabelevalError as exc:
        st.info(markdown_text(exc))
        return
    if watched.decisions.empty:
        st.info("One vendor: no pair to decide.")
        return
    st.altair_chart(sequence_chart(watched.sequences, delta / 100), width="stretch", key="watch_chart")
    dataframe(_watch_table(watched), hide_index=True, width="stretch", key="watch_decisions")
    for sentence in watch_sentences(watched):
        st.markdown(markdown_text(sentence))


def _watch_table(watched: Sequential) -> pd.DataFrame:
    frames = []
    for on, d, now in (
        ("Gold accuracy: A − B", watched.decisions, _difference),
        ("Cost per usable label: A / B", watched.cost_decisions, _ratio),
    ):
        frames.append(
            pd.DataFrame(
                {
                    "Pair": [f"{a} vs {b}" for a, b in zip(d["vendor_a"], d["vendor_b"], strict=True)],
                    "On": on,
                    "Decision": d["decision"].astype(str),
                    "Reached": [
                        "not yet" if pd.isna(k) else f"look {int(k)} ({w})"
                        for k, w in zip(d["first_look"], d["first_window"], strict=True)
                    ],
                    "Now": [now(v, lo, hi) for v, lo, hi in zip(
                        d["final_estimate"], d["final_cs_low"], d["final_cs_high"], strict=True
                    )],
                    "Shared gold items": [fmt.count(v) for v in d["final_gold_items"]],
                }
            )
        )  # fmt: skip
    return pd.concat(frames, ignore_index=True)


def _difference(value: float, low: float, high: float) -> str:
    return fmt.ci(value, low, high, "pct")


def _ratio(value: float, low: float, high: float) -> str:
    return f"{ratio(value)} [{ratio(low)}, {ratio(high)}]"


def watch_status(report: Report) -> None:
    """The Overview's watch panel: per pair, the watched decision on gold accuracy and on cost per usable label
    (the defaults of ``labeleval watch``, one look a day) and the day it was reached. Drawn only for a project
    with gold, two vendors or more and submission times, of at most ``OVERVIEW_WATCH_MAX_JUDGMENTS`` judgments
    (above, a line points to the Replace & watch page); nothing is drawn when the watch cannot run (its reason
    is on that page)."""
    if len(report.summary) < 2:
        return
    if report.summary["n_judgments"].sum() > OVERVIEW_WATCH_MAX_JUDGMENTS:
        st.caption("Watching the pilot day by day: on the Replace & watch page (this project is large).")
        return
    try:
        manifest = find_manifest(st.session_state.get("project_path", ""))
        status = cached_watch(str(manifest), fingerprint(manifest))
    except LabelevalError:
        return
    if status is None:
        return
    st.subheader("Watching the pilot")
    st.markdown(status_markdown(status))
    st.caption(
        f"Anytime-valid {fmt.pct(WATCH_CONFIDENCE, 0)} confidence sequences, one look a day: a decision holds "
        f"however often the pilot is looked at. Equivalent means within ±{points(WATCH_DELTA)} of gold accuracy, "
        f"or costs within {fmt.pct(WATCH_COST_MARGIN, 0)} of each other. The Replace & watch page has the "
        "sequences day by day and other margins."
    )


@st.cache_data(show_spinner=False, max_entries=4)
def cached_watch(manifest: str, key: str) -> pd.DataFrame | None:
    """The watch's status per pair (:func:`watch_frame`) for the project's bytes ``key``; None when the project
    has no submission times, no gold or one vendor, or cannot be read."""
    project = load_project(manifest)
    timed = any("submitted_at" in v.file.columns or v.file.format for v in project.vendors)
    if project.gold is None or len(project.vendors) < 2 or not timed:
        return None
    data = cached_data(manifest, key)
    if isinstance(data, LabelevalError):
        return None
    try:
        return watch_frame(sequential(data))
    except LabelevalError:  # no judgment with a time, say
        return None


def watch_frame(watched: Sequential) -> pd.DataFrame:
    """One row per pair: its decision on gold accuracy and on cost per usable label, each with the day (look)
    it was reached, in words."""
    looks = int(watched.settings["looks"])
    cost = watched.cost_decisions.set_index(["vendor_a", "vendor_b"])
    rows = []
    for r in watched.decisions.to_dict("records"):
        pair = (r["vendor_a"], r["vendor_b"])
        rows.append(
            {
                "Pair": f"{pair[0]} vs {pair[1]}",
                "Gold accuracy": _reached(r, looks, f"±{points(WATCH_DELTA)}"),
                "Cost per usable label": _reached(cost.loc[pair].to_dict(), looks, fmt.pct(WATCH_COST_MARGIN, 0))
                if pair in cost.index
                else "—",
            }
        )
    return pd.DataFrame(rows, columns=["Pair", "Gold accuracy", "Cost per usable label"])


def _reached(r: Mapping[str, Any], looks: int, margin: str) -> str:
    decision = str(r["decision"])
    if decision == INCONCLUSIVE:
        return f"no decision yet after {looks} days: continue"
    what = f"equivalent within {margin}" if decision == EQUIVALENT else decision
    return f"{what} since {r['first_window']} (day {int(r['first_look'])} of {looks})"


def status_markdown(frame: pd.DataFrame) -> str:
    """The status as a Markdown table, every cell literal text."""
    head = "| " + " | ".join(frame.columns) + " |"
    rule = "|" + "|".join(":---" for _ in frame.columns) + "|"
    rows = ["| " + " | ".join(markdown_text(str(v)) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([head, rule, *rows])
