"""The row work over chunks of rows, and how chunk outputs combine.

A *chunk* is a Parquet row group, a block of whole lines of a large JSONL, CSV or TSV file, or one file (a file
of a partitioned dataset, or any file the table and vendor-format readers read whole). :func:`plan` lists a
project's chunks without reading rows; :func:`run_chunk` reads one chunk with the project's readers, validates
it with the normaliser (every row kept or quarantined with a reason, file and line) and encodes its kept rows:
per column, either an array (numbers, times) or codes into the chunk's own distinct values, whose hashes the
chunk computes too. It is a pure function of a picklable :class:`ChunkTask`, so it runs the same in this
process or as a Dask task.

:class:`Combiner` adds chunk outputs up in file order: ledger counts and billing sums add, quarantined rows
append, and the chunks' distinct values are unified into one :class:`Dictionary` per column (items,
annotators, labels ...) by hash, so that no raw row is held, only codes. Duplicate judgments (same vendor,
item and annotator) are found across the chunks of a vendor on those codes, under the manifest's policy
(``keep_last``, ``keep_first``, ``error``), with the same ledger rows and messages as the in-memory reader.
The result is the same :class:`~labeleval.io.dataset.Dataset` as :func:`~labeleval.io.pipeline.load_data` gives,
except that text columns are categorical (codes + one copy of each distinct value).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from labeleval.errors import AdapterError, LabelevalError, SchemaError
from labeleval.executor import release_memory
from labeleval.io.dataset import Dataset, _display, assemble, read_gold, read_item_table
from labeleval.io.items import combine as combine_items
from labeleval.io.normalize import Billing, _missing, as_id_strings, normalize_batch, resolve_columns
from labeleval.io.readers import (
    LINE_WORD,
    RawTable,
    _check_names,
    _decode,
    _nested_as_text,
    _undictionary,
    check_size,
    decoded_text_bytes,
    delimited_text,
    jsonl_lines,
    read_table,
)
from labeleval.io.source import read_source
from labeleval.limits import Limits
from labeleval.limits import current as current_limits
from labeleval.project.manifest import Project, TaskSpec, VendorSpec
from labeleval.project.paths import PARQUET_SUFFIXES, is_multi_path, parquet_files
from labeleval.project.schema import (
    DUPLICATE_JUDGMENT,
    OPTIONAL_COLUMNS,
    QUARANTINE_COLUMNS,
    REQUIRED_COLUMNS,
    LedgerBuilder,
    empty_quarantine,
)

#: a hidden column that carries each row's position through the normaliser (never shown: it is added after the
#: columns are checked, and removed from the kept rows)
_ROW = "\x00labeleval_row"


# ----------------------------------------------------------------------------------------- planning
@dataclass(frozen=True)
class ChunkTask:
    """One chunk to read: a vendor's file (or one of its files) and a Parquet row group (None: the whole file)."""

    vendor_index: int
    vendor: VendorSpec
    task: object  # the project's TaskSpec (kept opaque: the task is only passed through to the normaliser)
    duplicates: str
    path: Path
    name: str  # the file as messages name it
    row_group: int | None = None
    rows_before: int = 0  # rows of the file before this row group
    rows: int = 0  # rows in the chunk (0 when not known before reading)
    url: str | None = None  # the file on object storage (fsspec URL); ``path`` is then unused
    lines: tuple[int, int, int] | None = None  # a block of a text file: (first byte, end byte, first line)
    text_format: str = ""  # the block's format: jsonl, csv or tsv
    header: str | None = None  # a CSV/TSV block after the first: the file's header line
    limits: Limits = field(default_factory=current_limits)


