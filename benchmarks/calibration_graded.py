"""Calibration of the graded-work verdict: false claims with equal vendors and unbalanced reviewers, and coverage.

A script, not a test: ``make calibrate`` runs it (or ``python benchmarks/calibration_graded.py [--quick|--full]``).

The simulation (:func:`labeleval.samples.graded.simulate_graded`): 3 vendors answer the same 200 prompts (20
writers each); every answer is scored by 3 of 8 reviewers on 3 criteria (two on 1-5, one pass/fail). A score is
the answer's latent quality (vendor mean + prompt effect sd 0.7 + writer effect sd 0.3 + answer effect sd 0.6)
plus the reviewer's severity plus noise, rounded and clipped to the scale. Reviewer severities are fixed
(+0.5, +0.45 for two lenient reviewers, -0.2 to -0.3 for four severe ones), and the lenient two are drawn 6 times
as often for the first vendor's answers (Cramer's V about 0.2: the report warns).

Designs (``--quick`` 100 projects each, ``--full`` 1000):

- **false claims**: equal vendors; a claim is any significant comparison in the family (3 pairs x (3 criteria +
  the weighted score)); target at most 5%. Beside it, how often the *raw* difference of the favoured vendor
  against each other one would be called by a naive two-sided z-test on the same variance (the confound).
- **coverage**: vendors differ (0.3 and 0.6 points apart on the points criteria); the truth of each comparison
  is the mean score difference with balanced reviewers, from one simulation of 50,000 prompts. Reported: the
  share of the family's marginal 95% intervals (estimate +- the t quantile on its degrees of freedom x se) that
  cover it (target 93-97%), and the share of projects whose simultaneous intervals all cover (at least 95%).

- **judges** (in the same projects, both designs): five judges score every answer on every criterion as a reviewer
  would (the latent score plus a severity plus noise, rounded alike), each tested on its own by the alternative
  annotator test (epsilon 0.1): ``reviewer_like`` (its severity one of the panel's, drawn per project; the
  reviewers' noise), ``average`` (severity 0, the reviewers' noise), ``biased`` (+0.8 points), ``noisy`` (2.5 x
  the reviewers' noise) and ``boundary`` (3 x). Each judge's true advantage differences (reviewer's less the
  judge's advantage probability, per held-out reviewer) come from one project of 5,000 prompts. Reported per
  judge and criterion: how often it "can replace" the reviewers; a criterion where the judge is worse than every
  reviewer by more than epsilon is a *false* "can replace" (target at most 5%).
- **acceptance** (equal vendors' projects): how often each vendor's severity-adjusted acceptance rate's interval
  covers its rate in the 10,000-prompt project, and the mean of the projects' estimates (target 93-97%).

Scored through :func:`labeleval.evaluate` on a written project, as a user would.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import t as t_law

import labeleval as le
from labeleval.samples.graded import GradedDesign, SimCriterion, SimJudge, simulate_graded

CRITERIA = (SimCriterion("accuracy", 5, 0.3), SimCriterion("following", 5, 0.3), SimCriterion("safety", 1, 0.25))
SEVERITY = (0.5, -0.3, 0.0, -0.2, 0.45, -0.25, 0.05, -0.25)
EQUAL = GradedDesign(
    vendors={"A": (3.3, 3.4, 3.9), "B": (3.3, 3.4, 3.9), "C": (3.3, 3.4, 3.9)},
    criteria=CRITERIA,
    severity=SEVERITY,
    tilt={"A": 6.0},
)
UNEQUAL = replace(EQUAL, vendors={"A": (3.0, 3.2, 3.8), "B": (3.3, 3.4, 3.9), "C": (3.6, 3.7, 4.0)})
MANIFEST = """[task]
name = "calibration"
kind = "graded"
[[criteria]]
name = "accuracy"
scale = "points"
points = [1, 5]
pass_at = 4
[[criteria]]
name = "following"
scale = "points"
points = [1, 5]
pass_at = 4
[[criteria]]
name = "safety"
scale = "pass_fail"
[reviews]
path = "reviews.csv"
"""


JUDGES = (
    SimJudge("average", 0.0, 1.0),
    SimJudge("biased", 0.8, 1.0),
    SimJudge("noisy", 0.0, 2.5),
    SimJudge("boundary", 0.0, 3.0),
)
EPSILON = 0.1


def with_judges(design: GradedDesign, rng: np.random.Generator) -> GradedDesign:
    """``design`` with the five judges, the reviewer-like one's severity drawn from the panel's."""
    like = SimJudge("reviewer_like", float(rng.choice(np.asarray(design.severity))), 1.0)
    return replace(design, judges=(like, *JUDGES))


def write_project(folder: Path, deliverables: pd.DataFrame, reviews: pd.DataFrame) -> Path:
    text = MANIFEST
    judges = sorted(set(reviews["reviewer_id"]) - {f"rev-{k + 1}" for k in range(len(SEVERITY))})
    if judges:
        text = text.replace('path = "reviews.csv"', f'path = "reviews.csv"\njudges = {json.dumps(judges)}')
    for vendor, rows in deliverables.groupby("vendor", sort=False):
        rows.drop(columns="vendor").to_csv(folder / f"{vendor}.csv", index=False)
        text += (
            f'[[vendors]]\nname = "{vendor}"\npath = "{vendor}.csv"\npricing = {{ model = "per_item", rate = 10 }}\n'
        )
    reviews.to_csv(folder / "reviews.csv", index=False)
    (folder / "labeleval.toml").write_text(text, encoding="utf-8")
    return folder


SPANS = {"accuracy": (1.0, 4.0), "following": (1.0, 4.0), "safety": (0.0, 1.0)}


def population_means(design: GradedDesign) -> pd.Series:
    """Each vendor's mean score per criterion with balanced reviewers (many prompts): what the adjusted
    comparisons estimate."""
    big = replace(design, tilt={}, n_prompts=50_000, writers=2_000)
    deliverables, reviews = simulate_graded(big, np.random.default_rng(12345))
    scored = reviews.merge(deliverables[["deliverable_id", "vendor"]], on="deliverable_id")
    return scored.groupby(["vendor", "criterion"])["score"].mean()


def truth(means: pd.Series, a: str, b: str, metric: str, reliable: list[str]) -> float:
    """A comparison's population value: a criterion's mean difference, or the weighted score's over the criteria
    that project found reliable (equal weights, each criterion on 0-1)."""
    if metric != "weighted score":
        return float(means[(a, metric)] - means[(b, metric)])
    unit = [(means[(a, c)] - means[(b, c)]) / SPANS[c][1] for c in reliable]
    return float(np.mean(unit))


def run(design: GradedDesign, reps: int, n_boot: int, seed: int) -> tuple[list[pd.DataFrame], ...]:
    found, judged, summaries = [], [], []
    for rep in range(reps):
        drawn = with_judges(design, np.random.default_rng([seed, rep, 1]))
        deliverables, reviews = simulate_graded(drawn, np.random.default_rng([seed, rep]))
        with tempfile.TemporaryDirectory() as scratch:
            project = write_project(Path(scratch), deliverables, reviews)
            report = le.evaluate(project, n_boot=n_boot, seed=rep)
        kept = report.reliability.loc[report.reliability["reliable"], "criterion"].tolist()
        frame = report.comparisons.assign(
            rep=rep,
            unbalanced=bool(report.settings.get("reviewers_unbalanced")),
            reliable=[kept] * len(report.comparisons),
        )
        found.append(frame)
        judged.append(report.judges.assign(rep=rep, design_seed=seed))
        summaries.append(report.summary.assign(rep=rep))
    return found, judged, summaries


def population(design: GradedDesign) -> tuple[pd.DataFrame, pd.Series]:
    """From one project of 10,000 prompts of ``design`` (the same reviewers, drawn alike): per fixed judge and
    criterion the least and the mean of its advantage differences over the held-out reviewers (reviewer's less
    judge's), and each vendor's severity-adjusted acceptance rate (what the projects' rates estimate)."""
    big = replace(design, judges=JUDGES, n_prompts=10_000, writers=1_000)
    deliverables, reviews = simulate_graded(big, np.random.default_rng(54321))
    with tempfile.TemporaryDirectory() as scratch:
        report = le.evaluate(write_project(Path(scratch), deliverables, reviews), n_boot=0)
    grouped = report.judge_reviewers.groupby(["judge", "criterion"])["difference"]
    return grouped.agg(least="min", mean="mean").reset_index(), report.summary.set_index("vendor")["acceptance_rate"]


def acceptance_coverage(summaries: pd.DataFrame, truth: pd.Series) -> dict[str, float]:
    """How often the adjusted acceptance rate's interval covers the vendor's rate: the 10,000-prompt project's, and
    the mean of the projects' own estimates (what the interval's variance is about: where an adjusted score lands
    exactly on a pass mark, as some of this design's reviewer triples put it, the big project's tiny severity
    errors push all of them to one side, while each small project's push them either way). ``acceptance_bias``:
    the mean estimate less the big project's rate; ``acceptance_severity_se``: the mean standard error the
    severities' estimation adds."""
    low, high = (summaries[f"acceptance_rate{end}"] for end in ("_ci_low", "_ci_high"))
    mean = summaries.groupby("vendor")["acceptance_rate"].transform("mean")
    big = summaries["vendor"].map(truth)
    return {
        "acceptance_coverage": float(((low <= big) & (big <= high)).mean()),
        "acceptance_coverage_of_mean": float(((low <= mean) & (mean <= high)).mean()),
        "acceptance_bias": float((mean - big).groupby(summaries["vendor"]).first().mean()),
        "acceptance_severity_se": float(summaries["acceptance_rate_severity_se"].mean()),
    }


def judge_results(judged: pd.DataFrame, truth: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, float]]:
    """Each judge's "can replace" rate per criterion beside its true differences, and the false "can replace" rate
    over the (judge, criterion) pairs where the judge is worse than every reviewer by more than epsilon."""
    judges = judged[judged["role"] == "judge"]
    rate = judges.groupby(["reviewer", "criterion"])["replacement"].apply(lambda d: float((d == "can replace").mean()))
    table = rate.rename("can_replace").reset_index().rename(columns={"reviewer": "judge"})
    table = table.merge(truth, how="left", on=["judge", "criterion"])
    worse = table[table["least"] > EPSILON]
    results = {f"judge_{r.judge}_{r.criterion}_passes": r.can_replace for r in table.itertuples(index=False)}
    if len(worse):
        results["judge_false_replace_rate"] = float(worse["can_replace"].max())
    return table, results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="100 projects per design")
    mode.add_argument("--full", action="store_true", help="1000 projects per design")
    parser.add_argument("--reps", type=int, help="projects per design (overrides --quick/--full)")
    parser.add_argument("--n-boot", type=int, default=200)
    parser.add_argument("--json", type=Path, help="write the results as JSON")
    parser.add_argument("--before", type=Path, help="ignored (no earlier version of this calibration)")
    args = parser.parse_args(argv)
    reps = args.reps or (100 if args.quick else 1000 if args.full else 300)
    start = time.perf_counter()
    results: dict[str, float] = {}
    equal_runs, equal_judged, equal_summaries = run(EQUAL, reps, args.n_boot, 1)
    equal = pd.concat(equal_runs, ignore_index=True)
    claims = equal.groupby("rep")["significant"].any()
    results["false_claim_rate"] = float(claims.mean())
    favoured = equal[(equal["vendor_a"] == "A")]
    naive = (np.abs(favoured["raw_difference"] / favoured["se"]) > 1.96).groupby(favoured["rep"]).any()
    results["naive_raw_claim_rate"] = float(naive.mean())
    results["warned_unbalanced"] = float(equal.groupby("rep")["unbalanced"].first().mean())
    unequal_runs, unequal_judged, _ = run(UNEQUAL, reps, args.n_boot, 2)
    unequal = pd.concat(unequal_runs, ignore_index=True)
    means = population_means(UNEQUAL)
    value = unequal.apply(lambda r: truth(means, r.vendor_a, r.vendor_b, r.metric, r.reliable), axis=1)
    half = t_law.ppf(0.975, unequal["df"].clip(lower=1.0)) * unequal["se"]
    results["marginal_coverage"] = float(
        ((unequal["difference"] - half <= value) & (value <= unequal["difference"] + half)).mean()
    )
    inside = (unequal["ci_low"] <= value) & (value <= unequal["ci_high"])
    results["simultaneous_coverage"] = float(inside.groupby(unequal["rep"]).all().mean())
    results["power_any"] = float(unequal.groupby("rep")["significant"].any().mean())
    judged = pd.concat([*equal_judged, *unequal_judged], ignore_index=True)
    judge_truth, acceptance_truth = population(EQUAL)
    results.update(acceptance_coverage(pd.concat(equal_summaries, ignore_index=True), acceptance_truth))
    table, judge_figures = judge_results(judged, judge_truth)
    results.update(judge_figures)
    se = {k: float(np.sqrt(v * (1 - v) / (2 * reps if k.startswith("judge") else reps))) for k, v in results.items()}
    print(f"labeleval {le.__version__}: {reps} projects/design, {args.n_boot} resamples")
    print(f"{'figure':28} {'value':>8}  target")
    targets = {
        "false_claim_rate": "<= 5%",
        "marginal_coverage": "93-97%",
        "simultaneous_coverage": ">= 95%",
        "judge_false_replace_rate": "<= 5%",
        "acceptance_coverage": "93-97%",
        "acceptance_coverage_of_mean": "93-97%",
    }
    for key, val in results.items():
        print(f"{key:28} {val:8.3f}  ±{se[key]:.3f}  {targets.get(key, '')}")
    print(f"\njudges ({2 * reps} projects; least/mean: true advantage differences, reviewer's less judge's):")
    print(table.round(3).to_string(index=False))
    print(f"\n({time.perf_counter() - start:.0f} s)")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
