"""Read tabular files (CSV, TSV, JSONL, JSON records, Parquet, XLSX) with source line numbers.

A reader returns every record it found, all columns as read, plus the line (or row) each record came
from, so that a later check can name it. Records it cannot parse at all (a JSONL line that is not JSON)
come back as ``malformed`` rows, which the normaliser quarantines; they are never dropped. A file that
cannot be read at all (bad encoding, empty, not the declared format) raises :class:`AdapterError` naming
the file, and the line and column where that is known.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd

from labeleval.errors import AdapterError

FORMATS: Final[dict[str, tuple[str, ...]]] = {
    "csv": (".csv",),
    "tsv": (".tsv", ".tab"),
    "jsonl": (".jsonl", ".ndjson"),
    "json": (".json",),
    "parquet": (".parquet", ".pq"),
    "xlsx": (".xlsx", ".xlsm"),
}
#: What "line" means in each format, for messages.
LINE_WORD: Final[dict[str, str]] = {
    "csv": "line",
    "tsv": "line",
    "jsonl": "line",
    "json": "record",
    "parquet": "row",
    "xlsx": "row",
}


@dataclass
class RawTable:
    """Records as read from one file.

    ``frame`` holds one row per record (columns as in the file; nested JSON objects flattened with
    dots, as ``response.label``), ``line`` the 1-based source line (CSV, TSV, JSONL), record (JSON) or
    row (Parquet; XLSX rows count the header as row 1). ``malformed`` lists records that could not be
    parsed at all, as (line, message) pairs; they count as rows read.
    """

    frame: pd.DataFrame
    line: np.ndarray
    fmt: str
    malformed: list[tuple[int, str]] = field(default_factory=list)

    @property
    def rows_read(self) -> int:
        return len(self.frame) + len(self.malformed)


def detect_format(path: Path, declared: str | None = None) -> str:
    """Return the format name for ``path``: the declared one, else by file extension."""
    if declared is not None:
        if declared not in FORMATS:
            raise AdapterError(f"{path.name}: unknown format {declared!r}; expected one of {', '.join(FORMATS)}")
        return declared
    suffix = path.suffix.lower()
    for name, suffixes in FORMATS.items():
        if suffix in suffixes:
            return name
    raise AdapterError(
        f"{path.name}: cannot tell the file format from the extension {suffix or '(none)'!r}; "
        f"use one of {', '.join(s for v in FORMATS.values() for s in v)} or set format = ... in the manifest"
    )


def read_table(
    path: Path,
    *,
    fmt: str | None = None,
    encoding: str = "utf-8",
    sheet: str | int | None = None,
    display_name: str | None = None,
) -> RawTable:
    """Read one file into a :class:`RawTable`. ``display_name`` is used in messages (default: file name)."""
    name = display_name or path.name
    fmt = detect_format(path, fmt)
    if not path.exists():
        raise AdapterError(f"{name}: file not found ({path})")
    if path.stat().st_size == 0:
        raise AdapterError(f"{name}: the file is empty (0 bytes); expected a {fmt} file with a header or records")
    if fmt in ("csv", "tsv"):
        return _read_delimited(path, name, fmt, encoding)
    if fmt == "jsonl":
        return _read_jsonl(path, name, encoding)
    if fmt == "json":
        return _read_json(path, name, encoding)
    if fmt == "parquet":
        return _read_parquet(path, name)
    return _read_xlsx(path, name, sheet)


def _decode(data: bytes, name: str, encoding: str) -> str:
    """Decode bytes, naming line and column of the first undecodable byte."""
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        bad = data[exc.start : exc.start + 1].hex()
        raise AdapterError(
            f"{name} line {line}, column {column}: byte 0x{bad} is not valid {encoding}; "
            f'save the file as UTF-8 or declare its encoding in the manifest (encoding = "latin-1")'
        ) from None
    except LookupError:
        raise AdapterError(f"{name}: unknown encoding {encoding!r} declared in the manifest") from None
    return text.removeprefix("\ufeff")


def _read_delimited(path: Path, name: str, fmt: str, encoding: str) -> RawTable:
    text = _decode(path.read_bytes(), name, encoding)
    if not text.strip():
        raise AdapterError(f"{name}: the file holds only white space; expected a header line")
    sep = "," if fmt == "csv" else "\t"
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=sep,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=True,
        )
    except pd.errors.ParserError as exc:
        raise AdapterError(f"{name}: {_parser_message(exc)}") from None
    except pd.errors.EmptyDataError:
        raise AdapterError(f"{name}: no header line found") from None
    frame.columns = [str(c) for c in frame.columns]
    _check_header(frame, name)
    return RawTable(frame, _delimited_lines(text, sep, len(frame)), fmt)


def _parser_message(exc: Exception) -> str:
    msg = str(exc).strip()
    # pandas: "Error tokenizing data. C error: Expected 4 fields in line 7, saw 5"
    if "Expected" in msg and "line" in msg:
        detail = msg.split("C error:")[-1].strip()
        return f"malformed row: {detail} (a field with a separator or quote that is not quoted properly)"
    return f"cannot parse the file: {msg}"


def _check_header(frame: pd.DataFrame, name: str) -> None:
    unnamed = [c for c in frame.columns if c.startswith("Unnamed: ") or c == ""]
    if unnamed and len(unnamed) == len(frame.columns):
        raise AdapterError(f"{name} line 1: the header line has no column names")
    dupes = frame.columns[frame.columns.duplicated()].tolist()
    if dupes:
        raise AdapterError(f"{name} line 1: the header names a column twice: {', '.join(map(repr, dupes))}")


def _delimited_lines(text: str, sep: str, n_rows: int) -> np.ndarray:
    """Source line of each data row. Fast path when no field spans lines; exact csv-module path otherwise."""
    lines = text.splitlines()
    nonblank = np.flatnonzero(np.fromiter((bool(s.strip()) for s in lines), dtype=bool, count=len(lines)))
    if len(nonblank) == n_rows + 1:  # header + one physical line per row
        return (nonblank[1:] + 1).astype(np.int64)
    out = np.empty(n_rows, dtype=np.int64)
    reader = csv.reader(io.StringIO(text), delimiter=sep)
    k = -1
    start = 1
    for row in reader:
        if row and any(cell.strip() for cell in row):
            if k >= 0 and k < n_rows:
                out[k] = start
            k += 1
        start = reader.line_num + 1
    return out


def _read_jsonl(path: Path, name: str, encoding: str) -> RawTable:
    text = _decode(path.read_bytes(), name, encoding)
    records: list[dict[str, object]] = []
    lines: list[int] = []
    malformed: list[tuple[int, str]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            value = json.loads(raw)
        except json.JSONDecodeError as exc:
            malformed.append((number, f"invalid JSON at column {exc.colno}: {exc.msg}"))
            continue
        if not isinstance(value, dict):
            malformed.append((number, f"expected a JSON object, found {type(value).__name__}"))
            continue
        records.append(value)
        lines.append(number)
    if not records and not malformed:
        raise AdapterError(f"{name}: no records found")
    return RawTable(_records_frame(records), np.asarray(lines, dtype=np.int64), "jsonl", malformed)


def _read_json(path: Path, name: str, encoding: str) -> RawTable:
    text = _decode(path.read_bytes(), name, encoding)
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise AdapterError(f"{name} line {exc.lineno}, column {exc.colno}: invalid JSON: {exc.msg}") from None
    if isinstance(value, dict):
        lists = [k for k, v in value.items() if isinstance(v, list)]
        if len(lists) != 1:
            raise AdapterError(
                f"{name}: expected a list of records, or an object with exactly one list of records; "
                f"found an object with keys {', '.join(map(repr, list(value)[:8]))}"
            )
        value = value[lists[0]]
    if not isinstance(value, list):
        raise AdapterError(f"{name}: expected a list of records, found {type(value).__name__}")
    records: list[dict[str, object]] = []
    lines: list[int] = []
    malformed: list[tuple[int, str]] = []
    for number, rec in enumerate(value, start=1):
        if isinstance(rec, dict):
            records.append(rec)
            lines.append(number)
        else:
            malformed.append((number, f"expected a JSON object, found {type(rec).__name__}"))
    return RawTable(_records_frame(records), np.asarray(lines, dtype=np.int64), "json", malformed)


def _records_frame(records: list[dict[str, object]]) -> pd.DataFrame:
    nested = any(isinstance(v, dict) for rec in records[:1000] for v in rec.values())
    if nested:
        return pd.json_normalize(records, sep=".")
    return pd.DataFrame.from_records(records)


def _read_parquet(path: Path, name: str) -> RawTable:
    try:
        frame = pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises several unrelated types for a corrupt file
        raise AdapterError(f"{name}: not a readable Parquet file ({type(exc).__name__}: {exc})") from None
    frame.columns = [str(c) for c in frame.columns]
    return RawTable(frame, np.arange(1, len(frame) + 1, dtype=np.int64), "parquet")


def _read_xlsx(path: Path, name: str, sheet: str | int | None) -> RawTable:
    try:
        frame = pd.read_excel(path, sheet_name=0 if sheet is None else sheet, dtype=str, engine="calamine")
    except ValueError as exc:
        raise AdapterError(f"{name}: {exc}") from None
    except Exception as exc:  # calamine raises its own error types for a file that is not a workbook
        raise AdapterError(f"{name}: not a readable XLSX workbook ({type(exc).__name__}: {exc})") from None
    frame.columns = [str(c) for c in frame.columns]
    _check_header(frame, name)
    return RawTable(frame, np.arange(2, len(frame) + 2, dtype=np.int64), "xlsx")
