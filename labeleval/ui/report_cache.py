"""Reports kept on disk between app sessions, so a new server's first page does not score the project again.

The app's in-process cache (``st.cache_data``) dies with the server; this one survives it. An entry is keyed by
the SHA-256 of every input file's bytes (the manifest and each file it names), every option the sidebar passes
to ``evaluate()``, every limit and tuning threshold in force (:func:`result_settings`), and the labeleval code
itself (every module's bytes) with the Python, NumPy, pandas and PyArrow versions: change any of them and the
key changes, so a stale Report is never read. ``n_jobs`` is not in the key: the Report is the same to the bit for
any value (``tests/test_executor.py``).

- **Data only**: an entry is a file of this module's own layout (:data:`MAGIC`, a JSON header with the Report's
  settings, where each frame is and a digest of them, then one Arrow IPC stream per frame, with pandas' column
  metadata). Reading one runs no code of the file's (no pickle anywhere; PyArrow, 15 or later, never unpickles
  an extension type it reads), and a Report is stored only when it reads back equal to itself (every frame's
  values, dtypes, columns and index, and the settings), so what is read is what was scored.
- **Where**: ``$LABELEVAL_CACHE_DIR``, else ``$XDG_CACHE_HOME/labeleval/reports`` (``~/.cache/labeleval/reports``);
  ``LABELEVAL_CACHE_DIR=off`` turns it off. The folder is created private (0700); a folder owned by another
  user, or writable by others, is not used. Each entry is checked too before it is read: a regular file (not a
  link) owned by this user and writable by no one else; any other file is left where it is, unread, and logged.
- **Bounded**: at most :data:`MAX_ENTRIES` entries and :data:`MAX_BYTES` in all; the least recently read go first.
- **Not for uploads**: a project in an upload session's folder (``ui/upload.py``) is never written to disk
  outside that folder; it is cached in memory for its session only. Nor for a project that reads a URL, a
  folder or a glob of Parquet files: the key covers only the bytes of single local files
  (``state.local_files_only``).
- ``make app``'s launcher (:mod:`labeleval.ui.serve`) scores the opened project (the bundled sample by
  default) with the app's default options and stores it first, so the first page of a new server is read
  from disk (see docs/performance.md for the first render with and without it).
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import logging
import os
import platform
import stat
import struct
import tempfile
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Final

import numpy
import pandas
import pyarrow
import pyarrow.ipc

from labeleval import tuning
from labeleval.limits import current as current_limits
from labeleval.report import GradedReport, Report

MAX_ENTRIES = 32
MAX_BYTES = 1 << 30  # 1 GiB
UPLOAD_PREFIX = "labeleval_upload_"  # ui/upload.py's session folders: tempfile.mkdtemp(prefix=...)
#: the first bytes of an entry, then the header's length (8 bytes, little-endian), the JSON header, the frames
MAGIC: Final = b"labeleval report cache 1\n"
SUFFIX: Final = ".report"
_LENGTH: Final = struct.Struct("<Q")
_LOG = logging.getLogger(__name__)


def cache_dir() -> Path | None:
    """The private folder of the report cache, created if needed; None when turned off or not safe to use."""
    chosen = os.environ.get("LABELEVAL_CACHE_DIR", "")
    if chosen.lower() in ("off", "0", "none", "false"):
        return None
    if chosen:
        folder = Path(chosen).expanduser()
    else:
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        folder = Path(base) / "labeleval" / "reports"
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        info = folder.stat()
    except OSError:
        return None
    if not _private(info):
        return None  # another user's, or writable by others: its entries could be anyone's
    return folder


def _private(info: os.stat_result) -> bool:
    """Owned by this user and writable by no one else (always true where there are no user ids)."""
    if not hasattr(os, "getuid"):
        return True
    return info.st_uid == os.getuid() and not info.st_mode & 0o022


def is_upload(manifest: Path) -> bool:
    """Is ``manifest`` inside an upload session's folder (which is removed with its session)?"""
    temp = Path(tempfile.gettempdir()).resolve()
    resolved = manifest.resolve()
    return any(parent.name.startswith(UPLOAD_PREFIX) and parent.parent == temp for parent in resolved.parents)


