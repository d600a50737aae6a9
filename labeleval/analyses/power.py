"""The power of the report's own test, by simulating pilots: what the sample-size plans size for.

The report compares vendors with one test: the single-step bootstrap max-T over the decision family (every
vendor pair x accuracy, consensus accuracy and, when prices are known, cost per usable label), each
difference studentised by its two-way standard error (items and annotators, :mod:`labeleval.scoring.uncertainty`)
on its Satterthwaite t degrees of freedom (:func:`labeleval.scoring.compare.difference_df`). No closed form
gives that test's power with few annotators, so it is simulated.

**The model.** A judgment is right with probability ``sigmoid(mu_v + u_a + d_i)``: ``u_a`` an annotator's
skill, normal, spread so that the annotators' accuracies have standard deviation ``skill_sd``; ``d_i`` the
item's difficulty (normal on the logit scale, spread ``difficulty_sd``, shared by every vendor); ``mu_v`` set so
that the vendor's accuracy is the one assumed (:func:`logit_skill`). A wrong judgment falls evenly on the other
labels. Each gold item gets ``labels_per_item`` distinct annotators of the vendor's pool of ``pool``.

**The power at n gold items** of a comparison is ``E[P(|N(delta, sigma^2)| > t_df(c) * se)]`` over simulated
pilots (the rejection count smoothed: far fewer pilots for the same precision):

- ``delta`` and the annotators' part of ``sigma^2`` (which more items do not shrink) per vendor without
  simulating items (:func:`population`: quadrature for accuracy, a U-statistic variance for consensus);
- the item part of ``sigma^2`` and each pilot's own ``se`` and ``df`` from :data:`~labeleval.tuning.PLAN_SCORED_PILOTS`
  pilots reduced to the sums the report keeps (:func:`labeleval.scoring.uncertainty.ratio_sums`, the votes'
  leave-one-out effects included) and turned into the report's estimates, annotator excess and df
  (:func:`labeleval.scoring.uncertainty.analytic_estimate`, :func:`labeleval.scoring.compare.difference_df`),
  with the Jeffreys floor: the plan takes the variance model from the scoring, it does not restate it;
- ``c`` the family's max-T critical value on the normal scale, computed as the report computes it
  (:func:`bootstrap_critical`: the scoring's two-way resamples and :func:`labeleval.inference.stats.max_t`) on
  the first :data:`~labeleval.tuning.PLAN_CRITICAL_PILOTS` pilots and averaged; a normal approximation with
  the family's correlation (:func:`family_critical`) is too low, since the two-way resamples have heavier
  tails than a normal, and serves only when no pilot can be resampled.

Read at ``n`` gold items, pilots simulated at ``n_sim`` have their item parts scaled by ``n_sim / n`` (an item
part's variance falls as ``1 / n``) and each vendor's annotator part rescaled
(:func:`labeleval.scoring.uncertainty.rescaled_parts`: the excess kept, the judgment noise in the annotators' mean
square scaled, so the df are those of a pilot of ``n`` items), up to
:data:`~labeleval.tuning.PLAN_RESCALED_UP_TO` times ``n_sim``. Above :func:`simulated_items` gold items
(:data:`~labeleval.tuning.PLAN_SIMULATED_WORK` over the larger of the labels per item and the task's labels) the
pilots are simulated at that size. :func:`items_needed` reads its answer from the sizes simulated near it, pooled.
"""

from __future__ import annotations

import functools
import itertools
import math
from dataclasses import dataclass, field
from statistics import NormalDist

import numpy as np
from scipy.special import ndtr, stdtrit

from labeleval.inference.stats import ANNOTATOR_STREAM, bootstrap_totals, jeffreys_se, max_t, two_way_samples
from labeleval.scoring.compare import difference_df
from labeleval.scoring.uncertainty import (
    EXCESS_PARTS,
    RatioEstimate,
    RatioSums,
    analytic_estimate,
    excess_parts,
    excess_terms,
    ratio_sums,
    rescaled_parts,
)
from labeleval.tuning import (
    PLAN_CRITICAL_PILOTS,
    PLAN_POOLED_WITHIN,
    PLAN_POPULATION_DRAWS,
    PLAN_RESAMPLES,
    PLAN_RESCALED_UP_TO,
    PLAN_SCORED_PILOTS,
    PLAN_SEED,
    PLAN_SIMULATED_ITEMS,
    PLAN_SIMULATED_WORK,
    PLAN_WITHIN_REACH,
)

