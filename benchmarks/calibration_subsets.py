"""Calibration of the slice and drift questions (``evaluate(by=...)``, ``evaluate(over="week")``) by simulation.

A script, not a test: ``python benchmarks/calibration_subsets.py [--quick|--full] [--json OUT] [--before FILE]``.

Each design is simulated with a known truth, written as a small project (manifest + CSVs) in a temporary
folder and scored with the public :func:`labeleval.evaluate`, as a user would. The model is the one of
``benchmarks/calibration.py``: a judgment is right with probability ``sigmoid(annotator skill + item
difficulty)`` (skill drawn once per annotator, spread 0.5 or 1.0 on the logit scale; difficulty shared by all
vendors, sd 1), otherwise one of the three wrong labels at random; every item gets 3 labels from distinct
annotators of each vendor.

Designs (the vendors are of EQUAL quality unless said):

- **slices**: 6 slices x 100 gold items (each slice its own mean difficulty, shared by the vendors), 10
  annotators per vendor working in every slice (skill sd 0.5). Rates: "differs across slices" (any pair's ranking or
  difference said to differ between slices), any within-slice comparison called significant, and the
  coverage of the per-slice accuracy intervals;
- **drift, null**: 8 weeks x 50 gold items, 20 annotators per vendor (skill sd 1.0, so that who is on shift
  matters) of whom 8 (drawn afresh) work each week;
  the population never changes. Rates: any vendor drift alarm (``drift.changed``), annotator alarms, and the
  coverage of the per-window accuracy intervals;
- **drift, power**: the same, but from week 5 on vendor A's annotators are worse by the logit shift that
  lowers A's population accuracy by 5 points; with 50 gold items a week, and with 150. Rates: A's drop found
  (a change flagged for A, downwards), and a false alarm for B.

The script is deterministic given its seeds and runs under older labeleval versions too (a figure an older
version does not have prints as "—"). ``--json OUT`` saves the results; ``--before FILE`` prints a saved run
beside, per design and row.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from calibration import LABELS, Tally, accuracy_for, before_now, judge, sigmoid, skill_for

import labeleval as le

SKILL_SD = 0.5  # slices
ROSTER_SKILL_SD = 1.0  # drift: annotators who differ enough for the roster on shift to matter
DIFFICULTY_SD = 1.0
BASE_ACCURACY = 0.85
LABELS_PER_ITEM = 3
MANIFEST = """[task]
name = "simulated"
kind = "nominal"
labels = ["a", "b", "c", "d"]

[gold]
path = "gold.csv"
{gold_metadata}
"""
VENDOR = """
[[vendors]]
name = "{name}"
path = "{name}.csv"
pricing = {{ model = "per_label", rate = 0.10, currency = "USD" }}
"""


@dataclass(frozen=True)
class Design:
    name: str
    kind: str  # "slices" | "drift null" | "drift power"
    simulate: Callable[[np.random.Generator, Path], dict[str, object]]
    reps: float = 1.0  # share of the run's projects this design gets


def _pick(rng: np.random.Generator, pool: np.ndarray, n_items: int) -> np.ndarray:
    """``LABELS_PER_ITEM`` distinct annotators of ``pool`` for each of ``n_items`` items (rows)."""
    keys = rng.random((n_items, len(pool)))
    return pool[np.argsort(keys, axis=1)[:, :LABELS_PER_ITEM]]


def _write(folder: Path, gold: pd.DataFrame, frames: dict[str, pd.DataFrame], metadata: str, columns: str = "") -> None:
    gold.to_csv(folder / "gold.csv", index=False)
    text = MANIFEST.format(gold_metadata=metadata)
    for name, frame in frames.items():
        frame.to_csv(folder / f"{name}.csv", index=False)
        text += VENDOR.format(name=name) + columns
    (folder / "labeleval.toml").write_text(text)


def simulate_slices(rng: np.random.Generator, folder: Path) -> dict[str, object]:
    """6 slices x 100 gold, 10 annotators per vendor in every slice; returns each slice's true accuracy."""
    n_slices, per_slice = 6, 100
    skill = skill_for(BASE_ACCURACY, SKILL_SD, DIFFICULTY_SD)
    offsets = 0.5 * np.linspace(-1.0, 1.0, n_slices)  # the slices differ in difficulty, alike for every vendor
    n = n_slices * per_slice
    slice_of = np.repeat(np.arange(n_slices), per_slice)
    items = np.array([f"i{i:04d}" for i in range(n)])
    names = np.array([f"s{k + 1}" for k in range(n_slices)])
    gold = rng.integers(0, 4, n)
    difficulty = offsets[slice_of] + DIFFICULTY_SD * rng.standard_normal(n)
    frames = {}
    for vendor in ("A", "B"):
        skills = skill + SKILL_SD * rng.standard_normal(10)
        who = _pick(rng, np.arange(10), n)
        item = np.repeat(np.arange(n), LABELS_PER_ITEM)
        labels = judge(rng, sigmoid(skills[who.ravel()] + difficulty[item]), gold[item])
        frames[vendor] = pd.DataFrame(
            {"item_id": items[item], "annotator_id": [f"{vendor}{w}" for w in who.ravel()], "label": LABELS[labels]}
        )
    _write(
        folder,
        pd.DataFrame({"item_id": items, "label": LABELS[gold], "slice": names[slice_of]}),
        frames,
        'metadata = ["slice"]',
    )
    truth = {names[k]: accuracy_for(skill + offsets[k], SKILL_SD, DIFFICULTY_SD) for k in range(n_slices)}
    return {"truth": truth}


