"""The bootstrap engine, the tests it reports and the vendor-uncertainty primitives (group variances,
two-way samples, proportion intervals, max-t, tie credit) against independent computations: direct
computation, brute-force resampling, statsmodels and scipy."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy import stats as sps
from statsmodels.stats.contingency_tables import mcnemar
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint

from labeleval.inference.stats import (
    ANNOTATOR_STREAM,
    BLOCK,
    CrossedDesign,
    annotator_df_terms,
    annotator_df_terms_array,
    annotator_excess,
    bootstrap_p_value,
    bootstrap_totals,
    crossed_components,
    crossed_variance,
    excess_factor,
    group_variance,
    holm,
    jeffreys_se,
    max_t,
    mcnemar_exact,
    percentile_ci,
    proportion_interval,
    satterthwaite_df,
    two_way_df,
    two_way_df_array,
    two_way_samples,
    volume_df,
    volume_factor,
    volume_moments,
    weight_blocks,
    wilson_interval,
)
from labeleval.metrics.forms import DenseCounts


def _judgments(seed: int, n_items: int = 200, n_annotators: int = 12, per_item: int = 3):
    rng = np.random.default_rng(seed)
    item = np.repeat(np.arange(n_items), per_item)
    annotator = rng.integers(0, n_annotators, len(item))
    skill = rng.uniform(0.6, 0.95, n_annotators)
    x = (rng.random(len(item)) < skill[annotator]).astype(float)
    return item, annotator, x


@pytest.mark.parametrize("unit", ["item", "annotator", "judgment"])
def test_group_variance_is_the_poisson_bootstrap_variance_of_the_ratio(unit: str) -> None:
    item, annotator, x = _judgments(0)
    s = np.ones_like(x)
    groups = {"item": item, "annotator": annotator, "judgment": np.arange(len(x))}[unit]
    n_groups = int(groups.max()) + 1
    sums = np.column_stack([np.bincount(groups, x, n_groups), np.bincount(groups, s, n_groups)])
    totals = bootstrap_totals(sums, n_boot=20000, seed=3)  # brute force: resample the groups
    r = x.sum() / s.sum()
    linearised = np.var((totals[:, 0] - r * totals[:, 1]) / s.sum(), ddof=1)
    assert group_variance(x, s, groups) == pytest.approx(linearised, rel=0.03)
    if unit != "annotator":  # with many groups the ratio itself is close to its linearisation
        assert group_variance(x, s, groups) == pytest.approx(np.var(totals[:, 0] / totals[:, 1], ddof=1), rel=0.05)


def test_group_variance_of_independent_judgments_is_binomial() -> None:
    x = np.array([1.0] * 30 + [0.0] * 10)
    assert group_variance(x, np.ones(40), np.arange(40)) == pytest.approx(0.75 * 0.25 / 40)
    assert np.isnan(group_variance(np.zeros(3), np.zeros(3), np.arange(3)))


def test_annotator_weights_are_a_separate_stream() -> None:
    stats = np.ones((50, 1))
    items = bootstrap_totals(stats, n_boot=30, seed=4)
    annotators = bootstrap_totals(stats, n_boot=30, seed=4, stream=ANNOTATOR_STREAM)
    assert not np.array_equal(items, annotators)
    np.testing.assert_array_equal(annotators, bootstrap_totals(stats, n_boot=30, seed=4, stream=ANNOTATOR_STREAM))


def test_annotator_excess_corrects_small_samples_and_is_never_negative() -> None:
    out = annotator_excess(np.array([1.0, 1.0, 0.5, 1.0]), np.array([0.5, 0.5, 2.0, 0.1]), np.array([5, 2, 10, 1]))
    np.testing.assert_allclose(out, [5 / 4 * 0.5, 2.0 * 0.5, 0.0, 0.0])
    # an item-level ratio over m = 3 judgments per item among G = 5 annotators: dilution (5 - 3) / (5 - 1)
    assert annotator_excess([1.0], [0.5], [5], 3.0)[0] == pytest.approx(5 / 4 * 0.5 / 0.5**2)


def test_two_way_samples_add_the_excess_variance_and_keep_item_pairing() -> None:
    rng = np.random.default_rng(1)
    point = np.array([0.8, 0.7])
    item = point + rng.normal(0, 0.02, (4000, 2))
    annotator = point + rng.normal(0, 0.05, (4000, 2))
    combined = two_way_samples(point, item, annotator, np.array([0.03**2, 0.0]))
    assert np.var(combined[:, 0] - item[:, 0], ddof=1) == pytest.approx(0.03**2, rel=1e-9)
    np.testing.assert_array_equal(combined[:, 1], item[:, 1])  # no excess: the item bootstrap itself


def test_two_way_intervals_cover_a_vendor_with_few_annotators() -> None:
    """Simulated vendors of 6 annotators from one skill distribution: the two-way variance (item + annotator
    - judgment) tracks the true spread of the vendor's accuracy across workforces; the item bootstrap does not."""
    rng = np.random.default_rng(7)
    estimates, two_way, items_only = [], [], []
    for _ in range(400):
        skill = rng.beta(8, 2, 6)
        item = np.repeat(np.arange(150), 3)
        annotator = np.concatenate([rng.choice(6, 3, replace=False) for _ in range(150)])
        x = (rng.random(len(item)) < skill[annotator]).astype(float)
        s = np.ones_like(x)
        v_i = group_variance(x, s, item)
        v_a = group_variance(x, s, annotator)
        v_e = group_variance(x, s, np.arange(len(x)))
        estimates.append(x.mean())
        two_way.append(v_i + annotator_excess(np.array([v_a]), np.array([v_e]), np.array([6]))[0])
        items_only.append(v_i)
    true_var = np.var(estimates, ddof=1)
    assert np.mean(two_way) == pytest.approx(true_var, rel=0.25)
    assert np.mean(items_only) < 0.5 * true_var


