"""Calibration of the two decisions (``labeleval watch``, ``labeleval replace``) by simulation.

A script, not a test: ``python benchmarks/calibration_watch.py [--quick|--full] [--reps N] [--json OUT]
[--before FILE] [--only TEXT]``.

Designs:

- **watch, equal vendors**: a 30-day pilot, 20 gold items a day, each labelled 3 times by each of two vendors of
  EQUAL quality (20 annotators each, logit skill sd 0.5 around 80%, item difficulty sd 1 shared by the vendors;
  a judgment is right with probability ``sigmoid(skill + difficulty)``, as in ``benchmarks/calibration.py``),
  written as a project with submission times and watched daily with the public API
  (``le.evaluate(...).sequential()``). Rates: the watched decision claims a difference on any day; beside it,
  the naive daily test (a paired z-test on the items so far, checked every day, any |z| > 1.96), and the
  watched decision's "equivalent within 5 points".
  Both vendors are paid 0.1 USD a label, so their costs per usable label are equal too: the watched cost
  decision claims a cheaper vendor (false), and its "equivalent within 10%".
- **watch, B better by 5 points**: the same with B's annotators shifted to 85%: B found better, and A found
  better (a false claim), and B found better within the first 15 days; B found cheaper (its usable labels cost
  6% less).
- **watch, equal costs under hourly pay**: the same pilot with both vendors paid 24 USD an hour; each
  annotator has their own speed (median 30 s a judgment, log-speed sd 0.5 and correlated 0.5 with skill), each
  item its effort (log sd 0.3, shared) and each judgment its own (log sd 0.3). Speeds and skills come from the
  same distributions for both vendors, so their costs per usable label are equal: the cost decision's false
  claims. Then B's hourly rate 25% lower and half: B found cheaper, A found cheaper (false).
- **replace, candidate worse by epsilon**: the paper's simulation model (K = 4 categories, uniform prior; a
  human's label is the truth with probability ``1 - noise + noise / K``, noise 0.3, else another at random), 3
  humans labelling every item; the candidate's noise is set (by bisection on 400,000 simulated items) so that
  for every held-out human ``rho_h - rho_f = epsilon`` exactly, epsilon 0.15: the hardest candidate that should
  fail. Rate: the candidate passes (winning rate >= 0.5 after Benjamini-Yekutieli) at 50, 100 and 300 items.
  The test runs on the arrays with :mod:`labeleval.inference.alternative`, the functions ``report.replacement``
  calls after encoding.
- **replace, candidate as good as the humans** (the same noise): its power at 50, 100 and 300 items.
- **TOST**: 300 shared gold items, the candidate one judgment per item, the incumbent three; at a true
  difference of exactly the margin (5 points: 75% against 80%) equivalence must be claimed in at most 5% (its
  level); at no difference (80% both), its power.

The script runs under older labeleval versions too (a figure an older version cannot measure prints as "—").
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from calibration import Tally, before_now, sigmoid

import labeleval as le

try:  # the decisions' statistics; absent from older versions
    from labeleval.inference.alternative import annotator_tests, decide, tost
except ImportError:  # pragma: no cover - older code
    annotator_tests = decide = tost = None  # type: ignore[assignment]

DAYS = 30
PER_DAY = 20
POOL = 20
LABELS_PER_ITEM = 3
SKILL_SD = 0.5
DIFFICULTY_SD = 1.0
BASE = math.log(0.8 / 0.2)
LABELS = ("a", "b", "c", "d")
K = 4
HUMAN_NOISE = 0.3
EPSILON = 0.15
HOURLY_RATE = 24.0  # USD an hour
SECONDS = 30.0  # a typical annotator's median seconds per judgment
SPEED_SD = 0.5  # annotators' log-speed sd (a 20-person pool spans about 3x)
EFFORT_SD = 0.3  # items' log-effort sd, shared by the vendors, and each judgment's own
MANIFEST_HEAD = """[task]
name = "watched pilot"
kind = "nominal"
labels = ["a", "b", "c", "d"]

