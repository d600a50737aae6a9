"""Scale AI task exports: task objects as a JSON list, JSON lines, or callback bodies (``scale``).

Source: Scale's API reference, "Callbacks" (https://scale.com/docs/api-reference/callbacks) and the
task object it posts, and the official Python client (scaleapi/scaleapi-python-client: a task carries
``task_id``, ``status``, ``params``, ``response`` ...). A task object has ``task_id``, ``status``
(``completed``, ``pending``, ``canceled``, ``error``), ``completed_at``, ``created_at``, ``type``,
``metadata`` (whatever the customer attached at creation) and ``response``, e.g.
``{"category": "red"}`` for a categorization task (a list when several categories are allowed). A
callback body wraps the task as ``{"task": {...}, "response": {...}, "task_id": ...}``.

What the reader takes: one row per completed task (record = position in a JSON list, or line in JSON
lines); item id = ``task_id``, or a field named by ``item_field`` such as ``"metadata.item_id"`` (the
usual way to send one item as several tasks); label = the ``response`` field named by ``question`` (or the
only one); ``completed_at`` as submission time; a time spent, where the export has one, from the dotted
path given as ``columns = { duration_s = "..." }`` (in ``duration_unit``). Tasks whose ``status`` is not
``completed`` are set aside: ``canceled`` as CANCELLED, anything else as NOT_COMPLETED.

Annotators: Scale's documented task object does not name the worker. When the export carries one per
task (for example in ``metadata``, or per attempt), name it with ``annotator_field``; otherwise every row
is Scale's one consolidated answer per task (annotator ``consolidated``), and the reader says that
agreement within the vendor cannot be measured: compare it on accuracy and cost.

Scale's GenAI (v2) tasks (``threads`` of turns and annotations, with each thread's contributor) are read by the
same format: see :mod:`labeleval.io.formats.scale_v2`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from labeleval.io.formats.base import (
    ReadOptions,
    RowBuilder,
    getter,
    id_text,
    label_text,
    load_json_records,
    malformed_json,
    pick_question,
    require,
)
from labeleval.io.formats.scale_v2 import looks_like as looks_like_v2
from labeleval.io.formats.scale_v2 import read_tasks, unwrap
from labeleval.io.readers import RawTable
from labeleval.project.schema import CANCELLED, CONSOLIDATED, NO_ANSWER, NOT_COMPLETED


def _task(record: dict[str, Any]) -> dict[str, Any]:
    inner = record.get("task")
    return inner if isinstance(inner, dict) else record


def looks_like(record: dict[str, Any]) -> bool:
    task = _task(record)
    return "task_id" in task and ("status" in task or "response" in task)


def read(path: Path, *, name: str, options: ReadOptions) -> RawTable:
    """Read a Scale task export (module docstring)."""
    records, numbers, lines = load_json_records(path, name, options.encoding, "Scale task export")
    tasks, _ = unwrap(records, numbers)
    if any(looks_like_v2(t) for t in tasks[:20] if isinstance(t, dict)):
        return read_tasks(records, numbers, lines, name, options)
    require(
        records,
        looks_like,
        name,
        "Scale",
        'task objects with "task_id", "status" and "response" (or GenAI tasks with "threads")',
    )
    keys: dict[str, None] = {}
    for rec in records[:500]:
        response = _task(rec).get("response") if isinstance(rec, dict) else None
        if isinstance(response, dict):
            keys.update(dict.fromkeys(response))
    question = pick_question(list(keys), options.question, name, "(Scale response field)")
    item_of = getter(options.item_field or "task_id")
    annotator_of = getter(options.annotator_field) if options.annotator_field else None
    seconds_of = getter(options.extra["duration_s"]) if "duration_s" in options.extra else None
    out = RowBuilder(metadata=options.metadata)
    consolidated = options.annotator_field is None
    if consolidated:
        out.notes.append(
            f"{name}: the export names no worker per task (set annotator_field to a field that does), so each "
            "row is Scale's consolidated answer: agreement within this vendor cannot be measured; compare it "
            "on accuracy and cost"
        )
    for record, raw in zip(numbers, records, strict=True):
        if malformed_json(out, record, raw, "Scale task object"):
            continue
        task = _task(raw)
        item = id_text(item_of(task))
        out.describe(item, task)
        status = str(task.get("status", "completed")).lower()
        if status != "completed":
            reason = CANCELLED if status in ("canceled", "cancelled") else NOT_COMPLETED
            out.exclude(
                record, reason, f"task {task.get('task_id')} has status {status!r}", column="status", value=status
            )
            continue
        response = task.get("response") if isinstance(task.get("response"), dict) else raw.get("response")
        label = label_text(response.get(question)) if isinstance(response, dict) else None
        if label is None:
            out.exclude(
                record, NO_ANSWER, f"task {task.get('task_id')}: no response.{question}", column=f"response.{question}"
            )
            continue
        annotator = CONSOLIDATED if annotator_of is None else id_text(annotator_of(task))
        seconds = seconds_of(task) if seconds_of is not None else None
        out.add(
            record,
            item,
            annotator,
            label,
            submitted_at=task.get("completed_at"),
            batch_id=id_text(task.get("batch")),
            duration_s=seconds * options.duration_factor if isinstance(seconds, int | float) else seconds,
        )
    return out.table("jsonl" if lines else "json")
