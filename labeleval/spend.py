"""Memory spent for speed: what the in-memory engine does that the chunked engines must not (issue 13).

The in-memory engine holds every row anyway and is chosen for projects that fit (``engine="auto"`` picks it
below 1 GB of vendor files), so during :func:`labeleval.evaluate` it may spend some memory to save time:

- **threads**: the vendors' files are read and checked side by side, and the vendors' Dawid-Skene fits run side
  by side (:func:`ordered_map`); each task's work is independent, and its results are taken in manifest order,
  so the Report is the same to the bit as one at a time. The default is one thread per core;
  ``LABELEVAL_THREADS=1`` runs one task at a time.
- **a kept heap**: large NumPy arrays are taken from the C heap and their memory kept for the next step, instead
  of being mapped afresh from the system and given back each time (:func:`kept_heap`). On this project's 2-core
  benchmark machine (a virtual machine, where the kernel's zeroing of fresh pages is dear) the 1e7-judgment
  project made 340,000 page faults and spent 4-6 s of its ~19 s in the kernel; with the heap kept, 130,000
  faults and 2 s (benchmarks/README.md, "The in-memory engine at 1e7").

The chunked engines (``stream``, ``dask``) bound memory instead: one vendor at a time, and freed memory given back
between steps (:mod:`labeleval.engine.heap`). Nothing here changes a number.
"""

from __future__ import annotations

import contextlib
import contextvars
import ctypes
import ctypes.util
import os
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

#: Whether the evaluation running in this context spends memory for speed (set by :func:`spending_memory`).
_SPENDING: contextvars.ContextVar[bool] = contextvars.ContextVar("labeleval_spending_memory", default=False)

# glibc's mallopt parameters (malloc.h) and their defaults
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
_DEFAULT_TRIM, _DEFAULT_MMAP = 128 * 1024, 128 * 1024
#: arrays below this come from the heap while it is kept (a 1e7-judgment project's largest is 80 MB)
_KEPT_MMAP = 2**30
_KEPT_TRIM = 2**31 - 1  # the largest int mallopt takes: never trim while kept

_lock = threading.Lock()
_holders = 0


def spending() -> bool:
    """Whether the evaluation running here is the in-memory engine's (see the module's docstring)."""
    return _SPENDING.get()


def heap_kept() -> bool:
    """Whether some evaluation in this process keeps the heap (then :func:`labeleval.engine.heap.release`
    gives nothing back: that would undo it)."""
    return _holders > 0


def workers(tasks: int) -> int:
    """Threads for ``tasks`` independent tasks: one per core (``LABELEVAL_THREADS`` caps it) while spending
    memory, else 1."""
    if not spending() or tasks < 2:
        return 1
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    cap = os.environ.get("LABELEVAL_THREADS", "").strip()
    if cap.isdigit() and int(cap) > 0:
        cores = min(cores, int(cap))
    return max(1, min(tasks, cores))


def ordered_map(function: Callable[[T], R], items: Sequence[T]) -> list[R]:
    """``[function(x) for x in items]``, on :func:`workers` threads. Results come in the order of ``items``; if
    several calls raise, the first item's error is the one raised (as one at a time would)."""
    n = workers(len(items))
    if n == 1:
        return [function(x) for x in items]
    # the first item in the calling thread, the rest on n - 1 threads: the calling thread's heap (glibc's main
    # arena, in a script) serves the first and biggest share, where the memory freed by earlier steps is kept
    with ThreadPoolExecutor(max_workers=n - 1, thread_name_prefix="labeleval") as pool:
        # each task in a copy of this context, so that it spends memory too (a task may map again, inside)
        futures = [pool.submit(contextvars.copy_context().run, function, x) for x in items[1:]]
        try:
            first = function(items[0])
            return [first, *(f.result() for f in futures)]
        except BaseException:
            for f in futures:
                f.cancel()
            raise


def side_by_side(*calls: Callable[[], Any]) -> list[Any]:
    """The results of ``calls``, made as :func:`ordered_map` makes them (side by side while spending memory)."""
    return ordered_map(lambda call: call(), calls)


@cache
def _mallopt() -> Callable[[int, int], int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None
    call: Any = getattr(libc, "mallopt", None)
    if call is None:  # not glibc (musl has no mallopt)
        return None
    call.argtypes = (ctypes.c_int, ctypes.c_int)
    call.restype = ctypes.c_int
    return call


@contextlib.contextmanager
def kept_heap() -> Iterator[None]:
    """Within: large arrays come from glibc's heap and freed memory stays there for reuse. On leaving (the
    last holder, when evaluations overlap), glibc's defaults are set again and the heap is trimmed, so the
    process gives back what the evaluation used. Where glibc's ``mallopt`` is absent, it does nothing."""
    global _holders
    mallopt = _mallopt()
    with _lock:
        _holders += 1
        if _holders == 1 and mallopt is not None:
            mallopt(_M_MMAP_THRESHOLD, _KEPT_MMAP)
            mallopt(_M_TRIM_THRESHOLD, _KEPT_TRIM)
    try:
        yield
    finally:
        with _lock:
            _holders -= 1
            if _holders == 0 and mallopt is not None:
                mallopt(_M_MMAP_THRESHOLD, _DEFAULT_MMAP)
                mallopt(_M_TRIM_THRESHOLD, _DEFAULT_TRIM)
        if _holders == 0:
            from labeleval.engine import heap

            heap.release()


@contextlib.contextmanager
def spending_memory(spend: bool = True) -> Iterator[None]:
    """Within: this context's evaluation spends memory for speed (threads and a kept heap); with
    ``spend=False`` it does not (the chunked engines)."""
    if not spend:
        yield
        return
    token = _SPENDING.set(True)
    try:
        with kept_heap():
            yield
    finally:
        _SPENDING.reset(token)