[gold]
path = "gold.csv"
columns = { item_id = "item", label = "gold" }
"""


def manifest(hourly: bool, rate_b: float) -> str:
    """Two vendors A and B: per label at 0.1 USD (B at ``rate_b`` x), or hourly (B's rate ``rate_b`` x A's)."""
    text = MANIFEST_HEAD
    for v, factor in (("A", 1.0), ("B", rate_b)):
        duration = ', duration_s = "seconds"' if hourly else ""
        model = "hourly" if hourly else "per_label"
        rate = (HOURLY_RATE if hourly else 0.1) * factor
        text += f"""
[[vendors]]
name = "{v}"
path = "{v}.csv"
columns = {{ item_id = "item", annotator_id = "annotator", label = "label", submitted_at = "at"{duration} }}
pricing = {{ model = "{model}", rate = {rate}, currency = "USD" }}
"""
    return text


# ------------------------------------------------------------------------------------------------ watching
def write_pilot(
    rng: np.random.Generator, folder: Path, shift_b: float, *, hourly: bool = False, rate_b: float = 1.0
) -> pd.DataFrame:
    """A 30-day pilot written into ``folder``; returns the per-item shares (for the naive test). ``hourly``:
    both vendors paid by the hour, each annotator with their own speed (log-normal, sd ``SPEED_SD``; the
    slower half a little more accurate: log-speed correlates 0.5 with skill), each item its effort (shared) and
    each judgment its own; the vendors' speed and skill are drawn from the same distributions, so their costs
    per usable label are equal when ``rate_b`` is 1 and ``shift_b`` 0."""
    n = DAYS * PER_DAY
    truth = rng.integers(0, K, n)
    difficulty = rng.normal(0.0, DIFFICULTY_SD, n)
    effort = rng.normal(0.0, EFFORT_SD, n)
    day = np.repeat(np.arange(DAYS), PER_DAY)
    items = np.char.add("it", np.arange(n).astype(str))
    stamp = (pd.Timestamp("2026-03-02", tz="UTC") + pd.to_timedelta(day, unit="D") + pd.Timedelta(hours=12)).astype(str)
    pd.DataFrame({"item": items, "gold": np.asarray(LABELS)[truth]}).to_csv(folder / "gold.csv", index=False)
    shares = {}
    for v, shift in (("A", 0.0), ("B", shift_b)):
        z = rng.normal(0.0, 1.0, POOL)
        skill = BASE + shift + SKILL_SD * z
        speed = SPEED_SD * (0.5 * z + math.sqrt(0.75) * rng.normal(0.0, 1.0, POOL))
        who = np.argsort(rng.random((n, POOL)), axis=1)[:, :LABELS_PER_ITEM]
        right = rng.random((n, LABELS_PER_ITEM)) < sigmoid(skill[who] + difficulty[:, None])
        wrong = (truth[:, None] + rng.integers(1, K, (n, LABELS_PER_ITEM))) % K
        label = np.where(right, truth[:, None], wrong)
        frame = pd.DataFrame(
            {
                "item": np.repeat(items, LABELS_PER_ITEM),
                "annotator": np.char.add(f"{v}-", who.ravel().astype(str)),
                "label": np.asarray(LABELS)[label.ravel()],
                "at": np.repeat(stamp, LABELS_PER_ITEM),
            }
        )
        if hourly:
            own = rng.normal(0.0, EFFORT_SD, (n, LABELS_PER_ITEM))
            frame["seconds"] = (SECONDS * np.exp(speed[who] + effort[:, None] + own)).ravel().round(1)
        frame.to_csv(folder / f"{v}.csv", index=False)
        shares[v] = right.mean(axis=1)
    (folder / "labeleval.toml").write_text(manifest(hourly, rate_b), encoding="utf-8")
    return pd.DataFrame({"day": day, "A": shares["A"], "B": shares["B"]})


def naive_daily_claim(shares: pd.DataFrame) -> bool:
    """A paired z-test on the items so far, every day: any |z| > 1.96."""
    d = (shares["A"] - shares["B"]).to_numpy()
    for day in range(DAYS):
        x = d[shares["day"].to_numpy() <= day]
        if len(x) > 2 and x.std(ddof=1) > 0 and abs(x.mean()) / (x.std(ddof=1) / math.sqrt(len(x))) > 1.96:
            return True
    return False


def watch_design(
    shift_b: float, *, hourly: bool = False, rate_b: float = 1.0
) -> Callable[[np.random.Generator, Path, Tally], None]:
    def one(rng: np.random.Generator, folder: Path, tally: Tally) -> None:
        shares = write_pilot(rng, folder, shift_b, hourly=hourly, rate_b=rate_b)
        tally.add("naive daily z-test: claims a difference", float(naive_daily_claim(shares)))
        report = le.evaluate(folder, n_boot=0)
        if not hasattr(report, "sequential"):
            return
        watched = report.sequential()
        row = watched.decisions.iloc[0]
        decision = str(row["decision"])
        if shift_b == 0:
            tally.add("watched: claims a difference (A or B better)", float(decision.endswith("better")))
            tally.add("watched: equivalent within 5 points", float(decision.startswith("equivalent")))
        else:
            tally.add("watched: B found better", float(decision == "B better"))
            tally.add("watched: A found better (false claim)", float(decision == "A better"))
            found_early = decision == "B better" and float(row["first_look"]) <= DAYS // 2
            tally.add(f"watched: B found better by day {DAYS // 2}", float(found_early))
        cost_tally(watched, tally, equal=shift_b == 0 and rate_b == 1.0)

    return one


def cost_tally(watched: object, tally: Tally, *, equal: bool) -> None:
    """The watched cost per usable label's decision: with equal costs, a claim of a cheaper vendor is false;
    else (B cheaper) its power and A found cheaper (false)."""
    costs = getattr(watched, "cost_decisions", None)
    if costs is None or costs.empty:
        return
    decision = str(costs.iloc[0]["decision"])
    if equal:
        tally.add("cost watched: claims a cheaper vendor (false)", float(decision.endswith("cheaper")))
        tally.add("cost watched: equivalent within 10%", float(decision.startswith("equivalent")))
    else:
        tally.add("cost watched: B found cheaper", float(decision == "B cheaper"))
        tally.add("cost watched: A found cheaper (false claim)", float(decision == "A cheaper"))


# ------------------------------------------------------------------------------------------------ replacing
def noisy(rng: np.random.Generator, truth: np.ndarray, noise: float, size: tuple[int, ...]) -> np.ndarray:
    """The paper's annotator: the truth with probability 1 - noise + noise / K, else another at random."""
    keep = rng.random(size) >= noise * (K - 1) / K
    other = (truth.reshape(-1, *([1] * (len(size) - 1))) + rng.integers(1, K, size)) % K
    return np.where(keep, truth.reshape(-1, *([1] * (len(size) - 1))), other)


