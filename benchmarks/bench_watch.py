"""Time of ``labeleval watch`` against one ``evaluate()`` on the 1e6-judgment benchmark project, with
submission times spread over 30 days (about 30 daily looks).

    python benchmarks/bench_watch.py [--folder benchmarks/out/p1e6_watch]

The project is ``bench_evaluate.make_project(1e6)`` with a ``submitted_at`` column added to each vendor's file.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
from bench_evaluate import VENDORS, make_project

import labeleval as le

DAYS = 30


def with_times(folder: Path) -> Path:
    make_project(1_000_000, folder)
    rng = np.random.default_rng(0)
    for vendor in VENDORS:
        path = folder / f"vendor_{vendor}.parquet"
        frame = pd.read_parquet(path)
        if "submitted_at" in frame.columns:
            continue
        day = pd.to_timedelta(rng.integers(0, DAYS, len(frame)), unit="D")
        second = pd.to_timedelta(rng.integers(0, 86_400, len(frame)), unit="s")
        frame["submitted_at"] = pd.Timestamp("2026-01-01", tz="UTC") + day + second
        frame.to_parquet(path)
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--folder", type=Path, default=Path(__file__).parent / "out" / "p1e6_watch")
    folder = with_times(parser.parse_args().folder)
    le.evaluate(folder, n_boot=0)  # warm: imports, file cache
    start = time.perf_counter()
    report = le.evaluate(folder)
    evaluate_s = time.perf_counter() - start
    start = time.perf_counter()
    watched = report.sequential()
    looks_s = time.perf_counter() - start
    start = time.perf_counter()
    le.evaluate(folder, n_boot=0).sequential()
    watch_s = time.perf_counter() - start
    print(
        f"evaluate() with 1,000 resamples: {evaluate_s:.1f} s; watch (evaluate(n_boot=0) + sequential()): "
        f"{watch_s:.1f} s ({watch_s / evaluate_s:.1f}x), of which the {watched.settings['looks']} looks "
        f"{looks_s:.1f} s"
    )


if __name__ == "__main__":
    main()
