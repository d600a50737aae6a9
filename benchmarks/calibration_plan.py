"""Does the planned number of gold items give the stated power? (item 3; see labeleval/analyses/plan.py)

For each design, the plan's ``n`` is computed, then data of exactly that size are simulated ``reps`` times
from the design's own model and put through the test the report runs; the share of rejections is the
simulated power. It should equal the plan's stated power within Monte-Carlo error (a 99% binomial band).

Designs:

- ``pair``: paired gold items where only A is right with probability p10 and only B with p01; test: exact
  McNemar (``labeleval.inference.stats.mcnemar_exact``) at alpha = 0.05. The plan's exact power is the reference.
- ``pilot-consensus``: a pilot from assumed per-judgment accuracies; each vendor's k judgments per item come
  from independent annotators, errors even over the other labels, majority vote with fractional tie credit;
  test: exact McNemar on consensus correctness (credit >= 0.5 counted as right, as the report's items do).
- ``pilot-judgment``: per-judgment accuracy with a finite annotator pool (skills spread by ``skill_sd``),
  each item labelled by k distinct annotators of the pool; test: z test with the plan's variance.

Run: ``python -m benchmarks.calibration_plan [--reps 2000]``; ``benchmarks/calibration.py`` calls
:func:`run_plan_designs`.
"""

from __future__ import annotations

import argparse
import math

import numpy as np
import pandas as pd

from labeleval.analyses.plan import consensus_accuracy, judgment_n, mcnemar_n, mcnemar_power
from labeleval.inference.stats import mcnemar_exact

Z99 = 2.576


def _band(power: float, reps: int) -> float:
    return Z99 * math.sqrt(power * (1 - power) / reps)


def _mcnemar_rejections(only_a: np.ndarray, only_b: np.ndarray, alpha: float) -> np.ndarray:
    return np.array([mcnemar_exact(int(a), int(b)) < alpha for a, b in zip(only_a, only_b, strict=True)])


def pair_design(
    p10: float, p01: float, *, reps: int, rng: np.random.Generator, power: float = 0.8
) -> dict[str, object]:
    alpha = 0.05
    n = int(mcnemar_n(p10, p01, power=power, alpha=alpha))
    stated = mcnemar_power(n, p10, p01, alpha=alpha)
    draws = rng.multinomial(n, [p10, p01, 1 - p10 - p01], size=reps)
    simulated = float(_mcnemar_rejections(draws[:, 0], draws[:, 1], alpha).mean())
    return _row(f"pair p10={p10} p01={p01}", n, power, stated, simulated, reps)


def _consensus_correct(rng: np.random.Generator, n: int, k: int, acc: float, n_classes: int) -> np.ndarray:
    """Fractional consensus credit per item: k judgments, right with probability acc, else an even wrong label."""
    right = rng.random((n, k)) < acc
    wrong = rng.integers(1, n_classes, size=(n, k))  # label 0 is the truth
    labels = np.where(right, 0, wrong)
    counts = np.stack([(labels == c).sum(axis=1) for c in range(n_classes)], axis=1)
    top = counts.max(axis=1)
    at_top = counts == top[:, None]
    return np.where(at_top[:, 0], 1.0 / at_top.sum(axis=1), 0.0)


def pilot_consensus_design(
    acc_a: float, acc_b: float, k: int, n_classes: int, *, reps: int, rng: np.random.Generator, power: float = 0.8
) -> dict[str, object]:
    alpha = 0.05
    qa, qb = consensus_accuracy(acc_a, k, n_classes), consensus_accuracy(acc_b, k, n_classes)
    p10, p01 = qa * (1 - qb), (1 - qa) * qb
    n = int(mcnemar_n(p10, p01, power=power, alpha=alpha))
    stated = mcnemar_power(n, p10, p01, alpha=alpha)
    rejections = np.empty(reps, dtype=bool)
    for r in range(reps):
        ca = _consensus_correct(rng, n, k, acc_a, n_classes)
        cb = _consensus_correct(rng, n, k, acc_b, n_classes)
        # fractional credit: draw the tie-break, as a random tie policy would
        ra = rng.random(n) < ca
        rb = rng.random(n) < cb
        rejections[r] = mcnemar_exact(int((ra & ~rb).sum()), int((~ra & rb).sum())) < alpha
    return _row(
        f"pilot consensus {acc_a} vs {acc_b}, k={k}, K={n_classes}", n, power, stated, float(rejections.mean()), reps
    )


def pilot_judgment_design(
    acc_a: float, acc_b: float, k: int, pool: int, skill_sd: float, *, reps: int, rng: np.random.Generator
) -> dict[str, object]:
    power = 0.8
    n = int(judgment_n(acc_a, acc_b, labels_per_item=k, pool_a=pool, pool_b=pool, skill_sd=skill_sd))
    z = 1.959963984540054
    se = math.sqrt(
        (acc_a * (1 - acc_a) + acc_b * (1 - acc_b)) / (n * k) + skill_sd**2 * 2 / pool
    )  # the plan's variance
    hits = 0
    for _ in range(reps):
        estimates = []
        for acc in (acc_a, acc_b):
            skills = np.clip(rng.normal(acc, skill_sd, pool), 0.0, 1.0)
            who = np.argsort(rng.random((n, pool)), axis=1)[:, :k]  # k distinct annotators per item
            right = rng.random((n, k)) < skills[who]
            estimates.append(right.mean())
        hits += abs(estimates[0] - estimates[1]) / se > z
    return _row(
        f"pilot judgment {acc_a} vs {acc_b}, k={k}, pool={pool}, sd={skill_sd}", n, power, power, hits / reps, reps
    )


def _row(design: str, n: int, target: float, stated: float, simulated: float, reps: int) -> dict[str, object]:
    band = _band(stated, reps)
    return {
        "design": design,
        "planned_n": n,
        "target_power": target,
        "stated_power": round(stated, 4),
        "simulated_power": round(simulated, 4),
        "band_99": round(band, 4),
        "within": abs(simulated - stated) <= band,
        "reaches_target": simulated >= target - band,
    }


def run_plan_designs(reps: int = 2000, seed: int = 11) -> pd.DataFrame:
    """Every plan design, simulated ``reps`` times; one row per design."""
    rng = np.random.default_rng(seed)
    rows = [
        pair_design(0.10, 0.05, reps=reps, rng=rng),
        pair_design(0.06, 0.02, reps=reps, rng=rng),
        pair_design(0.03, 0.01, reps=reps, rng=rng),
        pilot_consensus_design(0.80, 0.88, 3, 4, reps=max(reps // 4, 200), rng=rng),
        pilot_consensus_design(0.70, 0.80, 5, 2, reps=max(reps // 4, 200), rng=rng),
        pilot_judgment_design(0.80, 0.88, 3, 30, 0.05, reps=max(reps // 4, 200), rng=rng),
        pilot_judgment_design(0.85, 0.90, 3, 100, 0.03, reps=max(reps // 4, 200), rng=rng),
    ]
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    print(run_plan_designs(args.reps, args.seed).to_string(index=False))


if __name__ == "__main__":
    main()
