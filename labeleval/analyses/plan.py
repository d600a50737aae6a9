"""How many more gold items: sample sizes for separating vendors, for the test the report runs.

**The report's test** (:func:`report_plan`, ``Report.plan``; :func:`pilot_plan`). The report compares every
vendor pair on accuracy (what the verdict reads), consensus accuracy and, when prices are known, cost per
usable label, in one single-step bootstrap max-T family, each difference studentised by its two-way standard
error (items and annotators) on Satterthwaite t degrees of freedom. With annotators in the variance, more items
do not shrink the error without limit, and the family raises the critical value above 1.96: no closed form
gives the power, so :mod:`labeleval.analyses.power` simulates pilots scored with the scoring's own variance
model and the plans search the gold items at which each comparison reaches the power. Each plan says which test
and family it planned for (its ``test``), and a pilot plan states every comparison's power at its gold items.
When a pool of annotators is too small for a difference, no number of items reaches the power: the plan says
"never" and "staff more annotators" instead of a number.

- :func:`pilot_plan`: a pilot not yet run, from assumed per-judgment accuracies, labels per item, pool sizes,
  the spread of the annotators' accuracy, the items' difficulty spread and the task's labels; priced.
- :func:`report_plan`: vendors like the measured ones (their accuracy, labels per item, annotators and the
  spread of their annotators' accuracy on gold, the task's labels, prices, and the family the report tested),
  at the observed differences on the shared gold items or at a difference you name.

**Published formulas, kept for an item-only McNemar comparison** (not the report's test): Connor's (1987)
approximation :func:`connor_n`, the exact McNemar power :func:`mcnemar_power` and sample size
:func:`mcnemar_n` (the first ``n`` whose exact power, summed over the discordant count
``D ~ Binomial(n, psi)``, reaches the target), :func:`pair_plan` on a report's items with them, the exact
majority-vote :func:`consensus_accuracy` of independent judgments, and :func:`judgment_n`, the z-test size with
an annotator term ``n = c / ((delta / (z_{1-alpha/2} + z_{power}))^2 - d)``.

Achieved power is checked by simulation in ``benchmarks/calibration_plan.py`` (``make calibrate``): pilots of
the planned size scored by :func:`labeleval.evaluate` (docs/metrics.md gives the measured figures).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import pandas as pd

from labeleval.analyses.power import PLANNED, TEST, Family, PilotModel, Workforce, items_needed, population
from labeleval.errors import LabelevalError
from labeleval.scoring.report_data import ReportData
from labeleval.tuning import PLAN_EXACT_MAX_N

PAIR_COLUMNS = (
    "vendor_a",
    "vendor_b",
    "shared_gold_items",
    "consensus_accuracy_a",
    "consensus_accuracy_b",
    "difference",
    "only_a_right",
    "only_b_right",
    "discordance",
    "power_now",
    "items_needed",
    "more_items_needed",
    "named_difference",
    "items_needed_named",
    "more_items_needed_named",
    "alpha",
    "power",
    "test",
)


def _check(power: float, alpha: float) -> None:
    if not 0 < power < 1:
        raise LabelevalError(f"power must be between 0 and 1 (e.g. 0.8); got {power!r}")
    if not 0 < alpha < 1:
        raise LabelevalError(f"alpha must be between 0 and 1 (e.g. 0.05); got {alpha!r}")


def connor_n(p10: float, p01: float, *, power: float = 0.8, alpha: float = 0.05) -> float:
    """Connor's (1987) sample size for McNemar's test: paired items needed (a float; inf when p10 == p01)."""
    _check(power, alpha)
    psi, delta = p10 + p01, abs(p10 - p01)
    if delta <= 0 or psi <= 0:
        return math.inf
    za, zb = NormalDist().inv_cdf(1 - alpha / 2), NormalDist().inv_cdf(power)
    return float((za * math.sqrt(psi) + zb * math.sqrt(max(psi - delta**2, 0.0))) ** 2 / delta**2)


def mcnemar_power(n: int, p10: float, p01: float, *, alpha: float = 0.05) -> float:
    """Exact power of the two-sided exact McNemar test (reject when its p-value is below ``alpha``) with ``n``
    paired items, where a pair is (right, wrong) with probability ``p10`` and (wrong, right) with ``p01``."""
    from scipy import stats  # imported here: scipy.stats is slow to import

    psi = p10 + p01
    if n <= 0 or psi <= 0:
        return 0.0
    d = np.arange(n + 1)
    # largest c with 2 P(Bin(d, 1/2) <= c) < alpha (the exact test's lower critical value; -1: none)
    c = stats.binom.ppf(alpha / 2, d, 0.5).astype(np.int64)
    too_big = 2 * stats.binom.cdf(c, d, 0.5) >= alpha
    c = np.where(too_big, c - 1, c)
    share = p10 / psi
    with np.errstate(invalid="ignore", divide="ignore"):
        lower = np.where(c >= 0, stats.binom.cdf(c, d, share), 0.0)
        upper = np.where(c >= 0, stats.binom.sf(d - c - 1, d, share), 0.0)
    reject = np.clip(lower + upper, 0.0, 1.0)
    weights = stats.binom.pmf(d, n, min(psi, 1.0))
    return float(np.dot(weights, reject))


def mcnemar_n(p10: float, p01: float, *, power: float = 0.8, alpha: float = 0.05) -> float:
    """Smallest number of paired items at which the exact McNemar test reaches ``power`` (inf if never)."""
    approx = connor_n(p10, p01, power=power, alpha=alpha)
    if not math.isfinite(approx):
        return math.inf
    if approx > PLAN_EXACT_MAX_N:
        return float(math.ceil(approx))
    # the exact power is a saw-tooth in n around the normal approximation: bracket the crossing with coarse
    # steps upwards from 0.8 x the approximation, then take the first n inside the bracket that reaches it
    step = max(1, math.ceil(approx / 100))
    low = max(1, math.floor(0.8 * approx))
    limit = math.ceil(3 * approx) + 200
    high = low
    while high <= limit and mcnemar_power(high, p10, p01, alpha=alpha) < power:
        low, high = high, high + step
    if high > limit:
        return float(math.ceil(approx))
    for n in range(max(1, low), high + 1):
        if mcnemar_power(n, p10, p01, alpha=alpha) >= power:
            return float(n)
    return float(high)


def pair_plan(
    items: pd.DataFrame,
    *,
    power: float = 0.8,
    alpha: float = 0.05,
    difference: float | None = None,
) -> pd.DataFrame:
    """For every vendor pair, shared gold items needed to separate them with an exact McNemar test on items.

    A published-formula plan for an item-only comparison of consensus accuracy; the report's own test is the
    max-T family with annotators in the variance, which :func:`report_plan` (``Report.plan``) sizes.

    Parameters
    ----------
    items
        ``Report.items``: one row per (item, vendor) with ``consensus_correct`` (NaN off gold; fractional
        credit for ties counts as such).
    power, alpha
        Target power and two-sided level of one comparison (use ``alpha / pairs`` to plan for a
        Bonferroni-adjusted family; Holm needs at most that).
    difference
        A difference in consensus accuracy to plan for as well (e.g. 0.03), at the observed discordance.

    Returns one row per pair (columns ``PAIR_COLUMNS``): observed accuracies on the shared gold items,
    ``only_a_right`` and ``only_b_right`` shares, the power of the data in hand (``power_now``),
    ``items_needed`` and ``more_items_needed`` at the observed difference, and the same at ``difference``.
    NaN where a figure is undefined (no shared gold; equal accuracies need infinitely many items: inf).

    Examples
    --------
    >>> import labeleval as le
    >>> report = le.evaluate("sample_data/content_safety", n_boot=0)  # doctest: +SKIP
    >>> le.pair_plan(report.items, difference=0.03)  # doctest: +SKIP
    """
    _check(power, alpha)
    if difference is not None and not 0 < difference < 1:
        raise LabelevalError(f"difference must be between 0 and 1 (e.g. 0.03); got {difference!r}")
    needed = {"item_id", "vendor", "consensus_correct"}
    if not needed <= set(items.columns):
        raise LabelevalError(f"pair_plan needs Report.items with columns {sorted(needed)}")
    gold = items.loc[items["consensus_correct"].notna(), ["item_id", "vendor", "consensus_correct"]]
    wide = gold.pivot_table(index="item_id", columns="vendor", values="consensus_correct", aggfunc="first")
    vendors = [str(v) for v in pd.unique(items["vendor"].astype(str))]
    rows = []
    for a, b in itertools.combinations(vendors, 2):
        row: dict[str, object] = dict.fromkeys(PAIR_COLUMNS, np.nan)
        row.update(vendor_a=a, vendor_b=b, alpha=alpha, power=power, named_difference=difference)
        row["test"] = "exact McNemar on shared gold items (consensus accuracy)"
        if a in wide.columns and b in wide.columns:
            both = wide[[a, b]].dropna()
            n = len(both)
            row["shared_gold_items"] = n
            if n:
                ca, cb = both[a].to_numpy(dtype=np.float64), both[b].to_numpy(dtype=np.float64)
                p10 = float(np.mean(ca * (1 - cb)))
                p01 = float(np.mean((1 - ca) * cb))
                row.update(
                    consensus_accuracy_a=float(ca.mean()),
                    consensus_accuracy_b=float(cb.mean()),
                    difference=float(ca.mean() - cb.mean()),
                    only_a_right=p10,
                    only_b_right=p01,
                    discordance=p10 + p01,
                    power_now=mcnemar_power(n, p10, p01, alpha=alpha),
                )
                need = mcnemar_n(p10, p01, power=power, alpha=alpha)
                row["items_needed"] = need
                row["more_items_needed"] = max(need - n, 0.0)
                if difference is not None:
                    psi = max(p10 + p01, difference)
                    need_named = mcnemar_n((psi + difference) / 2, (psi - difference) / 2, power=power, alpha=alpha)
                    row["items_needed_named"] = need_named
                    row["more_items_needed_named"] = max(need_named - n, 0.0)
        else:
            row["shared_gold_items"] = 0
        rows.append(row)
    frame = pd.DataFrame(rows, columns=list(PAIR_COLUMNS))
    return frame.astype({"shared_gold_items": "int64"}) if len(frame) else frame


# ----------------------------------------------------------------------------------------- pilot
def consensus_accuracy(accuracy: float, labels_per_item: int, n_classes: int, *, ties: str = "fractional") -> float:
    """Exact probability that the majority of ``labels_per_item`` independent judgments is right, when each
    is right with probability ``accuracy`` and wrong ones fall evenly on the other ``n_classes - 1`` labels.

    ``ties="fractional"`` credits a tie of ``t`` labels that includes the right one with ``1/t`` (the
    expected accuracy of a random tie-break); ``"abstain"`` credits it 0.
    """
    if not 0 <= accuracy <= 1:
        raise LabelevalError(f"accuracy must be between 0 and 1; got {accuracy!r}")
    if labels_per_item < 1 or n_classes < 2:
        raise LabelevalError("labels per item must be at least 1 and classes at least 2")
    if labels_per_item > 25:
        raise LabelevalError(f"labels per item above 25 are not planned exactly; got {labels_per_item}")
    if ties not in ("fractional", "abstain"):
        raise LabelevalError(f"ties must be 'fractional' or 'abstain'; got {ties!r}")
    k, wrong_classes = labels_per_item, n_classes - 1
    total = 0.0
    for right in range(k + 1):
        p_right = math.comb(k, right) * accuracy**right * (1 - accuracy) ** (k - right)
        if p_right == 0:
            continue
        wrong = k - right
        # distribute the wrong votes over the other labels: multinomial, equal probabilities
        for split in _compositions(wrong, wrong_classes):
            p_split = math.factorial(wrong) / math.prod(math.factorial(s) for s in split) / wrong_classes**wrong
            top = max(split) if split else 0
            if right > top:
                credit = 1.0
            elif right == top and right > 0:
                credit = 1.0 / (1 + sum(1 for s in split if s == top)) if ties == "fractional" else 0.0
            else:
                credit = 0.0
            total += p_right * p_split * credit
    return total


def _compositions(total: int, parts: int) -> list[tuple[int, ...]]:
    if parts == 1:
        return [(total,)]
    return [(first, *rest) for first in range(total + 1) for rest in _compositions(total - first, parts - 1)]


@dataclass(frozen=True)
class PilotPlan:
    """A pilot design: per pair, gold items needed by each comparison of the report's test; per vendor, items,
    labels and cost.

    ``gold_items`` is the largest finite need over the pairs and both comparisons (accuracy, which the verdict
    reads, and consensus accuracy); ``items_per_vendor`` is ``gold_items / gold_share`` rounded up; the pairs'
    ``power_judgment`` and ``power_consensus`` are each comparison's power at ``gold_items``. ``test`` names the
    test and family planned for; ``notes`` says which pairs no pilot of this shape separates.
    """

    pairs: pd.DataFrame
    vendors: pd.DataFrame
    gold_items: float
    items_per_vendor: float
    notes: tuple[str, ...]
    test: str = ""


def judgment_n(
    acc_a: float,
    acc_b: float,
    *,
    labels_per_item: int,
    pool_a: int,
    pool_b: int,
    skill_sd: float,
    power: float = 0.8,
    alpha: float = 0.05,
) -> float:
    """Gold items per vendor for a z test of per-judgment accuracy with annotator variance (inf: never)."""
    _check(power, alpha)
    delta = abs(acc_a - acc_b)
    if delta == 0:
        return math.inf
    z = NormalDist().inv_cdf(1 - alpha / 2) + NormalDist().inv_cdf(power)
    c = (acc_a * (1 - acc_a) + acc_b * (1 - acc_b)) / labels_per_item
    d = skill_sd**2 * (1.0 / pool_a + 1.0 / pool_b)
    room = (delta / z) ** 2 - d
    if room <= 0:
        return math.inf
    return float(math.ceil(c / room))


def pilot_plan(
    accuracies: Mapping[str, float],
    *,
    labels_per_item: int | Mapping[str, int] = 3,
    pool_size: int | Mapping[str, int] = 20,
    n_classes: int = 2,
    skill_sd: float = 0.05,
    difficulty_sd: float = 1.0,
    power: float = 0.8,
    alpha: float = 0.05,
    gold_share: float = 1.0,
    cost_per_label: Mapping[str, float] | None = None,
    cost_per_item: Mapping[str, float] | None = None,
    ties: str = "fractional",
    uncertainty: str = "items_and_annotators",
) -> PilotPlan:
    """Plan a pilot that is not yet run: gold items and items per vendor for the report's own test, and what
    it costs.

    The report tests every vendor pair on accuracy (what the verdict reads), consensus accuracy and, when
    every vendor has a price, cost per usable label, in one bootstrap max-T family with two-way standard
    errors (items and annotators) and Satterthwaite t; the plan sizes that test by simulation
    (:mod:`labeleval.analyses.power`).

    Parameters
    ----------
    accuracies
        Assumed per-judgment accuracy per vendor, e.g. ``{"Scale": 0.80, "Surge": 0.88}``.
    labels_per_item, pool_size
        Labels per item and annotators staffed, one number for all vendors or one per vendor.
    n_classes
        Labels of the task (errors are assumed to fall evenly on the wrong ones).
    skill_sd
        Spread of annotator accuracy inside a vendor (0.05: most annotators within +-10 points).
    difficulty_sd
        Spread of the items' difficulty on the logit scale, shared by every vendor (0: every item equally
        hard; 1: a typical task with a tail of hard items). It moves consensus accuracy most.
    gold_share
        Share of the pilot's items that carry gold (items per vendor = gold items / gold_share).
    cost_per_label, cost_per_item
        A vendor's price per judgment and per item (from its rate card or ``Report.cost``); either or both.
    ties, uncertainty
        The evaluation's tie policy (``"fractional"`` or ``"abstain"``) and uncertainty (``"items"`` plans
        for item-only intervals).

    Examples
    --------
    >>> plan = pilot_plan({"A": 0.80, "B": 0.88}, labels_per_item=3, pool_size=20, n_classes=4)  # doctest: +SKIP
    >>> int(plan.gold_items)  # doctest: +SKIP
    433
    """
    _check_pilot(accuracies, power, alpha, gold_share, skill_sd, difficulty_sd, ties, n_classes)
    names = list(accuracies)
    k = _per_vendor(labels_per_item, names, "labels per item")
    pools = _per_vendor(pool_size, names, "the annotator pool size")
    if any(v > 25 for v in k.values()):
        raise LabelevalError("labels per item above 25 are not planned")
    prices = {n: _label_price(n, k[n], cost_per_label, cost_per_item) for n in names}
    metrics = PLANNED + (("cost_per_usable_label",) if all(np.isfinite(list(prices.values()))) else ())
    model = PilotModel(
        tuple(Workforce(n, float(accuracies[n]), k[n], pools[n], float(skill_sd), prices[n]) for n in names),
        n_classes=int(n_classes),
        difficulty_sd=float(difficulty_sd),
        abstain_ties=ties == "abstain",
        family=Family(metrics, 1.0 - alpha, str(uncertainty) != "items"),
    )
    pairs, notes, gold_items = _pilot_pairs(model, power)
    items = float(math.ceil(gold_items / gold_share)) if math.isfinite(gold_items) else math.inf
    vendors = _pilot_vendors(model, gold_items, items, cost_per_label, cost_per_item)
    return PilotPlan(pairs, vendors, gold_items, items, tuple(notes), model.family.describe(len(model.pairs)))


def _check_pilot(
    accuracies: Mapping[str, float],
    power: float,
    alpha: float,
    gold_share: float,
    skill_sd: float,
    difficulty_sd: float,
    ties: str,
    n_classes: int,
) -> None:
    _check(power, alpha)
    if len(accuracies) < 2:
        raise LabelevalError("a pilot plan needs assumed accuracies for at least two vendors")
    if not 0 < gold_share <= 1:
        raise LabelevalError(f"gold_share must be in (0, 1]; got {gold_share!r}")
    if skill_sd < 0 or difficulty_sd < 0:
        raise LabelevalError(f"skill_sd and difficulty_sd must be >= 0; got {skill_sd!r} and {difficulty_sd!r}")
    if ties not in ("fractional", "abstain"):
        raise LabelevalError(f"ties must be 'fractional' or 'abstain'; got {ties!r}")
    if n_classes < 2:
        raise LabelevalError(f"a task has at least 2 labels; got {n_classes!r}")
    if any(not 0 < float(a) < 1 for a in accuracies.values()):
        raise LabelevalError("assumed accuracies must be between 0 and 1 (exclusive)")


def _pilot_vendors(
    model: PilotModel,
    gold_items: float,
    items: float,
    cost_per_label: Mapping[str, float] | None,
    cost_per_item: Mapping[str, float] | None,
) -> pd.DataFrame:
    """Per vendor: its assumptions, its consensus accuracy under the model, the pilot's items, labels, cost."""
    return pd.DataFrame(
        [
            {
                "vendor": w.name,
                "accuracy": w.accuracy,
                "labels_per_item": w.labels_per_item,
                "pool_size": w.pool,
                "consensus_accuracy": population(model, i)["consensus_accuracy"][0],
                "gold_items": gold_items,
                "items": items,
                "labels": items * w.labels_per_item,
                "cost": _pilot_cost(w.name, items, w.labels_per_item, cost_per_label, cost_per_item),
            }
            for i, w in enumerate(model.vendors)
        ]
    )


