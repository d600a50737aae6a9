"""Graded written work scored: per vendor acceptance, per-criterion scores, reviewer severity, rubric reliability,
cost per accepted deliverable, writers' cards and the paired comparisons of the verdict.

Every figure has an interval that counts the three sources of error: other prompts and other writers of the vendor
through the multiway cluster-robust variance of :mod:`labeleval.inference.crossed` on each statistic's
observation-level influence, other reviewers through the severity model (its estimation noise is in the influence;
a level adds the variance of the panel's severities). Scores are compared after the reviewers' severity is taken out
(:mod:`labeleval.analyses.graded_model`), on the prompts both vendors answered, as one max-T family over every
vendor pair and every reliable criterion plus the weighted score. A criterion whose reviewers do not agree
(alpha below :data:`~labeleval.tuning.GRADED_MIN_ALPHA`) is reported and kept out of the family and of the weighted
score, with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse

from labeleval.analyses.graded_model import (
    SeverityFit,
    adjusted_coefficients,
    fit_severity,
    severity_covariance,
    severity_draws,
)
from labeleval.analyses.replacement import PASSES, TestPart, alternative_annotator_test
from labeleval.inference.crossed import facet_df, gaussian_max_t, multiway_covariance
from labeleval.inference.stats import bootstrap_totals, percentile_ci, wilson_interval
from labeleval.io.graded import GradedData
from labeleval.metrics.agreement import alpha_from_stats, alpha_stats
from labeleval.options import AcceptanceRule, CriterionScale, PricingModel
from labeleval.project.manifest import Criterion, Project
from labeleval.tuning import (
    GRADED_IMBALANCE_V,
    GRADED_JUDGE_EPSILON,
    GRADED_MIN_ALPHA,
    GRADED_MIN_DRAWS,
    GRADED_SEVERITY_DRAWS,
)

WEIGHTED = "weighted score"


@dataclass(frozen=True)
class Panel:
    """The reviews as codes (one row per score) with each score's reviewer severity, and the fits."""

    vendors: tuple[str, ...]
    criteria: tuple[Criterion, ...]
    vendor: np.ndarray
    item: np.ndarray
    writer: np.ndarray
    reviewer: np.ndarray
    deliverable: np.ndarray
    criterion: np.ndarray
    y: np.ndarray
    severity: np.ndarray  # the severity of each score's reviewer on its criterion
    fits: tuple[SeverityFit, ...]
    reviewer_names: tuple[str, ...]
    deliverable_names: tuple[str, ...]

    @property
    def facets(self) -> tuple[np.ndarray, np.ndarray]:
        """The crossed facets the variance clusters on: prompts and writers. Reviewers are counted through the
        severity model instead (each severity's estimation noise is in every score's influence, and a level's
        interval adds the panel's mean severity's variance): with 8 reviewers, a reviewer clustering term's
        centred estimate loses most of what it should count (the few-cluster bias of multiway clustering)."""
        return (self.item, self.writer)


def build_panel(data: GradedData) -> Panel:
    """Codes for the reviews and one severity fit per criterion."""
    r = data.reviews
    vendors = tuple(v.name for v in data.project.vendors)
    criteria = data.project.criteria
    vendor = pd.Categorical(r["vendor"], categories=list(vendors)).codes.astype(np.int64)
    criterion = pd.Categorical(r["criterion"], categories=[c.name for c in criteria]).codes.astype(np.int64)
    item = pd.factorize(r["item_id"], sort=True)[0]
    writer = pd.factorize(r["vendor"].astype(str) + "\x1f" + r["writer_id"].astype(str), sort=True)[0]
    reviewer, reviewer_names = pd.factorize(r["reviewer_id"], sort=True)
    deliverable, deliverable_names = pd.factorize(r["deliverable_id"], sort=True)
    y = r["score"].to_numpy(np.float64)
    fits, severity = [], np.zeros(len(y))
    for c in range(len(criteria)):
        mine = criterion == c
        fit = fit_severity(deliverable[mine], reviewer[mine], y[mine], len(reviewer_names))
        severity[mine] = fit.severity[reviewer[mine]]
        fits.append(fit)
    return Panel(
        vendors, criteria, vendor, item, writer, reviewer, deliverable, criterion, y, severity, tuple(fits),
        tuple(map(str, reviewer_names)), tuple(map(str, deliverable_names)),
    )  # fmt: skip


def _mean_influence(
    panel: Panel, selected: np.ndarray, c: int, adjusted: bool, values: np.ndarray
) -> tuple[float, np.ndarray]:
    """A mean over ``selected`` scores of criterion ``c`` (raw, or less each reviewer's severity): its value and its
    influence on every score (zero outside the criterion)."""
    h = np.zeros(len(panel.y))
    n_sel = int(selected.sum())
    if n_sel == 0:
        return float("nan"), h
    if not adjusted:
        theta = float(values[selected].mean())
        h[selected] = (values[selected] - theta) / n_sel
        return theta, h
    mine = panel.criterion == c
    sub = selected[mine]
    coef = adjusted_coefficients(panel.fits[c], panel.deliverable[mine], panel.reviewer[mine], sub)
    theta = float(coef @ values[mine])
    base = values[mine] - panel.severity[mine]
    vendor_mean = np.bincount(panel.vendor[mine], weights=base, minlength=len(panel.vendors)) / np.maximum(
        np.bincount(panel.vendor[mine], minlength=len(panel.vendors)), 1
    )
    centre = np.where(sub, theta, vendor_mean[panel.vendor[mine]])
    h[mine] = coef * (base - centre)
    return theta, h


