"""XLSX workbooks, bounded before decoding and read by rows when large.

A workbook is a zip of XML parts: a few kilobytes can name a cell at XFD1048576, and a reader that allocates
the sheet as one rectangle from its first to its last cell then asks for hundreds of gigabytes. So before any
reader decodes the sheet, :func:`sheet_shape` streams its XML once (inflated a block at a time, never whole)
and takes the rectangle from the cells' own references (``r="B7"``), the rows' (``r="7"``), the cells a row
holds without a reference, and the ``<dimension>`` the sheet declares; the rectangle is checked against the
rows and cells limits, and the unpacked size of the sheets and shared strings against the decoded-size limit.

A sheet whose rectangle is small and mostly filled is read whole by calamine (fast). A larger or sparse one
is read by rows (openpyxl's read-only mode), keeping only the columns asked for: memory follows the rows
times the mapped columns, not the rectangle.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from labeleval.errors import AdapterError, LabelevalError
from labeleval.limits import Limits
from labeleval.tuning import XLSX_CALAMINE_CELLS, XLSX_SCAN_BYTES, XLSX_SPARSE

_PREFIXED_CELL = re.compile(rb"<\w+:c[\s/>]")
_PREFIXED_ROW = re.compile(rb"<\w+:row[\s/>]")
_CELL_TAG = re.compile(rb"<(?:\w+:)?c[\s/>]")
_ROW_TAG = re.compile(rb"<(?:\w+:)?row[\s/>]")
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension ref="([A-Z]{1,4})(\d{1,9})(?::([A-Z]{1,4})(\d{1,9}))?"')
#: the longest tag a sheet may hold (a cell's tag is a few dozen bytes): a longer one is refused, so that the
#: scan's carried-over tail stays small
_LONGEST_TAG = 1 << 20


@dataclass(frozen=True)
class SheetShape:
    """The rectangle a sheet spans (from its references), and how many cells it really holds."""

    part: str  # the sheet's name in the zip
    rows: int
    columns: int
    cells: int

    @property
    def area(self) -> int:
        return self.rows * self.columns


def column_index(letters: bytes | str) -> int:
    """1-based index of a column's letters (A = 1, Z = 26, AA = 27, XFD = 16384)."""
    index = 0
    for char in letters.encode() if isinstance(letters, str) else letters:
        index = index * 26 + (char - 64)
    return index


def column_letters(index: int) -> str:
    """A column's letters from its 1-based index (1 = A, 27 = AA)."""
    letters = ""
    while index > 0:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters or "A"


def sheet_shape(path: Path, name: str, sheet: str | int | None, limits: Limits) -> SheetShape | None:
    """Bound a workbook before decoding (the module docstring says how); ``None`` when the file is not a zip
    or holds no sheet (calamine then names the problem). When the sheet cannot be told from the workbook's
    index, every sheet is scanned and the largest bounds it."""
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        return None
    except Exception as exc:
        raise AdapterError(f"{name}: not a readable XLSX workbook ({type(exc).__name__}: {exc})") from None
    try:
        with archive:
            parts = [i for i in archive.infolist() if i.filename.startswith(("xl/worksheets/", "xl/sharedStrings"))]
            limits.check("decoded_mb", sum(i.file_size for i in parts) / 1024**2, name)
            shapes = []
            for part in _sheet_parts(archive, sheet):
                with archive.open(part) as handle:
                    shapes.append(_scan(handle, part))
    except LabelevalError:
        raise
    except Exception as exc:  # a damaged archive: zlib, CRC, EOF, unsupported compression or zip version ...
        raise AdapterError(f"{name}: not a readable XLSX workbook ({type(exc).__name__}: {exc})") from None
    if not shapes:
        return None
    shape = max(shapes, key=lambda s: (s.area, s.rows))
    limits.check("rows", max(shape.rows - 1, 0), name)
    limits.check("cells", shape.area, f"{name} (the sheet's cells span A1:{column_letters(shape.columns)}{shape.rows})")
    return shape


def _sheet_parts(archive: zipfile.ZipFile, sheet: str | int | None) -> list[str]:
    """The zip part of the sheet to read, by name or position in ``xl/workbook.xml`` and its relationships (the
    first when ``sheet`` is None); every worksheet part when the index does not tell."""
    names = set(archive.namelist())
    listed = [(title, part) for title, part in _workbook_sheets(archive) if part in names]
    if isinstance(sheet, str):
        chosen = [part for title, part in listed if title == sheet]
    else:
        position = sheet or 0
        chosen = [listed[position][1]] if 0 <= position < len(listed) else []
    return chosen[:1] or sorted(n for n in names if n.startswith("xl/worksheets/") and n.endswith(".xml"))


