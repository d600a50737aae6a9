"""Label Studio exports: JSON (``label_studio``), JSON-MIN and CSV (``label_studio_min``).

Source: Label Studio's documentation, "Label Studio JSON format of annotated tasks"
(https://labelstud.io/guide/task_format) and "Export annotations" (https://labelstud.io/guide/export).
A JSON export is a list of tasks ``{"id", "data": {...}, "annotations": [...], "predictions": [...]}``;
each annotation has ``completed_by`` (a user id, or ``{"id", "email"}``), ``lead_time`` (seconds spent),
``created_at``/``updated_at``, ``was_cancelled``, ``ground_truth`` and a ``result`` list whose items carry
``from_name`` (the control tag), ``type`` and ``value``; a Choices control gives
``value.choices = ["..."]`` (Rating: ``value.rating``, TextArea: ``value.text``).

What the reader takes: one row per annotation (record = the task's position in the export, 1-based);
item id = the task ``id`` (or ``item_field``, e.g. ``"data.item_id"``); annotator = ``completed_by``;
label = the choice under the ``from_name`` named by ``question`` (or the only one); ``lead_time`` as
seconds; ``updated_at`` (else ``created_at``) as submission time. Set aside with a reason: cancelled
annotations (``was_cancelled``: CANCELLED), ground-truth annotations (``ground_truth``: REVIEW_ANNOTATION,
they are the reviewer's, not the vendor's), annotations without a ``result`` or with empty ``choices``
and tasks nobody annotated (NO_ANSWER). ``predictions`` (model pre-annotations) are not judgments and
are not read.

JSON-MIN and CSV exports flatten each annotation to one record: ``id`` (task), ``annotator``,
``annotation_id``, ``lead_time``, ``created_at``/``updated_at``, the task's data fields, and one field
per control named by its ``from_name``, holding the choice (or ``{"choices": [...]}`` when several are
allowed; CSV writes that as JSON text).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from labeleval.io.formats.base import (
    ReadOptions,
    RowBuilder,
    dig,
    getter,
    id_text,
    label_text,
    load_json_records,
    malformed_json,
    pick_question,
    require,
)
from labeleval.io.readers import RawTable, read_table
from labeleval.project.schema import CANCELLED, NO_ANSWER, REVIEW_ANNOTATION
from labeleval.tuning import PROFILE_SAMPLE_ROWS

_VALUE_KEYS = ("choices", "rating", "number", "text", "labels", "taxonomy")


def looks_like(record: dict[str, Any]) -> bool:
    return isinstance(record.get("annotations"), list) and "data" in record


def looks_like_min(record: dict[str, Any]) -> bool:
    return "annotator" in record or "annotation_id" in record


def _result_value(result: dict[str, Any]) -> Any:
    value = result.get("value")
    if not isinstance(value, dict):
        return None
    for key in _VALUE_KEYS:
        if key in value:
            return value[key]
    return None


def _from_names(tasks: list[Any]) -> list[str]:
    names: dict[str, None] = {}
    for task in tasks[:500]:
        if not isinstance(task, dict):
            continue
        for annotation in task.get("annotations") or []:
            for result in (annotation.get("result") or []) if isinstance(annotation, dict) else []:
                if isinstance(result, dict) and _result_value(result) is not None:
                    names.setdefault(str(result.get("from_name")), None)
    return list(names)


def read(path: Path, *, name: str, options: ReadOptions) -> RawTable:
    """Read a Label Studio JSON export (module docstring)."""
    tasks, numbers, _ = load_json_records(path, name, options.encoding, "Label Studio JSON export (a list of tasks)")
    require(tasks, looks_like, name, "Label Studio JSON", 'a list of tasks with "data" and "annotations"')
    question = pick_question(_from_names(tasks), options.question, name, "(Label Studio from_name)")
    out = RowBuilder(metadata=options.metadata)
    item_of = getter(options.item_field or "id")
    annotator_of = getter(options.annotator_field or "completed_by")
    for record, task in zip(numbers, tasks, strict=True):
        if malformed_json(out, record, task, "Label Studio task"):
            continue
        item = id_text(item_of(task))
        out.describe(item, task)
        annotations = task.get("annotations") or []
        if not annotations:
            out.exclude(record, NO_ANSWER, f"task {item} has no annotations", column="annotations", value=item)
            continue
        for k, annotation in enumerate(annotations, start=1):
            where = f"task {item}, annotation {k}"
            if not isinstance(annotation, dict):
                out.exclude(record, NO_ANSWER, f"{where} is not an object", column="annotations")
                continue
            seconds = annotation.get("lead_time")
            seconds = float(seconds) if isinstance(seconds, int | float) else None
            if annotation.get("was_cancelled"):
                out.exclude(
                    record,
                    CANCELLED,
                    f"{where} was cancelled (skipped)",
                    column="was_cancelled",
                    value=True,
                    seconds=seconds,
                )
                continue
            if annotation.get("ground_truth"):
                out.exclude(
                    record,
                    REVIEW_ANNOTATION,
                    f"{where} is a ground-truth (reviewer) annotation",
                    column="ground_truth",
                    value=True,
                    seconds=seconds,
                )
                continue
            if _by_reviewer(out, record, where, id_text(annotator_of(annotation)), options, seconds):
                continue
            if "result" not in annotation:
                out.exclude(record, NO_ANSWER, f"{where} has no 'result'", column="result", seconds=seconds)
                continue
            chosen = [
                _result_value(r)
                for r in annotation.get("result") or []
                if isinstance(r, dict) and str(r.get("from_name")) == question
            ]
            label = label_text(chosen[0]) if chosen else None
            if label is None:
                out.exclude(
                    record,
                    NO_ANSWER,
                    f"{where} has no answer under from_name {question!r} (empty result or choices)",
                    column=f"result.{question}",
                    seconds=seconds,
                )
                continue
            out.add(
                record,
                item,
                id_text(annotator_of(annotation)),
                label,
                duration_s=seconds,
                submitted_at=annotation.get("updated_at") or annotation.get("created_at"),
            )
    return out.table("json")


def read_min(path: Path, *, name: str, options: ReadOptions) -> RawTable:
    """Read a Label Studio JSON-MIN (``.json``) or CSV (``.csv``/``.tsv``) export (module docstring)."""
    if path.suffix.lower() in (".csv", ".tsv"):
        raw = read_table(path, encoding=options.encoding, display_name=name)
        records: list[Any] = raw.frame.to_dict("records")
        numbers = [int(x) for x in raw.line]
        fmt = raw.fmt
    else:
        records, numbers, lines = load_json_records(path, name, options.encoding, "Label Studio JSON-MIN export")
        fmt = "jsonl" if lines else "json"
    require(records, looks_like_min, name, "Label Studio JSON-MIN/CSV", 'records with "annotator" and "id"')
    fixed = {"id", "annotator", "annotation_id", "created_at", "updated_at", "lead_time", "agreement"}
    first = next(r for r in records if isinstance(r, dict))
    candidates = [k for k in first if k not in fixed and _choice(first[k]) is not None]
    if options.question is None and len(candidates) > 1:
        # data fields look like answers too; keep the ones that hold few distinct values
        sample = [r for r in records[:PROFILE_SAMPLE_ROWS] if isinstance(r, dict)]
        distinct = {k: len({str(r.get(k)) for r in sample}) for k in candidates}
        candidates = [k for k in candidates if distinct[k] <= 50]
    question = pick_question(candidates, options.question, name, "(Label Studio from_name)")
    out = RowBuilder(metadata=options.metadata)
    item_field = options.item_field or "id"
    annotator_field = options.annotator_field or "annotator"
    for record, row in zip(numbers, records, strict=True):
        if malformed_json(out, record, row, "Label Studio JSON-MIN record"):
            continue
        item = id_text(dig(row, item_field))
        out.describe(item, row)
        seconds = _number(row.get("lead_time"))
        annotator = id_text(dig(row, annotator_field))
        if _by_reviewer(out, record, f"task {item}", annotator, options, _seconds(seconds)):
            continue
        label = label_text(_choice(row.get(question)))
        if label is None:
            out.exclude(
                record,
                NO_ANSWER,
                f"task {item}: no answer under {question!r}",
                column=question,
                seconds=_seconds(seconds),
            )
            continue
        out.add(
            record,
            item,
            annotator,
            label,
            duration_s=seconds,
            submitted_at=row.get("updated_at") or row.get("created_at") or None,
        )
    if not options.reviewers:
        out.notes.append(
            f"{name}: a JSON-MIN or CSV export does not mark the reviewer's (ground-truth) annotations; any here "
            "are read as judgments: name their annotators with reviewers = [...] to set them aside"
        )
    return out.table(fmt)


def _seconds(value: Any) -> float | None:
    return value if isinstance(value, float) else None


def _by_reviewer(
    out: RowBuilder, record: int, where: str, annotator: str | None, options: ReadOptions, seconds: float | None
) -> bool:
    """Set aside an annotation by an annotator the manifest names as a reviewer (``reviewers``): the reviewer's
    ground truth, not the vendor's judgment (REVIEW_ANNOTATION). True when it was."""
    if annotator is None or annotator not in options.reviewers:
        return False
    out.exclude(
        record,
        REVIEW_ANNOTATION,
        f"{where}: annotation by {annotator}, named a reviewer (reviewers)",
        column="annotator",
        value=annotator,
        seconds=seconds,
    )
    return True


def _choice(value: Any) -> Any:
    if isinstance(value, str) and value.startswith("{"):
        try:
            value = json.loads(value)
        except (json.JSONDecodeError, RecursionError):
            return value
    if isinstance(value, dict):
        for key in _VALUE_KEYS:
            if key in value:
                return value[key]
        return None
    if isinstance(value, str | int | float | list) and value != "":
        return value
    return None


def _number(value: Any) -> Any:
    """Seconds as a float; text that is not a number is passed on (the normaliser quarantines it as BAD_NUMBER)."""
    if value in (None, ""):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return str(value)
