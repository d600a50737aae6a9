"""Pages of the app. Each reads the shared Report and draws it; none computes a metric (DESIGN §9).

Formatting (a CI as "0.74 [0.71-0.76]") and reshaping (a pivot for side-by-side display) happen here;
every number comes from ``evaluate()``.
"""

from __future__ import annotations

import io
import math
import zipfile

import pandas as pd
import streamlit as st

from labeleval.report import LARGE_FRAMES, Report
from labeleval.ui import charts
from labeleval.ui.state import current_report
from labeleval.ui.upload import upload_section
from labeleval.verdict import redundancy_line, verdict

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


def _ci(value: float, low: float, high: float, kind: str = "num", currency: str = "USD") -> str:
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


def _header(report: Report, title: str) -> None:
    st.title(title)
    s = report.settings
    st.caption(
        f"{s['task']} · {s['kind']} · {len(report.summary)} vendors · "
        f"{int(report.summary['n_judgments'].sum()):,} judgments · {int(report.summary['gold_items'].max()):,} "
        f"gold items · {round(100 * s['confidence'])}% intervals from {s['n_boot']:,} item-bootstrap resamples"
    )


def leaderboard(report: Report) -> pd.DataFrame:
    """The Overview table: one row per vendor, each headline figure with its CI, as display strings."""
    s = report.summary
    rows = []
    for r in s.itertuples(index=False):
        rows.append(
            {
                "Vendor": r.vendor,
                "Agreement (alpha)": _ci(r.alpha, r.alpha_ci_low, r.alpha_ci_high),
                "Accuracy on gold": _ci(r.accuracy, r.accuracy_ci_low, r.accuracy_ci_high, "pct"),
                "Consensus accuracy": _ci(
                    r.consensus_accuracy, r.consensus_accuracy_ci_low, r.consensus_accuracy_ci_high, "pct"
                ),
                "Cost per usable label": _ci(
                    r.cost_per_usable_label,
                    r.cost_per_usable_label_ci_low,
                    r.cost_per_usable_label_ci_high,
                    "money",
                    r.currency,
                ),
                "Total cost": f"{r.total_cost:,.2f} {r.currency}",
                "Judgments": f"{r.n_judgments:,}",
                "Labels / item": f"{r.labels_per_item:.1f}",
            }
        )
    return pd.DataFrame(rows)


def overview() -> None:
    report = current_report()
    if report is None:
        return
    _header(report, "Which vendor gives the most usable labels for the money?")
    st.markdown("\n".join(f"- {sentence}" for sentence in verdict(report)))
    st.subheader("Leaderboard")
    # a static table: three rows need no grid, and it renders without loading the grid's script
    st.table(leaderboard(report).set_index("Vendor"))
    st.subheader("Cost against quality")
    st.caption(
        "Bars are confidence intervals; the dashed line joins the vendors no other vendor beats on both "
        "accuracy and cost (the Pareto frontier)."
    )
    st.altair_chart(charts.cost_quality(report.summary), width="stretch", key="cost_quality_chart")


def agreement() -> None:
    report = current_report()
    if report is None:
        return
    _header(report, "Agreement between annotators")
    st.markdown(
        "Chance-corrected agreement among each vendor's annotators on the same items. Krippendorff's alpha "
        "of 0.8 or more is usually read as reliable; 0.667–0.8 as tentative. Agreement is consistency, not "
        "correctness: see Accuracy for that."
    )
    a = report.agreement
    metric = str(
        st.selectbox(
            "Metric",
            list(a["metric"].unique()),
            format_func=lambda m: METRIC_NAMES.get(str(m), str(m)),
            key="agreement_metric",
        )
    )
    chosen = a[a["metric"] == metric]
    st.altair_chart(
        charts.metric_bars(chosen, title=METRIC_NAMES.get(metric, metric)),
        width="stretch",
        key="agreement_chart",
    )
    table = a.assign(metric=a["metric"].map(METRIC_NAMES))
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        key="agreement_table",
        column_config={c: st.column_config.NumberColumn(format="%.3f") for c in ("value", "ci_low", "ci_high")},
    )
    _kind_section(report)
    if report.per_class.empty:
        return
    st.subheader("Agreement per class")
    st.caption("Krippendorff's alpha of each label against all others: which categories annotators agree on.")
    per_class = report.per_class.pivot(index="label", columns="vendor", values="class_alpha")
    per_class = per_class.reindex(index=report.settings["labels"], columns=report.summary["vendor"])
    st.dataframe(
        per_class,
        width="stretch",
        key="class_alpha_table",
        column_config={c: st.column_config.NumberColumn(format="%.3f") for c in per_class.columns},
    )


