"""Scale's GenAI (v2) task export: tasks with threads, turns, annotations and contributors (``scale``).

Source: Scale's official Python client, scaleapi/scaleapi-python-client, the v2 models generated from Scale's
"GenAI API Spec" (``scaleapi/api_client/v2/models/``): ``task.py`` (``task_id``, ``status`` one of ``pending``,
``completed``, ``canceled``, ``error``, ``deleted``; ``completed_at``, ``metadata``, ``threads`` — empty unless the
task is completed — and ``sensitive_content_reports``), ``thread.py`` (``id``, ``turns``, ``submissions``,
``annotations``), ``submission.py`` (``contributor_id``, ``submitted_at``), ``turn.py`` (``id``, ``messages``,
``annotations``), ``message.py`` (``annotations``, ``rubric_evaluations``), ``base_annotation.py`` and
``annotation_*_properties.py`` (an annotation's ``key``, ``type`` — ``category``, ``category_multiple``,
``boolean``, ``integer``, ``text``, ``rubric_rating`` ... — ``value``, ``not_applicable``, ``cannot_assess``),
``rubric_evaluation.py`` / ``criterion_evaluation.py`` (``criteria_evaluations`` with ``criterion_definition_id``
and ``score``, ``total_score``, ``percentage``); a listing (``get_tasks_response.py``,
``get_delivered_tasks_response.py``) wraps them as ``{"tasks": [...]}``.

What the reader takes: one row per annotation with the key named by ``question`` (or the only label-like key:
category, multi-category as a set, boolean, integer, a rubric rating's score) on each thread of each completed
task (record = the task's position in the JSON list, or its line in JSON lines). Item id = ``task_id`` or a
field named by ``item_field`` such as ``metadata.item_id``; where the key is annotated on several turns of one
thread, each turn is an item of its own (``<item>/turn-<n>``). Annotator = the ``contributor_id`` of the thread's
last submission; a thread with no submission is Scale's consolidated answer (annotator ``consolidated``, and the
reader says agreement within the vendor cannot be measured). Submission time = that submission's
``submitted_at``, else the task's ``completed_at``. Set aside: tasks not completed (``canceled``: CANCELLED,
others NOT_COMPLETED), a completed task with no threads (reported as sensitive content, or empty: NO_ANSWER),
an annotation marked ``not_applicable`` or ``cannot_assess``, or a thread without the key (NO_ANSWER).

Rubric reviews: :func:`rubric_reviews` reads the rubric evaluations as a graded task's reviews (``[reviews] format
= "scale"``; its docstring says how Scale's structure maps onto deliverable, reviewer, criterion and score), and
:func:`rubric_scores` gives every criterion's score per thread as a plain table (item, annotator, criterion, score,
total_score, percentage); the label reader itself takes rubric ratings only as a label (their score).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd

from labeleval.io.formats.base import (
    ReadOptions,
    RowBuilder,
    getter,
    id_text,
    label_text,
    load_json_records,
    malformed_json,
    pick_question,
)
from labeleval.io.readers import RawTable
from labeleval.options import Reason
from labeleval.project.schema import CANCELLED, CONSOLIDATED, NO_ANSWER, NOT_COMPLETED

#: annotation types whose value is a label (a category, a set of them, a yes/no, a number, a rubric score)
LABEL_TYPES: Final = frozenset({"category", "category_multiple", "boolean", "integer", "rubric_rating"})


def looks_like(record: dict[str, Any]) -> bool:
    return "task_id" in record and isinstance(record.get("threads"), list)


def unwrap(records: list[Any], numbers: list[int]) -> tuple[list[Any], list[int]]:
    """A listing ``{"tasks": [...]}`` (one JSON document) as its tasks, numbered by position."""
    if len(records) == 1 and isinstance(records[0], dict) and isinstance(records[0].get("tasks"), list):
        tasks = records[0]["tasks"]
        return tasks, list(range(1, len(tasks) + 1))
    return records, numbers


def _annotations(thread: dict[str, Any]) -> Iterator[tuple[int | None, dict[str, Any]]]:
    """(turn number or None for the thread's own, annotation) for every annotation of a thread."""
    for annotation in thread.get("annotations") or []:
        if isinstance(annotation, dict):
            yield None, annotation
    for n, turn in enumerate(thread.get("turns") or [], start=1):
        if not isinstance(turn, dict):
            continue
        messages = [m for m in turn.get("messages") or [] if isinstance(m, dict)]
        for annotation in [
            *(turn.get("annotations") or []),
            *(a for m in messages for a in m.get("annotations") or []),
        ]:
            if isinstance(annotation, dict):
                yield n, annotation


def _threads(task: dict[str, Any]) -> list[dict[str, Any]]:
    return [t for t in task.get("threads") or [] if isinstance(t, dict)]


def label_keys(tasks: list[Any]) -> list[str]:
    """The keys of label-like annotations in the first tasks, in order of appearance."""
    keys: dict[str, None] = {}
    for task in tasks[:500]:
        if isinstance(task, dict):
            for thread in _threads(task):
                for _, annotation in _annotations(thread):
                    if annotation.get("type") in LABEL_TYPES and isinstance(annotation.get("key"), str):
                        keys[annotation["key"]] = None
    return list(keys)


def annotation_label(annotation: dict[str, Any]) -> Any:
    """An annotation's value as label text: a rubric rating's score, a boolean as true/false, a set as JSON."""
    value = annotation.get("value")
    if annotation.get("type") == "rubric_rating":
        value = value.get("score") if isinstance(value, dict) else None
    if isinstance(value, bool):
        return "true" if value else "false"
    return label_text(value)


def contributor(thread: dict[str, Any]) -> tuple[Any, Any]:
    """(contributor id, submitted at) of the thread's last submission, or (None, None)."""
    submissions = [s for s in thread.get("submissions") or [] if isinstance(s, dict)]
    if not submissions:
        return None, None
    last = max(submissions, key=lambda s: str(s.get("submitted_at") or ""))
    return id_text(last.get("contributor_id")), last.get("submitted_at")


def _status(out: RowBuilder, line: int, task: dict[str, Any]) -> bool:
    """Set aside a task that delivered nothing; True when it did."""
    status = str(task.get("status", "completed")).lower()
    task_id = task.get("task_id")
    if status != "completed":
        reason = CANCELLED if status in ("canceled", "cancelled") else NOT_COMPLETED
        out.exclude(line, reason, f"task {task_id} has status {status!r}", column="status", value=status)
        return True
    if not _threads(task):
        why = "reported as sensitive content" if task.get("sensitive_content_reports") else "no threads"
        out.exclude(line, NO_ANSWER, f"task {task_id}: {why}", column="threads")
        return True
    return False


def _thread_rows(out: RowBuilder, line: int, task: dict[str, Any], item: Any, thread: dict[str, Any], key: str) -> bool:
    """The rows one thread gives for ``key``; False when it consolidated (no contributor)."""
    worker, submitted = contributor(thread)
    found = [(turn, a) for turn, a in _annotations(thread) if a.get("key") == key]
    if not found:
        out.exclude(line, NO_ANSWER, f"task {task.get('task_id')}, thread {thread.get('id')}: no {key!r}", column=key)
        return worker is not None
    turns = {turn for turn, _ in found}
    for turn, annotation in found:
        where = item if len(turns) == 1 or turn is None else f"{item}/turn-{turn}"
        label = annotation_label(annotation)
        if annotation.get("not_applicable") or annotation.get("cannot_assess") or label is None:
            why = "not applicable" if annotation.get("not_applicable") else "cannot assess"
            why = why if annotation.get("not_applicable") or annotation.get("cannot_assess") else "no value"
            out.exclude(line, NO_ANSWER, f"item {where}, {key!r}: {why}", column=key)
            continue
        out.add(
            line,
            where,
            worker if worker is not None else CONSOLIDATED,
            label,
            submitted_at=submitted or task.get("completed_at"),
            batch_id=id_text(task.get("batch")) if isinstance(task.get("batch"), str) else None,
        )
    return worker is not None


def read_tasks(records: list[Any], numbers: list[int], lines: bool, name: str, options: ReadOptions) -> RawTable:
    """Read GenAI v2 tasks (module docstring)."""
    records, numbers = unwrap(records, numbers)
    key = pick_question(label_keys(records), options.question, name, "(Scale annotation key)")
    item_of = getter(options.item_field or "task_id")
    out = RowBuilder(metadata=options.metadata)
    consolidated = False
    for line, task in zip(numbers, records, strict=True):
        if malformed_json(out, line, task, "Scale task") or _status(out, line, task):
            continue
        item = id_text(item_of(task))
        out.describe(item, task)
        for thread in _threads(task):
            consolidated |= not _thread_rows(out, line, task, item, thread, key)
    if consolidated:
        out.notes.append(
            f"{name}: some threads name no contributor (no submissions), so their answers are Scale's consolidated "
            "ones (annotator 'consolidated'): agreement within this vendor cannot be measured on them"
        )
    return out.table("jsonl" if lines else "json")


def rubric_scores(path: Path, *, name: str, options: ReadOptions) -> pd.DataFrame:
    """Every rubric criterion's score per thread of a completed task, for a rubric scoring to read.

    Columns: ``line`` (the task's record), ``item_id``, ``annotator_id`` (as :func:`read_tasks` names them),
    ``criterion`` (``criterion_definition_id``), ``score`` (un-weighted), ``total_score`` and ``percentage``
    (the evaluation's, repeated on each of its criteria).
    """
    records, numbers, _ = load_json_records(path, name, options.encoding, "Scale GenAI task export")
    records, numbers = unwrap(records, numbers)
    item_of = getter(options.item_field or "task_id")
    rows: list[dict[str, Any]] = []
    for line, task in zip(numbers, records, strict=True):
        if not isinstance(task, dict) or str(task.get("status", "completed")).lower() != "completed":
            continue
        for thread in _threads(task):
            worker = contributor(thread)[0] or CONSOLIDATED
            for message in _evaluated(thread):
                for evaluation in message["rubric_evaluations"]:
                    rows += _criteria(evaluation, line, id_text(item_of(task)), worker)
    columns = ["line", "item_id", "annotator_id", "criterion", "score", "total_score", "percentage"]
    return pd.DataFrame(rows, columns=columns)


def _criteria(evaluation: Any, line: int, item: Any, worker: Any) -> list[dict[str, Any]]:
    if not isinstance(evaluation, dict):
        return []
    base = {"line": line, "item_id": item, "annotator_id": worker}
    totals = {"total_score": evaluation.get("total_score"), "percentage": evaluation.get("percentage")}
    return [
        {**base, "criterion": c.get("criterion_definition_id"), "score": c.get("score"), **totals}
        for c in evaluation.get("criteria_evaluations") or []
        if isinstance(c, dict)
    ]


#: the columns :func:`rubric_reviews` gives a graded task's reviews reader
REVIEW_COLUMNS: Final = ("deliverable_id", "reviewer_id", "criterion", "score")


def _evaluated(thread: dict[str, Any]) -> list[dict[str, Any]]:
    """The messages of a thread that carry at least one rubric evaluation."""
    out = []
    for turn in thread.get("turns") or []:
        messages = turn.get("messages") if isinstance(turn, dict) else None
        for message in messages if isinstance(messages, list) else []:
            evaluations = message.get("rubric_evaluations") if isinstance(message, dict) else None
            if isinstance(evaluations, list) and evaluations:
                out.append(message)
    return out


def _criterion_evaluations(out: RowBuilder, line: int, message: dict[str, Any]) -> list[dict[str, Any]]:
    """A message's criterion evaluations, in order; an entry that is not a JSON object is malformed."""
    found: list[dict[str, Any]] = []
    for evaluation in message["rubric_evaluations"]:
        listed = evaluation.get("criteria_evaluations") if isinstance(evaluation, dict) else None
        if not isinstance(listed, list):
            out.malformed.append((line, "a rubric evaluation without a criteria_evaluations list"))
            continue
        for criterion in listed:
            if isinstance(criterion, dict):
                found.append(criterion)
            else:
                out.malformed.append((line, f"a criterion evaluation is {type(criterion).__name__}, not an object"))
    return found


def _task_reviews(
    out: RowBuilder, rows: list[tuple[Any, ...]], line: int, task: dict[str, Any], deliverable: Any
) -> None:
    """One completed task's rubric evaluations as review rows, or set aside each with its reason."""
    task_id = task.get("task_id")
    per_thread = [(thread, _evaluated(thread)) for thread in _threads(task)]
    texts = {json.dumps(m.get("content"), sort_keys=True, default=str) for _, found in per_thread for m in found}
    several = any(len(found) > 1 for _, found in per_thread) or len(texts) > 1
    if not texts:
        out.exclude(line, NO_ANSWER, f"task {task_id}: no rubric evaluation", column="rubric_evaluations")
        return
    for thread, found in per_thread:
        reviewer = contributor(thread)[0]
        for message in found:
            for criterion in _criterion_evaluations(out, line, message):
                name = criterion.get("criterion_definition_id")
                if several:
                    why = f"task {task_id}: rubric evaluations on {len(texts)} different messages under one deliverable"
                    out.exclude(line, Reason.AMBIGUOUS_REVIEW, why, column="deliverable_id", value=deliverable or "")
                elif reviewer is None:
                    why = f"task {task_id}, thread {thread.get('id')}: no submission names the reviewer (consolidated)"
                    out.exclude(line, Reason.MISSING_VALUE, why, column="reviewer_id")
                else:
                    rows.append((line, deliverable, reviewer, id_text(name), criterion.get("score")))


def rubric_reviews(path: Path, *, name: str, encoding: str, deliverable_field: str) -> RawTable:
    """A graded task's reviews from the rubric evaluations of a GenAI v2 export: one row per criterion evaluation.

    What a row means, from the v2 models: a ``RubricEvaluation`` hangs on the ``Message`` it scores (``message.py``
    ``rubric_evaluations``), its ``criteria_evaluations`` give each criterion's ``criterion_definition_id`` and
    un-weighted ``score`` (``criterion_evaluation.py``), and nothing in it names who scored; the one person a
    thread names is the contributor of its ``submissions`` (``submission.py``: "the contributor submission made to
    the thread"). So: deliverable = the task's field at ``deliverable_field`` (the id the lab gave the work it sent
    for review, e.g. ``metadata.deliverable_id``); reviewer = the ``contributor_id`` of the thread's last
    submission; criterion = ``criterion_definition_id``; score = ``score``. The export links a review to a message,
    not to an id, so a task is only read when every rubric evaluation in it scores the same text: evaluations on
    several messages of one thread, or on messages whose content differs between threads, are set aside
    (AMBIGUOUS_REVIEW). Also set aside: tasks not completed (CANCELLED, NOT_COMPLETED), a completed task with no
    threads or no rubric evaluation (NO_ANSWER), a thread with no submission (Scale's consolidated answer: no
    reviewer, MISSING_VALUE). Line = the task's record (JSON) or line (JSON lines).
    """
    records, numbers, lines = load_json_records(path, name, encoding, "Scale GenAI task export")
    records, numbers = unwrap(records, numbers)
    deliverable_of = getter(deliverable_field)
    out = RowBuilder()
    rows: list[tuple[Any, ...]] = []
    for line, task in zip(numbers, records, strict=True):
        if malformed_json(out, line, task, "Scale task") or _status(out, line, task):
            continue
        before = len(rows) + len(out.excluded["line"]) + len(out.malformed)
        _task_reviews(out, rows, line, task, id_text(deliverable_of(task)))
        if before == len(rows) + len(out.excluded["line"]) + len(out.malformed):
            why = f"task {task.get('task_id')}: its rubric evaluations score no criterion"
            out.exclude(line, NO_ANSWER, why, column="criteria_evaluations")
    table = out.table("jsonl" if lines else "json")
    frame = pd.DataFrame([row[1:] for row in rows], columns=list(REVIEW_COLUMNS), dtype=object)
    return replace(table, frame=frame, line=np.asarray([row[0] for row in rows], dtype=np.int64))
