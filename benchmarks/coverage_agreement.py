"""Coverage of the agreement family's 95% intervals: le.agreement_table's (Gwet's variances, the jackknife for
Light's kappa), le.category_agreement's and le.annotator_agreement's (the Report's per-label and per-annotator
figures), and le.kappa_difference's (two vendors, paired by item or independent).

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
replications of the 3-of-6 design. Each category's kappa against the rest (``category:<c>``, c's prevalence
above) and each annotator's kappa with the others (``annotator``, pooled over the design's annotators) are read
on every replication, against their values on the 100,000 items.

Differences (``difference:<coefficient>``): vendor A's annotators right with probability about 0.75, vendor B's
about 0.6 (sd 0.1 each); "paired": 3 of a pool of 5 per vendor on the same 100 items; "independent": A on 60
items, B on 100 others. The population difference is the two vendors' values on 100,000 items each.
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


def draw(
    rng: np.random.Generator, skill: np.ndarray, per_item: int, n_items: int, truth: np.ndarray | None = None
) -> pd.DataFrame:
    """``per_item`` of the ``skill`` pool's annotators on each of ``n_items`` items (of the categories ``truth``,
    else drawn)."""
    pool = len(skill)
    truth = rng.choice(4, n_items, p=PREVALENCE) if truth is None else truth
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


def population(rng: np.random.Generator, skill: np.ndarray, per_item: int) -> tuple[pd.Series, dict[str, pd.Series]]:
    """The coefficients' values on 100,000 items, and the per-category and per-annotator kappas'."""
    frame = draw(rng, skill, per_item, 100_000)
    table = le.agreement_table(frame, labels=[0, 1, 2, 3], n_boot=2).set_index("coefficient")
    values = table["estimate"].copy()
    if "light_kappa" in values.index:
        values["light_kappa"] = le.light_kappa(frame, labels=[0, 1, 2, 3])
    return values, {name: part["kappa"] for name, part in parts(frame).items()}


DIFFERENCES = {"paired, 100 items": (100, 100, True), "independent, 60 and 100 items": (60, 100, False)}


def vendors(
    rng: np.random.Generator, skills: tuple[np.ndarray, np.ndarray], sizes: tuple[int, int], paired: bool
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Vendor A's and vendor B's frames, 3 of 5 annotators per item: on the same items when ``paired``."""
    truth = rng.choice(4, sizes[0], p=PREVALENCE)
    a = draw(rng, skills[0], 3, sizes[0], truth)
    if paired:
        return a, draw(rng, skills[1], 3, sizes[0], truth)
    return a, draw(rng, skills[1], 3, sizes[1]).assign(item_id=lambda f: f["item_id"] + sizes[0])


def run_difference(name: str, reps: int, seed: int) -> list[dict[str, object]]:
    n_a, n_b, paired = DIFFERENCES[name]
    rng = np.random.default_rng(seed)
    skills = (np.clip(rng.normal(0.75, 0.1, 5), 0.3, 0.95), np.clip(rng.normal(0.6, 0.1, 5), 0.3, 0.95))
    big = vendors(rng, skills, (100_000, 100_000), paired)
    truth = pd.Series(
        {r.coefficient: r.difference for r in le.kappa_difference(*big, labels=[0, 1, 2, 3]).itertuples()}
    )
    hits: dict[str, list[bool]] = {}
    width: dict[str, list[float]] = {}
    for _ in range(reps):
        table = le.kappa_difference(*vendors(rng, skills, (n_a, n_b), paired), labels=[0, 1, 2, 3])
        for row in table.itertuples():
            one = pd.DataFrame([{"ci_low": row.ci_low, "ci_high": row.ci_high}], index=[row.coefficient])
            tally(hits, width, f"difference:{row.coefficient}", truth, one)
    return summarise(name, {f"difference:{k}": v for k, v in truth.items()}, hits, width)


def parts(frame: pd.DataFrame) -> dict[str, pd.Series]:
    """The per-category kappas (``category:<c>``) and the per-annotator kappas (``annotator``, by annotator)."""
    categories = le.category_agreement(frame, labels=[0, 1, 2, 3]).set_index("category")
    annotators = le.annotator_agreement(frame, labels=[0, 1, 2, 3]).set_index("annotator_id")
    out = {f"category:{c}": categories.loc[[c], ["kappa", "ci_low", "ci_high"]] for c in categories.index}
    return out | {"annotator": annotators[["kappa", "ci_low", "ci_high"]]}


def summarise(
    design: str, truth: dict[str, pd.Series], hits: dict[str, list[bool]], width: dict[str, list[float]]
) -> list[dict[str, object]]:
    """One row per coefficient: its coverage, the Monte-Carlo error of a 95% coverage and the mean width."""
    out = []
    for coefficient, h in hits.items():
        out.append(
            {
                "design": design,
                "coefficient": coefficient,
                "reps": len(h),
                "population": round(float(np.mean(truth[coefficient])), 4),
                "coverage": round(100 * float(np.mean(h)), 1),
                "mc_error": round(100 * math.sqrt(0.95 * 0.05 / len(h)), 1),
                "mean_width": round(float(np.mean(width[coefficient])), 3),
            }
        )
    return out


def tally(
    hits: dict[str, list[bool]], width: dict[str, list[float]], name: str, truth: pd.Series, table: pd.DataFrame
) -> None:
    """Each finite interval of ``table`` (kappa or estimate, ci_low, ci_high) against ``truth`` by index."""
    for key, row in table.iterrows():
        if key not in truth.index or not (np.isfinite(row["ci_low"]) and np.isfinite(row["ci_high"])):
            continue
        hits.setdefault(name, []).append(bool(row["ci_low"] <= truth[key] <= row["ci_high"]))
        width.setdefault(name, []).append(float(row["ci_high"] - row["ci_low"]))


def run(name: str, reps: int, light_reps: int, seed: int) -> list[dict[str, object]]:
    pool, per_item, n_items = DESIGNS[name]
    rng = np.random.default_rng(seed)
    skill = np.clip(rng.normal(0.7, 0.1, pool), 0.3, 0.95)
    truth, part_truth = population(rng, skill, per_item)
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
        for part, table in parts(frame).items():
            tally(hits, width, part, part_truth[part], table)
    values = {k: truth[k] for k in truth.index} | {k: part_truth[k] for k in part_truth}
    return summarise(name, values, hits, width)


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
    if hasattr(le, "kappa_difference"):
        for k, name in enumerate(DIFFERENCES):
            rows += run_difference(name, reps, args.seed + len(DESIGNS) + k)
            print(f"difference, {name}: done at {time.perf_counter() - started:.0f} s", flush=True)
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