def _design_of(item: np.ndarray, annotator: np.ndarray, s: np.ndarray) -> CrossedDesign:
    """The crossed design's sums written out judgment by judgment (``s`` item-level)."""
    by_key = np.bincount(annotator, s)
    by_item = np.bincount(item, s)
    return CrossedDesign(
        total=float(s.sum()),
        annotators=by_key,
        items=by_item,
        squares=float(np.sum(s**2)),
        cubes=float(np.sum(s**3)),
        annotator_squares=float(np.sum(s**2 * by_key[annotator])),
        item_squares=float(np.sum(s**2 * by_item[item])),
        cross=float(np.sum(s * by_key[annotator] * by_item[item])),
    )


def _sums_of_squares(item: np.ndarray, annotator: np.ndarray, x: np.ndarray, s: np.ndarray) -> np.ndarray:
    """Each row of ``x`` (replicates x judgments): its residuals' sums of squares by annotator, item, judgment."""
    x = np.atleast_2d(x)
    d = x - (x.sum(axis=1) / s.sum())[:, None] * s[None, :]
    out = []
    for codes in (annotator, item):
        incidence = np.zeros((len(codes), int(codes.max()) + 1))
        incidence[np.arange(len(codes)), codes] = 1.0
        out.append(np.sum((d @ incidence) ** 2, axis=1))
    out.append(np.sum(d**2, axis=1))
    return np.column_stack(out)


def _simulated(truth: np.ndarray, item: np.ndarray, annotator: np.ndarray, reps: int, seed: int) -> np.ndarray:
    """``reps`` draws of ``y = a_annotator + b_item + e`` with the variances ``truth`` (replicates x judgments)."""
    rng = np.random.default_rng(seed)
    a = np.sqrt(truth[0]) * rng.standard_normal((reps, int(annotator.max()) + 1))
    b = np.sqrt(truth[1]) * rng.standard_normal((reps, int(item.max()) + 1))
    return a[:, annotator] + b[:, item] + np.sqrt(truth[2]) * rng.standard_normal((reps, len(item)))