def _label_price(
    name: str, k: int, cost_per_label: Mapping[str, float] | None, cost_per_item: Mapping[str, float] | None
) -> float:
    """A vendor's price per label (a per-item price over its labels per item); NaN without one."""
    if cost_per_label and name in cost_per_label:
        return float(cost_per_label[name])
    if cost_per_item and name in cost_per_item:
        return float(cost_per_item[name]) / k
    return math.nan


def _per_vendor(value: int | Mapping[str, int], names: list[str], what: str) -> dict[str, int]:
    out = {n: int(value[n]) for n in names} if isinstance(value, Mapping) else dict.fromkeys(names, int(value))
    if any(v < 1 for v in out.values()):
        raise LabelevalError(f"{what} must be at least 1 for every vendor")
    return out


def _pilot_pairs(model: PilotModel, power: float) -> tuple[pd.DataFrame, list[str], float]:
    """Per vendor pair: gold items for the accuracy (verdict) and consensus comparisons of the report's test,
    and each one's power at the plan's gold items; notes on pairs that no pilot of this shape separates."""
    needs, at = items_needed(model, power)
    finite = needs[np.isfinite(needs)]
    gold_items = float(finite.max()) if len(finite) else math.inf
    reached = at.power(gold_items) if math.isfinite(gold_items) else np.full(len(needs), np.nan)
    rows, notes = [], []
    for p, (a, b) in enumerate(model.pairs):
        va, vb = model.vendors[a], model.vendors[b]
        judgment, consensus = 2 * p, 2 * p + 1  # PLANNED: accuracy, then consensus accuracy
        for j, what in ((judgment, "per-judgment accuracy"), (consensus, "consensus accuracy")):
            if not math.isfinite(needs[j]) and va.accuracy != vb.accuracy:
                notes.append(
                    f"{va.name} vs {vb.name}: with {va.pool} and {vb.pool} annotators (skill spread "
                    f"{va.skill_sd:.2f}) no number of items separates them on {what} with {power:.0%} power; "
                    f"staff more annotators"
                )
        pop_a, pop_b = population(model, a), population(model, b)
        rows.append(
            {
                "vendor_a": va.name,
                "vendor_b": vb.name,
                "accuracy_a": va.accuracy,
                "accuracy_b": vb.accuracy,
                "consensus_accuracy_a": pop_a["consensus_accuracy"][0],
                "consensus_accuracy_b": pop_b["consensus_accuracy"][0],
                "gold_items_judgment": float(needs[judgment]),
                "gold_items_consensus": float(needs[consensus]),
                "power_judgment": float(reached[judgment]),
                "power_consensus": float(reached[consensus]),
                "test": TEST,
            }
        )
    if any(x.accuracy == y.accuracy for x, y in itertools.combinations(model.vendors, 2)):
        notes.append("two vendors have the same assumed accuracy: no pilot separates them")
    return pd.DataFrame(rows), notes, gold_items


