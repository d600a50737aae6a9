"""Labelbox export v2 (NDJSON, one data row per line) with radio and checklist classifications (``labelbox``).

Source: Labelbox's documentation, "Export v2 / Export overview" and "Label export JSON format"
(https://docs.labelbox.com/reference/label-export, https://docs.labelbox.com/reference/export-overview),
and labelbox-python's ``ExportTask`` (streamed NDJSON). Caveat: the search index held no copy of those pages
(only labelbox-python's changelog naming ``ExportTask``), so the field names below follow
the published v2 layout as known, not a stored copy; check a real export with ``labeleval read`` first. Each line is
``{"data_row": {"id", "global_key", "row_data", ...}, "projects": {"<project id>": {"labels": [...],
"project_details": {...}}}}``; each label has ``label_details`` (``created_by``, ``created_at``),
``performance_details`` (``seconds_to_create``, ``seconds_to_review``) and ``annotations``
(``classifications``: ``{"name", "value", "radio_answer": {"name", "value"}}`` or
``{"checklist_answers": [{"name", "value"}, ...]}``; ``objects`` for geometry, not read).

What the reader takes: one row per label (line = the data row's line): item id = ``data_row.global_key``,
else ``data_row.id`` (or ``item_field``); annotator = ``label_details.created_by``; label = the answer of
the classification named by ``question`` (matched on its ``name`` or ``value``; or the only one); a
checklist gives a set (JSON list); ``seconds_to_create`` as seconds; ``created_at`` as submission time.
A label without that classification is set aside as NO_ANSWER.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

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
from labeleval.io.readers import RawTable
from labeleval.project.schema import NO_ANSWER


def looks_like(record: dict[str, Any]) -> bool:
    return isinstance(record.get("data_row"), dict) and isinstance(record.get("projects"), dict)


def _labels(record: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for project_id, project in record.get("projects", {}).items():
        for label in (project or {}).get("labels") or []:
            if isinstance(label, dict):
                out.append((str(project_id), label))
    return out


def _classifications(label: dict[str, Any]) -> list[dict[str, Any]]:
    found = dig(label, "annotations.classifications")
    return [c for c in found if isinstance(c, dict)] if isinstance(found, list) else []


def _answer(classification: dict[str, Any]) -> Any:
    radio = classification.get("radio_answer")
    if isinstance(radio, dict):
        return radio.get("name") or radio.get("value")
    checklist = classification.get("checklist_answers")
    if isinstance(checklist, list):
        return [a.get("name") or a.get("value") for a in checklist if isinstance(a, dict)]
    text = classification.get("text_answer")
    return text.get("content") if isinstance(text, dict) else None


def read(path: Path, *, name: str, options: ReadOptions) -> RawTable:
    """Read a Labelbox export v2 NDJSON file (module docstring)."""
    records, numbers, lines = load_json_records(path, name, options.encoding, "Labelbox export v2 (NDJSON)")
    require(records, looks_like, name, "Labelbox export v2", 'one data row per line with "data_row" and "projects"')
    names: dict[str, None] = {}
    for rec in records[:500]:
        if isinstance(rec, dict) and looks_like(rec):
            for _, label in _labels(rec):
                names.update(dict.fromkeys(str(c.get("name") or c.get("value")) for c in _classifications(label)))
    question = pick_question(list(names), options.question, name, "(Labelbox classification)")
    out = RowBuilder(metadata=options.metadata)
    for record, raw in zip(numbers, records, strict=True):
        if malformed_json(out, record, raw, "Labelbox data row"):
            continue
        row = raw.get("data_row") or {}
        item = (
            id_text(dig(raw, options.item_field))
            if options.item_field
            else id_text(row.get("global_key") or row.get("id"))
        )
        out.describe(item, raw)
        labels = _labels(raw)
        if not labels:
            out.exclude(record, NO_ANSWER, f"data row {item} has no labels", column="projects.labels")
            continue
        for project_id, label in labels:
            seconds = dig(label, "performance_details.seconds_to_create")
            match = [c for c in _classifications(label) if question in (c.get("name"), c.get("value"))]
            answer = label_text(_answer(match[0])) if match else None
            if answer is None:
                out.exclude(
                    record,
                    NO_ANSWER,
                    f"data row {item}: no answer to {question!r}",
                    column="annotations.classifications",
                    seconds=float(seconds) if isinstance(seconds, int | float) else None,
                )
                continue
            annotator = (
                dig(label, options.annotator_field)
                if options.annotator_field
                else dig(label, "label_details.created_by")
            )
            out.add(
                record,
                item,
                id_text(annotator),
                answer,
                duration_s=seconds,
                submitted_at=dig(label, "label_details.created_at"),
                batch_id=project_id,
            )
    return out.table("jsonl" if lines else "json")
