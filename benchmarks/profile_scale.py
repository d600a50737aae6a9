"""Where the time and memory of one streamed evaluation go, step by step.

Runs ``load(project, "stream")`` and what ``evaluate()`` runs after it (``questions.score_with_questions``: the
gold audit, then ``scoring.run.score``) on a project (for example one that ``bench_scale.py`` wrote) and prints,
for each step, its wall time and the process's resident memory before it, at its peak (Linux's high-water mark
``VmHWM``, reset before each step through ``/proc/self/clear_refs``) and after it.
Linux only; n_boot = 1000, seed 0, the default settings.

Usage:
    python benchmarks/profile_scale.py benchmarks/out/scale/n1e08
"""

from __future__ import annotations

import functools
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from labeleval.analyses import questions
from labeleval.io.pipeline import load
from labeleval.project.manifest import load_project
from labeleval.scoring import classes, compare, frames, people, run
from labeleval.scoring.settings import Settings


def memory() -> dict[str, float]:
    """VmRSS and VmHWM of this process, in GB."""
    out = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(("VmRSS", "VmHWM")):
            name, value = line.split(":")
            out[name] = int(value.split()[0]) / 1024**2
    return out


def reset_peak() -> None:
    Path("/proc/self/clear_refs").write_text("5")


_depth = [0]


def timed(module: Any, name: str, label: str | None = None) -> None:
    """Replace ``module.name`` by a wrapper that prints its time and memory (outermost calls only)."""
    function: Callable[..., Any] = getattr(module, name)

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if _depth[0]:
            return function(*args, **kwargs)
        _depth[0] += 1
        before = memory()["VmRSS"]
        reset_peak()
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            seconds = time.perf_counter() - start
            after = memory()
            _depth[0] -= 1
            print(
                f"{label or name:24s} {seconds:7.1f} s  before {before:5.2f}  peak {after['VmHWM']:5.2f}  "
                f"after {after['VmRSS']:5.2f} GB",
                flush=True,
            )

    setattr(module, name, wrapper)


def main() -> None:
    for name in (
        "encode",
        "vendor_batches",
        "vendor_consensus",
        "quality_blocks",
        "usability_reference",
        "usable_block",
        "ratio_sums",
        "estimate",
    ):
        timed(run, name)
    for name in ("kind_metrics", "annotators", "items"):
        timed(people, name, f"people.{name}")
    for name in ("summary", "agreement", "accuracy", "redundancy", "cost"):
        timed(frames, name, f"frames.{name}")
    timed(questions, "gold_audit", "gold audit (pooled)")
    timed(classes, "per_class", "classes.per_class")
    timed(classes, "confusion", "classes.confusion")
    timed(compare, "comparisons", "compare.comparisons")
    start = time.perf_counter()
    project = load_project(sys.argv[1])
    reset_peak()
    data = load(project, "stream")
    after = memory()
    print(
        f"{'load, stream (row work)':24s} {time.perf_counter() - start:7.1f} s  peak {after['VmHWM']:5.2f}  "
        f"after {after['VmRSS']:5.2f} GB",
        flush=True,
    )
    scoring = time.perf_counter()
    settings = Settings(n_boot=1000, seed=0)
    report = questions.score_with_questions(  # as evaluate() calls it
        data,
        lambda subset: run.score(subset, settings),
        quick_scorer=lambda subset: run.score(subset, replace(settings, n_boot=0)),
        settings=settings,
    )
    print(f"scoring {time.perf_counter() - scoring:.1f} s; end to end {time.perf_counter() - start:.1f} s")
    print(report.summary[["vendor", "n_judgments", "alpha", "accuracy", "accuracy_ci_low", "accuracy_ci_high"]])


if __name__ == "__main__":
    main()