@pytest.mark.slow
@pytest.mark.parametrize("crossed", [True, False], ids=["every annotator every item", "3 of 12 per item"])
def test_crossed_components_are_unbiased_in_a_simulated_crossed_design(crossed: bool) -> None:
    """Independent check by simulation: ``y = a_annotator + b_item + e`` with known variances on a fixed design
    (some items off the ratio, ``s = 0``); the moment estimates average the true variances, and the variance
    they give averages the ratio's variance measured across the simulated data."""
    rng = np.random.default_rng(11)
    n_items, n_keys = (40, 3) if crossed else (120, 12)
    if crossed:
        item, annotator = np.repeat(np.arange(n_items), n_keys), np.tile(np.arange(n_keys), n_items)
    else:
        item = np.repeat(np.arange(n_items), 3)
        annotator = np.concatenate([rng.choice(n_keys, 3, replace=False) for _ in range(n_items)])
    s = (rng.random(n_items) < 0.9).astype(float)[item]
    design = _design_of(item, annotator, s)
    truth = np.array([0.3, 0.5, 1.0])  # annotator, item, judgment variances
    x = s * _simulated(truth, item, annotator, 3000, seed=12)
    squares = _sums_of_squares(item, annotator, x, s)
    components = [crossed_components(design, *q) for q in squares]
    variances = [crossed_variance(design, *q) for q in squares]
    np.testing.assert_allclose(np.mean(components, axis=0), truth, rtol=0.12)
    assert np.mean(variances) == pytest.approx(np.var(x.sum(axis=1) / s.sum()), rel=0.1)


@pytest.mark.slow
def test_the_components_estimator_loses_item_variance_when_annotators_share_items() -> None:
    """3 annotators who each judge every item: ``V_i + c (V_a - V_e)`` subtracts item variance the annotators'
    residuals do not hold (about half of it); the moment variance does not."""
    rng = np.random.default_rng(5)
    n_items, n_keys = 50, 3
    item, annotator = np.repeat(np.arange(n_items), n_keys), np.tile(np.arange(n_keys), n_items)
    s = np.ones(len(item))
    design = _design_of(item, annotator, s)
    y = _simulated(np.array([0.0025, 1.0, 0.25]), item, annotator, 4000, seed=int(rng.integers(1000)))
    squares = _sums_of_squares(item, annotator, y, s)
    total = float(s.sum()) ** 2
    c = float(excess_factor([n_keys])[0])
    old = squares[:, 1] / total + c * (squares[:, 0] - squares[:, 2]) / total
    new = [crossed_variance(design, *q) for q in squares]
    measured = np.var(y.mean(axis=1))
    assert np.mean(new) == pytest.approx(measured, rel=0.08)
    assert np.mean(old) < 0.85 * measured


def test_crossed_variance_is_undefined_where_the_design_cannot_separate_the_components() -> None:
    item = np.arange(30)  # one judgment per item: items and judgments are the same units
    annotator = item % 5
    s = np.ones(30)
    assert np.isnan(crossed_variance(_design_of(item, annotator, s), 1.0, 1.0, 1.0))
    one = np.zeros(30, dtype=int)  # a single annotator
    assert np.all(np.isnan(crossed_components(_design_of(np.repeat(np.arange(10), 3), one, s), 1.0, 1.0, 1.0)))


def _brute_force_quadratic_form(volumes: np.ndarray) -> np.ndarray:
    """The matrix ``A`` of the residuals' sum of squares ``|D_w (I - 1 w') a|^2``, written out."""
    w = volumes / volumes.sum()
    centre = np.eye(len(w)) - np.outer(np.ones(len(w)), w)
    return centre.T @ np.diag(w**2) @ centre


@pytest.mark.parametrize("seed", range(5))
def test_volume_factor_and_df_match_the_quadratic_form(seed: int) -> None:
    rng = np.random.default_rng(seed)
    volumes = np.exp(1.5 * rng.standard_normal(int(rng.integers(2, 40))))
    a = _brute_force_quadratic_form(volumes)
    w = volumes / volumes.sum()
    trace, trace_sq = volume_moments(volumes)
    assert trace == pytest.approx(np.trace(a), rel=1e-10)
    assert trace_sq == pytest.approx(np.trace(a @ a), rel=1e-10)
    assert volume_factor(volumes) == pytest.approx(np.sum(w**2) / np.trace(a), rel=1e-10)
    assert volume_df(volumes) == pytest.approx(np.trace(a) ** 2 / np.trace(a @ a), rel=1e-10)


