"""Giving freed memory back to the operating system between the engine's big steps.

At 1e8 judgments the engine frees several GB between steps (a chunk's rows, factorize tables, Dawid-Skene's
matrices). glibc keeps freed heap memory for reuse, and pyarrow's allocator keeps its own; neither is reused by
the next step's large NumPy arrays (those are mapped afresh), so the process's resident memory, and its peak,
grew by what had been freed. :func:`release` asks both to return what they hold unused (``malloc_trim(0)``,
``MemoryPool.release_unused``); it changes no result, costs milliseconds, and does nothing where they are absent.
The in-memory engine also takes its large arrays from the heap within a step (:mod:`labeleval.spend`).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import sys
from functools import cache
from typing import Any


@cache
def _libc() -> Any:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc if hasattr(libc, "malloc_trim") else None
    except OSError:
        return None


#: glibc's ``mallopt`` parameters (malloc.h) and their defaults
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
DEFAULT_TRIM_THRESHOLD = DEFAULT_MMAP_THRESHOLD = 128 * 1024


def set_thresholds(mmap: int, trim: int) -> None:
    """glibc's mmap threshold (allocations above it are mapped afresh and unmapped when freed) and trim threshold
    (free memory above it at the heap's top goes back by itself); nothing where ``mallopt`` is absent (the
    thresholds are glibc's: musl has no ``mallopt``)."""
    libc = _libc()
    mallopt = getattr(libc, "mallopt", None) if libc is not None else None
    if mallopt is not None:
        mallopt(ctypes.c_int(M_MMAP_THRESHOLD), ctypes.c_int(mmap))
        mallopt(ctypes.c_int(M_TRIM_THRESHOLD), ctypes.c_int(trim))


def release() -> None:
    """Return freed heap memory (glibc) and pyarrow's unused pool memory to the operating system."""
    if "pyarrow" in sys.modules:
        with contextlib.suppress(AttributeError):  # an allocator without the call: nothing to release
            sys.modules["pyarrow"].default_memory_pool().release_unused()
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)
