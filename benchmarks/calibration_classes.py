"""Calibration of the per-class figures: recall, precision and F1 intervals, and per-class vendor comparisons.

A script, not a test: ``make calibrate`` runs it (or ``python benchmarks/calibration_classes.py [--quick|--full]``).

The simulation (the headline calibration's, with classes): a nominal task whose gold classes are drawn with
fixed prevalences; a judgment is right with probability ``sigmoid(skill_a + shift_v[gold class] + difficulty_i)``
(annotator skill on the logit scale drawn once per annotator, sd 0.5; item difficulty shared by all vendors,
sd 1), otherwise one of the other classes at random. ``shift_v`` sets each vendor's recall of each class: the
population recall of class ``c`` is ``E sigmoid(skill + shift_c + ...)``, by Gauss-Hermite quadrature. Population
precision follows from the recalls and the prevalences. Each item gets 3 labels from distinct annotators.

Designs (``--quick`` about 100 projects each, ``--full`` 1000):

- **power** (the issue's): 2 classes at 95/5, 600 gold items (about 30 rare), 10 annotators per vendor, both
  vendors recall the common class at 0.95; vendor A recalls the rare class at 0.65, vendor B at 0.40. Found: the
  per-class comparison of the rare class's recall significant with B below A; beside it, whether anything in
  the headline family finds a difference (all today's Report has).
- **false claims**: 3 classes at 80/15/5, 600 gold items, 10 annotators per vendor, both vendors with recalls
  0.92 / 0.75 / 0.60: any per-class comparison significant (target ≤ 5%).
- **coverage**: the same 3-class vendor, 600 and 300 gold items: the 95% intervals of each class's recall,
  precision and F1 cover the population value (target 93–97%).
- **family**: 3 classes at 80/15/5, the vendors' recalls 0.90 / 0.70 / 0.55 against 0.93 / 0.78 / 0.65 (an
  accuracy gap of about 4 points, 600 gold items), and 0.88 / 0.65 / 0.50 against the same (about 7 points,
  1,000 gold items): the headline accuracy comparison's power in its own family against its power
  if the per-class tests joined the decision family (Bonferroni's bound on the joint family, from each test's
  unadjusted p, beside Bonferroni on the decision family alone: the price of joining).

Scored through :func:`labeleval.evaluate` on a written project. Under a labeleval without per-class intervals
or comparisons (``--before`` runs on today's code) those rows print "—".
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

import labeleval as le

sys.path.insert(0, str(Path(__file__).resolve().parent))
from calibration import Tally, sigmoid, skill_for

SKILL_SD = 0.5
DIFFICULTY_SD = 1.0
LABELS_PER_ITEM = 3


@dataclass(frozen=True)
class ClassVendor:
    name: str
    recalls: tuple[float, ...]  # population recall of each class
    annotators: int = 10


@dataclass(frozen=True)
class ClassDesign:
    name: str
    kind: str  # "power" | "false claims" | "coverage" | "family"
    prevalence: tuple[float, ...]
    gold_items: int
    vendors: tuple[ClassVendor, ...]


def designs() -> list[ClassDesign]:
    three = (0.80, 0.15, 0.05)
    equal = (0.92, 0.75, 0.60)
    return [
        ClassDesign(
            "95/5 classes, 600 gold, 10 annotators each: B's rare recall 0.40 vs A's 0.65",
            "power",
            (0.95, 0.05),
            600,
            (ClassVendor("A", (0.95, 0.65)), ClassVendor("B", (0.95, 0.40))),
        ),
        ClassDesign(
            "80/15/5 classes, 600 gold, 10 annotators each, equal vendors",
            "false claims",
            three,
            600,
            (ClassVendor("A", equal), ClassVendor("B", equal)),
        ),
        ClassDesign(
            "80/15/5 classes, 600 gold, 10 annotators: coverage",
            "coverage",
            three,
            600,
            (ClassVendor("A", equal),),
        ),
        ClassDesign(
            "80/15/5 classes, 300 gold, 5 annotators: coverage",
            "coverage",
            three,
            300,
            (ClassVendor("A", equal, annotators=5),),
        ),
        ClassDesign(
            "80/15/5 classes, 600 gold: accuracy ~3 points apart (family size)",
            "family",
            three,
            600,
            (ClassVendor("A", (0.90, 0.70, 0.55)), ClassVendor("B", (0.93, 0.78, 0.65))),
        ),
        ClassDesign(
            "80/15/5 classes, 1000 gold: accuracy ~7 points apart (family size)",
            "family",
            three,
            1000,
            (ClassVendor("A", (0.88, 0.65, 0.50)), ClassVendor("B", (0.93, 0.78, 0.65))),
        ),
    ]


def shifts(v: ClassVendor) -> np.ndarray:
    return np.array([skill_for(r, SKILL_SD, DIFFICULTY_SD) for r in v.recalls])


def population(design: ClassDesign, v: ClassVendor) -> dict[str, np.ndarray]:
    """Population recall, precision and F1 of each class (errors spread evenly over the other classes)."""
    pi = np.array(design.prevalence)
    recall = np.array(v.recalls)
    k = len(pi)
    # P(given c) = pi_c R_c + sum_{g != c} pi_g (1 - R_g) / (k - 1)
    wrong = pi * (1 - recall) / (k - 1)
    predicted = pi * recall + (wrong.sum() - wrong)
    precision = pi * recall / predicted
    f1 = 2 * pi * recall / (pi + predicted)
    return {"recall": recall, "precision": precision, "f1": f1}


def simulate(design: ClassDesign, rng: np.random.Generator, folder: Path) -> None:
    k = len(design.prevalence)
    labels = np.array([f"c{j}" for j in range(k)])
    n = design.gold_items
    items = np.array([f"i{i:05d}" for i in range(n)])
    gold = rng.choice(k, size=n, p=np.array(design.prevalence))
    difficulty = DIFFICULTY_SD * rng.standard_normal(n)
    pd.DataFrame({"item_id": items, "label": labels[gold]}).to_csv(folder / "gold.csv", index=False)
    blocks = []
    for v in design.vendors:
        skill = SKILL_SD * rng.standard_normal(v.annotators)
        shift = shifts(v)
        order = np.argsort(rng.random((n, v.annotators)), axis=1)[:, :LABELS_PER_ITEM]
        who = order.ravel()
        item = np.repeat(np.arange(n), LABELS_PER_ITEM)
        p = sigmoid(skill[who] + shift[gold[item]] + difficulty[item])
        right = rng.random(len(item)) < p
        wrong = (gold[item] + rng.integers(1, k, len(item))) % k
        given = np.where(right, gold[item], wrong)
        frame = pd.DataFrame({"item_id": items[item], "annotator_id": who, "label": labels[given]})
        frame.to_csv(folder / f"{v.name}.csv", index=False)
        blocks.append(
            f'[[vendors]]\nname = "{v.name}"\npath = "{v.name}.csv"\n'
            'pricing = { model = "per_label", rate = 0.1, currency = "USD" }\n'
        )
    listed = ", ".join(f'"{x}"' for x in labels)
    manifest = f'[task]\nname = "classes"\nkind = "nominal"\nlabels = [{listed}]\n\n[gold]\npath = "gold.csv"\n\n'
    (folder / "labeleval.toml").write_text(manifest + "\n".join(blocks))


def _class_comparisons(report: le.Report) -> pd.DataFrame | None:
    frame = getattr(report, "class_comparisons", None)
    return frame if isinstance(frame, pd.DataFrame) and "label" in frame.columns else None


def score(design: ClassDesign, report: le.Report, tally: Tally) -> None:
    comparisons = report.comparisons
    decision = comparisons[comparisons["family"] != "agreement"] if "family" in comparisons else comparisons
    per_class = _class_comparisons(report)
    if design.kind == "power":
        tally.add("headline family: any significant", float(decision["significant"].astype(bool).any()))
        if per_class is not None:
            row = per_class[(per_class["label"] == "c1") & (per_class["metric"] == "recall")]
            found = (
                bool(row["significant"].iloc[0])
                and (float(row["difference"].iloc[0]) > 0) == (row["vendor_a"].iloc[0] == "A")
                if len(row)
                else False
            )
            tally.add("per-class: rare recall A > B significant", float(found))
            tally.add("per-class: any significant", float(per_class["significant"].astype(bool).any()))
        else:  # today's Report has no per-class test
            tally.add("per-class: rare recall A > B significant", math.nan)
            tally.add("per-class: any significant", math.nan)
    elif design.kind == "false claims":
        tally.add("headline family: any significant", float(decision["significant"].astype(bool).any()))
        if per_class is not None:
            tally.add("per-class: any significant", float(per_class["significant"].astype(bool).any()))
            recall = per_class["metric"] == "recall"
            tally.add("  per-class recall: any significant", float(per_class.loc[recall, "significant"].any()))
        else:
            tally.add("per-class: any significant", math.nan)
            tally.add("  per-class recall: any significant", math.nan)
    elif design.kind == "coverage":
        _coverage(design, report, tally)
    else:
        _family(report, per_class, tally)


def _coverage(design: ClassDesign, report: le.Report, tally: Tally) -> None:
    v = design.vendors[0]
    truth = population(design, v)
    accuracy = float(np.dot(design.prevalence, v.recalls))
    row = report.summary.iloc[0]
    low, high = row["accuracy_ci_low"], row["accuracy_ci_high"]
    tally.add("coverage accuracy (headline, reference)", float(low <= accuracy <= high))
    table = report.per_class[report.per_class["vendor"] == v.name].set_index("label")
    for metric in ("recall", "precision", "f1"):
        low_name = f"{metric}_ci_low"
        for j, value in enumerate(truth[metric]):
            key = f"coverage {metric} c{j}"
            if low_name not in table.columns:
                tally.add(key, math.nan)
                continue
            low, high = table.loc[f"c{j}", low_name], table.loc[f"c{j}", f"{metric}_ci_high"]
            tally.add(key, float(low <= value <= high) if np.isfinite(low) else math.nan)


def _family(report: le.Report, per_class: pd.DataFrame | None, tally: Tally) -> None:
    comparisons = report.comparisons
    decision = comparisons[comparisons["family"] == "decision"] if "family" in comparisons else comparisons
    row = decision[decision["metric"] == "accuracy"].iloc[0]
    right_way = (row["vendor_a"] == "B") == (row["difference"] > 0)
    tally.add("accuracy found, own family (max-T)", float(bool(row["significant"]) and right_way))
    raw = float(row["p_value"])
    tested = decision["p_value"].notna().sum()
    tally.add("  Bonferroni, decision family alone", float(raw * tested <= 0.05 and right_way))
    if per_class is None:
        tally.add("  Bonferroni, per-class tests joined", math.nan)
        return
    joined = tested + per_class["p_value"].notna().sum()
    tally.add("  Bonferroni, per-class tests joined", float(raw * joined <= 0.05 and right_way))


def run(reps: int, n_boot: int, only: str | None) -> dict[str, dict[str, object]]:
    results: dict[str, dict[str, object]] = {}
    for d_index, design in enumerate(designs()):
        if only and only.lower() not in design.name.lower():
            continue
        start = time.perf_counter()
        tally = Tally()
        rng = np.random.default_rng(2100 + d_index)
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            for r in range(reps):
                simulate(design, rng, folder)
                report = le.evaluate(le.load_project(folder), n_boot=n_boot, seed=r)
                score(design, report, tally)
        results[design.name] = {
            "_meta": {"kind": design.kind, "reps": reps},
            "default": {key: tally.rate(key) for key in tally.hits},
        }
        print(f"  [{design.kind}] {design.name}: {reps} projects, {time.perf_counter() - start:.0f} s", file=sys.stderr)
    return results


def _cell(value: object) -> str:
    if not value:
        return f"{'—':>16s}"
    p, se, _ = value  # type: ignore[misc]
    if not math.isfinite(p):
        return f"{'—':>16s}"
    return f"{100 * p:9.1f}% ±{100 * se:4.1f}"


def table(results: dict[str, dict[str, object]], before: dict[str, dict[str, object]] | None) -> str:
    lines = []
    for design, by_method in results.items():
        meta = by_method["_meta"]
        assert isinstance(meta, dict)
        now = by_method["default"]
        assert isinstance(now, dict)
        old = before.get(design, {}).get("default", {}) if before else None
        lines.append(f"\n{design}  [{meta['kind']}, {meta['reps']} projects]")
        lines.append(f"  {'':44s}" + (f"{'before':>16s}" if old is not None else "") + f"{'now':>16s}")
        keys = list(now) + [k for k in (old or {}) if k not in now]
        for key in keys:
            cells = (_cell(old.get(key)) if old is not None else "") + _cell(now.get(key))
            lines.append(f"  {key:44s}{cells}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="100 projects per design")
    mode.add_argument("--full", action="store_true", help="1000 projects per design")
    parser.add_argument("--reps", type=int, help="projects per design (overrides --quick/--full)")
    parser.add_argument("--n-boot", type=int, default=1000)
    parser.add_argument("--only", help="run only designs whose name contains this text")
    parser.add_argument("--json", type=Path, help="write the results as JSON (for a later --before)")
    parser.add_argument("--before", type=Path, help="a JSON file written by an earlier run, printed beside")
    args = parser.parse_args(argv)
    reps = args.reps or (100 if args.quick else 1000 if args.full else 300)
    print(f"labeleval {le.__version__}: {reps} projects/design, {args.n_boot} resamples", file=sys.stderr)
    start = time.perf_counter()
    results = run(reps, args.n_boot, args.only)
    before = json.loads(args.before.read_text()) if args.before else None
    print(table(results, before))
    print(f"\n(± is one Monte-Carlo standard error; {time.perf_counter() - start:.0f} s)")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