def test_volume_factor_is_unbiased_and_reduces_to_g_over_g_minus_one() -> None:
    """Simulated annotator effects: the factor times the residuals' sum of squares averages the variance the
    effects add to the volume-weighted mean, ``sum w^2``; Kish's ``G / (G - 1)`` falls short with one busy
    annotator."""
    for g in (2, 3, 5, 20):
        assert volume_factor(np.ones(g)) == pytest.approx(g / (g - 1))
        assert volume_df(np.ones(g)) == pytest.approx(g - 1)
    volumes = np.concatenate([[0.53 / 0.47 * 19], np.ones(19)])  # one of 20 does 53% of the work
    w = volumes / volumes.sum()
    effects = np.random.default_rng(3).standard_normal((200_000, len(w)))
    residual = w * (effects - (effects @ w)[:, None])
    squares = (residual**2).sum(axis=1)
    assert volume_factor(volumes) * squares.mean() == pytest.approx(np.sum(w**2), rel=0.01)
    kish = 1.0 / np.sum(w**2)
    assert kish / (kish - 1) * squares.mean() < 0.5 * np.sum(w**2)
    # its df: a chi-square with tr(A)^2 / tr(A^2) df has the simulated sum's coefficient of variation
    assert 2 / volume_df(volumes) == pytest.approx(np.var(squares) / squares.mean() ** 2, rel=0.05)
    assert volume_df(volumes) < 2.0  # far fewer than Kish's 3.4 - 1
    assert np.isnan(volume_factor(np.array([5.0]))) and volume_df(np.array([5.0])) == 0.0


@pytest.mark.parametrize("seed", range(4))
def test_volume_factor_recovers_the_brute_force_variance_of_the_weighted_mean(seed: int) -> None:
    """Brute force: annotator effects of variance 0.49 are drawn many times; the variance of the vendor's
    volume-weighted mean is measured directly, and the factor times the mean sum of squared residuals (each
    effect against that mean, weighted by its share) must equal it. Equal volumes (seed 0): ``G / (G - 1)``."""
    rng = np.random.default_rng(seed)
    g = int(rng.integers(3, 12))
    volumes = np.exp(1.2 * rng.standard_normal(g)) if seed else np.ones(g)
    w = volumes / volumes.sum()
    effects = 0.7 * rng.standard_normal((100_000, g))
    mean = effects @ w
    squares = ((w * (effects - mean[:, None])) ** 2).sum(axis=1)
    assert volume_factor(volumes) * squares.mean() == pytest.approx(np.var(mean), rel=0.03)
    if seed == 0:
        assert volume_factor(volumes) == pytest.approx(g / (g - 1))


def test_two_way_df_cannot_exceed_what_the_annotators_support() -> None:
    """The annotator excess is a difference of mean squares: its df terms count ``c (V_a - V_e / 2)``, not the
    excess, so an excess estimated at 0 does not make the df the items'. Without item variance the df is at most
    ``df_a``."""
    c, df_a = 1.25, 4.0
    terms = annotator_df_terms(1.0, 1.0, c, df_a, 1000.0)
    assert terms == pytest.approx((c / 2) ** 2 / df_a + (c / 2) ** 2 / 1000.0)
    assert two_way_df(0.0, 299.0, 0.0, terms) == 0.0  # nothing known: no df
    for v_a, v_e in ((1.0, 0.2), (1.0, 0.9), (5.0, 0.1)):
        excess = c * (v_a - v_e)
        assert two_way_df(0.0, 299.0, excess, annotator_df_terms(v_a, v_e, c, df_a, 1000.0)) <= df_a
    # an under-estimated excess no longer gives the items' df: 299 for the excess-only Satterthwaite formula
    assert float(satterthwaite_df(np.array([1.0, 0.0]), np.array([299.0, df_a]))) == 299.0
    small = two_way_df(1.0, 299.0, 0.0, annotator_df_terms(1.0, 1.0, c, df_a, 1000.0))
    assert small < 12.0
    assert annotator_df_terms(1.0, 1.0, float("nan"), df_a, 1000.0) == 0.0  # one annotator: no annotator part