def plan(project: Project) -> list[ChunkTask]:
    """Every chunk of every vendor's data, in manifest and file order: a Parquet file's row groups, blocks of
    lines of a large JSONL/CSV/TSV file, and every other file whole."""
    tasks: list[ChunkTask] = []
    limits = current_limits()
    for index, vendor in enumerate(project.vendors):
        spec = vendor.file
        if spec.url is not None:  # object storage: every file, each row group a chunk
            for url in url_files(spec.url):
                base = ChunkTask(index, vendor, project.task, str(project.duplicates), Path(), url, url=url)
                before = 0
                for g, rows in enumerate(_row_groups_of(url, url, limits)):
                    tasks.append(replace(base, row_group=g, rows_before=before, rows=rows, limits=limits))
                    before += rows
            continue
        multi = is_multi_path(spec.path)
        if multi and spec.format not in (None, "parquet"):
            raise AdapterError(
                f"{_display(spec.path, project.root)}: a folder or glob is read as Parquet files; format = "
                f"{spec.format!r} is not (vendor {vendor.name!r})"
            )
        files = parquet_files(spec.path) if multi else [spec.path]
        if not files:
            raise AdapterError(f"{_display(spec.path, project.root)}: no Parquet files found (vendor {vendor.name!r})")
        for path in files:
            name = _display(path, project.root)
            base = ChunkTask(index, vendor, project.task, str(project.duplicates), path, name, limits=limits)
            fmt, header, blocks = text_blocks(path, spec.format, spec.encoding)
            if blocks:
                tasks.extend(
                    replace(base, lines=b, text_format=fmt, header=header if i else None) for i, b in enumerate(blocks)
                )
                continue
            groups = _row_groups(path, spec.format, name, limits)
            if len(groups) <= 1:
                tasks.append(replace(base, rows=groups[0] if groups else 0))
                continue
            before = 0
            for g, rows in enumerate(groups):
                tasks.append(replace(base, row_group=g, rows_before=before, rows=rows))
                before += rows
    return tasks


#: JSONL, CSV and TSV files larger than this are read in blocks of about this many bytes (whole lines)
TEXT_BLOCK_BYTES = 128 * 2**20
#: bytes that str.splitlines() also breaks lines at (besides \n and \r\n): a file holding one is read whole, so
#: that its line numbers are the in-memory reader's
_OTHER_BREAKS = (b"\x0b", b"\x0c", b"\x1c", b"\x1d", b"\x1e", b"\xc2\x85", b"\xe2\x80\xa8", b"\xe2\x80\xa9")
_TEXT_SUFFIXES = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".tsv": "tsv", ".tab": "tsv"}


def text_blocks(path: Path, fmt: str | None, encoding: str) -> tuple[str, str | None, list[tuple[int, int, int]]]:
    """(format, header line, blocks) of a large UTF-8 JSONL, CSV or TSV file cut at line ends, each block as
    (first byte, end byte, first line); no blocks means: read the file whole (small, another format or
    encoding, a line longer than a block, a quoted header, or line breaks that \n alone does not mark, so that
    line numbers are always the in-memory reader's). CSV/TSV blocks end outside quoted fields."""
    kind = fmt if fmt in ("jsonl", "csv", "tsv") else _TEXT_SUFFIXES.get(path.suffix.lower(), "") if fmt is None else ""
    if not kind or encoding.lower().replace("_", "-") not in ("utf-8", "utf8", "ascii", "utf-8-sig"):
        return kind, None, []
    try:
        size = path.stat().st_size
    except OSError:
        return kind, None, []
    if size <= TEXT_BLOCK_BYTES:
        return kind, None, []
    header: str | None = None
    blocks: list[tuple[int, int, int]] = []
    start, line, quotes = 0, 1, 0
    with path.open("rb") as handle:
        while start < size:
            handle.seek(start)
            data = handle.read(TEXT_BLOCK_BYTES)
            if start == 0 and kind != "jsonl":
                header = _header_line(data)
                if header is None:
                    return kind, None, []
            if start + len(data) < size:
                cut = _block_end(data, quotes if kind != "jsonl" else None)
                if cut < 0:
                    return kind, None, []
                data = data[: cut + 1]
            if data.count(b"\r") != data.count(b"\r\n") or any(b in data for b in _OTHER_BREAKS):
                return kind, None, []
            blocks.append((start, start + len(data), line))
            line += data.count(b"\n")
            quotes += data.count(b'"')
            start += len(data)
    return kind, header, blocks


