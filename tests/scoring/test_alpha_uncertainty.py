"""Alpha's two-way variance pieces against a naive computation, and its intervals' coverage by simulation.

The naive computation writes alpha as a function of weights, pair by pair in Python (an item's weight on its
values and pairs, a value's weight on itself and, times its partner's, on each of its pairs), and takes the
derivatives by central differences: the sums of squares of the derivatives by item, by annotator and by value,
each taken against its own mean, are ``V_i``, ``V_a`` and ``V_e``.
"""

from __future__ import annotations

import itertools
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import labeleval as le
from labeleval.io.pipeline import load_data
from labeleval.metrics.agreement import delta, midranks
from labeleval.project.manifest import load_project
from labeleval.scoring.alpha_uncertainty import alpha_parts
from labeleval.scoring.encode import encode, vendor_batches

KINDS = {
    "nominal": 'kind = "nominal"\nlabels = ["a", "b", "c", "d"]',
    "ordinal": 'kind = "ordinal"\nlabels = ["1", "2", "3", "4", "5"]',
    "interval": 'kind = "interval"\nrange = [0, 10]',
}


def manifest(kind: str) -> str:
    """One vendor ``V`` in ``v.csv``, no gold (usability by consensus)."""
    vendor = '[[vendors]]\nname = "V"\npath = "v.csv"\npricing = { model = "per_label", rate = 1 }\n'
    return f'[task]\nname = "t"\n{KINDS[kind]}\n\n[usability]\nrule = "consensus"\n\n{vendor}'


def write(folder: Path, kind: str, seed: int, n_items: int = 60, pool: int = 8) -> Path:
    """One vendor, 1 to 4 values per item from annotators of unequal skill and volume."""
    rng = np.random.default_rng(seed)
    skill = rng.uniform(0.3, 0.95, pool)
    volume = rng.dirichlet(np.full(pool, 1.5))
    values = {"nominal": list("abcd"), "ordinal": list("12345"), "interval": [str(v) for v in (0, 2.5, 4, 7, 10)]}[kind]
    rows = []
    for i in range(n_items):
        truth = int(rng.integers(0, len(values)))
        for a in rng.choice(pool, size=int(rng.integers(1, 5)), replace=False, p=volume):
            label = truth if rng.random() < skill[a] else int(rng.integers(0, len(values)))
            rows.append((f"i{i}", f"w{a}", values[label]))
    folder.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows, columns=["item_id", "annotator_id", "label"]).to_csv(folder / "v.csv", index=False)
    (folder / "labeleval.toml").write_text(manifest(kind))
    return folder


def naive_alpha(
    votes: list[tuple[int, int, int]], d: np.ndarray, item_w: dict[int, float], vote_w: list[float]
) -> float:
    """Alpha with weights, pair by pair: ``votes`` (item, label, annotator) of pairable items only."""
    by_item: dict[int, list[int]] = {}
    for j, (item, _, _) in enumerate(votes):
        by_item.setdefault(item, []).append(j)
    observed = 0.0
    marginals = np.zeros(len(d))
    for item, members in by_item.items():
        for j in members:
            marginals[votes[j][1]] += item_w[item] * vote_w[j]
        for j, k in itertools.permutations(members, 2):
            pair = vote_w[j] * vote_w[k] * d[votes[j][1], votes[k][1]]
            observed += item_w[item] * pair / (len(members) - 1)
    total = marginals.sum()
    return 1.0 - (total - 1.0) * observed / float(marginals @ d @ marginals)


def centred_sum_of_squares(derivative: np.ndarray, size: np.ndarray) -> float:
    """Sum of squares of derivatives taken against the mean per value (``size`` values in each)."""
    residual = derivative - size * derivative.sum() / size.sum()
    return float(residual @ residual)


