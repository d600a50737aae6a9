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
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Final, NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from labeleval.errors import AdapterError, LabelevalError
from labeleval.io.xlsx import read_xlsx
from labeleval.limits import Limits
from labeleval.limits import current as current_limits
from labeleval.options import TABLE_FORMATS
from labeleval.tuning import PARQUET_NESTED_VALUE_BYTES

FORMATS: Final[dict[str, tuple[str, ...]]] = TABLE_FORMATS
#: What "line" means in each format, for messages.
LINE_WORD: Final[dict[str, str]] = {
    "csv": "line",
    "tsv": "line",
    "jsonl": "line",
    "json": "record",
    "parquet": "row",
    "xlsx": "row",
    "frame": "row",
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
    #: Every column the file has, when only some were read (``frame`` holds those asked for).
    columns_in_file: list[str] | None = None
    #: The column a malformed record's problem is in, by line, where the reader knows it.
    malformed_columns: dict[int, str] = field(default_factory=dict)
    #: Item metadata a vendor's export carries (text, indexed by item_id), where a native reader was asked for it.
    items: pd.DataFrame | None = None

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
    columns: Collection[str] | None = None,
) -> RawTable:
    """Read one file into a :class:`RawTable`. ``display_name`` is used in messages (default: file name).

    ``limits`` (default: :func:`labeleval.limits.current`) bounds rows, columns, cells, decoded size and JSON
    nesting; Parquet and XLSX files are checked against them from their metadata, before decoding.
    ``columns``: the columns to keep (the others are not decoded where the format allows; every column of the
    file is still counted against the columns limit); ``None`` keeps them all.
    """
    name = display_name or path.name
    fmt = detect_format(path, fmt)
    lim = limits or current_limits()
    if not path.exists():
        raise AdapterError(f"{name}: file not found ({path})")
    if path.stat().st_size == 0:
        raise AdapterError(f"{name}: the file is empty (0 bytes); expected a {fmt} file with a header or records")
    if fmt in ("csv", "tsv"):
        raw = _read_delimited(path, name, fmt, encoding, lim, columns)
    elif fmt == "jsonl":
        raw = _read_jsonl(path, name, encoding, lim, columns)
    elif fmt == "json":
        raw = _read_json(path, name, encoding, lim, columns)
    elif fmt == "parquet":
        raw = read_parquet(path, name, lim, columns=columns)
    else:
        raw = _read_xlsx(path, name, sheet, lim, columns)
    width = len(raw.columns_in_file) if raw.columns_in_file is not None else raw.frame.shape[1]
    check_size(raw.rows_read, width, name, lim)
    return raw


def read_frame(
    frame: pd.DataFrame, name: str, *, limits: Limits | None = None, columns: Collection[str] | None = None
) -> RawTable:
    """An in-memory table as a :class:`RawTable`: its index is each row's position in the caller's frame (what
    messages call its row, counted from 0 as ``iloc``), column names become text, categorical columns their
    values, and cells holding lists or objects their JSON text, as a Parquet file's are read. ``columns``: the
    columns to keep (None: all)."""
    lim = limits or current_limits()
    names = [str(c) for c in frame.columns]
    check_size(len(frame), len(names), name, lim)
    _check_names(names, name, "columns")
    keep = [k for k, c in enumerate(names) if columns is None or c in columns]
    out = frame.iloc[:, keep].copy()
    out.columns = [names[k] for k in keep]
    for position in range(out.shape[1]):
        if isinstance(out.dtypes.iloc[position], pd.CategoricalDtype):
            out.isetitem(position, out.iloc[:, position].astype(out.dtypes.iloc[position].categories.dtype))
    lines = np.asarray(out.index, dtype=np.int64)
    out = out.reset_index(drop=True)
    out = _nested_as_text(out)
    everything = None if columns is None else names
    return RawTable(out, lines, "frame", notes=mixed_type_notes(out, name), columns_in_file=everything)


def check_size(rows: int, columns: int, name: str, limits: Limits) -> None:
    """Refuse a table over the rows, columns or cells limit (see :mod:`labeleval.limits`)."""
    limits.check("columns", columns, name)
    limits.check("rows", rows, name)
    limits.check("cells", rows * max(columns, 1), name)


