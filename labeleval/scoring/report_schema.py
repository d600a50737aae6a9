"""The JSON Schema of a Report's JSON export (``Report.to_json()``, ``labeleval score --format json``).

The schema ships with the package (``labeleval/schemas/report.schema.json``, read by :func:`json_schema`): one
object with ``settings`` and a key per frame, each frame an array of row records whose columns and JSON types are
listed (no other columns). :func:`build_schema` makes it from scored Reports, so that it describes what the
exports hold; ``make schema`` rebuilds it from the bundled samples (``benchmarks/report_schema.py``) when a frame
gains or loses a column.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from importlib import resources
from typing import Any, Final

import pandas as pd

from labeleval.scoring.report_data import ReportData

SCHEMA_ID: Final = "https://labeleval.invalid/schemas/report.schema.json"
#: JSON types by pandas dtype kind (booleans, integers, floats, timestamps); text and objects are observed.
_KINDS: Final = {"b": "boolean", "i": "integer", "u": "integer", "f": "number", "M": "string", "m": "string"}


def json_schema() -> dict[str, Any]:
    """The shipped schema of the JSON export (a dict, ready for ``jsonschema.validate``)."""
    text = resources.files("labeleval").joinpath("schemas", "report.schema.json").read_text(encoding="utf-8")
    return dict(json.loads(text))


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _column_types(frames: Sequence[pd.DataFrame], records: Sequence[list[dict[str, Any]]], column: str) -> list[str]:
    """The JSON types a column's cells take: from its dtype (numbers, flags, times) or, for text and objects, from
    the values seen (text at least); every cell may be null (a missing value)."""
    types = {"null"}
    for frame, rows in zip(frames, records, strict=True):
        if column not in frame.columns:
            continue
        kind = frame[column].dtype.kind
        if kind in _KINDS:
            types.add(_KINDS[kind])
        else:
            types |= {"string", *(_json_type(r.get(column)) for r in rows)}
    if "number" in types:
        types.discard("integer")  # a JSON number includes the whole ones
    return sorted(types)


def _frame_schema(frames: Sequence[pd.DataFrame], records: Sequence[list[dict[str, Any]]]) -> dict[str, Any]:
    columns = list(dict.fromkeys(str(c) for f in frames for c in f.columns))
    filled = [f for f in frames if len(f.columns)]
    required = [c for c in columns if filled and all(c in f.columns for f in filled)]
    return {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {c: {"type": _column_types(frames, records, c)} for c in columns},
            "required": required,
            "additionalProperties": False,
        },
    }


def build_schema(reports: Sequence[ReportData]) -> dict[str, Any]:
    """The schema of the JSON export of ``reports`` (of several task kinds and questions, so that every column of
    every frame is seen)."""
    exported = [r.to_dict() for r in reports]
    properties: dict[str, Any] = {
        "settings": {
            "type": "object",
            "required": sorted(set.intersection(*(set(e["settings"]) for e in exported))) if exported else [],
        }
    }
    for name in ReportData.frame_names():
        frames = [getattr(r, name) for r in reports]
        properties[name] = _frame_schema(frames, [e[name] for e in exported])
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "labeleval Report (JSON export)",
        "description": "Report.to_json() and `labeleval score --format json`: settings, and each frame as rows.",
        "type": "object",
        "properties": properties,
        "required": ["settings"],
        "additionalProperties": False,
    }
