"""Reports kept on disk between app sessions, so a new server's first page does not score the project again.

The app's in-process cache (``st.cache_data``) dies with the server; this one survives it. An entry is keyed by
the SHA-256 of every input file's bytes (the manifest and each file it names), every option the sidebar passes
to ``evaluate()``, and the labeleval code itself (every module's bytes) with the Python, NumPy and pandas
versions: change any input file, any option or the code, and the key changes, so a stale Report is never read.

- **Where**: ``$LABELEVAL_CACHE_DIR``, else ``$XDG_CACHE_HOME/labeleval/reports`` (``~/.cache/labeleval/reports``);
  ``LABELEVAL_CACHE_DIR=off`` turns it off. The folder is created private (0700); a folder owned by another
  user, or writable by others, is not used (an entry is a pickle: only this user may write one).
- **Bounded**: at most :data:`MAX_ENTRIES` entries and :data:`MAX_BYTES` in all; the least recently read go first.
- **Not for uploads**: a project in an upload session's folder (``ui/upload.py``) is never written to disk
  outside that folder; it is cached in memory for its session only. Nor for a project that reads a URL, a
  folder or a glob of Parquet files: the key covers only the bytes of single local files
  (``state.local_files_only``).
- ``python -m labeleval.ui.report_cache [PROJECT]`` scores the project (the bundled sample by default) with the
  app's default options and stores it: ``make app`` runs it first, so the first page of a new server is read
  from disk (see docs/performance.md for the first render with and without it).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import platform
import tempfile
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy
import pandas

from labeleval.report import Report

if TYPE_CHECKING:
    from labeleval.report import Report

MAX_ENTRIES = 32
MAX_BYTES = 1 << 30  # 1 GiB
UPLOAD_PREFIX = "labeleval_upload_"  # ui/upload.py's session folders: tempfile.mkdtemp(prefix=...)


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
    if hasattr(os, "getuid") and (info.st_uid != os.getuid() or info.st_mode & 0o022):
        return None  # another user's, or writable by others: its pickles could be anyone's
    return folder


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
    digest.update(f"{platform.python_version()} {numpy.__version__} {pandas.__version__}".encode())
    return digest.hexdigest()


def entry_key(fingerprint: str, options: Iterable[tuple[str, object]]) -> str:
    """The file name of an entry: input files' digest, options, code."""
    text = repr((fingerprint, tuple(options), code_version()))
    return hashlib.sha256(text.encode()).hexdigest()


def load(key: str) -> Report | None:
    """The stored Report of ``key``, or None (absent, unreadable, or not a Report: such an entry is removed)."""
    folder = cache_dir()
    if folder is None:
        return None
    path = folder / f"{key}.pickle"
    try:
        data = path.read_bytes()
    except OSError:
        return None

    try:
        report = pickle.loads(data)  # written by this user into a private folder (see cache_dir)
    except Exception:  # a truncated or foreign file: drop it and score again
        path.unlink(missing_ok=True)
        return None
    if not isinstance(report, Report):
        path.unlink(missing_ok=True)
        return None
    with contextlib.suppress(OSError):
        os.utime(path)  # recently read: kept longest
    return report


def store(key: str, report: Report) -> None:
    """Write ``report`` under ``key`` (atomically), then trim the folder to its bounds. Never raises."""
    folder = cache_dir()
    if folder is None:
        return
    try:
        data = pickle.dumps(report, protocol=pickle.HIGHEST_PROTOCOL)
        if len(data) > MAX_BYTES:
            return
        handle, temp = tempfile.mkstemp(dir=folder, prefix=".partial-", suffix=".pickle")
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temp, folder / f"{key}.pickle")
    except (OSError, pickle.PicklingError, TypeError, AttributeError):
        return
    trim(folder)


def trim(folder: Path, max_entries: int = MAX_ENTRIES, max_bytes: int = MAX_BYTES) -> None:
    """Remove the least recently read entries beyond ``max_entries`` or ``max_bytes``."""
    try:
        entries = sorted(
            ((p.stat().st_mtime, p.stat().st_size, p) for p in folder.glob("*.pickle") if p.is_file()),
            reverse=True,
        )
    except OSError:
        return
    total = 0
    for rank, (_, size, path) in enumerate(entries):
        total += size
        if rank >= max_entries or total > max_bytes:
            path.unlink(missing_ok=True)
