"""Peak memory against the number of categories: 10, 100, 1,000 and 10,000 nominal labels, and a
0-100 score with one decimal (1,001 distinct values, interval level), each on the same number of judgments.

Two measurements per case, each in its own subprocess (peak RSS is that process's own, imports included):

- ``metrics``: the public agreement functions on one long frame — Krippendorff's alpha (at the task's level),
  Fleiss' kappa, Gwet's AC1, percent agreement and Light's kappa;
- ``evaluate``: ``labeleval.evaluate()`` end to end on a project of two vendors (CSV files, 20% gold items,
  100 resamples), under an address-space cap so that a blow-up fails fast instead of swapping the machine.

    python benchmarks/memory_categories.py                  # 1e5 judgments (the issue's figure)
    python benchmarks/memory_categories.py --judgments 100000 200000   # linear in the judgments?
    python benchmarks/memory_categories.py --judgments 20000 --cap-gb 4

Prints one Markdown table (a row per case and size); see docs/performance.md for the measured figures.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

CASES = [("nominal", 10), ("nominal", 100), ("nominal", 1_000), ("nominal", 10_000), ("score 0-100, 0.1 steps", 1_001)]


def _labels(kind: str, k: int, rng: np.random.Generator, n: int, truth: np.ndarray) -> np.ndarray:
    noise = rng.integers(0, k, n)
    agree = rng.random(n) < 0.7
    codes = np.where(agree, truth, noise)
    if kind == "nominal":
        return np.asarray([f"c{c}" for c in range(k)], dtype=object)[codes]
    return np.round(codes / 10.0, 1)  # 0.0 .. 100.0


def make_frame(kind: str, k: int, judgments: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    per_item = 3
    items = judgments // per_item
    truth = np.repeat(rng.integers(0, k, items), per_item)
    return pd.DataFrame(
        {
            "item_id": np.repeat(np.arange(items), per_item).astype(str),
            "annotator_id": [f"w{a}" for a in rng.integers(0, 300, items * per_item)],
            "label": _labels(kind, k, rng, items * per_item, truth),
        }
    ).drop_duplicates(["item_id", "annotator_id"])


def make_project(folder: Path, kind: str, k: int, judgments: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    numeric = kind != "nominal"
    half = judgments // 2
    for v in range(2):
        make_frame(kind, k, half, seed=v).to_csv(folder / f"v{v}.csv", index=False)
    gold = make_frame(kind, k, half, seed=0).drop_duplicates("item_id")
    gold = gold[gold.index % 5 == 0][["item_id", "label"]]
    gold.to_csv(folder / "gold.csv", index=False)
    task = (
        'kind = "interval"\nrange = [0, 100]\n' if numeric else f"labels = {json.dumps([f'c{c}' for c in range(k)])}\n"
    )
    vendors = "".join(
        f'[[vendors]]\nname = "V{v}"\npath = "v{v}.csv"\npricing = {{ model = "per_label", rate = 0.1 }}\n\n'
        for v in range(2)
    )
    (folder / "labeleval.toml").write_text(
        f'[task]\nname = "bench"\n{task}\n[gold]\npath = "gold.csv"\n\n{vendors}', encoding="utf-8"
    )
    return folder


def child(mode: str, kind: str, k: int, judgments: int, folder: str) -> None:
    import warnings

    import labeleval as le

    warnings.simplefilter("ignore")
    start = time.perf_counter()
    if mode == "metrics":
        frame = make_frame(kind, k, judgments)
        level = "nominal" if kind == "nominal" else "interval"
        values = [
            le.krippendorff_alpha(frame, level=level),
            le.fleiss_kappa(frame),
            le.gwet_ac1(frame),
            le.percent_agreement(frame),
            le.light_kappa(frame),
        ]
        result = f"alpha {values[0]:.4f}"
    else:
        report = le.evaluate(folder, n_boot=100, seed=0)
        result = f"alpha {report.summary['alpha'].iloc[0]:.4f}"
    seconds = time.perf_counter() - start
    peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    print(json.dumps({"seconds": seconds, "peak_gb": peak_gb, "result": result}))


def run(mode: str, kind: str, k: int, judgments: int, folder: Path, cap_gb: float, timeout: float) -> str:
    def limit() -> None:
        cap = int(cap_gb * 1024**3)
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    command = [sys.executable, __file__, "--child", mode, kind, str(k), str(judgments), str(folder)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, preexec_fn=limit)
    except subprocess.TimeoutExpired:
        return f"over {timeout:.0f} s | — | —"
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["?"])[-1][:60]
        return f"failed ({last}) | — | —"
    out = json.loads(done.stdout.strip().splitlines()[-1])
    return f"{out['seconds']:.2f} | {out['peak_gb']:.2f} | {out['result']}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--judgments", type=int, nargs="+", default=[100_000])
    parser.add_argument("--cap-gb", type=float, default=6.0, help="address-space cap per subprocess")
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        mode, kind, k, judgments, folder = args.child
        child(mode, kind, int(k), int(judgments), folder)
        return
    print(f"peak RSS per subprocess; cap {args.cap_gb:g} GB address space; {os.getloadavg()[0]:.2f} load average\n")
    print(
        "| case | categories | judgments | metrics (s) | metrics peak RSS (GB) | | evaluate (s) "
        "| evaluate peak RSS (GB) | |"
    )
    print("|---|---:|---:|---:|---:|---|---:|---:|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for kind, k in CASES:
            for judgments in args.judgments:
                folder = make_project(Path(tmp) / f"{kind[:5]}_{k}_{judgments}", kind, k, judgments)
                metrics = run("metrics", kind, k, judgments, folder, args.cap_gb, args.timeout)
                evaluate = run("evaluate", kind, k, judgments, folder, args.cap_gb, args.timeout)
                print(f"| {kind} | {k:,} | {judgments:,} | {metrics} | {evaluate} |", flush=True)
    print(f"\nload average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