def _header_line(data: bytes) -> str | None:
    """The first non-blank line of a CSV/TSV file's first block (None if it holds a quote or cannot be decoded)."""
    text = data[: data.find(b"\n", len(data) - len(data.lstrip(b"\r\n")))].decode("utf-8", errors="replace")
    text = text.removeprefix("\ufeff").rstrip("\r")
    return None if '"' in text or not text.strip() or "\ufffd" in text else text


def _block_end(data: bytes, quotes_before: int | None) -> int:
    """The last line end of ``data`` (outside quoted fields when ``quotes_before`` counts the quotes before it)."""
    if quotes_before is None:
        return data.rfind(b"\n")
    codes = np.frombuffer(data, dtype=np.uint8)
    ends = np.flatnonzero(codes == 10)
    if not len(ends):
        return -1
    parity = (np.cumsum(codes == 34)[ends] + quotes_before) % 2
    outside = ends[parity == 0]
    return int(outside[-1]) if len(outside) else -1


def _row_groups(path: Path, fmt: str | None, name: str, limits: Limits) -> list[int]:
    """Rows per row group of a Parquet file (checked against the per-file limits); [] for other files."""
    is_parquet = fmt == "parquet" or (fmt is None and path.suffix.lower() in PARQUET_SUFFIXES)
    if not is_parquet or not path.is_file():
        return []
    try:
        return _row_groups_of(path, name, limits)
    except AdapterError:  # the whole-file reader names the problem
        return []


def _row_groups_of(source: Path | str, name: str, limits: Limits) -> list[int]:
    """Rows per row group of a local Parquet file or one on object storage (URL), from its footer."""

    try:
        with _opened(source) as handle:
            meta = pq.ParquetFile(handle).metadata
    except LabelevalError:
        raise
    except Exception as exc:  # pyarrow and fsspec raise many unrelated types
        raise AdapterError(f"{name}: not a readable Parquet file ({type(exc).__name__}: {exc})") from None
    check_size(meta.num_rows, meta.num_columns, name, limits)
    return [meta.row_group(g).num_rows for g in range(meta.num_row_groups)]


def _opened(source: Path | str) -> Any:
    """A binary file object for a local path or an fsspec URL (a context manager)."""
    if isinstance(source, Path):
        return source.open("rb")
    fs, path = _filesystem(source)
    return fs.open(path, "rb")


def _filesystem(url: str) -> tuple[Any, str]:
    try:
        import fsspec
    except ImportError:
        raise AdapterError(
            f"{url}: reading data from a URL needs fsspec (pip install 'labeleval[dask]') and the store's package "
            f"(s3fs, gcsfs, adlfs ...)"
        ) from None
    try:
        return fsspec.core.url_to_fs(url)
    except Exception as exc:
        raise AdapterError(f"{url}: cannot open ({type(exc).__name__}: {exc})") from None


def url_files(url: str) -> list[str]:
    """The Parquet files a URL names: itself, every Parquet file under a prefix, or a glob's matches, sorted."""
    fs, root = _filesystem(url)
    try:
        if any(ch in root for ch in "*?["):
            found = list(fs.glob(root))
        elif fs.isdir(root):
            found = [p for p in fs.find(root) if str(p).lower().endswith(PARQUET_SUFFIXES)]
        else:
            found = [root]
    except Exception as exc:
        raise AdapterError(f"{url}: cannot list the files ({type(exc).__name__}: {exc})") from None
    files = sorted(fs.unstrip_protocol(p) for p in found if str(p).lower().endswith(PARQUET_SUFFIXES))
    if not files:
        raise AdapterError(f"{url}: no Parquet files found")
    return files


