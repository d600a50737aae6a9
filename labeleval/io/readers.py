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
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from labeleval.errors import AdapterError, LabelevalError
from labeleval.limits import Limits
from labeleval.limits import current as current_limits
from labeleval.options import TABLE_FORMATS
from labeleval.tuning import XLSX_DIMENSION_BYTES

FORMATS: Final[dict[str, tuple[str, ...]]] = TABLE_FORMATS
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
    #: Rows a native vendor reader set aside with a reason (rejected, cancelled, reviewer annotations ...):
    #: columns line, reason, column, value, message, seconds, cost. They count as rows read.
    excluded: pd.DataFrame | None = None
    #: What a native reader wants the user to know about the file as a whole.
    notes: list[str] = field(default_factory=list)

    @property
    def rows_read(self) -> int:
        return len(self.frame) + len(self.malformed) + (0 if self.excluded is None else len(self.excluded))


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
    limits: Limits | None = None,
) -> RawTable:
    """Read one file into a :class:`RawTable`. ``display_name`` is used in messages (default: file name).

    ``limits`` (default: :func:`labeleval.limits.current`) bounds rows, columns, cells, decoded size and JSON
    nesting; Parquet and XLSX files are checked against them from their metadata, before decoding.
    """
    name = display_name or path.name
    fmt = detect_format(path, fmt)
    lim = limits or current_limits()
    if not path.exists():
        raise AdapterError(f"{name}: file not found ({path})")
    if path.stat().st_size == 0:
        raise AdapterError(f"{name}: the file is empty (0 bytes); expected a {fmt} file with a header or records")
    if fmt in ("csv", "tsv"):
        raw = _read_delimited(path, name, fmt, encoding, lim)
    elif fmt == "jsonl":
        raw = _read_jsonl(path, name, encoding, lim)
    elif fmt == "json":
        raw = _read_json(path, name, encoding, lim)
    elif fmt == "parquet":
        raw = _read_parquet(path, name, lim)
    else:
        raw = _read_xlsx(path, name, sheet, lim)
    check_size(raw.rows_read, raw.frame.shape[1], name, lim)
    return raw


def check_size(rows: int, columns: int, name: str, limits: Limits) -> None:
    """Refuse a table over the rows, columns or cells limit (see :mod:`labeleval.limits`)."""
    limits.check("columns", columns, name)
    limits.check("rows", rows, name)
    limits.check("cells", rows * max(columns, 1), name)


def _json_depth_error(name: str, where: str, limits: Limits) -> str:
    return (
        f"{name}{where}: JSON nested deeper than the limit of {limits.json_depth} levels (json_depth); raise it "
        f"with the environment variable LABELEVAL_MAX_JSON_DEPTH=..."
    )


def _too_deep(text: str, limit: int) -> bool:
    """Whether ``text`` opens more than ``limit`` nested JSON arrays or objects (cheap pre-check: brackets
    inside strings are counted too, so this can only over-count, and is followed by an exact check)."""
    if text.count("[") + text.count("{") <= limit:
        return False
    depth = 0
    deepest = 0
    in_string = False
    escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limit:
                    return True
        elif char in "]}":
            depth -= 1
    return False


def mixed_type_notes(frame: pd.DataFrame, name: str) -> list[str]:
    """Columns where numbers and text read the same (``1`` and ``"1"``): labeleval compares ids and labels as
    text, so they become one value; say so, naming them, instead of merging them without a word."""
    notes = []
    for column in frame.columns:
        values = frame[column].to_numpy()
        if values.dtype != object:
            continue
        text = {v for v in values if isinstance(v, str)}
        numbers = {v for v in values if isinstance(v, int | float) and not isinstance(v, bool) and v == v}
        if not text or not numbers:
            continue
        printed = {(str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)): v for v in numbers}
        same = sorted(set(printed) & text)
        if same:
            examples = ", ".join(f"{printed[t]!r} and {t!r}" for t in same[:3])
            notes.append(
                f"{name}: column {column!r} holds numbers and text that read the same ({examples}"
                f"{' ...' if len(same) > 3 else ''}); they are treated as the same value"
            )
    return notes


