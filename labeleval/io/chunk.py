"""The row work of one chunk: read, normalise, encode.

:func:`run_chunk` reads one :class:`~labeleval.io.plan.ChunkTask` with the project's readers, validates it with
the normaliser (every row kept or quarantined with a reason, file and line) and encodes its kept rows: per
column, either an array (numbers, times) or codes into the chunk's own distinct values, whose hashes the chunk
computes too (:class:`Coded`). It is a pure function of the task, so it runs the same in this process, on a
thread or as a Dask task; :class:`~labeleval.io.combine.Combiner` adds the results up.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from labeleval.errors import AdapterError, LabelevalError
from labeleval.io.normalize import Billing, _missing, as_id_strings, normalize_batch, resolve_columns
from labeleval.io.plan import ChunkTask, opened
from labeleval.io.readers import (
    RawTable,
    _decode,
    check_size,
    delimited_text,
    jsonl_lines,
    read_parquet,
    read_table,
)
from labeleval.io.source import read_source
from labeleval.project.manifest import TaskSpec
from labeleval.project.schema import OPTIONAL_COLUMNS, REQUIRED_COLUMNS

#: a hidden column that carries each row's position through the normaliser (never shown: it is added after the
#: columns are checked, and removed from the kept rows)
_ROW = "\x00labeleval_row"


def read_chunk(task: ChunkTask) -> tuple[RawTable, dict[str, str], float]:
    """The chunk's records as read, the column mapping and the duration factor the normaliser applies."""
    vendor = task.vendor
    wanted = mapped_columns(dict(vendor.file.columns))
    if task.lines is not None:
        first, end, first_line = task.lines
        with task.path.open("rb") as handle:
            handle.seek(first)
            data = handle.read(end - first)
        text = _decode(data, task.name, vendor.file.encoding, first_line)
        if task.text_format == "jsonl":
            raw = jsonl_lines(text, task.name, task.limits, first_line, columns=wanted)
        else:
            try:
                raw = delimited_text(
                    text, task.name, task.text_format, task.limits, task.header, first_line, columns=wanted
                )
            except AdapterError:  # a malformed row: the whole-file reader names it as the in-memory engine does
                read_table(task.path, fmt=task.text_format, encoding=vendor.file.encoding, display_name=task.name)
                raise
        check_size(raw.rows_read, raw.frame.shape[1], task.name, task.limits)
        return raw, dict(vendor.file.columns), vendor.duration_unit.seconds
    if task.row_group is None:
        spec = replace(vendor.file, path=task.path)  # one file of a folder, or the vendor's file
        source = read_source(
            spec,
            task.name,
            rates=vendor.rates,
            worker_responses=vendor.worker_responses,
            metadata=vendor.metadata,
            reviewers=vendor.reviewers,
            duration_factor=vendor.duration_unit.seconds,
            columns=wanted,
            currency=vendor.pricing.currency,
        )
        return source.raw, dict(source.columns), source.duration_factor
    where: Path | str = task.url if task.url is not None else task.path
    try:
        with opened(where) as handle:
            raw = read_parquet(
                handle, task.name, task.limits, row_group=task.row_group, rows_before=task.rows_before, columns=wanted
            )
    except LabelevalError:
        raise
    except Exception as exc:  # the file cannot be opened (fsspec and the stores raise many unrelated types)
        raise AdapterError(f"{task.name}: not a readable Parquet file ({type(exc).__name__}: {exc})") from None
    return raw, dict(vendor.file.columns), vendor.duration_unit.seconds


def mapped_columns(columns: dict[str, str]) -> frozenset[str]:
    """The file columns the normaliser uses under the mapping ``columns`` (canonical name -> file column): only
    these are read from a table file (a file's other columns are not decoded)."""
    return frozenset(columns.get(c, c) for c in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)) | frozenset(columns.values())


@dataclass(frozen=True)
class Coded:
    """A text column of a chunk: codes into the chunk's distinct ``values`` (-1: missing), with their hashes."""

    codes: np.ndarray
    values: np.ndarray
    hashes: np.ndarray


def coded(values: object) -> Coded:
    """Codes, distinct values and value hashes of a column (Categorical, text or mixed objects)."""
    series = values if isinstance(values, pd.Series) else pd.Series(values)
    if isinstance(series.dtype, pd.CategoricalDtype):
        codes = series.cat.codes.to_numpy()
        uniques = np.asarray(series.cat.categories, dtype=object)
    else:
        codes, found = pd.factorize(series, use_na_sentinel=True)
        uniques = np.asarray(found, dtype=object)
    return Coded(_small_codes(codes), uniques, value_hashes(uniques))