def _pilot_cost(
    name: str,
    items: float,
    labels_per_item: int,
    cost_per_label: Mapping[str, float] | None,
    cost_per_item: Mapping[str, float] | None,
) -> float:
    """What the pilot costs at the vendor's prices (NaN when it has none, or the pilot is endless)."""
    prices = [
        float(cost_per_label[name]) * items * labels_per_item if cost_per_label and name in cost_per_label else None,
        float(cost_per_item[name]) * items if cost_per_item and name in cost_per_item else None,
    ]
    known = [p for p in prices if p is not None]
    return float(sum(known)) if known and math.isfinite(items) else float("nan")


def pilot_prices(report_cost: pd.DataFrame) -> tuple[dict[str, float], dict[str, float]]:
    """Per-label and per-item prices per vendor from ``Report.cost``: per_item vendors by item, the rest by
    the observed cost per label (hourly and fixed pricing scaled by what a label cost in this batch)."""
    per_label: dict[str, float] = {}
    per_item: dict[str, float] = {}
    for row in report_cost.itertuples(index=False):
        name = str(row.vendor)
        if row.pricing_model == "per_item" and np.isfinite(row.cost_per_item):
            per_item[name] = float(row.cost_per_item)
        elif np.isfinite(row.cost_per_label):
            per_label[name] = float(row.cost_per_label)
    return per_label, per_item