KIND_TITLES = {
    "pairwise": "Preference judgments",
    "ordinal": "Rating scale",
    "interval": "Numeric scores",
    "ratio": "Numeric scores",
    "multilabel": "Multi-label judgments",
}


def _kind_section(report: Report) -> None:
    """What only this task kind has: position bias and ties (pairwise), distributions and leniency (scales)."""
    kind = str(report.settings["kind"])
    if kind not in KIND_TITLES or report.task_metrics.empty:
        return
    vendors = report.summary["vendor"].astype(str).tolist()
    st.subheader(KIND_TITLES[kind])
    if kind == "pairwise":
        st.markdown(
            "Agreement on preferences is low by classification standards (InstructGPT reports 72.6% between "
            "labelers; MT-Bench 81% without ties, 63% with them): compare vendors with each other, not with "
            "1.0. **Position bias**: a share above 50% means raters favour whichever response they saw first."
        )
        if (report.task_metrics["metric"] == "chose_first_shown").any():
            st.altair_chart(
                charts.position_bias(report.task_metrics, vendors), width="stretch", key="position_bias_chart"
            )
    else:
        if not report.per_class.empty:
            st.markdown(
                "**How often each vendor gives each label**"
                if kind == "multilabel"
                else "**How each vendor uses the scale**"
            )
            st.altair_chart(
                charts.rating_distribution(report.per_class, list(report.settings["labels"]), vendors),
                width="stretch",
                key="rating_distribution_chart",
            )
        if "leniency" in report.annotators.columns:
            st.markdown("**Leniency**: each annotator's mean offset from gold (or the item's consensus)")
            st.altair_chart(charts.leniency(report.annotators, vendors), width="stretch", key="leniency_chart")
    table = report.task_metrics.pivot(index="metric", columns="vendor", values="value")
    table = table.reindex(columns=vendors)
    st.dataframe(
        table,
        width="stretch",
        key="task_metrics_table",
        column_config={v: st.column_config.NumberColumn(format="%.3f") for v in vendors},
    )
    with st.expander("With intervals, sample sizes and notes"):
        st.dataframe(report.task_metrics, hide_index=True, width="stretch", key="task_metrics_long")


def accuracy() -> None:
    report = current_report()
    if report is None:
        return
    _header(report, "Accuracy against gold")
    acc = report.accuracy
    left, right = st.columns(2)
    with left:
        st.markdown("**Per judgment** (share of judgments on gold items that match gold)")
        st.altair_chart(
            charts.metric_bars(acc[acc["metric"] == "judgment_accuracy"], percent=True),
            width="stretch",
            key="judgment_accuracy_chart",
        )
    with right:
        st.markdown(f"**Per consensus item** (majority vote, ties: {report.settings['tie']})")
        st.altair_chart(
            charts.metric_bars(acc[acc["metric"] == "consensus_accuracy"], percent=True),
            width="stretch",
            key="consensus_accuracy_chart",
        )
    if report.confusion.empty:
        st.info("A numeric scale has no classes: see the mean absolute error and RMSE on the Agreement page.")
        return
    st.subheader("Confusion matrices")
    st.caption("Rows: gold label; columns: label given; colour: share of the row; numbers: judgments.")
    labels = list(report.settings["labels"])
    vendors = report.summary["vendor"].astype(str).tolist()
    columns = st.columns(min(len(vendors), 3))
    for i, vendor in enumerate(vendors):
        with columns[i % len(columns)]:
            st.altair_chart(
                charts.confusion_heatmap(report.confusion, vendor, labels),
                width="stretch",
                height=charts.heatmap_height(labels),
                key=f"confusion_{vendor}",
            )
    st.subheader("Per class")
    st.dataframe(
        report.per_class.drop(columns=["class_alpha"]),
        hide_index=True,
        width="stretch",
        key="per_class_table",
        column_config={
            c: st.column_config.NumberColumn(format="%.3f") for c in ("precision", "recall", "f1", "share_of_judgments")
        },
    )