def value_hashes(values: np.ndarray) -> np.ndarray:
    """A 64-bit hash per value (equal values, equal hashes; the Dictionary checks the values themselves)."""
    if not len(values):
        return np.zeros(0, dtype=np.uint64)
    return pd.util.hash_array(np.asarray(values, dtype=object), categorize=False)


def _small_codes(codes: np.ndarray) -> np.ndarray:
    top = int(codes.max(initial=0))
    return codes.astype(np.int8 if top < 127 else np.int16 if top < 32767 else np.int32, copy=False)


@dataclass(frozen=True)
class ChunkResult:
    """What one chunk adds: its ledger facts, billing, quarantined rows and its kept rows as codes."""

    vendor_index: int
    file: str
    rows_read: int
    quarantine: pd.DataFrame
    billing: Billing
    notes: tuple[str, ...]
    annotator_column: str
    fmt: str
    lines: np.ndarray  # source line of each kept row
    columns: dict[str, Any]  # per kept column: Coded text, or a numpy/pandas array
    other_items: Coded  # item ids of quarantined rows that no kept row of the chunk has (for billing)
    deduplicated: bool = False  # duplicate judgments already quarantined (the vendor's only chunk)
    items: pd.DataFrame | None = None  # item metadata the vendor's export carries (native readers, when asked)

    @property
    def n_kept(self) -> int:
        return len(self.lines)


def run_chunk(task: ChunkTask) -> ChunkResult:
    """Read, validate (ledger), map labels and encode one chunk: the per-chunk row work of every engine."""

    spec: TaskSpec = task.task  # type: ignore[assignment]
    vendor = task.vendor
    raw, columns, factor = read_chunk(task)
    resolved = resolve_columns(raw, columns, required=REQUIRED_COLUMNS, optional=OPTIONAL_COLUMNS, file=task.name)
    frame = raw.frame
    raw = replace(raw, frame=frame.assign(**{_ROW: np.arange(len(frame), dtype=np.int64)}))
    kept, quarantine, billing = normalize_batch(
        raw,
        file=task.name,
        vendor=vendor.name,
        columns=columns,
        labels=spec.labels,
        label_map=vendor.file.label_map,
        duration_factor=factor,
        bill_excluded=vendor.bill_excluded,
        # a vendor's only chunk finds its duplicates itself; else the Combiner finds them across the chunks
        duplicates=task.duplicates if task.only_chunk else "keep_all",
        kind=spec.kind,
        value_range=spec.value_range,
        separator=spec.separator,
        categorical_ids=True,
    )
    positions = kept.pop(_ROW).to_numpy(dtype=np.int64)
    out: dict[str, Any] = {}
    for column in kept.columns:
        if column == "vendor":
            continue
        values = kept[column]
        if (
            isinstance(values.dtype, pd.CategoricalDtype)
            or values.dtype == object
            or pd.api.types.is_string_dtype(values.dtype)
        ):
            out[column] = coded(values)
        else:
            out[column] = values.array
    kept_items = out["item_id"].values if isinstance(out.get("item_id"), Coded) else np.zeros(0, dtype=object)
    other = _dropped_items(frame, resolved["item_id"], positions, kept_items)
    return ChunkResult(
        vendor_index=task.vendor_index,
        file=task.name,
        rows_read=raw.rows_read,
        quarantine=quarantine,
        billing=billing,
        notes=tuple(raw.notes),
        annotator_column=resolved["annotator_id"],
        fmt=raw.fmt,
        lines=raw.line[positions],
        columns=out,
        other_items=Coded(np.zeros(0, dtype=np.int8), other, value_hashes(other)),
        deduplicated=task.only_chunk,
        items=raw.items,
    )


def _dropped_items(frame: pd.DataFrame, column: str, kept: np.ndarray, kept_items: np.ndarray) -> np.ndarray:
    """Item ids of the chunk's quarantined rows that none of its kept rows has (billing counts every item
    delivered), as the normaliser writes ids."""
    dropped = np.ones(len(frame), dtype=bool)
    dropped[kept] = False
    if not dropped.any() or column not in frame.columns:
        return np.zeros(0, dtype=object)
    present = ~_missing(frame[column]) & dropped
    ids = pd.unique(as_id_strings(frame[column])[present].to_numpy(dtype=object))
    found = pd.Index(ids, dtype=object).difference(pd.Index(kept_items, dtype=object), sort=False)
    return np.asarray(found, dtype=object)