# ----------------------------------------------------------------------------------------- a report's pairs
REPORT_PLAN_COLUMNS = (
    "vendor_a",
    "vendor_b",
    "metric",
    "shared_gold_items",
    "estimate_a",
    "estimate_b",
    "difference",
    "power_now",
    "items_needed",
    "more_items_needed",
    "named_difference",
    "items_needed_named",
    "more_items_needed_named",
    "alpha",
    "power",
    "test",
)


def report_plan(
    report: ReportData,
    *,
    power: float = 0.8,
    alpha: float | None = None,
    difference: float | None = None,
    difficulty_sd: float = 1.0,
) -> pd.DataFrame:
    """For every vendor pair, on accuracy (the verdict's comparison) and consensus accuracy: the shared gold
    items at which the report's own test separates them with ``power``.

    The test is the report's: the bootstrap max-T over its decision family (the family's metrics as the
    report tested them), two-way standard errors unless the report used items only, Satterthwaite t. It is
    sized by simulating pilots (:mod:`labeleval.analyses.power`) of vendors like the measured ones: their
    per-judgment accuracy, labels per item, annotators and the spread of their annotators' accuracy on gold,
    the task's labels and prices; the items' difficulty spread is ``difficulty_sd`` (logit scale). A row's
    difference is the one observed on the shared gold items, or ``difference`` for the ``_named`` columns.

    Returns one row per pair and metric (columns ``REPORT_PLAN_COLUMNS``); NaN where a figure is undefined
    (no shared gold), inf where no number of items reaches the power (tied vendors, or too few annotators).
    """
    level = 1.0 - float(report.settings.get("confidence", 0.95)) if alpha is None else alpha
    _check(power, level)
    if difference is not None and not 0 < difference < 1:
        raise LabelevalError(f"difference must be between 0 and 1 (e.g. 0.03); got {difference!r}")
    model, observed = _report_model(report, level, difficulty_sd)
    if model is None:
        return pd.DataFrame(columns=list(REPORT_PLAN_COLUMNS))
    needs, at = items_needed(model, power, difference=observed)
    named = items_needed(model, power, difference=difference)[0] if difference is not None else None
    shared = _shared_gold(report.items)
    rows = []
    for j, (a, b, metric) in enumerate(at.keys):
        va, vb = model.vendors[a].name, model.vendors[b].name
        n = shared.get((va, vb), 0)
        row: dict[str, object] = dict.fromkeys(REPORT_PLAN_COLUMNS, np.nan)
        row.update(vendor_a=va, vendor_b=vb, metric=metric, shared_gold_items=n, alpha=level, power=power)
        row.update(test=model.family.describe(len(model.pairs)), named_difference=difference)
        row.update(_observed(report.comparisons, va, vb, metric))
        if n and np.isfinite(observed[j]):
            row["power_now"] = float(at.power(n, observed)[j])
            row["items_needed"] = float(needs[j])
            row["more_items_needed"] = max(float(needs[j]) - n, 0.0)
            if named is not None:
                row["items_needed_named"] = float(named[j])
                row["more_items_needed_named"] = max(float(named[j]) - n, 0.0)
        rows.append(row)
    return pd.DataFrame(rows, columns=list(REPORT_PLAN_COLUMNS)).astype({"shared_gold_items": "int64"})