def _nested_as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Cells holding lists or objects (a JSON list label, a Parquet struct) become their JSON text, so every
    later step sees hashable scalars; a list label stays readable as a label set."""
    for position in range(frame.shape[1]):
        column = frame.iloc[:, position]
        if column.dtype != object:
            continue
        values = column.to_numpy()
        nested = np.fromiter((isinstance(v, list | dict | tuple | np.ndarray) for v in values), bool, len(values))
        if nested.any():
            text = values.copy()
            text[nested] = [_json_text(v) for v in values[nested]]
            frame.isetitem(position, pd.Series(text, index=frame.index, dtype=object))
    return frame


def _json_text(value: object) -> str:
    if isinstance(value, np.ndarray):
        value = value.tolist()
    try:
        return json.dumps(value, default=str, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):
        return str(value)


def _decode(data: bytes, name: str, encoding: str, first_line: int = 1) -> str:
    """Decode bytes, naming line and column of the first undecodable byte (``data`` starts at ``first_line``:
    a block of a file read in blocks; only the file's first block may start with a byte-order mark)."""
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + first_line
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        bad = data[exc.start : exc.start + 1].hex()
        raise AdapterError(
            f"{name} line {line}, column {column}: byte 0x{bad} is not valid {encoding}; "
            f'save the file as UTF-8 or declare its encoding in the manifest (encoding = "latin-1")'
        ) from None
    except LookupError:
        raise AdapterError(f"{name}: unknown encoding {encoding!r} declared in the manifest") from None
    return text.removeprefix("\ufeff") if first_line == 1 else text


def _read_delimited(path: Path, name: str, fmt: str, encoding: str, limits: Limits) -> RawTable:
    text = _decode(path.read_bytes(), name, encoding)
    if not text or text.isspace():  # (isspace stops at the first other character; strip() would copy)
        raise AdapterError(f"{name}: the file holds only white space; expected a header line")
    return delimited_text(text, name, fmt, limits)


def delimited_text(
    text: str, name: str, fmt: str, limits: Limits, header: str | None = None, first_line: int = 1
) -> RawTable:
    """The rows of CSV/TSV text: a whole file, or (``header`` given: the file's header line) a block of its
    lines whose first is ``first_line``, read by the chunked engines (rows get the file's line numbers; a parser
    error's line is pandas' count within the block, so the chunked engines re-read the file whole to name it)."""
    sep = "," if fmt == "csv" else "\t"
    shift = 0
    if header is None:
        _check_delimited_header(text, sep, name, limits)
    else:
        text, shift = header + "\n" + text, first_line - 2
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
    return RawTable(frame, _delimited_lines(text, sep, len(frame)) + shift, fmt)


def _check_delimited_header(text: str, sep: str, name: str, limits: Limits) -> None:
    """Column count and repeated names from the header line, before pandas parses (and renames) them."""
    start = len(text) - len(text.lstrip("\r\n"))
    end = text.find("\n", start)
    first = text[start : end if end >= 0 else len(text)]
    if first.count('"') % 2:  # a quoted header name spans lines: let the csv module find its end
        header = next(csv.reader(io.StringIO(text[start:]), delimiter=sep), [])
    else:
        header = next(csv.reader([first.rstrip("\r")], delimiter=sep), [])
    limits.check("columns", len(header), f"{name} line 1")
    _check_names([h.strip() for h in header], name, "line 1")


def _check_names(names: list[str], name: str, where: str) -> None:
    seen: set[str] = set()
    dupes: list[str] = []
    for column in names:
        if column in seen and column not in dupes and column:
            dupes.append(column)
        seen.add(column)
    if dupes:
        raise AdapterError(
            f"{name} {where}: the header names a column twice: {', '.join(map(repr, dupes[:10]))}; rename one so "
            f"that the manifest's column mapping is not ambiguous"
        )


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
    if "\r" not in text and text.count("\n") + (not text.endswith("\n")) == n_rows + 1:
        return np.arange(2, n_rows + 2, dtype=np.int64)  # every physical line is the header or one row
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


def _read_jsonl(path: Path, name: str, encoding: str, limits: Limits) -> RawTable:
    return jsonl_lines(_decode(path.read_bytes(), name, encoding), name, limits)


def jsonl_lines(text: str, name: str, limits: Limits, first_line: int = 1) -> RawTable:
    """The records of JSONL text whose first line is ``first_line`` (a whole file, or a block of its lines read
    by the chunked engines); a file (``first_line`` 1) with no record at all is refused."""
    records: list[dict[str, object]] = []
    lines: list[int] = []
    malformed: list[tuple[int, str]] = []
    for number, raw in enumerate(text.splitlines(), start=first_line):
        if not raw.strip():
            continue
        if _too_deep(raw, limits.json_depth):
            malformed.append((number, f"JSON nested deeper than {limits.json_depth} levels (json_depth limit)"))
            continue
        try:
            value = json.loads(raw)
        except json.JSONDecodeError as exc:
            malformed.append((number, f"invalid JSON at column {exc.colno}: {exc.msg}"))
            continue
        except RecursionError:
            malformed.append((number, "JSON nested too deeply to read"))
            continue
        if not isinstance(value, dict):
            malformed.append((number, f"expected a JSON object, found {type(value).__name__}"))
            continue
        records.append(value)
        lines.append(number)
    if not records and not malformed and first_line == 1:
        raise AdapterError(f"{name}: no records found")
    frame = _records_frame(records, name)
    lines_ = np.asarray(lines, dtype=np.int64)
    return RawTable(frame, lines_, "jsonl", malformed, notes=mixed_type_notes(frame, name))


def _read_json(path: Path, name: str, encoding: str, limits: Limits) -> RawTable:
    text = _decode(path.read_bytes(), name, encoding)
    if _too_deep(text, limits.json_depth + 2):  # the list of records and an enclosing object add two levels
        raise AdapterError(_json_depth_error(name, "", limits))
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise AdapterError(f"{name} line {exc.lineno}, column {exc.colno}: invalid JSON: {exc.msg}") from None
    except RecursionError:
        raise AdapterError(_json_depth_error(name, "", limits)) from None
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
    frame = _records_frame(records, name)
    lines_ = np.asarray(lines, dtype=np.int64)
    return RawTable(frame, lines_, "json", malformed, notes=mixed_type_notes(frame, name))


def _records_frame(records: list[dict[str, object]], name: str = "") -> pd.DataFrame:
    nested = any(isinstance(v, dict) for rec in records for v in rec.values())
    try:
        frame = pd.json_normalize(records, sep=".") if nested else pd.DataFrame.from_records(records)
    except RecursionError:
        raise AdapterError(f"{name}: JSON records nested too deeply to flatten") from None
    frame.columns = [str(c) for c in frame.columns]
    _check_names(list(frame.columns), name, "records")
    return _nested_as_text(frame)


def _read_parquet(path: Path, name: str, limits: Limits) -> RawTable:
    try:
        meta = pq.ParquetFile(path).metadata
    except Exception as exc:  # pyarrow raises several unrelated types for a corrupt file
        raise AdapterError(f"{name}: not a readable Parquet file ({type(exc).__name__}: {exc})") from None
    check_size(meta.num_rows, meta.num_columns, name, limits)  # from the footer, before decoding
    try:
        schema = pq.read_schema(path)
        _check_names([str(n) for n in schema.names], name, "schema")
        plain = pa.schema([pa.field(f.name, _undictionary(f.type)) for f in schema])
        text = [f.name for f in plain if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)]
        table = pq.ParquetFile(path, read_dictionary=text).read()
        limits.check("decoded_mb", decoded_text_bytes(table, text) / 1024**2, name)
        frame = table.cast(plain).to_pandas()
    except LabelevalError:
        raise
    except (MemoryError, RecursionError) as exc:
        raise AdapterError(
            f"{name}: the Parquet file is too large or too deeply nested ({type(exc).__name__})"
        ) from None
    except Exception as exc:
        raise AdapterError(f"{name}: not a readable Parquet file ({type(exc).__name__}: {exc})") from None
    frame.columns = [str(c) for c in frame.columns]
    return RawTable(_nested_as_text(frame), np.arange(1, len(frame) + 1, dtype=np.int64), "parquet")