NODES, WEIGHTS = np.polynomial.hermite_e.hermegauss(60)
WEIGHTS = WEIGHTS / WEIGHTS.sum()
FEW_NODES, FEW_WEIGHTS = np.polynomial.hermite_e.hermegauss(20)  # for the many consensus credits
FEW_WEIGHTS = FEW_WEIGHTS / FEW_WEIGHTS.sum()
PLANNED = ("accuracy", "consensus_accuracy")  # the comparisons a plan sizes (cost follows the usable rate)
TEST = "bootstrap max-T over the report's decision family"
Difference = float | np.ndarray | None  # a difference to plan for: one for every comparison, or one each


@dataclass(frozen=True)
class Workforce:
    """A vendor as the plan assumes it: per-judgment accuracy, labels per gold item, annotators staffed,
    the standard deviation of their accuracies and a price per label (NaN: no cost comparison)."""

    name: str
    accuracy: float
    labels_per_item: int = 3
    pool: int = 20
    skill_sd: float = 0.05
    price: float = math.nan


@dataclass(frozen=True)
class Family:
    """What the report will test: the decision metrics per pair, the confidence, the uncertainty."""

    metrics: tuple[str, ...] = PLANNED
    confidence: float = 0.95
    two_way: bool = True

    def describe(self, pairs: int) -> str:
        size = pairs * len(self.metrics)
        what = "items and annotators" if self.two_way else "items"
        names = ", ".join(m.replace("_", " ") for m in self.metrics)
        return (
            f"{TEST} ({size} test{'s' if size != 1 else ''}: {pairs} pair{'s' if pairs != 1 else ''} x {names}), "
            f"two-way SE ({what}), Satterthwaite t, level {1 - self.confidence:g}"
        )


@dataclass(frozen=True)
class PilotModel:
    """The simulated pilot: its vendors, the task's labels, the items' difficulty spread (logit scale)."""

    vendors: tuple[Workforce, ...]
    n_classes: int = 2
    difficulty_sd: float = 1.0
    abstain_ties: bool = False
    family: Family = field(default_factory=Family)

    @property
    def pairs(self) -> list[tuple[int, int]]:
        return list(itertools.combinations(range(len(self.vendors)), 2))


@functools.lru_cache(maxsize=256)
def logit_skill(accuracy: float, skill_sd: float, difficulty_sd: float) -> tuple[float, float]:
    """``(mu, tau)``: the mean and spread of the annotators' logit skill ``u ~ N(mu, tau)`` such that their
    accuracies ``g(u) = E_d sigmoid(u + d)`` (``d ~ N(0, difficulty_sd)``) average ``accuracy`` with standard
    deviation ``skill_sd`` (as near as a spread of that size allows so close to 0 or 1)."""

    def moments(mu: float, tau: float) -> tuple[float, float]:
        g = _sigmoid(mu + tau * FEW_NODES[:, None] + difficulty_sd * FEW_NODES[None, :]) @ FEW_WEIGHTS
        mean = float(FEW_WEIGHTS @ g)
        return mean, math.sqrt(max(float(FEW_WEIGHTS @ (g - mean) ** 2), 0.0))

    def centre(tau: float) -> float:
        low, high = -30.0, 30.0
        for _ in range(44):
            mid = (low + high) / 2
            low, high = (mid, high) if moments(mid, tau)[0] < accuracy else (low, mid)
        return (low + high) / 2

    low, high = 0.0, 8.0
    if skill_sd <= 0:
        return centre(0.0), 0.0
    for _ in range(30):
        mid = (low + high) / 2
        low, high = (mid, high) if moments(centre(mid), mid)[1] < skill_sd else (low, mid)
    tau = (low + high) / 2
    return centre(tau), tau


def _sigmoid(x: np.ndarray | float) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-np.asarray(x, dtype=np.float64))))


