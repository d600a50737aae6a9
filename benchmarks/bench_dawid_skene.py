"""Dawid-Skene: labeleval against crowd-kit's DawidSkene(n_iter=100), in the same run.

Both get a warm-up call on 2,000 rows first, so imports are not timed.
Synthetic data with a known truth: 5 classes, 5 judgments per item, a pool of 500 annotators whose
accuracy varies (some near chance). Each method runs in its own subprocess; the table gives seconds,
peak memory and accuracy against the truth. crowd-kit is a benchmark-only peer
(benchmarks/requirements.txt; `make bench` installs it).

Usage: python benchmarks/bench_dawid_skene.py [--sizes 1e5,1e6,1e7] [--peer-max 1e6]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
OUT = HERE / "out" / "dawid_skene"
K = 5
PER_ITEM = 5
POOL = 500


def make(n_judgments: int, seed: int = 0) -> Path:
    path = OUT / f"n{n_judgments:.0e}.parquet".replace("+", "")
    if path.exists():
        return path
    OUT.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    n_items = n_judgments // PER_ITEM
    truth = rng.choice(K, n_items, p=[0.4, 0.25, 0.15, 0.12, 0.08])
    skill = np.clip(rng.beta(4, 2, POOL), 0.2, 0.98)
    base = rng.integers(0, POOL, n_items)
    annot = ((base[:, None] + np.arange(PER_ITEM)[None, :] * 97) % POOL).ravel()
    item = np.repeat(np.arange(n_items), PER_ITEM)
    right = rng.random(len(annot)) < skill[annot]
    label = np.where(right, truth[item], rng.integers(0, K, len(annot)))
    pd.DataFrame({"task": item, "worker": annot, "label": label}).to_parquet(path)
    pd.DataFrame({"task": np.arange(n_items), "truth": truth}).to_parquet(path.with_suffix(".truth.parquet"))
    return path


def run(kind: str, path: str) -> dict[str, float]:
    df = pd.read_parquet(path)
    truth = pd.read_parquet(Path(path).with_suffix(".truth.parquet")).set_index("task")["truth"]
    if kind == "labeleval":
        import labeleval as le

        frame = df.rename(columns={"task": "item_id", "worker": "annotator_id"})
        le.dawid_skene(frame.head(2000), max_iter=100, labels=list(range(K)))  # warm-up: imports, first calls
        start = time.perf_counter()
        result = le.dawid_skene(frame, max_iter=100, labels=list(range(K)))
        labels = result.labels["label"].astype(int)
        extra = {"n_iter": float(result.n_iter)}
    else:
        from crowdkit.aggregation import DawidSkene

        DawidSkene(n_iter=100).fit_predict(df.head(2000))  # warm-up
        start = time.perf_counter()
        labels = DawidSkene(n_iter=100).fit_predict(df).astype(int)
        extra = {}
    seconds = time.perf_counter() - start
    accuracy = float((labels.sort_index().to_numpy() == truth.loc[labels.sort_index().index].to_numpy()).mean())
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    return {"seconds": seconds, "accuracy": accuracy, "peak_rss_gb": peak, **extra}


def measure(kind: str, path: Path, timeout: float) -> dict[str, object]:
    cmd = [sys.executable, __file__, "--child", kind, str(path)]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s"}
    if done.returncode != 0:
        return {"error": (done.stderr.strip().splitlines() or ["?"])[-1][:160]}
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1e5,1e6,1e7")
    parser.add_argument("--peer-max", type=float, default=1e6)
    parser.add_argument("--timeout", type=float, default=900)
    parser.add_argument("--child", nargs=2)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run(args.child[0], args.child[1])))
        return
    lines = [
        "| judgments | labeleval (s) | iterations | accuracy | peak RSS (GB) | crowd-kit n_iter=100 (s) | accuracy "
        "| peak RSS (GB) | crowd-kit / labeleval time |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for size in (int(float(s)) for s in args.sizes.split(",")):
        path = make(size)
        ours = measure("labeleval", path, args.timeout)
        peer = measure("crowdkit", path, args.timeout) if size <= args.peer_max else {"error": "not run"}
        print(json.dumps({"judgments": size, "labeleval": ours, "crowdkit": peer}), flush=True)

        def cell(d: dict[str, object], key: str, fmt: str) -> str:
            value = d.get(key)
            return format(value, fmt) if isinstance(value, float) else str(d.get("error", ""))

        ratio = (
            f"{float(peer['seconds']) / float(ours['seconds']):.0f}x"  # type: ignore[arg-type]
            if "seconds" in peer and "seconds" in ours
            else ""
        )
        lines.append(
            f"| {size:,} | {cell(ours, 'seconds', '.2f')} | {cell(ours, 'n_iter', '.0f')} | "
            f"{cell(ours, 'accuracy', '.4f')} | {cell(ours, 'peak_rss_gb', '.2f')} | {cell(peer, 'seconds', '.2f')} | "
            f"{cell(peer, 'accuracy', '.4f')} | {cell(peer, 'peak_rss_gb', '.2f')} | {ratio} |"
        )
    print("\n".join(lines))


if __name__ == "__main__":
    main()