def json_depth_error(name: str, where: str, limits: Limits) -> str:
    return (
        f"{name}{where}: JSON nested deeper than the limit of {limits.json_depth} levels (json_depth); raise it "
        f"with the environment variable LABELEVAL_MAX_JSON_DEPTH=..."
    )


def too_deep(text: str, limit: int) -> bool:
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


def _read_delimited(
    path: Path, name: str, fmt: str, encoding: str, limits: Limits, columns: Collection[str] | None
) -> RawTable:
    text = _decode(path.read_bytes(), name, encoding)
    if not text or text.isspace():  # (isspace stops at the first other character; strip() would copy)
        raise AdapterError(f"{name}: the file holds only white space; expected a header line")
    return delimited_text(text, name, fmt, limits, columns=columns)


def delimited_text(
    text: str,
    name: str,
    fmt: str,
    limits: Limits,
    header: str | None = None,
    first_line: int = 1,
    columns: Collection[str] | None = None,
) -> RawTable:
    """The rows of CSV/TSV text: a whole file, or (``header`` given: the file's header line) a block of its
    lines whose first is ``first_line``, read by the chunked engines (rows get the file's line numbers; a parser
    error's line is pandas' count within the block, so the chunked engines re-read the file whole to name it).

    A line ends at ``\n``, ``\r\n`` or a lone ``\r``. A quoted field that runs over several lines is read
    as one field only when none of the lines it swallows looks like a record of its own (as many separators as
    the header); otherwise (a stray or unclosed quote) each of its lines is quarantined as a malformed record,
    naming the line and column where the quote opened, so that no record disappears into another.
    ``columns``: read only these (others are tokenised and dropped). A ``.csv`` file's separator is the comma
    unless its header line says otherwise (:func:`csv_separator`)."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    sep = "\t" if fmt == "tsv" else csv_separator(text if header is None else header)
    shift = 0
    if header is None:
        names = _check_delimited_header(text, sep, name, limits)
    else:
        text, shift = header + "\n" + text, first_line - 2
        names = header.split(sep)
    frame, lines, malformed = _delimited_records(text, sep, name, names, columns)
    frame.columns = [str(c) for c in frame.columns]
    _check_header(frame, name, names)
    if columns is not None:  # (pandas parsed every column of a file that holds quotes)
        kept = [c for c in frame.columns if c.strip() in columns]
        frame = frame[kept] if len(kept) < frame.shape[1] else frame
    return RawTable(
        frame,
        lines + shift,
        fmt,
        [(line + shift, message) for line, message, _ in malformed],
        columns_in_file=[n.strip() for n in names],
        malformed_columns={line + shift: column for line, _, column in malformed},
    )


def _read_csv(text: str, sep: str, columns: Collection[str] | None, names: list[str] | None = None) -> pd.DataFrame:
    """pandas' parse of CSV text; only ``columns`` when given and the text holds no quote (pandas does not
    count a row's fields against the header when it skips columns, so the count is checked here, which quotes
    would make inexact)."""
    wanted = None if columns is None or '"' in text else frozenset(columns)
    if wanted is not None and names is not None:
        if all(n.strip() in wanted for n in names):
            wanted = None
        else:
            _check_field_counts(text, sep, len(names))
    return pd.read_csv(
        io.StringIO(text),
        sep=sep,
        dtype=str,
        keep_default_na=False,
        na_filter=False,
        skip_blank_lines=True,
        usecols=None if wanted is None else (lambda c: str(c).strip() in wanted),
    )


def _check_field_counts(text: str, sep: str, fields: int) -> None:
    """Raise pandas' error for the first line of unquoted CSV text with more fields than the header (counted a
    block at a time, so that the counts of a large file take a few times the block, not the file)."""
    data = text.encode("utf-8")
    line, carried, size = 1, 0, len(data)
    for start in range(0, size, _COUNT_BLOCK):
        codes = np.frombuffer(data, dtype=np.uint8, count=min(_COUNT_BLOCK, size - start), offset=start)
        ends = np.flatnonzero(codes == 10)
        seps = np.cumsum(codes == ord(sep), dtype=np.int32)
        at_ends = seps[ends]
        counts = np.diff(at_ends, prepend=0).astype(np.int64)  # separators of each line ending in this block
        if len(counts):
            counts[0] += carried
        after = int(seps[-1]) - (int(at_ends[-1]) if len(ends) else 0)  # separators after the block's last \n
        carried = after + (0 if len(ends) else carried)
        if start + len(codes) >= size and codes[-1] != 10:  # the last line has no line end
            counts = np.append(counts, carried)
        over = np.flatnonzero(counts >= fields)
        if len(over):
            raise pd.errors.ParserError(
                f"Error tokenizing data. C error: Expected {fields} fields in line {line + int(over[0])}, "
                f"saw {int(counts[over[0]]) + 1}"
            )
        line += len(ends)


def _delimited_records(
    text: str, sep: str, name: str, names: list[str], columns: Collection[str] | None
) -> tuple[pd.DataFrame, np.ndarray, list[tuple[int, str, str]]]:
    """Rows, each row's line and the malformed records (line, message, column) of CSV/TSV text whose lines end
    in \\n only."""
    error: Exception | None = None
    try:
        frame = _read_csv(text, sep, columns, names)
        if text.count("\n") + (not text.endswith("\n")) == len(frame) + 1:  # every line the header or a row
            return frame, np.arange(2, len(frame) + 2, dtype=np.int64), []
    except pd.errors.ParserError as exc:
        error = exc
    except pd.errors.EmptyDataError:
        raise AdapterError(f"{name}: no header line found") from None
    physical = text.split("\n")
    spans = _record_spans(physical, sep, max(len(names) - 1, 1))
    header_end = spans[0].last if spans else 0
    kept = [s for s in spans[1:] if s.field < 0]
    malformed = [m for s in spans[1:] if s.field >= 0 for m in _swallowed(physical, s, names, sep)]
    if malformed or error is not None:
        numbers = list(range(header_end + 1)) + [k for s in kept for k in range(s.first, s.last + 1)]
        try:
            frame = _read_csv("\n".join(physical[i] for i in numbers), sep, columns, names)
        except pd.errors.ParserError as exc:
            raise AdapterError(f"{name}: {_parser_message(exc, numbers)}") from None
        except pd.errors.EmptyDataError:
            raise AdapterError(f"{name}: no header line found") from None
    lines = np.asarray([s.first + 1 for s in kept], dtype=np.int64)
    if len(lines) != len(frame):
        raise AdapterError(
            f"{name}: {len(frame):,} rows parsed from {len(lines):,} records; the quoting cannot be read "
            f"consistently (quote every field that holds a quote, and double the quotes inside it)"
        )
    return frame, lines, malformed


#: bytes of CSV text whose separators are counted at a time (``_check_field_counts``)
_COUNT_BLOCK = 1 << 24
#: a quoted field's rest, from inside it: text and doubled quotes up to the quote that closes it
_QUOTED_REST = re.compile(r'(?:[^"]|"")*"(?!")')


class _Span(NamedTuple):
    """A CSV record's lines (0-based, first and last), and where a quote that swallows records opened."""

    first: int
    last: int
    field: int  # the field where the quote opened; -1: the record is read (one line, or a multi-line field)
    at: int  # the character of the line where it opened
    closed: bool = True


