"""Calibration of the gold audit: how often it accuses correct gold, and how much wrong gold it finds.

A script, not a test: ``python benchmarks/calibration_audit.py [--quick|--full] [--json OUT] [--before FILE]``
(``make calibrate`` runs it with the others).

The design (every project): 3 vendors, each with 10 annotators whose skill (logit scale) is drawn once from
N(s, 0.5) with s set for a population accuracy of 85% (difficulty sd 1.0); every vendor labels every gold item
with 3 distinct annotators (9 judgments per item); 4 labels, gold uniform over them; 300 gold items. A judgment
is right with probability sigmoid(skill + difficulty), difficulty shared by all vendors, else one of the 3 other
labels at random. **Hard (ambiguous) items**: a share of the items has its difficulty lowered by 2 (the crowd
splits about evenly) and every wrong vote on such an item goes to one other label, fixed per item. **Wrong
gold**: some items' gold label is replaced by another label at random (the judgments still follow the truth).

Each project is written as a small project (manifest + CSVs) and audited as ``evaluate()`` does:
``gold_audit(load_data(load_project(folder)))``. Per design the script prints, with Monte-Carlo errors (± one
standard error): the share of projects with at least one correct gold item called suspect, the false flags per
project, and the precision and recall of the flags (pooled over projects). Methods: the audit's default and,
where the code offers it, Benjamini-Hochberg (``control="fdr"``); with ``--before`` a saved run (for example of
today's code, ``PYTHONPATH=/tmp/labeleval-base``) is printed beside, design by design and row by row ("—"
where that run has no such figure). Deterministic given the seeds.

**The ceiling**: the columns ``oracle Holm`` and ``oracle BH`` are an audit with the *oracle null (the truth
known)*: each gold item's p-value from the true law of its votes were its gold label right (the true skills of
the annotators who labelled it, the design's difficulty distribution, hard share and how misses fall), the same
statistic (the lead of the most-voted other label over gold), Holm or Benjamini-Hochberg at 5%, and the same
Dawid-Skene and two-vendor rule. No null fitted to the votes can do better with this statistic; the gap between
the audit's columns and these is what fitting the null costs.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import math
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from calibration import Tally, sigmoid, skill_for

import labeleval as le
from labeleval.analyses.gold_audit import AuditRule, gold_audit, suspect_items
from labeleval.inference.stats import benjamini_hochberg, holm
from labeleval.io.pipeline import load_data

K = 4
LABELS = np.array(["a", "b", "c", "d"])
VENDORS = ("A", "B", "C")


@dataclass(frozen=True)
class Design:
    name: str
    wrong: int  # gold items whose gold label is wrong
    hard: float  # share of hard (ambiguous) items
    gold_items: int = 300
    annotators: int = 10  # per vendor
    per_item: int = 3  # judgments per item per vendor
    accuracy: float = 0.85
    hard_shift: float = -2.0


def designs() -> list[Design]:
    return [
        Design("all gold correct, no hard items", 0, 0.0),
        Design("all gold correct, 10% hard items", 0, 0.1),
        Design("3 of 300 gold wrong, no hard items", 3, 0.0),
        Design("3 of 300 gold wrong, 10% hard items", 3, 0.1),
        Design("15 of 300 gold wrong, no hard items", 15, 0.0),
        Design("15 of 300 gold wrong, 10% hard items", 15, 0.1),
        Design("3 of 300 wrong, 10% hard, 5 judgments/vendor", 3, 0.1, per_item=5),
    ]


@dataclass(frozen=True)
class Truth:
    """What the simulation knows of one project: the wrong gold items, every gold item's votes (items x labels)
    and gold code, and the logit skill of each annotator who labelled it (items x judgments)."""

    wrong: set[str]
    items: np.ndarray
    counts: np.ndarray
    gold: np.ndarray
    skills: np.ndarray


def simulate(d: Design, rng: np.random.Generator, folder: Path) -> Truth:
    """Write one project of the design into ``folder``; returns what the simulation knows of it."""
    n = d.gold_items
    items = np.array([f"i{i:04d}" for i in range(n)])
    truth = rng.integers(0, K, n)
    hard = np.zeros(n, dtype=bool)
    hard[rng.choice(n, round(d.hard * n), replace=False)] = True
    difficulty = rng.standard_normal(n) + np.where(hard, d.hard_shift, 0.0)
    other = (truth + rng.integers(1, K, n)) % K  # the label a hard item's wrong votes go to
    skill = skill_for(d.accuracy, 0.5, 1.0)
    blocks = []
    counts = np.zeros((n, K), dtype=np.int64)
    judged_by = []
    for name in VENDORS:
        skills = skill + 0.5 * rng.standard_normal(d.annotators)
        who = np.argsort(rng.random((n, d.annotators)), axis=1)[:, : d.per_item]
        right = rng.random(who.shape) < sigmoid(skills[who] + difficulty[:, None])
        wrong = np.where(hard[:, None], other[:, None], (truth[:, None] + rng.integers(1, K, who.shape)) % K)
        labels = np.where(right, truth[:, None], wrong)
        np.add.at(counts, (np.repeat(np.arange(n), d.per_item), labels.ravel()), 1)
        judged_by.append(skills[who])
        pd.DataFrame(
            {"item_id": np.repeat(items, d.per_item), "annotator_id": who.ravel(), "label": LABELS[labels.ravel()]}
        ).to_csv(folder / f"{name}.csv", index=False)
        blocks.append(
            f'[[vendors]]\nname = "{name}"\npath = "{name}.csv"\n'
            'pricing = { model = "per_label", rate = 0.1, currency = "USD" }\n'
        )
    gold = truth.copy()
    planted = rng.choice(n, d.wrong, replace=False)
    gold[planted] = (truth[planted] + rng.integers(1, K, d.wrong)) % K
    pd.DataFrame({"item_id": items, "label": LABELS[gold]}).to_csv(folder / "gold.csv", index=False)
    manifest = (
        '[task]\nname = "audit"\nkind = "nominal"\nlabels = ["a", "b", "c", "d"]\n\n'
        '[gold]\npath = "gold.csv"\n\n' + "\n".join(blocks)
    )
    (folder / "labeleval.toml").write_text(manifest)
    return Truth({str(i) for i in items[planted]}, items, counts, gold, np.concatenate(judged_by, axis=1))


def methods() -> dict[str, AuditRule]:
    """Today's default, and Benjamini-Hochberg where the audit offers a choice of error control."""
    fields = {f.name for f in dataclasses.fields(AuditRule)}
    out = {"default": AuditRule()}
    if "control" in fields:
        out["fdr (BH)"] = AuditRule(control="fdr")  # type: ignore[call-arg, arg-type]
    return out