def _weighted_influence(panel: Panel, selected: np.ndarray, use: list[int], adjusted: bool) -> tuple[float, np.ndarray]:
    """The weighted mean of the criteria ``use``'s 0-1 scores (each criterion a mean over its ``selected``
    scores)."""
    total = sum(panel.criteria[c].weight for c in use)
    theta, h = 0.0, np.zeros(len(panel.y))
    for c in use:
        crit = panel.criteria[c]
        mean, h_c = _mean_influence(panel, selected & (panel.criterion == c), c, adjusted, panel.y)
        share = crit.weight / total / (crit.high - crit.low)
        theta += share * (mean - crit.low)
        h += share * h_c
    return (theta if use else float("nan")), h


def deliverable_scores(panel: Panel, adjusted: bool) -> pd.DataFrame:
    """Each deliverable's mean score per criterion (deliverables x criteria; NaN where nobody scored it)."""
    values = panel.y - panel.severity if adjusted else panel.y
    frame = pd.DataFrame({"d": panel.deliverable, "c": panel.criterion, "y": values})
    table = frame.pivot_table(index="d", columns="c", values="y", aggfunc="mean")
    return table.reindex(columns=range(len(panel.criteria)))


def accepted(project: Project, scores: pd.DataFrame) -> pd.Series:
    """Whether each fully scored deliverable is accepted by the manifest's rule (NaN: a criterion unscored)."""
    marks = np.array([0.5 if c.scale == CriterionScale.PASS_FAIL else c.pass_at for c in project.criteria])
    values = scores.to_numpy(np.float64)
    complete = np.isfinite(values).all(axis=1)
    if project.acceptance.rule == AcceptanceRule.ALL_PASS:
        ok = (values >= marks[None, :] - 1e-9).all(axis=1)
    else:
        weights = np.array([c.weight for c in project.criteria])
        lows = np.array([c.low for c in project.criteria])
        spans = np.array([c.high - c.low for c in project.criteria], dtype=np.float64)
        unit = ((values - lows) / spans) @ (weights / weights.sum())
        ok = unit >= project.acceptance.min_score - 1e-9
    return pd.Series(np.where(complete, ok.astype(np.float64), np.nan), index=scores.index)


def _acceptance_influence(panel: Panel, flags: pd.Series, v: int) -> tuple[float, np.ndarray, int]:
    """A vendor's acceptance rate over its fully scored deliverables, with each deliverable's influence shared
    equally among its scores (the severities are taken as known here)."""
    per_d = np.full(len(panel.deliverable_names), np.nan)
    per_d[flags.index.to_numpy()] = flags.to_numpy()
    d_vendor = np.full(len(per_d), -1)
    d_vendor[panel.deliverable] = panel.vendor
    mine = np.isfinite(per_d) & (d_vendor == v)
    n = int(mine.sum())
    h = np.zeros(len(panel.y))
    if n == 0:
        return float("nan"), h, 0
    rate = float(per_d[mine].mean())
    scores_per_d = np.bincount(panel.deliverable, minlength=len(per_d))
    in_v = mine[panel.deliverable]
    d = panel.deliverable[in_v]
    h[in_v] = (per_d[d] - rate) / n / scores_per_d[d]
    return rate, h, n


def severity_acceptance_variance(project: Project, panel: Panel, *, draws: int, seed: int) -> np.ndarray:
    """Per vendor: the variance its severity-adjusted acceptance rate owes to the severities being estimated.

    Acceptance is a step in the adjusted scores, so it has no influence function to carry the severities' noise
    (many deliverables share a raw mean and a set of reviewers, and flip together when a severity moves). Instead
    the severities are drawn ``draws`` times from their estimate's sampling law (normal, covariance
    :func:`~labeleval.analyses.graded_model.severity_covariance`, per criterion), every deliverable re-accepted on
    each draw, and the vendors' rates' variance over the draws returned."""
    adjusted = deliverable_scores(panel, adjusted=True)
    index = adjusted.index.to_numpy()
    n_all = len(panel.deliverable_names)
    rng = np.random.default_rng([seed, 2])
    shifts = np.zeros((draws, len(index), len(panel.criteria)))
    for c, fit in enumerate(panel.fits):
        mine = panel.criterion == c
        d, r = panel.deliverable[mine], panel.reviewer[mine]
        counts = np.bincount(d, minlength=n_all).astype(np.float64)
        share = sparse.csr_array(
            (1.0 / np.maximum(counts[d], 1.0), (d, r)), shape=(n_all, len(fit.severity)), dtype=np.float64
        )[index]
        deviation = severity_draws(severity_covariance(fit, d, r, panel.y[mine]), draws, rng)
        shifts[:, :, c] = (share @ deviation.T).T
    d_vendor = np.full(n_all, -1)
    d_vendor[panel.deliverable] = panel.vendor
    vendor = d_vendor[index]
    values = adjusted.to_numpy(np.float64)
    rates = np.full((draws, len(panel.vendors)), np.nan)
    for k in range(draws):
        flags = accepted(project, pd.DataFrame(values - shifts[k], index=adjusted.index)).to_numpy()
        ok = np.isfinite(flags)
        n = np.bincount(vendor[ok], minlength=len(panel.vendors))
        with np.errstate(invalid="ignore", divide="ignore"):
            rates[k] = np.bincount(vendor[ok], weights=flags[ok], minlength=len(panel.vendors)) / n
    return np.nanvar(rates, axis=0, ddof=1) if draws > 1 else np.zeros(len(panel.vendors))