def _record_spans(physical: list[str], sep: str, seps: int) -> list[_Span]:
    """The records of CSV lines, blank lines skipped. A field quoted over several lines makes one record unless
    a line it continues over holds ``seps`` separators inside the quotes (then it swallowed records)."""
    spans: list[_Span] = []
    i, n = 0, len(physical)
    while i < n:
        line = physical[i]
        if _blank(line, sep):
            i += 1
            continue
        field, at = _open_quote(line, sep)
        start, still_open, swallowed = i, field >= 0, False
        while still_open and i + 1 < n:
            i += 1
            following = physical[i]
            closed = _QUOTED_REST.match(following)
            inside = following if closed is None else following[: closed.end()]
            swallowed = swallowed or inside.count(sep) >= seps
            if closed is not None:
                still_open = _open_quote(following[closed.end() :], sep, after_quote=True)[0] >= 0
        swallowed = swallowed or still_open
        spans.append(_Span(start, i, field if swallowed else -1, at, not still_open))
        i += 1
    return spans


def _blank(line: str, sep: str) -> bool:
    """Whether pandas skips ``line`` as blank: nothing but spaces and tabs, the separator excepted."""
    return not line.strip(" " if sep == "\t" else " \t")


def _open_quote(line: str, sep: str, after_quote: bool = False) -> tuple[int, int]:
    """(field index, character) of a quoted field that ``line`` opens and leaves open; (-1, -1) when every
    quote it opens is closed. ``after_quote``: ``line`` starts just after a closing quote, within a field."""
    if '"' not in line:
        return -1, -1
    pos, field, n = 0, 0, len(line)
    if after_quote:
        nxt = line.find(sep)
        if nxt < 0:
            return -1, -1
        pos, field = nxt + 1, 1
    while pos <= n:
        if line.startswith('"', pos):
            closed = _QUOTED_REST.match(line, pos + 1)
            if closed is None:
                return field, pos
            nxt = line.find(sep, closed.end())
        else:
            nxt = line.find(sep, pos)
        if nxt < 0:
            return -1, -1
        pos, field = nxt + 1, field + 1
    return -1, -1