def test_element_wise_df_forms_are_the_scalar_ones() -> None:
    """A plan reads the df of many simulated pilots at once: the element-wise forms give, value by value, what the
    scalar functions the report uses give, edge cases included (no annotator part, no item variance, NaN)."""
    rng = np.random.default_rng(3)
    v_a, v_e = rng.exponential(1.0, 40), rng.exponential(1.0, 40)
    c = np.where(rng.random(40) < 0.1, np.nan, rng.uniform(1.0, 2.0, 40))
    df_a, df_e = rng.choice([0.0, 3.0, 19.0], 40), rng.choice([0.0, 50.0, np.inf], 40)
    v_a[:3] = np.nan
    terms = annotator_df_terms_array(v_a, v_e, c, df_a, df_e)
    assert terms.tolist() == [annotator_df_terms(*row) for row in zip(v_a, v_e, c, df_a, df_e, strict=True)]
    item, excess = np.where(rng.random(40) < 0.2, 0.0, rng.exponential(1.0, 40)), rng.exponential(1.0, 40)
    item_df = rng.choice([1.0, 49.0, 499.0], 40)
    expected = [two_way_df(*row) for row in zip(item, item_df, excess, terms, strict=True)]
    assert two_way_df_array(item, item_df, excess, terms).tolist() == expected


def test_satterthwaite_df() -> None:
    v, d = np.array([2.0, 1.0, 0.5]), np.array([4.0, 9.0, np.inf])
    assert float(satterthwaite_df(v, d)) == pytest.approx(3.5**2 / (4 / 4 + 1 / 9))
    assert float(satterthwaite_df(np.array([1.0, 0.0]), np.array([np.inf, 3.0]))) == np.inf


@pytest.mark.parametrize(("x", "n"), [(0, 20), (3, 20), (19, 20), (20, 20), (97, 100), (500, 1000)])
def test_proportion_interval_is_wilson_at_the_binomial_variance(x: int, n: int) -> None:
    p = x / n
    low, high = proportion_interval(np.array([p]), np.array([n]), np.array([p * (1 - p) / n]), 0.95)
    ref_low, ref_high = proportion_confint(x, n, alpha=0.05, method="wilson")
    assert low[0] == pytest.approx(ref_low, abs=1e-9)
    assert high[0] == pytest.approx(ref_high, abs=1e-9)
    assert high[0] - low[0] > 0


def test_proportion_interval_uses_the_design_effect_and_the_t_quantile() -> None:
    p, n = 0.8, 400
    binomial = p * (1 - p) / n
    low, high = proportion_interval(np.array([p]), np.array([n]), np.array([2 * binomial]), 0.9)
    ref = proportion_confint(int(p * 200), 200, alpha=0.1, method="wilson")  # deff 2: half the trials
    np.testing.assert_allclose([low[0], high[0]], ref, atol=1e-9)
    t_low, t_high = proportion_interval(np.array([p]), np.array([n]), np.array([binomial]), 0.95, df=4.0)
    z = sps.t.ppf(0.975, 4)
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    np.testing.assert_allclose([t_low[0], t_high[0]], [centre - half, centre + half])
    # a bootstrap variance below the binomial never narrows the interval
    np.testing.assert_allclose(
        proportion_interval(np.array([p]), np.array([n]), np.array([binomial / 4]), 0.95),
        proportion_interval(np.array([p]), np.array([n]), np.array([binomial]), 0.95),
    )
    assert np.isnan(proportion_interval(np.array([np.nan]), np.array([0]), np.array([0.0]), 0.95)[0][0])


def test_jeffreys_se() -> None:
    np.testing.assert_allclose(jeffreys_se(np.array([10]), np.array([10])), np.sqrt((10.5 / 11) * (0.5 / 11) / 10))
    assert np.isnan(jeffreys_se(np.array([0]), np.array([0]))[0])


def _brute_max_t(est: np.ndarray, samples: np.ndarray, alpha: float) -> tuple[np.ndarray, float]:
    se = samples.std(axis=0, ddof=1)
    z = np.abs(est / se)
    maxima = np.array(
        [max(abs((samples[b, k] - est[k]) / se[k]) for k in range(len(est))) for b in range(len(samples))]
    )
    p = np.array([(1 + sum(m >= zk for m in maxima)) / (len(maxima) + 1) for zk in z])
    return p, float(np.sort(maxima)[::-1][int(np.floor(alpha * (len(maxima) + 1))) - 1])


def test_max_t_matches_a_brute_force_computation() -> None:
    rng = np.random.default_rng(5)
    est = np.array([0.05, -0.01, 0.2, 0.0])
    samples = est + rng.normal(0, [0.02, 0.03, 0.1, 0.01], (199, 4))
    out = max_t(est, samples, 0.95)
    p, critical = _brute_max_t(est, samples, 0.05)
    np.testing.assert_allclose(out.p_adjusted, p)
    assert out.critical == pytest.approx(critical)


