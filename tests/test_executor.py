"""The executor (labeleval/executor.py): threads change no number, and an evaluation leaves the caller's
process's memory allocator as it found it.

Every Report frame is compared exactly between ``n_jobs=2`` and one task at a time (``n_jobs=1``) on the four
samples and on a synthetic 30,000-judgment project with bad rows, duplicates and random tie-breaks under both
consensus methods; errors are the first item's, as one at a time. The allocator is checked by its effect: a
loop of 2 MB arrays made and freed after ``evaluate()`` pays no more page faults than in a fresh process.
"""

from __future__ import annotations

import contextvars
import dataclasses
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest

import labeleval as le
from labeleval import executor
from labeleval.executor import Executor, resolve_n_jobs
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


@pytest.fixture
def threads_used(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """The threads every :meth:`Executor.workers` call gave (the real answer, recorded)."""
    used: list[int] = []
    real = Executor.workers

    def recorded(self: Executor, tasks: int) -> int:
        used.append(real(self, tasks))
        return used[-1]

    monkeypatch.setattr(Executor, "workers", recorded)
    yield used


@pytest.mark.slow
@pytest.mark.parametrize("sample", SAMPLES)
def test_threads_change_no_number_on_the_samples(sample: str, threads_used: list[int]) -> None:
    folder = ROOT / "sample_data" / sample
    threaded = le.evaluate(folder, n_boot=200, seed=3, n_jobs=2)
    assert max(threads_used) == 2  # the vendors' files and fits, and the gold audit beside the scoring
    threads_used.clear()
    alone = le.evaluate(folder, n_boot=200, seed=3, n_jobs=1)
    assert set(threads_used) == {1}
    assert_identical(threaded, alone)


@pytest.mark.slow
@pytest.mark.parametrize("consensus", ["majority_vote", "dawid_skene"])
def test_threads_change_no_number_with_bad_rows(consensus: str, tmp_path: Path, threads_used: list[int]) -> None:
    folder = write_project(tmp_path / "p", 30_000, seed=5)

    def run(n_jobs: int) -> le.Report:
        return le.evaluate(folder, n_boot=100, consensus=consensus, tie="random", engine="memory", n_jobs=n_jobs)

    threaded = run(2)
    assert max(threads_used) == 2
    alone = run(1)
    assert_identical(threaded, alone)
    assert len(threaded.quarantine) > 0  # the bad rows are there, and kept or quarantined the same way


@pytest.mark.slow
def test_the_chunked_engines_run_one_task_at_a_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[int] = []
    real = Executor.__init__

    def recorded(self: Executor, n_jobs: int | None) -> None:
        real(self, n_jobs)
        made.append(self.n_jobs)

    monkeypatch.setattr(Executor, "__init__", recorded)
    folder = write_project(tmp_path / "p", 3_000, seed=2)
    streamed = le.evaluate(folder, n_boot=50, engine="stream", n_jobs=2)
    assert made and set(made) == {1}
    assert_identical(streamed, le.evaluate(folder, n_boot=50, engine="stream", n_jobs=1))


def test_n_jobs_follows_scikit_learns_idiom(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(executor, "cpu_count", lambda: 4)
    assert [resolve_n_jobs(n) for n in (None, 1, 3, 8, -1, -2, -4, -9)] == [4, 1, 3, 8, 4, 3, 1, 1]
    for bad in (0, True, 1.5, "2"):
        with pytest.raises(le.LabelevalError, match="n_jobs must be"):
            resolve_n_jobs(bad)  # type: ignore[arg-type]
    assert executor.Executor(None).n_jobs == 4 and Executor(1).serial and not Executor(2).serial
    assert Executor(3).workers(2) == 2 and Executor(3).workers(5) == 3 and Executor(3).workers(0) == 1


def test_evaluate_checks_n_jobs(sample_project: Path) -> None:
    with pytest.raises(le.LabelevalError, match="n_jobs must be"):
        le.evaluate(sample_project, n_boot=0, n_jobs=0)


def test_ordered_map_keeps_order_and_raises_the_first_error() -> None:
    three = Executor(3)
    seen: set[str] = set()

    def slow_first(x: int) -> int:
        seen.add(threading.current_thread().name)
        time.sleep(0.05 if x == 0 else 0.0)
        return x * 10

    assert three.ordered_map(slow_first, [0, 1, 2, 3]) == [0, 10, 20, 30]
    assert any(name.startswith("labeleval") for name in seen)  # it did run on the pool's threads

    def fails(x: int) -> int:
        time.sleep(0.05 if x == 1 else 0.0)  # the first failing item is the slower one
        if x in (1, 2):
            raise ValueError(f"item {x}")
        return x

    with pytest.raises(ValueError, match="item 1"):
        three.ordered_map(fails, [0, 1, 2, 3])
    with pytest.raises(ValueError, match="item 1"):  # the calling thread's own task fails first
        three.ordered_map(fails, [1, 2, 0])
    assert (
        Executor(1).ordered_map(lambda _: threading.current_thread().name, [0, 1])
        == [threading.current_thread().name] * 2
    )


def test_tasks_see_the_callers_context() -> None:
    """A task on a thread sees the caller's context variables, as a plain call would (none of labeleval's own:
    ``n_jobs`` is passed explicitly)."""
    var: contextvars.ContextVar[str] = contextvars.ContextVar("caller", default="unset")
    var.set("set")
    where = Executor(3).ordered_map(lambda _: (threading.current_thread().name, var.get()), [0, 1, 2])
    assert [value for _, value in where] == ["set"] * 3
    assert where[0][0] == threading.current_thread().name and where[2][0].startswith("labeleval")


def test_a_lane_runs_beside_the_caller_only_with_threads() -> None:
    order: list[str] = []

    def task(name: str) -> Callable[[], str]:
        def run() -> str:
            order.append(name)
            return threading.current_thread().name

        return run

    with Executor(1).lane() as lane:  # one at a time: each made where its result is asked for
        first, second = lane.later(task("a")), lane.later(task("b"))
        assert order == []
        assert second.result() == threading.current_thread().name and order == ["b"]
        first.result()
        assert order == ["b", "a"]
    order.clear()
    with Executor(2).lane() as lane:  # on one thread, in the order given
        first, second = lane.later(task("a")), lane.later(task("b"))
        assert second.result().startswith("labeleval-lane") and first.result() == second.result()
        assert order == ["a", "b"]


def test_a_lane_task_error_reaches_the_caller() -> None:
    def fails() -> int:
        raise ValueError("lane task")

    with Executor(2).lane() as lane:
        later = lane.later(fails)
        with pytest.raises(ValueError, match="lane task"):
            later.result()


def test_release_memory_changes_nothing_it_returns() -> None:
    executor.release_memory()  # malloc_trim(0) where glibc is, nothing elsewhere; pyarrow's pool when loaded
    Executor(1).release_memory()


#: a child process: import as a script would, optionally evaluate a sample, then time a loop of 2 MB arrays
#: made (touched) and freed; prints the loop's minor page faults
_LOOP = textwrap.dedent(
    """
    import resource, sys
    import numpy as np
    import pandas as pd
    import labeleval as le

    if sys.argv[1] == "evaluate":
        le.evaluate("sample_data/content_safety", n_boot=20)
    size = 2 * 1024 * 1024 // 8
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(3000):
        array = np.ones(size)
        del array
    print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
    """
)


def _loop_faults(mode: str) -> int:
    done = subprocess.run(
        [sys.executable, "-c", _LOOP, mode], cwd=ROOT, capture_output=True, text=True, check=False, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return int(done.stdout.split()[-1])


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="resource.getrusage is POSIX")
def test_an_evaluation_leaves_the_callers_allocator_as_it_found_it() -> None:
    """After ``evaluate()``, making and freeing a 2 MB array 3,000 times costs about the page faults it costs in a
    fresh process (glibc's dynamic mmap threshold still on: the freed arrays are reused, not unmapped)."""
    fresh = _loop_faults("fresh")
    after = _loop_faults("evaluate")
    assert after <= max(2 * fresh, fresh + 2000), (fresh, after)