def _swallowed(physical: list[str], span: _Span, names: list[str], sep: str) -> list[tuple[int, str, str]]:
    """One malformed record per non-blank line of a record whose quote swallows other records."""
    column = names[span.field].strip() if 0 <= span.field < len(names) else f"#{span.field + 1}"
    what = (
        f"a quoted field in column {column!r} opened at line {span.first + 1} (character {span.at + 1}) "
        + (f"runs over lines {span.first + 1}-{span.last + 1}" if span.closed else "is never closed")
        + " and swallows records of its own (a stray or unclosed quote); each of its lines is set aside"
    )
    return [(k + 1, what, column) for k in range(span.first, span.last + 1) if not _blank(physical[k], sep)]


#: separators a ``.csv`` file may use in place of the comma (spreadsheets in locales whose decimal mark is a comma
#: write ``;``), in the order a tie is settled
CSV_SEPARATORS = (",", ";", "\t", "|")


def csv_separator(text: str) -> str:
    """The separator of a CSV file, from its header line: the comma unless the header holds none outside quotes
    and another of :data:`CSV_SEPARATORS` splits it (``item_id;annotator_id;label``). Only the header decides:
    a data value holding a semicolon cannot change how a comma-separated file is read."""
    start = len(text) - len(text.lstrip("\n"))
    end = text.find("\n", start)
    first = text[start : end if end >= 0 else len(text)]
    outside = "".join(first.split('"')[::2])  # the header's text outside quoted names
    counts = {sep: outside.count(sep) for sep in CSV_SEPARATORS}
    if counts[","]:
        return ","
    best = max(CSV_SEPARATORS, key=lambda sep: counts[sep])
    return best if counts[best] else ","


def _check_delimited_header(text: str, sep: str, name: str, limits: Limits) -> list[str]:
    """Column count and repeated names from the header line, before pandas parses (and renames) them."""
    start = len(text) - len(text.lstrip("\n"))
    end = text.find("\n", start)
    first = text[start : end if end >= 0 else len(text)]
    try:
        if first.count('"') % 2:  # a quoted header name spans lines: let the csv module find its end
            header = next(csv.reader(io.StringIO(text[start:]), delimiter=sep), [])
        else:
            header = next(csv.reader([first], delimiter=sep), [])
    except csv.Error as exc:
        raise AdapterError(f"{name} line 1: cannot read the header line ({exc})") from None
    limits.check("columns", len(header), f"{name} line 1")
    _check_names([h.strip() for h in header], name, "line 1")
    return header


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


def _parser_message(exc: Exception, numbers: list[int] | None = None) -> str:
    """pandas' parser error in words; ``numbers``: the file line (0-based) of each line pandas was given."""
    msg = str(exc).strip()
    # pandas: "Error tokenizing data. C error: Expected 4 fields in line 7, saw 5"
    if "Expected" in msg and "line" in msg:
        detail = msg.split("C error:")[-1].strip()
        if numbers is not None:
            found = re.search(r"line (\d+)", detail)
            if found and 0 < int(found.group(1)) <= len(numbers):
                detail = detail.replace(found.group(0), f"line {numbers[int(found.group(1)) - 1] + 1}", 1)
        return f"malformed row: {detail} (a field with a separator or quote that is not quoted properly)"
    return f"cannot parse the file: {msg}"