def alt_arrays(rng: np.random.Generator, n: int, humans: int, model_noise: float) -> tuple[np.ndarray, ...]:
    truth = rng.integers(0, K, n)
    labels = noisy(rng, truth, HUMAN_NOISE, (n, humans))
    model = noisy(rng, truth, model_noise, (n,))
    item = np.repeat(np.arange(n), humans)
    annotator = np.tile(np.arange(humans), n)
    return item, annotator, labels.ravel(), model


def true_gap(model_noise: float, humans: int = 3, n: int = 400_000) -> float:
    """rho_h - rho_f for a held-out human, by simulation on ``n`` items (fixed seed)."""
    item, annotator, code, model = alt_arrays(np.random.default_rng(7), n, humans, model_noise)
    tests = annotator_tests(item, annotator, code, model, np.eye(K, dtype=bool), epsilon=0.0)
    return float(tests["difference"].mean())


def boundary_noise(epsilon: float) -> float:
    """The candidate's noise at which rho_h - rho_f = epsilon (bisection)."""
    low, high = HUMAN_NOISE, 1.0
    for _ in range(18):
        mid = (low + high) / 2
        low, high = (mid, high) if true_gap(mid) < epsilon else (low, mid)
    return (low + high) / 2


def replace_design(worse: bool) -> Callable[[np.random.Generator, Path, Tally], None]:
    cache: dict[str, float] = {}

    def one(rng: np.random.Generator, folder: Path, tally: Tally) -> None:
        if annotator_tests is None:
            return
        if "noise" not in cache:
            cache["noise"] = boundary_noise(EPSILON) if worse else HUMAN_NOISE
        for n in (50, 100, 300):
            item, annotator, code, model = alt_arrays(rng, n, 3, cache["noise"])
            tests = annotator_tests(item, annotator, code, model, np.eye(K, dtype=bool), epsilon=EPSILON)
            decided = decide(tests, level=0.05, min_items=30)
            passes = decided["candidate_wins"].mean() >= 0.5
            tally.add(f"candidate passes, {n} items", float(passes))

    return one