# ----------------------------------------------------------------------------------------- reading
def read_chunk(task: ChunkTask) -> tuple[RawTable, dict[str, str], float]:
    """The chunk's records as read, the column mapping and the duration factor the normaliser applies."""
    vendor = task.vendor
    if task.lines is not None:
        first, end, first_line = task.lines
        with task.path.open("rb") as handle:
            handle.seek(first)
            data = handle.read(end - first)
        text = _decode(data, task.name, vendor.file.encoding, first_line)
        if task.text_format == "jsonl":
            raw = jsonl_lines(text, task.name, task.limits, first_line)
        else:
            try:
                raw = delimited_text(text, task.name, task.text_format, task.limits, task.header, first_line)
            except AdapterError:  # a malformed row: the whole-file reader names it as the in-memory engine does
                read_table(task.path, fmt=task.text_format, encoding=vendor.file.encoding, display_name=task.name)
                raise
        check_size(raw.rows_read, raw.frame.shape[1], task.name, task.limits)
        return raw, dict(vendor.file.columns), vendor.duration_unit.seconds
    if task.row_group is None:
        spec = replace(vendor.file, path=task.path)  # one file of a folder, or the vendor's file
        source = read_source(spec, task.name, rates=vendor.rates, duration_factor=vendor.duration_unit.seconds)
        return source.raw, dict(source.columns), source.duration_factor
    where: Path | str = task.url if task.url is not None else task.path
    raw = _read_row_group(where, task.name, task.row_group, task.rows_before, task.limits)
    return raw, dict(vendor.file.columns), vendor.duration_unit.seconds


def _read_row_group(source: Path | str, name: str, group: int, rows_before: int, limits: Limits) -> RawTable:
    """One row group of a Parquet file (a path or a URL), with the whole-file reader's checks (names, decoded
    text size)."""

    try:
        with _opened(source) as handle:
            schema = pq.ParquetFile(handle).schema_arrow
            _check_names([str(n) for n in schema.names], name, "schema")
            plain = pa.schema([pa.field(f.name, _undictionary(f.type)) for f in schema])
            text = [f.name for f in plain if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)]
            handle.seek(0)
            table = pq.ParquetFile(handle, read_dictionary=text).read_row_group(group)
        limits.check("decoded_mb", decoded_text_bytes(table, text) / 1024**2, f"{name} (row group {group + 1})")
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
    lines = np.arange(rows_before + 1, rows_before + len(frame) + 1, dtype=np.int64)
    return RawTable(_nested_as_text(frame), lines, "parquet")


# ------------------------------------------------------------------------------------ chunk output
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
        duplicates="keep_all",  # duplicates are found across chunks, by the Combiner
        kind=spec.kind,
        value_range=spec.value_range,
        separator=spec.separator,
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


