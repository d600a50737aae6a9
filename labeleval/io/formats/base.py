"""What every native reader shares: its options, a row builder with source records, and small helpers.

A native reader turns one vendor export into a :class:`~labeleval.io.readers.RawTable` whose columns are
already canonical (``item_id``, ``annotator_id``, ``label`` and, where the export has them, ``duration_s``,
``submitted_at``, ``cost``, ``batch_id``, ``input_tokens``, ``output_tokens``), with the source line or
record of every row. Work the export marks as not delivered (rejected, cancelled, reviewer or ground-truth
annotations, tasks not completed, annotations without an answer) is set aside in ``RawTable.excluded`` with
a reason code, so that the ledger counts it and names its record.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd

from labeleval.errors import AdapterError
from labeleval.io.readers import RawTable, json_depth_error, load_json, too_deep
from labeleval.limits import current as current_limits

#: Canonical columns a native reader may fill (beyond these, nothing is added).
NATIVE_COLUMNS: Final = (
    "item_id",
    "annotator_id",
    "label",
    "duration_s",
    "submitted_at",
    "cost",
    "batch_id",
    "input_tokens",
    "output_tokens",
)
EXCLUDED_COLUMNS: Final = ("line", "reason", "column", "value", "message", "seconds", "cost")
#: metadata names that would clash with the columns of the report's frames (as labeleval.io.items.RESERVED)
METADATA_RESERVED: Final = ("item_id", "vendor", "annotator_id", "label", "gold_label", "consensus", "confidence")


@dataclass(frozen=True)
class ReadOptions:
    """Per-file settings a native reader understands (all optional; from the manifest's ``[[vendors]]``).

    ``question``: which question / control / ``from_name`` holds the label when an export has several;
    ``item_field`` and ``annotator_field``: a dotted path into the record to use as item or annotator id
    instead of the format's default; ``rates``: a table of hourly rates per annotator (timesheets);
    ``duration_factor``: seconds per unit of a duration column whose unit the name does not say;
    ``currency``: the vendor's pricing currency, which money written in the file must be in (None: unchecked);
    ``extra``: more canonical fields as dotted paths into the record; ``worker_responses``: a folder of
    per-worker answers to join to the file read (SageMaker Ground Truth's ``annotations/worker-response``).
    """

    question: str | None = None
    item_field: str | None = None
    annotator_field: str | None = None
    rates: Path | None = None
    duration_factor: float = 1.0
    currency: str | None = None
    encoding: str = "utf-8"
    sheet: str | int | None = None
    #: canonical field -> dotted path in the record, for fields a format does not define (e.g. a Scale
    #: export's duration in ``metadata``); from the manifest's ``columns``
    extra: Mapping[str, str] = field(default_factory=dict)
    worker_responses: Path | None = None
    #: dotted paths into each record kept as item metadata (``data.lang``), named by their last part
    metadata: tuple[str, ...] = ()
    #: annotator ids whose annotations are a reviewer's ground truth, not the vendor's judgments (Label Studio's
    #: JSON-MIN and CSV exports drop the ``ground_truth`` flag): set aside as REVIEW_ANNOTATION
    reviewers: tuple[str, ...] = ()


@dataclass
class RowBuilder:
    """Collects canonical rows and excluded rows, each with its source line or record number."""

    rows: dict[str, list[Any]] = field(default_factory=lambda: {c: [] for c in NATIVE_COLUMNS})
    line: list[int] = field(default_factory=list)
    excluded: dict[str, list[Any]] = field(default_factory=lambda: {c: [] for c in EXCLUDED_COLUMNS})
    malformed: list[tuple[int, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: item id -> metadata values (:meth:`describe`), first record of each item
    described: dict[Any, tuple[Any, ...]] = field(default_factory=dict)
    metadata: tuple[str, ...] = ()

    def describe(self, item: Any, record: Any) -> None:
        """Keep ``metadata`` (dotted paths) of ``record`` for ``item``, the first time the item is seen."""
        if self.metadata and item is not None and item not in self.described:
            self.described[item] = tuple(dig(record, path) for path in self.metadata)

    def add(
        self,
        line: int,
        item: Any,
        annotator: Any,
        label: Any,
        duration_s: Any = None,
        submitted_at: Any = None,
        cost: Any = None,
        batch_id: Any = None,
        input_tokens: Any = None,
        output_tokens: Any = None,
    ) -> None:
        """One canonical row (explicit arguments: this runs once per judgment)."""
        rows = self.rows
        rows["item_id"].append(item)
        rows["annotator_id"].append(annotator)
        rows["label"].append(label)
        rows["duration_s"].append(duration_s)
        rows["submitted_at"].append(submitted_at)
        rows["cost"].append(cost)
        rows["batch_id"].append(batch_id)
        rows["input_tokens"].append(input_tokens)
        rows["output_tokens"].append(output_tokens)
        self.line.append(line)

    def exclude(
        self,
        line: int,
        reason: str,
        message: str,
        *,
        column: str = "",
        value: Any = "",
        seconds: float | None = None,
        cost: float | None = None,
    ) -> None:
        ex = self.excluded
        ex["line"].append(line)
        ex["reason"].append(str(reason))
        ex["column"].append(column)
        ex["value"].append(str(value)[:80])
        ex["message"].append(message)
        ex["seconds"].append(np.nan if seconds is None else float(seconds))
        ex["cost"].append(np.nan if cost is None else float(cost))

    def table(self, fmt: str) -> RawTable:
        present = {
            c: v
            for c, v in self.rows.items()
            if c in ("item_id", "annotator_id", "label") or any(x is not None for x in v)
        }
        frame = pd.DataFrame(present)
        excluded = pd.DataFrame(self.excluded, columns=list(EXCLUDED_COLUMNS)).astype(
            {"line": "int64", "seconds": "float64", "cost": "float64"}
        )
        return RawTable(
            frame,
            np.asarray(self.line, dtype=np.int64),
            fmt,
            malformed=self.malformed,
            excluded=excluded,
            notes=self.notes,
            items=item_metadata(self.described, self.metadata) if self.metadata else None,
        )


def metadata_names(paths: tuple[str, ...]) -> list[str]:
    """Each metadata path's column name: its last part (``data.lang`` -> ``lang``), the whole path where the
    last part is one of labeleval's own columns or is shared by two paths."""
    last = [p.rsplit(".", 1)[-1] for p in paths]
    return [p if n in METADATA_RESERVED or last.count(n) > 1 else n for p, n in zip(paths, last, strict=True)]


def item_metadata(described: Mapping[Any, tuple[Any, ...]], paths: tuple[str, ...]) -> pd.DataFrame:
    """Item metadata as text (a value that is an object or a list as its JSON), indexed by item_id."""

    def text(value: Any) -> Any:
        if value is None or value == "":
            return None
        if isinstance(value, dict | list):
            return json.dumps(value, ensure_ascii=False)
        return label_text(value)

    frame = pd.DataFrame(
        [[text(v) for v in values] for values in described.values()],
        columns=metadata_names(paths),
        index=pd.Index([str(k) for k in described], name="item_id", dtype="str"),
        dtype=object,
    )
    return frame


def dig(record: Any, path: str) -> Any:
    """The value at a dotted ``path`` inside nested dicts (``"metadata.item_id"``), or None."""
    return getter(path)(record)


def getter(path: str) -> Callable[[Any], Any]:
    """A function returning the value at a dotted ``path`` (or None): split once, used per record."""
    parts = tuple(path.split("."))
    if len(parts) == 1:
        key = parts[0]
        return lambda record: record.get(key) if isinstance(record, dict) else None
    if len(parts) == 2:
        outer, inner = parts

        def two(record: Any) -> Any:
            value = record.get(outer) if isinstance(record, dict) else None
            return value.get(inner) if isinstance(value, dict) else None

        return two

    def many(record: Any) -> Any:
        value = record
        for part in parts:
            if not isinstance(value, Mapping) or part not in value:
                return None
            value = value[part]
        return value

    return many


def id_text(value: Any) -> Any:
    """An id as text: ints and integral floats lose any '.0'; None stays None."""
    if value is None or value == "":
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, Mapping):  # Label Studio's completed_by may be {"id": 3, "email": ...}
        return id_text(value.get("email") or value.get("id"))
    return str(value)


def label_text(value: Any) -> Any:
    """A choice as label text: one choice as itself, several as a JSON list (a multi-label set)."""
    if isinstance(value, list):
        if len(value) == 1:
            return label_text(value[0])
        return json.dumps([str(v) for v in value]) if value else None
    if value is None or value == "":
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


#: levels a vendor's export adds around each judgment (task, annotations, result, value, choices ...) on top of
#: the json_depth limit a record of a plain table may have
NATIVE_JSON_LEVELS: Final = 8


def load_json_records(path: Path, name: str, encoding: str, what: str) -> tuple[list[Any], list[int], bool]:
    """Records of a JSON array (record numbers 1..n) or of JSON lines (line numbers); ``True`` when lines.

    An unparseable JSON-lines line becomes a record of ``None`` (the caller reports it as malformed); an
    unparseable JSON array is an :class:`AdapterError` naming line and column.
    """
    data = path.read_bytes()
    try:
        text = data.decode(encoding).removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise AdapterError(f"{name} line {line}: not valid {encoding} text; expected a {what}") from None
    stripped = text.lstrip()
    if not stripped:
        raise AdapterError(f"{name}: the file is empty; expected a {what}")
    depth = current_limits().json_depth + NATIVE_JSON_LEVELS
    if stripped[0] == "[" or (stripped[0] == "{" and _single_document(stripped)):
        if too_deep(text, depth + 1):  # the list of records adds a level
            raise AdapterError(f"{json_depth_error(name, '', current_limits())}; expected a {what}")
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise AdapterError(
                f"{name} line {exc.lineno}, column {exc.colno}: invalid JSON ({exc.msg}); expected a {what}"
            ) from None
        except RecursionError:
            raise AdapterError(f"{json_depth_error(name, '', current_limits())}; expected a {what}") from None
        records = value if isinstance(value, list) else [value]
        return records, list(range(1, len(records) + 1)), False
    records, lines = [], []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        value, problem = load_json(raw, depth)
        records.append(None if problem else value)
        lines.append(number)
    return records, lines, True


def _single_document(text: str) -> bool:
    """Whether a text starting with '{' is one JSON document (not JSON lines)."""
    first_newline = text.find("\n")
    if first_newline < 0:
        return True
    _, problem = load_json(text[:first_newline], current_limits().json_depth + NATIVE_JSON_LEVELS)
    if problem:
        return True  # the first line alone is not a document: a pretty-printed object
    return not text[first_newline:].strip()


def malformed_json(builder: RowBuilder, line: int, record: Any, what: str) -> bool:
    """Report a record that is not a JSON object; return True when it was reported."""
    if record is None:
        builder.malformed.append((line, "invalid JSON"))
        return True
    if not isinstance(record, dict):
        builder.malformed.append((line, f"expected a {what} (a JSON object), found {type(record).__name__}"))
        return True
    return False


def require(
    records: Iterable[Any], check: Callable[[dict[str, Any]], bool], name: str, fmt: str, expected: str
) -> None:
    """Sniff: the first few objects must look like ``fmt``; otherwise a clear :class:`AdapterError`."""
    records = list(records)
    seen = [r for r in records if isinstance(r, dict)][:20]
    if not seen:
        what = "no JSON objects found (is it JSON at all?)" if records else "no records found"
        raise AdapterError(f"{name} does not look like a {fmt} export: {what}; expected {expected}")
    if not any(check(r) for r in seen):
        keys = ", ".join(map(repr, list(seen[0])[:10]))
        raise AdapterError(
            f"{name} does not look like a {fmt} export: expected {expected}; the first record has keys {keys}"
        )


def pick_question(candidates: list[str], question: str | None, name: str, where: str) -> str:
    """The question to read: the one named, or the only one there is; otherwise an error listing them."""
    if question is not None:
        if question not in candidates:
            raise AdapterError(
                f"{name} {where}: no question {question!r}; the export has {', '.join(map(repr, candidates))}"
            )
        return question
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        raise AdapterError(f"{name} {where}: no answer fields found")
    raise AdapterError(
        f"{name} {where}: the export answers several questions ({', '.join(map(repr, candidates))}); "
        f'say which one holds the label with question = "..." in the manifest (or --question)'
    )