def cost() -> None:
    report = current_report()
    if report is None:
        return
    _header(report, "What a usable label costs")
    c = report.cost
    st.markdown(
        f"A vendor is billed for every row it delivered, usable or not. A label is **usable** when it "
        f"{'matches gold (rate measured on gold items, applied to all)' if report.settings['usability'] == 'gold' else 'matches the reference (' + report.settings['usability'] + ')'}. "  # noqa: E501
        f"A **correct item** is a majority-vote consensus that matches gold."
    )
    currency = str(c["currency"].iloc[0])
    cols = st.columns(len(c))
    for col, row in zip(cols, c.itertuples(index=False), strict=True):
        col.metric(
            f"{row.vendor}: cost per usable label",
            _ci(row.cost_per_usable_label, math.nan, math.nan, "money", currency),
            help=f"{row.pricing_model}: {row.billed_units:,.1f} {row.unit} billed",
        )
    left, right = st.columns(2)
    with left:
        st.markdown("**Total cost** (labour and fees)")
        st.altair_chart(charts.cost_breakdown(c), width="stretch", key="cost_breakdown_chart")
    with right:
        st.markdown("**Cost per usable label**, with CI")
        bars = c.rename(
            columns={
                "cost_per_usable_label": "value",
                "cost_per_usable_label_ci_low": "ci_low",
                "cost_per_usable_label_ci_high": "ci_high",
            }
        )
        st.altair_chart(
            charts.metric_bars(bars, title=f"{currency} per usable label"),
            width="stretch",
            key="cost_per_usable_chart",
        )
    money = ("labour_cost", "fees", "total_cost")
    per_unit = (
        "rate",
        "cost_per_label",
        "cost_per_item",
        "cost_per_usable_label",
        "cost_per_usable_label_ci_low",
        "cost_per_usable_label_ci_high",
        "cost_per_correct_item",
        "cost_per_correct_item_ci_low",
        "cost_per_correct_item_ci_high",
    )
    config = {col: st.column_config.NumberColumn(format="%.2f") for col in money}
    config |= {col: st.column_config.NumberColumn(format="%.4f") for col in per_unit}
    config |= {
        col: st.column_config.NumberColumn(format="%.3f")
        for col in ("billed_units", "hours", "usable_rate", "usable_labels", "consensus_accuracy")
    }
    st.dataframe(c, hide_index=True, width="stretch", key="cost_table", column_config=config)
    st.subheader("What redundancy buys")
    st.markdown(redundancy_line(report))
    if not report.redundancy.empty:
        vendors = report.summary["vendor"].astype(str).tolist()
        st.caption(
            "Majority-vote accuracy on gold items when only k of each item's labels are kept (drawn at random, "
            "averaged over seeded draws; ties broken at random); the dashed line is the target."
        )
        st.altair_chart(
            charts.redundancy(report.redundancy, float(report.settings["target_accuracy"]), vendors),
            width="stretch",
            key="redundancy_chart",
        )
        st.dataframe(report.redundancy, hide_index=True, width="stretch", key="redundancy_table")


