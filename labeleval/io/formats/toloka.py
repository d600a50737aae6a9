"""Toloka assignments TSV, as downloaded from a pool ("Download results"), with control tasks as gold (``toloka``).

Source: Toloka's documentation, "Receiving responses" (Toloka/docs, ``en/guide/concepts/result-of-eval.md``)
and toloka-kit's ``GetAssignmentsTsvParameters`` / ``TolokaClient.get_assignments_df`` (the same file read
into pandas). Columns: ``INPUT:<field>`` (task input), ``OUTPUT:<field>`` (the Toloker's answer),
``GOLDEN:<field>`` (the control answer, on control tasks), ``HINT:*``, and per page (assignment, the same
on every task of the page) ``ASSIGNMENT:link``, ``ASSIGNMENT:assignment_id``, ``ASSIGNMENT:worker_id``,
``ASSIGNMENT:status`` (``SUBMITTED``, ``APPROVED``/``ACCEPTED``, ``REJECTED``, ``SKIPPED``,
``EXPIRED``), ``ASSIGNMENT:started``, ``ASSIGNMENT:submitted`` and ``ASSIGNMENT:reward``.

What the reader takes: one row per task line: item id = the ``INPUT:`` field named by ``item_field``
(default: ``INPUT:id`` when present, else the first ``INPUT:`` column); annotator = ``ASSIGNMENT:worker_id``;
label = ``OUTPUT:<question>`` (or the only ``OUTPUT:`` column); ``ASSIGNMENT:submitted`` as submission
time; seconds per judgment = (submitted - started) of the page divided by the page's number of tasks --
an **estimate** (Toloka records time per page, not per task); ``ASSIGNMENT:reward`` divided the same way
as the row's cost. A page whose timings are reversed gives a negative duration, quarantined as
NEGATIVE_DURATION. Set aside: ``REJECTED`` pages (REJECTED), ``SKIPPED``/``EXPIRED`` (NOT_COMPLETED).
As ``[gold]``: the distinct (item, ``GOLDEN:<question>``) pairs of control tasks.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from labeleval.errors import AdapterError
from labeleval.io.formats.base import ReadOptions, pick_question
from labeleval.io.readers import RawTable, read_table
from labeleval.project.schema import NOT_COMPLETED, REJECTED

KEPT_STATUSES = ("SUBMITTED", "APPROVED", "ACCEPTED", "")


def looks_like(columns: list[str]) -> bool:
    return any(c.startswith("OUTPUT:") for c in columns) and "ASSIGNMENT:worker_id" in columns


def _load(path: Path, name: str, options: ReadOptions) -> tuple[RawTable, str, str]:
    fmt = "csv" if path.suffix.lower() == ".csv" else "tsv"
    raw = read_table(path, fmt=fmt, encoding=options.encoding, display_name=name)
    columns = list(raw.frame.columns)
    if not looks_like(columns):
        raise AdapterError(
            f"{name} does not look like a Toloka assignments file: expected OUTPUT:... and ASSIGNMENT:worker_id "
            f"columns; found {', '.join(map(repr, columns[:10]))}"
        )
    outputs = [c.removeprefix("OUTPUT:") for c in columns if c.startswith("OUTPUT:")]
    question = pick_question(outputs, options.question, name, "(Toloka OUTPUT field)")
    inputs = [c for c in columns if c.startswith("INPUT:")]
    if options.item_field:
        item_col = options.item_field if options.item_field in columns else f"INPUT:{options.item_field}"
        if item_col not in columns:
            raise AdapterError(f"{name}: no column {options.item_field!r} for the item id; INPUT columns: {inputs}")
    elif "INPUT:id" in columns:
        item_col = "INPUT:id"
    elif inputs:
        item_col = inputs[0]
    else:
        raise AdapterError(f"{name}: no INPUT: column to use as the item id")
    return raw, question, item_col


def _per_distinct(series: pd.Series, convert: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """``convert`` applied once per distinct value (a page's times and reward repeat on each of its tasks)."""
    codes, uniques = pd.factorize(series, use_na_sentinel=False)
    converted = convert(pd.Series(uniques))
    return pd.Series(converted.array.take(codes), index=series.index)  # .array keeps the dtype (no objects)


def _times(series: pd.Series) -> pd.Series:
    return pd.to_datetime(series, errors="coerce", utc=True, format="ISO8601")


def read(path: Path, *, name: str, options: ReadOptions) -> RawTable:
    """Read a Toloka assignments TSV (module docstring). Vectorised: no Python loop over rows, and each
    page-level field (status, times, reward) is converted once per distinct value."""
    raw, question, item_col = _load(path, name, options)
    frame = raw.frame
    n = len(frame)
    page = frame["ASSIGNMENT:assignment_id"] if "ASSIGNMENT:assignment_id" in frame else frame["ASSIGNMENT:worker_id"]
    page_codes = pd.factorize(page)[0]
    tasks_on_page = np.bincount(page_codes)[page_codes].astype(np.float64)
    status_codes, statuses = pd.factorize(frame.get("ASSIGNMENT:status", pd.Series("", index=frame.index)))
    upper = np.asarray([str(x).upper() for x in statuses] + [""], dtype=object)
    keep = np.isin(upper, KEPT_STATUSES)[status_codes]
    rejected = (upper == "REJECTED")[status_codes]
    seconds = np.full(n, np.nan)
    submitted_at: pd.Series | None = None
    if "ASSIGNMENT:submitted" in frame:
        raw_submitted = frame["ASSIGNMENT:submitted"]
        submitted = _per_distinct(raw_submitted, _times)
        unparsed = submitted.isna().to_numpy() & (raw_submitted.str.strip() != "").to_numpy()
        submitted_at = raw_submitted if unparsed.any() else submitted  # text that is no time: BAD_TIMESTAMP later
        if "ASSIGNMENT:started" in frame:
            started = _per_distinct(frame["ASSIGNMENT:started"], _times)
            seconds = (submitted - started).dt.total_seconds().to_numpy() / tasks_on_page
    cost = np.full(n, np.nan)
    if "ASSIGNMENT:reward" in frame:
        reward = _per_distinct(frame["ASSIGNMENT:reward"], lambda s: pd.to_numeric(s, errors="coerce"))
        cost = reward.to_numpy(dtype=np.float64) / tasks_on_page
    out = pd.DataFrame(
        {
            "item_id": frame[item_col],
            "annotator_id": frame["ASSIGNMENT:worker_id"],
            "label": frame[f"OUTPUT:{question}"],
            "duration_s": seconds,
            "submitted_at": submitted_at,
            "cost": cost,
            "batch_id": page,
        },
        copy=False,
    )
    if submitted_at is None:
        out = out.drop(columns="submitted_at")
    dropped = ~keep
    excluded = pd.DataFrame(
        {
            "line": raw.line[dropped],
            "reason": np.where(rejected[dropped], str(REJECTED), str(NOT_COMPLETED)),
            "column": "ASSIGNMENT:status",
            "value": upper[status_codes][dropped],
            "message": np.where(
                rejected[dropped],
                "the assignment was rejected",
                "the assignment was not completed (skipped or expired)",
            ),
            "seconds": seconds[dropped],
            "cost": cost[dropped],
        }
    )
    note = f"{name}: seconds per judgment are an estimate: each page's time split evenly over its tasks"
    kept = out if keep.all() else out[keep].reset_index(drop=True)
    return RawTable(kept, raw.line[keep], raw.fmt, excluded=excluded, notes=[note])


def read_gold(path: Path, *, name: str, options: ReadOptions) -> RawTable:
    """Control tasks of a Toloka assignments TSV as gold: one row per distinct (item, GOLDEN answer)."""
    raw, question, item_col = _load(path, name, options)
    golden = f"GOLDEN:{question}"
    if golden not in raw.frame:
        raise AdapterError(f"{name}: no {golden} column, so the file holds no control answers to use as gold")
    frame = pd.DataFrame({"item_id": raw.frame[item_col], "label": raw.frame[golden], "line": raw.line})
    frame = frame[frame["label"].astype(str).str.strip() != ""].drop_duplicates(["item_id", "label"])
    return RawTable(frame[["item_id", "label"]].reset_index(drop=True), frame["line"].to_numpy(np.int64), raw.fmt)