# ----------------------------------------------------------------------------------------- combining
class Dictionary:
    """Distinct values seen so far, each with a code in order of first appearance, found by hash.

    Adding a chunk's distinct values costs a sorted-hash lookup; the values themselves are compared on every
    hash match, and a real 64-bit collision (or values equal as text but not as values, such as 1 and "1")
    switches this dictionary to exact lookups."""

    def __init__(self) -> None:
        self._sorted = np.zeros(0, dtype=np.uint64)
        self._sorted_codes = np.zeros(0, dtype=np.int64)
        self._values = np.empty(1024, dtype=object)
        self._n = 0
        self._exact: dict[object, int] | None = None

    def __len__(self) -> int:
        return self._n

    @property
    def values(self) -> np.ndarray:
        return self._values[: self._n]

    def _append(self, new: np.ndarray) -> None:
        need = self._n + len(new)
        if need > len(self._values):
            grown = np.empty(max(need, 2 * len(self._values)), dtype=object)
            grown[: self._n] = self._values[: self._n]
            self._values = grown
        self._values[self._n : need] = new
        self._n = need

    def add(self, values: np.ndarray, hashes: np.ndarray) -> np.ndarray:
        """Codes of ``values`` (distinct), adding the new ones."""
        if self._exact is not None:
            return self._add_exact(values)
        where = np.searchsorted(self._sorted, hashes)
        clipped = np.minimum(where, max(len(self._sorted) - 1, 0))
        found = (where < len(self._sorted)) & (self._sorted[clipped] == hashes) if len(self._sorted) else where < 0
        codes = np.empty(len(values), dtype=np.int64)
        codes[found] = self._sorted_codes[clipped[found]]
        new = np.flatnonzero(~found)
        same = self.values[codes[found]] == values[found] if found.any() else np.ones(0, dtype=bool)
        new_hashes = hashes[new]
        if not np.all(same) or len(np.unique(new_hashes)) < len(new):
            self._go_exact()
            return self._add_exact(values)
        codes[new] = self._n + np.arange(len(new))
        self._append(values[new])
        order = np.argsort(new_hashes, kind="stable")
        at = np.searchsorted(self._sorted, new_hashes[order])
        self._sorted = np.insert(self._sorted, at, new_hashes[order])
        self._sorted_codes = np.insert(self._sorted_codes, at, codes[new][order])
        return codes

    def _go_exact(self) -> None:
        self._exact = {}
        for code, value in enumerate(self.values):
            self._exact[(type(value), value)] = code

    def _add_exact(self, values: np.ndarray) -> np.ndarray:
        assert self._exact is not None
        codes = np.empty(len(values), dtype=np.int64)
        for i, value in enumerate(values):
            key = (type(value), value)
            code = self._exact.get(key)
            if code is None:
                code = self._n
                self._exact[key] = code
                self._append(np.asarray([value], dtype=object))
            codes[i] = code
        return codes


@dataclass
class _VendorRows:
    """A vendor's kept rows so far, as global codes and arrays, chunk by chunk."""

    parts: list[dict[str, Any]] = field(default_factory=list)
    files: list[tuple[str, int, str, str]] = field(default_factory=list)  # file, kept rows, annotator column, fmt
    lines: list[np.ndarray] = field(default_factory=list)
    other_items: list[np.ndarray] = field(default_factory=list)