def _check_header(frame: pd.DataFrame, name: str, names: list[str] | None = None) -> None:
    unnamed = [c for c in frame.columns if c.startswith("Unnamed: ") or c == ""]
    if (unnamed and len(unnamed) == len(frame.columns)) or (names is not None and not any(n.strip() for n in names)):
        raise AdapterError(f"{name} line 1: the header line has no column names")
    dupes = frame.columns[frame.columns.duplicated()].tolist()
    if dupes:
        raise AdapterError(f"{name} line 1: the header names a column twice: {', '.join(map(repr, dupes))}")


def _read_jsonl(path: Path, name: str, encoding: str, limits: Limits, columns: Collection[str] | None) -> RawTable:
    return jsonl_lines(_decode(path.read_bytes(), name, encoding), name, limits, columns=columns)


class _KeyCount:
    """The distinct keys of JSON records, counted as they are read, so that a file with more distinct keys than
    the columns limit (each key a column) is refused when the first key over it is seen, before any table is
    built; ``wanted``: the keys to keep (a nested column ``response.label`` keeps ``response``)."""

    def __init__(self, name: str, limits: Limits, columns: Collection[str] | None) -> None:
        self.name, self.limits, self.keys = name, limits, set[str]()
        self.wanted = None if columns is None else frozenset(c.split(".", 1)[0] for c in columns)

    def add(self, record: dict[str, object], where: str) -> dict[str, object]:
        keys = self.keys
        before = len(keys)
        keys.update(record)
        if len(keys) > self.limits.columns and len(keys) != before:
            self.limits.check("columns", len(keys), f"{self.name} {where} (distinct keys so far)")
        if self.wanted is None:
            return record
        return {k: v for k, v in record.items() if k in self.wanted}


def jsonl_lines(
    text: str, name: str, limits: Limits, first_line: int = 1, columns: Collection[str] | None = None
) -> RawTable:
    """The records of JSONL text whose first line is ``first_line`` (a whole file, or a block of its lines read
    by the chunked engines); a file (``first_line`` 1) with no record at all is refused. ``columns``: the
    columns to keep (every record's keys still count against the columns limit)."""
    records: list[dict[str, object]] = []
    lines: list[int] = []
    malformed: list[tuple[int, str]] = []
    counted = _KeyCount(name, limits, columns)
    for number, raw in enumerate(text.splitlines(), start=first_line):
        if not raw.strip():
            continue
        value, problem = load_json(raw, limits.json_depth)
        if problem:
            malformed.append((number, problem))
            continue
        if not isinstance(value, dict):
            malformed.append((number, f"expected a JSON object, found {type(value).__name__}"))
            continue
        records.append(counted.add(value, f"line {number}"))
        lines.append(number)
    if not records and not malformed and first_line == 1:
        raise AdapterError(f"{name}: no records found")
    frame = _records_frame(records, name, limits, len(malformed))
    lines_ = np.asarray(lines, dtype=np.int64)
    return RawTable(
        frame, lines_, "jsonl", malformed, notes=mixed_type_notes(frame, name), columns_in_file=_all(counted)
    )


def _all(counted: _KeyCount) -> list[str] | None:
    return None if counted.wanted is None else sorted(counted.keys)


def load_json(text: str, depth: int) -> tuple[Any, str]:
    """(value, "") of JSON text, or (None, why not): invalid JSON, or nested deeper than ``depth`` levels (never
    a RecursionError, whatever the nesting)."""
    if too_deep(text, depth):
        return None, f"JSON nested deeper than {depth} levels (json_depth limit)"
    try:
        return json.loads(text), ""
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}" if exc.lineno > 1 else f"column {exc.colno}"
        return None, f"invalid JSON at {where}: {exc.msg}"
    except RecursionError:
        return None, "JSON nested too deeply to read"


def _read_json(path: Path, name: str, encoding: str, limits: Limits, columns: Collection[str] | None) -> RawTable:
    text = _decode(path.read_bytes(), name, encoding)
    if too_deep(text, limits.json_depth + 2):  # the list of records and an enclosing object add two levels
        raise AdapterError(json_depth_error(name, "", limits))
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise AdapterError(f"{name} line {exc.lineno}, column {exc.colno}: invalid JSON: {exc.msg}") from None
    except RecursionError:
        raise AdapterError(json_depth_error(name, "", limits)) from None
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
    counted = _KeyCount(name, limits, columns)
    for number, rec in enumerate(value, start=1):
        if isinstance(rec, dict):
            records.append(counted.add(rec, f"record {number}"))
            lines.append(number)
        else:
            malformed.append((number, f"expected a JSON object, found {type(rec).__name__}"))
    frame = _records_frame(records, name, limits, len(malformed))
    lines_ = np.asarray(lines, dtype=np.int64)
    return RawTable(
        frame, lines_, "json", malformed, notes=mixed_type_notes(frame, name), columns_in_file=_all(counted)
    )


