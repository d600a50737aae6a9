"""Surge AI's flat results export: one record per response, each question a column (``surge``, JSON or CSV).

Source: the official SDK, surge-ai/surge-python (``surge/reports.py``: ``Report.save_report`` with the report types
``export_json`` and ``export_csv``, ``Report.download_json`` returning "a list of dictionaries of results for each
response"; ``surge/responses.py``: a response's ``worker_id``, ``completed_at``, its answers keyed by question; and
``surge/tasks.py``: a task's ``id`` and ``fields``). The SDK does not spell out the export's columns; the reader
takes them by name: the task id (``task_id``), the worker (``worker_id``), ``time_spent_in_secs`` and
``completed_at`` (spaces or dashes for underscores, any case), the task's fields and one column per question.

What the reader takes: one row per record (record = line of a CSV or JSON-lines file, position in a JSON list);
item id = the task id (or ``item_field``, e.g. a task field holding your own id); annotator = ``worker_id`` (or
``annotator_field``); label = the column named by ``question`` (the question's text), or the only column that is
neither a known one nor ``item_field`` (or, among several, the only one whose name ends in ``?``: a question's
text, where the task's fields are named like fields); a record without an answer is set aside as NO_ANSWER.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any, Final

from labeleval.errors import AdapterError
from labeleval.io.formats.base import (
    ReadOptions,
    RowBuilder,
    id_text,
    label_text,
    load_json_records,
    malformed_json,
    pick_question,
)
from labeleval.io.formats.guess import normal
from labeleval.io.readers import RawTable, read_table
from labeleval.project.schema import NO_ANSWER

#: canonical field -> the normalised column names Surge's export uses for it
KNOWN: Final = {
    "item_id": ("task_id",),
    "annotator_id": ("worker_id",),
    "duration_s": ("time_spent_in_secs", "time_spent_in_seconds", "time_spent"),
    "submitted_at": ("completed_at",),
}
#: columns that are neither an answer nor a task field: ids and bookkeeping of the response
BOOKKEEPING: Final = frozenset(
    {
        "id",
        "response_id",
        "project_id",
        "project_name",
        "task_created_at",
        "created_at",
        "updated_at",
        "is_gold_standard",
        "gold_standard_answers",
        "worker_email",
        "team",
        "approved",
        "status",
    }
)


def looks_like_columns(columns: Iterable[str]) -> bool:
    """A flat export's header (or record keys): a task id, a worker id and the response's time or id."""
    names = {normal(c) for c in columns}
    return "task_id" in names and "worker_id" in names and bool(names & {"time_spent_in_secs", "response_id"})


def looks_like(record: dict[str, Any]) -> bool:
    return "responses" not in record and looks_like_columns(record)


def _columns(names: list[str], options: ReadOptions, name: str) -> tuple[dict[str, str], str]:
    """The file's column for each known field, and the question's column."""
    by_normal = {normal(c): c for c in names}
    found: dict[str, str] = {}
    for canonical, spellings in KNOWN.items():
        hit = next((by_normal[c] for c in spellings if c in by_normal), None)
        if hit is not None:
            found[canonical] = hit
    if options.item_field:
        found["item_id"] = options.item_field
    if options.annotator_field:
        found["annotator_id"] = options.annotator_field
    for canonical, what in (("item_id", "task"), ("annotator_id", "worker")):
        if found.get(canonical) not in names:
            wanted = found.get(canonical, KNOWN[canonical][0])
            shown = ", ".join(map(repr, names[:12]))
            raise AdapterError(f"{name}: no column {wanted!r} (the {what} id); the export has columns {shown}")
    known = {c for c in names if any(normal(c) in spellings for spellings in KNOWN.values())}
    candidates = [c for c in names if c not in {*found.values(), *known} and normal(c) not in BOOKKEEPING]
    asked = [c for c in candidates if c.rstrip().endswith("?")]
    if options.question is None and len(candidates) > 1 and len(asked) == 1:
        return found, asked[0]  # the task's fields are named like fields, its question like a question
    return found, pick_question(candidates, options.question, name, "(Surge flat export: question column)")


def _rows(out: RowBuilder, records: Iterable[tuple[int, dict[str, Any]]], found: dict[str, str], question: str) -> None:
    item_col, worker_col = found["item_id"], found["annotator_id"]
    seconds_col, done_col = found.get("duration_s"), found.get("submitted_at")
    for line, record in records:
        item = id_text(record.get(item_col))
        out.describe(item, record)
        label = label_text(record.get(question))
        seconds = record.get(seconds_col) if seconds_col else None
        if label is None:
            out.exclude(line, NO_ANSWER, f"task {item}: no answer to {question!r}", column=question)
            continue
        out.add(
            line,
            item,
            id_text(record.get(worker_col)),
            label,
            duration_s=None if seconds in (None, "") else seconds,
            submitted_at=record.get(done_col) if done_col else None,
        )


def read_csv(path: Path, *, name: str, options: ReadOptions) -> RawTable:
    """Read a flat CSV export (module docstring): every line kept, set aside, or malformed with its line."""
    table = read_table(path, fmt="csv", encoding=options.encoding, display_name=name)
    names = [str(c) for c in table.frame.columns]
    found, question = _columns(names, options, name)
    out = RowBuilder(metadata=options.metadata)
    out.malformed.extend(table.malformed)
    frame = table.frame.astype(object).where(table.frame.notna(), None)
    records = zip(table.line.tolist(), frame.to_dict("records"), strict=True)
    _rows(out, records, found, question)
    raw = out.table("csv")
    raw.malformed_columns.update(table.malformed_columns)
    return raw


def read_records(records: list[Any], numbers: list[int], lines: bool, name: str, options: ReadOptions) -> RawTable:
    """Read a flat JSON or JSON-lines export (module docstring)."""
    keys: dict[str, None] = {}
    for record in records[:500]:
        if isinstance(record, dict):
            keys.update(dict.fromkeys(record))
    found, question = _columns(list(keys), options, name)
    out = RowBuilder(metadata=options.metadata)
    good = [(n, r) for n, r in zip(numbers, records, strict=True) if not malformed_json(out, n, r, "Surge response")]
    _rows(out, good, found, question)
    return out.table("jsonl" if lines else "json")


def is_json(path: Path, encoding: str) -> bool:
    """Whether a file's content starts as JSON (``[`` or ``{``), else it is read as CSV."""
    with path.open("rb") as handle:
        head = handle.read(256).decode(encoding, errors="replace")
    return head.lstrip("\ufeff \t\r\n")[:1] in ("[", "{")


def read(path: Path, *, name: str, options: ReadOptions) -> RawTable:
    """A flat export as CSV (by content: not starting with ``[`` or ``{``) or JSON."""
    if not is_json(path, options.encoding):
        return read_csv(path, name=name, options=options)
    records, numbers, lines = load_json_records(path, name, options.encoding, "Surge flat export")
    return read_records(records, numbers, lines, name, options)
