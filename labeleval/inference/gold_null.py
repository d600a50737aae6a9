"""The null distribution of the votes on a gold item whose gold label is right, and its tail probabilities.

Items differ in difficulty, so the number of judgments that agree with a correct gold label is not binomial:
it is **beta-binomial** (each item's chance of a right judgment drawn from a Beta(a, b) shared by the items),
fitted by maximum likelihood (:func:`fit_beta_binomial`, Minka's fixed point), or a mixture of an ordinary and
a hard component fitted beside one for the wrong gold (:func:`fit_difficulty_null`). The judgments that miss a
correct gold label fall on the other labels either **spread** (a symmetric Dirichlet-multinomial with
concentration ``theta`` per label) or **clustered** on one label (an ambiguous item with one plausible other
answer); :func:`fit_error_clustering` estimates the share of clustered items from the items' non-top votes.

A wrong gold label shows as gold receiving few votes *and* one other label receiving most of the rest. The
test statistic of an item is the lead of its most-voted other label over the gold label, and its p-value
(:func:`lead_tail`) is the null probability of a lead at least as large, mixing the clustered case (where the
lead is fixed by the gold votes: the beta-binomial tail alone) and the spread case. Nothing here knows of
vendors; :mod:`labeleval.analyses.gold_audit` applies it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import betaln, digamma, gammaln

from labeleval.tuning import AUDIT_JOINT_MAX_JUDGMENTS


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


def fit_beta_binomial(successes: np.ndarray, trials: np.ndarray, max_iter: int = 5000) -> tuple[float, float]:
    """Maximum-likelihood (a, b) of a beta-binomial from per-item successes out of trials (Minka's fixed
    point, on the distinct (successes, trials) pairs). Items with no trials carry no information. Bounded to
    [1e-4, 1e6] so that a data set where every item is unanimous keeps a finite fit."""
    keep = np.asarray(trials) > 0
    rows, weight = _grouped(np.asarray(successes)[keep], np.asarray(trials)[keep])
    if len(rows) == 0:
        return 1.0, 1.0
    k, n = rows[:, 0].astype(np.float64), rows[:, 1].astype(np.float64)
    share = np.average(k / n, weights=weight)
    spread = np.average((k / n - share) ** 2, weights=weight)
    phi = min(max(share * (1 - share) / max(spread, 1e-9) - 1.0, 0.5), 1e4)
    return _minka(k, n, weight, max(share, 1e-3) * phi, max(1 - share, 1e-3) * phi, max_iter)


def _minka(k: np.ndarray, n: np.ndarray, weight: np.ndarray, a: float, b: float, max_iter: int) -> tuple[float, float]:
    """Minka's fixed-point iterations for the weighted beta-binomial likelihood, from (a, b)."""
    for _ in range(max_iter):
        common = np.sum(weight * (digamma(n + a + b) - digamma(a + b)))
        new_a = min(max(a * np.sum(weight * (digamma(k + a) - digamma(a))) / common, 1e-4), 1e6)
        new_b = min(max(b * np.sum(weight * (digamma(n - k + b) - digamma(b))) / common, 1e-4), 1e6)
        done = abs(new_a - a) <= 1e-10 * a and abs(new_b - b) <= 1e-10 * b
        a, b = float(new_a), float(new_b)
        if done:
            break
    return a, b


@dataclass(frozen=True)
class DifficultyNull:
    """The null of the gold votes: a mixture of beta-binomials, (weight, a, b) per component."""

    components: tuple[tuple[float, float, float], ...]


def _bb_logpmf(k: np.ndarray, n: np.ndarray, a: float, b: float) -> np.ndarray:
    return gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1) + betaln(k + a, n - k + b) - betaln(a, b)


def _em_mixture(
    k: np.ndarray,
    n: np.ndarray,
    weight: np.ndarray,
    start: list[tuple[float, float, float]],
    floor: float,
    iterations: int,
) -> tuple[list[tuple[float, float, float]], float]:
    """EM for a mixture of beta-binomials: component 0 free (ordinary items), then, when present, component 1
    with its mean kept at or above ``floor`` (hard items) and a last one kept below it (wrong gold: a wrong
    gold label draws only part of the misses). Returns the fitted (weight, a, b) and the log-likelihood."""
    params = start
    for _ in range(iterations):
        logs = np.stack([math.log(w) + _bb_logpmf(k, n, pa, pb) for w, pa, pb in params])
        resp = np.exp(logs - logs.max(axis=0))
        resp /= resp.sum(axis=0)
        fitted = []
        for c, (_, pa, pb) in enumerate(params):
            share = float(np.sum(weight * resp[c]) / weight.sum())
            pa, pb = _minka(k, n, weight * resp[c] + 1e-12, pa, pb, 30)
            mean = pa / (pa + pb)
            if c == len(params) - 1 and c > 0 and mean > floor / 2:  # wrong gold: below half of chance
                pa, pb = floor / 2 * (pa + pb), (1 - floor / 2) * (pa + pb)
            elif c == 1 and len(params) == 3 and mean < floor:  # hard items: at least chance
                pa, pb = floor * (pa + pb), (1 - floor) * (pa + pb)
            fitted.append((max(share, 1e-6), pa, pb))
        params = fitted
    mix = np.stack([w * np.exp(_bb_logpmf(k, n, pa, pb)) for w, pa, pb in params]).sum(axis=0)
    return params, float(np.sum(weight * np.log(np.maximum(mix, 1e-300))))