def simulate_weeks(rng: np.random.Generator, folder: Path, drop: float, per_week: int = 50) -> dict[str, object]:
    """8 weeks x ``per_week`` gold; 20 annotators per vendor, 8 on shift each week; A loses ``drop`` from week 5."""
    weeks, staff, shift = 8, 20, 8
    skill = skill_for(BASE_ACCURACY, ROSTER_SKILL_SD, DIFFICULTY_SD)
    lowered = skill_for(BASE_ACCURACY - drop, ROSTER_SKILL_SD, DIFFICULTY_SD) if drop else skill
    n = weeks * per_week
    week = np.repeat(np.arange(weeks), per_week)
    items = np.array([f"i{i:04d}" for i in range(n)])
    gold = rng.integers(0, 4, n)
    difficulty = DIFFICULTY_SD * rng.standard_normal(n)
    monday = pd.Timestamp("2026-01-05", tz="UTC")
    frames = {}
    for vendor in ("A", "B"):
        skills = ROSTER_SKILL_SD * rng.standard_normal(staff)
        rows = []
        for w in range(weeks):
            on_shift = rng.choice(staff, shift, replace=False)
            chosen = np.flatnonzero(week == w)
            who = _pick(rng, on_shift, len(chosen))
            item = np.repeat(chosen, LABELS_PER_ITEM)
            base = lowered if (vendor == "A" and w >= 4) else skill
            labels = judge(rng, sigmoid(base + skills[who.ravel()] + difficulty[item]), gold[item])
            seconds = rng.integers(0, 5 * 86400, len(item))
            stamps = monday + pd.Timedelta(weeks=w) + pd.to_timedelta(seconds, unit="s")
            rows.append(
                pd.DataFrame(
                    {
                        "item_id": items[item],
                        "annotator_id": [f"{vendor}{a}" for a in who.ravel()],
                        "label": LABELS[labels],
                        "submitted_at": stamps.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    }
                )
            )
        frames[vendor] = pd.concat(rows, ignore_index=True)
    _write(folder, pd.DataFrame({"item_id": items, "label": LABELS[gold]}), frames, "")
    truth = {"A": [BASE_ACCURACY] * 4 + [BASE_ACCURACY - drop] * 4, "B": [BASE_ACCURACY] * weeks}
    return {"truth": truth}


def designs() -> list[Design]:
    return [
        Design("6 slices x 100 gold, 10 annotators per vendor, equal vendors", "slices", simulate_slices),
        Design(
            "8 weeks x 50 gold, 20 annotators (8 on shift a week), equal, constant",
            "drift null",
            lambda rng, folder: simulate_weeks(rng, folder, 0.0),
        ),
        Design(
            "8 weeks x 50 gold, 20 annotators (8 on shift), A drops 5 points from week 5",
            "drift power",
            lambda rng, folder: simulate_weeks(rng, folder, 0.05),
        ),
        Design(
            "8 weeks x 150 gold, 20 annotators (8 on shift), A drops 5 points from week 5",
            "drift power",
            lambda rng, folder: simulate_weeks(rng, folder, 0.05, per_week=150),
            reps=0.6,
        ),
    ]