#: the oracle's grid of item difficulties (logit scale) and the columns it adds
ORACLE_GRID = np.linspace(-10.0, 8.0, 901)
ORACLE = {"oracle Holm": holm, "oracle BH": benjamini_hochberg}


def _max_tail(n: int, width: int = K - 1) -> np.ndarray:
    """Q[m, x] = P(the largest of ``width`` equally likely counts summing to m is >= x), x = 0..n+1."""
    out = np.zeros((n + 1, n + 2))
    for m in range(n + 1):
        for split in itertools.product(range(m + 1), repeat=width - 1):
            last = m - sum(split)
            if last < 0:
                continue
            parts = (*split, last)
            prob = math.factorial(m) / math.prod(math.factorial(c) for c in parts) / width**m
            out[m, : max(parts) + 1] += prob
    return out


def oracle_p_values(d: Design, truth: Truth) -> np.ndarray:
    """Each gold item's p-value under the true null: the law of its votes were its gold label right, given the
    true skills of the annotators who labelled it and the design's true difficulty distribution (an ordinary
    item's difficulty N(0, 1), misses spread evenly over the other labels; a hard one's N(shift, 1), misses all
    on one label, in the design's share). Same statistic as the audit: the lead of the most-voted other label
    over the gold label."""
    n_items, judgments = truth.skills.shape
    right = sigmoid(truth.skills[:, :, None] + ORACLE_GRID[None, None, :])  # items x judgments x grid
    pmf = np.ones((n_items, len(ORACLE_GRID), 1))
    for j in range(judgments):  # Poisson-binomial of the right votes at every difficulty
        p = right[:, j, :, None]
        pmf = np.concatenate([pmf * (1 - p), np.zeros_like(pmf[..., :1])], axis=2) + np.concatenate(
            [np.zeros_like(pmf[..., :1]), pmf * p], axis=2
        )

    def mixed(centre: float) -> np.ndarray:
        weights = np.exp(-0.5 * (ORACLE_GRID - centre) ** 2)
        return np.einsum("igk,g->ik", pmf, weights / weights.sum())

    rows = np.arange(n_items)
    gold_votes = truth.counts[rows, truth.gold]
    masked = truth.counts.copy()
    masked[rows, truth.gold] = -1
    lead = masked.max(axis=1) - gold_votes
    k = np.arange(judgments + 1)
    need = np.clip(k[None, :] + lead[:, None], 0, judgments + 1)  # the other label's votes the lead asks for
    spread = _max_tail(judgments)[judgments - k[None, :], need]
    p = (1 - d.hard) * np.sum(mixed(0.0) * spread, axis=1)
    if d.hard > 0:
        p += d.hard * np.sum(mixed(d.hard_shift) * (judgments - 2 * k[None, :] >= lead[:, None]), axis=1)
    return np.minimum(p, 1.0)


