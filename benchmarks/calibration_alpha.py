"""Coverage of Krippendorff's alpha intervals, each at its stated scope.

The default interval (items and annotators) speaks of the alpha of *the vendor's annotator population on this
item population*: fresh annotators drawn as these were, on fresh items like these. ``uncertainty = "items"``
speaks of *these annotators* on more items like these. Each simulated project draws a vendor's annotators once
(skill on the logit scale, volumes equal or Pareto-skewed), writes a small project, scores it with the public
``labeleval.evaluate`` both ways (1,000 resamples), and asks whether each 95% interval covers its truth: the
population alpha (200,000 items, every judgment by a fresh annotator, computed once per design) and the alpha
the SAME annotators reach on 100,000 further items with the same assignment rule. It also reports the mean
width of each interval. ``--skill-sd 0`` gives equal-skill designs (the two truths then agree).

Usage: ``python benchmarks/calibration_alpha.py [--reps 200] [--designs 0,1,2,3] [--skill-sd 0.8]``.
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
    """Three distinct annotators per item (chosen by volume: Gumbel top-3); right with sigmoid(skill + difficulty)."""
    gold = rng.integers(0, K, n_items)
    difficulty = 0.7 * rng.standard_normal(n_items)
    keys = np.log(volume)[None, :] + rng.gumbel(size=(n_items, len(skills)))
    workers = np.argsort(-keys, axis=1)[:, :3]
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


def population_alpha(skill_sd: float) -> float:
    """Alpha when every judgment is by a fresh annotator (skill ~ N(1.6, skill_sd)): the vendor's population."""
    rng = np.random.default_rng(7)
    n = 200_000
    gold = rng.integers(0, K, n)
    p = 1 / (1 + np.exp(-(1.6 + skill_sd * rng.standard_normal((n, 3)) + 0.7 * rng.standard_normal((n, 1)))))
    right = rng.random((n, 3)) < p
    return alpha_of(np.where(right, gold[:, None], (gold[:, None] + rng.integers(1, K, (n, 3))) % K))


def coverage(
    reps: int, n_annotators: int, n_items: int, skewed: bool, skill_sd: float, seed: int
) -> dict[str, tuple[float, float, float]]:
    """Per method: coverage of its truth, its Monte-Carlo error, and the mean width of the interval."""
    rng = np.random.default_rng(seed)
    population = population_alpha(skill_sd)
    hits = {"items": [0, 0.0], "default": [0, 0.0]}
    for rep in range(reps):
        skills = rng.normal(1.6, skill_sd, n_annotators)
        volume = rng.pareto(1.5, n_annotators) + 1 if skewed else np.ones(n_annotators)
        these = alpha_of(draw(rng, skills, volume, 100_000)[1])
        workers, labels = draw(rng, skills, volume, n_items)
        with tempfile.TemporaryDirectory() as folder:
            root = Path(folder)
            pd.DataFrame(
                {"item": np.repeat(np.arange(n_items), 3), "worker": workers.ravel(), "label": LABELS[labels.ravel()]}
            ).to_csv(root / "v.csv", index=False)
            (root / "labeleval.toml").write_text(MANIFEST)
            for method, truth in (("items", these), ("default", population)):
                options = {"uncertainty": "items"} if method == "items" else {}
                row = le.evaluate(root, n_boot=1000, seed=rep, **options).summary.iloc[0]  # type: ignore[arg-type]
                hits[method][0] += bool(row.alpha_ci_low <= truth <= row.alpha_ci_high)
                hits[method][1] += float(row.alpha_ci_high - row.alpha_ci_low)
    out = {}
    for method, (hit, width) in hits.items():
        share = hit / reps
        out[method] = (share, float(np.sqrt(share * (1 - share) / reps)), width / reps)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=200)
    parser.add_argument("--designs", default="0,1,2,3")
    parser.add_argument("--skill-sd", type=float, default=0.8, help="annotators' skill spread (logit scale)")
    args = parser.parse_args()
    print(f"skill sd {args.skill_sd}; coverage (95% intervals, {args.reps} projects) and mean width")
    print("| annotators | items | volumes | items only: these annotators' alpha | default: population alpha |")
    print("|---:|---:|---|---|---|")
    for index in (int(i) for i in args.designs.split(",")):
        n_annotators, n_items, skewed = DESIGNS[index]
        result = coverage(args.reps, n_annotators, n_items, skewed, args.skill_sd, seed=2026 + index)
        volumes = "Pareto-skewed" if skewed else "equal"
        cells = [f"{100 * s:.1f}% ± {100 * e:.1f} (width {w:.3f})" for s, e, w in result.values()]
        print(f"| {n_annotators} | {n_items} | {volumes} | {cells[0]} | {cells[1]} |", flush=True)


if __name__ == "__main__":
    main()
