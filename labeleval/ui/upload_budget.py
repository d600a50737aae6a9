"""What one session may hold of uploaded files in the server's memory, enforced where Streamlit stores them.

Streamlit keeps every uploaded file's bytes in memory (its ``MemoryUploadedFileManager``) from the moment the
browser sends it until the session ends, and checks only each file's size (``server.maxUploadSize``). A session
could therefore park any number of large files on the server. :class:`BudgetedUploads` is that manager with a
budget per session, checked when a file arrives and before it is stored:

- at most ``upload_files`` files held by one session (all its uploaders together), and
- at most ``upload_mb`` MB in all (the same limit that bounds one file, through ``server.maxUploadSize``, and
  the session's upload folder on disk; :mod:`labeleval.limits`).

A file over the budget is answered with HTTP 413 and not stored (the uploader shows it as failed); the bytes of
that one request are dropped at once. When a session ends, or has been disconnected for longer than
``server.disconnectedSessionTTL`` (Streamlit then forgets it without ending it, and would keep its files for as
long as the server runs: a sweeper thread looks every 15 s, :func:`sweep`), its files, its upload folder, its
state (its uploaders' copies of the files, which Streamlit's event loop may hold on to) and the memory the
allocator kept are given back (:func:`labeleval.ui.upload.forget_session`,
:func:`labeleval.executor.release_memory`).

:func:`install` puts the budget on the running server's manager. The Data page, the only one with uploaders,
calls it before drawing them, so it holds however the server was started (``labeleval app``, ``make app`` or
``streamlit run``).
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Callable
from typing import Any

from starlette.exceptions import HTTPException
from streamlit import config as st_config
from streamlit import runtime as st_runtime
from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager
from streamlit.runtime.uploaded_file_manager import UploadedFileRec

from labeleval.executor import release_memory
from labeleval.limits import current as current_limits
from labeleval.limits import env_variable
from labeleval.ui.upload import forget_session, sessions_with_folders


class BudgetedUploads(MemoryUploadedFileManager):
    """Streamlit's in-memory upload store with a per-session budget of files and bytes (see the module doc)."""

    def add_file(self, session_id: str, file: UploadedFileRec) -> None:
        problem = self.over_budget(session_id, file)
        if problem is not None:
            raise HTTPException(status_code=413, detail=problem)
        super().add_file(session_id, file)

    def over_budget(self, session_id: str, file: UploadedFileRec) -> str | None:
        """Why ``file`` would take the session over its budget, or None when it fits."""
        limits = current_limits()
        with self._lock:
            held = [f for f in self.file_storage.get(session_id, {}).values() if f.file_id != file.file_id]
        size = sum(len(f.data) for f in held) + len(file.data)
        if len(held) + 1 > limits.upload_files:
            return (
                f"{file.name}: this session already holds {len(held):,} uploaded files, the limit of "
                f"{limits.upload_files:,} (upload_files, {env_variable('upload_files')}); remove one first"
            )
        if size > limits.upload_mb * 1024**2:
            return (
                f"{file.name}: this session's uploads would be {size / 1024**2:,.1f} MB, over the "
                f"{limits.upload_mb:,} MB limit (upload_mb, {env_variable('upload_mb')}); remove a file first"
            )
        return None

    def remove_session_files(self, session_id: str) -> None:
        super().remove_session_files(session_id)
        forget_session(session_id)
        gc.collect()  # a forgotten session's state (its widgets' UploadedFile copies) sits in reference cycles
        release_memory()


def install(runtime: Any = None) -> bool:
    """Give the running server's upload store (``runtime``'s, by default the running one's) its budget and start
    its sweeper, once; later calls find them in place. False without a server (bare scripts, AppTest) or when
    the server has another kind of store, which is then left alone."""
    if runtime is None:
        if not st_runtime.exists():
            return False
        runtime = st_runtime.get_instance()
    manager = getattr(runtime, "uploaded_file_mgr", None)
    if isinstance(manager, BudgetedUploads):
        return True
    if type(manager) is not MemoryUploadedFileManager:
        return False
    manager.__class__ = BudgetedUploads
    threading.Thread(
        target=_sweep_forever, args=(runtime, manager), name="labeleval-upload-sweeper", daemon=True
    ).start()
    return True


#: session id -> since when (time.monotonic) it has been seen disconnected while it still held uploads
_GONE_SINCE: dict[str, float] = {}


def sweep(manager: BudgetedUploads, is_active: Callable[[str], bool], ttl: float, now: float) -> list[str]:
    """Give back the uploads (files in memory, the upload folder) of every session not connected for longer than
    ``ttl`` seconds; the sessions swept.

    Streamlit keeps a disconnected session for ``server.disconnectedSessionTTL`` so that a reconnect finds it, and
    then drops it without ending it, so its uploaded files would stay in memory for as long as the server runs.
    """
    with manager._lock:
        holders = set(manager.file_storage)
    holders |= set(sessions_with_folders())
    swept = []
    for session in holders:
        if is_active(session):
            _GONE_SINCE.pop(session, None)
            continue
        gone = _GONE_SINCE.setdefault(session, now)
        if now - gone > ttl:
            manager.remove_session_files(session)
            _GONE_SINCE.pop(session, None)
            swept.append(session)
    for session in set(_GONE_SINCE) - holders:
        del _GONE_SINCE[session]
    return swept


def _sweep_forever(runtime: Any, manager: BudgetedUploads) -> None:
    while True:
        try:
            ttl = float(st_config.get_option("server.disconnectedSessionTTL"))
            time.sleep(max(1.0, min(SWEEP_EVERY_S, ttl / 4)))
            sweep(manager, runtime.is_active_session, ttl, time.monotonic())
        except Exception:  # the sweeper never stops the server; it tries again on its next round
            time.sleep(SWEEP_EVERY_S)


#: Longest wait between two sweeps (shorter when the session TTL is short).
SWEEP_EVERY_S = 15.0