def oracle_flags(d: Design, truth: Truth, audit: pd.DataFrame) -> dict[str, set[str]]:
    """The items an audit with the oracle's p-values would flag, by Holm and by Benjamini-Hochberg at 5%, with
    the audit's other conditions (the pooled Dawid-Skene model names another label, which at least two vendors'
    majorities name too)."""
    p = oracle_p_values(d, truth)
    rows = np.arange(len(p))
    masked = truth.counts.copy()
    masked[rows, truth.gold] = -1
    leads = masked.max(axis=1) > truth.counts[rows, truth.gold]
    backed = set() if audit.empty else set(audit.loc[audit["vendors_agreeing"] >= 2, "item_id"].astype(str))
    return {
        name: {str(i) for i in truth.items[(adjust(p) <= 0.05) & leads]} & backed for name, adjust in ORACLE.items()
    }


@dataclass
class Counts:
    """Per project: false flags, true flags, wrong gold planted."""

    any_false: Tally = dataclasses.field(default_factory=Tally)
    false: list[int] = dataclasses.field(default_factory=list)
    true: list[int] = dataclasses.field(default_factory=list)
    planted: list[int] = dataclasses.field(default_factory=list)

    def add(self, flagged: set[str], wrong: set[str]) -> None:
        self.any_false.add("x", float(bool(flagged - wrong)))
        self.false.append(len(flagged - wrong))
        self.true.append(len(flagged & wrong))
        self.planted.append(len(wrong))

    def rows(self) -> dict[str, tuple[float, float, int]]:
        n = len(self.false)
        false, true, planted = (np.asarray(x, dtype=float) for x in (self.false, self.true, self.planted))
        out = {
            "projects with >= 1 false flag": self.any_false.rate("x"),
            "false flags per project": (false.mean(), false.std(ddof=1) / math.sqrt(n), n),
        }
        flags = true + false
        if flags.sum() > 0:
            out["precision of the flags"] = _ratio(true, flags)
        if planted.sum() > 0:
            out["recall (wrong gold found)"] = _ratio(true, planted)
        return out