# ------------------------------------------------------------------------------------------ scoring
def _flag(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series(False, index=frame.index)
    return frame[column].fillna(False).astype(bool)


def score_slices(report: le.Report, truth: dict[str, float], tally: Tally) -> None:
    ranking = report.slice_ranking
    crossover = bool(_flag(ranking, "ranking_differs").any())
    differs = crossover or bool(_flag(ranking, "difference_differs").any())
    comparisons = report.slice_comparisons
    within = bool(_flag(comparisons, "significant").any())
    tally.add("differs across slices (any pair)", float(differs))
    tally.add("  ranking differs (crossover)", float(crossover))
    tally.add("significant within a slice (any)", float(within))
    if "significant_across_slices" in comparisons.columns:  # a Holm column over every slice beside it
        tally.add("  significant, Holm over slices (any)", float(_flag(comparisons, "significant_across_slices").any()))
    tally.add("any slice claim", float(differs or within))
    slices = report.slices
    for row in slices.itertuples(index=False):
        target = truth.get(str(row.slice))
        if target is not None and np.isfinite(row.accuracy_ci_low):
            tally.add(
                "slice accuracy CI covers the truth", float(row.accuracy_ci_low <= target <= row.accuracy_ci_high)
            )


def _window_truth(report: le.Report, truth: dict[str, list[float]]) -> dict[tuple[str, str], float]:
    windows = [w for w in dict.fromkeys(report.drift["window"]) if w != "(missing)"]
    return {(v, w): truth[v][k] for v in truth for k, w in enumerate(windows) if k < len(truth[v])}


def score_drift(report: le.Report, truth: dict[str, list[float]], tally: Tally, power: bool) -> None:
    drift = report.drift
    changed = _flag(drift, "changed")
    people = report.annotator_drift
    people_flagged = bool((people["drift"].astype(str) != "").any()) if len(people) else False
    if power:
        a = changed & (drift["vendor"] == "A") & (drift["change"] < 0)
        tally.add("A's drop found (A flagged, lower)", float(a.any()))
        tally.add("  B flagged (false alarm)", float((changed & (drift["vendor"] == "B")).any()))
    else:
        tally.add("drift alarm (any vendor)", float(changed.any()))
        tally.add("  annotator drift flagged (any)", float(people_flagged))
    targets = _window_truth(report, truth)
    for row in drift.itertuples(index=False):
        target = targets.get((str(row.vendor), str(row.window)))
        if target is not None and np.isfinite(row.accuracy_ci_low):
            tally.add(
                "window accuracy CI covers the truth", float(row.accuracy_ci_low <= target <= row.accuracy_ci_high)
            )


def run(reps: int, n_boot: int, only: str | None) -> dict[str, dict[str, object]]:
    results: dict[str, dict[str, object]] = {}
    for d_index, design in enumerate(designs()):
        if only and only.lower() not in design.name.lower():
            continue
        start = time.perf_counter()
        tally = Tally()
        n = max(10, round(reps * design.reps))
        rng = np.random.default_rng(2100 + d_index)
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            for r in range(n):
                made = design.simulate(rng, folder)
                options = {"by": "slice"} if design.kind == "slices" else {"over": "week"}
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    report = le.evaluate(folder, n_boot=n_boot, seed=r, **options)  # type: ignore[arg-type]
                truth = made["truth"]
                if design.kind == "slices":
                    score_slices(report, truth, tally)  # type: ignore[arg-type]
                else:
                    score_drift(report, truth, tally, power=design.kind == "drift power")  # type: ignore[arg-type]
        results[design.name] = {
            "_meta": {"kind": design.kind, "reps": n, "tested": _tested(report, design.kind)},
            **{key: tally.rate(key) for key in tally.hits},
        }
        print(f"  [{design.kind}] {design.name}: {n} projects, {time.perf_counter() - start:.0f} s", file=sys.stderr)
    return results


def _tested(report: le.Report, kind: str) -> str:
    """What the Report says it tested (its ``test`` column), or "—" where it does not say."""
    frame = report.slice_ranking if kind == "slices" else report.drift
    if "test" not in frame.columns:
        return "—"
    said = [str(t) for t in frame["test"].dropna().unique() if str(t)]
    return "; ".join(said) or "—"


def table(results: dict[str, dict[str, object]], before: dict[str, dict[str, object]] | None) -> str:
    lines = []
    for design, rows in results.items():
        meta = rows["_meta"]
        assert isinstance(meta, dict)
        old = (before or {}).get(design)
        lines.append(f"\n{design}  [{meta['kind']}, {meta['reps']} projects]")
        lines.append(f"  tested: {meta.get('tested', '—')}")
        lines += before_now(rows, old, 44)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="about 100 projects per design")
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
    if args.json:  # first: a long run's results are kept whatever happens after
        args.json.write_text(json.dumps(results, indent=1))
    before = json.loads(args.before.read_text()) if args.before and args.before.exists() else None
    print(table(results, before))
    print(f"\n(± is one Monte-Carlo standard error; {time.perf_counter() - start:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