def fit_difficulty_null(
    successes: np.ndarray, trials: np.ndarray, floor: float, iterations: int = 60
) -> DifficultyNull:
    """The null of the gold votes, fitted on every gold item with the wrong gold modelled beside it.

    The items are a mixture: ordinary items (one beta-binomial), possibly a group of hard items (a second
    one, mean at least ``floor``: a correct gold label draws at least a chance share of votes on average)
    and possibly wrong gold (a third, mean below half of ``floor``: a wrong gold label gets only some of the
    misses). Each extra component is kept only where it improves the fit by more than BIC asks (3
    parameters). The null is the ordinary and hard components, reweighted: a unimodal beta cannot hold a
    group of ambiguous items beside the bulk, and would then under-state how few votes a correct gold label
    can get; without a wrong-gold component, the hard one would swallow the wrong gold and hide it."""
    a, b = fit_beta_binomial(successes, trials)
    keep = np.asarray(trials) > 0
    rows, weight = _grouped(np.asarray(successes)[keep], np.asarray(trials)[keep])
    if len(rows) < 3:
        return DifficultyNull(((1.0, a, b),))
    k, n = rows[:, 0].astype(np.float64), rows[:, 1].astype(np.float64)
    penalty = 1.5 * math.log(weight.sum())
    hard = (0.1, max(floor, 0.5) * 4.0, (1 - max(floor, 0.5)) * 4.0)
    wrong = (0.02, floor / 2 * 4.0, (1 - floor / 2) * 4.0)
    best = [(1.0, a, b)]
    best_ll = float(np.sum(weight * _bb_logpmf(k, n, a, b)))
    for start in ([(0.98, a, b), wrong], [(0.88, a, b), hard, wrong]):
        params, ll = _em_mixture(k, n, weight, start, floor, iterations)
        if ll - best_ll > penalty:
            best, best_ll = params, ll
    null = best[:2] if len(best) == 3 else best[:1]
    total = sum(w for w, _, _ in null)
    return DifficultyNull(tuple((w / total, pa, pb) for w, pa, pb in null))


def beta_binomial_pmf(n: int, a: float, b: float) -> np.ndarray:
    """P(K = k) for k = 0..n under BetaBinomial(n, a, b)."""
    k = np.arange(n + 1)
    log_pmf = gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1) + betaln(k + a, n - k + b) - betaln(a, b)
    return np.exp(log_pmf)


def beta_binomial_cdf(successes: np.ndarray, trials: np.ndarray, a: float, b: float) -> np.ndarray:
    """P(K <= successes) per item under BetaBinomial(trials, a, b) (1 for an item without trials)."""
    k, n = np.asarray(successes, dtype=np.int64), np.asarray(trials, dtype=np.int64)
    out = np.ones(len(k))
    for size in np.unique(n[n > 0]):
        at = n == size
        out[at] = np.minimum(np.cumsum(beta_binomial_pmf(int(size), a, b))[k[at]], 1.0)
    return out


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
    single other label, everything is taken as clustered (the beta-binomial tail alone)."""
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


def lead_tail(
    gold_votes: np.ndarray,
    top_other: np.ndarray,
    trials: np.ndarray,
    a: float,
    b: float,
    spread: ErrorSpread | None,
    width: int,
) -> np.ndarray:
    """Per item, the null probability that the most-voted other label leads the gold label by at least the
    observed lead (``top_other - gold_votes``), given its ``trials`` judgments: gold votes beta-binomial
    (a, b), the other votes spread over ``width`` labels as ``spread`` says (None: all clustered).
    Clustered, the lead is ``trials - 2 * gold``, so that part is the beta-binomial tail of the gold votes;
    items with more than ``AUDIT_JOINT_MAX_JUDGMENTS`` judgments use that tail alone (the larger of the two)."""
    g = np.asarray(gold_votes, dtype=np.int64)
    lead = np.asarray(top_other, dtype=np.int64) - g
    n = np.asarray(trials, dtype=np.int64)
    clustered = beta_binomial_cdf(g, n, a, b)
    out = clustered.copy()
    if spread is None or spread.clustered >= 1.0 or width < 2:
        return out
    joint = np.flatnonzero((n > 0) & (n <= AUDIT_JOINT_MAX_JUDGMENTS))
    if len(joint) == 0:
        return out
    pairs, inverse = np.unique(np.stack([n[joint], lead[joint]], axis=1), axis=0, return_inverse=True)
    pmfs: dict[int, np.ndarray] = {}
    tail = np.empty(len(pairs))
    for j, (size, t) in enumerate(pairs.tolist()):
        pmf = pmfs.setdefault(size, beta_binomial_pmf(size, a, b))
        tail[j] = sum(pmf[k] * (1.0 - _max_at_most(size - k, k + t - 1, spread.theta, width)) for k in range(size + 1))
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
    """:func:`lead_tail` under each component of the null, mixed by the components' weights."""
    total = sum(w * lead_tail(gold_votes, top_other, trials, a, b, spread, width) for w, a, b in null.components)
    return np.minimum(np.asarray(total, dtype=np.float64), 1.0)
