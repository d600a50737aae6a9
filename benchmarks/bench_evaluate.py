"""Time labeleval.evaluate() against the pipeline a user would otherwise write, in the same run.

Synthetic projects of 1e4 .. 1e7 judgments: 3 vendors, 5 labels per item, 5 classes, 20% gold items,
a 500-annotator pool per vendor, Parquet files. Each measurement runs in a fresh subprocess so that its
peak memory (max RSS) is its own.

- labeleval: ``evaluate(project)`` end to end (reading the files, the ledger, every metric, 1,000
  bootstrap resamples for the CIs, paired comparisons, all frames).
- peer: pandas reads the same files; per vendor ``krippendorff.alpha`` on the pivoted annotators x items
  matrix, statsmodels ``fleiss_kappa`` on the items x categories table, scikit-learn ``accuracy_score`` on
  gold items. Point estimates only, no CIs, no validation.

Up to 1e6 judgments each side gets a warm-up run and the median of 5 timed runs; at 1e7, one cold run.

Usage: python benchmarks/bench_evaluate.py [--sizes 1e4,1e5,1e6,1e7] [--n-boot 1000] [--skip-peer-above 1e7]
Writes benchmarks/out/results.json and prints a Markdown table (pasted into docs/performance.md).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
VENDORS = ("A", "B", "C")
K = 5
PER_ITEM = 5
POOL = 500


def make_project(n_judgments: int, folder: Path, seed: int = 0) -> Path:
    """Write a synthetic project with ``n_judgments`` judgments in total; return its folder."""
    manifest = folder / "labeleval.toml"
    if manifest.exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    n_items = n_judgments // (len(VENDORS) * PER_ITEM)
    items = pd.Series(np.char.add("it", np.arange(n_items).astype(str)))
    truth = rng.choice(K, n_items, p=[0.5, 0.2, 0.15, 0.1, 0.05])
    labels = np.asarray([f"c{k}" for k in range(K)])
    gold = rng.random(n_items) < 0.2
    pd.DataFrame({"item_id": items[gold], "label": labels[truth[gold]]}).to_parquet(folder / "gold.parquet")
    vendors_toml = []
    for v, accuracy in zip(VENDORS, (0.7, 0.8, 0.9), strict=True):
        skill = np.clip(rng.normal(accuracy, 0.08, POOL), 0.3, 0.99)
        base = rng.integers(0, POOL, n_items)
        annot = (base[:, None] + np.arange(PER_ITEM)[None, :] * 97) % POOL  # 5 distinct annotators per item
        annot = annot.ravel()
        item_idx = np.repeat(np.arange(n_items), PER_ITEM)
        right = rng.random(len(annot)) < skill[annot]
        label = np.where(right, truth[item_idx], rng.integers(0, K, len(annot)))
        frame = pd.DataFrame(
            {
                "item_id": items.to_numpy()[item_idx],
                "annotator_id": np.char.add(f"{v}-", annot.astype(str)),
                "label": labels[label],
                "duration_s": rng.gamma(2.0, 6.0, len(annot)).round(1),
            }
        )
        frame.to_parquet(folder / f"vendor_{v}.parquet")
        vendors_toml.append(
            f'[[vendors]]\nname = "{v}"\npath = "vendor_{v}.parquet"\n'
            f'pricing = {{ model = "per_label", rate = {0.05 * (1 + VENDORS.index(v))}, currency = "USD" }}\n'
        )
    manifest.write_text(
        '[task]\nname = "benchmark"\nkind = "nominal"\n'
        f"labels = {json.dumps(list(labels))}\n\n"
        '[gold]\npath = "gold.parquet"\n\n' + "\n".join(vendors_toml)
    )
    return folder


def run_labeleval(folder: str, n_boot: int) -> dict[str, float]:
    import labeleval as le

    start = time.perf_counter()
    report = le.evaluate(folder, n_boot=n_boot, seed=0)
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "alpha_A": float(report.summary.loc[0, "alpha"]),
        "accuracy_A": float(report.summary.loc[0, "accuracy"]),
    }


def run_peer(folder: str) -> dict[str, float]:
    import krippendorff
    from sklearn.metrics import accuracy_score
    from statsmodels.stats.inter_rater import fleiss_kappa

    start = time.perf_counter()
    root = Path(folder)
    gold = pd.read_parquet(root / "gold.parquet").set_index("item_id")["label"]
    out: dict[str, float] = {}
    for v in VENDORS:
        df = pd.read_parquet(root / f"vendor_{v}.parquet")
        codes, _ = pd.factorize(df["label"], sort=True)
        df["code"] = codes
        wide = df.pivot(index="annotator_id", columns="item_id", values="code")
        alpha = krippendorff.alpha(reliability_data=wide.to_numpy(dtype=float), level_of_measurement="nominal")
        table = pd.crosstab(df["item_id"], df["code"]).to_numpy()
        kappa = fleiss_kappa(table)
        on_gold = df[df["item_id"].isin(gold.index)]
        acc = accuracy_score(gold.loc[on_gold["item_id"]].to_numpy(), on_gold["label"].to_numpy())
        if v == "A":
            out.update(alpha_A=float(alpha), accuracy_A=float(acc), fleiss_A=float(kappa))
    out["seconds"] = time.perf_counter() - start
    return out


def child(kind: str, folder: str, n_boot: int, repeats: int) -> None:
    """One warm-up run (imports, first-call costs), then the median of ``repeats`` timed runs."""
    run = (lambda: run_labeleval(folder, n_boot)) if kind == "labeleval" else (lambda: run_peer(folder))
    results = [run() for _ in range(repeats + 1)][1:] if repeats > 1 else [run()]
    result = results[0]
    result["seconds"] = float(np.median([r["seconds"] for r in results]))
    result["runs"] = len(results)
    result["peak_rss_gb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    print(json.dumps(result))


def size_of(folder: Path) -> float:
    return float(folder.name.removeprefix("n"))


def measure(kind: str, folder: Path, n_boot: int, timeout: float) -> dict[str, object]:
    repeats = 5 if size_of(folder) <= 1e6 else 1
    cmd = [sys.executable, __file__, "--child", kind, str(folder), "--n-boot", str(n_boot), "--repeats", str(repeats)]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s"}
    if done.returncode != 0:
        tail = (done.stderr.strip().splitlines() or ["?"])[-1]
        return {"error": f"failed (exit {done.returncode}: {tail[:120]})"}
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1e4,1e5,1e6,1e7")
    parser.add_argument("--n-boot", type=int, default=1000)
    parser.add_argument("--skip-peer-above", type=float, default=1e7)
    parser.add_argument("--timeout", type=float, default=900)
    parser.add_argument("--child", nargs=2, metavar=("KIND", "FOLDER"))
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1], args.n_boot, args.repeats)
        return
    rows = []
    for size in (int(float(s)) for s in args.sizes.split(",")):
        folder = make_project(size, OUT / f"n{size:.0e}".replace("+", ""))  # e.g. out/n1e06
        ours = measure("labeleval", folder, args.n_boot, args.timeout)
        peer = measure("peer", folder, 0, args.timeout) if size <= args.skip_peer_above else {"error": "skipped"}
        row = {"judgments": size, "labeleval": ours, "peer": peer}
        rows.append(row)
        print(json.dumps(row), flush=True)
    OUT.mkdir(exist_ok=True)
    meta = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "n_boot": args.n_boot,
    }
    (OUT / "results.json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=2))
    print()
    print(table(rows, args.n_boot))


def table(rows: list[dict[str, object]], n_boot: int) -> str:
    lines = [
        f"| judgments | labeleval, {n_boot} resamples (s) | peak RSS (GB) | peer, no CIs (s) | peer peak RSS (GB) "
        "| peer / labeleval time | alpha (A) labeleval / peer |",
        "|---:|---:|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        ours, peer = row["labeleval"], row["peer"]
        assert isinstance(ours, dict) and isinstance(peer, dict)
        o_s = f"{ours['seconds']:.2f}" if "seconds" in ours else str(ours.get("error"))
        o_m = f"{ours['peak_rss_gb']:.2f}" if "peak_rss_gb" in ours else ""
        p_s = f"{peer['seconds']:.2f}" if "seconds" in peer else str(peer.get("error"))
        p_m = f"{peer['peak_rss_gb']:.2f}" if "peak_rss_gb" in peer else ""
        ratio = f"{peer['seconds'] / ours['seconds']:.1f}x" if "seconds" in ours and "seconds" in peer else ""
        alphas = f"{ours['alpha_A']:.6f} / {peer['alpha_A']:.6f}" if "alpha_A" in ours and "alpha_A" in peer else ""
        lines.append(f"| {row['judgments']:,} | {o_s} | {o_m} | {p_s} | {p_m} | {ratio} | {alphas} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
