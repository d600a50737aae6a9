"""Helpers every page shares: the page header and tables in human words with blanks explained."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import streamlit as st

from labeleval import fmt
from labeleval.present import glossary
from labeleval.report import Report
from labeleval.safety import markdown_text, spreadsheet_cell, spreadsheet_frame

#: A figure as the glossary writes it (``-10.0 points``, ``-$3.000``, ``-5.2% [-8.0, -2.1]``)
_FIGURE = re.compile(glossary.NUMERIC_CELL)
MINUS = "\u2212"
#: How much of an item's text a table shows; the full text is one click away (the item view below the table).
TEXT_PREVIEW = 90


def header(report: Report, title: str) -> None:
    st.title(title)
    st.caption(header_caption(report))


def header_caption(report: Report) -> str:
    """The line under a page's title: task, kind, vendors, judgments, gold items, intervals."""
    s = report.settings
    summary = report.summary
    gold = summary["gold_items"].max() if len(summary) else 0
    return (
        f"{markdown_text(s['task'])} · {s['kind']} · {len(summary)} vendors · "
        f"{fmt.count(summary['n_judgments'].sum())} judgments · {fmt.count(gold if pd.notna(gold) else 0)} gold "
        f"items · {fmt.confidence_level(float(s['confidence']))} intervals from {fmt.count(s['n_boot'])} "
        f"bootstrap resamples"
    )


def table(
    frame: pd.DataFrame,
    *,
    key: str,
    drop: Sequence[str] = (),
    label_column: str = "vendor",
    height: int | None = None,
    index: bool = False,
    terms: Mapping[str, glossary.Term] | None = None,
    currency: str | None = None,
) -> pd.DataFrame:
    """A Report frame as a table a person reads: glossary names and units, ``—`` for blanks with the reason
    under the table, each column's meaning in its header tooltip. ``currency``: of money columns, for a frame
    without a ``currency`` column. Returns the display frame shown."""
    shown = glossary.display_frame(frame, drop=tuple(drop), terms=terms, currency=currency)
    config: dict[str, Any] = {}
    numeric = shown.apply(lambda col: bool(col.astype(str).str.fullmatch(glossary.NUMERIC_CELL).all()))
    for column in frame.columns:
        if column in drop:
            continue
        term = (terms or {}).get(str(column)) or glossary.column_term(str(column))
        if term.name in shown.columns:
            config[term.name] = st.column_config.TextColumn(
                term.name, help=term.help or None, alignment="right" if bool(numeric[term.name]) else "left"
            )
    dataframe(shown, hide_index=not index, width="stretch", height=height or "auto", key=key, column_config=config)
    notes = glossary.blank_notes(frame.drop(columns=[c for c in drop if c in frame.columns]), label_column)
    if notes:
        st.caption(markdown_text(" · ".join(notes)))
    return shown


def dataframe(frame: pd.DataFrame, **options: Any) -> None:
    """``st.dataframe`` of :func:`display_safe` ``(frame)``: every table of the app goes through here, because
    Streamlit's own "Download as CSV" button on a table exports what the table holds."""
    st.dataframe(display_safe(frame), **options)


def display_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` as a table may show it: no text cell, column name or index label that a spreadsheet would run
    as a formula (Streamlit's "Download as CSV" writes the cells as they are). A figure's leading minus becomes
    the minus sign (U+2212, ``−10.0 points``), which reads the same and is no formula; any other such text gets
    a leading ``'`` (:func:`labeleval.safety.spreadsheet_frame`), as in the app's own CSV downloads."""
    out = frame.copy()
    for position in range(out.shape[1]):
        column = out.iloc[:, position]
        if pd.api.types.is_object_dtype(column.dtype) or pd.api.types.is_string_dtype(column.dtype):
            out.isetitem(position, column.map(_minus_sign, na_action="ignore"))
    out = spreadsheet_frame(out)
    textual = pd.api.types.is_object_dtype(out.index.dtype) or pd.api.types.is_string_dtype(out.index.dtype)
    if textual and not isinstance(out.index, pd.MultiIndex):
        out.index = pd.Index([spreadsheet_cell(_minus_sign(v)) for v in out.index], name=out.index.name)
    return out


def _minus_sign(value: object) -> object:
    if isinstance(value, str) and value.startswith("-") and _FIGURE.fullmatch(value):
        return MINUS + value[1:]
    return value


def preview(text: object, width: int = TEXT_PREVIEW) -> str:
    """The first ``width`` characters of an item's text on one line, with … when cut."""
    if text is None or (isinstance(text, float) and pd.isna(text)):
        return ""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= width else flat[: width - 1].rstrip() + "…"
