"""Coverage of Krippendorff's alpha intervals at their stated scope: these annotators, resampled items.

Alpha's intervals resample items only (agreement stays item-level, and every output says so):
they speak of *the vendor's own annotators* on more items like these, not of a fresh workforce. This script
checks exactly that claim. Each simulated project draws a vendor's annotators once (skill on the logit
scale, volumes equal or Pareto-skewed), writes a small project, scores it with the public
``labeleval.evaluate`` (1,000 resamples), and asks whether the 95% interval covers the alpha the SAME
annotators reach on 100,000 further items with the same assignment rule (the truth at that scope). The
population alpha of a fresh workforce is a different quantity; ``benchmarks/calibration.py`` reports its
coverage (lower, as expected for an item-only interval).

Usage: ``python benchmarks/calibration_alpha.py [--reps 200] [--designs 0,1,2,3]`` (about 4 s per project).
"""

from __future__ import annotations

import argparse
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

import labeleval as le
from labeleval.metrics.agreement import alpha_from_counts

K = 4
LABELS = np.array(list("abcd"))
DESIGNS = ((5, 300, False), (20, 300, False), (20, 300, True), (5, 100, False))  # annotators, items, skewed
MANIFEST = """[task]
name = "alpha coverage"
labels = ["a", "b", "c", "d"]
[usability]
rule = "consensus"
[[vendors]]
name = "V"
path = "v.csv"
columns = { item_id = "item", annotator_id = "worker" }
pricing = { model = "per_label", rate = 1 }
"""


def draw(
    rng: np.random.Generator, skills: np.ndarray, volume: np.ndarray, n_items: int
) -> tuple[np.ndarray, np.ndarray]:
    """Three distinct annotators per item (chosen by volume); right with sigmoid(skill + difficulty)."""
    gold = rng.integers(0, K, n_items)
    difficulty = 0.7 * rng.standard_normal(n_items)
    p = volume / volume.sum()
    workers = np.array([rng.choice(len(skills), size=3, replace=False, p=p) for _ in range(n_items)])
    right = rng.random(workers.shape) < 1 / (1 + np.exp(-(skills[workers] + difficulty[:, None])))
    labels = np.where(right, gold[:, None], (gold[:, None] + rng.integers(1, K, workers.shape)) % K)
    return workers, labels


def alpha_of(labels: np.ndarray) -> float:
    counts = np.zeros((len(labels), K))
    for j in range(labels.shape[1]):
        np.add.at(counts, (np.arange(len(labels)), labels[:, j]), 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(alpha_from_counts(counts, level="nominal", values=np.arange(K, dtype=float)))


def coverage(reps: int, n_annotators: int, n_items: int, skewed: bool, seed: int) -> tuple[float, float]:
    rng = np.random.default_rng(seed)
    hits = 0
    for rep in range(reps):
        skills = rng.normal(1.6, 0.8, n_annotators)
        volume = rng.pareto(1.5, n_annotators) + 1 if skewed else np.ones(n_annotators)
        truth = alpha_of(draw(rng, skills, volume, 100_000)[1])
        workers, labels = draw(rng, skills, volume, n_items)
        with tempfile.TemporaryDirectory() as folder:
            root = Path(folder)
            pd.DataFrame(
                {"item": np.repeat(np.arange(n_items), 3), "worker": workers.ravel(), "label": LABELS[labels.ravel()]}
            ).to_csv(root / "v.csv", index=False)
            (root / "labeleval.toml").write_text(MANIFEST)
            row = le.evaluate(root, n_boot=1000, seed=rep).summary.iloc[0]
        hits += bool(row.alpha_ci_low <= truth <= row.alpha_ci_high)
    share = hits / reps
    return share, float(np.sqrt(share * (1 - share) / reps))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=200)
    parser.add_argument("--designs", default="0,1,2,3")
    args = parser.parse_args()
    print("| annotators | gold-free items | volumes | coverage of these annotators' alpha (95% CI) |")
    print("|---:|---:|---|---|")
    for index in (int(i) for i in args.designs.split(",")):
        n_annotators, n_items, skewed = DESIGNS[index]
        share, error = coverage(args.reps, n_annotators, n_items, skewed, seed=2026 + index)
        volumes = "Pareto-skewed" if skewed else "equal"
        print(f"| {n_annotators} | {n_items} | {volumes} | {100 * share:.1f}% ± {100 * error:.1f} ({args.reps}) |")


if __name__ == "__main__":
    main()
