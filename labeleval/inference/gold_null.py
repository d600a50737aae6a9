"""The null distribution of the votes on a gold item whose gold label is right, and its tail probabilities.

Items differ in difficulty, so the number of judgments that agree with a correct gold label is not binomial:
each item's chance of a right judgment is drawn from a **logit-normal** (sigmoid of N(mu, sd), the logistic
model of annotator skill plus item difficulty), in a mixture of an ordinary and a hard component fitted beside
one for the wrong gold (:func:`fit_difficulty_null`, EM on a grid of logits), each null component's sd taken
at the largest the data allow (about its estimate + 1.4 standard errors). The judgments that miss a correct gold
label fall on the other labels either **spread** (a symmetric Dirichlet-multinomial with concentration
``theta`` per label) or **clustered** on one label (an ambiguous item with one plausible other answer);
:func:`fit_error_clustering` estimates the share of clustered items from the items' non-top votes, and the
hard component's items are taken as all clustered.

A wrong gold label shows as gold receiving few votes *and* one other label receiving most of the rest. The
test statistic of an item is the lead of its most-voted other label over the gold label, and its p-value
(:func:`lead_tail`) is the null probability of a lead at least as large, mixing the clustered case (where the
lead is fixed by the gold votes: the tail of the gold votes alone) and the spread case. Nothing here knows of
vendors; :mod:`labeleval.analyses.gold_audit` applies it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np
from scipy.special import gammaln

from labeleval.tuning import AUDIT_JOINT_MAX_JUDGMENTS, AUDIT_NULL_WIDEN_LOGLIK


@dataclass(frozen=True)
class ErrorSpread:
    """How the misses of a correct gold label fall on the other labels: a share ``clustered`` (an upper
    bound) all on one label, the rest Dirichlet-multinomial with concentration ``theta`` per label."""

    clustered: float
    theta: float


def _grouped(*columns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unique rows of the stacked integer columns and how often each occurs."""
    stacked = np.stack([np.asarray(c, dtype=np.int64) for c in columns], axis=1)
    rows, counts = np.unique(stacked, axis=0, return_counts=True)
    return rows, counts.astype(np.float64)


#: the grid of item logits on which the logit-normal components are integrated (steps of 0.1)
_LOGITS = np.linspace(-12.0, 12.0, 241)
#: no component narrower than this on the logit scale (twice the grid's step)
_MIN_SD = 0.2


@dataclass(frozen=True)
class DifficultyNull:
    """The null of the gold votes: a mixture of logit-normal binomials, (weight, mu, sd) per component (an
    item's chance of a right judgment is sigmoid(N(mu, sd))); ``ambiguous`` marks the hard components, whose
    misses are taken as all on one label."""

    components: tuple[tuple[float, float, float], ...]
    ambiguous: tuple[bool, ...] = ()

    def pmf(self, n: int, component: int) -> np.ndarray:
        """P(K = k), k = 0..n, under one component."""
        _, mu, sd = self.components[component]
        return logit_normal_binomial_pmf(n, mu, sd)

    def is_ambiguous(self, component: int) -> bool:
        return component < len(self.ambiguous) and self.ambiguous[component]


def _node_weights(mu: float, sd: float) -> np.ndarray:
    w = np.exp(-0.5 * ((_LOGITS - mu) / sd) ** 2)
    return w / w.sum()


def logit_normal_binomial_pmf(n: int, mu: float, sd: float) -> np.ndarray:
    """P(K = k) for k = 0..n when K is binomial(n, sigmoid(Z)), Z ~ N(mu, sd) (integrated on a grid; in
    blocks of k, so that an item with a million judgments needs megabytes, not gigabytes)."""
    nodes = _node_weights(mu, sd)
    out = np.empty(n + 1)
    for start in range(0, n + 1, 4096):
        k = np.arange(start, min(start + 4096, n + 1), dtype=np.float64)
        out[start : start + len(k)] = np.exp(_binomial_log(k, np.full(len(k), float(n)))) @ nodes
    return out


def _binomial_log(k: np.ndarray, n: np.ndarray) -> np.ndarray:
    """log P(k of n | logit) at every grid logit, per row."""
    log_p, log_q = -np.logaddexp(0.0, -_LOGITS), -np.logaddexp(0.0, _LOGITS)
    return (gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1))[:, None] + np.outer(k, log_p) + np.outer(n - k, log_q)


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


