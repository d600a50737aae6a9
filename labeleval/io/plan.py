"""The chunks of a project's vendor data, listed without reading rows: the first step of every engine's read.

A *chunk* (:class:`ChunkTask`) is a Parquet row group, a block of whole lines of a large JSONL, CSV or TSV file,
or one file read whole (a file of a partitioned dataset, a vendor's native export, an XLSX workbook, any small
file). :func:`plan` cuts each vendor's data into chunks for the chunked engines; :func:`plan_files` gives the
in-memory engine one whole-file chunk per vendor. A task is picklable, so it runs the same in this process or
as a Dask task (:func:`labeleval.io.chunk.run_chunk`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq

from labeleval.errors import AdapterError, LabelevalError
from labeleval.io.readers import check_size
from labeleval.io.source import display_name, source_name
from labeleval.limits import Limits
from labeleval.limits import current as current_limits
from labeleval.project.manifest import Project, VendorSpec
from labeleval.project.paths import PARQUET_SUFFIXES, is_multi_path, parquet_files
from labeleval.tuning import TEXT_BLOCK_BYTES


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
    #: the vendor's only chunk: its duplicate judgments are found within it, under the manifest's policy
    #: (with several chunks the Combiner finds them across the vendor's chunks)
    only_chunk: bool = False


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
        if spec.frame is not None:  # an in-memory frame: one chunk, read whole
            name = source_name(spec, project.root)
            tasks.append(
                ChunkTask(index, vendor, project.task, str(project.duplicates), spec.path, name, limits=limits)
            )
            continue
        multi = is_multi_path(spec.path)
        if multi and spec.format not in (None, "parquet"):
            raise AdapterError(
                f"{display_name(spec.path, project.root)}: a folder or glob is read as Parquet files; format = "
                f"{spec.format!r} is not (vendor {vendor.name!r})"
            )
        files = parquet_files(spec.path) if multi else [spec.path]
        if not files:
            raise AdapterError(
                f"{display_name(spec.path, project.root)}: no Parquet files found (vendor {vendor.name!r})"
            )
        for path in files:
            name = display_name(path, project.root)
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
    return _mark_only_chunks(tasks)


def plan_files(project: Project) -> list[ChunkTask]:
    """One chunk per vendor, its file read whole (the in-memory engine's plan: each vendor path names one file;
    :func:`labeleval.io.stream.choose_engine` sends folders, globs and URLs to the chunked engines)."""
    limits = current_limits()
    return [
        ChunkTask(
            index,
            vendor,
            project.task,
            str(project.duplicates),
            vendor.file.path,
            source_name(vendor.file, project.root),
            limits=limits,
            only_chunk=True,
        )
        for index, vendor in enumerate(project.vendors)
    ]


def _mark_only_chunks(tasks: list[ChunkTask]) -> list[ChunkTask]:
    """``tasks`` with each vendor's only chunk marked (it checks its own duplicates, as one file read whole)."""
    per_vendor = np.bincount([t.vendor_index for t in tasks]) if tasks else np.zeros(0, dtype=np.int64)
    return [replace(t, only_chunk=True) if per_vendor[t.vendor_index] == 1 else t for t in tasks]


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
        with opened(source) as handle:
            meta = pq.ParquetFile(handle).metadata
    except LabelevalError:
        raise
    except Exception as exc:  # pyarrow and fsspec raise many unrelated types
        raise AdapterError(f"{name}: not a readable Parquet file ({type(exc).__name__}: {exc})") from None
    check_size(meta.num_rows, meta.num_columns, name, limits)
    return [meta.row_group(g).num_rows for g in range(meta.num_row_groups)]


def opened(source: Path | str) -> Any:
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