def _report_model(report: ReportData, alpha: float, difficulty_sd: float) -> tuple[PilotModel | None, np.ndarray]:
    """The simulated pilot that stands for the report's vendors, and each planned comparison's observed
    difference on the shared gold items (NaN where the report has none)."""
    summary = report.summary
    usable = summary[np.isfinite(summary["accuracy"].astype(float))] if "accuracy" in summary else summary.iloc[:0]
    if len(usable) < 2:
        return None, np.array([])
    spread = _skill_spread(report.annotators)
    vendors = []
    for row in usable.itertuples(index=False):
        accuracy = float(np.clip(float(row.accuracy), 0.005, 0.995))
        k = int(np.clip(round(float(row.labels_per_item)), 1, 25)) if np.isfinite(row.labels_per_item) else 1
        pool = max(int(row.n_annotators), 1)
        price = float(row.cost_per_label) if np.isfinite(row.cost_per_label) else math.nan
        vendors.append(Workforce(str(row.vendor), accuracy, k, pool, spread.get(str(row.vendor), 0.05), price))
    decision = report.comparisons[
        (report.comparisons["family"] == "decision") & (report.comparisons["test"] != "not tested")
    ]
    metrics = tuple(m for m in ("accuracy", "consensus_accuracy", "usable_rate", "cost_per_usable_label")
                    if (decision["metric"] == m).any()) or PLANNED  # fmt: skip
    labels = report.settings.get("labels", [])
    model = PilotModel(
        tuple(vendors),
        n_classes=max(len(labels) if isinstance(labels, list | tuple) else 2, 2),
        difficulty_sd=difficulty_sd,
        abstain_ties=str(report.settings.get("tie", "fractional")) == "abstain",
        family=Family(metrics, 1.0 - alpha, str(report.settings.get("uncertainty", "")) != "items"),
    )
    observed = [
        _observed(report.comparisons, model.vendors[a].name, model.vendors[b].name, metric)["difference"]
        for a, b in model.pairs
        for metric in PLANNED
    ]
    return model, np.array(observed, dtype=np.float64)