def _em_mixture(
    grid: tuple[np.ndarray, np.ndarray],
    weight: np.ndarray,
    start: list[tuple[float, float, float]],
    floor: float,
    iterations: int,
) -> tuple[list[tuple[float, float, float]], float]:
    """EM for a mixture of logit-normal binomials on the logit grid: component 0 free (ordinary items), then,
    when present, component 1 with its median kept at or above ``floor`` (hard items) and a last one kept
    below half of it (wrong gold: a wrong gold label draws only part of the misses). Returns the fitted
    (weight, mu, sd) and the log-likelihood."""
    lik, shift = grid
    params = start
    for step in range(iterations + 1):
        priors = [w * _node_weights(mu, sd) for w, mu, sd in params]  # each component's mass at each logit
        total = np.maximum(lik @ sum(priors), 1e-300)
        if step == iterations:
            break
        backward = (weight / total) @ lik  # posterior mass at each logit, per unit of prior
        fitted = []
        for c, prior in enumerate(priors):
            node = prior * backward
            mass = float(node.sum())
            mu = float(node @ _LOGITS / max(mass, 1e-300))
            if c == len(params) - 1 and c > 0:  # wrong gold: below half of chance
                mu = min(mu, _logit(floor / 2))
            elif c == 1 and len(params) == 3:  # hard items: at least chance
                mu = max(mu, _logit(floor))
            sd = math.sqrt(float(node @ (_LOGITS - mu) ** 2) / max(mass, 1e-300))
            fitted.append((max(mass / float(weight.sum()), 1e-6), mu, max(sd, _MIN_SD)))
        params = fitted
    return params, float(np.sum(weight * (np.log(total) + shift)))


