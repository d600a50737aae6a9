"""Coverage of le.agreement_table's 95% intervals: Gwet's variances and the jackknife for Light's kappa.

A script, not a test: ``nice -n 10 python benchmarks/coverage_agreement.py [--quick|--full] [--reps 300]
[--light-reps 100] [--json OUT] [--before FILE]`` (a few minutes on two cores); ``make calibrate`` runs it.

The simulation: items fall in one of 4 categories with prevalences 0.4 / 0.3 / 0.2 / 0.1; each judgment is the
item's category with probability 0.7 (annotator skill drawn once per annotator, sd 0.1 around it, clipped to
[0.3, 0.95]), otherwise one of the 4 categories at random. The population value of each coefficient is its value
on 100,000 items of the same design (the same annotators). A replication draws ``items`` items and scores them;
an interval covers when it holds the population value. Target: 93-97% for a 95% interval; the Monte-Carlo
error of a coverage near 95% over ``reps`` replications is ``sqrt(0.95 x 0.05 / reps)``.

Designs: 4 annotators on every item (30 and 100 items); 3 of a pool of 6 on each item (100 items); 2 annotators
on every item (50 items, Cohen's kappa). Light's kappa (its jackknife SE over items) is read on ``--light-reps``
replications of the 3-of-6 design.
"""

from __future__ import annotations

import argparse
import json
import math
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

import labeleval as le

PREVALENCE = np.array([0.4, 0.3, 0.2, 0.1])
DESIGNS = {
    "4 annotators, 30 items": (4, 4, 30),
    "4 annotators, 100 items": (4, 4, 100),
    "3 of 6 annotators, 100 items": (6, 3, 100),
    "2 annotators, 50 items": (2, 2, 50),
}


def draw(rng: np.random.Generator, skill: np.ndarray, per_item: int, n_items: int) -> pd.DataFrame:
    pool = len(skill)
    truth = rng.choice(4, n_items, p=PREVALENCE)
    who = np.argsort(rng.random((n_items, pool)), axis=1)[:, :per_item]
    right = rng.random(who.shape) < skill[who]
    label = np.where(right, truth[:, None], rng.integers(0, 4, who.shape))
    return pd.DataFrame(
        {
            "item_id": np.repeat(np.arange(n_items), per_item),
            "annotator_id": np.char.add("a", who.ravel().astype(str)),
            "label": label.ravel(),
        }
    )


def population(rng: np.random.Generator, skill: np.ndarray, per_item: int) -> pd.Series:
    frame = draw(rng, skill, per_item, 100_000)
    table = le.agreement_table(frame, labels=[0, 1, 2, 3], n_boot=2).set_index("coefficient")
    values = table["estimate"].copy()
    if "light_kappa" in values.index:
        values["light_kappa"] = le.light_kappa(frame, labels=[0, 1, 2, 3])
    return values


def run(name: str, reps: int, light_reps: int, seed: int) -> list[dict[str, object]]:
    pool, per_item, n_items = DESIGNS[name]
    rng = np.random.default_rng(seed)
    skill = np.clip(rng.normal(0.7, 0.1, pool), 0.3, 0.95)
    truth = population(rng, skill, per_item)
    hits: dict[str, list[bool]] = {}
    width: dict[str, list[float]] = {}
    for rep in range(reps):
        frame = draw(rng, skill, per_item, n_items)
        light = pool > per_item and rep < light_reps
        table = le.agreement_table(frame, labels=[0, 1, 2, 3], n_boot=2, seed=rep)
        for row in table.itertuples():
            if row.coefficient == "light_kappa" and not light:
                continue
            if not (np.isfinite(row.ci_low) and np.isfinite(row.ci_high)):
                continue
            hits.setdefault(str(row.coefficient), []).append(row.ci_low <= truth[row.coefficient] <= row.ci_high)
            width.setdefault(str(row.coefficient), []).append(row.ci_high - row.ci_low)
    out = []
    for coefficient, h in hits.items():
        cover = float(np.mean(h))
        out.append(
            {
                "design": name,
                "coefficient": coefficient,
                "reps": len(h),
                "population": round(float(truth[coefficient]), 4),
                "coverage": round(100 * cover, 1),
                "mc_error": round(100 * math.sqrt(0.95 * 0.05 / len(h)), 1),
                "mean_width": round(float(np.mean(width[coefficient])), 3),
            }
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="100 replications per design (Light's kappa: 100)")
    size.add_argument("--full", action="store_true", help="1000 replications per design (Light's kappa: 400)")
    parser.add_argument("--reps", type=int, default=None, help="replications per design (default 300)")
    parser.add_argument("--light-reps", type=int, default=None, help="replications for Light's kappa (default 100)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--before", type=Path, default=None, help="an earlier run's --json, shown beside")
    args = parser.parse_args()
    reps = args.reps or (100 if args.quick else 1000 if args.full else 300)
    light_reps = args.light_reps or (400 if args.full else 100)
    if not hasattr(le, "agreement_table"):  # an earlier release, run by ``make calibrate`` beside this one
        print("this labeleval has no agreement_table: nothing to measure")
        if args.json:
            args.json.write_text("[]")
        return
    warnings.simplefilter("ignore")
    started = time.perf_counter()
    rows = []
    for k, name in enumerate(DESIGNS):
        rows += run(name, reps, light_reps, args.seed + k)
        print(f"{name}: done at {time.perf_counter() - started:.0f} s", flush=True)
    table = pd.DataFrame(rows)
    before = json.loads(args.before.read_text()) if args.before and args.before.is_file() else []
    if before:
        old = pd.DataFrame(before).set_index(["design", "coefficient"])["coverage"].rename("coverage_before")
        table = table.join(old, on=["design", "coefficient"])
    print(table.to_markdown(index=False))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