def _ratio(num: np.ndarray, den: np.ndarray) -> tuple[float, float, int]:
    """Pooled ratio over projects, with its delta-method standard error."""
    r = num.sum() / den.sum()
    n = len(num)
    resid = num - r * den
    se = math.sqrt(n / max(n - 1, 1) * float(np.sum(resid**2))) / den.sum()
    return float(r), float(se), n


def run(reps: int, only: str | None) -> dict[str, dict[str, Any]]:
    results: dict[str, dict[str, Any]] = {}
    chosen = methods()
    for index, design in enumerate(designs()):
        if only and only.lower() not in design.name.lower():
            continue
        start = time.perf_counter()
        counts = {name: Counts() for name in [*chosen, *ORACLE]}
        rng = np.random.default_rng(2100 + index)
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            for _ in range(reps):
                truth = simulate(design, rng, folder)
                data = load_data(le.load_project(folder))
                for name, rule in chosen.items():
                    audit = gold_audit(data, rule)
                    counts[name].add(set(suspect_items(audit)), truth.wrong)
                for name, flagged in oracle_flags(design, truth, audit).items():
                    counts[name].add(flagged, truth.wrong)
        results[design.name] = {name: c.rows() for name, c in counts.items()}
        results[design.name]["_meta"] = {"reps": reps}
        print(f"  {design.name}: {reps} projects, {time.perf_counter() - start:.0f} s", file=sys.stderr)
    return results


def _cell(value: Any, count: bool = False) -> str:
    if not value:
        return f"{'—':>16s}"
    p, se, _ = value
    if not math.isfinite(p):
        return f"{'n/a':>16s}"
    if count:
        return f"{p:10.2f} ±{se:4.2f}"
    return f"{100 * p:9.1f}% ±{100 * se:4.1f}"


def table(results: dict[str, dict[str, Any]], before: dict[str, dict[str, Any]] | None) -> str:
    lines = []
    for design, by_method in results.items():
        lines.append(f"\n{design}  [{by_method['_meta']['reps']} projects]")
        names = [m for m in by_method if not m.startswith("_")]
        old = (before or {}).get(design)
        old_names = [m for m in (old or {}) if not m.startswith("_")]
        header = "".join(f"{'before: ' + n:>16s}"[-16:] for n in old_names) + "".join(f"{n:>16s}" for n in names)
        lines.append(f"  {'':32s}{header}")
        keys = list(dict.fromkeys(k for n in names for k in by_method[n]))
        for key in keys:
            cells = [_cell(old[n].get(key), key.startswith("false flags")) for n in old_names] if old else []
            cells += [_cell(by_method[n].get(key), key.startswith("false flags")) for n in names]
            lines.append(f"  {key:32s}" + "".join(cells))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="100 projects per design")
    mode.add_argument("--full", action="store_true", help="1000 projects per design")
    parser.add_argument("--reps", type=int, help="projects per design (overrides --quick/--full)")
    parser.add_argument("--only", help="run only designs whose name contains this text")
    parser.add_argument("--json", type=Path, help="write the results as JSON (for a later --before)")
    parser.add_argument("--before", type=Path, help="a JSON file written by an earlier run, printed beside")
    args = parser.parse_args(argv)
    reps = args.reps or (100 if args.quick else 1000 if args.full else 300)
    print(f"labeleval {le.__version__}: gold audit, {reps} projects/design; {', '.join(methods())}", file=sys.stderr)
    start = time.perf_counter()
    results = run(reps, args.only)
    before = json.loads(args.before.read_text()) if args.before else None
    print(table(results, before))
    print(
        "\noracle Holm / oracle BH: the oracle null (the truth known): p-values from the true law of each item's"
        "\nvotes were its gold right (the true skills of its annotators, the design's difficulty distribution and"
        "\nhard share), the same statistic, Dawid-Skene and vendor rule: the ceiling of any null fitted to the data."
    )
    print(f"(± is one Monte-Carlo standard error; {time.perf_counter() - start:.0f} s)")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