@pytest.mark.parametrize("seed", range(20))
def test_significant_exactly_when_the_simultaneous_interval_excludes_zero(seed: int) -> None:
    rng = np.random.default_rng(seed)
    m = int(rng.integers(1, 7))
    est = rng.normal(0, 0.05, m)
    sd = rng.uniform(0.005, 0.04, m)
    samples = est + rng.normal(0, 1, (int(rng.integers(50, 400)), m)) * sd
    df = np.where(rng.random(m) < 0.5, np.inf, rng.uniform(2, 30, m))
    out = max_t(est, samples, 0.95, df=df)
    excludes = (out.low > 0) | (out.high < 0)
    np.testing.assert_array_equal(out.significant, excludes)
    np.testing.assert_array_equal(out.significant, out.p_adjusted <= 0.05)
    assert np.all(out.p_adjusted >= 1 / (len(samples) + 1))


def test_max_t_of_one_test_is_close_to_the_normal_test_and_t_df_widens() -> None:
    rng = np.random.default_rng(2)
    samples = 0.03 + rng.normal(0, 0.015, (20000, 1))
    out = max_t(np.array([0.03]), samples, 0.95)
    se = samples.std(ddof=1)
    assert out.p_adjusted[0] == pytest.approx(2 * sps.norm.sf(0.03 / se), abs=0.004)
    assert out.high[0] - 0.03 == pytest.approx(sps.norm.ppf(0.975) * se, rel=0.02)
    wide = max_t(np.array([0.03]), samples, 0.95, df=np.array([5.0]))
    assert wide.high[0] - 0.03 == pytest.approx(sps.t.ppf(0.975, 5) * se, rel=0.02)
    assert wide.p_adjusted[0] == pytest.approx(2 * sps.t.sf(0.03 / se, 5), abs=0.004)


def test_max_t_critical_value_of_independent_tests_is_sidak() -> None:
    rng = np.random.default_rng(3)
    samples = rng.normal(0, 1, (40000, 5))
    out = max_t(np.zeros(5), samples, 0.95)
    assert out.critical == pytest.approx(sps.norm.ppf(1 - (1 - 0.95 ** (1 / 5)) / 2), abs=0.03)


def test_a_zero_bootstrap_se_never_gives_p_zero() -> None:
    samples = np.tile([1.0, -1.0, 0.0], (100, 1))  # every resample equals the estimate
    out = max_t(np.array([1.0, -1.0, 0.0]), samples, 0.95)
    assert not out.significant.any()
    assert np.isnan(out.p_adjusted).all()
    floored = max_t(np.array([1.0, 0.02]), samples[:, :2] * [1, -0.02], 0.95, se_floor=np.array([0.1, 0.1]))
    assert floored.significant.tolist() == [True, False]
    assert floored.p_adjusted[0] == pytest.approx(1 / 101)
    assert floored.low[1] < 0 < floored.high[1]


def _random_tie_expectation(counts: np.ndarray, gold: int) -> float:
    top = counts.max()
    tied = [c for c in range(len(counts)) if counts[c] == top]
    return sum(1.0 for c in tied if c == gold) / len(tied)


def test_tie_credit_is_the_expected_accuracy_of_random_tie_breaking() -> None:
    cases = [np.array(c) for c in itertools.product(range(3), repeat=3) if sum(c) > 0]
    counts = np.vstack(cases)
    for g in range(3):
        credit, ties = DenseCounts(counts).tie_credit(np.full(len(counts), g))
        expected = [_random_tie_expectation(c, g) for c in cases]
        np.testing.assert_allclose(credit, expected)
        np.testing.assert_array_equal(ties, [(c == c.max()).sum() for c in cases])


def test_tie_credit_with_a_tolerance_and_without_gold() -> None:
    hit = np.abs(np.subtract.outer(np.arange(4), np.arange(4))) <= 1  # within one step of gold
    credit, ties = DenseCounts(np.array([[1, 0, 1, 0], [0, 0, 0, 0], [2, 0, 0, 0]])).tie_credit(
        np.array([1, 1, -1]), hit
    )
    assert credit.tolist() == [1.0, 0.0, 0.0]
    assert ties.tolist() == [2, 0, 1]


