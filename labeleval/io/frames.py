"""A project from tables already in memory: ``evaluate(frame, gold=..., pricing=...)``.

A notebook's or a pipeline's data (from DuckDB, SQL, Parquet files read with pandas) does not need files and a
manifest: :func:`frames_project` builds the tables a manifest would hold around the frames and checks them with
the manifest's own code (:func:`labeleval.project.manifest.project_from_tables`), so the Project, the reading
(every row kept or quarantined with a reason), the scoring and the Report are those of a project folder. A frame
is named in messages and in the ledger as ``data`` (a long frame with a vendor column, each vendor's rows as
``data[vendor='name']``), ``data['name']`` (a mapping of vendor to frame), ``gold`` and ``items``; a row is its
position in the frame the caller gave, counted from 0 (``frame.iloc[row]``).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd

from labeleval.errors import LabelevalError, SchemaError
from labeleval.io.normalize import _label_text, _missing
from labeleval.project.manifest import Project, project_from_tables

#: What a frames project's messages call the place its settings come from (a manifest's file name otherwise).
ORIGIN: Final = Path("evaluate()")
#: The keywords of ``evaluate()`` that describe frames (a project folder's manifest holds the same).
FRAME_KEYWORDS: Final = ("gold", "items", "task", "pricing", "vendor_column", "columns", "duplicates")


def is_frames(data: object) -> bool:
    """Whether ``data`` is what :func:`frames_project` reads: a frame (or a table with ``to_pandas``), or a mapping
    of vendor names to such tables."""
    if isinstance(data, Mapping):
        return bool(data) and all(_is_table(v) for v in data.values())
    return _is_table(data)


def _is_table(value: object) -> bool:
    return isinstance(value, pd.DataFrame) or (not isinstance(value, str | Path) and hasattr(value, "to_pandas"))


def as_frame(value: object, name: str) -> pd.DataFrame:
    """A pandas frame of ``value`` (a pyarrow Table, a polars frame ... through ``to_pandas()``), with each row's
    position as its index and its column names as text (two that read the same are refused)."""
    if not isinstance(value, pd.DataFrame):
        if not hasattr(value, "to_pandas"):
            raise LabelevalError(f"{name}: expected a DataFrame, got {type(value).__name__}")
        value = value.to_pandas()
        if not isinstance(value, pd.DataFrame):
            raise LabelevalError(f"{name}: to_pandas() gave a {type(value).__name__}, not a DataFrame")
    names = [str(c) for c in value.columns]
    twice = sorted({c for c in names if names.count(c) > 1})
    if twice:
        raise SchemaError(f"{name}: column {twice[0]!r} appears twice (column names are compared as text)")
    return value.set_axis(pd.RangeIndex(len(value)), axis=0).set_axis(names, axis=1)


def gold_frame(gold: object, columns: Mapping[str, str]) -> pd.DataFrame:
    """``gold=``: a frame with item ids and gold labels, or a Series of gold labels indexed by item id (given the
    column names ``columns`` maps ``item_id`` and ``label`` to, as a frame would have)."""
    if isinstance(gold, pd.Series):
        item, label = columns.get("item_id", "item_id"), columns.get("label", "label")
        return pd.DataFrame({item: gold.index.to_numpy(), label: gold.to_numpy()})
    return as_frame(gold, "gold")


def vendor_frames(data: object, vendor_column: str) -> list[tuple[str, str, pd.DataFrame]]:
    """(vendor, the name messages give its rows, its rows) of each vendor: a mapping's frames, or a long frame split
    on ``vendor_column`` (each vendor's rows keep their positions in it; a row without a vendor is refused)."""
    if isinstance(data, Mapping):
        return [(str(k), f"data[{str(k)!r}]", as_frame(v, f"data[{str(k)!r}]")) for k, v in data.items()]
    frame = as_frame(data, "data")
    if vendor_column not in frame.columns:
        raise SchemaError(
            f"data: no vendor column {vendor_column!r}; the frame has columns: "
            f"{', '.join(map(repr, [str(c) for c in frame.columns][:20]))}. Name it with vendor_column=..., "
            f"or pass a mapping of vendor name to frame"
        )
    vendors = frame[vendor_column]
    missing = np.flatnonzero(_missing(vendors))
    if len(missing):
        rows = ", ".join(map(str, missing[:5]))
        raise SchemaError(f"data row {rows}: {vendor_column!r} is empty; every row needs its vendor")
    names = vendors.map(_label_text)
    return [(v, f"data[{vendor_column}={v!r}]", frame[names == v]) for v in pd.unique(names)]


def inferred_labels(frames: list[tuple[str, pd.DataFrame]], column: str) -> list[str]:
    """The distinct labels in ``column`` of the named ``frames``, sorted: a nominal task's labels when ``task``
    does not list them (a frame without the column is refused, naming it)."""
    found: set[str] = set()
    for name, frame in frames:
        if column not in frame.columns:
            raise SchemaError(
                f"{name}: missing column {column!r}; the frame has columns: "
                f"{', '.join(map(repr, [str(c) for c in frame.columns][:20]))}. Map its names with columns=..."
            )
        values = frame[column]
        found.update(_label_text(v) for v in pd.unique(values[~_missing(values)]))
    return sorted(found)


def _pricing_of(pricing: object, vendor: str) -> Any:
    """A vendor's pricing table: one table for every vendor, or a mapping of vendor name to table."""
    if isinstance(pricing, Mapping) and "model" in pricing:
        return dict(pricing)
    if isinstance(pricing, Mapping):
        return pricing.get(vendor)
    return pricing


def frames_project(
    data: object,
    *,
    gold: object = None,
    items: object = None,
    task: Mapping[str, Any] | None = None,
    pricing: object = None,
    vendor_column: str = "vendor",
    columns: Mapping[str, str] | None = None,
    duplicates: str | None = None,
) -> Project:
    """A :class:`Project` of in-memory frames, checked as a manifest is (see the module's docstring)."""
    if pricing is None:
        raise LabelevalError(
            'evaluate(): frames need pricing=, e.g. pricing={"model": "per_label", "rate": 0.08} for every '
            'vendor, or {"vendor name": {...}, ...} (the manifest\'s pricing table: docs/formats.md)'
        )
    if str((task or {}).get("kind", "")).strip().lower() == "graded":
        raise LabelevalError(
            "evaluate(): frames hold labels; a graded task (written work scored against a rubric) is read from a "
            'project folder: labeleval.toml with kind = "graded", [[criteria]], [reviews] and each vendor\'s '
            "deliverables (docs/usage.md, Graded written work)"
        )
    mapping = {str(k): str(v) for k, v in (columns or {}).items()}
    frames: dict[str, pd.DataFrame] = {}
    vendors = []
    for vendor, name, frame in vendor_frames(data, vendor_column):
        frames[name] = frame
        table: dict[str, Any] = {"name": vendor, "path": name, "pricing": _pricing_of(pricing, vendor)}
        vendors.append(table | ({"columns": mapping} if mapping else {}))
    tables: dict[str, Any] = {"task": {"name": "Frames", **dict(task or {})}, "vendors": vendors}
    if gold is not None:
        frames["gold"] = gold_frame(gold, mapping)
        gold_columns = {k: v for k, v in mapping.items() if k in ("item_id", "label")}
        tables["gold"] = {"path": "gold"} | ({"columns": gold_columns} if gold_columns else {})
    else:
        tables["usability"] = {"rule": "consensus"}
    if items is not None:
        frames["items"] = as_frame(items, "items")
        item_column = mapping.get("item_id")
        tables["items"] = {"path": "items"} | ({"columns": {"item_id": item_column}} if item_column else {})
    if duplicates is not None:
        tables["data"] = {"duplicates": duplicates}
    task_t = tables["task"]
    if "labels" not in task_t and task_t.get("kind", "nominal") == "nominal":
        named = [(str(v["path"]), frames[v["path"]]) for v in vendors]
        task_t["labels"] = inferred_labels(
            named + [(n, frames[n]) for n in ("gold",) if n in frames], mapping.get("label", "label")
        )
    return project_from_tables(tables, ORIGIN, frames=frames)
