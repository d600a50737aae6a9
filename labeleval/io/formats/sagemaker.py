"""Amazon SageMaker Ground Truth: the output manifest, and per-worker annotation files (``sagemaker_gt``).

Sources: the SageMaker developer guide, "Labeling job output data"
(https://docs.aws.amazon.com/sagemaker/latest/dg/sms-data-output.html): the output manifest is JSON
lines, each the input line (``source-ref`` or ``source``) plus the label attribute (for classification,
the class index) and ``<attribute>-metadata`` with ``class-name``, ``confidence``, ``type``,
``job-name``, ``human-annotated`` and ``creation-date``; and "Processing data in a custom labeling
workflow with AWS Lambda"
(https://docs.aws.amazon.com/sagemaker/latest/dg/sms-custom-templates-step3-lambda-requirements.html):
the per-worker annotations Ground Truth hands to consolidation are a list of
``{"datasetObjectId", "dataObject": {"source-ref" | "source"}, "annotations": [{"workerId",
"annotationData": {"content": "<the worker's answer as a JSON string>"}}]}``; custom workflows write them
to the manifest as ``<attribute>.annotationsFromAllWorkers``.

What the reader takes: from per-worker files, one row per worker annotation (record = the data object's
position, or its line): item id = ``dataObject.source-ref`` / ``source`` (else ``datasetObjectId``, or
``item_field``), annotator = ``workerId``, label = the answer in the JSON-inside-JSON ``content``: the
field named by ``question`` (or the only one), its ``label`` when it is an object. A ``content`` that does
not parse is quarantined as MALFORMED_RECORD naming the record. From an output manifest with only
consolidated labels: one row per line with ``class-name`` as the label and annotator ``consolidated``
(agreement within the vendor cannot be measured).

With ``worker_responses`` (the job's ``annotations/worker-response`` folder, or its consolidation requests), the
file read is the output manifest and each worker's answer is joined to its data object's manifest line, so the
item ids are the manifest's (``item_field``): see :mod:`labeleval.io.formats.sagemaker_join`.
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
    require,
)
from labeleval.io.formats.sagemaker_join import answer_label, metadata, object_item, read_joined
from labeleval.io.readers import RawTable, load_json
from labeleval.limits import current as current_limits
from labeleval.project.schema import CONSOLIDATED, MALFORMED_RECORD, NO_ANSWER


def _workers(record: dict[str, Any]) -> list[Any] | None:
    if isinstance(record.get("annotations"), list):
        return list(record["annotations"])
    for key, value in record.items():
        if (
            isinstance(value, dict)
            and isinstance(value.get("annotationsFromAllWorkers"), list)
            and not key.endswith("-metadata")
        ):
            return list(value["annotationsFromAllWorkers"])
    return None


def looks_like(record: dict[str, Any]) -> bool:
    return _workers(record) is not None or (
        ("source-ref" in record or "source" in record) and metadata(record) is not None
    )


def read(path: Path, *, name: str, options: ReadOptions) -> RawTable:
    """Read a Ground Truth output manifest or per-worker annotation file (module docstring)."""
    records, numbers, lines = load_json_records(path, name, options.encoding, "SageMaker Ground Truth manifest")
    if options.worker_responses is not None:
        require(
            records,
            lambda r: "source-ref" in r or "source" in r,
            name,
            "SageMaker Ground Truth manifest",
            'manifest lines with "source-ref" or "source" (the output manifest of the job whose worker '
            "responses are given)",
        )
        return read_joined(records, numbers, lines, name, options)
    require(
        records,
        looks_like,
        name,
        "SageMaker Ground Truth",
        "data objects with per-worker annotations "
        '("annotations" / "annotationsFromAllWorkers") or a label attribute with "-metadata"',
    )
    out = RowBuilder(metadata=options.metadata)
    noted = False
    for record, raw in zip(numbers, records, strict=True):
        if malformed_json(out, record, raw, "Ground Truth data object"):
            continue
        item = object_item(raw, options.item_field)
        out.describe(item, raw)
        workers = _workers(raw)
        if workers is None:
            meta = metadata(raw) or {}
            if not noted:
                out.notes.append(
                    f"{name}: consolidated labels only (no per-worker annotations): agreement within "
                    "this vendor cannot be measured; compare it on accuracy and cost"
                )
                noted = True
            label = label_text(meta.get("class-name"))
            if label is None:
                out.exclude(
                    record, NO_ANSWER, f"data object {item}: no class-name in the label metadata", column="class-name"
                )
                continue
            out.add(record, item, CONSOLIDATED, label, submitted_at=meta.get("creation-date"))
            continue
        if not workers:
            out.exclude(record, NO_ANSWER, f"data object {item} has no worker annotations", column="annotations")
            continue
        for k, annotation in enumerate(workers, start=1):
            content = dig(annotation, "annotationData.content")
            if isinstance(content, str):
                content, problem = load_json(content, current_limits().json_depth)
                if problem:
                    out.exclude(
                        record,
                        MALFORMED_RECORD,
                        f"data object {item}, annotation {k}: annotationData.content is not valid JSON ({problem})",
                        column="annotationData.content",
                        value=content,
                    )
                    continue
            label = answer_label(content, options.question)
            if label is None:
                out.exclude(
                    record,
                    NO_ANSWER,
                    f"data object {item}, annotation {k}: no answer"
                    + (f" to {options.question!r}" if options.question else " (several fields: set question)"),
                    column="annotationData.content",
                )
                continue
            worker = annotation.get("workerId") if isinstance(annotation, dict) else None
            out.add(record, item, id_text(worker), label)
    return out.table("jsonl" if lines else "json")