def tost_design(rng: np.random.Generator, folder: Path, tally: Tally) -> None:
    if tost is None:
        return
    n = 300
    cases = (("difference = margin (75% vs 80%): equivalent", 0.75), ("no difference: equivalent", 0.80))
    for name, candidate in cases:
        c = (rng.random(n) < candidate).astype(float)
        i = (rng.random((n, LABELS_PER_ITEM)) < 0.80).mean(axis=1)
        tally.add(f"TOST, {name}", float(tost(c - i, margin=0.05, level=0.05).equivalent))


DESIGNS: dict[str, tuple[Callable[[np.random.Generator, Path, Tally], None], float]] = {
    "watch: equal vendors, 30 days x 20 gold items, checked daily": (watch_design(0.0), 1.0),
    "watch: B better by 5 points": (watch_design(math.log(0.85 / 0.15) - BASE), 0.5),
    "watch: equal costs under hourly pay, annotators' speeds varying": (watch_design(0.0, hourly=True), 1.0),
    "watch: hourly pay, B's rate 25% lower": (watch_design(0.0, hourly=True, rate_b=0.75), 0.5),
    "watch: hourly pay, B's rate half": (watch_design(0.0, hourly=True, rate_b=0.5), 0.5),
    f"replace: candidate worse than the humans by epsilon = {EPSILON}, 3 humans": (replace_design(True), 4.0),
    "replace: candidate as good as the humans, 3 humans": (replace_design(False), 2.0),
    "TOST of gold accuracy, margin 5 points, 300 gold items": (tost_design, 4.0),
}


def run(reps: int, only: str | None) -> dict[str, dict[str, object]]:
    results: dict[str, dict[str, object]] = {}
    for index, (name, (simulate, weight)) in enumerate(DESIGNS.items()):
        if only and only.lower() not in name.lower():
            continue
        start = time.perf_counter()
        tally = Tally()
        n = max(10, round(reps * weight))
        rng = np.random.default_rng(4100 + index)
        with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for _ in range(n):
                simulate(rng, Path(tmp), tally)
        results[name] = {"_meta": {"reps": n}, **{key: tally.rate(key) for key in tally.hits}}
        print(f"  {name}: {n} runs, {time.perf_counter() - start:.0f} s", file=sys.stderr)
    return results


def table(results: dict[str, dict[str, object]], before: dict[str, dict[str, object]] | None) -> str:
    lines = []
    for design, rows in results.items():
        meta = rows["_meta"]
        assert isinstance(meta, dict)
        old = (before or {}).get(design)
        lines.append(f"\n{design}  [{meta['reps']} runs]")
        lines += before_now(rows, old, 50)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="about 100 runs per design")
    mode.add_argument("--full", action="store_true", help="1000 runs per design")
    parser.add_argument("--reps", type=int, help="runs per design (overrides --quick/--full)")
    parser.add_argument("--only", help="run only designs whose name contains this text")
    parser.add_argument("--json", type=Path, help="write the results as JSON (for a later --before)")
    parser.add_argument("--before", type=Path, help="a JSON file written by an earlier run, printed beside")
    args = parser.parse_args(argv)
    reps = args.reps or (100 if args.quick else 1000 if args.full else 300)
    print(f"labeleval {le.__version__}: {reps} runs/design (weighted per design)", file=sys.stderr)
    start = time.perf_counter()
    results = run(reps, args.only)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    before = json.loads(args.before.read_text()) if args.before and args.before.exists() else None
    print(table(results, before))
    print(f"\n(± is one Monte-Carlo standard error; {time.perf_counter() - start:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