@lru_cache(maxsize=1)
def code_version() -> str:
    """A digest of the labeleval code that makes a Report (every module's bytes) and the versions it runs on."""

    digest = hashlib.sha256()
    root = Path(__file__).resolve().parents[1]
    for path in sorted(root.rglob("*.py")):
        if "ui" in path.relative_to(root).parts[:1]:
            continue  # the app's pages draw a Report; they do not make it
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    versions = (platform.python_version(), numpy.__version__, pandas.__version__, pyarrow.__version__)
    digest.update(" ".join(versions).encode())
    return digest.hexdigest()


def result_settings() -> dict[str, object]:
    """Everything outside the options and the code that can change a Report: every limit in force (each
    ``LABELEVAL_MAX_*`` variable; a limit decides whether a fit runs or a file is refused) and every tuning
    threshold (:mod:`labeleval.tuning`, as this process holds them). Both are read from their declarations, so a
    new limit or threshold is in the key without a change here."""
    chosen: dict[str, object] = {f"limit.{k}": v for k, v in dataclasses.asdict(current_limits()).items()}
    for name in sorted(vars(tuning)):
        value = getattr(tuning, name)
        if name.isupper() and isinstance(value, int | float | str):
            chosen[f"tuning.{name}"] = value
    return chosen


def entry_key(fingerprint: str, options: Iterable[tuple[str, object]]) -> str:
    """The file name of an entry: input files' digest, options, limits and thresholds, code."""
    text = repr((fingerprint, tuple(options), sorted(result_settings().items()), code_version()))
    return hashlib.sha256(text.encode()).hexdigest()


def load(key: str) -> Report | None:
    """The stored Report of ``key``, or None: absent, not this user's own private file (left alone, logged), or
    unreadable (removed)."""
    folder = cache_dir()
    if folder is None:
        return None
    path = folder / f"{key}{SUFFIX}"
    data = _read_own(path)
    if data is None:
        return None
    try:
        report = decode(data)
    except Exception:  # our own file, truncated or of another layout (decoding runs none of its code): score again
        path.unlink(missing_ok=True)
        return None
    with contextlib.suppress(OSError):
        os.utime(path)  # recently read: kept longest
    return report