def _sigmoid32(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    return np.asarray(1.0 / (1.0 + np.exp(-x)), dtype=np.float32)


def _distinct(rng: np.random.Generator, shape: tuple[int, int], pool: int, k: int) -> np.ndarray:
    """``k`` distinct annotators of ``pool`` for each of ``shape`` items (sequential selection)."""
    chosen = np.empty((*shape, k), dtype=np.int64)
    for j in range(k):
        c = rng.integers(0, pool - j, size=shape)
        taken = np.sort(chosen[..., :j], axis=-1)
        for t in range(j):
            c = c + (c >= taken[..., t])
        chosen[..., j] = c
    return chosen


def _credit(counts: np.ndarray, abstain: bool) -> np.ndarray:
    """Majority-vote credit of the right label (label 0): fractional 1/t, or 0 for any tie."""
    top = counts.max(axis=-1)
    at_top = counts == top[..., None]
    ties = at_top.sum(axis=-1)
    right = at_top[..., 0] & (counts[..., 0] > 0)
    if abstain:
        return (right & (ties == 1)).astype(np.float64)
    return np.where(right, 1.0 / ties, 0.0)


def _judge(
    model: PilotModel, w: Workforce, n: int, pilots: int, difficulty: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``pilots`` draws of the vendor's workforce, each labelling ``n`` items: the annotators (pilots x n x k),
    whether each judgment is right, its label (0 is the right one) and the items' label counts."""
    k = min(w.labels_per_item, w.pool)
    mu, tau = logit_skill(w.accuracy, w.skill_sd, model.difficulty_sd)
    skill = (mu + tau * rng.standard_normal((pilots, w.pool))).astype(np.float32)
    who = _distinct(rng, (pilots, n), w.pool, k)
    logit = np.take_along_axis(skill[:, None, :], who.reshape(pilots, 1, n * k), axis=2).reshape(pilots, n, k)
    right = rng.random((pilots, n, k), dtype=np.float32) < _sigmoid32(logit + difficulty[..., None])
    labels = np.where(right, 0, rng.integers(1, model.n_classes, size=(pilots, n, k), dtype=np.int16))
    counts = np.stack([(labels == c).sum(axis=2) for c in range(model.n_classes)], axis=-1)
    return who, right, labels, counts


@functools.lru_cache(maxsize=64)
def population(model: PilotModel, vendor: int) -> dict[str, tuple[float, float]]:
    """Per ratio of one vendor: its mean over pilots and the variance its annotators add (which more items do
    not shrink), both without simulating items.

    Accuracy by quadrature: ``Var(g(u)) / pool`` with ``g(u) = E_d sigmoid(mu + u + d)``. Consensus accuracy:
    given the pool's skills, its expected value is the mean of ``h`` over the pool's ``k``-subsets (each item's
    annotators), ``h(u_1..u_k) = E_d sum_r P(r votes right) credit(r)`` (a U-statistic of the skills), so its
    variance is Hoeffding's ``sum_c C(k, c) C(A - k, k - c) / C(A, k) zeta_c``, each ``zeta_c`` (the covariance
    of ``h`` on two subsets sharing ``c`` annotators) estimated from many drawn skills."""
    w = model.vendors[vendor]
    mu, tau = logit_skill(w.accuracy, w.skill_sd, model.difficulty_sd)
    g = _sigmoid(mu + tau * NODES[:, None] + model.difficulty_sd * NODES[None, :]) @ WEIGHTS
    mean = float(WEIGHTS @ g)
    out = {"accuracy": (mean, float(WEIGHTS @ (g - mean) ** 2) / w.pool)}
    k, pool = min(w.labels_per_item, w.pool), w.pool
    table = credit_given_right(k, model.n_classes, model.abstain_ties)
    rng = np.random.default_rng(PLAN_SEED)
    draws = max(PLAN_POPULATION_DRAWS // k, 1000)

    def h(u: np.ndarray) -> np.ndarray:  # (draws, k) skills -> expected credit, over the items' difficulty
        p = _sigmoid(mu + u[:, :, None] + model.difficulty_sd * FEW_NODES[None, None, :])
        right = np.zeros((len(u), k + 1, len(FEW_NODES)))
        right[:, 0] = 1.0
        for j in range(k):  # Poisson-binomial: the number of right votes
            right[:, 1:] = right[:, 1:] * (1 - p[:, j, None]) + right[:, :-1] * p[:, j, None]
            right[:, 0] *= 1 - p[:, j]
        return np.asarray((right @ FEW_WEIGHTS) @ table)

    variance, centre = 0.0, []
    for c in range(1, k + 1):
        u = tau * rng.standard_normal((draws, 2 * k - c))
        first, second = h(u[:, :k]), h(np.concatenate([u[:, :c], u[:, k:]], axis=1))
        centre.append(float(first.mean()))
        zeta = float(np.cov(first, second)[0, 1])
        variance += math.comb(k, c) * math.comb(pool - k, k - c) / math.comb(pool, k) * zeta
    out["consensus_accuracy"] = (float(np.mean(centre)), max(variance, 0.0))
    return out


def credit_given_right(k: int, n_classes: int, abstain: bool) -> np.ndarray:
    """Expected majority-vote credit of an item with ``r`` of its ``k`` votes right (index ``r``), the wrong
    ones falling evenly on the other labels: exact over the wrong votes' splits, or by 100,000 draws per ``r``
    when those are too many."""
    wrong_labels = n_classes - 1
    out = np.zeros(k + 1)
    rng = np.random.default_rng(PLAN_SEED)
    for r in range(k + 1):
        w = k - r
        if w == 0:
            out[r] = 1.0 if r > 0 else 0.0
            continue
        if math.comb(w + wrong_labels - 1, wrong_labels - 1) <= 20_000:
            splits = np.array(_compositions(w, wrong_labels))
            log_weight = np.array([math.lgamma(w + 1) - sum(math.lgamma(c + 1) for c in row) for row in splits])
            prob = np.exp(log_weight - w * math.log(wrong_labels))
        else:
            drawn = rng.integers(0, wrong_labels, size=(100_000, w))
            splits = np.stack([(drawn == c).sum(axis=1) for c in range(wrong_labels)], axis=1)
            prob = np.full(len(splits), 1.0 / len(splits))
        top = splits.max(axis=1)
        ties = (splits == top[:, None]).sum(axis=1)
        credit = np.where(r > top, 1.0, np.where((r == top) & (r > 0), 0.0 if abstain else 1.0 / (ties + 1), 0.0))
        out[r] = float(prob @ credit)
    return out


def _compositions(total: int, parts: int) -> list[tuple[int, ...]]:
    if parts == 1:
        return [(total,)]
    return [(first, *rest) for first in range(total + 1) for rest in _compositions(total - first, parts - 1)]


@dataclass
class _Pilots:
    """One vendor's scored pilots: the report's estimates of both ratios and their per-item residuals."""

    estimates: dict[str, list[RatioEstimate]] = field(default_factory=lambda: {m: [] for m in PLANNED})
    residual: dict[str, list[np.ndarray]] = field(default_factory=lambda: {m: [] for m in PLANNED})
    excess: dict[str, list[np.ndarray]] = field(default_factory=lambda: {m: [] for m in PLANNED})  # excess_parts
    sums: list[dict[str, RatioSums]] = field(default_factory=list)  # the first pilots', for the bootstrap


def _score_pilots(model: PilotModel, w: Workforce, difficulty: np.ndarray, rng: np.random.Generator) -> _Pilots:
    """Simulated pilots scored as the report scores them: sums, estimates, variance components, df."""
    pilots, n = difficulty.shape
    who, right, labels, counts = _judge(model, w, n, pilots, difficulty, rng)
    k = who.shape[2]
    credit = _credit(counts, model.abstain_ties)
    effect = np.empty((pilots, n, k))
    classes = np.arange(model.n_classes, dtype=np.int16)
    for j in range(k):  # each vote's leave-one-out effect on its item's credit (a lone vote: the credit)
        less = counts - (labels[:, :, j, None] == classes)
        effect[..., j] = credit - _credit(less, model.abstain_ties) if k > 1 else credit
    out = _Pilots()
    item = np.repeat(np.arange(n), k)
    ones = np.ones(n * k)
    for s in range(pilots):
        key = who[s].ravel()
        sums = {
            "accuracy": ratio_sums(n, w.pool, item, key, right[s].ravel().astype(np.float64), ones),
            "consensus_accuracy": ratio_sums(
                n, w.pool, item, key, np.repeat(credit[s], k) / k, ones / k, weight=ones * k, effect=effect[s].ravel()
            ),
        }
        if s < PLAN_CRITICAL_PILOTS:
            out.sums.append(sums)
        for name, ratio in sums.items():
            out.estimates[name].append(analytic_estimate(ratio, model.family.confidence, two_way=model.family.two_way))
            out.excess[name].append(excess_parts(ratio)[0])
            x, t = ratio.item_sums[:, 0], ratio.item_sums[:, 1]  # type: ignore[index]
            out.residual[name].append((x - ratio.value * t) / ratio.trials)
    return out


@dataclass(frozen=True)
class PowerAt:
    """The report's test simulated at ``n_sim`` gold items, and its power at any ``n`` from there.

    Per planned comparison (``keys``: pair and metric): the population difference ``delta`` and the
    annotators' part of its variance ``annotator``; per scored pilot the report's item variance of the paired
    difference at ``n_sim`` and both vendors' estimates (their annotator excess and its df terms);
    the family's max-T critical value on the normal scale.
    """

    n_sim: int
    keys: list[tuple[int, int, str]]
    delta: np.ndarray
    annotator: np.ndarray
    item_var: np.ndarray  # (pilots, comparisons)
    parts: list[np.ndarray]  # per comparison (pilots x columns): each vendor's successes, trials, excess parts
    critical: float

    def power(self, n: float | None = None, difference: Difference = None) -> np.ndarray:
        """Power of every planned comparison at ``n`` gold items (default: as simulated), at the model's
        difference or at ``difference`` (one for all comparisons, or one each; NaN: the model's)."""
        n = float(self.n_sim if n is None else n)
        return np.array([self._power(j, n, difference) for j in range(len(self.keys))])

    def _power(self, j: int, n: float, difference: Difference) -> float:
        return float(self._powers(j, np.array([n]), difference)[0])

    def _powers(self, j: int, sizes: np.ndarray, difference: Difference) -> np.ndarray:
        """Comparison ``j``'s power at each of ``sizes`` gold items (the pilots along the second axis)."""
        n = np.asarray(sizes, dtype=np.float64)[:, None]
        item = self.item_var[None, :, j] * (self.n_sim / n)
        # the item part's true variance: the pilots' delta-method variance, unbiased (n / (n - 1))
        sigma = np.sqrt(item.mean(axis=1) * self.n_sim / max(self.n_sim - 1, 1) + float(self.annotator[j]))
        sigma = np.maximum(sigma, 1e-12)[:, None]
        se, df = self._se_df(j, item, n)
        finite = np.isfinite(df) & (df > 0)
        q = np.where(finite, stdtrit(np.where(finite, df, 1.0), ndtr(self.critical)), self.critical)
        named = np.nan if difference is None else float(np.broadcast_to(difference, len(self.keys))[j])
        delta = abs(float(self.delta[j]) if np.isnan(named) else named)
        upper = ndtr((delta - q * se) / sigma)
        lower = ndtr((-delta - q * se) / sigma)
        return np.asarray(np.mean(upper + lower, axis=1), dtype=np.float64)

    def _se_df(self, j: int, item: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The report's SE (with its Jeffreys floor) and Satterthwaite df of comparison ``j`` in each pilot, read
        at ``n`` gold items (a column of sizes): the item part scaled, and each vendor's annotator excess and its
        df terms those of a pilot of ``n`` items by the same annotators
        (:func:`~labeleval.scoring.uncertainty.excess_terms`), up to :data:`~labeleval.tuning.PLAN_RESCALED_UP_TO`
        times the simulated size (above, a pilot rescaled that far: the df a simulation predicts far above its
        size err low, on the side of more gold)."""
        scale = n / self.n_sim
        parts = self.parts[j]  # per vendor: successes, trials, then EXCESS_PARTS; a's columns, then b's
        width = parts.shape[1] // 2
        a, b = parts[:, :width], parts[:, width:]
        floors = np.hypot(jeffreys_se(a[:, 0] * scale, a[:, 1] * scale), jeffreys_se(b[:, 0] * scale, b[:, 1] * scale))
        rescale = np.minimum(scale, PLAN_RESCALED_UP_TO)  # beyond, the df terms of a pilot that size (cautious)
        excess_a, terms_a = excess_terms(a[:, 2:], rescale)
        excess_b, terms_b = excess_terms(b[:, 2:], rescale)
        se = np.maximum(np.sqrt(np.maximum(item + excess_a + excess_b, 0.0)), floors)
        return se, difference_df(item, excess_a, excess_b, terms_a, terms_b, np.round(n))

    def best(self, difference: Difference = None, limit: int = 1_000_000) -> np.ndarray:
        """Per comparison, the highest power on :meth:`solve`'s grid up to ``limit`` gold items."""
        grid = _grid(limit)
        return np.array([float(self._powers(j, grid, difference).max()) for j in range(len(self.keys))])

    def solve(self, power: float, difference: Difference = None, limit: int = 1_000_000) -> np.ndarray:
        """Per comparison, the first gold-item count at which it reaches ``power`` (inf: not below ``limit``).

        The power is not monotone in ``n`` far from the simulated size (the annotator part's noise is the
        simulation's), so the first size that reaches it is found on a geometric grid, then refined by bisection."""
        out = np.full(len(self.keys), math.inf)
        grid = _grid(limit)
        for j in range(len(self.keys)):
            reached = np.flatnonzero(self._powers(j, grid, difference) >= power)[:1]
            if not len(reached):
                continue
            low, high = (1, 2) if reached[0] == 0 else (int(grid[reached[0] - 1]), int(grid[reached[0]]))
            while high - low > max(1, low // 200):
                mid = (low + high) // 2
                if self._power(j, mid, difference) >= power:
                    high = mid
                else:
                    low = mid
            out[j] = float(high)
        return out


def _grid(limit: int) -> np.ndarray:
    """The gold-item counts a plan's power curve is read at: 160 geometric steps from 2 to ``limit``."""
    return np.unique(np.geomspace(2, limit, 160).astype(np.int64))


def simulated_items(model: PilotModel) -> int:
    """The largest pilot a plan simulates: :data:`~labeleval.tuning.PLAN_SIMULATED_WORK` over the larger of the
    labels per item and the task's labels (the simulation's arrays grow with both), at least
    :data:`~labeleval.tuning.PLAN_SIMULATED_ITEMS`."""
    width = max(model.n_classes, *(min(w.labels_per_item, w.pool) for w in model.vendors))
    return max(PLAN_SIMULATED_ITEMS, PLAN_SIMULATED_WORK // width)


def power_at(model: PilotModel, n: int, *, pilots: int = PLAN_SCORED_PILOTS, seed: int = PLAN_SEED) -> PowerAt:
    """The report's test simulated at ``n`` gold items (at most :func:`simulated_items`; :meth:`PowerAt.power`
    scales from there): see the module docstring."""
    n_sim = max(2, min(int(n), simulated_items(model)))
    rng = np.random.default_rng([seed, n_sim])
    difficulty = (model.difficulty_sd * rng.standard_normal((pilots, n_sim))).astype(np.float32)
    sims = [_score_pilots(model, w, difficulty, rng) for w in model.vendors]
    pops = [population(model, v) for v in range(len(model.vendors))]
    keys: list[tuple[int, int, str]] = []
    delta, annotator, item_var, estimates, family = [], [], [], [], []
    for a, b in model.pairs:
        for metric in PLANNED:
            ea, eb = sims[a].estimates[metric], sims[b].estimates[metric]
            keys.append((a, b, metric))
            delta.append(pops[a][metric][0] - pops[b][metric][0])
            annotator.append(pops[a][metric][1] + pops[b][metric][1] if model.family.two_way else 0.0)
            residuals = zip(sims[a].residual[metric], sims[b].residual[metric], strict=True)
            item_var.append([float(np.sum((x - y) ** 2)) for x, y in residuals])
            estimates.append(_pair_parts(sims[a], sims[b], metric, model.family.two_way))
            if metric in model.family.metrics:
                family.append([x.value - y.value for x, y in zip(ea, eb, strict=True)])
        family += _other_members(model, sims, a, b)
    critical = bootstrap_critical(model, sims)
    if not math.isfinite(critical):
        critical = family_critical(np.array(family).T, model.family.confidence)
    return PowerAt(n_sim, keys, np.array(delta), np.array(annotator), np.array(item_var).T, estimates, critical)


def _pair_parts(a: _Pilots, b: _Pilots, metric: str, two_way: bool) -> np.ndarray:
    """Per pilot (rows): each vendor's successes and trials, then the parts of its annotator excess
    (:data:`~labeleval.scoring.uncertainty.EXCESS_PARTS`; NaN for item-only uncertainty), a's then b's."""
    out = []
    for sim in (a, b):
        totals = [[r.successes, r.trials] for r in sim.estimates[metric]]
        parts = np.array(sim.excess[metric]) if two_way else np.full((len(totals), len(EXCESS_PARTS)), np.nan)
        out.append(np.hstack([np.array(totals), parts]))
    return np.hstack(out)


def _other_members(model: PilotModel, sims: list[_Pilots], a: int, b: int) -> list[list[float]]:
    """The family's members a plan does not size, per pilot: the usable rate under a consensus rule (counted
    as a copy of the accuracy's test) and the cost per usable label (price over the gold usable rate)."""
    acc_a = np.array([r.value for r in sims[a].estimates["accuracy"]])
    acc_b = np.array([r.value for r in sims[b].estimates["accuracy"]])
    out = []
    if "usable_rate" in model.family.metrics:
        out.append(list(acc_a - acc_b))
    if "cost_per_usable_label" in model.family.metrics:
        with np.errstate(divide="ignore", invalid="ignore"):
            out.append(list(model.vendors[a].price / acc_a - model.vendors[b].price / acc_b))
    return out


def bootstrap_critical(model: PilotModel, sims: list[_Pilots]) -> float:
    """The family's max-T critical value as the report computes it, averaged over the first
    :data:`~labeleval.tuning.PLAN_CRITICAL_PILOTS` simulated pilots: two-way resamples of each vendor's ratios
    (:func:`_two_way`) and :func:`labeleval.inference.stats.max_t` over the family. NaN without pilots."""
    values = []
    for s in range(min(len(sim.sums) for sim in sims)):
        samples = _two_way(sims, s)
        points, columns = [], []
        for a, b in model.pairs:
            for metric in (*PLANNED, "usable_rate", "cost_per_usable_label"):
                if metric not in model.family.metrics:
                    continue
                source = "accuracy" if metric in ("usable_rate", "cost_per_usable_label") else metric
                xa, xb = samples[(a, source)], samples[(b, source)]
                pa, pb = sims[a].estimates[source][s].value, sims[b].estimates[source][s].value
                if metric == "cost_per_usable_label":
                    price_a, price_b = model.vendors[a].price, model.vendors[b].price
                    with np.errstate(invalid="ignore", divide="ignore"):
                        xa, xb, pa, pb = price_a / xa, price_b / xb, price_a / pa, price_b / pb
                points.append(pa - pb)
                columns.append(xa - xb)
        values.append(max_t(np.array(points), np.column_stack(columns), model.family.confidence).critical)
    finite = [v for v in values if math.isfinite(v)]
    return float(np.mean(finite)) if finite else math.nan


def _two_way(sims: list[_Pilots], s: int) -> dict[tuple[int, str], np.ndarray]:
    """Pilot ``s``'s two-way resamples of every vendor's ratios, drawn as the scoring draws them: one item
    resampling shared by every vendor and ratio (the gold items are shared), the annotators' weights each
    vendor's own (shared by its ratios), scaled to the annotator excess by
    :func:`labeleval.inference.stats.two_way_samples` (item-only when the family is)."""
    names = [(v, m) for v in range(len(sims)) for m in PLANNED]
    items = bootstrap_totals(
        np.hstack([sims[v].sums[s][m].item_sums for v, m in names]),  # type: ignore[misc]
        n_boot=PLAN_RESAMPLES,
        seed=s,
    )
    out = {}
    for v, sim in enumerate(sims):
        people = bootstrap_totals(
            np.hstack([sim.sums[s][m].key_sums for m in PLANNED]),
            n_boot=PLAN_RESAMPLES,
            seed=1000 * s + v + 1,
            stream=ANNOTATOR_STREAM,
        )
        for j, metric in enumerate(PLANNED):
            k = 2 * names.index((v, metric))
            with np.errstate(invalid="ignore", divide="ignore"):
                by_item = items[:, k] / items[:, k + 1]
                by_person = people[:, 2 * j] / people[:, 2 * j + 1]
            estimate = sim.estimates[metric][s]
            out[(v, metric)] = two_way_samples(
                np.array([estimate.value]),
                by_item[:, None],
                by_person[:, None],
                np.array([estimate.annotator_variance]),
            )[:, 0]
    return out


def family_critical(differences: np.ndarray, confidence: float, *, draws: int = 20_000) -> float:
    """The max-T critical value of a family (normal scale): the ``confidence`` quantile of ``max |Z_k|`` for
    normal ``Z`` with the correlation of the family's differences across the simulated pilots."""
    d = np.asarray(differences, dtype=np.float64)
    if d.ndim != 2 or len(d) < 3:
        return NormalDist().inv_cdf(0.5 + confidence / 2)
    d = d[:, np.isfinite(d).all(axis=0) & (np.nanstd(d, axis=0) > 0)]
    if d.shape[1] == 0:
        return NormalDist().inv_cdf(0.5 + confidence / 2)
    corr = np.atleast_2d(np.corrcoef(d, rowvar=False))
    values, vectors = np.linalg.eigh(corr)
    root = vectors * np.sqrt(np.clip(values, 0.0, None))[None, :]
    z = np.random.default_rng(0).standard_normal((draws, len(values))) @ root.T
    return float(np.quantile(np.abs(z).max(axis=1), confidence))


def items_needed(
    model: PilotModel,
    power: float,
    *,
    difference: Difference = None,
    start: int = 200,
    limit: int = 1_000_000,
) -> tuple[np.ndarray, PowerAt]:
    """Gold items at which each planned comparison first reaches ``power`` (inf: never, or not below
    ``limit``), at the model's differences or at ``difference``; and the simulation the answer rests on.

    A simulation at ``m`` items is read at other sizes with its item parts scaled and each pilot's annotator
    excess rescaled (:func:`~labeleval.scoring.uncertainty.rescaled_parts`), but it is trusted only near ``m``:
    the spread of its excess estimates is that of a pilot of ``m`` items. So the search walks: simulate at ``m``
    (``start`` first), solve within ``m / 1.5 .. 1.5 m``; a comparison that does not get there moves the next
    simulation to ``1.5 m`` (up to :data:`~labeleval.tuning.PLAN_SIMULATED_ITEMS`, where it is solved to
    ``limit``), otherwise to the largest need, until the simulated size is within 3% of the answer (or within 10%
    of a size simulated before), at most :func:`simulated_items` (solved to ``limit`` from there: larger pilots
    cost more to simulate than the answer gains). A comparison that no size reaches at ``PLAN_SIMULATED_ITEMS``
    but whose scaled curve rises to :data:`~labeleval.tuning.PLAN_WITHIN_REACH` of the power is simulated once
    at the largest size before "never" is said. The answer is then read from the pilots of every size simulated
    within :data:`~labeleval.tuning.PLAN_POOLED_WITHIN` of it, together (:func:`pooled`): one simulation's
    answer carries its Monte-Carlo error (about 7% of the items), and the search stops between two sizes whose
    answers differ by about that much.
    """
    m, cap, widened, simulated, target = start, simulated_items(model), False, {}, start
    for _ in range(12):
        at = simulated[m] = _cached_power_at(model, m)
        wide = m >= min(PLAN_SIMULATED_ITEMS, cap)  # from here solved to ``limit``
        bound = limit if wide else min(limit, int(1.5 * m))
        needs = at.solve(power, difference, bound)
        finite = needs[np.isfinite(needs)]
        if len(finite) < len(needs) and not wide:
            m = min(int(1.5 * m) + 1, PLAN_SIMULATED_ITEMS, cap)
            continue
        unreached = ~np.isfinite(needs)
        if not widened and m < cap and np.any(at.best(difference, limit)[unreached] >= power * PLAN_WITHIN_REACH):
            m, widened = cap, True  # its curve, scaled from a smaller pilot, may understate it: simulate larger
            continue
        target = int(finite.max()) if len(finite) else m
        if (m >= cap and target >= m) or abs(target - m) <= 0.03 * m or _near(target, [s for s in simulated if s != m]):
            break
        m = min(target, cap)
    near = [sim for size, sim in simulated.items() if np.isfinite(needs).any() and _within(size, target)]
    if near:  # the sizes simulated near the answer, not the last one alone (it may be 1.5 times away)
        at = pooled(near, target)
        needs = at.solve(power, difference, bound)
    return needs, at


def _rescaled_pair(parts: np.ndarray, scale: float) -> np.ndarray:
    """:func:`_pair_parts` of pilots of ``scale`` times the items: both vendors' totals and excess parts."""
    width = parts.shape[1] // 2
    halves = [parts[:, :width], parts[:, width:]]
    return np.hstack([np.hstack([h[:, :2] * scale, rescaled_parts(h[:, 2:], scale)]) for h in halves])


def _within(size: int, target: int) -> bool:
    return abs(size - target) <= PLAN_POOLED_WITHIN * target


def pooled(simulations: list[PowerAt], n: int) -> PowerAt:
    """Simulations of one model at several sizes read as one of ``n`` gold items: each one's pilots with their
    item parts scaled and their annotator parts rescaled to ``n`` items, side by side; the critical value the
    pilots' average."""
    first = simulations[0]
    parts = [
        np.vstack([_rescaled_pair(sim.parts[j], n / sim.n_sim) for sim in simulations]) for j in range(len(first.keys))
    ]
    item_var = np.vstack([sim.item_var * (sim.n_sim / n) for sim in simulations])
    counts = [len(sim.item_var) for sim in simulations]
    critical = float(np.average([sim.critical for sim in simulations], weights=counts))
    return PowerAt(n, first.keys, first.delta, first.annotator, item_var, parts, critical)


def _near(target: int, sizes: list[int]) -> bool:
    """Whether a size within 10% of ``target`` was simulated already: the answers of simulations that close
    differ by their Monte-Carlo error (about 7% of the items), so the search would only wander between them."""
    return any(abs(target - size) <= 0.1 * size for size in sizes)


@functools.lru_cache(maxsize=32)
def _cached_power_at(model: PilotModel, n: int) -> PowerAt:
    """:func:`power_at` with the default pilots and seed, kept for a plan asked twice (the app's sliders)."""
    return power_at(model, n)
