"""Ground Truth worker responses joined to the labeling job's output manifest (``sagemaker_gt`` with
``worker_responses``).

Sources: the SageMaker developer guide, "Labeling job output data"
(https://docs.aws.amazon.com/sagemaker/latest/dg/sms-data-output.html): the job's ``annotations/worker-response``
folder holds one folder per iteration (``iteration-1`` ...), each with one folder per data object, each holding
timestamped JSON files of single workers' annotations with ``workerId``, ``acceptanceTime``, ``submissionTime``,
``timeSpentInSeconds`` and, for a private workforce, ``workerMetadata``; and "Creating a custom worker task
template" (https://docs.aws.amazon.com/sagemaker/latest/dg/sms-custom-templates-step2.html): an output manifest line
can name its response file in ``<attribute>-metadata.worker-response-ref``
(``.../annotations/worker-response/iteration-1/0/2021-03-08_23:06:49.json``), the folder under the iteration
being the data object's number. A response file is ``{"answers": [{"workerId", "answerContent": {...},
"timeSpentInSeconds", "submissionTime", ...}]}`` (``answerContent`` is the task template's output, e.g.
``{"crowd-classifier": {"label": "pos"}}``). A consolidation request file (the ``annotations/consolidated-annotation/
consolidation-request`` folder, "Processing data in a custom labeling workflow with AWS Lambda") lists
``{"datasetObjectId", "dataObject", "annotations": [{"workerId", "annotationData": {"content"}}]}``.

The join: data objects are numbered by their line in the manifest, from 0 (a line's ``worker-response-ref``, when
there, says its number outright). Each worker answer becomes a row under its data object's manifest line, with the
item id that line gives (``item_field``, else ``source-ref`` / ``source``). A manifest line no worker answered is set
aside (NO_ANSWER); a response file that does not parse is set aside (MALFORMED_RECORD) under its object's line,
naming the file; a response for a data object the manifest does not have is an error naming the file (the manifest
of another job).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path
from typing import Any, Final

from labeleval.errors import AdapterError
from labeleval.io.formats.base import (
    NATIVE_JSON_LEVELS,
    ReadOptions,
    RowBuilder,
    dig,
    id_text,
    label_text,
    malformed_json,
)
from labeleval.io.readers import RawTable, load_json
from labeleval.limits import current as current_limits
from labeleval.project.schema import MALFORMED_RECORD, NO_ANSWER

_ITERATION: Final = re.compile(r"iteration-\d+")
_REF: Final = re.compile(r"/iteration-\d+/(\d+)/[^/]+$")
#: response files read at most, so a folder pointed at the wrong place cannot run for ever
MAX_RESPONSE_FILES: Final = 2_000_000


def metadata(record: dict[str, Any]) -> dict[str, Any] | None:
    """The label attribute's ``-metadata`` object of a manifest line, if any."""
    for key, value in record.items():
        if key.endswith("-metadata") and isinstance(value, dict):
            return value
    return None


def object_item(record: dict[str, Any], item_field: str | None) -> Any:
    """A data object's item id: ``item_field`` (dotted), else its ``source-ref`` / ``source``, else its number."""
    if item_field:
        return id_text(dig(record, item_field))
    inner = record.get("dataObject")
    data: dict[str, Any] = inner if isinstance(inner, dict) else record
    for key in ("source-ref", "source"):
        if key in data:
            return id_text(data[key])
    return id_text(record.get("datasetObjectId"))


def answer_label(content: Any, question: str | None) -> Any:
    """The label inside a worker's answer: the field named ``question`` (or the only one), its ``label``."""
    if isinstance(content, dict):
        if question is not None:
            content = content.get(question)
        elif len(content) == 1:
            content = next(iter(content.values()))
        else:
            return None
        if isinstance(content, dict):
            content = content.get("label", content.get("labels"))
    return label_text(content)


def object_number(path: Path, root: Path) -> int | None:
    """The data object's number from a response file's place: the folder under ``iteration-N``, else its folder."""
    parts = path.relative_to(root).parts[:-1]
    for here, after in pairwise(parts):
        if _ITERATION.fullmatch(here) and after.isdigit():
            return int(after)
    return int(parts[-1]) if parts and parts[-1].isdigit() else None


def manifest_numbers(records: list[Any], numbers: list[int]) -> dict[int, int]:
    """Data object number -> manifest line: the line's position from 0, or its ``worker-response-ref``."""
    out: dict[int, int] = {}
    for position, (line, record) in enumerate(zip(numbers, records, strict=True)):
        ref = dig(metadata(record) or {}, "worker-response-ref") if isinstance(record, dict) else None
        found = _REF.search(ref) if isinstance(ref, str) else None
        out[int(found.group(1)) if found else position] = line
    return out


def response_files(folder: Path, name: str) -> list[Path]:
    """The JSON files under ``folder`` (not following links out of it), sorted."""
    if not folder.is_dir():
        raise AdapterError(f"{name}: worker_responses is not a folder: {folder}")
    top = folder.resolve()
    files = []
    for path in sorted(folder.rglob("*.json")):
        if path.is_file() and path.resolve().is_relative_to(top):
            files.append(path)
            if len(files) > MAX_RESPONSE_FILES:
                raise AdapterError(f"{name}: more than {MAX_RESPONSE_FILES:,} files under {folder.name}")
    if not files:
        raise AdapterError(
            f"{name}: no worker response files (*.json) under {folder.name}; expected the labeling job's "
            "annotations/worker-response folder"
        )
    return files