def naive_parts(folder: Path) -> tuple[float, float, float, float]:
    """alpha, V_i, V_a, V_e by central differences of :func:`naive_alpha`."""
    enc = encode(load_data(load_project(folder)))
    (batch,) = vendor_batches(enc)
    counts = batch.store.dense()
    m = counts.sum(axis=1)
    votes = [
        (int(enc.item_codes[r]), int(enc.label_codes[r]), int(enc.keys[r]))
        for r in batch.rows
        if m[enc.item_codes[r]] >= 2
    ]
    marginals = counts[m >= 2].sum(axis=0)
    values = midranks(marginals) if enc.kind.level == "ordinal" else np.asarray(enc.kind.values, dtype=float)
    d = delta("interval" if enc.kind.level == "ordinal" else enc.kind.level, values)  # mid-ranks held
    items = sorted({v[0] for v in votes})
    ones = dict.fromkeys(items, 1.0)
    base = [1.0] * len(votes)
    h = 1e-5

    def diff(item_w: Callable[[float], dict[int, float]], vote_w: Callable[[float], list[float]]) -> float:
        up = naive_alpha(votes, d, item_w(h), vote_w(h))
        return (up - naive_alpha(votes, d, item_w(-h), vote_w(-h))) / (2 * h)

    def same_items(e: float) -> dict[int, float]:
        return ones

    def same_votes(e: float) -> list[float]:
        return base

    def item_up(i: int) -> Callable[[float], dict[int, float]]:
        return lambda e: {**ones, i: 1 + e}

    def votes_up(chosen: Callable[[int], bool]) -> Callable[[float], list[float]]:
        return lambda e: [1 + e if chosen(j) else 1.0 for j in range(len(votes))]

    def of_key(a: int) -> Callable[[int], bool]:
        return lambda j: votes[j][2] == a

    def only(j: int) -> Callable[[int], bool]:
        return lambda k: k == j

    by_item = np.array([diff(item_up(i), same_votes) for i in items])
    item_size = np.array([sum(v[0] == i for v in votes) for i in items], dtype=float)
    keys = sorted({v[2] for v in votes})
    by_key = np.array([diff(same_items, votes_up(of_key(a))) for a in keys])
    key_size = np.array([sum(v[2] == a for v in votes) for a in keys], dtype=float)
    by_vote = np.array([diff(same_items, votes_up(only(j))) for j in range(len(votes))])
    return (
        naive_alpha(votes, d, ones, base),
        centred_sum_of_squares(by_item, item_size),
        centred_sum_of_squares(by_key, key_size),
        centred_sum_of_squares(by_vote, np.ones(len(votes))),
    )


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_variance_pieces_equal_the_naive_derivatives(tmp_path: Path, kind: str) -> None:
    folder = write(tmp_path, kind, seed=len(kind))
    enc = encode(load_data(load_project(folder)))
    (batch,) = vendor_batches(enc)
    parts = alpha_parts(enc, batch)
    assert parts is not None
    alpha, v_items, v_annotators, v_values = naive_parts(folder)
    assert parts.value == pytest.approx(alpha, rel=1e-9)
    assert parts.value == pytest.approx(le.evaluate(folder, n_boot=0).summary["alpha"].iloc[0], rel=1e-9)
    assert parts.item_variance == pytest.approx(v_items, rel=1e-5)
    assert parts.annotator_variance == pytest.approx(v_annotators, rel=1e-5)
    assert parts.judgment_variance == pytest.approx(v_values, rel=1e-5)
    assert parts.volume.sum() == parts.values


def test_items_only_keeps_the_item_interval_and_two_way_widens_it(tmp_path: Path) -> None:
    folder = write(tmp_path, "nominal", seed=3, n_items=200)
    items = le.evaluate(folder, n_boot=400, seed=1, uncertainty="items").summary.iloc[0]
    both = le.evaluate(folder, n_boot=400, seed=1).summary.iloc[0]
    assert items.alpha == both.alpha
    assert both.alpha_ci_low < items.alpha_ci_low and both.alpha_ci_high > items.alpha_ci_high
    assert both.alpha_ci_high <= 1.0


# ------------------------------------------------------------------------------------------ coverage
def population_alpha(skill_sd: float, rng: np.random.Generator) -> float:
    """Alpha of fresh annotators on fresh items (3 values per item, 4 labels), by simulating 200,000 items."""
    n = 200_000
    gold = rng.integers(0, 4, n)
    p = 1 / (1 + np.exp(-(1.7 + skill_sd * rng.standard_normal((n, 3)) + 0.7 * rng.standard_normal((n, 1)))))
    labels = np.where(rng.random((n, 3)) < p, gold[:, None], (gold[:, None] + rng.integers(1, 4, (n, 3))) % 4)
    counts = np.stack([(labels == c).sum(axis=1) for c in range(4)], axis=1)
    observed = (3 * 3 - (counts**2).sum(axis=1)).sum() / 2.0
    marginals = counts.sum(axis=0)
    total = marginals.sum()
    return 1.0 - (total - 1.0) * observed / (total**2 - (marginals**2).sum())


@pytest.mark.slow
def test_two_way_alpha_interval_covers_the_population_alpha() -> None:
    """10 annotators of skill sd 1.0, 150 items: the item-only interval misses the population alpha often, the
    two-way one covers it about 92% of the time (docs/metrics.md); 120 projects give a Monte-Carlo error of 2.5
    points."""
    rng = np.random.default_rng(2026)
    truth = population_alpha(1.0, rng)
    hits = {"items": 0, "items_and_annotators": 0}
    reps = 120
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for rep in range(reps):
            skills = 1.7 + rng.standard_normal(10)
            gold = rng.integers(0, 4, 150)
            who = np.argsort(rng.random((150, 10)), axis=1)[:, :3]
            p = 1 / (1 + np.exp(-(skills[who] + 0.7 * rng.standard_normal((150, 1)))))
            labels = np.where(
                rng.random(who.shape) < p, gold[:, None], (gold[:, None] + rng.integers(1, 4, who.shape)) % 4
            )
            pd.DataFrame(
                {
                    "item_id": np.repeat(np.arange(150), 3),
                    "annotator_id": who.ravel(),
                    "label": np.array(list("abcd"))[labels.ravel()],
                }
            ).to_csv(folder / "v.csv", index=False)
            (folder / "labeleval.toml").write_text(manifest("nominal"))
            for uncertainty in hits:
                row = le.evaluate(folder, n_boot=300, seed=rep, uncertainty=uncertainty).summary.iloc[0]
                hits[uncertainty] += bool(row.alpha_ci_low <= truth <= row.alpha_ci_high)
    assert hits["items"] / reps < 0.8
    assert 0.88 <= hits["items_and_annotators"] / reps <= 0.99