def _binomial_grid(k: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """P(k of n | logit) at every grid logit, per row, scaled by its largest value, and the log of that scale."""
    log_binom = _binomial_log(k, n)
    shift = log_binom.max(axis=1)
    return np.exp(log_binom - shift[:, None]), shift


def _loglik(grid: tuple[np.ndarray, np.ndarray], weight: np.ndarray, params: list[tuple[float, float, float]]) -> float:
    """The mixture's log-likelihood of the (weighted) rows, from their :func:`_binomial_grid`."""
    lik, shift = grid
    total = sum(w * lik @ _node_weights(mu, sd) for w, mu, sd in params)
    return float(np.sum(weight * (np.log(np.maximum(total, 1e-300)) + shift)))


def _widened(
    grid: tuple[np.ndarray, np.ndarray], weight: np.ndarray, params: list[tuple[float, float, float]], count: int
) -> list[tuple[float, float, float]]:
    """The first ``count`` components each with the largest sd whose log-likelihood (the others held) is
    within ``AUDIT_NULL_WIDEN_LOGLIK`` of the fit's (about the estimate + 1.4 standard errors): a tail towards no
    right votes as heavy as the data plausibly allow."""
    top = _loglik(grid, weight, params)
    out = list(params)
    for c in range(count):
        w, mu, sd = out[c]
        low, high = sd, sd * 3
        for _ in range(25):
            mid = (low + high) / 2
            trial = [*out[:c], (w, mu, mid), *out[c + 1 :]]
            if top - _loglik(grid, weight, trial) < AUDIT_NULL_WIDEN_LOGLIK:
                low = mid
            else:
                high = mid
        out[c] = (w, mu, low)
    return out


def fit_difficulty_null(
    successes: np.ndarray, trials: np.ndarray, floor: float, iterations: int = 100
) -> DifficultyNull:
    """The null of the gold votes, fitted on every gold item with the wrong gold modelled beside it.

    Each item's chance of a right judgment is sigmoid(N(mu, sd)) (logit-normal: the logistic model of skill
    plus difficulty; a beta fitted to the same items, whose density near 0 falls as p^(a-1) with a large for
    a high mean, put 3 to 100 times too little probability on no right votes in simulations). The
    items are a mixture: ordinary items, possibly a group of hard items (median at least ``floor``: a
    correct gold label draws at least a chance share of votes) and possibly wrong gold (median below half of
    ``floor``). Each extra component is kept only where it improves the fit by more than BIC asks (3
    parameters). The null is the ordinary and hard components, reweighted, each widened
    (:func:`_widened`): the wrong-gold component can take the hardest correct items and leave the null's
    tail too light, so the null is as heavy-tailed as the data plausibly allow. Without a wrong-gold component,
    the hard one would swallow the wrong gold and hide it."""
    keep = np.asarray(trials) > 0
    rows, weight = _grouped(np.asarray(successes)[keep], np.asarray(trials)[keep])
    if len(rows) == 0:
        return DifficultyNull(((1.0, 0.0, 1.0),))
    k, n = rows[:, 0].astype(np.float64), rows[:, 1].astype(np.float64)
    grid = _binomial_grid(k, n)
    share = min(max(float(np.average(k / n, weights=weight)), 0.02), 0.98)
    single, best_ll = _em_mixture(grid, weight, [(1.0, _logit(share), 1.0)], floor, iterations)
    if len(rows) < 3:
        return DifficultyNull(tuple(single))
    _, mu, sd = single[0]
    penalty = 1.5 * math.log(weight.sum())
    hard = (0.1, _logit(max(floor, 0.5)), 1.0)
    wrong = (0.02, _logit(floor / 4), 0.5)
    best = single
    for start in ([(0.98, mu, sd), wrong], [(0.88, mu, sd), hard, wrong]):
        params, ll = _em_mixture(grid, weight, start, floor, iterations)
        if ll - best_ll > penalty:
            best, best_ll = params, ll
    best = _widened(grid, weight, best, len(best) - (len(best) > 1))
    null = best[:2] if len(best) == 3 else best[:1]
    total = sum(w for w, _, _ in null)
    return DifficultyNull(tuple((w / total, m, s) for w, m, s in null), tuple(c > 0 for c in range(len(null))))


def _dm_loglik(counts: np.ndarray, theta: float) -> np.ndarray:
    """Log-probability of each row of counts under a symmetric Dirichlet-multinomial (theta per label)."""
    total = counts.sum(axis=1)
    width = counts.shape[1]
    return (
        gammaln(width * theta)
        - gammaln(total + width * theta)
        + np.sum(gammaln(counts + theta) - gammaln(theta), axis=1)
        + gammaln(total + 1)
        - np.sum(gammaln(counts + 1), axis=1)
    )


def _best_theta(counts: np.ndarray, weight: np.ndarray) -> float:
    """The weighted maximum-likelihood theta, by golden-section search on log theta in [-6, 6]."""
    low, high = -6.0, 6.0
    ratio = (math.sqrt(5) - 1) / 2
    x1, x2 = high - ratio * (high - low), low + ratio * (high - low)

    def loglik(t: float) -> float:
        return float(np.sum(weight * _dm_loglik(counts, math.exp(t))))

    f1, f2 = loglik(x1), loglik(x2)
    for _ in range(40):
        if f1 > f2:
            high, x2, f2 = x2, x1, f1
            x1 = high - ratio * (high - low)
            f1 = loglik(x1)
        else:
            low, x1, f1 = x1, x2, f2
            x2 = low + ratio * (high - low)
            f2 = loglik(x2)
    return math.exp((low + high) / 2)


def fit_error_clustering(other_votes: np.ndarray, iterations: int = 50) -> ErrorSpread:
    """How clustered the votes off an item's top label are, from the items with at least two such votes.

    ``other_votes``: items x (labels - 1), each item's votes on the labels other than its most-voted one (so
    a wrong gold label, whose top label is the truth, looks like any other item). A two-class mixture fitted
    by EM: with probability ``clustered`` all of an item's other votes fall on one label, else they follow a
    symmetric Dirichlet-multinomial. The share returned is an upper bound (estimate + 2 standard errors):
    erring towards clustering only makes the audit more cautious. With fewer than 5 informative items or a
    single other label, everything is taken as clustered (the tail of the gold votes alone)."""
    counts = np.sort(np.asarray(other_votes, dtype=np.int64), axis=1)[:, ::-1]  # exchangeable: sort each row
    total = counts.sum(axis=1)
    counts = counts[total >= 2]
    if counts.shape[1] < 2 or len(counts) < 5:
        return ErrorSpread(1.0, 1.0)
    rows, weight = np.unique(counts, axis=0, return_counts=True)
    weight = weight.astype(np.float64)
    width = rows.shape[1]
    # probability of this count vector (one ordering of it, like the Dirichlet-multinomial's) when clustered
    on_one = np.where(rows[:, 0] == rows.sum(axis=1), 1.0 / width, 0.0)
    share, theta = 0.5, 1.0
    for _ in range(iterations):
        clustered = share * on_one
        spread = (1 - share) * np.exp(_dm_loglik(rows, theta))
        resp = clustered / np.maximum(clustered + spread, 1e-300)
        share = float(np.sum(weight * resp) / weight.sum())
        theta = _best_theta(rows, weight * (1 - resp))
    n = weight.sum()
    bound = share + 2 * math.sqrt(max(share * (1 - share), 1 / n) / n)
    return ErrorSpread(min(1.0, bound), theta)


def _max_at_most(errors: int, top: int, theta: float, width: int) -> float:
    """P(the largest of ``width`` symmetric Dirichlet-multinomial counts summing to ``errors`` is <= top)."""
    if top < 0:
        return 0.0
    if top >= errors:
        return 1.0
    c = np.arange(top + 1)
    term = np.exp(gammaln(c + theta) - gammaln(theta) - gammaln(c + 1))
    poly, base, power = np.array([1.0]), term, width
    while power:  # term ** width, truncated at degree ``errors``
        if power & 1:
            poly = np.convolve(poly, base)[: errors + 1]
        base = np.convolve(base, base)[: errors + 1]
        power >>= 1
    if len(poly) <= errors:
        return 0.0
    scale = gammaln(errors + 1) + gammaln(width * theta) - gammaln(errors + width * theta)
    return float(min(1.0, math.exp(scale) * poly[errors]))


def _cdf(successes: np.ndarray, trials: np.ndarray, pmf: Callable[[int], np.ndarray]) -> np.ndarray:
    """P(K <= successes) per item, K's pmf given per number of trials (1 for an item without trials)."""
    out = np.ones(len(successes))
    for size in np.unique(trials[trials > 0]):
        at = trials == size
        out[at] = np.minimum(np.cumsum(pmf(int(size)))[successes[at]], 1.0)
    return out


def lead_tail(
    gold_votes: np.ndarray,
    top_other: np.ndarray,
    trials: np.ndarray,
    pmf: Callable[[int], np.ndarray],
    spread: ErrorSpread | None,
    width: int,
) -> np.ndarray:
    """Per item, the null probability that the most-voted other label leads the gold label by at least the
    observed lead (``top_other - gold_votes``), given its ``trials`` judgments: gold votes with ``pmf(n)``
    (P(K = k), k = 0..n), the other votes spread over ``width`` labels as ``spread`` says (None: all
    clustered). Clustered, the lead is ``trials - 2 * gold``, so that part is the tail of the gold votes;
    items with more than ``AUDIT_JOINT_MAX_JUDGMENTS`` judgments use that tail alone (the larger of the two)."""
    g = np.asarray(gold_votes, dtype=np.int64)
    lead = np.asarray(top_other, dtype=np.int64) - g
    n = np.asarray(trials, dtype=np.int64)
    pmfs: dict[int, np.ndarray] = {}

    def cached(size: int) -> np.ndarray:
        return pmfs.setdefault(size, pmf(size))

    clustered = _cdf(g, n, cached)
    out = clustered.copy()
    if spread is None or spread.clustered >= 1.0 or width < 2:
        return out
    joint = np.flatnonzero((n > 0) & (n <= AUDIT_JOINT_MAX_JUDGMENTS))
    if len(joint) == 0:
        return out
    pairs, inverse = np.unique(np.stack([n[joint], lead[joint]], axis=1), axis=0, return_inverse=True)
    tail = np.empty(len(pairs))
    for j, (size, t) in enumerate(pairs.tolist()):
        probs = cached(size)
        tail[j] = sum(
            probs[k] * (1.0 - _max_at_most(size - k, k + t - 1, spread.theta, width)) for k in range(size + 1)
        )
    spread_part = np.minimum(tail, 1.0)[np.ravel(inverse)]
    out[joint] = spread.clustered * clustered[joint] + (1 - spread.clustered) * spread_part
    return np.minimum(out, 1.0)


def null_lead_tail(
    gold_votes: np.ndarray,
    top_other: np.ndarray,
    trials: np.ndarray,
    null: DifficultyNull,
    spread: ErrorSpread | None,
    width: int,
) -> np.ndarray:
    """:func:`lead_tail` under each component of the null, mixed by the components' weights; a hard
    (ambiguous) component's misses are all on one label (its items are the ones with one plausible other
    answer), the ordinary one's as ``spread`` says."""
    total = np.zeros(len(np.asarray(gold_votes)))
    for c, (w, _, _) in enumerate(null.components):
        own = None if null.is_ambiguous(c) else spread
        total += w * lead_tail(gold_votes, top_other, trials, partial(null.pmf, component=c), own, width)
    return np.minimum(total, 1.0)
