"""The Data page: uploads, the ledger, quarantined rows, report downloads."""

from __future__ import annotations

import io
import zipfile

import streamlit as st

from labeleval import fmt
from labeleval.report import LARGE_FRAMES, Report
from labeleval.safety import spreadsheet_frame
from labeleval.ui import upload_budget
from labeleval.ui.screens._common import table
from labeleval.ui.state import current_report
from labeleval.ui.upload import upload_section


def data() -> None:
    report = current_report(show_ledger_on_error=True, graded_ok=True)
    st.title("Data: uploads, ledger and downloads")
    upload_budget.install()  # before the uploaders are drawn: no session's uploads go over its budget
    upload_section()
    if report is None:
        return
    st.subheader("Ledger")
    ledger = report.ledger
    st.caption(
        f"{fmt.count(ledger['rows_read'].sum())} rows read = {fmt.count(ledger['kept'].sum())} kept + "
        f"{fmt.count(ledger['quarantined'].sum())} quarantined."
    )
    table(ledger, key="ledger_table", label_column="file")
    if len(report.quarantine):
        st.subheader("Quarantined rows")
        table(report.quarantine, key="quarantine_table", label_column="file")
    if len(report.notes):
        st.subheader("Notes")
        table(report.notes, key="notes_table")
    st.subheader("Download the report")
    cols = st.columns(4)
    cols[0].download_button(
        "JSON",
        report.to_json([n for n in report.frame_names() if n not in LARGE_FRAMES]),
        "labeleval_report.json",
        "application/json",
        key="download_json",
        on_click="ignore",
    )
    cols[1].download_button(
        "CSV (zip)", _csv_zip(report), "labeleval_report.zip", "application/zip", key="download_csv", on_click="ignore"
    )
    # the documents are written when their button is clicked (the HTML report draws its charts then), so the page
    # stays quick to run; a download leaves the page as it is (a rerun would drop the deferred file it serves)
    cols[2].download_button(
        "Markdown",
        report.to_markdown,
        "labeleval_report.md",
        "text/markdown",
        key="download_markdown",
        on_click="ignore",
    )
    cols[3].download_button(
        "HTML", report.to_html, "labeleval_report.html", "text/html", key="download_html", on_click="ignore"
    )


def _csv_zip(report: Report) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, frame in report.frames().items():
            archive.writestr(f"{name}.csv", spreadsheet_frame(frame).to_csv(index=False))
        archive.writestr("settings.json", report.to_json([]))
    return buffer.getvalue()
