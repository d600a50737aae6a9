"""The in-memory engine spends memory for speed (labeleval/spend.py): threads and a kept heap change no number.

Every Report frame is compared exactly between the threaded engine and one task at a time (``LABELEVAL_THREADS=1``)
on the four samples and on a synthetic 1e5-judgment project with bad rows, duplicates and Dawid-Skene consensus;
errors are the first vendor's, as one at a time; the heap settings are put back on leaving.
"""

from __future__ import annotations

import ctypes
import dataclasses
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

import labeleval as le
from labeleval import heap, spend
from tests.helpers.paths import ROOT
from tests.helpers.projects import write_project

SAMPLES = ["content_safety", "helpfulness_likert", "preference_pairs", "ticket_pilot"]


def assert_identical(a: le.Report, b: le.Report) -> None:
    """Every frame equal to the bit (same dtypes), every other field equal."""
    for f in dataclasses.fields(a):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, pd.DataFrame):
            pd.testing.assert_frame_equal(x, y, check_exact=True, obj=f.name)
        else:
            assert x == y, f.name


@pytest.mark.slow
@pytest.mark.parametrize("sample", SAMPLES)
def test_threads_change_no_number_on_the_samples(sample: str, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = ROOT / "sample_data" / sample
    threaded = _threaded(monkeypatch, lambda: le.evaluate(folder, n_boot=200, seed=3))
    monkeypatch.setenv("LABELEVAL_THREADS", "1")
    alone = le.evaluate(folder, n_boot=200, seed=3)
    assert_identical(threaded, alone)


@pytest.mark.slow
@pytest.mark.parametrize("consensus", ["majority_vote", "dawid_skene"])
def test_threads_change_no_number_with_bad_rows(
    consensus: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = write_project(tmp_path / "p", 30_000, seed=5)
    threaded = _threaded(
        monkeypatch, lambda: le.evaluate(folder, n_boot=100, consensus=consensus, tie="random", engine="memory")
    )
    monkeypatch.setenv("LABELEVAL_THREADS", "1")
    alone = le.evaluate(folder, n_boot=100, consensus=consensus, tie="random", engine="memory")
    assert_identical(threaded, alone)
    assert len(threaded.quarantine) > 0  # the bad rows are there, and kept or quarantined the same way


def _threaded(monkeypatch: pytest.MonkeyPatch, run: Callable[[], le.Report]) -> le.Report:
    """``run()`` with a thread per task while spending memory, whatever the machine's cores; checks that
    threads were used."""
    used: list[int] = []
    real = spend.workers

    def every_task(tasks: int) -> int:
        used.append(tasks if spend.spending() else 1)
        return used[-1]

    monkeypatch.setattr(spend, "workers", every_task)
    try:
        return run()
    finally:
        monkeypatch.setattr(spend, "workers", real)
        assert max(used) >= 3  # the vendors' files, fits and curves: one thread each


def test_ordered_map_keeps_order_and_raises_the_first_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spend, "workers", lambda tasks: min(tasks, 3))  # three threads whatever the machine
    seen: set[str] = set()

    def slow_first(x: int) -> int:
        seen.add(threading.current_thread().name)
        time.sleep(0.05 if x == 0 else 0.0)
        return x * 10

    with spend.spending_memory():
        assert spend.ordered_map(slow_first, [0, 1, 2, 3]) == [0, 10, 20, 30]
        assert any(name.startswith("labeleval") for name in seen)  # it did run on the pool's threads

        def fails(x: int) -> int:
            time.sleep(0.05 if x == 1 else 0.0)  # the first failing item is the slower one
            if x in (1, 2):
                raise ValueError(f"item {x}")
            return x

        with pytest.raises(ValueError, match="item 1"):
            spend.ordered_map(fails, [0, 1, 2, 3])
        with pytest.raises(ValueError, match="item 1"):  # the calling thread's own task fails first
            spend.ordered_map(fails, [1, 2, 0])


def test_one_at_a_time_outside_an_evaluation_or_when_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LABELEVAL_THREADS", raising=False)
    assert spend.workers(3) == 1  # the chunked engines and direct calls: one task at a time
    with spend.spending_memory():
        assert spend.workers(1) == 1
        monkeypatch.setenv("LABELEVAL_THREADS", "1")
        assert spend.workers(3) == 1
    with spend.spending_memory(False):
        assert not spend.spending()


def test_tasks_inherit_the_spending_context(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spend, "workers", lambda tasks: tasks)
    with spend.spending_memory():
        where = spend.ordered_map(lambda _: (threading.current_thread().name, spend.spending()), [0, 1, 2])
    assert [spending for _, spending in where] == [True, True, True]
    assert where[0][0] == threading.current_thread().name and where[2][0].startswith("labeleval")


def test_arrays_from_the_heap_within_and_glibc_defaults_after(monkeypatch: pytest.MonkeyPatch) -> None:
    settings: list[tuple[int, int]] = []
    trims: list[str] = []
    monkeypatch.setattr(heap, "_libc", lambda: _Recorder(trims, settings))
    assert not spend.heap_for_arrays_held()
    with spend.spending_memory():
        assert spend.heap_for_arrays_held()
        assert settings == [(-3, 2**30), (-1, 2**31 - 1)]  # M_MMAP_THRESHOLD, M_TRIM_THRESHOLD
        heap.release()  # the engine still trims between its steps
        assert trims == ["malloc_trim"]
        with spend.spending_memory():  # an overlapping evaluation (another app session): set once, kept
            pass
        assert spend.heap_for_arrays_held() and len(settings) == 2
    assert not spend.heap_for_arrays_held()
    assert settings[2:] == [(-3, 128 * 1024), (-1, 128 * 1024)]  # glibc's defaults again
    assert trims == ["malloc_trim", "malloc_trim"]  # and the heap given back on leaving


def test_an_evaluation_error_leaves_the_heap_settings_restored(tmp_path: Path) -> None:
    (tmp_path / "labeleval.toml").write_text(
        '[task]\nname = "t"\nkind = "nominal"\nlabels = ["a", "b"]\n\n'
        '[[vendors]]\nname = "V"\npath = "missing.csv"\npricing = { model = "per_label", rate = 0.1 }\n'
    )
    with pytest.raises(le.LabelevalError):
        le.evaluate(tmp_path, n_boot=0, engine="memory")
    assert not spend.heap_for_arrays_held() and not spend.spending()


class _Recorder:
    """glibc's calls as the engine makes them: ``malloc_trim`` and ``mallopt`` (with ``ctypes.c_int`` arguments)."""

    def __init__(self, calls: list[str], settings: list[tuple[int, int]] | None = None) -> None:
        self.calls = calls
        self.settings = settings if settings is not None else []

    def malloc_trim(self, pad: int) -> int:
        self.calls.append("malloc_trim")
        return 1

    def mallopt(self, param: ctypes.c_int, value: ctypes.c_int) -> int:
        self.settings.append((param.value, value.value))
        return 1


def test_a_lane_runs_beside_the_caller_only_while_spending(monkeypatch: pytest.MonkeyPatch) -> None:
    order: list[str] = []

    def task(name: str) -> Callable[[], str]:
        def run() -> str:
            order.append(name)
            return threading.current_thread().name

        return run

    with spend.Lane() as lane:  # not spending: each made where its result is asked for
        first, second = lane.later(task("a")), lane.later(task("b"))
        assert order == []
        assert second.result() == threading.current_thread().name and order == ["b"]
        first.result()
        assert order == ["b", "a"]
    order.clear()
    monkeypatch.setattr(spend, "workers", lambda tasks: tasks if spend.spending() else 1)
    with spend.spending_memory(), spend.Lane() as lane:  # spending: on one thread, in the order given
        first, second = lane.later(task("a")), lane.later(task("b"))
        assert second.result().startswith("labeleval-lane") and first.result() == second.result()
        assert order == ["a", "b"]


def test_a_lane_task_error_reaches_the_caller(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spend, "workers", lambda tasks: tasks if spend.spending() else 1)

    def fails() -> int:
        raise ValueError("lane task")

    with spend.spending_memory(), spend.Lane() as lane:
        later = lane.later(fails)
        with pytest.raises(ValueError, match="lane task"):
            later.result()
