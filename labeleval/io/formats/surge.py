"""Surge AI task exports with their responses, and Surge gold-standard tasks as gold (``surge``).

Source: the official SDK, surge-ai/surge-python (``surge/tasks.py``, ``surge/responses.py``): a task
has ``id``, ``project_id``, ``fields`` (the task's data), ``responses`` and, for gold standards,
``is_gold_standard`` with ``gold_standard_answers`` (one answer per question of the project, in the
project's question order; ``Task.set_gold_standard``); each response has ``id``, ``data`` (the answers,
keyed by question), ``time_spent_in_secs``, ``completed_at`` and ``worker_id``.

What the reader takes: one row per response (record = the task's position in the JSON list, or its line
in JSON lines); item id = the task ``id`` (or ``item_field``, e.g. ``"fields.item_id"``); annotator =
``worker_id``; label = the answer to ``question`` (or the only question); ``time_spent_in_secs`` as
seconds; ``completed_at`` as submission time. A task with no responses is set aside as NO_ANSWER, a
response without an answer to the question likewise. As ``[gold]``, the reader takes the gold-standard
tasks: item id and the gold answer to the same question.

Surge's flat results export (one record per response, JSON or CSV) is read by the same format:
see :mod:`labeleval.io.formats.surge_flat`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from labeleval.errors import AdapterError
from labeleval.io.formats.base import (
    ReadOptions,
    RowBuilder,
    dig,
    id_text,
    label_text,
    load_json_records,
    malformed_json,
    pick_question,
    require,
)
from labeleval.io.formats.surge_flat import is_json, read_csv, read_records
from labeleval.io.formats.surge_flat import looks_like as looks_like_flat
from labeleval.io.readers import RawTable
from labeleval.project.schema import NO_ANSWER


def looks_like(record: dict[str, Any]) -> bool:
    return isinstance(record.get("responses"), list) or "is_gold_standard" in record


def _questions(tasks: list[Any]) -> list[str]:
    keys: dict[str, None] = {}
    for task in tasks[:500]:
        if isinstance(task, dict):
            for response in task.get("responses") or []:
                if isinstance(response, dict) and isinstance(response.get("data"), dict):
                    keys.update(dict.fromkeys(response["data"]))
    return list(keys)


def _flat(tasks: list[Any]) -> bool:
    """Whether JSON records are the flat export (one record per response) rather than tasks with responses."""
    seen = [t for t in tasks if isinstance(t, dict)][:20]
    return not any(looks_like(t) for t in seen) and any(looks_like_flat(t) for t in seen)


def _load(path: Path, name: str, options: ReadOptions) -> tuple[list[Any], list[int], bool, str, list[str]]:
    flat_error = f"{name}: Surge's flat export carries no gold-standard answers; give [gold] a table instead"
    if not is_json(path, options.encoding):
        raise AdapterError(flat_error)
    tasks, numbers, lines = load_json_records(path, name, options.encoding, "Surge export (a list of tasks)")
    if _flat(tasks):
        raise AdapterError(flat_error)
    return (tasks, numbers, lines, *_question(tasks, name, options))


def _question(tasks: list[Any], name: str, options: ReadOptions) -> tuple[str, list[str]]:
    require(
        tasks,
        looks_like,
        name,
        "Surge",
        'tasks with "responses" (worker_id, data, time_spent_in_secs), or the flat export (task_id, worker_id, '
        "one column per question)",
    )
    questions = _questions(tasks)
    return pick_question(questions, options.question, name, "(Surge question)"), questions


def read(path: Path, *, name: str, options: ReadOptions) -> RawTable:
    """Read a Surge export (module docstring): tasks with their responses, or the flat export."""
    if not is_json(path, options.encoding):
        return read_csv(path, name=name, options=options)
    tasks, numbers, lines = load_json_records(path, name, options.encoding, "Surge export (a list of tasks)")
    if _flat(tasks):
        return read_records(tasks, numbers, lines, name, options)
    question, _ = _question(tasks, name, options)
    item_field = options.item_field or "id"
    annotator_field = options.annotator_field or "worker_id"
    out = RowBuilder(metadata=options.metadata)
    for record, task in zip(numbers, tasks, strict=True):
        if malformed_json(out, record, task, "Surge task"):
            continue
        item = id_text(dig(task, item_field))
        out.describe(item, task)
        responses = task.get("responses") or []
        if not responses:
            out.exclude(record, NO_ANSWER, f"task {item} has no responses", column="responses", value=item)
            continue
        for k, response in enumerate(responses, start=1):
            data = response.get("data") if isinstance(response, dict) else None
            label = label_text(data.get(question)) if isinstance(data, dict) else None
            seconds = response.get("time_spent_in_secs") if isinstance(response, dict) else None
            if label is None:
                out.exclude(
                    record,
                    NO_ANSWER,
                    f"task {item}, response {k}: no answer to {question!r}",
                    column=f"data.{question}",
                    seconds=float(seconds) if isinstance(seconds, int | float) else None,
                )
                continue
            out.add(
                record,
                item,
                id_text(dig(response, annotator_field)),
                label,
                duration_s=seconds,
                submitted_at=response.get("completed_at"),
            )
    return out.table("jsonl" if lines else "json")


def read_gold(path: Path, *, name: str, options: ReadOptions) -> RawTable:
    """The gold-standard tasks of a Surge export as a gold table (``item_id``, ``label``)."""
    tasks, numbers, lines, question, questions = _load(path, name, options)
    position = questions.index(question)
    item_field = options.item_field or "id"
    items: list[Any] = []
    labels: list[Any] = []
    found: list[int] = []
    for record, task in zip(numbers, tasks, strict=True):
        if not isinstance(task, dict) or not task.get("is_gold_standard"):
            continue
        answers = task.get("gold_standard_answers")
        if isinstance(answers, dict):
            answer = answers.get(question)
        elif isinstance(answers, list) and len(answers) > position:
            answer = answers[position]
        else:
            answer = None
        items.append(id_text(dig(task, item_field)))
        labels.append(label_text(answer))
        found.append(record)
    frame = pd.DataFrame({"item_id": items, "label": labels}, dtype=object)
    return RawTable(frame, np.asarray(found, dtype=np.int64), "jsonl" if lines else "json")