def _records_frame(
    records: list[dict[str, object]], name: str = "", limits: Limits | None = None, others: int = 0
) -> pd.DataFrame:
    """JSON records as a table, nested objects flattened with dots; the columns and cells it would have are
    checked against ``limits`` before it is built (``others``: records read besides these)."""
    nested = any(isinstance(v, dict) for rec in records for v in rec.values())
    if limits is not None:
        width = len(_flat_keys(records, limits)) if nested else len({k for rec in records for k in rec})
        check_size(len(records) + others, width, name, limits)
    try:
        frame = pd.json_normalize(records, sep=".") if nested else pd.DataFrame.from_records(records)
        if len(frame) < len(records):  # records that are all empty objects: one row each, not none
            frame = pd.DataFrame(index=pd.RangeIndex(len(records)))
    except RecursionError:
        raise AdapterError(f"{name}: JSON records nested too deeply to flatten") from None
    frame.columns = [str(c) for c in frame.columns]
    _check_names(list(frame.columns), name, "records")
    return _nested_as_text(frame)


def _flat_keys(records: list[dict[str, object]], limits: Limits) -> set[str]:
    """The dotted column names of flattened records, stopping once there are more than the columns limit."""
    keys: set[str] = set()
    stack: list[tuple[str, dict[str, object]]] = [("", rec) for rec in records]
    while stack and len(keys) <= limits.columns:
        prefix, rec = stack.pop()
        for key, value in rec.items():
            if isinstance(value, dict) and value:
                stack.append((f"{prefix}{key}.", value))
            else:
                keys.add(f"{prefix}{key}")
    return keys


def read_parquet(
    source: Path | BinaryIO,
    name: str,
    limits: Limits,
    *,
    row_group: int | None = None,
    rows_before: int = 0,
    columns: Collection[str] | None = None,
) -> RawTable:
    """A Parquet file (a path, or an open binary file: a file on object storage), or one of its row groups
    (rows numbered after ``rows_before``). Before anything is decoded: the rows, columns and cells from the
    footer, and the values of list, map and struct columns from the column chunks' metadata; after reading the
    still dictionary-encoded text: its decoded size. ``columns``: the top-level columns to read."""
    where = name if row_group is None else f"{name} (row group {row_group + 1})"
    try:
        with _binary(source) as handle:
            parquet = pq.ParquetFile(handle)
            meta = parquet.metadata
            check_size(meta.num_rows, meta.num_columns, name, limits)  # from the footer, before decoding
            schema = parquet.schema_arrow
            _check_names([str(n) for n in schema.names], name, "schema")
            names = [f.name for f in schema if columns is None or f.name in columns]
            limits.check("decoded_mb", nested_bytes(meta, schema, names, row_group) / 1024**2, where)
            plain = pa.schema([pa.field(f.name, _undictionary(f.type)) for f in schema if f.name in names])
            text = [f.name for f in plain if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)]
            handle.seek(0)
            reader = pq.ParquetFile(handle, read_dictionary=text)
            table = reader.read(names) if row_group is None else reader.read_row_group(row_group, names)
        limits.check("decoded_mb", decoded_text_bytes(table, text) / 1024**2, where)
        _check_utf8(table, text, where, rows_before)
        frame = table.cast(plain).to_pandas()
    except LabelevalError:
        raise
    except (MemoryError, RecursionError) as exc:
        raise AdapterError(
            f"{name}: the Parquet file is too large or too deeply nested ({type(exc).__name__})"
        ) from None
    except Exception as exc:  # pyarrow raises several unrelated types for a corrupt file
        raise AdapterError(f"{name}: not a readable Parquet file ({type(exc).__name__}: {exc})") from None
    frame.columns = [str(c) for c in frame.columns]
    lines = np.arange(rows_before + 1, rows_before + len(frame) + 1, dtype=np.int64)
    everything = None if columns is None else [str(n) for n in schema.names]
    return RawTable(_nested_as_text(frame), lines, "parquet", columns_in_file=everything)


