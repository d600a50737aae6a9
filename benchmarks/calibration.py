"""Calibration of labeleval's intervals, tests and verdict on simulated pilot designs.

A script, not a test: ``make calibrate`` (or ``python benchmarks/calibration.py [--quick|--full] [--json OUT]
[--before FILE] [--only 'name|name']``; ``--save`` is ``--json``'s old name).

Every design below is simulated with a known truth, written as a small project (manifest + CSVs) in a
temporary folder and scored with the public :func:`labeleval.evaluate`, exactly as a user would. For each
design the script prints, with Monte-Carlo errors (± one standard error of the simulated rate):

- **false claims** (vendors of equal true quality and price): the share of projects in which the verdict
  claims a difference (a sentence saying "beyond chance", "beaten on", or a price-for-quality ladder) and
  the share in which any comparison of the family is significant;
- **coverage**: the share of projects whose 95% interval covers the vendor's population value (accuracy,
  consensus accuracy, alpha, cost per usable label), and how many intervals had zero width;
- **power**: the share of projects in which an 88%-accurate and a 91%-accurate vendor are told apart, in
  the right direction, by the comparisons and by the verdict.

Each evaluation method (for example ``uncertainty="items"`` beside the default) runs on the *same*
simulated projects, so their columns are paired. ``--json OUT`` writes the results; ``--before FILE`` prints
such a file beside, per design and row ("—" where that run had no such figure). The run is deterministic
given its seeds and feature-detects the options it passes, so today's code and an earlier release can be
run on the same projects: ``PYTHONPATH=OLD ... --json old.json``, then ``... --before old.json``.

The simulation: a nominal task with 4 labels; gold uniform over them. A judgment is right with
probability ``sigmoid(skill_a + difficulty_i)`` (annotator skill on the logit scale drawn once per
annotator from the vendor's skill distribution; item difficulty shared by all vendors), otherwise one of
the 3 wrong labels at random. Each item gets its labels from distinct annotators, chosen with
probability proportional to the annotators' volumes. Population values (the truth) are computed by
Gauss-Hermite quadrature (accuracy) or by simulating 200,000 items with fresh annotators (consensus
accuracy, alpha). Under hourly pay each annotator has a lognormal speed and each judgment a lognormal time
around it; the true cost per usable label is the rate x the population mean time over the population
accuracy. Dawid-Skene consensus accuracy depends on the batch the model is fitted on, so its truth is the
mean over 300 simulated workforces, each fitted on a batch of the design's size.
"""

from __future__ import annotations

import argparse
import inspect
import json
import math
import re
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

import labeleval as le
from labeleval.inference.consensus import dawid_skene_codes
from labeleval.metrics.agreement import alpha_from_counts
from labeleval.present.verdict import verdict

K = 4
LABELS = np.array(["a", "b", "c", "d"])
CLAIM = re.compile(r"beyond chance|beaten on|each step up", re.IGNORECASE)
NODES, WEIGHTS = np.polynomial.hermite_e.hermegauss(80)  # E f(Z), Z ~ N(0, 1) = sum(w f(x)) / sqrt(2 pi)
WEIGHTS = WEIGHTS / WEIGHTS.sum()


def logit(p: float) -> float:
    return math.log(p / (1 - p))


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


@dataclass(frozen=True)
class Vendor:
    name: str
    annotators: int
    skill: float  # mean skill on the logit scale
    skill_sd: float = 0.5  # spread of annotator skill on the logit scale (0: annotators do not differ)
    volume_sd: float = 0.0  # lognormal spread of annotator volumes (0: equal volumes)
    labels: tuple[int, int] = (3, 3)  # labels per item, drawn uniformly from this range (inclusive)
    easy_half: bool = False  # labels only the easier half of the gold items
    rate: float = 0.10  # price per label
    hourly: float = 0.0  # price per hour (0: paid ``rate`` per label); then every judgment has a duration
    seconds: float = 30.0  # median seconds per judgment of a median-speed annotator (hourly pay)
    speed_sd: float = 0.4  # lognormal spread of the annotators' speeds (hourly pay)
    seconds_sd: float = 0.3  # lognormal spread of one annotator's judgment times (hourly pay)
    dominant: float = 0.0  # share of the vendor's judgments by its first annotator (0: by ``volume_sd``)