def _read_own(path: Path) -> bytes | None:
    """The bytes of ``path`` if it is a regular file (not a link) owned by this user, writable by no one else
    and within :data:`MAX_BYTES`; else None (a foreign file is logged, not removed: it is not ours)."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
    try:
        handle = os.open(path, flags)
    except OSError:
        return None  # absent, or a symbolic link (O_NOFOLLOW)
    with os.fdopen(handle, "rb") as file:
        info = os.fstat(file.fileno())
        if not stat.S_ISREG(info.st_mode) or not _private(info) or info.st_size > MAX_BYTES:
            _LOG.warning("report cache: %s is not this user's private file; not read", path)
            return None
        return file.read()


def encode(report: Report) -> bytes:
    """``report`` in the cache's layout: :data:`MAGIC`, the header's length, the JSON header (settings, each
    frame's place and the SHA-256 of the frames' bytes), then each frame as an Arrow IPC stream (read about twice
    as fast as Parquet: the entry is read on the app's first page)."""
    blobs: list[bytes] = []
    places: list[dict[str, object]] = []
    offset = 0
    for name, frame in report.frames().items():
        if len(frame.columns) == 0:
            places.append({"name": name, "rows": len(frame)})  # no columns: nothing for Parquet to hold
            continue
        table = pyarrow.Table.from_pandas(frame)
        sink = pyarrow.BufferOutputStream()
        with pyarrow.ipc.new_stream(sink, table.schema) as writer:
            writer.write_table(table)
        blob = sink.getvalue().to_pybytes()
        places.append({"name": name, "offset": offset, "length": len(blob)})
        blobs.append(blob)
        offset += len(blob)
    digest = hashlib.sha256(b"".join(blobs)).hexdigest()
    header = json.dumps({"settings": dict(report.settings), "frames": places, "sha256": digest}, allow_nan=False)
    return b"".join([MAGIC, _LENGTH.pack(len(header.encode())), header.encode(), *blobs])


def decode(data: bytes) -> Report:
    """The Report of :func:`encode`'s bytes (``ValueError`` if they are not in that layout)."""
    if not data.startswith(MAGIC):
        raise ValueError("not a report cache entry")
    start = len(MAGIC) + _LENGTH.size
    (length,) = _LENGTH.unpack_from(data, len(MAGIC))
    header = json.loads(data[start : start + length])
    body = memoryview(data)[start + length :]
    if hashlib.sha256(body).hexdigest() != header["sha256"]:
        raise ValueError("a report cache entry whose frames changed after it was written")
    frames: dict[str, pandas.DataFrame] = {}
    for place in header["frames"]:
        if "offset" not in place:
            frames[place["name"]] = pandas.DataFrame(index=pandas.RangeIndex(int(place["rows"])))
            continue
        blob = body[int(place["offset"]) : int(place["offset"]) + int(place["length"])]
        stream = pyarrow.ipc.open_stream(pyarrow.py_buffer(blob))
        frames[place["name"]] = stream.read_all().to_pandas(use_threads=False)  # small frames: threads cost more
    kind = (
        GradedReport if isinstance(header["settings"], dict) and header["settings"].get("kind") == "graded" else Report
    )
    if set(frames) != set(kind.frame_names()) or not isinstance(header["settings"], dict):
        raise ValueError("a report cache entry without every frame")
    return kind(**frames, settings=header["settings"])


def same_report(a: Report, b: Report) -> bool:
    """Are ``a`` and ``b`` equal to the bit: every frame's values, dtypes, columns and index, and the settings?"""
    if dict(a.settings) != dict(b.settings) or not _same_types(a.settings, b.settings):
        return False
    if type(a) is not type(b):
        return False
    for name in type(a).frame_names():
        try:
            pandas.testing.assert_frame_equal(
                getattr(a, name), getattr(b, name), check_exact=True, check_column_type=True, check_index_type=True
            )
        except AssertionError:
            return False
    return True


def _same_types(a: object, b: object) -> bool:
    """Do ``a`` and ``b`` (equal settings) have the same container types all the way down (a tuple is not a list)?"""
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return all(_same_types(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return type(a) is type(b) and all(_same_types(x, y) for x, y in zip(a, b, strict=True))
    return isinstance(a, bool) == isinstance(b, bool)


def store(key: str, report: Report) -> None:
    """Write ``report`` under ``key`` (atomically), then trim the folder to its bounds. Never raises; a Report
    that would not read back equal to itself is not stored."""
    folder = cache_dir()
    if folder is None:
        return
    try:
        data = encode(report)
        if len(data) > MAX_BYTES or not same_report(report, decode(data)):
            return
        handle, temp = tempfile.mkstemp(dir=folder, prefix=".partial-", suffix=SUFFIX)
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temp, folder / f"{key}{SUFFIX}")
    except (OSError, ValueError, TypeError, KeyError, pyarrow.ArrowException):
        return
    trim(folder)


def trim(folder: Path, max_entries: int = MAX_ENTRIES, max_bytes: int = MAX_BYTES) -> None:
    """Remove the least recently read entries beyond ``max_entries`` or ``max_bytes`` (and this user's entries
    of an earlier layout, which are never read). Files that are not this user's own are left alone."""
    try:
        for old in folder.glob("*.pickle"):
            if old.is_file() and not old.is_symlink() and _private(old.lstat()):
                old.unlink(missing_ok=True)
        owned = [(p, p.lstat()) for p in folder.glob(f"*{SUFFIX}")]
        entries = sorted(
            ((info.st_mtime, info.st_size, p) for p, info in owned if stat.S_ISREG(info.st_mode) and _private(info)),
            reverse=True,
        )
    except OSError:
        return
    total = 0
    for rank, (_, size, path) in enumerate(entries):
        total += size
        if rank >= max_entries or total > max_bytes:
            path.unlink(missing_ok=True)