@contextmanager
def _binary(source: Path | BinaryIO) -> Iterator[BinaryIO]:
    if isinstance(source, Path):
        with source.open("rb") as handle:
            yield handle
    else:
        yield source


def nested_bytes(meta: Any, schema: Any, names: list[str], row_group: int | None) -> int:
    """Bytes the list, map and struct columns among ``names`` would take once decoded into Python values, from
    the column chunks' metadata (before decoding): their bytes after decompression, plus
    ``PARQUET_NESTED_VALUE_BYTES`` for each value they hold (a few hundred KB of run-length encoded list can
    hold a hundred million values)."""
    nested = {f.name for f in schema if f.name in names and pa.types.is_nested(f.type)}
    if not nested:
        return 0
    total = 0
    groups = range(meta.num_row_groups) if row_group is None else [row_group]
    for g in groups:
        group = meta.row_group(g)
        for c in range(group.num_columns):
            chunk = group.column(c)
            if chunk.path_in_schema.split(".", 1)[0] in nested:
                total += max(chunk.total_uncompressed_size, 0) + max(chunk.num_values, 0) * PARQUET_NESTED_VALUE_BYTES
    return total


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


def _check_utf8(table: Any, text: list[str], where: str, rows_before: int) -> None:
    """Refuse text that is not UTF-8, naming the column and the first row holding it (Parquet does not check
    it on reading, and pandas would fail on it later, far from the file): checked in the still
    dictionary-encoded ``text`` columns, so once per distinct value."""
    for column in text:
        offset = rows_before
        for chunk in table.column(column).chunks:
            try:
                chunk.dictionary.validate(full=True)
            except pa.ArrowInvalid:
                bad = [i for i, v in enumerate(chunk.dictionary.cast(pa.binary()).to_pylist()) if not _utf8(v)]
                hits = np.flatnonzero(pc.is_in(chunk.indices, pa.array(bad, chunk.indices.type)).fill_null(False))
                row = offset + (int(hits[0]) + 1 if len(hits) else 1)
                raise AdapterError(
                    f"{where} row {row:,}, column {column!r}: text that is not valid UTF-8; write the file's "
                    f"text columns as UTF-8"
                ) from None
            offset += len(chunk)


def _utf8(value: bytes | None) -> bool:
    try:
        (value or b"").decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _undictionary(kind: object) -> object:
    """A dictionary-encoded column's value type (its text is measured, then decoded like any other); text as
    ``large_string``, the storage of pandas' string dtype, so that it is decoded once and not cast again by
    ``to_pandas`` (0.25 s per 3.3M-row file)."""

    value = kind.value_type if isinstance(kind, pa.DictionaryType) else kind
    return pa.large_string() if pa.types.is_string(value) else value


def _read_xlsx(
    path: Path, name: str, sheet: str | int | None, limits: Limits, columns: Collection[str] | None
) -> RawTable:
    frame, lines, header = read_xlsx(path, name, sheet, limits, columns)
    frame.columns = [str(c) for c in frame.columns]
    if header is not None:  # read by rows: the header as the sheet has it
        if not any(header):
            raise AdapterError(f"{name} row 1: the header row has no column names")
        _check_names([h for h in header if h], name, "row 1")
    else:
        _check_header(frame, name)
        present = set(frame.columns)
        if any(m and m.group(1) in present for m in map(_MANGLED.fullmatch, frame.columns)):
            # pandas renames a repeated header "x" to "x.1": read the real header row to tell
            first = pd.read_excel(
                path, sheet_name=0 if sheet is None else sheet, header=None, nrows=1, dtype=str, engine="calamine"
            )
            _check_names([str(h) for h in first.iloc[0].tolist() if not pd.isna(h)], name, "row 1")
        header = list(frame.columns)
    if columns is None:
        return RawTable(frame, lines, "xlsx")
    kept = [c for c in frame.columns if c in columns]
    return RawTable(frame[kept] if len(kept) < frame.shape[1] else frame, lines, "xlsx", columns_in_file=header)


_MANGLED = re.compile(r"(.*)\.(\d+)")