def test_more_labels_never_look_worse_by_construction() -> None:
    """Identical annotators: expected credit with 2 labels per item equals that with 1 (random tie-breaking)."""
    rng = np.random.default_rng(0)
    n, p = 200000, 0.8
    gold = np.zeros(n, dtype=np.int64)
    labels = np.where(rng.random((n, 2)) < p, 0, rng.integers(1, 4, (n, 2)))
    one = np.zeros((n, 4))
    np.add.at(one, (np.arange(n), labels[:, 0]), 1)
    two = one.copy()
    np.add.at(two, (np.arange(n), labels[:, 1]), 1)
    assert DenseCounts(two).tie_credit(gold)[0].mean() == pytest.approx(
        DenseCounts(one).tie_credit(gold)[0].mean(), abs=0.005
    )


# --------------------------------------------------------------------- bootstrap engine and tests
def test_weights_are_poisson_one() -> None:
    _, w = next(weight_blocks(400, BLOCK, seed=3))
    assert w.mean() == pytest.approx(1.0, abs=0.01)
    assert w.var() == pytest.approx(1.0, abs=0.02)
    assert (w == 0).mean() == pytest.approx(np.exp(-1), abs=0.01)


def test_totals_equal_explicit_weighted_sums_across_blocks() -> None:
    rng = np.random.default_rng(0)
    stats = rng.random((BLOCK + 123, 3))
    totals = bootstrap_totals(stats, n_boot=7, seed=5)
    weights = np.hstack([w for _, w in weight_blocks(7, len(stats), seed=5)]).astype(float)
    np.testing.assert_allclose(totals, weights @ stats)


def test_same_seed_same_resamples_other_seed_differs() -> None:
    stats = np.random.default_rng(1).random((50, 2))
    a = bootstrap_totals(stats, n_boot=20, seed=9)
    np.testing.assert_array_equal(a, bootstrap_totals(stats, n_boot=20, seed=9))
    assert not np.array_equal(a, bootstrap_totals(stats, n_boot=20, seed=10))


def test_bootstrap_ci_of_a_mean_covers_like_a_t_interval() -> None:
    """On iid data the item bootstrap CI of a mean is close to the t interval."""
    rng = np.random.default_rng(2)
    x = rng.normal(10, 2, 400)
    stats = np.column_stack([x, np.ones_like(x)])
    totals = bootstrap_totals(stats, n_boot=2000, seed=1)
    low, high = percentile_ci((totals[:, 0] / totals[:, 1])[:, None], 0.95)
    half = 1.96 * x.std(ddof=1) / np.sqrt(len(x))
    assert low[0] == pytest.approx(x.mean() - half, abs=0.04)
    assert high[0] == pytest.approx(x.mean() + half, abs=0.04)


def test_wilson_matches_statsmodels() -> None:
    k, n = np.array([0, 3, 17, 50]), np.array([10, 10, 40, 50])
    low, high = wilson_interval(k, n, 0.95)
    peer_low, peer_high = proportion_confint(k, n, alpha=0.05, method="wilson")
    np.testing.assert_allclose(low, peer_low, atol=1e-12)
    np.testing.assert_allclose(high, peer_high, atol=1e-12)


@pytest.mark.parametrize(("b", "c"), [(3, 11), (0, 5), (7, 7), (20, 4), (480, 530), (0, 0)])
def test_mcnemar_exact_matches_statsmodels(b: int, c: int) -> None:
    assert mcnemar_exact(b, c) == pytest.approx(mcnemar([[10, b], [c, 10]], exact=True).pvalue)


def test_holm_matches_statsmodels() -> None:
    p = np.array([0.01, 0.04, 0.03, 0.2, np.nan])
    ours = holm(p)
    peer = multipletests(p[:4], method="holm")[1]
    np.testing.assert_allclose(ours[:4], peer)
    assert np.isnan(ours[4])


def test_p_value_from_bootstrap_se() -> None:
    d = np.random.default_rng(0).normal(0.5, 0.25, 5000)
    assert bootstrap_p_value(0.5, d) == pytest.approx(0.0455, abs=0.004)  # z = 2
    assert bootstrap_p_value(0.0, d) == pytest.approx(1.0)