def _workbook_sheets(archive: zipfile.ZipFile) -> list[tuple[str, str]]:
    """(name, part) of each sheet in workbook order, from ``xl/workbook.xml`` and its relationships."""
    try:
        book = archive.read("xl/workbook.xml")
        rels = archive.read("xl/_rels/workbook.xml.rels")
    except KeyError:
        return []
    targets = {
        m.group(1): m.group(2) for m in re.finditer(rb'<Relationship\b[^>]*?Id="([^"]+)"[^>]*?Target="([^"]+)"', rels)
    }
    targets.update(
        {m.group(2): m.group(1) for m in re.finditer(rb'<Relationship\b[^>]*?Target="([^"]+)"[^>]*?Id="([^"]+)"', rels)}
    )
    out = []
    for m in re.finditer(rb"<(?:\w+:)?sheet\b[^>]*>", book):
        tag = m.group(0)
        sheet_name = re.search(rb'\bname="([^"]*)"', tag)
        rid = re.search(rb'\br:id="([^"]*)"|\bid="([^"]*)"', tag)
        if sheet_name is None or rid is None:
            continue
        target = targets.get(rid.group(1) or rid.group(2) or b"")
        if target is None:
            continue
        text = target.decode("utf-8", "replace").lstrip("/")
        out.append((sheet_name.group(1).decode("utf-8", "replace"), text if text.startswith("xl/") else f"xl/{text}"))
    return out


def _scan(handle: object, part: str) -> SheetShape:
    """The rectangle of a sheet's XML read from ``handle`` a block at a time (a tag cut by a block's end is
    carried over to the next, whole)."""
    state = (0, 0, 0, 0)  # rows, columns, cells, cells so far in the row still open
    tail = b""
    read = handle.read  # type: ignore[attr-defined]
    while True:
        block = read(XLSX_SCAN_BYTES)
        data = tail + block
        cut = data.rfind(b"<") if block else -1
        if cut < 0 or data.find(b">", cut) >= 0:
            cut = len(data)
        tail = data[cut:]
        if len(tail) > _LONGEST_TAG:
            raise ValueError(f"a tag longer than {_LONGEST_TAG:,} bytes in {part}")
        state = _shape_of(data[:cut], *state)
        if not block:
            break
    return SheetShape(part, *state[:3])


def _shape_of(view: bytes, rows: int, columns: int, cells: int, open_row: int) -> tuple[int, int, int, int]:
    """The shape grown by what one piece of sheet XML references (``open_row``: cells of the row the piece
    starts in, before it, when cells without a reference are counted)."""
    if b"dimension" in view:
        found = _DIMENSION.search(view)
        if found:
            rows = max(rows, int(found.group(4) or found.group(2)))
            columns = max(columns, column_index(found.group(3) or found.group(1)))
    top_row, top_column, referenced = _references(view)
    rows, columns = max(rows, top_row), max(columns, top_column)
    rows = max(rows, view.count(b"<row") + (len(_PREFIXED_ROW.findall(view)) if b":row" in view else 0))
    if view.count(b"<c") <= referenced and b":c" not in view and not open_row:
        return rows, columns, cells + referenced, 0  # (every tag starting "<c" is a cell with a reference)
    # some cells give no reference: they sit after their row's last one, so count each row's cells (a row's
    # count carried over from the piece before)
    per_row = [len(_CELL_TAG.findall(piece)) for piece in _ROW_TAG.split(view)]
    per_row[0] += open_row
    return rows, max(columns, max(per_row)), cells + sum(per_row) - open_row, per_row[-1]


_WHITE = np.zeros(256, dtype=bool)
_WHITE[[9, 10, 13, 32]] = True
#: characters looked at after each ``r="``: up to 4 column letters and 9 row digits (more reads as larger still)
_REF_WIDTH = 15


def _references(view: bytes) -> tuple[int, int, int]:
    """(largest row, largest column, cell references) among the ``r="..."`` attributes of a piece of sheet XML,
    found with array operations rather than one Python object per cell (a sheet holds millions)."""
    codes = np.frombuffer(view, dtype=np.uint8)
    if len(codes) < 5:
        return 0, 0, 0
    before = codes[:-3]
    spaced = before == 32 if not any(w + b'r="' in view for w in (b"\n", b"\t", b"\r")) else _WHITE[before]
    at = np.flatnonzero(spaced & (codes[1:-2] == ord("r")) & (codes[2:-1] == ord("=")) & (codes[3:] == ord('"')))
    if not len(at):
        return 0, 0, 0
    padded = np.concatenate([codes, np.zeros(_REF_WIDTH, dtype=np.uint8)])
    chars = padded[(at + 4)[:, None] + np.arange(_REF_WIDTH)]
    n_letters = _run_length((chars >= 65) & (chars <= 90))
    column = np.zeros(len(at), dtype=np.int64)
    for j in range(int(min(n_letters.max(), 5))):  # a fifth letter is past any column a sheet can have
        column = np.where(j < n_letters, column * 26 + (chars[:, j].astype(np.int64) - 64), column)
    digits = np.take_along_axis(chars, np.minimum(n_letters[:, None] + np.arange(10), _REF_WIDTH - 1), axis=1)
    n_digits = _run_length((digits >= 48) & (digits <= 57))
    n_digits[n_letters >= _REF_WIDTH] = 0
    row = np.zeros(len(at), dtype=np.int64)
    for k in range(int(n_digits.max())):  # a tenth digit is past any row a sheet can have
        row = np.where(k < n_digits, row * 10 + (digits[:, k].astype(np.int64) - 48), row)
    end = n_letters + n_digits
    closing = chars[np.arange(len(at)), np.minimum(end, _REF_WIDTH - 1)]
    malformed = (n_digits == 0) | (end >= _REF_WIDTH) | (closing != ord('"'))
    if malformed.any():  # a reader would parse it its own way (calamine asked for terabytes for r="APMinf7")
        first = int(at[np.argmax(malformed)]) + 3
        raise ValueError(f"a cell or row reference that is not an address: {view[first : first + 20]!r}")
    cell = n_letters > 0
    cell_row, cell_column = row[cell], column[cell]
    backwards = (np.diff(cell_row) < 0) | ((np.diff(cell_row) == 0) & (np.diff(cell_column) <= 0))
    if backwards.any():  # the format keeps a row's cells in column order; readers differ on a sheet that does not
        k = int(np.argmax(backwards)) + 1
        found = f"{column_letters(int(cell_column[k]))}{int(cell_row[k])}"
        raise ValueError(f"cell {found} comes after a cell to its right or below it (cells out of order)")
    return int(row.max()), int(cell_column.max(initial=0)), int(np.count_nonzero(cell))