def decoded_text_bytes(table: Any, text: list[str]) -> int:
    """Bytes the dictionary-encoded ``text`` columns of a Parquet ``table`` would take once decoded (a column
    can expand a thousandfold: measured before decoding)."""

    decoded = 0
    for column in text:
        for chunk in table.column(column).chunks:
            if not len(chunk.dictionary):  # every value of the column is null in this part
                continue
            lengths = pc.binary_length(chunk.dictionary).fill_null(0)
            decoded += int(pc.sum(pc.take(lengths, chunk.indices.fill_null(0))).as_py() or 0)
    return decoded


def _undictionary(kind: object) -> object:
    """A dictionary-encoded column's value type (its text is measured, then decoded like any other); text as
    ``large_string``, the storage of pandas' string dtype, so that it is decoded once and not cast again by
    ``to_pandas`` (0.25 s per 3.3M-row file)."""

    value = kind.value_type if isinstance(kind, pa.DictionaryType) else kind
    return pa.large_string() if pa.types.is_string(value) else value


_DIMENSION = re.compile(rb'<(?:\w+:)?dimension ref="[A-Z]+(\d+)(?::[A-Z]+(\d+))?"')


def _check_workbook(path: Path, name: str, limits: Limits) -> None:
    """Bound an XLSX before decoding: the unpacked size of its sheets and shared strings, and the row count
    its first sheet declares (a few hundred KB of zip can hold a million rows)."""
    try:
        with zipfile.ZipFile(path) as archive:
            parts = [i for i in archive.infolist() if i.filename.startswith(("xl/worksheets/", "xl/sharedStrings"))]
            limits.check("decoded_mb", sum(i.file_size for i in parts) / 1024**2, name)
            sheets = sorted(i.filename for i in parts if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", i.filename))
            if sheets:
                with archive.open(sheets[0]) as handle:
                    head = handle.read(XLSX_DIMENSION_BYTES)
                found = _DIMENSION.search(head)
                if found:
                    limits.check("rows", int(found.group(2) or found.group(1)) - 1, name)
    except zipfile.BadZipFile:
        return  # not a zip: calamine names the problem
    except LabelevalError:
        raise
    except Exception as exc:  # a damaged archive: zlib, EOF, unsupported compression or zip version ...
        raise AdapterError(f"{name}: not a readable XLSX workbook ({type(exc).__name__}: {exc})") from None


def _read_xlsx(path: Path, name: str, sheet: str | int | None, limits: Limits) -> RawTable:
    _check_workbook(path, name, limits)
    try:
        frame = pd.read_excel(path, sheet_name=0 if sheet is None else sheet, dtype=str, engine="calamine")
    except ValueError as exc:
        raise AdapterError(f"{name}: {exc}") from None
    except Exception as exc:  # calamine raises its own error types for a file that is not a workbook
        raise AdapterError(f"{name}: not a readable XLSX workbook ({type(exc).__name__}: {exc})") from None
    frame.columns = [str(c) for c in frame.columns]
    _check_header(frame, name)
    columns = set(frame.columns)
    if any(m and m.group(1) in columns for m in map(_MANGLED.fullmatch, frame.columns)):
        # pandas renames a repeated header "x" to "x.1": read the real header row to tell
        header = pd.read_excel(path, sheet_name=0 if sheet is None else sheet, header=None, nrows=1, dtype=str)
        _check_names([str(h) for h in header.iloc[0].tolist() if not pd.isna(h)], name, "row 1")
    return RawTable(frame, np.arange(2, len(frame) + 2, dtype=np.int64), "xlsx")


_MANGLED = re.compile(r"(.*)\.(\d+)")