def _answers(value: Any, number: int | None) -> Iterator[tuple[int | None, Any, Any, Any, Any]]:
    """(object number, worker, answer, seconds, submitted) for each worker answer in one response file."""
    if isinstance(value, dict) and isinstance(value.get("answers"), list):
        for answer in value["answers"]:
            if isinstance(answer, dict):
                yield (
                    number,
                    answer.get("workerId"),
                    answer.get("answerContent"),
                    answer.get("timeSpentInSeconds"),
                    answer.get("submissionTime"),
                )
        return
    objects = value if isinstance(value, list) else [value]
    for obj in objects:  # a consolidation request: data objects with their numbers and workers' annotations
        if not isinstance(obj, dict) or not isinstance(obj.get("annotations"), list):
            continue
        key = id_text(obj.get("datasetObjectId"))
        own = int(key) if isinstance(key, str) and key.isdigit() else number
        for annotation in obj["annotations"]:
            if isinstance(annotation, dict):
                yield own, annotation.get("workerId"), dig(annotation, "annotationData.content"), None, None


def _content(value: Any) -> tuple[Any, str]:
    """A worker's answer, parsed when it is JSON text (a consolidation request's ``content``)."""
    if isinstance(value, str):
        return load_json(value, current_limits().json_depth)
    return value, ""


class _Join:
    """The manifest's data objects, and the rows their workers' answers give."""

    def __init__(self, records: list[Any], numbers: list[int], name: str, options: ReadOptions) -> None:
        self.name = name
        self.options = options
        self.out = RowBuilder(metadata=options.metadata)
        self.lines = manifest_numbers(records, numbers)
        self.items: dict[int, Any] = {}
        for line, record in zip(numbers, records, strict=True):
            if not malformed_json(self.out, line, record, "Ground Truth manifest line"):
                self.items[line] = object_item(record, options.item_field)
                self.out.describe(self.items[line], record)
        self.answered: set[int] = set()

    def line_of(self, number: int | None, file: str) -> int:
        line = self.lines.get(number) if number is not None else None
        if line is None:
            what = f"data object {number}" if number is not None else "a data object with no number in its path"
            raise AdapterError(
                f"{self.name}: {file} answers {what}, which the output manifest does not have "
                f"({len(self.lines)} data objects, numbered from 0); give the output manifest of the same labeling job"
            )
        return line

    def add_file(self, path: Path, root: Path) -> None:
        file = str(path.relative_to(root))
        number = object_number(path, root)
        if number is not None:
            self.line_of(number, file)  # a worker-response file's folder names a data object the manifest has
        text = path.read_bytes().decode(self.options.encoding, errors="replace").removeprefix("\ufeff")
        value, problem = load_json(text, current_limits().json_depth + NATIVE_JSON_LEVELS)
        if problem:
            line = self.line_of(number, file)
            self.answered.add(line)
            self.out.exclude(line, MALFORMED_RECORD, f"{file}: {problem}", column="answers", value=file)
            return
        for own, worker, content, seconds, submitted in _answers(value, number):
            self.add_answer(self.line_of(own, file), file, worker, content, seconds, submitted)

    def add_answer(self, line: int, file: str, worker: Any, content: Any, seconds: Any, submitted: Any) -> None:
        self.answered.add(line)
        if line not in self.items:
            self.out.exclude(
                line, MALFORMED_RECORD, f"{file}: its manifest line is not valid JSON, so its item is unknown"
            )
            return
        parsed, problem = _content(content)
        item = self.items[line]
        if problem:
            self.out.exclude(
                line,
                MALFORMED_RECORD,
                f"{file}, item {item}: the answer is not valid JSON ({problem})",
                column="content",
            )
            return
        label = answer_label(parsed, self.options.question)
        if label is None:
            several = isinstance(parsed, dict) and len(parsed) > 1
            wanted = f" to {self.options.question!r}" if self.options.question else " (several fields: set question)"
            wanted = wanted if self.options.question or several else ""
            self.out.exclude(line, NO_ANSWER, f"{file}, item {item}: no answer{wanted}", column="answerContent")
            return
        self.out.add(
            line,
            item,
            id_text(worker),
            label,
            duration_s=seconds if isinstance(seconds, int | float) and not isinstance(seconds, bool) else None,
            submitted_at=submitted,
        )


def read_joined(records: list[Any], numbers: list[int], lines: bool, name: str, options: ReadOptions) -> RawTable:
    """Per-worker rows from ``options.worker_responses``, joined to the output manifest's lines (module docstring)."""
    folder = options.worker_responses
    assert folder is not None
    join = _Join(records, numbers, name, options)
    for path in response_files(folder, name):
        join.add_file(path, folder)
    for line, item in join.items.items():
        if line not in join.answered:
            join.out.exclude(
                line, NO_ANSWER, f"item {item}: no worker response under {folder.name}", column="worker_responses"
            )
    if options.item_field is None and any(isinstance(r, dict) and "source" in r for r in records[:50]):
        join.out.notes.append(
            f"{name}: the item ids are the data objects' text (source); name your own id field in the manifest "
            'lines with item_field = "..."'
        )
    return join.out.table("jsonl" if lines else "json")
