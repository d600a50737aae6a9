"""Memory spent for speed: what the in-memory engine does that the chunked engines must not.

The in-memory engine holds every row anyway and is chosen for projects that fit (``engine="auto"`` picks it
below 1 GB and 2**25 Parquet rows of vendor files), so during :func:`labeleval.evaluate` it spends some memory to
save time:

- **threads** (one per core; ``LABELEVAL_THREADS=1`` runs one task at a time):

  - the vendors' files are read and checked side by side, and so are the vendors' Dawid-Skene fits
    (:func:`ordered_map`);
  - the gold audit runs beside the scoring (:func:`side_by_side`);
  - the frames that need no consensus (Light's kappa, per class, confusion, redundancy) are made on one
    :class:`Lane` beside the consensus, the bootstrap and the other frames.

  Every task's work is independent of the others' and its result is taken in a fixed order (random tie-breaks
  draw from one generator in vendor order, outside the threads), so the Report is the same to the bit as with
  one task at a time (``tests/test_spend.py``).
- **arrays from the heap** (:func:`heap_for_arrays`): glibc maps every allocation above 128 KB to 32 MB afresh
  from the system and unmaps it when freed, and the kernel zeroes each fresh page on first touch. A step that
  makes and frees the same large temporaries in a loop (Dawid-Skene's iterations, the bootstrap's resamples)
  paid that each time: the 1e7-judgment project made about 340,000 page faults, 4 to 6 s of kernel time on this
  project's 2-core machine (a virtual machine, where a fault is dear). Within the evaluation large arrays come
  from glibc's heap, whose freed memory the next array reuses; between the engine's big steps the heap is still
  given back (:func:`labeleval.heap.release`), so the peak stays that of the steps.

Measured on the 1e7-judgment project of ``benchmarks/bench_scale.py`` (benchmarks/README.md, "The in-memory engine
at 1e7"). The chunked engines (``stream``, ``dask``) bound memory instead: one vendor at a time, each step after
the other, with glibc's defaults. Nothing here changes a number.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Generic, TypeVar

from labeleval import heap

T = TypeVar("T")
R = TypeVar("R")

#: Whether the evaluation running in this context spends memory for speed (set by :func:`spending_memory`).
_SPENDING: contextvars.ContextVar[bool] = contextvars.ContextVar("labeleval_spending_memory", default=False)

#: arrays below this come from the heap within an evaluation (a 1e7-judgment project's largest is 80 MB)
_HEAP_MMAP = 2**30
#: no trimming on every free within an evaluation (the largest int mallopt takes); the engine's
#: ``heap.release()`` between its big steps still trims
_HEAP_TRIM = 2**31 - 1

_lock = threading.Lock()
_holders = 0


def spending() -> bool:
    """Whether the evaluation running here is the in-memory engine's (see the module's docstring)."""
    return _SPENDING.get()


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
    # arena, in a script) serves the first share and reuses what earlier steps freed there
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


class Later(Generic[R]):
    """A result made beside the caller's work on a :class:`Lane`, or, when not spending memory, made where
    :meth:`result` is first asked for (so that the chunked engines' order of work, and so their memory, is that of
    plain calls)."""

    def __init__(self, function: Callable[[], R], pool: ThreadPoolExecutor | None) -> None:
        self._function: Callable[[], R] | None = function
        self._future: Future[R] | None = None
        if pool is not None:
            self._future = pool.submit(contextvars.copy_context().run, function)
            self._function = None

    def result(self) -> R:
        if self._future is not None:
            return self._future.result()
        function, self._function = self._function, None
        if function is None:
            raise RuntimeError("Later.result() of a plain call asked for twice")
        return function()


class Lane:
    """One thread beside the caller while spending memory: :meth:`later` results are made on it one after
    another, in the order asked. Used as a context manager; leaving it cancels what has not started."""

    def __init__(self) -> None:
        beside = workers(2) > 1  # while spending memory, unless LABELEVAL_THREADS=1
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="labeleval-lane") if beside else None

    def later(self, function: Callable[[], R]) -> Later[R]:
        return Later(function, self._pool)

    def __enter__(self) -> Lane:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)


@contextlib.contextmanager
def heap_for_arrays() -> Iterator[None]:
    """Within: large arrays come from glibc's heap, and a free does not give memory back by itself (the
    engine's ``heap.release()`` does, between steps). On leaving (the last holder, when evaluations overlap in
    one process, as the app's sessions can), glibc's default thresholds are set again and the heap is trimmed.
    Where glibc's ``mallopt`` is absent (macOS, Windows, musl), it does nothing."""
    global _holders

    with _lock:
        _holders += 1
        if _holders == 1:
            heap.set_thresholds(mmap=_HEAP_MMAP, trim=_HEAP_TRIM)
    try:
        yield
    finally:
        with _lock:
            _holders -= 1
            last = _holders == 0
            if last:
                heap.set_thresholds(mmap=heap.DEFAULT_MMAP_THRESHOLD, trim=heap.DEFAULT_TRIM_THRESHOLD)
        if last:
            heap.release()


def heap_for_arrays_held() -> bool:
    """Whether some evaluation in this process has large arrays come from the heap (:func:`heap_for_arrays`)."""
    return _holders > 0


@contextlib.contextmanager
def spending_memory(spend: bool = True) -> Iterator[None]:
    """Within: this context's evaluation spends memory for speed (threads, arrays from the heap); with
    ``spend=False`` it does not (the chunked engines)."""
    if not spend:
        yield
        return
    token = _SPENDING.set(True)
    try:
        with heap_for_arrays():
            yield
    finally:
        _SPENDING.reset(token)
