"""The one place labeleval runs work side by side, and gives freed memory back between big steps.

**Threads, as a setting.** ``n_jobs`` (scikit-learn's idiom; ``evaluate(..., n_jobs=...)``, held in
:class:`~labeleval.scoring.settings.Settings`) is how many tasks run at a time: ``None`` as many as the CPUs this
process may use (:func:`cpu_count`), ``1`` one at a time, ``-1`` every CPU, ``-2`` all but one. An
:class:`Executor` made from it is handed explicitly to the code that has independent tasks; nothing here is
read from the environment or from a context variable. With it, the in-memory engine

- reads and checks the vendors' files side by side, and fits the vendors' Dawid-Skene models side by side
  (:meth:`Executor.ordered_map`);
- runs the gold audit beside the scoring (:meth:`Executor.side_by_side`);
- makes the frames that need no consensus (Light's kappa, per class, confusion, redundancy) on one
  :class:`Lane` beside the consensus, the bootstrap and the other frames.

Every task's work is independent of the others' and its result is taken in a fixed order (random tie-breaks draw
from one generator in vendor order, outside the threads), so the Report is the same to the bit whatever
``n_jobs`` is (``tests/test_executor.py``). The chunked engines (``stream``, ``dask``) run one task at a time
(``evaluate()`` gives them ``n_jobs=1``): they bound memory instead.

**Memory given back, no allocator setting changed.** Between the engine's big steps, :func:`release_memory` asks
glibc (``malloc_trim(0)``) and pyarrow's pool to return the memory they hold unused: it changes no setting and
no result, costs milliseconds, and does nothing where they are absent (macOS, Windows, musl). labeleval never
calls ``mallopt``: setting glibc's mmap or trim threshold, even to its default value, switches glibc's dynamic
mmap threshold off for the rest of the process, and the caller's own large arrays would then be mapped afresh
and faulted in page by page on every allocation (``tests/test_executor.py`` checks that an evaluation leaves the
caller's allocator as it found it).

This module imports nothing from labeleval but :mod:`labeleval.errors`.
"""

from __future__ import annotations

import contextlib
import contextvars
import ctypes
import ctypes.util
import operator
import os
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from functools import cache
from typing import Any, Generic, TypeVar

from labeleval.errors import LabelevalError

T = TypeVar("T")
R = TypeVar("R")


def cpu_count() -> int:
    """The CPUs this process may run on (``os.process_cpu_count`` where it exists, else the affinity mask, else
    the machine's)."""
    process_cpu_count = getattr(os, "process_cpu_count", None)  # Python 3.13
    if process_cpu_count is not None:
        return max(1, process_cpu_count() or 1)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def resolve_n_jobs(n_jobs: int | None) -> int:
    """Tasks at a time for ``n_jobs``: ``None`` -> :func:`cpu_count`; a positive number as given; ``-1`` every
    CPU, ``-2`` all but one, and so on (never below 1). ``0`` and anything but a whole number are errors."""
    if n_jobs is None:
        return cpu_count()
    try:
        if isinstance(n_jobs, bool):
            raise TypeError
        jobs = operator.index(n_jobs)
    except TypeError:
        jobs = 0
    if jobs == 0:
        raise LabelevalError(
            f"n_jobs must be a whole number other than 0 (1: one task at a time, -1: every CPU) or None (the "
            f"CPUs this process may use); got {n_jobs!r} instead"
        )
    return jobs if jobs > 0 else max(1, cpu_count() + 1 + jobs)


class Executor:
    """Runs independent tasks ``n_jobs`` at a time (see the module's docstring); with ``n_jobs=1``, each where
    and when it is asked for, as plain calls."""

    def __init__(self, n_jobs: int | None) -> None:
        self.n_jobs = resolve_n_jobs(n_jobs)

    @property
    def serial(self) -> bool:
        """Whether tasks run one at a time."""
        return self.n_jobs == 1

    def workers(self, tasks: int) -> int:
        """Threads for ``tasks`` independent tasks (the calling thread counts as one)."""
        return max(1, min(tasks, self.n_jobs))

    def ordered_map(self, function: Callable[[T], R], items: Sequence[T]) -> list[R]:
        """``[function(x) for x in items]``, :meth:`workers` at a time. Results come in the order of ``items``; if
        several calls raise, the first item's error is the one raised (as one at a time would)."""
        n = self.workers(len(items))
        if n == 1:
            return [function(x) for x in items]
        # the first item in the calling thread, the rest on n - 1 threads: the calling thread's heap (glibc's main
        # arena, in a script) serves the first share and reuses what earlier steps freed there
        with ThreadPoolExecutor(max_workers=n - 1, thread_name_prefix="labeleval") as pool:
            # each task in a copy of the caller's context, as a plain call would see it
            futures = [pool.submit(contextvars.copy_context().run, function, x) for x in items[1:]]
            try:
                first = function(items[0])
                return [first, *(f.result() for f in futures)]
            except BaseException:
                for f in futures:
                    f.cancel()
                raise

    def side_by_side(self, *calls: Callable[[], Any]) -> list[Any]:
        """The results of ``calls``, made as :meth:`ordered_map` makes them."""
        return self.ordered_map(lambda call: call(), calls)

    def lane(self) -> Lane:
        """A :class:`Lane`: one thread beside the caller unless tasks run one at a time."""
        return Lane(beside=not self.serial)

    @staticmethod
    def release_memory() -> None:
        """:func:`release_memory`."""
        release_memory()


class Later(Generic[R]):
    """A result made beside the caller's work on a :class:`Lane`, or, one task at a time, made where
    :meth:`result` is first asked for (so that the order of work, and so the memory, is that of plain calls)."""

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
    """With ``beside``, one thread beside the caller: :meth:`later` results are made on it one after another, in
    the order asked; without, each where its result is asked for. Used as a context manager; leaving it cancels
    what has not started."""

    def __init__(self, *, beside: bool) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="labeleval-lane") if beside else None

    def later(self, function: Callable[[], R]) -> Later[R]:
        return Later(function, self._pool)

    def __enter__(self) -> Lane:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)


@cache
def _libc() -> Any:
    """glibc, where it is the C library and has ``malloc_trim``; else None."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None
    return libc if hasattr(libc, "malloc_trim") else None


def release_memory() -> None:
    """Give freed memory back to the operating system: pyarrow's unused pool memory, and glibc's free heap memory
    (``malloc_trim(0)``, which changes no allocator setting). Between big steps, so that each step's peak is its
    own rather than the sum of what earlier steps freed; a no-op where neither is present."""
    if "pyarrow" in sys.modules:
        with contextlib.suppress(AttributeError):  # an allocator without the call: nothing to release
            sys.modules["pyarrow"].default_memory_pool().release_unused()
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)