@dataclass(frozen=True)
class Design:
    name: str
    kind: str  # "false claims" | "coverage" | "power"
    gold_items: int
    vendors: tuple[Vendor, ...]
    difficulty_sd: float = 1.0
    reps: float = 1.0  # share of the run's replications this design gets
    options: tuple[tuple[str, object], ...] = ()  # evaluate() options of this design (all methods)
    every_vendor: bool = False  # coverage: check every vendor's intervals (else the first vendor's)


def accuracy_for(skill: float, skill_sd: float, difficulty_sd: float) -> float:
    """Population accuracy: E sigmoid(skill + skill_sd Z1 + difficulty_sd Z2)."""
    sd = math.hypot(skill_sd, difficulty_sd)
    return float(np.sum(WEIGHTS * sigmoid(skill + sd * NODES)))


def skill_for(accuracy: float, skill_sd: float, difficulty_sd: float) -> float:
    """The mean logit skill that gives a population accuracy (bisection)."""
    low, high = -6.0, 8.0
    for _ in range(80):
        mid = (low + high) / 2
        if accuracy_for(mid, skill_sd, difficulty_sd) < accuracy:
            low = mid
        else:
            high = mid
    return (low + high) / 2


def credit(counts: np.ndarray, gold: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Majority-vote credit per item: fractional (1/t when gold is one of t tied top labels) and abstain."""
    top = counts.max(axis=1, keepdims=True)
    at_top = counts == top
    ties = at_top.sum(axis=1)
    gold_top = at_top[np.arange(len(gold)), gold]
    return np.where(gold_top, 1.0 / ties, 0.0), (gold_top & (ties == 1)).astype(float)


def judge(rng: np.random.Generator, p_right: np.ndarray, gold: np.ndarray) -> np.ndarray:
    right = rng.random(p_right.shape) < p_right
    wrong = (gold + rng.integers(1, K, p_right.shape)) % K
    return np.where(right, gold, wrong)


_TRUTH: dict[tuple[object, ...], dict[str, float]] = {}


def truth(v: Vendor, difficulty_sd: float) -> dict[str, float]:
    """Population values for a vendor: fresh annotators for every judgment (an infinite workforce)."""
    key = (v.skill, v.skill_sd, v.labels, difficulty_sd, price_per_label(v))
    if key in _TRUTH:
        return _TRUTH[key]
    rng = np.random.default_rng(12345)
    n = 200_000
    gold = rng.integers(0, K, n)
    m = rng.integers(v.labels[0], v.labels[1] + 1, n)
    width = v.labels[1]
    present = np.arange(width)[None, :] < m[:, None]
    p = sigmoid(v.skill + v.skill_sd * rng.standard_normal((n, width)) + difficulty_sd * rng.standard_normal((n, 1)))
    labels = judge(rng, p, gold[:, None])
    counts = np.zeros((n, K))
    for j in range(width):
        np.add.at(counts, (np.arange(n), labels[:, j]), present[:, j])
    fractional, abstain = credit(counts, gold)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        alpha = alpha_from_counts(counts, level="nominal", values=np.arange(K, dtype=float))
    accuracy = accuracy_for(v.skill, v.skill_sd, difficulty_sd)
    out = {
        "accuracy": accuracy,
        "consensus_fractional": float(fractional.mean()),
        "consensus_abstain": float(abstain.mean()),
        "alpha": float(alpha),
        "cost_per_usable_label": price_per_label(v) / accuracy,
    }
    _TRUTH[key] = out
    return out


def price_per_label(v: Vendor) -> float:
    """Expected price of one judgment: the rate per label, or the hourly rate x the mean duration."""
    if not v.hourly:
        return v.rate
    mean_seconds = v.seconds * math.exp((v.speed_sd**2 + v.seconds_sd**2) / 2)
    return v.hourly * mean_seconds / 3600.0


def dawid_skene_truth(v: Vendor, difficulty_sd: float, n: int, workforces: int = 300) -> float:
    """Population Dawid-Skene consensus accuracy of a vendor of ``v.annotators`` annotators on a batch of ``n``
    items: the mean over workforces drawn from its skill distribution (each on its own batch) of the consensus
    accuracy of a Dawid-Skene fit on the batch. Unlike a vote, the fit learns each annotator's confusions from
    the batch itself, so its accuracy depends on the batch's size: the truth is that of batches of this size."""
    key = ("ds", v.skill, v.skill_sd, v.labels, v.annotators, difficulty_sd, n)
    if key in _TRUTH:
        return _TRUTH[key]["ds"]
    rng = np.random.default_rng(54321)
    scores = []
    for _ in range(workforces):
        skill = v.skill + v.skill_sd * rng.standard_normal(v.annotators)
        gold = rng.integers(0, K, n)
        difficulty = difficulty_sd * rng.standard_normal(n)
        m = np.minimum(rng.integers(v.labels[0], v.labels[1] + 1, n), v.annotators)
        order = np.argsort(rng.random((n, v.annotators)), axis=1)[:, : v.labels[1]]
        present = np.arange(order.shape[1])[None, :] < m[:, None]
        who = order[present]
        item = np.repeat(np.arange(n), m)
        labels = judge(rng, sigmoid(skill[who] + difficulty[item]), gold[item])
        fit = dawid_skene_codes(item, who, labels, n, v.annotators, K)
        scores.append(float((fit.posteriors.argmax(axis=1) == gold).mean()))
    _TRUTH[key] = {"ds": float(np.mean(scores))}
    return _TRUTH[key]["ds"]


def _volumes(v: Vendor, rng: np.random.Generator) -> np.ndarray:
    if v.dominant:  # one annotator takes ``dominant`` of the draws, the others share the rest equally
        rest = np.ones(v.annotators - 1)
        return np.concatenate([[v.dominant / (1 - v.dominant) * (v.annotators - 1)], rest])
    return np.exp(v.volume_sd * rng.standard_normal(v.annotators)) if v.volume_sd else np.ones(v.annotators)


def _pricing(v: Vendor) -> str:
    if v.hourly:
        return f'pricing = {{ model = "hourly", rate = {v.hourly}, currency = "USD" }}\n'
    return f'pricing = {{ model = "per_label", rate = {v.rate}, currency = "USD" }}\n'


def simulate(design: Design, rng: np.random.Generator, folder: Path) -> None:
    """Write one simulated project of the design into ``folder``."""
    n = design.gold_items
    items = np.array([f"i{i:05d}" for i in range(n)])
    gold = rng.integers(0, K, n)
    difficulty = design.difficulty_sd * rng.standard_normal(n)
    easy = np.argsort(-difficulty, kind="stable")[: n // 2]
    pd.DataFrame({"item_id": items, "label": LABELS[gold]}).to_csv(folder / "gold.csv", index=False)
    blocks = []
    for v in design.vendors:
        skill = v.skill + v.skill_sd * rng.standard_normal(v.annotators)
        volume = _volumes(v, rng)
        chosen = np.sort(easy) if v.easy_half else np.arange(n)
        m = np.minimum(rng.integers(v.labels[0], v.labels[1] + 1, len(chosen)), v.annotators)
        # distinct annotators per item, probability proportional to volume: Gumbel top-k
        keys = np.log(volume)[None, :] + rng.gumbel(size=(len(chosen), v.annotators))
        order = np.argsort(-keys, axis=1)[:, : v.labels[1]]
        present = np.arange(order.shape[1])[None, :] < m[:, None]
        who = order[present]
        item = np.repeat(chosen, m)
        p = sigmoid(skill[who] + difficulty[item])
        labels = judge(rng, p, gold[item])
        frame = pd.DataFrame({"item_id": items[item], "annotator_id": who, "label": LABELS[labels]})
        if v.hourly:  # an annotator's speed, and each judgment's own time around it
            speed = v.speed_sd * rng.standard_normal(v.annotators)
            noise = v.seconds_sd * rng.standard_normal(len(who))
            frame["duration_s"] = np.round(v.seconds * np.exp(speed[who] + noise), 2)
        frame.to_csv(folder / f"{v.name}.csv", index=False)
        blocks.append(f'[[vendors]]\nname = "{v.name}"\npath = "{v.name}.csv"\n' + _pricing(v))
    manifest = (
        '[task]\nname = "simulated"\nkind = "nominal"\nlabels = ["a", "b", "c", "d"]\n\n'
        '[gold]\npath = "gold.csv"\n\n' + "\n".join(blocks)
    )
    (folder / "labeleval.toml").write_text(manifest)


# ------------------------------------------------------------------------------------------ designs
def designs() -> list[Design]:
    many = Vendor("A", 100, logit(0.85), 0.5)
    five = Vendor("A", 5, logit(0.85), 1.0)
    base = Vendor("A", 30, logit(0.85), 0.5)
    twenty = (replace(base, annotators=20), replace(base, name="B", annotators=20))
    s88 = skill_for(0.88, 0.0, 1.0)
    s91 = skill_for(0.91, 0.0, 1.0)
    s97 = skill_for(0.97, 0.3, 1.0)
    return [
        Design("equal, 100 annotators each, 300 gold", "false claims", 300, (many, replace(many, name="B"))),
        Design("equal, 5 annotators each, 300 gold", "false claims", 300, (five, replace(five, name="B"))),
        Design(
            "equal, B labelled only the easy 150 of 300 gold",
            "false claims",
            300,
            (replace(base, annotators=20), replace(base, name="B", annotators=20, easy_half=True)),
        ),
        Design("equal, 20 annotators each, 10 gold", "false claims", 10, twenty),
        Design("equal, 20 annotators each, 30 gold", "false claims", 30, twenty),
        Design("equal, 20 annotators each, 300 gold", "false claims", 300, twenty),
        Design("base: 30 annotators, 300 gold, 3 labels/item", "coverage", 300, (base,)),
        Design("97%-accurate vendor, 100 gold", "coverage", 100, (Vendor("A", 20, s97, 0.3),)),
        Design("skewed annotator volumes (lognormal sd 1.5)", "coverage", 300, (replace(base, volume_sd=1.5),)),
        Design("1-6 labels per item", "coverage", 300, (replace(base, labels=(1, 6)),)),
        Design(
            "88% vs 91%, 300 gold, annotators do not differ",
            "power",
            300,
            (Vendor("A", 50, s88, 0.0), Vendor("B", 50, s91, 0.0)),
        ),
        Design(
            "88% vs 91%, 1000 gold, annotators do not differ",
            "power",
            1000,
            (Vendor("A", 50, s88, 0.0), Vendor("B", 50, s91, 0.0)),
            reps=0.5,
        ),
        *workforce_designs(),
    ]


def workforce_designs() -> list[Design]:
    """Hourly pay, small and uneven workforces, Dawid-Skene consensus (seeds follow the designs above)."""
    base = Vendor("A", 30, logit(0.85), 0.5)
    hourly = replace(base, annotators=20, hourly=30.0)
    three = replace(base, annotators=3)
    five = Vendor("A", 5, logit(0.85), 1.0, volume_sd=1.0)
    ds = Vendor("A", 10, logit(0.85), 1.0)
    ds_options = (("consensus", "dawid_skene"),)
    return [
        Design("hourly $30/h, speeds vary (log-sd 0.4), 20 annotators", "coverage", 300, (hourly,)),
        Design(
            "equal, hourly $30/h, speeds vary (log-sd 0.4), 20 each",
            "false claims",
            300,
            (hourly, replace(hourly, name="B")),
        ),
        Design(
            "one annotator does 53% of judgments (1 label/item)",
            "coverage",
            300,
            (replace(base, annotators=20, labels=(1, 1), dominant=0.53),),
        ),
        Design(
            "2 vendors x 3 annotators, 50 gold", "coverage", 50, (three, replace(three, name="B")), every_vendor=True
        ),
        Design(
            "3 vendors with 5, 10, 15 annotators, 300 gold",
            "coverage",
            300,
            (
                replace(base, annotators=5),
                replace(base, name="B", annotators=10),
                replace(base, name="C", annotators=15),
            ),
            every_vendor=True,
        ),
        Design(
            "README design: 5 annotators each, skewed volumes (lognormal sd 1)",
            "coverage",
            300,
            (five, replace(five, name="B")),
            every_vendor=True,
        ),
        Design("dawid_skene consensus, 10 annotators, skill sd 1.0", "coverage", 300, (ds,), options=ds_options),
        Design(
            "equal, dawid_skene consensus, 10 annotators each, skill sd 1.0",
            "false claims",
            300,
            (ds, replace(ds, name="B")),
            options=ds_options,
        ),
    ]


# ------------------------------------------------------------------------------------------ scoring
def evaluate_accepts(name: str) -> bool:
    return name in inspect.signature(le.evaluate).parameters


def methods() -> dict[str, dict[str, object]]:
    """The evaluation methods compared in one run: the default, and the item-only intervals if offered."""
    if evaluate_accepts("uncertainty"):
        return {"items only": {"uncertainty": "items"}, "default": {}}
    return {"default": {}}


def consensus_truth(report: le.Report, t: dict[str, float]) -> float:
    tie = str(report.settings.get("tie", "abstain"))
    return t["consensus_abstain"] if tie == "abstain" else t["consensus_fractional"]


@dataclass
class Tally:
    hits: dict[str, list[float]] = field(default_factory=dict)

    def add(self, key: str, value: float) -> None:
        self.hits.setdefault(key, []).append(value)

    def rate(self, key: str) -> tuple[float, float, int]:
        x = np.asarray(self.hits.get(key, []), dtype=float)
        x = x[np.isfinite(x)]
        if len(x) == 0:
            return math.nan, math.nan, 0
        p = float(x.mean())
        return p, math.sqrt(max(p * (1 - p), 0.25 / len(x)) / len(x)), len(x)


def score(design: Design, report: le.Report, tally: Tally) -> None:
    comparisons = report.comparisons
    significant = comparisons["significant"].fillna(False).astype(bool)
    sentences = verdict(report)
    claims = [s for s in sentences if CLAIM.search(s)]
    if design.kind == "false claims":
        tally.add("verdict: false claim", float(bool(claims)))
        # the decision family (alpha, if the Report puts it in a family of its own, is counted apart below)
        decision = (
            comparisons["family"] != "agreement" if "family" in comparisons.columns else comparisons["metric"] != ""
        )
        tally.add("comparisons: any significant", float(significant[decision].any()))
        for metric in ("accuracy", "consensus_accuracy", "cost_per_usable_label", "alpha"):
            rows = comparisons["metric"] == metric
            if rows.any():
                tally.add(f"  significant {metric}", float(significant[rows].any()))
    elif design.kind == "power":
        row = comparisons[comparisons["metric"] == "accuracy"].iloc[0]
        right_way = (row["vendor_a"] == "B") == (row["difference"] > 0)
        tally.add("comparison: accuracy told apart, right way", float(bool(row["significant"]) and right_way))
        first = sentences[0] if sentences else ""
        tally.add("verdict: B more accurate beyond chance", float(first.startswith("B ") and "beyond chance" in first))
    else:
        for index, v in enumerate(design.vendors if design.every_vendor else design.vendors[:1]):
            t = truth(v, design.difficulty_sd)
            row = report.summary.iloc[index]
            consensus = (
                dawid_skene_truth(v, design.difficulty_sd, design.gold_items)
                if dict(design.options).get("consensus") == "dawid_skene"
                else consensus_truth(report, t)
            )
            for metric, target in (
                ("accuracy", t["accuracy"]),
                ("consensus_accuracy", consensus),
                ("alpha", t["alpha"]),
                ("cost_per_usable_label", t["cost_per_usable_label"]),
            ):
                low, high = row[f"{metric}_ci_low"], row[f"{metric}_ci_high"]
                tally.add(f"coverage {metric}", float(low <= target <= high) if np.isfinite(low) else math.nan)
                tally.add(f"  zero-width {metric}", float(high - low <= 1e-12) if np.isfinite(low) else math.nan)


def run(reps: int, n_boot: int, only: str | None) -> dict[str, dict[str, dict[str, tuple[float, float, int]]]]:
    results: dict[str, dict[str, dict[str, tuple[float, float, int]]]] = {}
    chosen = methods()
    for d_index, design in enumerate(designs()):
        if only and not any(part.strip().lower() in design.name.lower() for part in only.split("|")):
            continue
        start = time.perf_counter()
        tallies = {name: Tally() for name in chosen}
        n = max(10, round(reps * design.reps))
        rng = np.random.default_rng(1000 + d_index)
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            for r in range(n):
                simulate(design, rng, folder)
                project = le.load_project(folder)
                for name, options in chosen.items():
                    both = {**dict(design.options), **options}
                    report = le.evaluate(project, n_boot=n_boot, seed=r, **both)  # type: ignore[arg-type]
                    score(design, report, tallies[name])
        results[design.name] = {name: {key: tally.rate(key) for key in tally.hits} for name, tally in tallies.items()}
        results[design.name]["_meta"] = {"kind": design.kind, "reps": n}  # type: ignore[dict-item]
        print(f"  [{design.kind}] {design.name}: {n} projects, {time.perf_counter() - start:.0f} s", file=sys.stderr)
    return results


def table(results: dict[str, dict[str, object]], before: dict[str, dict[str, object]] | None) -> str:
    lines = []
    for design, by_method in results.items():
        meta = by_method["_meta"]
        assert isinstance(meta, dict)
        lines.append(f"\n{design}  [{meta['kind']}, {meta['reps']} projects]")
        names = [m for m in by_method if not m.startswith("_")]
        old = before.get(design) if before else None
        header = f"  {'':44s}" + ("".join(f"{'before':>16s}") if old else "") + "".join(f"{n:>16s}" for n in names)
        lines.append(header)
        keys: list[str] = []
        for name in names:
            for key in by_method[name]:  # type: ignore[union-attr]
                if key not in keys:
                    keys.append(key)
        for key in keys:
            cells = []
            if old:
                prior = old.get("default", {}).get(key)  # type: ignore[union-attr]
                cells.append(rate_cell(prior))
            for name in names:
                cells.append(rate_cell(by_method[name].get(key)))  # type: ignore[union-attr]
            lines.append(f"  {key:44s}" + "".join(cells))
    return "\n".join(lines)


def rate_cell(value: object) -> str:
    """A simulated rate and its Monte-Carlo error, 16 characters wide ("—" where a run had no such figure)."""
    if not value:
        return f"{'—':>16s}"
    p, se, _ = value  # type: ignore[misc]
    if not math.isfinite(p):
        return f"{'n/a':>16s}"
    return f"{100 * p:9.1f}% ±{100 * se:4.1f}"


def before_now(rows: dict[str, object], old: dict[str, object] | None, width: int) -> list[str]:
    """A design's rows of rates, an earlier run's (``--before``) beside this one's: the header and a line per
    figure either run has (keys starting with "_" are the design's own notes, not figures)."""
    lines = [f"  {'':{width}s}" + (f"{'before':>16s}" if old is not None else "") + f"{'now':>16s}"]
    keys = [k for k in rows if not k.startswith("_")]
    keys += [k for k in (old or {}) if not k.startswith("_") and k not in keys]
    for key in keys:
        cells = (rate_cell(old.get(key)) if old is not None else "") + rate_cell(rows.get(key))
        lines.append(f"  {key:{width}s}{cells}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="100 projects per design")
    mode.add_argument("--full", action="store_true", help="1000 projects per design")
    parser.add_argument("--reps", type=int, help="projects per design (overrides --quick/--full)")
    parser.add_argument("--n-boot", type=int, default=1000)
    parser.add_argument("--only", help="run only designs whose name contains this text (or one of a|b|c)")
    parser.add_argument(
        "--json",
        "--save",
        dest="save",
        metavar="OUT",
        type=Path,
        help="write the results as JSON (to compare later runs with --before)",
    )
    parser.add_argument(
        "--before", metavar="FILE", type=Path, help="a JSON file saved by an earlier run, printed beside"
    )
    args = parser.parse_args(argv)
    reps = args.reps or (100 if args.quick else 1000 if args.full else 300)
    listing = ", ".join(methods())
    print(f"labeleval {le.__version__}: {reps} projects/design, {args.n_boot} resamples; {listing}", file=sys.stderr)
    start = time.perf_counter()
    results = run(reps, args.n_boot, args.only)
    before = json.loads(args.before.read_text()) if args.before else None
    print(table(results, before))  # type: ignore[arg-type]
    print(f"\n(± is one Monte-Carlo standard error; {time.perf_counter() - start:.0f} s)")
    if args.save:
        args.save.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