def _observed(comparisons: pd.DataFrame, a: str, b: str, metric: str) -> dict[str, float]:
    """The report's estimates of a pair on the shared gold items (NaN when it did not compare them)."""
    rows = comparisons[(comparisons["metric"] == metric)]
    forward = rows[(rows["vendor_a"] == a) & (rows["vendor_b"] == b)]
    if len(forward):
        r = forward.iloc[0]
        return {"estimate_a": r["estimate_a"], "estimate_b": r["estimate_b"], "difference": r["difference"]}
    backward = rows[(rows["vendor_a"] == b) & (rows["vendor_b"] == a)]
    if len(backward):
        r = backward.iloc[0]
        return {"estimate_a": r["estimate_b"], "estimate_b": r["estimate_a"], "difference": -r["difference"]}
    return {"estimate_a": np.nan, "estimate_b": np.nan, "difference": np.nan}


def _skill_spread(annotators: pd.DataFrame) -> dict[str, float]:
    """Per vendor, the spread of its annotators' accuracy on gold beyond binomial noise (method of moments;
    0.05 where fewer than two annotators have gold judgments)."""
    out: dict[str, float] = {}
    if not {"vendor", "gold_judgments", "gold_correct"} <= set(annotators.columns):
        return out
    for vendor, rows in annotators.groupby("vendor", sort=False):
        n = rows["gold_judgments"].to_numpy(dtype=np.float64)
        x = rows["gold_correct"].to_numpy(dtype=np.float64)
        keep = n > 0
        if keep.sum() < 2:
            continue
        n, x = n[keep], x[keep]
        p = x.sum() / n.sum()
        between = float(np.var(x / n, ddof=1) - np.mean(p * (1 - p) / n))
        out[str(vendor)] = math.sqrt(max(between, 0.0))
    return out


def _shared_gold(items: pd.DataFrame) -> dict[tuple[str, str], int]:
    """Gold items both vendors of each ordered pair labelled (from ``Report.items``)."""
    if not {"item_id", "vendor", "consensus_correct"} <= set(items.columns):
        return {}
    gold = items.loc[items["consensus_correct"].notna(), ["item_id", "vendor"]]
    sets = {str(v): set(g["item_id"]) for v, g in gold.groupby("vendor", sort=False)}
    out = {}
    for a, b in itertools.permutations(sets, 2):
        out[(a, b)] = len(sets[a] & sets[b])
    return out