def interval(theta: np.ndarray, variance: np.ndarray, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    z = NormalDist().inv_cdf(0.5 + confidence / 2.0)
    half = z * np.sqrt(np.clip(variance, 0.0, None))
    return theta - half, theta + half


def reliability(panel: Panel, *, confidence: float, n_boot: int, seed: int) -> pd.DataFrame:
    """Per criterion: Krippendorff's alpha among the reviewers (deliverables as units; ordinal for points, nominal
    for pass/fail) with a percentile interval from resampling prompts, and whether it is reliable enough to rank
    vendors on (:data:`~labeleval.tuning.GRADED_MIN_ALPHA`)."""
    rows = []
    for c, crit in enumerate(panel.criteria):
        mine = panel.criterion == c
        values = np.arange(crit.low, crit.high + 1, dtype=np.float64)
        level = "nominal" if crit.scale == CriterionScale.PASS_FAIL else "ordinal"
        d, codes = panel.deliverable[mine], (panel.y[mine] - crit.low).astype(np.int64)
        counts = np.zeros((len(panel.deliverable_names), len(values)))
        np.add.at(counts, (d, codes), 1.0)
        stats = np.asarray(alpha_stats(counts, level, values))
        alpha = float(alpha_from_stats(stats.sum(axis=0), level, values)[0])
        d_item = np.zeros(len(counts), dtype=np.int64)
        d_item[panel.deliverable] = panel.item
        by_prompt = np.zeros((int(panel.item.max()) + 1, stats.shape[1]))
        np.add.at(by_prompt, d_item, stats)
        low = high = float("nan")
        if n_boot:
            resampled = alpha_from_stats(
                bootstrap_totals(by_prompt, n_boot=n_boot, seed=seed, stream=c + 1), level, values
            )
            lo, hi = percentile_ci(resampled[:, None], confidence)
            low, high = float(lo[0]), float(hi[0])
        ok = bool(np.isfinite(alpha) and alpha >= GRADED_MIN_ALPHA)
        reason = "" if ok else (
            f"the reviewers agree too little on it (alpha {alpha:.2f} < {GRADED_MIN_ALPHA}) to rank vendors on it: "
            f"reported, kept out of the verdict and the weighted score"
        )  # fmt: skip
        pairable = int(((counts.sum(axis=1)) >= 2).sum())
        rows.append((crit.name, level, alpha, low, high, pairable, ok, reason))
    columns = ["criterion", "level", "alpha", "alpha_ci_low", "alpha_ci_high", "deliverables", "reliable", "reason"]
    return pd.DataFrame(rows, columns=columns)


def vendor_costs(data: GradedData) -> pd.DataFrame:
    """Per vendor: deliverables delivered and what they cost (the rows' own cost where given, else the pricing)."""
    rows = []
    for vendor in data.project.vendors:
        mine = data.deliverables[data.deliverables["vendor"] == vendor.name]
        p = vendor.pricing
        if mine["cost"].notna().any():
            labour = float(mine["cost"].sum())
        elif p.model in (PricingModel.PER_ITEM, PricingModel.PER_LABEL):
            labour = p.rate * len(mine)
        elif p.model == PricingModel.HOURLY:
            labour = p.rate * float(mine["duration_s"].sum()) / 3600.0
        else:
            labour = p.amount
        total = labour * (1.0 + p.fee_pct / 100.0)
        rows.append((vendor.name, str(p.model), len(mine), labour, total, total / max(len(mine), 1)))
    columns = ["vendor", "pricing_model", "deliverables", "labour", "total_cost", "cost_per_deliverable"]
    return pd.DataFrame(rows, columns=columns)


def reviewer_frames(panel: Panel) -> tuple[pd.DataFrame, pd.DataFrame, float]:
    """Each reviewer's severity per criterion; the reviewer x vendor table of reviews with each vendor's share;
    and Cramer's V of that table (0: every vendor drew the same mix of reviewers)."""
    severity = pd.DataFrame(
        [
            (
                panel.reviewer_names[r],
                crit.name,
                int(((panel.reviewer == r) & (panel.criterion == c)).sum()),
                fit.severity[r],
            )
            for c, (crit, fit) in enumerate(zip(panel.criteria, panel.fits, strict=True))
            for r in range(len(panel.reviewer_names))
        ],
        columns=["reviewer", "criterion", "scores", "severity"],
    )
    severity = severity[severity["scores"] > 0].reset_index(drop=True)
    table = np.zeros((len(panel.reviewer_names), len(panel.vendors)))
    np.add.at(table, (panel.reviewer, panel.vendor), 1.0)
    shares = table / np.maximum(table.sum(axis=0, keepdims=True), 1.0)
    balance = pd.DataFrame(
        [
            (panel.reviewer_names[r], panel.vendors[v], int(table[r, v]), shares[r, v])
            for r in range(len(panel.reviewer_names))
            for v in range(len(panel.vendors))
        ],
        columns=["reviewer", "vendor", "scores", "share_of_vendor"],
    )
    expected = table.sum(axis=1, keepdims=True) * table.sum(axis=0, keepdims=True) / max(table.sum(), 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        chi2 = float(np.nansum(np.where(expected > 0, (table - expected) ** 2 / expected, 0.0)))
    k = min(table.shape) - 1
    v_stat = float(np.sqrt(chi2 / (table.sum() * k))) if k > 0 and table.sum() else 0.0
    return severity, balance, v_stat


def _gaps(panel_scores: pd.DataFrame, outside: pd.DataFrame) -> pd.DataFrame:
    """Per deliverable scored by the outsider and at least two panel reviewers: the outsider's mean distance from
    the panel's scores, the panel's mean distance between its own reviewers, and the outsider's offset from the
    panel's mean."""
    per_d = panel_scores.groupby("deliverable_id")["score"].agg(list)
    per_d = per_d[per_d.map(len) >= 2]
    joined = (
        outside.drop_duplicates("deliverable_id").set_index("deliverable_id").join(per_d.rename("panel"), how="inner")
    )
    rows = []
    for d, o, ys, item in zip(joined.index, joined["score"], joined["panel"], joined["item_id"], strict=True):
        arr = np.asarray(ys, dtype=np.float64)
        pairs = np.abs(arr[:, None] - arr[None, :])[np.triu_indices(len(arr), 1)]
        rows.append((d, item, float(np.abs(o - arr).mean()), float(pairs.mean()), float(o - arr.mean())))
    return pd.DataFrame(rows, columns=["deliverable_id", "item_id", "outside_gap", "panel_gap", "offset"])


def judges_frame(
    data: GradedData, reliable: list[bool], *, confidence: float, n_boot: int, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each judge's (and gold reviewer's) agreement with the panel per criterion, and whether a judge can stand in
    for the panel's reviewers; with the replacement test's rows per held-out reviewer (:func:`judge_replacement`).

    Agreement: its mean distance from the panel's reviewers against the reviewers' distance from each other
    (difference with a percentile interval from resampling prompts) and its offset from the panel's mean.
    Standing in: the alternative annotator test on the criterion (``replacement``), on a criterion the panel
    itself agrees on (standing in for reviewers who do not agree says nothing)."""
    rows = []
    reviews = data.project.reviews
    roles = [("judge", j) for j in (reviews.judges if reviews else ())]
    roles += [("gold", g) for g in (reviews.gold_reviewers if reviews else ())]
    outside_all = pd.concat([data.judge_reviews, data.gold_reviews], ignore_index=True)
    tested = [judge_replacement(data, who, level=1.0 - confidence) for role, who in roles if role == "judge"]
    decisions = {(who, row["slice"]): row for who, (rows_, _) in tested for row in rows_}
    for role, who in roles:
        for k, crit in enumerate(data.project.criteria):
            mine = outside_all[(outside_all["reviewer_id"] == who) & (outside_all["criterion"] == crit.name)]
            gaps = _gaps(data.reviews[data.reviews["criterion"] == crit.name], mine)
            low, high = _gap_interval(gaps, confidence=confidence, n_boot=n_boot, seed=seed, stream=100 + k)
            diff = float((gaps["outside_gap"] - gaps["panel_gap"]).mean()) if len(gaps) else float("nan")
            offset = float(gaps["offset"].mean()) if len(gaps) else float("nan")
            found = decisions.get((who, crit.name), {})
            decision = str(found.get("decision", ""))
            stands_in = bool(role == "judge" and reliable[k] and decision == PASSES)
            test = [found.get(key, float("nan")) for key in JUDGE_TEST_KEYS]
            rows.append((who, role, crit.name, len(gaps), offset, diff, low, high, *test, decision, stands_in))
    columns = ["reviewer", "role", "criterion", "deliverables", "offset", "gap_difference", "gap_difference_ci_low"]
    columns += ["gap_difference_ci_high", *JUDGE_TEST_KEYS.values(), "replacement", "stands_in"]
    frame = pd.DataFrame(rows, columns=columns)
    held_out = [t for _, (_, t) in tested]
    return frame, (pd.concat(held_out, ignore_index=True) if held_out else _empty_held_out())


#: the replacement test's figures in the judges frame: the decision's key -> the frame's column
JUDGE_TEST_KEYS = {
    "epsilon": "epsilon",
    "annotators_tested": "reviewers_tested",
    "annotators_won": "reviewers_won",
    "winning_rate": "winning_rate",
    "candidate_advantage": "judge_advantage",
}
#: the columns of the judge_reviewers frame (one row per judge, criterion and held-out reviewer)
HELD_OUT_COLUMNS = (
    "judge",
    "criterion",
    "reviewer",
    "deliverables",
    "judge_advantage",
    "reviewer_advantage",
    "difference",
    "p_value",
    "p_adjusted",
    "tested",
    "judge_wins",
)


def judge_replacement(
    data: GradedData, judge: str, *, level: float = 0.05
) -> tuple[str, tuple[list[dict[str, Any]], pd.DataFrame]]:
    """The alternative annotator test of :mod:`labeleval.analyses.replacement` with the judge as the candidate and
    the panel's reviewers as the humans, one part per criterion (the held-out reviewers of every criterion one
    Benjamini-Yekutieli family): each reviewer held out in turn, on every deliverable it and the judge scored
    (and another reviewer did), its score and the judge's are each credited with their closeness to the other
    reviewers' scores of it (``1 - |a - b| / (high - low)``: on pass/fail, agreement). The judge wins against a
    reviewer when it is at least as close as the reviewer on all but ``epsilon`` of the deliverables
    (:data:`~labeleval.tuning.GRADED_JUDGE_EPSILON`), and can replace the panel on a criterion when it wins
    against at least half of at least three reviewers tested (each test at ``level``). Returns the judge, the
    decision per criterion and the rows per held-out reviewer (:data:`HELD_OUT_COLUMNS`)."""
    panel = data.reviews
    judged = data.judge_reviews
    judged = judged[judged["reviewer_id"] == judge] if len(judged) else judged
    ids = pd.Index(sorted(set(panel["deliverable_id"].astype(str))))
    reviewer, names = pd.factorize(panel["reviewer_id"].astype(str), sort=True)
    criterion = panel["criterion"].to_numpy()
    score = panel["score"].to_numpy(np.float64)
    item = ids.get_indexer(panel["deliverable_id"].astype(str))
    parts = []
    for crit in data.project.criteria:
        mine = criterion == crit.name
        span = int(crit.high - crit.low)
        candidate = np.full(len(ids), -1, dtype=np.int64)
        if len(judged):
            own = judged[judged["criterion"] == crit.name].drop_duplicates("deliverable_id")
            where = ids.get_indexer(own["deliverable_id"].astype(str))
            points = np.rint(own["score"].to_numpy(np.float64) - crit.low).astype(np.int64)
            candidate[where[where >= 0]] = points[where >= 0]
        steps = np.arange(span + 1, dtype=np.float64)
        credit = 1.0 - np.abs(steps[:, None] - steps[None, :]) / max(span, 1)
        codes = np.rint(score[mine] - crit.low).astype(np.int64)
        parts.append(TestPart(crit.name, item[mine], reviewer[mine], codes, candidate, credit))
    held_out, rows = alternative_annotator_test(
        parts, [str(n) for n in names], epsilon=GRADED_JUDGE_EPSILON, level=level
    )
    for row in rows:
        row["epsilon"] = GRADED_JUDGE_EPSILON
    renamed = held_out.rename(
        columns={
            "slice": "criterion",
            "annotator_id": "reviewer",
            "n_items": "deliverables",
            "candidate_advantage": "judge_advantage",
            "annotator_advantage": "reviewer_advantage",
            "candidate_wins": "judge_wins",
        }
    ).assign(judge=judge)
    return judge, (rows, renamed[list(HELD_OUT_COLUMNS)])


def _empty_held_out() -> pd.DataFrame:
    return pd.DataFrame(columns=list(HELD_OUT_COLUMNS))


def _gap_interval(gaps: pd.DataFrame, *, confidence: float, n_boot: int, seed: int, stream: int) -> tuple[float, float]:
    """The percentile interval of the outsider's gap less the panel's, from resampling prompts."""
    if not n_boot or len(gaps) <= 1:
        return float("nan"), float("nan")
    sums = gaps.groupby("item_id")[["outside_gap", "panel_gap"]].sum().assign(n=gaps.groupby("item_id").size())
    totals = bootstrap_totals(sums.to_numpy(np.float64), n_boot=n_boot, seed=seed, stream=stream)
    with np.errstate(invalid="ignore", divide="ignore"):
        lo, hi = percentile_ci(((totals[:, 0] - totals[:, 1]) / totals[:, 2])[:, None], confidence)
    return float(lo[0]), float(hi[0])


@dataclass(frozen=True)
class GradedFrames:
    """The frames of a graded evaluation (see :class:`labeleval.report.GradedReport` for each)."""

    summary: pd.DataFrame
    criteria: pd.DataFrame
    reliability: pd.DataFrame
    severity: pd.DataFrame
    reviewer_balance: pd.DataFrame
    comparisons: pd.DataFrame
    writers: pd.DataFrame
    cost: pd.DataFrame
    deliverables: pd.DataFrame
    facts: dict[str, Any]
    judges: pd.DataFrame
    judge_reviewers: pd.DataFrame


class _Columns:
    """Statistics collected as (key, estimate, influence) so that one covariance serves them all."""

    def __init__(self) -> None:
        self.keys: list[tuple[Any, ...]] = []
        self.estimates: list[float] = []
        self.influence: list[np.ndarray] = []
        self.extra: list[float] = []  # a variance added to the column's own (the panel's mean severity)

    def add(self, key: tuple[Any, ...], pair: tuple[float, np.ndarray], extra: float = 0.0) -> None:
        self.keys.append(key)
        self.estimates.append(pair[0])
        self.influence.append(pair[1])
        self.extra.append(extra)

    def covariance(self, panel: Panel) -> np.ndarray:
        if not self.keys:
            return np.zeros((0, 0))
        return multiway_covariance(np.stack(self.influence, axis=1), panel.facets)

    def intervals(
        self, panel: Panel, confidence: float, rates: dict[tuple[Any, ...], int] | None = None
    ) -> dict[tuple[Any, ...], tuple[float, float, float]]:
        """Each column's (estimate, low, high): normal, or for the ``rates`` (key -> deliverables counted) the
        Wilson interval on the effective sample size (:func:`rate_interval`)."""
        variance = np.diag(self.covariance(panel)) + np.asarray(self.extra)
        theta = np.asarray(self.estimates)
        low, high = interval(theta, variance, confidence)
        for i, key in enumerate(self.keys):
            if rates and key in rates:
                low[i], high[i] = rate_interval(theta[i], variance[i], rates[key], confidence)
        return {k: (theta[i], low[i], high[i]) for i, k in enumerate(self.keys)}


def rate_interval(rate: float, variance: float, n: int, confidence: float) -> tuple[float, float]:
    """A clustered proportion's interval: Wilson's on the effective sample size ``rate (1 - rate) / variance``, at
    most ``n`` (a design effect below 1 taken as 1; Korn & Graubard 1998). A normal interval undercovers a rate
    near 0 or 1 (its variance is read at the estimate, too small on the side away from the edge): at a 6% rate
    on 200 deliverables it covered about 90%."""
    if n <= 0 or not np.isfinite(rate):
        return float("nan"), float("nan")
    spread = rate * (1.0 - rate)
    n_eff = float(n) if variance <= 0 or spread <= 0 else min(float(n), spread / variance)
    low, high = wilson_interval(np.array([rate * n_eff]), np.array([n_eff]), confidence)
    return float(low[0]), float(high[0])


def _panel_variance(panel: Panel, c: int) -> float:
    """The variance of the panel's mean severity on criterion ``c`` (which reviewers the lab drew): an adjusted
    level is on the panel's average reviewer's scale, which another panel would set elsewhere."""
    active = np.unique(panel.reviewer[panel.criterion == c])
    s = panel.fits[c].severity[active]
    return float(s.var(ddof=1) / len(s)) if len(s) > 1 else 0.0


def _drawn_variance(panel: Panel, selected: np.ndarray, c: int) -> float:
    """The variance a raw mean over ``selected`` scores owes to which reviewers gave them: the reviewers'
    severities' variance times the sum of their squared shares of the scores."""
    active = np.unique(panel.reviewer[panel.criterion == c])
    if len(active) < 2 or not selected.any():
        return 0.0
    share = np.bincount(panel.reviewer[selected], minlength=len(panel.reviewer_names))[active] / selected.sum()
    return float(panel.fits[c].severity[active].var(ddof=1) * (share**2).sum())


def criteria_frame(panel: Panel, reliable: list[bool], confidence: float) -> pd.DataFrame:
    """Per vendor and criterion: scores, raw and adjusted mean score and the reviews' pass rate, with intervals."""
    cols = _Columns()
    for v, c in ((v, c) for v in range(len(panel.vendors)) for c in range(len(panel.criteria))):
        sel = (panel.vendor == v) & (panel.criterion == c)
        crit = panel.criteria[c]
        mark = 0.5 if crit.scale == CriterionScale.PASS_FAIL else crit.pass_at
        cols.add((v, c, "raw"), _mean_influence(panel, sel, c, False, panel.y), _drawn_variance(panel, sel, c))
        cols.add((v, c, "adj"), _mean_influence(panel, sel, c, True, panel.y), _panel_variance(panel, c))
        cols.add((v, c, "pass"), _mean_influence(panel, sel, c, False, (panel.y >= mark - 1e-9).astype(np.float64)))
    got = cols.intervals(panel, confidence)
    rows = []
    for v, c in ((v, c) for v in range(len(panel.vendors)) for c in range(len(panel.criteria))):
        n = int(((panel.vendor == v) & (panel.criterion == c)).sum())
        found = (*got[(v, c, "raw")], *got[(v, c, "adj")], *_unit(got[(v, c, "pass")]))
        rows.append((panel.vendors[v], panel.criteria[c].name, n, *found, reliable[c]))
    names = ["vendor", "criterion", "scores"]
    for stem in ("mean_score", "adjusted_score", "pass_rate"):
        names += [stem, f"{stem}_ci_low", f"{stem}_ci_high"]
    return pd.DataFrame(rows, columns=[*names, "reliable"])


def _unit(found: tuple[float, float, float]) -> tuple[float, float, float]:
    """A rate's or 0-1 score's (estimate, low, high) with the interval kept within [0, 1] (a normal interval on few
    prompts can reach past either end; nothing observable lies there)."""
    value, low, high = found
    return value, max(low, 0.0), min(high, 1.0)


def summary_frame(
    panel: Panel,
    flags: dict[str, pd.Series],
    use: list[int],
    cost: pd.DataFrame,
    confidence: float,
    estimated: np.ndarray | None = None,
) -> pd.DataFrame:
    """Per vendor: acceptance (severity-adjusted, and raw), the weighted score on the reliable criteria, the cost
    per accepted deliverable, and how much the reviewers it drew moved its raw score (severity exposure).
    ``estimated``: per vendor, the variance the adjusted acceptance rate owes to the severities being estimated
    (:func:`severity_acceptance_variance`), added to its own."""
    cols, counts = _Columns(), {}
    everything = np.ones(len(panel.y), dtype=bool)
    total = sum(panel.criteria[k].weight for k in use)
    crits = panel.criteria
    panel_var = sum(
        (crits[c].weight / total / (crits[c].high - crits[c].low)) ** 2 * _panel_variance(panel, c) for c in use
    )
    for v in range(len(panel.vendors)):
        for kind in ("adj", "raw"):
            rate, h, counts[v] = _acceptance_influence(panel, flags[kind], v)
            extra = float(estimated[v]) if kind == "adj" and estimated is not None else 0.0
            cols.add((v, f"accept_{kind}"), (rate, h), extra if np.isfinite(extra) else 0.0)
        mine = everything & (panel.vendor == v)
        cols.add((v, "score_adj"), _weighted_influence(panel, mine, use, True), panel_var)
        cols.add((v, "score_raw"), _weighted_influence(panel, mine, use, False))
    rates = {(v, f"accept_{kind}"): counts[v] for v in range(len(panel.vendors)) for kind in ("adj", "raw")}
    got = cols.intervals(panel, confidence, rates)
    rows = []
    for v, name in enumerate(panel.vendors):
        billed = cost.set_index("vendor").loc[name]
        rate, low, high = got[(v, "accept_adj")]
        per = float(billed["total_cost"]) / float(billed["deliverables"])
        with np.errstate(divide="ignore"):
            per_accepted = [per / x if x > 0 else float("inf") for x in (rate, max(high, 0.0), max(low, 0.0))]
        severity_se = float(np.sqrt(estimated[v])) if estimated is not None else float("nan")
        rows.append(
            (name, int(billed["deliverables"]), counts[v], rate, max(low, 0.0), min(high, 1.0), severity_se,
             *_unit(got[(v, "accept_raw")]), *_unit(got[(v, "score_adj")]), got[(v, "score_raw")][0],
             got[(v, "score_raw")][0] - got[(v, "score_adj")][0], float(billed["total_cost"]), per, *per_accepted)
        )  # fmt: skip
    columns = [
        "vendor",
        "deliverables",
        "scored",
        "acceptance_rate",
        "acceptance_rate_ci_low",
        "acceptance_rate_ci_high",
        "acceptance_rate_severity_se",
    ]
    columns += ["raw_acceptance_rate", "raw_acceptance_rate_ci_low", "raw_acceptance_rate_ci_high"]
    columns += ["weighted_score", "weighted_score_ci_low", "weighted_score_ci_high", "raw_weighted_score"]
    columns += ["severity_exposure", "total_cost", "cost_per_deliverable"]
    columns += ["cost_per_accepted", "cost_per_accepted_ci_low", "cost_per_accepted_ci_high"]
    return pd.DataFrame(rows, columns=columns)


def _shared(panel: Panel, a: int, b: int, cs: list[int]) -> np.ndarray:
    """Prompts both vendors' deliverables were scored on, on every criterion of ``cs`` (a mask over prompts)."""
    n_items = int(panel.item.max()) + 1
    both = np.ones(n_items, dtype=bool)
    for v in (a, b):
        for c in cs:
            sel = (panel.vendor == v) & (panel.criterion == c)
            both &= np.bincount(panel.item[sel], minlength=n_items) > 0
    return both


def comparisons_frame(panel: Panel, use: list[int], *, confidence: float, draws: int, seed: int) -> pd.DataFrame:
    """Every vendor pair on each reliable criterion's adjusted score and on the weighted score, on the prompts both
    answered: difference, simultaneous interval and adjusted p-value from one max-T over the whole family."""
    cols, raw, shared_n = _Columns(), [], []
    metrics = [(panel.criteria[c].name, [c]) for c in use] + ([(WEIGHTED, use)] if len(use) > 1 else [])
    for a, b in combinations(range(len(panel.vendors)), 2):
        for name, cs in metrics:
            prompts = _shared(panel, a, b, cs)
            on = prompts[panel.item]
            pieces = {}
            for kind, adjusted in (("adj", True), ("raw", False)):
                ta, ha = _metric(panel, on & (panel.vendor == a), cs, adjusted)
                tb, hb = _metric(panel, on & (panel.vendor == b), cs, adjusted)
                pieces[kind] = (ta - tb, ha - hb)
            cols.add((panel.vendors[a], panel.vendors[b], name), pieces["adj"])
            raw.append(pieces["raw"][0])
            shared_n.append(int(prompts.sum()))
    columns = ["vendor_a", "vendor_b", "metric", "shared_prompts", "difference", "raw_difference", "se", "df", "ci_low",
               "ci_high", "p_adjusted", "significant", "family_size"]  # fmt: skip
    if not cols.keys:
        return pd.DataFrame(columns=columns)
    est = np.asarray(cols.estimates)
    covariance = cols.covariance(panel)
    se = np.sqrt(np.clip(np.diag(covariance), 0.0, None))
    df = facet_df(np.stack(cols.influence, axis=1), panel.facets, np.diag(covariance))
    if draws > 0:
        test = gaussian_max_t(est, covariance, confidence, draws=draws, seed=seed, df=df)
        low, high, p, sig = test.low, test.high, test.p_adjusted, test.significant
    else:
        low = high = p = np.full(len(est), np.nan)
        sig = np.zeros(len(est), dtype=bool)
    rows = [
        (*key, shared_n[i], est[i], raw[i], se[i], df[i], low[i], high[i], p[i], bool(sig[i]), len(est))
        for i, key in enumerate(cols.keys)
    ]
    return pd.DataFrame(rows, columns=columns)


def _metric(panel: Panel, selected: np.ndarray, cs: list[int], adjusted: bool) -> tuple[float, np.ndarray]:
    """One criterion's mean score, or (several criteria) their weighted 0-1 score, over ``selected`` scores."""
    if len(cs) == 1:
        return _mean_influence(panel, selected & (panel.criterion == cs[0]), cs[0], adjusted, panel.y)
    return _weighted_influence(panel, selected, cs, adjusted)


def deliverables_frame(data: GradedData, panel: Panel, flags: dict[str, pd.Series], use: list[int]) -> pd.DataFrame:
    """One row per deliverable: vendor, prompt, writer, scores given, accepted (adjusted and raw), and its
    severity-adjusted weighted score on the reliable criteria (0-1)."""
    adjusted = deliverable_scores(panel, adjusted=True)
    weights = np.array([panel.criteria[c].weight for c in use], dtype=np.float64)
    lows = np.array([panel.criteria[c].low for c in use], dtype=np.float64)
    spans = np.array([panel.criteria[c].high - panel.criteria[c].low for c in use], dtype=np.float64)
    unit = ((adjusted[use].to_numpy(np.float64) - lows) / spans) @ (weights / weights.sum()) if use else np.nan
    per_d = pd.DataFrame(
        {
            "deliverable_id": np.asarray(panel.deliverable_names, dtype=object)[adjusted.index.to_numpy()],
            "accepted": flags["adj"].reindex(adjusted.index).to_numpy(),
            "raw_accepted": flags["raw"].reindex(adjusted.index).to_numpy(),
            "weighted_score": unit,
        }
    )
    scores = pd.Series(panel.deliverable).value_counts()
    per_d["scores"] = scores.reindex(adjusted.index).to_numpy()
    out = data.deliverables[["vendor", "deliverable_id", "item_id", "writer_id"]].merge(
        per_d, how="left", on="deliverable_id"
    )
    out["scores"] = out["scores"].fillna(0).astype("int64")
    return out


def writers_frame(deliverables: pd.DataFrame, confidence: float) -> pd.DataFrame:
    """Writers' report cards: deliverables, scored, accepted with a Wilson interval, mean weighted score."""
    scored = deliverables[deliverables["accepted"].notna()]
    grouped = deliverables.groupby(["vendor", "writer_id"], sort=False)
    cards = grouped.size().rename("deliverables").to_frame()
    tally = scored.groupby(["vendor", "writer_id"], sort=False).agg(
        scored=("accepted", "size"), accepted=("accepted", "sum"), weighted_score=("weighted_score", "mean")
    )
    cards = cards.join(tally).fillna({"scored": 0, "accepted": 0}).reset_index()
    cards[["scored", "accepted"]] = cards[["scored", "accepted"]].astype("int64")
    with np.errstate(invalid="ignore", divide="ignore"):
        cards["acceptance_rate"] = cards["accepted"] / cards["scored"].where(cards["scored"] > 0)
    low, high = wilson_interval(cards["accepted"].to_numpy(), cards["scored"].to_numpy(), confidence)
    cards["acceptance_rate_ci_low"], cards["acceptance_rate_ci_high"] = low, high
    return cards.sort_values(["vendor", "acceptance_rate"], ascending=[True, False], kind="stable", ignore_index=True)


def score_graded(data: GradedData, *, confidence: float = 0.95, n_boot: int = 1000, seed: int = 0) -> GradedFrames:
    """Every frame of a graded evaluation (``n_boot = 0``: no intervals on alpha and no tests)."""
    panel = build_panel(data)
    rel = reliability(panel, confidence=confidence, n_boot=n_boot, seed=seed)
    reliable = rel["reliable"].tolist()
    use = [c for c, ok in enumerate(reliable) if ok]
    flags = {
        "adj": accepted(data.project, deliverable_scores(panel, adjusted=True)),
        "raw": accepted(data.project, deliverable_scores(panel, adjusted=False)),
    }
    cost = vendor_costs(data)
    severity, balance, cramer_v = reviewer_frames(panel)
    draws = max(n_boot, GRADED_MIN_DRAWS) if n_boot else 0
    deliverables = deliverables_frame(data, panel, flags, use)
    estimated = severity_acceptance_variance(data.project, panel, draws=GRADED_SEVERITY_DRAWS, seed=seed)
    judges, judge_reviewers = judges_frame(data, reliable, confidence=confidence, n_boot=n_boot, seed=seed)
    facts = {
        "reviewer_imbalance_v": cramer_v,
        "reviewers_unbalanced": cramer_v >= GRADED_IMBALANCE_V,
        "disconnected_criteria": [c.name for c, f in zip(panel.criteria, panel.fits, strict=True) if not f.connected],
        "excluded_criteria": [c.name for c, ok in zip(panel.criteria, reliable, strict=True) if not ok],
        "acceptance_rule": str(data.project.acceptance.rule),
        "min_score": data.project.acceptance.min_score,
        "reviewers": len(panel.reviewer_names),
        "prompts": int(panel.item.max()) + 1 if len(panel.item) else 0,
    }
    return GradedFrames(
        summary=summary_frame(panel, flags, use, cost, confidence, estimated),
        criteria=criteria_frame(panel, reliable, confidence),
        reliability=rel,
        severity=severity,
        reviewer_balance=balance,
        comparisons=comparisons_frame(panel, use, confidence=confidence, draws=draws, seed=seed),
        writers=writers_frame(deliverables, confidence),
        cost=cost,
        deliverables=deliverables,
        facts=facts,
        judges=judges,
        judge_reviewers=judge_reviewers,
    )