class Combiner:
    """Adds chunk results up (in plan order) into a Dataset; see the module docstring."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.ledger = LedgerBuilder()
        self.gold, self._from_gold = read_gold(project, self.ledger)
        self._item_meta = read_item_table(project, self.ledger)
        self.dictionaries: dict[str, Dictionary] = {}
        self._rows = [_VendorRows() for _ in project.vendors]
        self._done: dict[int, dict[str, Any]] = {}
        self._billing: dict[int, list[Billing]] = {i: [] for i in range(len(project.vendors))}
        self._billed: dict[int, Billing] = {}
        self._file_rows: dict[tuple[int, str], int] = {}
        self._quarantine: dict[tuple[int, str], list[pd.DataFrame]] = {}
        self._notes: list[tuple[str, str]] = []
        self._current: int | None = None

    def dictionary(self, column: str) -> Dictionary:
        return self.dictionaries.setdefault(column, Dictionary())

    def add(self, result: ChunkResult) -> None:
        """Add one chunk (chunks arrive in plan order: a vendor's chunks together, files in order)."""
        if self._current is not None and result.vendor_index != self._current:
            self._finish_vendor(self._current)
        self._current = v = result.vendor_index
        key = (v, result.file)
        self._file_rows[key] = self._file_rows.get(key, 0) + result.rows_read
        self._quarantine.setdefault(key, []).append(result.quarantine)
        self._billing[v].append(result.billing)
        self._notes.extend((self.project.vendors[v].name, note) for note in result.notes)
        part: dict[str, Any] = {}
        for column, values in result.columns.items():
            if isinstance(values, Coded):
                mapping = self.dictionary(column).add(values.values, values.hashes)
                if len(mapping):
                    codes = np.where(values.codes >= 0, mapping[np.maximum(values.codes, 0)], -1)
                else:  # the column is missing on every row of the chunk
                    codes = np.full(len(values.codes), -1)
                part[column] = codes.astype(np.int32)
            else:
                part[column] = values
        rows = self._rows[v]
        rows.parts.append(part)
        rows.files.append((result.file, result.n_kept, result.annotator_column, result.fmt))
        rows.lines.append(result.lines)
        if len(result.other_items.values):
            other = result.other_items
            rows.other_items.append(self.dictionary("\x00billed").add(other.values, other.hashes))

    def _finish_vendor(self, v: int) -> None:
        """Duplicates across the vendor's chunks, its ledger rows, billing and kept rows."""
        rows = self._rows[v]
        columns = _concat_parts(rows.parts)
        lines = np.concatenate(rows.lines) if rows.lines else np.zeros(0, dtype=np.int64)
        chunk_of_row = np.repeat(np.arange(len(rows.files)), [f[1] for f in rows.files])
        dup = self._duplicates(columns, lines, chunk_of_row, rows)
        for file in dict.fromkeys(f[0] for f in rows.files):
            in_file = np.isin(chunk_of_row, [c for c, f in enumerate(rows.files) if f[0] == file])
            quarantine = self._file_quarantine(
                v, file, np.flatnonzero(dup & in_file), columns, lines, rows, chunk_of_row
            )
            kept = int((in_file & ~dup).sum())
            self.ledger.add_file(file, self.project.vendors[v].name, self._file_rows[(v, file)], kept, quarantine)
        keep = ~dup
        self._done[v] = {k: _take(values, keep) for k, values in columns.items()}
        self._billed[v] = replace(_sum_billing(self._billing[v]), items=self._billed_items(columns, rows))
        self._rows[v] = _VendorRows()
        del columns, rows, dup, keep, lines, chunk_of_row
        release_memory()  # the vendor's chunk pieces and duplicate-check tables go back to the system

    def _duplicates(
        self, columns: dict[str, Any], lines: np.ndarray, chunk_of_row: np.ndarray, rows: _VendorRows
    ) -> np.ndarray:
        """Judgments repeated (same item and annotator) under the manifest's policy, across all chunks."""
        policy = str(self.project.duplicates)
        if policy == "keep_all" or not len(lines):
            return np.zeros(len(lines), dtype=bool)
        items = np.asarray(columns["item_id"], dtype=np.int64)
        annotators = np.asarray(columns["annotator_id"], dtype=np.int64)
        key = items * (int(annotators.max(initial=0)) + 2) + annotators
        dup = pd.Series(key).duplicated(keep="first" if policy == "keep_first" else "last").to_numpy()
        if policy == "error" and dup.any():
            first = np.flatnonzero(dup)[:5]
            file, _, _, fmt = rows.files[chunk_of_row[first[0]]]
            where = ", ".join(f"{LINE_WORD.get(fmt, 'row')} {lines[r]}" for r in first)
            raise SchemaError(
                f"{file}: {int(dup.sum())} duplicate judgments (same item and annotator) at {where}; "
                f"the manifest's duplicates policy is 'error' (use keep_last, keep_first or keep_all)"
            )
        return dup

    def _file_quarantine(
        self,
        v: int,
        file: str,
        mine: np.ndarray,
        columns: dict[str, Any],
        lines: np.ndarray,
        rows: _VendorRows,
        chunk_of_row: np.ndarray,
    ) -> pd.DataFrame:
        """The file's quarantined rows: the chunks' own, and the duplicates found across chunks, by line."""
        pieces = [q for q in self._quarantine.pop((v, file), []) if len(q)]
        if len(mine):
            which = "an earlier" if str(self.project.duplicates) == "keep_first" else "a later"
            item_codes = np.asarray(columns["item_id"])[mine]
            shown = pd.Series(self.dictionary("item_id").values[item_codes]).astype("str").str.slice(0, 80)
            n = len(mine)
            pieces.append(
                pd.DataFrame(
                    {
                        "file": np.full(n, file, dtype=object),
                        "vendor": np.full(n, self.project.vendors[v].name, dtype=object),
                        "line": lines[mine],
                        "column": np.full(n, rows.files[chunk_of_row[mine[0]]][2], dtype=object),
                        "reason": np.full(n, DUPLICATE_JUDGMENT, dtype=object),
                        "value": shown.to_numpy(dtype=object),
                        "message": np.full(n, f"same item and annotator as {which} row", dtype=object),
                    },
                    columns=list(QUARANTINE_COLUMNS),
                )
            )
        if not pieces:
            return empty_quarantine()
        return pd.concat(pieces, ignore_index=True).sort_values("line", kind="stable", ignore_index=True)

    def _billed_items(self, columns: dict[str, Any], rows: _VendorRows) -> int:
        """Distinct item ids among every row the vendor delivered (kept or quarantined), as billing counts them."""
        item_codes = np.asarray(columns.get("item_id", np.zeros(0, dtype=np.int64)))
        kept_items = np.unique(item_codes[item_codes >= 0])
        if not rows.other_items:
            return len(kept_items)
        others = np.unique(np.concatenate(rows.other_items))
        text = self.dictionary("\x00billed").values[others]
        known = pd.Index(self.dictionary("item_id").values[kept_items], dtype=object)
        return len(kept_items) + int((known.get_indexer(pd.Index(text, dtype=object)) < 0).sum())

    def finish(self) -> Dataset:
        """The Dataset: every vendor's kept rows with categorical ids (items in sorted order), gold, ledger."""
        if self._current is not None:
            self._finish_vendor(self._current)
            self._current = None
        dtypes: dict[str, pd.CategoricalDtype] = {}
        rank = np.zeros(0, dtype=np.int32)
        if "item_id" in self.dictionaries:  # items in sorted order, as the in-memory engine's factorize(sort=True)
            values = self.dictionary("item_id").values
            order = np.argsort(values.astype(str), kind="stable")
            rank = np.empty(len(order), dtype=np.int32)
            rank[order] = np.arange(len(order), dtype=np.int32)
            dtypes["item_id"] = pd.CategoricalDtype(pd.Index(values[order], dtype=object))
        for column, dictionary in self.dictionaries.items():
            if column not in dtypes and not column.startswith("\x00"):
                dtypes[column] = pd.CategoricalDtype(pd.Index(dictionary.values, dtype=object))
        for v, spec in enumerate(self.project.vendors):
            if v not in self._done:
                raise AdapterError(f"vendor {spec.name!r}: no data was read")
        frames = self._one_frame(dtypes, rank)
        for v, spec in enumerate(self.project.vendors if not frames else []):
            columns = self._done.pop(v)
            n = len(next(iter(columns.values())))
            data: dict[str, Any] = {
                "vendor": pd.Categorical.from_codes(np.zeros(n, dtype=np.int8), categories=[spec.name])
            }
            for column, values in columns.items():
                if column in dtypes:
                    codes = np.asarray(values)
                    if column == "item_id":
                        codes = rank[codes]
                    data[column] = pd.Categorical.from_codes(codes, dtype=dtypes[column])
                else:
                    data[column] = values
            frames.append(pd.DataFrame(data))
        billing = {spec.name: self._billed[v] for v, spec in enumerate(self.project.vendors)}
        return assemble(
            self.project,
            frames,
            self.gold,
            self.ledger,
            billing,
            self._notes,
            combine_items(self._item_meta, self._from_gold),
        )

    def _one_frame(self, dtypes: dict[str, pd.CategoricalDtype], rank: np.ndarray) -> list[pd.DataFrame]:
        """Every vendor's rows as one frame, each column filled vendor by vendor into one array (each vendor's
        piece let go as soon as it is copied), where every vendor has the same columns with the same array
        types; else [] (the frames are then made per vendor and concatenated). The same frame as the per-vendor
        frames' concatenation, without holding the rows two or three times over."""
        done = [self._done[v] for v in range(len(self.project.vendors))]
        names = list(done[0])

        def kind(values: Any) -> np.dtype | None:  # a plain NumPy array's dtype (None: another array type)
            if isinstance(values, pd.arrays.NumpyExtensionArray):
                values = values.to_numpy()
            return values.dtype if isinstance(values, np.ndarray) and values.dtype != object else None

        same = all(list(columns) == names for columns in done)
        if not same or any(n not in dtypes and kind(done[0][n]) is None for n in names):
            return []
        if any(n not in dtypes and kind(columns[n]) != kind(done[0][n]) for columns in done for n in names):
            return []
        lengths = [len(next(iter(columns.values()))) if columns else 0 for columns in done]
        if not names or not all(lengths):
            return []
        bounds = np.concatenate([[0], np.cumsum(lengths)])
        vendor_names = [spec.name for spec in self.project.vendors]
        vendor_codes = np.repeat(np.arange(len(done), dtype=np.int8 if len(done) < 127 else np.int32), lengths)
        data: dict[str, Any] = {"vendor": pd.Categorical.from_codes(vendor_codes, categories=vendor_names)}
        for name in names:
            if name in dtypes:  # the codes' dtype as pandas narrows it, so that from_codes keeps this array
                size = len(dtypes[name].categories)
                narrow = np.int8 if size < 127 else np.int16 if size < 32767 else np.int32
                out = np.empty(int(bounds[-1]), dtype=narrow)
            else:
                out = np.empty(int(bounds[-1]), dtype=kind(done[0][name]))
            for v, columns in enumerate(done):
                piece = columns.pop(name)
                piece = piece.to_numpy() if isinstance(piece, pd.arrays.NumpyExtensionArray) else np.asarray(piece)
                out[bounds[v] : bounds[v + 1]] = rank[piece] if name == "item_id" else piece
                del piece
            data[name] = pd.Categorical.from_codes(out, dtype=dtypes[name]) if name in dtypes else out
        self._done.clear()
        return [pd.DataFrame(data, copy=False)]


def _concat_parts(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """Each column's chunk pieces, joined (columns a chunk lacks are missing values there)."""
    names = list(dict.fromkeys(k for part in parts for k in part))
    out: dict[str, Any] = {}
    for name in names:
        pieces = []
        for part in parts:
            n = len(next(iter(part.values()))) if part else 0
            piece = part.get(name)
            if piece is None:
                piece = np.full(n, -1, dtype=np.int32) if _is_codes(parts, name) else np.full(n, np.nan)
            pieces.append(piece)
        if pieces and all(isinstance(p, np.ndarray) for p in pieces):
            out[name] = np.concatenate(pieces)
        else:
            out[name] = pd.concat([pd.Series(p) for p in pieces], ignore_index=True).array
    return out


def _is_codes(parts: list[dict[str, Any]], name: str) -> bool:
    return any(isinstance(part.get(name), np.ndarray) and part[name].dtype == np.int32 for part in parts)


def _take(values: Any, keep: np.ndarray) -> Any:
    if keep.all():
        return values
    return values[keep]


def _sum_billing(parts: Sequence[Billing]) -> Billing:
    """One vendor's billing facts, summed over its chunks."""
    if not parts:
        return Billing(0, 0, None)
    seconds = [p.seconds for p in parts if p.seconds is not None]
    return Billing(
        rows=sum(p.rows for p in parts),
        items=0,
        seconds=float(sum(seconds)) if seconds else None,
        row_cost=float(sum(p.row_cost for p in parts)),
        rows_with_cost=sum(p.rows_with_cost for p in parts),
        seconds_with_cost=float(sum(p.seconds_with_cost for p in parts)),
        input_tokens=float(sum(p.input_tokens for p in parts)),
        output_tokens=float(sum(p.output_tokens for p in parts)),
        excluded_rows=sum(p.excluded_rows for p in parts),
        excluded_billed=any(p.excluded_billed for p in parts),
    )


def combine(project: Project, results: Iterable[ChunkResult]) -> Dataset:
    """The Dataset of a project from its chunk results (in plan order)."""
    combiner = Combiner(project)
    for result in results:
        combiner.add(result)
    return combiner.finish()