def _run_length(flags: np.ndarray) -> np.ndarray:
    """Per row of ``flags``: how many leading entries are True."""
    first_false = np.argmin(flags, axis=1)
    return np.where(flags.all(axis=1), flags.shape[1], first_false)


def read_xlsx(
    path: Path, name: str, sheet: str | int | None, limits: Limits, columns: Collection[str] | None = None
) -> tuple[pd.DataFrame, np.ndarray, list[str] | None]:
    """The sheet's records (columns as text), each one's sheet row (the header is row 1), blank rows left out,
    and the header's names when the sheet was read by rows, keeping only ``columns`` (when given)."""
    shape = sheet_shape(path, name, sheet, limits)
    if shape is not None and (shape.area > XLSX_CALAMINE_CELLS or shape.area > XLSX_SPARSE * shape.cells + 65_536):
        return _read_by_rows(path, name, sheet, columns)
    try:
        frame = pd.read_excel(path, sheet_name=0 if sheet is None else sheet, dtype=str, engine="calamine")
    except ValueError as exc:
        raise AdapterError(f"{name}: {exc}") from None
    except Exception as exc:  # calamine raises its own error types for a file that is not a workbook
        raise AdapterError(f"{name}: not a readable XLSX workbook ({type(exc).__name__}: {exc})") from None
    lines = np.arange(2, len(frame) + 2, dtype=np.int64)
    blank = frame.isna().all(axis=1).to_numpy() if frame.shape[1] else np.zeros(len(frame), dtype=bool)
    if blank.any():
        frame, lines = frame.loc[~blank].reset_index(drop=True), lines[~blank]
    return frame, lines, None


def _read_by_rows(
    path: Path, name: str, sheet: str | int | None, wanted: Collection[str] | None
) -> tuple[pd.DataFrame, np.ndarray, list[str]]:
    """A large or sparse sheet, one row at a time (openpyxl read-only): the header row, then the cells of the
    wanted columns of each non-blank row."""
    import openpyxl  # slow to import; only large sheets need it

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            ws = book.worksheets[0 if sheet is None else sheet] if not isinstance(sheet, str) else book[sheet]
            ws.reset_dimensions()  # a declared dimension that understates the sheet would hide the rows past it
            rows = ws.iter_rows(values_only=True)
            header_at, header = _header_row(rows, name)
            keep = [i for i, h in enumerate(header) if h and (wanted is None or h in wanted)]
            names = [header[i] for i in keep]
            values: list[list[object]] = [[] for _ in keep]
            lines: list[int] = []
            for number, row in enumerate(rows, start=header_at + 1):
                if not row or not any(v is not None and v != "" for v in row):
                    continue
                lines.append(number)
                for slot, i in zip(values, keep, strict=True):
                    value = row[i] if i < len(row) else None
                    slot.append(None if value is None else str(value))
        finally:
            book.close()
    except LabelevalError:
        raise
    except (KeyError, IndexError) as exc:
        raise AdapterError(f"{name}: no such sheet {sheet!r} ({exc})") from None
    except Exception as exc:
        raise AdapterError(f"{name}: not a readable XLSX workbook ({type(exc).__name__}: {exc})") from None
    frame = pd.DataFrame({n: pd.Series(v, dtype=object) for n, v in zip(names, values, strict=True)})
    return frame, np.asarray(lines, dtype=np.int64), header


def _header_row(rows: Iterator[tuple[object, ...]], name: str) -> tuple[int, list[str]]:
    """The first non-blank row (its 1-based number) and its names as text ("" for an empty cell)."""
    for number, row in enumerate(rows, start=1):
        if any(v is not None and v != "" for v in row):
            return number, ["" if v is None else str(v) for v in row]
    raise AdapterError(f"{name}: the sheet is empty: no header row")