def annotators() -> None:
    report = current_report()
    if report is None:
        return
    _header(report, "Annotators")
    a = report.annotators
    vendors = report.summary["vendor"].astype(str).tolist()
    chosen = st.multiselect("Vendors", vendors, default=vendors, key="annotator_vendors")
    shown = a[a["vendor"].isin(chosen)]
    flagged = shown[shown["low_performer"]]
    st.markdown(
        f"**{len(flagged)} low performers** (red outline): gold accuracy clearly below their vendor's, a "
        f"Dawid-Skene accuracy far below their peers', mostly too-fast judgments, or a skewed label mix. "
        f"Each comes with its reason."
    )
    st.altair_chart(charts.annotator_scatter(shown, vendors), width="stretch", key="annotator_chart")
    if len(flagged):
        st.dataframe(
            flagged[["vendor", "annotator_id", "n_judgments", "flag_reason"]],
            hide_index=True,
            width="stretch",
            key="low_performer_table",
        )
        st.download_button(
            "Download low performers (CSV)",
            flagged.to_csv(index=False),
            "low_performers.csv",
            "text/csv",
            key="download_low_performers",
        )
    st.subheader("Report cards")
    percent = (
        "gold_accuracy",
        "gold_accuracy_ci_low",
        "gold_accuracy_ci_high",
        "agreement_with_peers",
        "ds_accuracy",
        "too_fast_share",
        "label_skew",
    )
    config = {c: st.column_config.NumberColumn(format="percent") for c in percent}
    config["median_seconds"] = st.column_config.NumberColumn(format="%.1f")
    st.dataframe(shown, hide_index=True, width="stretch", key="annotator_table", column_config=config)


def items() -> None:
    report = current_report()
    if report is None:
        return
    _header(report, "Items where vendors disagree")
    frame = report.items
    choice = st.radio(
        "Show items where",
        ["vendors disagree with each other", "a vendor's consensus disagrees with gold", "all items"],
        horizontal=True,
        key="items_filter",
    )
    if choice.startswith("vendors"):
        keep = frame.loc[frame["vendors_disagree"], "item_id"]
    elif choice.startswith("a vendor"):
        keep = frame.loc[frame["consensus_correct"] == 0, "item_id"]
    else:
        keep = frame["item_id"]
    subset = frame[frame["item_id"].isin(keep.unique())]
    side = subset.pivot(index="item_id", columns="vendor", values="consensus")
    side = side.reindex(columns=[v for v in report.summary["vendor"] if v in side.columns])
    gold = subset.drop_duplicates("item_id").set_index("item_id")["gold_label"]
    side.insert(0, "gold", gold.reindex(side.index))
    st.caption(f"{len(side):,} items. Cells show each vendor's majority-vote label (empty: a tie left unresolved).")
    st.dataframe(side.head(5000), width="stretch", key="items_table")
    item = st.selectbox("Look at one item", side.index[:5000], key="item_detail")
    if item is not None:
        detail = subset[subset["item_id"] == item].set_index("vendor")
        votes = [c for c in detail.columns if c.startswith("votes_")]
        st.dataframe(
            detail[["n_judgments", "consensus", "confidence", "gold_label", *votes]],
            width="stretch",
            key="item_votes",
        )


def data() -> None:
    report = current_report(show_ledger_on_error=True)
    st.title("Data: uploads, ledger and downloads")
    upload_section()
    if report is None:
        return
    st.subheader("Ledger")
    ledger = report.ledger
    st.caption(
        f"{int(ledger['rows_read'].sum()):,} rows read = {int(ledger['kept'].sum()):,} kept + "
        f"{int(ledger['quarantined'].sum()):,} quarantined."
    )
    st.dataframe(ledger, hide_index=True, width="stretch", key="ledger_table")
    if len(report.quarantine):
        st.subheader("Quarantined rows")
        st.dataframe(report.quarantine, hide_index=True, width="stretch", key="quarantine_table")
    if len(report.notes):
        st.subheader("Notes")
        st.dataframe(report.notes, hide_index=True, width="stretch", key="notes_table")
    st.subheader("Download the report")
    cols = st.columns(4)
    cols[0].download_button(
        "JSON",
        report.to_json([n for n in report.frame_names() if n not in LARGE_FRAMES]),
        "labeleval_report.json",
        "application/json",
        key="download_json",
    )
    cols[1].download_button(
        "CSV (zip)", _csv_zip(report), "labeleval_report.zip", "application/zip", key="download_csv"
    )
    cols[2].download_button(
        "Markdown", report.to_markdown(), "labeleval_report.md", "text/markdown", key="download_markdown"
    )
    cols[3].download_button("HTML", report.to_html(), "labeleval_report.html", "text/html", key="download_html")


def _csv_zip(report: Report) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, frame in report.frames().items():
            archive.writestr(f"{name}.csv", frame.to_csv(index=False))
        archive.writestr("settings.json", report.to_json([]))
    return buffer.getvalue()
